import AugurActivations
import AugurLLM
import Foundation

/// Builds the explanation prompt of every ``ExplanationMethod`` except `ensemble-concat` (which
/// makes no request): a system turn, three few-shot exchanges about made-up features, and the
/// feature's evidence as the last user turn. The answer is asked for after `[EXPLANATION]:`.
public struct PromptBuilder: Sendable {
    /// How much evidence to show.
    public var options: ExplainerOptions
    /// Counts a text's tokens for the budget (default: ``estimateTokens``).
    public var countTokens: @Sendable (String) -> Int

    public init(options: ExplainerOptions = ExplainerOptions(), countTokens: @escaping @Sendable (String) -> Int = estimateTokens) {
        self.options = options
        self.countTokens = countTokens
    }

    /// How much of each kind of evidence one build shows; shrunk until the prompt fits the budget.
    struct Amounts: Equatable {
        var examples: Int
        var negatives: Int
        var vocab: Int
        var tokenChange: Int

        func shrunk() -> Amounts {
            func s(_ n: Int) -> Int { n <= 1 ? 1 : min(n - 1, n * 4 / 5) }
            return Amounts(examples: s(examples), negatives: s(negatives), vocab: s(vocab), tokenChange: s(tokenChange))
        }
    }

    /// The prompt for `evidence` by `method`, or the reason it cannot be built (missing evidence,
    /// `ensemble-concat`, invalid options). Evidence is reduced step by step until the estimated
    /// size fits ``ExplainerOptions/promptTokenBudget`` (down to one item of each kind).
    public func prompt(for evidence: FeatureEvidence, method: ExplanationMethod) throws(ExplanationFailureCause) -> ExplanationPrompt {
        do { try options.validate() } catch { throw ExplanationFailureCause(kind: .invalid, message: error.description) }
        let available = try EvidenceCheck.available(evidence, for: method, options: options)
        var amounts = Amounts(examples: method == .ensemble ? options.ensembleExamples : options.maxExamples,
                              negatives: options.contrastiveNegatives, vocab: options.vocabTokens,
                              tokenChange: options.tokenChangeTokens)
        while true {
            let built = build(available, method: method, amounts: amounts)
            let size = built.messages.reduce(0) { $0 + countTokens($1.content) + 4 }
            let next = amounts.shrunk()
            if size <= options.promptTokenBudget || next == amounts {
                return ExplanationPrompt(method: method, messages: built.messages, shown: built.shown, estimatedTokens: size)
            }
            amounts = next
        }
    }

    private func build(_ e: EvidenceCheck.Available, method: ExplanationMethod, amounts: Amounts)
        -> (messages: [ChatMessage], shown: EvidenceShown) {
        var messages = [ChatMessage(role: "system", content: PromptText.system(method, activationList: options.showActivationList))]
        if options.fewShot {
            for shot in FewShot.shots {
                let s = EvidenceCheck.Available(examples: shot.examples, negatives: shot.negatives,
                                                vocabProj: shot.vocabProj, tokenChange: shot.tokenChange)
                let answer: String
                switch method {
                case .vocabproj: answer = shot.vocabAnswer
                case .tokenchange: answer = shot.tokenChangeAnswer
                case .ensemble: answer = shot.ensembleAnswer
                default: answer = shot.inputAnswer
                }
                messages.append(ChatMessage(role: "user", content: body(s, method: method, amounts: amounts).text))
                messages.append(ChatMessage(role: "assistant", content: "\(PromptText.marker) \(answer)"))
            }
        }
        let final = body(e, method: method, amounts: amounts)
        messages.append(ChatMessage(role: "user", content: final.text))
        return (messages, final.shown)
    }

