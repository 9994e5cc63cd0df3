import AugurModels
import Foundation

/// Reconstruction quality of a coder on held-out activations.
public struct ReconstructionMetrics: Sendable, Codable {
    /// Σ‖x − x̂‖² / Σ‖x − mean(x)‖².
    public var fvu: Double
    /// Mean non-zero latents per row.
    public var l0: Double
    /// Fraction of latents that never fired on these rows.
    public var deadFraction: Double
    /// Rows evaluated.
    public var rows: Int

    enum CodingKeys: String, CodingKey { case fvu, l0, deadFraction = "dead_fraction", rows }
}

/// Next-token cross-entropy of a model clean, with a coder's reconstruction spliced in at a hook,
/// and with that activation zero-ablated.
public struct CrossEntropyMetrics: Sendable, Codable {
    public var clean: Double
    public var sae: Double
    public var zeroAblated: Double
    /// (CE_zero − CE_sae) / (CE_zero − CE_clean).
    public var lossRecovered: Double
    /// Next-token predictions scored.
    public var predictions: Int

    enum CodingKeys: String, CodingKey {
        case clean = "ce_clean", sae = "ce_sae", zeroAblated = "ce_zero", lossRecovered = "loss_recovered", predictions
    }
}

/// Evaluation of sparse coders.
public enum SAEMetrics {
    /// FVU, L0 and dead fraction of `coder` on `rows` (row-major, rows × dIn), in blocks.
    public static func evaluate(_ coder: any SparseCoder, rows: [Float], blockRows: Int = 1024) throws -> ReconstructionMetrics {
        let d = coder.dIn, n = coder.numLatents
        guard !rows.isEmpty, rows.count % d == 0 else {
            throw SAEError.invalidShape("\(rows.count) floats are not whole rows of \(d)")
        }
        let count = rows.count / d
        var mean = [Double](repeating: 0, count: d)
        for r in 0..<count { for j in 0..<d { mean[j] += Double(rows[r * d + j]) } }
        for j in 0..<d { mean[j] /= Double(count) }
        var se = 0.0, tv = 0.0, active = 0
        var fired = [Bool](repeating: false, count: n)
        var latents = [Float](repeating: 0, count: min(blockRows, count) * n)
        var recon = [Float](repeating: 0, count: min(blockRows, count) * d)
        var start = 0
        try rows.withUnsafeBufferPointer { x in
            while start < count {
                let m = min(blockRows, count - start)
                let xb = x.baseAddress! + start * d
                let sparse = coder.encodeSparse(xb, rows: m)
                latents.withUnsafeMutableBufferPointer { l in
                    l.update(repeating: 0)
                    for (r, row) in sparse.enumerated() {
                        active += row.count
                        for e in row { l[r * n + Int(e.latent)] = e.value; fired[Int(e.latent)] = true }
                    }
                }
                guard latents.allSatisfy({ $0.isFinite }) else { throw SAEError.invalidShape("non-finite latent activations") }
                recon.withUnsafeMutableBufferPointer { rc in coder.decode(latents, rows: m, into: rc.baseAddress!) }
                for r in 0..<m {
                    for j in 0..<d {
                        let v = Double(xb[r * d + j])
                        let e = Double(recon[r * d + j]) - v
                        se += e * e
                        tv += (v - mean[j]) * (v - mean[j])
                    }
                }
                start += m
            }
        }
        return ReconstructionMetrics(fvu: se / max(tv, 1e-30), l0: Double(active) / Double(count),
                                     deadFraction: Double(fired.filter { !$0 }.count) / Double(n), rows: count)
    }

    /// FVU, L0 and dead fraction on the next `rows` rows of `source` (held-out activations).
    public static func evaluate(_ coder: any SparseCoder, source: inout some ActivationSource, rows: Int) throws -> ReconstructionMetrics {
        guard source.width == coder.dIn else {
            throw SAEError.invalidShape("activation width \(source.width) differs from the coder's d_in \(coder.dIn)")
        }
        var data: [Float] = []
        while data.count < rows * coder.dIn, let batch = try source.nextBatch(rows: rows - data.count / coder.dIn), !batch.isEmpty {
            data += batch
        }
        return try evaluate(coder, rows: data)
    }

