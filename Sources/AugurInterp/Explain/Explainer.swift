import AugurLLM
import Foundation

/// One (feature, method) pair to explain.
public struct ExplanationJob: Sendable {
    /// The feature's evidence.
    public var evidence: FeatureEvidence
    /// The method.
    public var method: ExplanationMethod
    /// Descriptions the feature already has (from earlier runs); `ensemble-concat` concatenates
    /// them, together with any produced earlier in the same batch.
    public var descriptions: [FeatureDescription]

    public init(evidence: FeatureEvidence, method: ExplanationMethod, descriptions: [FeatureDescription] = []) {
        self.evidence = evidence
        self.method = method
        self.descriptions = descriptions
    }
}

/// A batch's progress, reported after every finished job.
public struct ExplanationProgress: Sendable {
    /// Jobs finished so far, this one included.
    public var completed: Int
    /// Jobs in the batch.
    public var total: Int
    /// The finished job's outcome.
    public var outcome: ExplanationOutcome
}

/// Asks an explainer model to describe features, parses its replies leniently, repairs once, and
/// reports every failure as a failure — never as a description.
public struct Explainer: Sendable {
    /// Builds the prompts.
    public var builder: PromptBuilder

    /// An explainer with these options; `countTokens` sizes prompts against the budget.
    public init(options: ExplainerOptions = ExplainerOptions(), countTokens: @escaping @Sendable (String) -> Int = estimateTokens) {
        builder = PromptBuilder(options: options, countTokens: countTokens)
    }

    /// The prompt options.
    public var options: ExplainerOptions { builder.options }

    /// The methods `ensemble-concat` concatenates, in order.
    public static let concatenatedMethods: [ExplanationMethod] = [.maxact, .vocabproj, .tokenchange]

    /// Describes `evidence` by `method` with `model`. `descriptions` are the feature's existing
    /// descriptions, used (only) by `ensemble-concat`.
    ///
    /// An unusable reply gets one repair request (the conversation, the reply, and "Answer with one
    /// line: [EXPLANATION]: …"); a second unusable reply, a model error, or missing evidence is
    /// returned as a failure carrying the cause and the raw replies.
    public func explain(_ evidence: FeatureEvidence, method: ExplanationMethod, using model: any ChatModel,
                        descriptions: [FeatureDescription] = []) async -> ExplanationOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        func seconds() -> Double {
            let d = clock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        var usage = ChatUsage(promptTokens: 0, completionTokens: 0)
        var replies: [String] = []
        func fail(_ cause: ExplanationFailureCause) -> ExplanationOutcome {
            .failure(ExplanationFailure(featureID: evidence.id, method: method, explainer: model.name, cause: cause,
                                        rawReplies: replies, seconds: seconds(), usage: usage))
        }

        if method == .ensembleConcat {
            switch Self.concatenate(descriptions, featureID: evidence.id) {
            case .failure(let cause): return fail(cause)
            case .success(let (text, used)):
                return .success(ExplanationSuccess(
                    featureID: evidence.id, description: FeatureDescription(method: method.rawValue, text: text), messages: [],
                    shown: EvidenceShown(descriptions: used), explainer: model.name, rawReply: text, rawReplies: [],
                    seconds: seconds(), usage: usage))
            }
        }

        let prompt: ExplanationPrompt
        do { prompt = try builder.prompt(for: evidence, method: method) } catch { return fail(error) }

        var messages = prompt.messages
        var firstReason = ""
        for attempt in 0..<2 {
            if Task.isCancelled { return fail(ExplanationFailureCause(kind: .cancelled, message: "cancelled before the explainer answered")) }
            let request = ChatRequest(messages: messages, maxTokens: options.maxReplyTokens, temperature: options.temperature)
            let response: ChatResponse
            do {
                response = try await model.complete(request)
            } catch is CancellationError {
                return fail(ExplanationFailureCause(kind: .cancelled, message: "cancelled while waiting for \(model.name)"))
            } catch {
                let text = (error as? LLMError)?.description ?? String(describing: error)
                let when = attempt == 0 ? "" : " (on the repair request, after: \(firstReason))"
                return fail(ExplanationFailureCause(kind: .llm, message: "\(model.name): \(text)\(when)"))
            }
            replies.append(response.text)
            usage.promptTokens += response.usage.promptTokens
            usage.cachedPromptTokens += response.usage.cachedPromptTokens
            usage.completionTokens += response.usage.completionTokens
            switch DescriptionParser.parse(response.text, prompt: messages, maxCharacters: options.maxDescriptionCharacters) {
            case .success(let text):
                return .success(ExplanationSuccess(
                    featureID: evidence.id, description: FeatureDescription(method: method.rawValue, text: text),
                    messages: messages, shown: prompt.shown, explainer: model.name, rawReply: response.text,
                    rawReplies: replies, seconds: seconds(), usage: usage))
            case .failure(let rejection):
                if attempt == 0 {
                    firstReason = rejection.reason
                    messages.append(ChatMessage(role: "assistant", content: response.text))
                    messages.append(ChatMessage(role: "user", content: PromptText.repair(reason: rejection.reason)))
                } else {
                    return fail(ExplanationFailureCause(
                        kind: .unparseable,
                        message: "reply unusable: \(firstReason); after the repair prompt: \(rejection.reason)"))
                }
            }
        }
        return fail(ExplanationFailureCause(kind: .unparseable, message: "no usable reply"))
    }

