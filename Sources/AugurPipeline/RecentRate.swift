import Foundation

/// The pace of recent progress: units per second over roughly the last `window` seconds, so an
/// ETA follows the current pace when the work changes speed (a score stage runs the fast
/// embedding scorer first, then the LLM scorers at a twentieth of its rate). Work counted before
/// the first sample (resumed from an earlier run) never inflates it.
public struct RecentRate: Sendable {
    /// Seconds of history the rate is measured over.
    public let window: TimeInterval
    private var samples: [(time: TimeInterval, done: Int)] = []
    private var latest: (time: TimeInterval, done: Int)?

    /// A rate over the last `window` seconds (at least 1 s).
    public init(window: TimeInterval = 120) {
        self.window = max(1, window)
    }

    /// Records that `done` units were done at `time` (seconds on any monotonic clock).
    public mutating func add(_ done: Int, at time: TimeInterval) {
        latest = (time, done)
        // One stored sample per 1/60 of the window bounds the history to ~60 samples.
        if let last = samples.last, time - last.time < window / 60 { return }
        samples.append((time, done))
        // Keep one sample at or before the window's start, so the rate spans the whole window.
        while samples.count > 2, time - samples[1].time >= window { samples.removeFirst() }
    }

    /// Units per second since the oldest sample in the window; nil until time has passed.
    public var perSecond: Double? {
        guard let first = samples.first, let latest, latest.time > first.time else { return nil }
        return Double(latest.done - first.done) / (latest.time - first.time)
    }
}