    /// The last user turn for `e`, and what it shows.
    private func body(_ e: EvidenceCheck.Available, method: ExplanationMethod, amounts: Amounts) -> (text: String, shown: EvidenceShown) {
        let threshold = options.highlightThreshold
        var parts: [String] = []
        var shown = EvidenceShown()
        func examples(_ n: Int) -> [ActivationRecord] {
            ExampleRendering.select(e.examples, count: n).map { ExampleRendering.window($0, size: options.windowTokens) }
        }
        func highlightedList(_ records: [ActivationRecord], list: Bool) -> String {
            let maximum = records.map(\.maxActivation).max() ?? 0
            return records.enumerated().map { i, r in
                var line = "\(i + 1). \(ExampleRendering.highlighted(r, threshold: threshold))"
                if list { line += "\n   Activations: \(ExampleRendering.activationList(r, threshold: threshold, maximum: maximum))" }
                return line
            }.joined(separator: "\n")
        }
        func tokens(_ list: [TokenScore], _ n: Int) -> [TokenScore] { Array(list.prefix(n)) }
        func quotedList(_ list: [TokenScore]) -> String { list.map { ExampleRendering.quoted($0.token) }.joined(separator: ", ") }

        switch method {
        case .maxact, .ensembleConcat:
            let shownExamples = examples(amounts.examples)
            shown.examples = shownExamples
            parts.append("Excerpts where the feature is active:\n" + highlightedList(shownExamples, list: options.showActivationList))
            parts.append("What do the marked tokens have in common?")
        case .maxactOpenAI:
            let shownExamples = examples(amounts.examples)
            shown.examples = shownExamples
            let maximum = shownExamples.map(\.maxActivation).max() ?? 0
            parts.append("Excerpts (token, tab, activation 0–10):\n"
                + shownExamples.map { ExampleRendering.openAIBlock($0, maximum: maximum) }.joined(separator: "\n"))
            parts.append("What do the tokens with high activations have in common?")
        case .contrastive:
            let shownExamples = examples(amounts.examples)
            let negatives = Array(e.negatives.prefix(amounts.negatives)).map { ExampleRendering.window($0, size: options.windowTokens) }
            shown.examples = shownExamples
            shown.nonActivating = negatives
            parts.append("Excerpts where the feature is active:\n" + highlightedList(shownExamples, list: options.showActivationList))
            parts.append("Excerpts where it is not active at all:\n"
                + negatives.enumerated().map { "\($0 + 1). \(ExampleRendering.visible($1.tokens.joined()))" }.joined(separator: "\n"))
            parts.append("What do the marked tokens have in common that the inactive excerpts lack?")
        case .vocabproj:
            if let v = e.vocabProj {
                let p = VocabProjEvidence(top: tokens(v.top, amounts.vocab), bottom: tokens(v.bottom, amounts.vocab))
                shown.vocabProj = p
                parts.append(PromptText.vocabLines(p, quoted: quotedList))
            }
            parts.append("What does this feature make the model say?")
        case .tokenchange:
            if let t = e.tokenChange {
                let p = trimmed(t, amounts.tokenChange)
                shown.tokenChange = p
                parts.append(PromptText.tokenChangeLines(p, quoted: quotedList))
            }
            parts.append("What does this feature make the model say?")
        case .ensemble:
            let shownExamples = examples(amounts.examples)
            shown.examples = shownExamples
            parts.append("Excerpts where the feature is active:\n" + highlightedList(shownExamples, list: options.showActivationList))
            if let v = e.vocabProj {
                let p = VocabProjEvidence(top: tokens(v.top, amounts.vocab), bottom: tokens(v.bottom, amounts.vocab))
                shown.vocabProj = p
                parts.append(PromptText.vocabLines(p, quoted: quotedList))
            }
            if let t = e.tokenChange {
                let p = trimmed(t, amounts.tokenChange)
                shown.tokenChange = p
                parts.append(PromptText.tokenChangeLines(p, quoted: quotedList))
            }
            parts.append("What activates this feature, and what does it make the model say?")
        }
        return (parts.joined(separator: "\n\n"), shown)
    }

    private func trimmed(_ t: TokenChangeEvidence, _ n: Int) -> TokenChangeEvidence {
        TokenChangeEvidence(clampValue: t.clampValue, raised: Array(t.raised.prefix(n)), lowered: Array(t.lowered.prefix(n)),
                            negativeRaised: Array(t.negativeRaised.prefix(n)), negativeLowered: Array(t.negativeLowered.prefix(n)),
                            positions: t.positions)
    }
}

/// Checks that a feature has what a method needs, and extracts it.
enum EvidenceCheck {
    struct Available {
        var examples: [ActivationRecord] = []
        var negatives: [ActivationRecord] = []
        var vocabProj: VocabProjEvidence?
        var tokenChange: TokenChangeEvidence?
    }

    static func available(_ evidence: FeatureEvidence, for method: ExplanationMethod, options: ExplainerOptions)
        throws(ExplanationFailureCause) -> Available {
        let id = evidence.id
        func missing(_ what: String) -> ExplanationFailureCause {
            ExplanationFailureCause(kind: .missingEvidence, message: "\(method.rawValue) for feature \(id): \(what)")
        }
        func activating() throws(ExplanationFailureCause) -> [ActivationRecord] {
            guard let examples = evidence.examples else { throw missing("no activating examples (the feature has no examples)") }
            let active = examples.train.filter { $0.maxActivation > 0 }
            guard !active.isEmpty else {
                throw missing(examples.train.isEmpty ? "no activating examples (0 train records)"
                                                     : "no activating examples (none of the \(examples.train.count) train records is above 0)")
            }
            return active
        }
        var out = Available()
        switch method {
        case .maxact, .maxactOpenAI:
            out.examples = try activating()
        case .contrastive:
            out.examples = try activating()
            let all = evidence.examples?.nonActivating ?? []
            let slice = all.count > options.contrastiveNegativeOffset ? Array(all[options.contrastiveNegativeOffset...]) : []
            guard !slice.isEmpty else {
                throw missing("no non-activating examples beyond the first \(options.contrastiveNegativeOffset), which are reserved "
                    + "for scoring (the feature has \(all.count)); sample more negatives or lower contrastiveNegativeOffset")
            }
            out.negatives = slice
        case .vocabproj:
            guard let v = evidence.vocabProj, !(v.top.isEmpty && v.bottom.isEmpty) else { throw missing("no VocabProj tokens") }
            out.vocabProj = v
        case .tokenchange:
            guard let t = evidence.tokenChange, !(t.raised.isEmpty && t.lowered.isEmpty) else { throw missing("no TokenChange tokens") }
            out.tokenChange = t
        case .ensemble:
            out.examples = try activating()
            if let v = evidence.vocabProj, !(v.top.isEmpty && v.bottom.isEmpty) { out.vocabProj = v }
            if let t = evidence.tokenChange, !(t.raised.isEmpty && t.lowered.isEmpty) { out.tokenChange = t }
            guard out.vocabProj != nil || out.tokenChange != nil else {
                throw missing("no output-side evidence (needs VocabProj or TokenChange besides the examples)")
            }
        case .ensembleConcat:
            throw ExplanationFailureCause(kind: .invalid,
                                          message: "ensemble-concat makes no prompt: it concatenates the maxact, vocabproj and tokenchange descriptions")
        }
        return out
    }
}