    /// Throws unless `coder` reads activations as wide as `hook` of `model` (d_mlp for `mlp.hook_post`, else d_model).
    public static func checkWidth(_ coder: any SparseCoder, model: any LanguageModel, hook: HookPoint) throws {
        let width = hook.site == .mlpPost ? model.config.dMLP : model.config.dModel
        guard coder.dIn == width else {
            throw SAEError.invalidShape("the coder's d_in \(coder.dIn) does not match \(hook) of \(model.info.name), which is \(width) wide")
        }
    }

    /// Cross-entropy of `model` over next-token predictions of `contexts`: clean, with each row at
    /// `hook` replaced by decode(encode(row)), and with the activation at `hook` set to zero — both
    /// from position `skipPositions` on (the attention sink at position 0 is left clean, as in training).
    public static func crossEntropy(model: any LanguageModel, hook: HookPoint, coder: any SparseCoder,
                                    contexts: [[Int32]], skipPositions: Int = 0,
                                    precision: Precision = .exact) throws -> CrossEntropyMetrics {
        guard contexts.contains(where: { $0.count >= 2 }) else {
            throw SAEError.invalidShape("cross-entropy needs a context of at least 2 tokens")
        }
        try checkWidth(coder, model: model, hook: hook)
        let n = coder.numLatents, d = coder.dIn
        let splice = Intervention(.custom { row, _ in
            guard row.count == d, let base = row.baseAddress else { return }
            var latents = [Float](repeating: 0, count: n)
            latents.withUnsafeMutableBufferPointer { coder.encode(base, rows: 1, into: $0.baseAddress!) }
            coder.decode(latents, rows: 1, into: base)
        }, positions: .from(skipPositions))
        let zero = Intervention(.custom { row, _ in row.update(repeating: 0) }, positions: .from(skipPositions))
        func run(_ intervention: Intervention?) throws -> (Double, Int) {
            let hooks = Hooks()
            if let intervention { hooks.add(intervention, at: hook) }
            let logits = try model.forward(contexts, caches: nil, hooks: hooks, options: ForwardOptions(logits: .all, precision: precision))
            return try nextTokenLoss(logits: logits, contexts: contexts, vocab: model.config.vocabSize)
        }
        let (clean, count) = try run(nil)
        let (sae, _) = try run(splice)
        let (zeroCE, _) = try run(zero)
        let denom = zeroCE - clean
        return CrossEntropyMetrics(clean: clean, sae: sae, zeroAblated: zeroCE,
                                   lossRecovered: denom == 0 ? .nan : (zeroCE - sae) / denom, predictions: count)
    }

    /// Mean −log p(next token) over every position but the last of each context.
    static func nextTokenLoss(logits: [[Float]], contexts: [[Int32]], vocab: Int) throws -> (Double, Int) {
        var total = 0.0, count = 0
        for (s, tokens) in contexts.enumerated() where tokens.count >= 2 {
            let l = logits[s]
            let v = l.count / tokens.count
            guard v > 0, l.count == v * tokens.count, tokens.allSatisfy({ Int($0) >= 0 && Int($0) < v }) else {
                throw SAEError.invalidShape("logits of sequence \(s) (\(l.count) floats) do not cover its \(tokens.count) tokens")
            }
            for t in 0..<(tokens.count - 1) {
                let row = l[(t * v)..<((t + 1) * v)]
                let mx = Double(row.max() ?? 0)
                var sum = 0.0
                for x in row { sum += Foundation.exp(Double(x) - mx) }
                total += mx + Foundation.log(sum) - Double(row[row.startIndex + Int(tokens[t + 1])])
                count += 1
            }
        }
        return (total / Double(max(count, 1)), count)
    }
}
