import AugurPipeline
import Foundation

/// A one-line progress display on standard error: rewritten in place on a terminal (at most
/// ~10 times a second), a plain line every `plainInterval` seconds otherwise (logs, CI).
/// Safe to update from concurrent tasks (a lock guards the state).
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    let label: String
    let total: Int
    let unit: String
    private var recent = RecentRate()
    private var lastDraw = Date.distantPast
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let plainInterval: TimeInterval

    /// A display for `total` units of work (`unit` names them, e.g. "tokens"; 0 when unknown: no
    /// percentage or ETA). The rate is the recent pace (``RecentRate``), counted from the first
    /// update, so work resumed from an earlier run does not inflate it.
    init(_ label: String, total: Int, unit: String, plainInterval: TimeInterval = 15) {
        self.label = label
        self.total = total
        self.unit = unit
        self.plainInterval = plainInterval
    }

    /// Shows `done` of `total`, with rate and ETA, and any `extra` text (e.g. "FVU 0.21").
    func update(_ done: Int, extra: String = "", force: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        recent.add(done, at: now.timeIntervalSinceReferenceDate)
        guard force || now.timeIntervalSince(lastDraw) >= (isTerminal ? 0.1 : plainInterval) else { return }
        lastDraw = now
        let rate = max(0, recent.perSecond ?? 0)
        // No rate yet (the first update): the ETA is unknown, not zero.
        let eta = rate > 0 ? Self.format(total > done ? Double(total - done) / rate : 0) : "?"
        let pct = total > 0 ? 100 * Double(done) / Double(total) : 0
        let tail = extra.isEmpty ? "" : " · " + extra
        // Slow work (descriptions, scores) is a fraction of a unit per second: keep two digits.
        let rateText = String(format: rate >= 10 || rate == 0 ? "%.0f" : rate >= 1 ? "%.1f" : "%.2f", rate)
        let line = total > 0
            ? String(format: "%@ %5.1f%% %d/%d %@ · %@ %@/s · ETA %@%@", label, pct, done, total, unit, rateText, unit, eta, tail)
            : String(format: "%@ %d %@ · %@ %@/s%@", label, done, unit, rateText, unit, tail)
        FileHandle.standardError.write(Data(((isTerminal ? "\r\u{1B}[K" : "") + line + (isTerminal ? "" : "\n")).utf8))
    }

    /// Ends the display with a final line.
    func finish(_ done: Int, extra: String = "") {
        update(done, extra: extra, force: true)
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func format(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
