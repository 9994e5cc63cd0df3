/// Plain O(n²m) Hungarian algorithm with potentials (rows ≤ columns), in Double: the test reference.
/// Returns the column of each row.
func hungarianReference(_ cost: [Float], rows n: Int, columns m: Int) -> [Int] {
    guard n > 0 else { return [] }
    var u = [Double](repeating: 0, count: n + 1), v = [Double](repeating: 0, count: m + 1)
    var p = [Int](repeating: 0, count: m + 1), way = [Int](repeating: 0, count: m + 1)
    for i in 1...n {
        p[0] = i
        var j0 = 0
        var minv = [Double](repeating: .infinity, count: m + 1)
        var used = [Bool](repeating: false, count: m + 1)
        repeat {
            used[j0] = true
            let i0 = p[j0]
            var delta = Double.infinity, j1 = 0
            for j in 1...m where !used[j] {
                let cur = Double(cost[(i0 - 1) * m + (j - 1)]) - u[i0] - v[j]
                if cur < minv[j] { minv[j] = cur; way[j] = j0 }
                if minv[j] < delta { delta = minv[j]; j1 = j }
            }
            for j in 0...m {
                if used[j] { u[p[j]] += delta; v[j] -= delta } else { minv[j] -= delta }
            }
            j0 = j1
        } while p[j0] != 0
        repeat {
            let j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
        } while j0 != 0
    }
    var result = [Int](repeating: -1, count: n)
    for j in 1...m where p[j] != 0 { result[p[j] - 1] = j - 1 }
    return result
}

/// Minimum total cost over every injective row → column map, by enumeration (tiny sizes only).
func bruteForceMinimum(_ cost: [Float], rows n: Int, columns m: Int) -> Double {
    var best = Double.infinity
    var used = [Bool](repeating: false, count: m)
    func go(_ i: Int, _ total: Double) {
        if i == n { best = min(best, total); return }
        for j in 0..<m where !used[j] {
            used[j] = true
            go(i + 1, total + Double(cost[i * m + j]))
            used[j] = false
        }
    }
    go(0, 0)
    return best
}

/// Total cost of an assignment, after checking it is a valid injective map (nil when it is not).
func assignmentCost(_ cost: [Float], _ assignment: [Int], rows n: Int, columns m: Int) -> Double? {
    guard assignment.count == n else { return nil }
    var seen = Set<Int>()
    var total = 0.0
    for (i, j) in assignment.enumerated() {
        guard (0..<m).contains(j), seen.insert(j).inserted else { return nil }
        total += Double(cost[i * m + j])
    }
    return total
}
