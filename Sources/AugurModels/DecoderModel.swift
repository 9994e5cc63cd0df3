import AugurTensor
import AugurTokenizers
import Foundation

/// One transformer block's weights (pre-norm, GQA attention, gated MLP).
struct DecoderBlock: @unchecked Sendable {
    let attnNorm: [Float]
    let wq: Linear, wk: Linear, wv: Linear, wo: Linear
    let mlpNorm: [Float]
    let gate: Linear, up: Linear, down: Linear
    /// Gemma 3 only: per-head query/key norms and the norms after attention and MLP.
    let qNorm: [Float]?, kNorm: [Float]?
    let postAttnNorm: [Float]?, postMLPNorm: [Float]?
}

/// A decoder-only transformer (Llama/SmolLM2, Qwen2) running from a GGUF file.
public final class DecoderModel: LanguageModel, @unchecked Sendable {
    public let info: ModelInfo
    public let tokenizer: any Tokenizer
    public let chatTemplate: ChatTemplate?
    public let addsBOS: Bool
    let blocks: [DecoderBlock]
    let embedding: QuantizedMatrix
    let head: Linear
    let finalNorm: [Float]
    let rope: RoPE
    let localRope: RoPE?

    init(info: ModelInfo, tokenizer: any Tokenizer, chatTemplate: ChatTemplate?, addsBOS: Bool,
         blocks: [DecoderBlock], embedding: QuantizedMatrix, head: Linear, finalNorm: [Float]) {
        self.info = info
        self.tokenizer = tokenizer
        self.chatTemplate = chatTemplate
        self.addsBOS = addsBOS
        self.blocks = blocks
        self.embedding = embedding
        self.head = head
        self.finalNorm = finalNorm
        let c = info.config
        rope = RoPE(headDim: c.headDim, theta: c.ropeTheta, mode: c.ropeNeox ? .neox : .normal)
        localRope = c.localRopeTheta.map { RoPE(headDim: c.headDim, theta: $0, mode: c.ropeNeox ? .neox : .normal) }
    }

    public func makeCache(capacity: Int) -> KVCache {
        KVCache(layers: config.layers, capacity: capacity, kvDim: config.kvHeads * config.headDim)
    }

    /// A sequence's slice of the batch: rows [row, row + count) at positions [start, start + count).
    struct Segment {
        let row: Int, count: Int, start: Int, cache: KVCache
    }

    public func forward(_ sequences: [[Int32]], caches: [KVCache]?, hooks: Hooks?, options: ForwardOptions) throws -> [[Float]] {
        let c = config
        if let caches, caches.count != sequences.count {
            throw ModelError.invalidArgument("forward: \(sequences.count) sequences but \(caches.count) caches")
        }
        if let stop = options.stopAfterLayer, stop < 0 || stop >= c.layers {
            throw ModelError.invalidArgument("stopAfterLayer \(stop) is outside 0..<\(c.layers)")
        }
        // Lay the sequences out as consecutive rows.
        var segments: [Segment] = []
        var row = 0
        for (i, seq) in sequences.enumerated() {
            let start = caches?[i].count ?? 0
            guard start + seq.count <= c.contextLength else {
                throw ModelError.contextOverflow(tokens: start + seq.count, contextLength: c.contextLength)
            }
            let cache = caches?[i] ?? makeCache(capacity: seq.count)
            guard start + seq.count <= cache.capacity else {
                throw ModelError.cacheOverflow(needed: start + seq.count, capacity: cache.capacity)
            }
            for t in seq where t < 0 || Int(t) >= c.vocabSize {
                throw ModelError.tokenOutOfRange(token: t, vocabularySize: c.vocabSize)
            }
            segments.append(Segment(row: row, count: seq.count, start: start, cache: cache))
            row += seq.count
        }
        let n = row
        guard n > 0 else { return sequences.map { _ in [] } }
        let lastLayer = options.stopAfterLayer ?? (c.layers - 1)

        // x: [n, d] — token embeddings.
        let x = FloatBuffer(count: n * c.dModel)
        let flat = sequences.flatMap { $0 }
        for (r, t) in flat.enumerated() { embedding.row(Int(t), into: x.pointer + r * c.dModel) }
        if let scale = c.embeddingScale { Kernels.scale(x.pointer, by: scale, count: x.count) }

        let ws = Workspace(rows: n, config: c)
        for l in 0...lastLayer {
            try block(l, x: x, ws: ws, segments: segments, hooks: hooks, precision: options.precision)
        }
        for s in segments { s.cache.count = s.start + s.count }

        guard options.stopAfterLayer == nil, options.logits != .none else { return sequences.map { _ in [] } }
        return logits(x: x, segments: segments, selection: options.logits, precision: options.precision)
    }

