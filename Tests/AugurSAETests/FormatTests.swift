import AugurTensor
import AugurFormats
import Foundation
import Testing
@testable import AugurSAE

/// Direct (loop) computation of an SAE's latents from weights in the [d, n] encoder layout.
func directLatents(x: [Float], wEncDN: [Float], bEnc: [Float], bDec: [Float], subtract: Bool, d: Int, n: Int,
                   rule: (_ pre: [Float]) -> [Float]) -> [Float] {
    let rows = x.count / d
    var out: [Float] = []
    for r in 0..<rows {
        var pre = bEnc
        for i in 0..<n {
            for j in 0..<d { pre[i] += (x[r * d + j] - (subtract ? bDec[j] : 0)) * wEncDN[j * n + i] }
        }
        out += rule(pre)
    }
    return out
}

func directDecode(latents: [Float], wDec: [Float], bDec: [Float], d: Int, n: Int) -> [Float] {
    let rows = latents.count / n
    var out: [Float] = []
    for r in 0..<rows {
        var x = bDec
        for i in 0..<n where latents[r * n + i] != 0 { for j in 0..<d { x[j] += latents[r * n + i] * wDec[i * d + j] } }
        out += x
    }
    return out
}

func expectClose(_ a: [Float], _ b: [Float], tol: Float = 1e-4, _ what: String) {
    #expect(a.count == b.count, "\(what): \(a.count) vs \(b.count)")
    let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    #expect(worst < tol, "\(what): worst relative difference \(worst)")
}

func checkCoder(_ coder: any SparseCoder, x: [Float], expected: [Float], wDec: [Float], bDec: [Float]) {
    let d = coder.dIn, n = coder.numLatents, rows = x.count / d
    var latents = [Float](repeating: 0, count: rows * n)
    x.withUnsafeBufferPointer { coder.encode($0.baseAddress!, rows: rows, into: &latents) }
    expectClose(latents, expected, "encode")
    let sparse = x.withUnsafeBufferPointer { coder.encodeSparse($0.baseAddress!, rows: rows) }
    for r in 0..<rows {
        let nz = (0..<n).filter { expected[r * n + $0] != 0 }
        #expect(Set(sparse[r].map { Int($0.latent) }) == Set(nz))
        #expect(sparse[r].map(\.value) == sparse[r].map(\.value).sorted(by: >))
    }
    var recon = [Float](repeating: 0, count: rows * d)
    coder.decode(latents, rows: rows, into: &recon)
    expectClose(recon, directDecode(latents: expected, wDec: wDec, bDec: bDec, d: d, n: n), "decode")
}

