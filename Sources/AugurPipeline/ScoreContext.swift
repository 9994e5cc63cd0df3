import AugurInterp
import AugurLLM
import AugurModels
import AugurSAE
import Foundation

/// The model whose features are scored, with the sparse coder that defines them: what the
/// input-based, output-based and intervention scorers read or steer.
public struct SubjectModel: Sendable {
    /// The in-process subject model.
    public var model: any LanguageModel
    /// The hook point the coder reads.
    public var hook: HookPoint
    /// The sparse coder (SAE or neuron basis).
    public var coder: any SparseCoder
    /// The feature kind this coder serves (`sae`, `neurons`; the store's `features.kind`), or nil
    /// for any feature.
    public var featureKind: String?

    public init(model: any LanguageModel, hook: HookPoint, coder: any SparseCoder, featureKind: String? = nil) {
        self.model = model
        self.hook = hook
        self.coder = coder
        self.featureKind = featureKind
    }
}

/// What the scorers need. Leave out what the requested scorers do not use; a scorer whose
/// requirement is missing is refused (``ScoreStage/refusals(for:context:)``), the others still run.
public struct ScoreContext: Sendable {
    /// The chat model of the LLM scorers (detection, fuzzing, intruder, simulation, input- and output-based).
    public var chat: (any ChatModel)?
    /// The sentence embedder of the embedding scorer.
    public var embedder: SentenceEmbedder?
    /// Subject models with their coders (one per feature kind of the run, or one for all).
    public var subjects: [SubjectModel]
    /// The base language model of surprisal and intervention (nil: the subject model, when there is one).
    public var baseModel: (any LanguageModel)?
    /// Why ``subjects`` is empty, shown when a subject-model scorer is refused
    /// (e.g. "the run has no latent cache: it was made from a records file").
    public var missingSubjectReason: String?
    /// Options of the LLM scorers (batching, logprobs, seed, repairs, prompts in flight).
    public var llmOptions: LLMScorerOptions

    public init(chat: (any ChatModel)? = nil, embedder: SentenceEmbedder? = nil, subjects: [SubjectModel] = [],
                baseModel: (any LanguageModel)? = nil, missingSubjectReason: String? = nil,
                llmOptions: LLMScorerOptions = LLMScorerOptions()) {
        self.chat = chat
        self.embedder = embedder
        self.subjects = subjects
        self.baseModel = baseModel
        self.missingSubjectReason = missingSubjectReason
        self.llmOptions = llmOptions
    }

    /// The base LM of surprisal and intervention: ``baseModel``, else the first subject model.
    public var effectiveBaseModel: (any LanguageModel)? { baseModel ?? subjects.first?.model }

    /// The subject model serving a feature of `kind`: the one of that kind, else the only one
    /// given, else one without a kind.
    public func subject(forKind kind: String?) -> SubjectModel? {
        if let kind, let s = subjects.first(where: { $0.featureKind == kind }) { return s }
        if subjects.count == 1 { return subjects.first }
        return subjects.first { $0.featureKind == nil }
    }

    /// Why `kind` cannot run in this context, or nil when it can.
    public func refusal(for kind: ScorerKind) -> String? {
        var missing: [String] = []
        if kind.needsChatModel && chat == nil { missing.append("a scorer chat model") }
        if kind == .embedding && embedder == nil { missing.append("a sentence embedder") }
        if kind.needsSubjectModel && subjects.isEmpty {
            missing.append("the subject model and its sparse coder (\(missingSubjectReason ?? "none was given"))")
        }
        if (kind == .surprisal || kind == .intervention) && effectiveBaseModel == nil {
            missing.append("a base language model (\(missingSubjectReason ?? "none was given"))")
        }
        guard !missing.isEmpty else { return nil }
        return "scorer \(kind.rawValue) needs \(missing.joined(separator: " and "))"
    }
}