    /// Scratch activations for one forward call.
    final class Workspace {
        let h, q, k, v, att, o, gate, up: FloatBuffer
        init(rows n: Int, config c: TransformerConfig) {
            let qDim = c.heads * c.headDim, kvDim = c.kvHeads * c.headDim
            h = FloatBuffer(count: n * c.dModel)
            q = FloatBuffer(count: n * qDim)
            k = FloatBuffer(count: n * kvDim)
            v = FloatBuffer(count: n * kvDim)
            att = FloatBuffer(count: n * qDim)
            o = FloatBuffer(count: n * c.dModel)
            gate = FloatBuffer(count: n * c.dMLP)
            up = FloatBuffer(count: n * c.dMLP)
        }
    }

    /// Runs the hooks registered at `site` of block `layer` on `buf` (rows × width).
    func runHooks(_ hooks: Hooks?, _ layer: Int, _ site: HookSite, _ buf: FloatBuffer, width: Int, _ segments: [Segment]) throws {
        guard let hooks else { return }
        let point = HookPoint(layer: layer, site: site)
        guard hooks.isActive(point) else { return }
        for (i, s) in segments.enumerated() {
            try hooks.run(point, HookActivations(base: buf.pointer + s.row * width, rows: s.count, width: width,
                                                 sequence: i, firstPosition: s.start))
        }
    }

    /// One block: x ← x + attn(norm(x)); x ← x + mlp(norm(x)), with its hook points.
    func block(_ l: Int, x: FloatBuffer, ws: Workspace, segments: [Segment], hooks: Hooks?, precision: Precision) throws {
        let c = config, b = blocks[l], d = c.dModel
        let n = x.count / d
        try runHooks(hooks, l, .residPre, x, width: d, segments)

        // Attention. h = rmsnorm(x) [n, d]; q [n, H*hd], k/v [n, KV*hd].
        norm(x.pointer, into: ws.h.pointer, rows: n, weight: b.attnNorm)
        Linear.forward([b.wq, b.wk, b.wv], ws.h.pointer, rows: n, into: [ws.q.pointer, ws.k.pointer, ws.v.pointer], precision: precision)
        let qDim = c.heads * c.headDim, kvDim = c.kvHeads * c.headDim
        let local = c.isLocal(layer: l)
        if let qn = b.qNorm, let kn = b.kNorm {
            headNorm(ws.q.pointer, rows: n * c.heads, weight: qn)
            headNorm(ws.k.pointer, rows: n * c.kvHeads, weight: kn)
        }
        let rope = local ? (localRope ?? self.rope) : self.rope
        for s in segments {
            for t in 0..<s.count {
                let r = s.row + t, pos = s.start + t
                rope.apply(ws.q.pointer + r * qDim, heads: c.heads, position: pos)
                rope.apply(ws.k.pointer + r * kvDim, heads: c.kvHeads, position: pos)
            }
            s.cache.keys[l].pointer.advanced(by: s.start * kvDim).update(from: ws.k.pointer + s.row * kvDim, count: s.count * kvDim)
            s.cache.values[l].pointer.advanced(by: s.start * kvDim).update(from: ws.v.pointer + s.row * kvDim, count: s.count * kvDim)
            Attention.run(q: ws.q.pointer + s.row * qDim, rows: s.count, start: s.start,
                          keys: s.cache.keys[l].pointer, values: s.cache.values[l].pointer,
                          out: ws.att.pointer + s.row * qDim, heads: c.heads, kvHeads: c.kvHeads,
                          headDim: c.headDim, scale: c.attentionScale ?? 1 / Float(c.headDim).squareRoot(), window: local ? c.slidingWindow : nil)
        }
        b.wo.forward(ws.att.pointer, rows: n, into: ws.o.pointer, precision: precision)
        if let w = b.postAttnNorm { norm(ws.o.pointer, into: ws.o.pointer, rows: n, weight: w) }
        try runHooks(hooks, l, .attnOut, ws.o, width: d, segments)
        Kernels.add(ws.o.pointer, into: x.pointer, count: n * d)
        try runHooks(hooks, l, .residMid, x, width: d, segments)

        // MLP: down(silu(gate(h)) * up(h)).
        norm(x.pointer, into: ws.h.pointer, rows: n, weight: b.mlpNorm)
        Linear.forward([b.gate, b.up], ws.h.pointer, rows: n, into: [ws.gate.pointer, ws.up.pointer], precision: precision)
        switch c.mlpActivation {
        case .silu: Kernels.swiglu(ws.gate.pointer, ws.up.pointer, count: n * c.dMLP)
        case .geluTanh: Kernels.geglu(ws.gate.pointer, ws.up.pointer, count: n * c.dMLP)
        }
        try runHooks(hooks, l, .mlpPost, ws.gate, width: c.dMLP, segments)
        b.down.forward(ws.gate.pointer, rows: n, into: ws.o.pointer, precision: precision)
        if let w = b.postMLPNorm { norm(ws.o.pointer, into: ws.o.pointer, rows: n, weight: w) }
        try runHooks(hooks, l, .mlpOut, ws.o, width: d, segments)
        Kernels.add(ws.o.pointer, into: x.pointer, count: n * d)
        try runHooks(hooks, l, .residPost, x, width: d, segments)
    }

