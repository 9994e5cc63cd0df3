import Synchronization

/// Merge table of a byte-level BPE vocabulary and the merge loop, with a shared cache of
/// already-merged pieces.
struct BPEMerger: Sendable {
    /// (left id << 32 | right id) → (rank << 32 | merged id).
    private let merges: [UInt64: UInt64]
    private let cache = PieceCache()
    /// `prev` marker of a symbol merged into its left neighbour.
    private static let removed: Int32 = -2

    init(merges: [UInt64: UInt64]) {
        self.merges = merges
    }

    @inline(__always)
    private func lookup(_ left: Int32, _ right: Int32) -> UInt64? {
        merges[UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))]
    }

    /// Appends the ids of one pre-tokenized piece, given as its initial one-symbol-per-byte ids.
    func merge(piece bytes: ArraySlice<UInt8>, byteIDs: [Int32], into out: inout [Int32]) {
        if bytes.count == 1 {
            let id = byteIDs[Int(bytes[bytes.startIndex])]
            if id >= 0 { out.append(id) }
            return
        }
        let hash = PieceCache.hash(bytes)
        if cache.lookup(hash: hash, bytes: bytes, into: &out) { return }
        let start = out.count
        mergeUncached(bytes, byteIDs: byteIDs, into: &out)
        cache.store(hash: hash, bytes: bytes, ids: out[start...])
    }

    /// The merge loop: repeatedly merge the adjacent pair of lowest rank (leftmost on ties),
    /// using a heap of candidate pairs that are re-checked when popped.
    private func mergeUncached(_ bytes: ArraySlice<UInt8>, byteIDs: [Int32], into out: inout [Int32]) {
        let n = bytes.count
        var ids = [Int32](unsafeUninitializedCapacity: n) { buf, count in
            var k = 0
            for b in bytes { buf[k] = byteIDs[Int(b)]; k += 1 }
            count = n
        }
        var next = [Int32](unsafeUninitializedCapacity: n) { buf, count in
            for k in 0..<n { buf[k] = Int32(k + 1) }
            buf[n - 1] = -1
            count = n
        }
        var prev = [Int32](unsafeUninitializedCapacity: n) { buf, count in
            for k in 0..<n { buf[k] = Int32(k - 1) }
            count = n
        }
        // Heap entries: rank << 32 | position, so ties go to the leftmost pair.
        var heap = MinHeap()
        for k in 0..<(n - 1) {
            if let m = lookup(ids[k], ids[k + 1]) { heap.push(m & 0xFFFF_FFFF_0000_0000 | UInt64(k)) }
        }
        while let top = heap.pop() {
            let pos = Int(top & 0xFFFF_FFFF)
            let rank = top >> 32
            let r = Int(next[pos])
            // Stale entry: the symbol was merged away, or the pair changed since it was pushed.
            guard prev[pos] != Self.removed, r >= 0, let m = lookup(ids[pos], ids[r]), m >> 32 == rank else { continue }
            ids[pos] = Int32(truncatingIfNeeded: m & 0xFFFF_FFFF)
            let rn = Int(next[r])
            prev[r] = Self.removed
            next[pos] = Int32(rn)
            if rn >= 0 { prev[rn] = Int32(pos) }
            let p = Int(prev[pos])
            if p >= 0, let mp = lookup(ids[p], ids[pos]) { heap.push(mp & 0xFFFF_FFFF_0000_0000 | UInt64(p)) }
            if rn >= 0, let mn = lookup(ids[pos], ids[rn]) { heap.push(mn & 0xFFFF_FFFF_0000_0000 | UInt64(pos)) }
        }
        var k = 0
        while k >= 0 {
            if ids[k] >= 0 { out.append(ids[k]) }
            k = Int(next[k])
        }
    }
}

/// A binary min-heap of packed `UInt64` keys.
struct MinHeap {
    private var items: [UInt64] = []

    mutating func push(_ v: UInt64) {
        items.append(v)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[parent] <= v { break }
            items[i] = items[parent]
            i = parent
        }
        items[i] = v
    }

    mutating func pop() -> UInt64? {
        guard let last = items.popLast() else { return nil }
        if items.isEmpty { return last }
        let top = items[0]
        var i = 0
        let n = items.count
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            let r = l + 1
            let c = r < n && items[r] < items[l] ? r : l
            if items[c] >= last { break }
            items[i] = items[c]
            i = c
        }
        items[i] = last
        return top
    }
}

/// Thread-safe cache of merged pieces, keyed by a 64-bit hash of the bytes (the bytes are
/// stored and compared too, so a hash collision only costs a miss).
final class PieceCache: Sendable {
    private struct Entry {
        var bytes: [UInt8]
        var ids: [Int32]
    }

    /// Entries kept before the cache is emptied and starts over.
    static let capacity = 200_000
    private let storage = Mutex<[UInt64: Entry]>([:])

    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    func lookup(hash: UInt64, bytes: ArraySlice<UInt8>, into out: inout [Int32]) -> Bool {
        storage.withLock { table in
            guard let e = table[hash], e.bytes.elementsEqual(bytes) else { return false }
            out.append(contentsOf: e.ids)
            return true
        }
    }

    func store(hash: UInt64, bytes: ArraySlice<UInt8>, ids: ArraySlice<Int32>) {
        storage.withLock { table in
            if table.count >= Self.capacity { table.removeAll(keepingCapacity: true) }
            table[hash] = Entry(bytes: Array(bytes), ids: Array(ids))
        }
    }
}
