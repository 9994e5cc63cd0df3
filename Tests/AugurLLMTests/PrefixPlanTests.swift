import AugurModels
import Testing
@testable import AugurLLM

@Suite("Prefill plans and the prefix store")
struct PrefixPlanTests {
    /// Tokens with message starts (id 1) at the given positions, other ids 100+.
    func tokens(_ n: Int, starts: [Int]) -> [Int32] {
        (0..<n).map { starts.contains($0) ? 1 : Int32(100 + $0) }
    }

    @Test func boundariesFollowMessagesAndChunks() {
        // Messages at 0, 20, 90; the 6-token chunk 84..<90 extends over the last message.
        let plan = PrefillPlan(tokens: tokens(93, starts: [0, 20, 90]), messageStart: 1, maxChunk: 32)
        #expect(plan.boundaries == [0, 20, 52, 84, 93])
        #expect(plan.chunks(from: 20) == [20..<52, 52..<84, 84..<93])
        // Without message starts: fixed chunks, a short tail merged.
        #expect(PrefillPlan(tokens: tokens(70, starts: []), messageStart: nil, maxChunk: 32).boundaries == [0, 32, 70])
        #expect(PrefillPlan(tokens: tokens(5, starts: [0]), messageStart: 1, maxChunk: 32).boundaries == [0, 5])
        // Every chunk but a whole short prompt has at least minChunk tokens.
        let p = PrefillPlan(tokens: tokens(200, starts: [0, 9, 13, 50, 51, 58, 197]), messageStart: 1, maxChunk: 16)
        for c in p.chunks(from: 0) { #expect(c.count >= PrefillPlan.minChunk) }
        #expect(p.boundaries.first == 0 && p.boundaries.last == 200)
    }

    @Test func reuseStopsAtASharedBoundaryInsideTheCommonPrefix() throws {
        let model = try TestModels.smollm.get()
        let store = PrefixStore(capacity: 2)
        let a = tokens(80, starts: [0, 40])
        var b = a
        b[60] = 7  // differs inside the second message
        let planA = PrefillPlan(tokens: a, messageStart: 1, maxChunk: 64)
        let cache = model.makeCache(capacity: 80)
        _ = try model.forward([Array(a.prefix(8))], caches: [cache], hooks: nil, options: ForwardOptions(logits: .none))
        cache.truncate(to: 8)
        // The cache only holds 8 positions: nothing below a shared boundary fits.
        store.insert(tokens: a, plan: planA, cache: cache)
        #expect(store.bestMatch(tokens: b, plan: PrefillPlan(tokens: b, messageStart: 1, maxChunk: 64)) == nil)
        let full = model.makeCache(capacity: 80)
        _ = try model.forward([a], caches: [full], hooks: nil, options: ForwardOptions(logits: .none))
        store.insert(tokens: a, plan: planA, cache: full)
        #expect(store.entries.count == 1)  // the same prompt replaces the older entry
        let match = try #require(store.bestMatch(tokens: b, plan: PrefillPlan(tokens: b, messageStart: 1, maxChunk: 64)))
        #expect(match.count == 40)
        // A prompt identical to the cached one still computes its last chunk.
        let same = try #require(store.bestMatch(tokens: a, plan: planA))
        #expect(same.count == 40)
        // Different chunking of the shared part: no reuse beyond the last common boundary.
        let c = tokens(80, starts: [0, 50])
        #expect(store.bestMatch(tokens: c, plan: PrefillPlan(tokens: c, messageStart: 1, maxChunk: 64)) == nil)
    }
}
