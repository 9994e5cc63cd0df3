import AugurModels
import AugurTokenizers
import Foundation

/// One queued request: its validated, tokenized prompt and the continuation to resume.
final class LocalJob: Sendable {
    let id: UInt64
    let request: ChatRequest
    let prompt: [Int32]
    let plan: PrefillPlan
    let continuation: CheckedContinuation<ChatResponse, any Error>

    init(id: UInt64, request: ChatRequest, prompt: [Int32], plan: PrefillPlan,
         continuation: CheckedContinuation<ChatResponse, any Error>) {
        self.id = id
        self.request = request
        self.prompt = prompt
        self.plan = plan
        self.continuation = continuation
    }
}

/// A request being decoded (worker thread only).
final class ActiveSequence {
    let job: LocalJob
    let cache: KVCache
    let cachedPromptTokens: Int
    var sampler: any Sampler
    var decoder: StreamingDecoder
    var generated = 0
    var text = ""
    /// Logprobs of the tokens so far, with the character offset in `text` where each token's text starts.
    var logprobs: [(start: Int, value: TokenLogprob)] = []
    var nextInput: Int32 = 0
    var finishReason: String?
    /// Whether generation ended at a stop string (the decoder's held-back bytes are then dropped).
    var cutAtStop = false

    init(job: LocalJob, cache: KVCache, cachedPromptTokens: Int, tokenizer: any Tokenizer) {
        self.job = job
        self.cache = cache
        self.cachedPromptTokens = cachedPromptTokens
        let r = job.request
        sampler = r.temperature > 0 ? RandomSampler(temperature: r.temperature, topP: r.topP, seed: r.seed ?? 0) : GreedySampler()
        decoder = StreamingDecoder(tokenizer: tokenizer)
    }
}

/// Runs a model's requests on one dedicated thread, off the Swift concurrency pool: prompts are
/// prefilled one at a time in FIFO order (reusing cached prefixes), and the decode steps of up to
/// `maxBatch` requests run together in one batched forward pass.
final class LocalEngine: @unchecked Sendable {
    let model: any LanguageModel
    let modelName: String
    let maxBatch: Int
    let prefillChunk: Int
    let messageStart: Int32?

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [LocalJob] = []
    private var live: Set<UInt64> = []
    private var cancelled: Set<UInt64> = []
    private var stopped = false
    private var stats = PrefixCacheStats()
    private var nextID: UInt64 = 0

    // Worker thread only.
    private var active: [ActiveSequence] = []
    private let store: PrefixStore

    init(model: any LanguageModel, name: String, prefixCacheEntries: Int, prefillChunk: Int, maxBatch: Int) {
        self.model = model
        modelName = name
        // More than 4 rows would leave the quantized kernels for dequantized f32 products.
        self.maxBatch = min(4, max(1, maxBatch))
        self.prefillChunk = max(PrefillPlan.minChunk, prefillChunk)
        let ids = model.tokenizer.encode("<|im_start|>", addSpecialTokens: false)
        messageStart = ids.count == 1 ? ids[0] : nil
        store = PrefixStore(capacity: prefixCacheEntries)
        let thread = Thread { [self] in run() }
        thread.name = "augur.llm.\(name)"
        thread.stackSize = 8 << 20
        thread.start()
    }

    var prefixStats: PrefixCacheStats {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    func makeID() -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        nextID += 1
        return nextID
    }

    /// Queues `job`; its continuation is resumed when it is done, failed or cancelled.
    func submit(_ job: LocalJob) {
        condition.lock()
        if stopped {
            condition.unlock()
            job.continuation.resume(throwing: LLMError.model("model '\(modelName)' has been shut down"))
            return
        }
        queue.append(job)
        live.insert(job.id)
        condition.signal()
        condition.unlock()
    }

    /// Marks job `id` cancelled if it is still queued or running.
    func cancel(_ id: UInt64) {
        condition.lock()
        if live.contains(id) { cancelled.insert(id) }
        condition.unlock()
    }

    /// Stops the worker after the current step; queued and running requests fail.
    func shutdown() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    // MARK: Worker

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && active.isEmpty && !stopped { condition.wait() }
            if stopped {
                let pending = queue
                queue.removeAll()
                condition.unlock()
                let error = LLMError.model("model '\(modelName)' has been shut down")
                for j in pending { j.continuation.resume(throwing: error) }
                for s in active { s.job.continuation.resume(throwing: error) }
                active.removeAll()
                return
            }
            var admitted: [LocalJob] = []
            while active.count + admitted.count < maxBatch, !queue.isEmpty { admitted.append(queue.removeFirst()) }
            let dropped = Set(cancelled)
            condition.unlock()