    /// RMSNorm of `rows` rows of d_model with the model's weight convention.
    func norm(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, weight: [Float]) {
        let c = config
        weight.withUnsafeBufferPointer { w in
            Kernels.rmsNorm(x, weight: w.baseAddress!, into: out, rows: rows, count: w.count, eps: c.rmsEps,
                            weightOffset: c.normWeightOffset)
        }
    }

    /// RMSNorm of each head_dim-wide head, in place (QK-norm).
    func headNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, weight: [Float]) {
        norm(x, into: x, rows: rows, weight: weight)
    }

    /// Final norm and LM head on the selected rows.
    func logits(x: FloatBuffer, segments: [Segment], selection: LogitsSelection, precision: Precision) -> [[Float]] {
        let c = config, d = c.dModel, vocab = c.vocabSize
        var rows: [Int] = []
        switch selection {
        case .none: return segments.map { _ in [] }
        case .last: rows = segments.map { $0.row + $0.count - 1 }
        case .all: rows = Array(0..<(x.count / d))
        }
        let h = FloatBuffer(count: rows.count * d)
        for (i, r) in rows.enumerated() { norm(x.pointer + r * d, into: h.pointer + i * d, rows: 1, weight: finalNorm) }
        let out = FloatBuffer(count: rows.count * vocab)
        head.forward(h.pointer, rows: rows.count, into: out.pointer, precision: precision)
        switch selection {
        case .none: return []
        case .last:
            return (0..<segments.count).map { i in Array(UnsafeBufferPointer(start: out.pointer + i * vocab, count: vocab)) }
        case .all:
            return segments.map { s in Array(UnsafeBufferPointer(start: out.pointer + s.row * vocab, count: s.count * vocab)) }
        }
    }

    public func projectToVocabulary(_ direction: [Float], applyFinalNorm: Bool) throws -> [Float] {
        let c = config
        guard direction.count == c.dModel else {
            throw ModelError.invalidArgument("direction has \(direction.count) values, the model's d_model is \(c.dModel)")
        }
        var h = direction
        if applyFinalNorm { norm(direction, into: &h, rows: 1, weight: finalNorm) }
        var out = [Float](repeating: 0, count: c.vocabSize)
        h.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                head.forward(src.baseAddress!, rows: 1, into: dst.baseAddress!, precision: .exact)
            }
        }
        return out
    }

    public func neuronOutputDirection(layer: Int, neuron: Int) throws -> [Float] {
        let c = config
        guard layer >= 0, layer < c.layers, neuron >= 0, neuron < c.dMLP else {
            throw ModelError.invalidArgument("neuron \(neuron) of layer \(layer) does not exist (layers 0..<\(c.layers), neurons 0..<\(c.dMLP))")
        }
        // W_down is [d_model][d_mlp]; the neuron's direction is its column.
        let down = blocks[layer].down
        if let dense = down.dense { return (0..<c.dModel).map { dense[$0 * c.dMLP + neuron] } }
        let w = FloatBuffer(count: c.dModel * c.dMLP)
        down.matrix.dequantizeRows(0, c.dModel, into: w.pointer)
        return (0..<c.dModel).map { w[$0 * c.dMLP + neuron] }
    }
}
