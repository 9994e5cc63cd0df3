import AugurTokenizers
import Foundation

/// Settings of one generation.
public struct GenerationOptions: Sendable {
    public var maxTokens: Int = 128
    /// 0 means greedy.
    public var temperature: Float = 0
    public var topK: Int?
    public var topP: Float?
    public var seed: UInt64 = 0
    /// Text at which generation stops (not included in the result).
    public var stopStrings: [String] = []
    /// Stop at the tokenizer's end-of-sequence tokens.
    public var stopAtEOS: Bool = true
    public var precision: Precision = .fast

    public init(maxTokens: Int = 128, temperature: Float = 0, topK: Int? = nil, topP: Float? = nil, seed: UInt64 = 0,
                stopStrings: [String] = [], stopAtEOS: Bool = true, precision: Precision = .fast) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
        self.stopStrings = stopStrings
        self.stopAtEOS = stopAtEOS
        self.precision = precision
    }
}

/// Why generation ended.
public enum StopReason: String, Sendable, Codable {
    case endOfSequence = "eos"
    case stopString = "stop"
    case maxTokens = "length"
    case cancelled
}

/// The outcome of a generation.
public struct GenerationResult: Sendable {
    /// Generated token ids (including a final EOS if one was produced).
    public var tokens: [Int32]
    /// Generated text, cut before any stop string.
    public var text: String
    public var stopReason: StopReason
    public var promptTokens: Int
    /// Seconds spent on the prompt and on the generated tokens.
    public var prefillSeconds: Double
    public var decodeSeconds: Double
}

extension LanguageModel {
    /// Generates a continuation of `prompt` (token ids), calling `onText` with each new piece of
    /// text as soon as it is complete UTF-8 (return false from it to stop). Hooks, if given, act
    /// on the prompt and on every generated position.
    public func generate(prompt: [Int32], options: GenerationOptions = GenerationOptions(), hooks: Hooks? = nil,
                         onText: (String) -> Bool = { _ in true }) throws -> GenerationResult {
        guard !prompt.isEmpty else { throw ModelError.invalidArgument("the prompt is empty") }
        let ctx = config.contextLength
        guard prompt.count < ctx else { throw ModelError.contextOverflow(tokens: prompt.count, contextLength: ctx) }
        let capacity = min(ctx, prompt.count + max(0, options.maxTokens))
        let cache = makeCache(capacity: capacity)
        var sampler: any Sampler = options.temperature > 0
            ? RandomSampler(temperature: options.temperature, topK: options.topK, topP: options.topP, seed: options.seed)
            : GreedySampler()
        let forwardOptions = ForwardOptions(logits: .last, precision: options.precision)
        let clock = ContinuousClock()
        let t0 = clock.now
        var logits = try forward([prompt], caches: [cache], hooks: hooks, options: forwardOptions)[0]
        let prefill = clock.now - t0
        var tokens: [Int32] = []
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var text = ""      // everything decoded so far
        var emitted = 0    // characters of `text` already handed to onText
        var reason = StopReason.maxTokens
        let t1 = clock.now
        let eos = tokenizer.eosIDs
        loop: while tokens.count < options.maxTokens {
            let next = sampler.sample(logits)
            tokens.append(next)
            if options.stopAtEOS && eos.contains(next) { reason = .endOfSequence; break }
            text += decoder.append(next)
            if let cut = Self.firstStop(in: text, stops: options.stopStrings) {
                text = String(text[..<cut])
                reason = .stopString
                break loop
            }
            // Hold back a tail that could still grow into a stop string.
            let safe = text.count - Self.heldBack(text, stops: options.stopStrings)
            if safe > emitted {
                let piece = String(text.dropFirst(emitted).prefix(safe - emitted))
                emitted = safe
                if !onText(piece) { reason = .cancelled; break }
            }
            if tokens.count >= options.maxTokens || cache.count >= capacity { break }
            logits = try forward([[next]], caches: [cache], hooks: hooks, options: forwardOptions)[0]
        }
        if reason != .stopString { text += decoder.finish() }
        if text.count > emitted, reason != .cancelled { _ = onText(String(text.dropFirst(emitted))) }
        let decode = clock.now - t1
        return GenerationResult(tokens: tokens, text: text, stopReason: reason, promptTokens: prompt.count,
                                prefillSeconds: prefill.seconds, decodeSeconds: decode.seconds)
    }

    static func firstStop(in text: String, stops: [String]) -> String.Index? {
        stops.compactMap { $0.isEmpty ? nil : text.range(of: $0)?.lowerBound }.min()
    }

    /// Length of the longest suffix of `text` that is a proper prefix of a stop string.
    static func heldBack(_ text: String, stops: [String]) -> Int {
        var best = 0
        for s in stops where !s.isEmpty {
            for n in stride(from: min(s.count - 1, text.count), to: 0, by: -1) where text.hasSuffix(s.prefix(n)) {
                best = max(best, n)
                break
            }
        }
        return best
    }
}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
