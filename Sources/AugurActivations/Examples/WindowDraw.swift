import AugurTensor

/// One cached activation, compactly (12 bytes).
struct CacheHit {
    var sequence: UInt32
    var position: UInt16
    var value: Float
}

/// A latent's activity over the windows of a cache: window key = sequence · windowsPerSequence + window.
struct LatentWindows {
    /// Activating windows (max > 0) sorted by activation, strongest first (ties: lower key first).
    let activating: [(key: Int, max: Float)]
    /// Keys of the activating windows.
    let firing: Set<Int>

    init(hits: [CacheHit], windowLength: Int, windowsPerSequence: Int) {
        var maxima: [Int: Float] = [:]
        for h in hits where h.value > 0 {
            let w = Int(h.position) / windowLength
            guard w < windowsPerSequence else { continue }
            let key = Int(h.sequence) * windowsPerSequence + w
            maxima[key] = max(maxima[key] ?? 0, h.value)
        }
        activating = maxima.map { (key: $0.key, max: $0.value) }
            .sorted { $0.max > $1.max || ($0.max == $1.max && $0.key < $1.key) }
        firing = Set(maxima.keys)
    }
}

/// The windows chosen for one latent.
struct WindowDraw {
    /// Training windows with their quantile (nil for those taken from the top).
    var train: [(key: Int, quantile: Int?)] = []
    /// Test windows with their quantile.
    var test: [(key: Int, quantile: Int)] = []
    /// Non-activating windows and how each was found.
    var negatives: [(key: Int, kind: NonActivatingKind)] = []
}

/// The sampling rules of ``ExampleSampler``, free of I/O so that they can be tested on their own.
enum WindowSampling {
    /// A uniform index in 0..<n.
    static func index(_ n: Int, _ rng: inout SplitMix64) -> Int { Int(rng.next() % UInt64(n)) }

    /// Moves a uniform random choice of `k` elements to the front (partial Fisher–Yates).
    static func partialShuffle<T>(_ a: inout [T], _ k: Int, _ rng: inout SplitMix64) {
        let k = min(k, a.count)
        for i in 0 ..< k {
            let j = i + index(a.count - i, &rng)
            if i != j { a.swapAt(i, j) }
        }
    }

    /// How many of `n` activating windows go to training and to test: the requested counts when
    /// there are enough, otherwise `n` split in proportion to them.
    static func split(activating n: Int, train: Int, test: Int) -> (train: Int, test: Int) {
        if n >= train + test { return (train, test) }
        guard train + test > 0 else { return (0, 0) }
        let tr = Int((Double(n) * Double(train) / Double(train + test)).rounded())
        return (tr, n - tr)
    }

    /// Rank-based quantile (1 = weakest … q = strongest) of the window at `index` in a list of
    /// `n` windows sorted strongest first: equal-count bins over the ranks.
    static func quantile(index: Int, count n: Int, quantiles q: Int) -> Int {
        let rank = n - 1 - index // 0 = weakest
        return rank * q / n + 1
    }

    /// Draws `total` items from `bins` (bin b holds candidates of quantile b + 1), an equal share
    /// from each bin (the remainder going to the strongest bins); a bin with too few candidates
    /// gives all it has and the shortfall is drawn uniformly from the leftovers of the others.
    static func stratified(_ bins: [[Int]], total: Int, _ rng: inout SplitMix64) -> [(item: Int, quantile: Int)] {
        let q = bins.count
        guard total > 0, q > 0 else { return [] }
        var out: [(item: Int, quantile: Int)] = [], leftovers: [(item: Int, quantile: Int)] = []
        for b in 0 ..< q {
            let quota = total / q + (b >= q - total % q ? 1 : 0)
            var candidates = bins[b]
            partialShuffle(&candidates, quota, &rng)
            let take = min(quota, candidates.count)
            out += candidates[..<take].map { ($0, b + 1) }
            leftovers += candidates[take...].map { ($0, b + 1) }
        }
        if out.count < total {
            let missing = total - out.count
            partialShuffle(&leftovers, missing, &rng)
            out += leftovers.prefix(missing)
        }
        return out
    }

    /// Chooses train, test and non-activating windows for one latent.
    ///
    /// Test windows are drawn first, stratified by quantile over all activating windows; training
    /// windows come from the rest (so the two are disjoint), by ``TrainSampling``. Hard negatives
    /// are drawn from `hardCandidates` (windows where a neighbour fires; the latent's own firing
    /// windows are removed here); random windows where the latent does not fire fill up.
    static func draw(_ windows: LatentWindows, config: ExampleConfig, totalWindows: Int, hardCandidates: [Int],
                     _ rng: inout SplitMix64) -> WindowDraw {
        let acts = windows.activating, n = acts.count, q = config.quantiles
        let (trainN, testN) = split(activating: n, train: config.trainCount, test: config.testCount)
        var bins = Array(repeating: [Int](), count: q)
        for i in 0 ..< n { bins[quantile(index: i, count: n, quantiles: q) - 1].append(i) }

        var result = WindowDraw()
        var used = Set<Int>()
        for (i, qu) in stratified(bins, total: testN, &rng) {
            result.test.append((acts[i].key, qu)); used.insert(i)
        }
        let topN: Int
        switch config.trainSampling {
        case .top: topN = trainN
        case .quantiles: topN = 0
        case .mixed: topN = Int((Double(trainN) * config.topFraction).rounded())
        }
        var i = 0
        while result.train.count < topN, i < n {
            if !used.contains(i) { result.train.append((acts[i].key, nil)); used.insert(i) }
            i += 1
        }
        let rest = bins.map { $0.filter { !used.contains($0) } }
        for (j, qu) in stratified(rest, total: trainN - result.train.count, &rng) {
            result.train.append((acts[j].key, qu)); used.insert(j)
        }
        let order = Dictionary(uniqueKeysWithValues: acts.enumerated().map { ($0.element.key, $0.offset) })
        result.train.sort { order[$0.key, default: 0] < order[$1.key, default: 0] }
        result.test.sort { $0.quantile > $1.quantile || ($0.quantile == $1.quantile && order[$0.key, default: 0] < order[$1.key, default: 0]) }

        // Non-activating windows: hard ones first, then random fill.
        let need = config.nonActivatingCount
        var chosen = Set<Int>()
        var hard = hardCandidates.filter { !windows.firing.contains($0) }
        partialShuffle(&hard, need, &rng)
        for k in hard.prefix(need) { result.negatives.append((k, .hard)); chosen.insert(k) }
        let eligible = totalWindows - windows.firing.count
        var attempts = 0
        let budget = 20 * need + 100
        while result.negatives.count < need, chosen.count < eligible, attempts < budget {
            attempts += 1
            let k = index(totalWindows, &rng)
            if windows.firing.contains(k) || chosen.contains(k) { continue }
            result.negatives.append((k, .random)); chosen.insert(k)
        }
        if result.negatives.count < need, chosen.count < eligible {
            // The latent fires almost everywhere: enumerate what is left.
            var pool = (0 ..< totalWindows).filter { !windows.firing.contains($0) && !chosen.contains($0) }
            let missing = need - result.negatives.count
            partialShuffle(&pool, missing, &rng)
            for k in pool.prefix(missing) { result.negatives.append((k, .random)) }
        }
        result.negatives.sort { ($0.kind == .hard ? 0 : 1, $0.key) < ($1.kind == .hard ? 0 : 1, $1.key) }
        return result
    }
}