@Suite struct FormatTests {
    let d = 12, n = 40, rows = 9
    func temp() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("augur-sae-\(UUID().uuidString)").path
    }

    @Test func sparsifyRoundTrip() throws {
        var rng = SplitMix64(seed: 21)
        let wEnc = randomFloats(n * d, &rng, scale: 0.3), bEnc = randomFloats(n, &rng, scale: 0.1)
        let wDec = randomFloats(n * d, &rng), bDec = randomFloats(d, &rng, scale: 0.2)
        let sae = try TopKSAE(weights: SAEWeights(dIn: d, numLatents: n, wEnc: wEnc, bEnc: bEnc, wDec: wDec, bDec: bDec), k: 5)
        let root = temp()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try SparsifyFormat.write(sae, to: root + "/blocks.3.hook_resid_post", hook: "blocks.3.hook_resid_post", model: "m")
        let loaded = try SAELoader.open(root)
        #expect(loaded.info == SAEInfo(coder: sae, hook: "blocks.3.hook_resid_post", format: "sparsify"))
        #expect(loaded.info.kind == "topk" && loaded.info.k == 5)
        let x = randomFloats(rows * d, &rng)
        let expected = directLatents(x: x, wEncDN: transpose(wEnc, rows: n, cols: d), bEnc: bEnc, bDec: bDec, subtract: true, d: d, n: n) { pre in
            let cut = pre.map { max($0, 0) }.sorted(by: >)[4]
            return pre.map { $0 > 0 && $0 >= cut ? $0 : 0 }
        }
        checkCoder(loaded.coder, x: x, expected: expected, wDec: wDec, bDec: bDec)
        // cfg.json carries the sparsify fields.
        let cfg = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/blocks.3.hook_resid_post/cfg.json"))) as? [String: Any]
        for key in ["activation", "k", "num_latents", "expansion_factor", "normalize_decoder", "d_in", "hook", "model", "augur_version"] {
            #expect(cfg?[key] != nil, "cfg.json lacks \(key)")
        }
    }

    @Test func saeLensJumpReLUAndReLU() throws {
        var rng = SplitMix64(seed: 22)
        let wEncDN = randomFloats(d * n, &rng, scale: 0.3), bEnc = randomFloats(n, &rng, scale: 0.1)
        let wDec = randomFloats(n * d, &rng), bDec = randomFloats(d, &rng, scale: 0.2)
        let threshold = (0..<n).map { _ in rng.uniform(0, 0.5) }
        for jump in [true, false] {
            let dir = temp()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            var cfg: [String: Any] = ["d_in": d, "d_sae": n, "hook_name": "blocks.2.hook_resid_post", "apply_b_dec_to_input": !jump]
            cfg["architecture"] = jump ? "jumprelu" : "standard"
            if !jump { cfg["activation_fn_str"] = "relu" }
            try JSONSerialization.data(withJSONObject: cfg).write(to: URL(fileURLWithPath: dir + "/cfg.json"))
            var w = SafetensorsWriter()
            try w.add("W_enc", floats: wEncDN, shape: [d, n])
            try w.add("b_enc", floats: bEnc, shape: [n])
            try w.add("W_dec", floats: wDec, shape: [n, d])
            try w.add("b_dec", floats: bDec, shape: [d])
            if jump { try w.add("threshold", floats: threshold, shape: [n]) }
            try w.write(to: dir + "/sae_weights.safetensors")
            let loaded = try SAELoader.open(dir)
            #expect(loaded.info.kind == (jump ? "jumprelu" : "relu"))
            #expect(loaded.info.hook == "blocks.2.hook_resid_post" && loaded.info.k == nil)
            let x = randomFloats(rows * d, &rng)
            let expected = directLatents(x: x, wEncDN: wEncDN, bEnc: bEnc, bDec: bDec, subtract: !jump, d: d, n: n) { pre in
                jump ? pre.indices.map { pre[$0] > threshold[$0] ? pre[$0] : 0 } : pre.map { max($0, 0) }
            }
            checkCoder(loaded.coder, x: x, expected: expected, wDec: wDec, bDec: bDec)
        }
    }

    @Test func gemmaScopeNpz() throws {
        var rng = SplitMix64(seed: 23)
        let wEncDN = randomFloats(d * n, &rng, scale: 0.3), bEnc = randomFloats(n, &rng, scale: 0.1)
        let wDec = randomFloats(n * d, &rng), bDec = randomFloats(d, &rng, scale: 0.2)
        let threshold = (0..<n).map { _ in rng.uniform(0, 0.5) }
        let dir = temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let bytes = NpzWriter.npz([("W_enc", wEncDN, [d, n]), ("W_dec", wDec, [n, d]), ("b_enc", bEnc, [n]),
                                   ("b_dec", bDec, [d]), ("threshold", threshold, [n])])
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/params.npz"))
        let loaded = try SAELoader.open(dir)
        #expect(loaded.info.kind == "jumprelu" && loaded.info.dIn == d && loaded.info.numLatents == n)
        let x = randomFloats(rows * d, &rng)
        let expected = directLatents(x: x, wEncDN: wEncDN, bEnc: bEnc, bDec: bDec, subtract: false, d: d, n: n) { pre in
            pre.indices.map { pre[$0] > threshold[$0] ? pre[$0] : 0 }
        }
        checkCoder(loaded.coder, x: x, expected: expected, wDec: wDec, bDec: bDec)
    }

    @Test func errorsNameFileAndField() throws {
        let dir = temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: ["d_in": d, "num_latents": n, "activation": "topk"])
            .write(to: URL(fileURLWithPath: dir + "/cfg.json"))
        var w = SafetensorsWriter()
        try w.add("encoder.weight", floats: .init(repeating: 0, count: n * d), shape: [n, d])
        try w.write(to: dir + "/sae.safetensors")
        let missing = #expect(throws: SAEError.self) { try SAELoader.load(dir) }
        #expect(missing?.description.contains("sae.safetensors") == true && missing?.description.contains("encoder.bias") == true)
        try w.add("encoder.bias", floats: .init(repeating: 0, count: n), shape: [n])
        try w.add("W_dec", floats: .init(repeating: 0, count: n * d), shape: [n, d])
        try w.add("b_dec", floats: .init(repeating: 0, count: d), shape: [d])
        try w.write(to: dir + "/sae.safetensors")
        let noK = #expect(throws: SAEError.self) { try SAELoader.load(dir) }
        #expect(noK == .badField(file: dir + "/cfg.json", field: "k", reason: "missing"))
        #expect(throws: SAEError.self) { try SAELoader.load(dir + "/nothing") }
    }

    @Test func batchTopKAndNeuronBases() throws {
        var rng = SplitMix64(seed: 24)
        let weights = try SAEWeights(dIn: d, numLatents: n, wEnc: randomFloats(n * d, &rng, scale: 0.3), bEnc: randomFloats(n, &rng, scale: 0.1),
                                     wDec: randomFloats(n * d, &rng), bDec: randomFloats(d, &rng, scale: 0.2))
        let sae = try BatchTopKSAE(weights: weights, k: 3, threshold: 0.2)
        let x = randomFloats(rows * d, &rng)
        let train = x.withUnsafeBufferPointer { sae.encodeBatchTopK($0.baseAddress!, rows: rows) }
        #expect(train.reduce(0) { $0 + $1.count } == 3 * rows)
        let infer = x.withUnsafeBufferPointer { sae.encodeSparse($0.baseAddress!, rows: rows) }
        #expect(infer.allSatisfy { $0.allSatisfy { $0.value > 0.2 } })
        // Round trip through the sparsify layout keeps kind, k and threshold.
        let dir = temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try SparsifyFormat.write(sae, to: dir)
        let back = try #require(try SAELoader.load(dir) as? BatchTopKSAE)
        #expect(back.threshold == 0.2 && back.kValue == 3)

        let basis = try NeuronBasis(width: d)
        let topk = try NeuronBasis(width: d, k: 2)
        var latents = [Float](repeating: 0, count: rows * d)
        x.withUnsafeBufferPointer { basis.encode($0.baseAddress!, rows: rows, into: &latents) }
        #expect(latents == x)
        let sparse = x.withUnsafeBufferPointer { topk.encodeSparse($0.baseAddress!, rows: rows) }
        for r in 0..<rows {
            let row = Array(x[(r * d)..<((r + 1) * d)])
            #expect(sparse[r].map(\.value) == Array(row.sorted(by: >).prefix(2)))
        }
        #expect(SAEInfo(coder: topk).kind == "topk_neurons" && SAEInfo(coder: topk).k == 2)
        #expect(basis.decoderDirection(3)[3] == 1)
    }
}