            for job in admitted {
                if dropped.contains(job.id) { finish(job, .failure(CancellationError())); continue }
                admit(job)
            }
            active.removeAll { s in
                guard dropped.contains(s.job.id) else { return false }
                finish(s.job, .failure(CancellationError()))
                return true
            }
            if !active.isEmpty { decodeStep() }
        }
    }

    /// Resumes `job` and forgets it.
    private func finish(_ job: LocalJob, _ result: Result<ChatResponse, any Error>) {
        condition.lock()
        live.remove(job.id)
        cancelled.remove(job.id)
        condition.unlock()
        job.continuation.resume(with: result)
    }

    /// Prefills the job's prompt (after the longest reusable cached prefix) and takes its first token.
    private func admit(_ job: LocalJob) {
        let n = job.prompt.count
        let cache = model.makeCache(capacity: n + job.request.maxTokens)
        var reused = 0
        do {
            if let match = store.bestMatch(tokens: job.prompt, plan: job.plan) {
                try cache.copyPrefix(from: match.cache, count: match.count)
                reused = match.count
            }
            var logits: [Float] = []
            for chunk in job.plan.chunks(from: reused) {
                let options = ForwardOptions(logits: chunk.upperBound == n ? .last : .none)
                let out = try model.forward([Array(job.prompt[chunk])], caches: [cache], hooks: nil, options: options)
                if chunk.upperBound == n { logits = out[0] }
            }
            condition.lock()
            stats.requests += 1
            stats.promptTokensSent += n
            stats.promptTokensComputed += n - reused
            condition.unlock()
            store.insert(tokens: job.prompt, plan: job.plan, cache: cache)
            let seq = ActiveSequence(job: job, cache: cache, cachedPromptTokens: reused, tokenizer: model.tokenizer)
            if accept(logits, into: seq) {
                complete(seq)
            } else {
                active.append(seq)
            }
        } catch {
            finish(job, .failure(LLMError.model("prefill of \(n) prompt tokens on '\(modelName)' failed: \(error)")))
        }
    }

    /// One decode step for every active sequence, in one batch.
    private func decodeStep() {
        let batch = active
        do {
            let logits = try model.forward(batch.map { [$0.nextInput] }, caches: batch.map(\.cache), hooks: nil,
                                           options: ForwardOptions(logits: .last))
            var still: [ActiveSequence] = []
            for (s, l) in zip(batch, logits) {
                if accept(l, into: s) { complete(s) } else { still.append(s) }
            }
            active = still
        } catch {
            active.removeAll()
            for s in batch {
                finish(s.job, .failure(LLMError.model("decoding on '\(modelName)' failed: \(error)")))
            }
        }
    }

    /// Samples the next token of `s` from `logits`; returns whether the sequence is done.
    private func accept(_ logits: [Float], into s: ActiveSequence) -> Bool {
        let r = s.job.request
        let tokenizer = model.tokenizer
        let next = s.sampler.sample(logits)
        s.generated += 1
        if tokenizer.eosIDs.contains(next) {
            s.finishReason = "stop"
            return true
        }
        let start = s.text.count
        s.text += s.decoder.append(next)
        if r.logprobs {
            s.logprobs.append((start, TokenScoring.score(logits, token: next, k: r.topLogprobs, tokenizer: tokenizer)))
        }
        if let cut = Self.firstStop(in: s.text, stops: r.stop) {
            let offset = s.text.distance(from: s.text.startIndex, to: cut)
            s.text = String(s.text[..<cut])
            s.logprobs.removeAll { $0.start >= offset }
            s.finishReason = "stop"
            s.cutAtStop = true
            return true
        }
        if s.generated >= r.maxTokens {
            s.finishReason = "length"
            return true
        }
        s.nextInput = next
        return false
    }

    /// Builds the response of a finished sequence and resumes its caller.
    private func complete(_ s: ActiveSequence) {
        if !s.cutAtStop { s.text += s.decoder.finish() }
        let r = s.job.request
        let usage = ChatUsage(promptTokens: s.job.prompt.count, cachedPromptTokens: s.cachedPromptTokens,
                              completionTokens: s.generated)
        let response = ChatResponse(text: s.text, finishReason: s.finishReason ?? "length",
                                    logprobs: r.logprobs ? s.logprobs.map(\.value) : nil, usage: usage, model: modelName)
        finish(s.job, .success(response))
    }

    static func firstStop(in text: String, stops: [String]) -> String.Index? {
        stops.compactMap { $0.isEmpty ? nil : text.range(of: $0)?.lowerBound }.min()
    }
}
