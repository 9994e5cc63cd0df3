import Testing
@testable import AugurActivations

struct LatentSelectionTests {
    func stats(_ counts: [Int]) -> LatentStatistics {
        LatentStatistics(tokens: 1000, counts: counts, maxima: counts.map { Float($0) }, means: counts.map { Float($0) },
                         histograms: counts.map { _ in [] })
    }

    @Test func parsesEveryForm() throws {
        #expect(try LatentSelection.parse("all") == .all)
        #expect(try LatentSelection.parse(" 0-99 ") == .list([0 ... 99]))
        #expect(try LatentSelection.parse("5,17, 200-210") == .list([5 ... 5, 17 ... 17, 200 ... 210]))
        #expect(try LatentSelection.parse("random:100") == .random(count: 100))
        #expect(try LatentSelection.parse("top-density:50") == .topDensity(count: 50))
        for spec in ["all", "0-99", "5,17,200-210", "random:100", "top-density:50"] {
            #expect(try LatentSelection.parse(spec).description == spec)
        }
        for bad in ["", "5,,6", "a-b", "10-5", "-3", "1-2-3", "random:0", "random:x", "top-density:-1", "5;6"] {
            #expect(throws: ActivationsError.self, "\(bad)") { try LatentSelection.parse(bad) }
        }
    }

    @Test func resolvesAgainstTheLatentCount() throws {
        #expect(try LatentSelection.parse("7,3-5,4").resolve(numLatents: 10) == [3, 4, 5, 7])
        #expect(throws: ActivationsError.badArgument("latents 5000-5100 are out of range: this cache has 4608 latents (0-4607)")) {
            try LatentSelection.parse("5000-5100").resolve(numLatents: 4608)
        }
        #expect(throws: ActivationsError.badArgument("latent 4608 is out of range: this cache has 4608 latents (0-4607)")) {
            try LatentSelection.parse("1,4608").resolve(numLatents: 4608)
        }
        #expect(try LatentSelection.all.resolve(numLatents: 4) == [0, 1, 2, 3])
    }

    @Test func deadLatentsAreLeftOutOfBroadSelections() throws {
        let s = stats([5, 0, 9, 1, 0, 3])
        #expect(try LatentSelection.all.resolve(numLatents: 6, statistics: s) == [0, 2, 3, 5])
        #expect(try LatentSelection.all.resolve(numLatents: 6, statistics: s, includeDead: true) == Array(0 ..< 6))
        #expect(try LatentSelection.list([1 ... 1]).resolve(numLatents: 6, statistics: s) == [1])
        #expect(try LatentSelection.topDensity(count: 2).resolve(numLatents: 6, statistics: s) == [0, 2])
        #expect(throws: ActivationsError.self) { try LatentSelection.topDensity(count: 2).resolve(numLatents: 6) }
        #expect(throws: ActivationsError.self) { try LatentSelection.random(count: 5).resolve(numLatents: 6, statistics: s) }
        let r = try LatentSelection.random(count: 3).resolve(numLatents: 6, statistics: s, seed: 9)
        #expect(r.count == 3 && r == r.sorted() && Set(r).isSubset(of: [0, 2, 3, 5]))
    }

    @Test func randomIsSeededAndUniformish() throws {
        let a = try LatentSelection.random(count: 100).resolve(numLatents: 4608, seed: 1)
        #expect(a == (try LatentSelection.random(count: 100).resolve(numLatents: 4608, seed: 1)))
        #expect(a != (try LatentSelection.random(count: 100).resolve(numLatents: 4608, seed: 2)))
        #expect(Set(a).count == 100 && a.allSatisfy { $0 >= 0 && $0 < 4608 })
        // Spread over the range, not clustered at the start.
        #expect(a.filter { $0 >= 2304 }.count > 25 && a.filter { $0 < 2304 }.count > 25)
    }
}
