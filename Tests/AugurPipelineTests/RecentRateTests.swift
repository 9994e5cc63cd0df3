import AugurPipeline
import Testing

@Test func recentRateFollowsTheCurrentPace() {
    var rate = RecentRate(window: 60)
    #expect(rate.perSecond == nil)
    rate.add(500, at: 0)  // resumed: 500 done before
    #expect(rate.perSecond == nil)
    // 10 units/s for 30 s, then 0.5 units/s for 5 minutes.
    for t in 1...30 { rate.add(500 + 10 * t, at: Double(t)) }
    #expect(abs((rate.perSecond ?? 0) - 10) < 1e-9)
    for t in 1...300 { rate.add(800 + t / 2, at: Double(30 + t)) }
    // Only the last minute counts (plus at most one older sample 2 s away).
    let r = rate.perSecond ?? 0
    #expect(r > 0.45 && r < 0.55, "\(r)")
    // A stall brings the rate to zero.
    rate.add(950, at: 1000)
    #expect(rate.perSecond == 0)
}
