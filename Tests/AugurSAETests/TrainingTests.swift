import AugurTensor
import Foundation
import Testing
@testable import AugurSAE

@Suite struct TrainingTests {
    @Test func trainingOnSparseDataRecoversDirections() throws {
        var source = SyntheticSource(width: 32, features: 48, active: 3, total: 40_000)
        let config = SAETrainingConfig(dIn: 32, numLatents: 128, k: 3, batchRows: 256, learningRate: 5e-3, deadTokenThreshold: 5_000, seed: 1)
        let trainer = try TopKTrainer(config: config)
        let summary = try trainer.train(source: &source, tokens: 40_000)
        #expect(summary.tokens == 40_000)
        // Held-out FVU.
        var heldOut = SyntheticSource(width: 32, features: 48, active: 3, total: 1_000)
        heldOut.position = 0
        let rows = (0..<1_000).flatMap { heldOut.row(100_000 + $0) }
        let m = try SAEMetrics.evaluate(try trainer.sae(), rows: rows)
        #expect(m.fvu < 0.1, "held-out FVU \(m.fvu)")
        #expect(m.l0 <= 3.0001)
        let sae = try trainer.sae()
        let decoders = (0..<sae.numLatents).map { sae.decoderDirection($0) }
        let best = source.directions.map { d in decoders.map { cosine($0, d) }.max() ?? 0 }
        let meanBest = best.reduce(0, +) / Float(best.count)
        #expect(meanBest > 0.9, "mean max cosine \(meanBest)")
        for r in decoders {
            let norm = r.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-4)
        }
    }

    @Test(arguments: SAEArchitecture.allCases)
    func gradientsMatchFiniteDifferences(architecture: SAEArchitecture) throws {
        var config = SAETrainingConfig(dIn: 6, numLatents: 10, k: 2, seed: 3, architecture: architecture, l1Coefficient: 0.05)
        config.auxKCoefficient = 0.5
        let trainer = try TopKTrainer(config: config)
        var rng = SplitMix64(seed: 11)
        trainer.weights.bEnc = randomFloats(10, &rng, scale: 0.1)
        trainer.weights.bDec = randomFloats(6, &rng, scale: 0.1)
        let batch = randomFloats(5 * 6, &rng)
        let dead = (0..<10).map { $0 >= 6 }
        let (base, g) = try trainer.lossAndGradients(batch, dead: dead)
        // Training treats the AuxK target (the residual x − x̂) as a constant, as sparsify does.
        let target = base.residual
        func loss() throws -> Double { Double(try trainer.lossAndGradients(batch, dead: dead, auxTarget: target).0.total) }
        let eps: Float = 1e-3
        var checked = 0
        func check(_ kp: WritableKeyPath<SAEWeights, [Float]>, _ grad: [Float]) throws {
            for i in grad.indices {
                let orig = trainer.weights[keyPath: kp][i]
                trainer.weights[keyPath: kp][i] = orig + eps
                let up = try loss()
                trainer.weights[keyPath: kp][i] = orig - eps
                let down = try loss()
                trainer.weights[keyPath: kp][i] = orig
                let fd = (up - down) / Double(2 * eps)
                #expect(abs(fd - Double(grad[i])) < 2e-3 + 2e-2 * abs(fd), "\(kp) [\(i)]: analytic \(grad[i]) vs numeric \(fd)")
                checked += 1
            }
        }
        try check(\.wEnc, g.wEnc)
        try check(\.bEnc, g.bEnc)
        try check(\.wDec, g.wDec)
        try check(\.bDec, g.bDec)
        #expect(checked == 10 * 6 * 2 + 10 + 6)
        // The AuxK term is non-trivial here.
        #expect(try trainer.lossAndGradients(batch, dead: dead).0.auxK > 0)
    }

    @Test(arguments: [SAEArchitecture.batchtopk, .relu])
    func otherArchitecturesTrain(architecture: SAEArchitecture) throws {
        var source = SyntheticSource(width: 16, features: 24, active: 2, total: 12_000)
        let config = SAETrainingConfig(dIn: 16, numLatents: 64, k: 2, batchRows: 128, learningRate: 5e-3, seed: 2,
                                       architecture: architecture, l1Coefficient: 1e-3)
        let trainer = try TopKTrainer(config: config)
        let first = try trainer.step(try #require(try source.nextBatch(rows: 128)))
        let summary = try trainer.train(source: &source, tokens: 12_000)
        #expect(summary.fvu < first.fvu / 2, "\(architecture): FVU \(first.fvu) → \(summary.fvu)")
        let coder = try trainer.coder()
        let rows = (0..<500).flatMap { source.row(50_000 + $0) }
        let m = try SAEMetrics.evaluate(coder, rows: rows)
        #expect(m.fvu < 0.3, "\(architecture): held-out FVU \(m.fvu), L0 \(m.l0)")
        if architecture == .batchtopk {
            #expect(trainer.batchThreshold > 0)
            #expect(m.l0 < 6, "BatchTopK inference L0 \(m.l0)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-sae-arch-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try trainer.saveCheckpoint(to: dir)
        #expect(try SAELoader.open(dir).info.kind == architecture.rawValue)
        #expect(try TopKTrainer.resume(from: dir).batchThreshold == trainer.batchThreshold)
    }

    @Test func resumeMatchesUninterruptedRun() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-sae-resume-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = SAETrainingConfig(dIn: 16, numLatents: 64, k: 4, batchRows: 64, learningRate: 3e-3, deadTokenThreshold: 200, seed: 5)
        var full = SyntheticSource(width: 16, features: 24, active: 2, total: 2_048)
        let a = try TopKTrainer(config: config)
        _ = try a.train(source: &full, tokens: 2_048)

        var first = SyntheticSource(width: 16, features: 24, active: 2, total: 2_048)
        let b = try TopKTrainer(config: config)
        _ = try b.train(source: &first, tokens: 1_024, checkpointDir: dir)
        let c = try TopKTrainer.resume(from: dir)
        #expect(c.tokensDone == 1_024)
        var rest = SyntheticSource(width: 16, features: 24, active: 2, total: 2_048)
        rest.position = c.tokensDone
        _ = try c.train(source: &rest, tokens: 2_048)
        #expect(c.weights.wEnc == a.weights.wEnc)
        #expect(c.weights.wDec == a.weights.wDec)
        #expect(c.weights.bDec == a.weights.bDec)
        #expect(c.tokensSinceFired == a.tokensSinceFired)
        // The checkpoint is a loadable sparsify SAE.
        let loaded = try SAELoader.open(dir)
        #expect(loaded.info.kind == "topk")
    }

    @Test func auxKRevivesDeadLatents() throws {
        func run(aux: Float) throws -> Float {
            var config = SAETrainingConfig(dIn: 16, numLatents: 64, k: 2, batchRows: 128, learningRate: 5e-3,
                                           deadTokenThreshold: 256, seed: 9)
            config.auxKCoefficient = aux
            let t = try TopKTrainer(config: config)
            // As many true features as latents, and half the latents start hopeless (a negative encoder
            // bias keeps them out of the top k), so only reviving them can explain the rest of the data.
            var source = SyntheticSource(width: 16, features: 64, active: 2, total: 30_000)
            for l in 32..<64 { t.weights.bEnc[l] = -0.3 }
            _ = try t.train(source: &source, tokens: 30_000)
            return t.deadFraction
        }
        let without = try run(aux: 0)
        let with = try run(aux: 1.0 / 32)
        #expect(without > 0.2, "dead without AuxK: \(without)")
        #expect(with < without / 2, "dead with AuxK \(with) vs without \(without)")
    }
}
