import AugurTensor
import Foundation

/// Which latents to work on, as given by a `--latents` option.
///
/// Forms (whitespace around parts is ignored):
/// - `all` — every latent;
/// - `0-99`, `5,17,200-210` — a list of indices and inclusive ranges;
/// - `random:100` — 100 latents drawn at random (seeded);
/// - `top-density:50` — the 50 latents that fire on the most tokens (needs statistics).
///
/// Dead latents (that never fire in the cache) are left out of `all`, `random:` and
/// `top-density:` selections when statistics are given (pass `includeDead: true` to keep them);
/// latents named explicitly are always kept. The resolved list is sorted and without duplicates,
/// which is the order that reads a sharded cache best.
public enum LatentSelection: Sendable, Equatable, CustomStringConvertible {
    /// Every latent.
    case all
    /// The given indices and inclusive ranges.
    case list([ClosedRange<Int>])
    /// `count` latents drawn at random.
    case random(count: Int)
    /// The `count` densest latents.
    case topDensity(count: Int)

    /// Parses a `--latents` spec; the error names the part that is wrong and the valid forms.
    public static func parse(_ spec: String) throws(ActivationsError) -> LatentSelection {
        let s = spec.trimmingCharacters(in: .whitespaces).lowercased()
        let forms = "valid forms: all, 0-99, 5,17,200-210, random:100, top-density:50"
        func count(_ text: Substring, _ name: String) throws(ActivationsError) -> Int {
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)), n > 0 else {
                throw .badArgument("--latents \(spec): '\(text)' is not a positive count for \(name)")
            }
            return n
        }
        if s == "all" { return .all }
        if s.hasPrefix("random:") { return .random(count: try count(s.dropFirst("random:".count), "random")) }
        if s.hasPrefix("top-density:") { return .topDensity(count: try count(s.dropFirst("top-density:".count), "top-density")) }
        var ranges: [ClosedRange<Int>] = []
        for part in s.split(separator: ",", omittingEmptySubsequences: false) {
            let p = part.trimmingCharacters(in: .whitespaces)
            let bounds = p.split(separator: "-", omittingEmptySubsequences: false)
            guard !p.isEmpty, bounds.count <= 2, let lo = Int(bounds[0]), lo >= 0,
                  let hi = bounds.count == 2 ? Int(bounds[1]) : lo else {
                throw .badArgument("--latents \(spec): cannot read '\(p)'; \(forms)")
            }
            guard hi >= lo else { throw .badArgument("--latents \(spec): range '\(p)' ends before it starts") }
            ranges.append(lo ... hi)
        }
        return .list(ranges)
    }

    /// The text form (parses back to the same selection).
    public var description: String {
        switch self {
        case .all: "all"
        case .list(let r): r.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
        case .random(let n): "random:\(n)"
        case .topDensity(let n): "top-density:\(n)"
        }
    }

    /// The latents selected from `numLatents`, sorted ascending without duplicates.
    ///
    /// - Parameters:
    ///   - statistics: per-latent counts, to leave dead latents out (and required by `top-density:`).
    ///   - seed: the seed of `random:`.
    ///   - includeDead: keep latents that never fire.
    public func resolve(numLatents: Int, statistics: LatentStatistics? = nil, seed: UInt64 = 0,
                        includeDead: Bool = false) throws(ActivationsError) -> [Int] {
        guard numLatents > 0 else { throw .badArgument("there are no latents to select from") }
        if let statistics, statistics.counts.count != numLatents {
            throw .badArgument("statistics cover \(statistics.counts.count) latents, expected \(numLatents)")
        }
        let valid = "this cache has \(numLatents) latents (0-\(numLatents - 1))"
        let counts = statistics?.counts
        let alive: [Int] = (0 ..< numLatents).filter { l in includeDead || (counts.map { $0[l] > 0 } ?? true) }
        let deadNote = alive.count < numLatents ? " (\(numLatents - alive.count) dead latents excluded)" : ""
        switch self {
        case .all:
            return alive
        case .list(let ranges):
            for r in ranges where r.upperBound >= numLatents {
                let what = r.count == 1 ? "latent \(r.lowerBound) is" : "latents \(r.lowerBound)-\(r.upperBound) are"
                throw .badArgument("\(what) out of range: \(valid)")
            }
            return Array(Set(ranges.flatMap { Array($0) })).sorted()
        case .random(let n):
            guard n <= alive.count else {
                throw .badArgument("random:\(n) asks for more latents than there are: \(alive.count) available\(deadNote); \(valid)")
            }
            var pool = alive
            var g = SplitMix64(seed: seed)
            for i in 0 ..< n { pool.swapAt(i, i + Int(g.next() % UInt64(pool.count - i))) }
            return pool.prefix(n).sorted()
        case .topDensity(let n):
            guard let statistics else { throw .badArgument("top-density:\(n) needs the cache's statistics") }
            guard n <= alive.count else {
                throw .badArgument("top-density:\(n) asks for more latents than there are: \(alive.count) available\(deadNote); \(valid)")
            }
            let ranked = alive.sorted { statistics.counts[$0] > statistics.counts[$1] || (statistics.counts[$0] == statistics.counts[$1] && $0 < $1) }
            return ranked.prefix(n).sorted()
        }
    }
}
