import AugurActivations
import AugurLLM
import AugurTensor
import Foundation

/// Output-based evaluation (seed 2): for each KL target (e.g. 0.25 and 0.5 nats), the target
/// feature and `randomFeatures` other random features are each steered at the strength whose
/// mean KL(clean ‖ steered) over `prompts` hits the target (``FeatureSteering/strength(forKL:latent:prompts:initial:tolerance:maxSteps:)``),
/// and greedy continuations of `prompts` are generated. A judge LLM sees the description and
/// the sets of continuations in a random order and names the set the described feature steered.
/// The headline is the accuracy over answered KL targets (chance 1 / (randomFeatures + 1)).
///
/// One entry of ``ScoreOutcome/predictions`` per KL target: `text` is what the judge saw,
/// `answer` the target's set, `score` the judge's choice, `predicted` whether they agree.
/// A random feature whose steering cannot reach the KL target (e.g. a dead latent) is replaced
/// by another; a target feature that cannot reach it is a failure of that KL target.
public struct OutputBasedEvaluation: FeatureScorer {
    /// The LLM that picks the target feature’s set.
    public let judge: any ChatModel
    /// Steers the subject model with the feature.
    public let steering: FeatureSteering
    /// Neutral prompts to continue.
    public var prompts: [String]
    /// KL(clean ‖ steered) targets in nats, one judged round each.
    public var klTargets: [Double]
    /// Random other features steered as distractors.
    public var randomFeatures: Int
    /// Tokens generated per continuation.
    public var maxTokens: Int
    /// Batching, logprob, seed, repair and concurrency settings.
    public var options: LLMScorerOptions
    /// Maps a feature id to its latent index in the steering coder (default: the number after the last `/`).
    public var latentForID: @Sendable (String) -> Int?
    /// The scorer name recorded in every outcome.
    public var name: String { "output-based" }

    public init(judge: any ChatModel, steering: FeatureSteering,
                prompts: [String] = ["I think that", "The most important thing is", "Once upon a time", "In the news today,"],
                klTargets: [Double] = [0.25, 0.5], randomFeatures: Int = 2, maxTokens: Int = 24,
                options: LLMScorerOptions = LLMScorerOptions(),
                latentForID: @escaping @Sendable (String) -> Int? = { id in id.split(separator: "/").last.flatMap { Int($0) } }) {
        self.judge = judge
        self.steering = steering
        self.prompts = prompts
        self.klTargets = klTargets
        self.randomFeatures = randomFeatures
        self.maxTokens = maxTokens
        self.options = options
        self.latentForID = latentForID
    }

    /// Scores `description` on `examples`; never throws: problems are failures in the outcome.
    public func score(_ description: FeatureDescription, examples: FeatureExamples) async -> ScoreOutcome {
        let primary = MetricKey.accuracy
        let n = steering.coder.numLatents
        guard let latent = latentForID(examples.id), latent >= 0, latent < n else {
            return .unscorable(name, examples, description, model: judge.name, primary: primary,
                               cause: "cannot tell a latent index in 0..<\(n) from feature id '\(examples.id)' (expected HOOK/LATENT)")
        }
        guard n > randomFeatures, !prompts.isEmpty, !klTargets.isEmpty else {
            return .unscorable(name, examples, description, model: judge.name, primary: primary,
                               cause: "output-based evaluation needs prompts, KL targets and more than \(randomFeatures) features (have \(n))")
        }
        var rng = SplitMix64(seed: options.seed ^ UInt64(latent))
        var candidates = Array(0..<n).filter { $0 != latent }
        candidates.shuffle(using: &rng)
        var predictions: [ExamplePrediction] = []
        var failures: [ScoringFailure] = []
        var notes: [String] = []
        for target in klTargets {
            let index = predictions.count
            // Steer the target, then random features until enough reach the KL target.
            var sets: [(latent: Int, texts: [String])] = []
            do {
                let s = try steering.strength(forKL: target, latent: latent, prompts: prompts)
                sets.append((latent, try steering.generate(latent: latent, strength: s.strength, prompts: prompts, maxTokens: maxTokens)))
                notes.append("KL \(target): target feature strength \(s.strength) (KL \(String(format: "%.3f", s.kl)))")
            } catch {
                predictions.append(ExamplePrediction(text: "", activating: true, label: true, failed: true))
                failures.append(ScoringFailure(examples: [index], cause: "steering the target feature failed: \(error)"))
                continue
            }
            var tried = 0
            while sets.count <= randomFeatures, let other = candidates.first, tried < 5 * randomFeatures {
                candidates.removeFirst()
                tried += 1
                guard let s = try? steering.strength(forKL: target, latent: other, prompts: prompts),
                      let texts = try? steering.generate(latent: other, strength: s.strength, prompts: prompts, maxTokens: maxTokens)
                else { continue }
                sets.append((other, texts))
            }
            guard sets.count == randomFeatures + 1 else {
                predictions.append(ExamplePrediction(text: "", activating: true, label: true, failed: true))
                failures.append(ScoringFailure(examples: [index], cause: "only \(sets.count - 1) of \(tried) random features reached KL \(target)"))
                continue
            }
            sets.shuffle(using: &rng)
            let answer = (sets.firstIndex { $0.latent == latent } ?? 0) + 1
            let rendered = sets.enumerated().map { k, set in
                "Set \(k + 1):\n" + zip(prompts, set.texts).map { "- \($0)\($1)" }.joined(separator: "\n")
            }.joined(separator: "\n\n")
            var p = ExamplePrediction(text: rendered, activating: true, label: true, answer: answer)
            let asked = await ask(judge, messages: Self.prompt(description.text, rendered: rendered, sets: sets.count),
                                  maxTokens: 8, options: options,
                                  parse: { AnswerParser.choice($0.text, options: sets.count) },
                                  repair: { "I could not read your answer (\($0)). Reply with only the number of the set (1 to \(sets.count))." })
            switch asked {
            case let .answer(choice, _):
                p.score = Double(choice)
                p.predicted = choice == answer
            case let .failed(cause, reply):
                p.failed = true
                failures.append(ScoringFailure(examples: [index], cause: cause, rawReply: reply))
            }
            predictions.append(p)
        }
        var outcome = ScoreOutcome(scorer: name, featureID: examples.id, description: description, model: judge.name,
                                   primaryMetric: primary, predictions: predictions, failures: failures, notes: notes)
        let answered = predictions.filter { !$0.failed }
        outcome.values[MetricKey.answeredFraction] = Double(answered.count) / Double(max(predictions.count, 1))
        if !answered.isEmpty {
            outcome.values[primary] = Double(answered.filter { $0.predicted == true }.count) / Double(answered.count)
        }
        return outcome
    }

    static func prompt(_ description: String, rendered: String, sets: Int) -> [ChatMessage] {
        [
            ChatMessage(role: "system", content: """
            A language model continued the same prompts \(sets) times, each time while one of its internal \
            features was amplified. You get a description of one feature and the \(sets) sets of continuations. \
            Decide which set was generated while the described feature was amplified. Answer with the set's \
            number only.
            """),
            ChatMessage(role: "user", content: "Description: \(description)\n\n\(rendered)\n\nWhich set (1 to \(sets)) matches the description?"),
        ]
    }
}