    /// The `ensemble-concat` description: the maxact, vocabproj and tokenchange descriptions joined
    /// as sentences, or a failure naming the ones that are missing.
    public static func concatenate(_ descriptions: [FeatureDescription], featureID: String)
        -> Result<(text: String, used: [FeatureDescription]), ExplanationFailureCause> {
        var used: [FeatureDescription] = []
        var missing: [String] = []
        for m in concatenatedMethods {
            if let d = descriptions.last(where: { $0.method == m.rawValue }),
               d.text.contains(where: { !$0.isWhitespace }) {
                used.append(d)
            } else {
                missing.append(m.rawValue)
            }
        }
        guard missing.isEmpty else {
            return .failure(ExplanationFailureCause(
                kind: .missingEvidence,
                message: "ensemble-concat for feature \(featureID) needs the maxact, vocabproj and tokenchange descriptions; "
                    + "missing or failed: \(missing.joined(separator: ", "))"))
        }
        let text = used.map { d -> String in
            let t = d.text.trimmingCharacters(in: .whitespacesAndNewlines)
            return t.last.map { ".!?".contains($0) } == true ? t : t + "."
        }.joined(separator: " ")
        return .success((text, used))
    }

    /// Explains every job with at most `concurrency` requests in flight, calling `progress` after
    /// each one (from one task at a time). Results come back in job order; a failure never stops the
    /// others. `ensemble-concat` jobs run last, with the descriptions this batch produced for their feature.
    public func explainAll(_ jobs: [ExplanationJob], using model: any ChatModel, concurrency: Int = 2,
                           progress: @escaping @Sendable (ExplanationProgress) -> Void = { _ in }) async -> [ExplanationOutcome] {
        var results = [ExplanationOutcome?](repeating: nil, count: jobs.count)
        var completed = 0
        let limit = max(1, concurrency)
        let first = jobs.indices.filter { jobs[$0].method != .ensembleConcat }
        let last = jobs.indices.filter { jobs[$0].method == .ensembleConcat }

        for phase in [first, last] where !phase.isEmpty {
            var produced: [String: [FeatureDescription]] = [:]
            for case let .success(s)? in results { produced[s.featureID, default: []].append(s.description) }
            await withTaskGroup(of: (Int, ExplanationOutcome).self) { group in
                var next = 0
                func add() {
                    let i = phase[next]
                    next += 1
                    let job = jobs[i]
                    let known = job.descriptions + (produced[job.evidence.id] ?? [])
                    group.addTask { (i, await self.explain(job.evidence, method: job.method, using: model, descriptions: known)) }
                }
                while next < min(limit, phase.count) { add() }
                while let (i, outcome) = await group.next() {
                    results[i] = outcome
                    completed += 1
                    progress(ExplanationProgress(completed: completed, total: jobs.count, outcome: outcome))
                    if next < phase.count { add() }
                }
            }
        }
        return results.enumerated().map { i, r in
            r ?? .failure(ExplanationFailure(featureID: jobs[i].evidence.id, method: jobs[i].method, explainer: model.name,
                                             cause: ExplanationFailureCause(kind: .cancelled, message: "not run"),
                                             rawReplies: [], seconds: 0))
        }
    }
}
