import CAugurKernels

/// Why a `QuantizedMatrix` could not be made.
public enum QuantizedMatrixError: Error, Equatable, CustomStringConvertible {
    /// The kernels cannot dequantize or multiply this type.
    case unsupportedType(GGMLType)
    /// `cols` is not a whole number of blocks of the type.
    case columnsNotMultipleOfBlock(type: GGMLType, cols: Int, blockSize: Int)
    /// A negative or zero dimension.
    case invalidShape(rows: Int, cols: Int)

    public var description: String {
        switch self {
        case .unsupportedType(let t):
            "quantized matrix: weight type \(t) is not supported (supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K)"
        case .columnsNotMultipleOfBlock(let t, let cols, let bs):
            "quantized matrix: \(cols) columns is not a multiple of the \(t) block size \(bs)"
        case .invalidShape(let rows, let cols):
            "quantized matrix: invalid shape \(rows) × \(cols)"
        }
    }
}

/// A weight matrix W[rows][cols] in a GGML block format, backed by memory someone else owns (e.g. an mmapped GGUF file).
///
/// Each row is `cols / type.blockSize` consecutive blocks. `owner` is kept alive as long as the
/// matrix, so the memory behind `data` stays mapped.
public struct QuantizedMatrix: @unchecked Sendable {
    /// The block format of the weights.
    public let type: GGMLType
    /// Number of rows (output features).
    public let rows: Int
    /// Number of columns (input features), a multiple of `type.blockSize`.
    public let cols: Int
    /// The first byte of row 0.
    public let data: UnsafeRawPointer
    /// Bytes per row.
    public let rowBytes: Int
    private let owner: AnyObject?

    /// Wraps `rows × cols` weights of `type` at `data`; `owner` keeps that memory alive.
    /// Throws when the type is not supported or `cols` is not a whole number of blocks.
    public init(type: GGMLType, rows: Int, cols: Int, data: UnsafeRawPointer, owner: AnyObject?) throws {
        guard isSupportedWeightType(type) else { throw QuantizedMatrixError.unsupportedType(type) }
        guard rows > 0, cols > 0 else { throw QuantizedMatrixError.invalidShape(rows: rows, cols: cols) }
        guard let bytes = type.byteCount(elements: cols) else {
            throw QuantizedMatrixError.columnsNotMultipleOfBlock(type: type, cols: cols, blockSize: type.blockSize)
        }
        self.type = type
        self.rows = rows
        self.cols = cols
        self.data = data
        self.rowBytes = bytes
        self.owner = owner
    }

    /// Total bytes of the weights.
    public var byteCount: Int { rows * rowBytes }

    /// y[t][r] = sum_c W[r][c] * x[t][c] for t in 0..<tokens; x is [tokens][cols] row-major f32, y is [tokens][rows].
    ///
    /// Quantizes each activation row once (Q8_0/Q8_1/Q8_K as the weight type needs; F32/F16/BF16
    /// weights use the floats directly) into a per-thread scratch buffer, then takes integer dot
    /// products, parallel over rows with `parallelChunks`. Each weight row is read once for all tokens.
    public func multiply(_ x: UnsafePointer<Float>, tokens: Int, into y: UnsafeMutablePointer<Float>) {
        guard tokens > 0 else { return }
        let act = augur_activation_type(type.rawValue)
        if act == GGMLType.f32.rawValue {
            run(activations: UnsafeRawPointer(x), actRowBytes: cols * MemoryLayout<Float>.stride, tokens: tokens, y: y)
            return
        }
        let actRowBytes = augur_activation_row_bytes(type.rawValue, cols)
        let total = actRowBytes * tokens
        if let scratch = augur_thread_scratch(total) {
            quantize(x, tokens: tokens, act: act, actRowBytes: actRowBytes, into: scratch)
            run(activations: UnsafeRawPointer(scratch), actRowBytes: actRowBytes, tokens: tokens, y: y)
        } else {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: total, alignment: 64)
            defer { buffer.deallocate() }
            quantize(x, tokens: tokens, act: act, actRowBytes: actRowBytes, into: buffer)
            run(activations: UnsafeRawPointer(buffer), actRowBytes: actRowBytes, tokens: tokens, y: y)
        }
    }

    private func quantize(_ x: UnsafePointer<Float>, tokens: Int, act: UInt32, actRowBytes: Int, into buffer: UnsafeMutableRawPointer) {
        let cols = self.cols
        nonisolated(unsafe) let buffer = buffer
        parallelChunks(tokens, minChunk: max(1, 65536 / cols)) { start, end in
            for t in start..<end {
                _ = augur_quantize_row(act, x + t * cols, buffer + t * actRowBytes, cols)
            }
        }
    }

    private func run(activations: UnsafeRawPointer, actRowBytes: Int, tokens: Int, y: UnsafeMutablePointer<Float>) {
        let type = self.type.rawValue, cols = self.cols, data = self.data, rowBytes = self.rowBytes, rows = self.rows
        // At least ~32K multiply-adds per chunk, so that small products stay on one thread.
        let minChunk = max(1, 32768 / max(1, cols * tokens))
        parallelChunks(rows, minChunk: minChunk) { start, end in
            augur_matmul_rows(type, cols, data, rowBytes, start, end, activations, actRowBytes, tokens, y, rows)
        }
    }

    /// `ys[i] = x · matrices[i]ᵀ` for several matrices that read the same input (e.g. the query,
    /// key and value projections), in one parallel pass over all their rows: the input is
    /// quantized once per activation format and the cores are dispatched once instead of once
    /// per matrix. Equal, element for element, to calling ``multiply(_:tokens:into:)`` on each.
    public static func multiply(_ matrices: [QuantizedMatrix], _ x: UnsafePointer<Float>, tokens: Int,
                                into ys: [UnsafeMutablePointer<Float>]) {
        precondition(matrices.count == ys.count, "multiply: \(matrices.count) matrices but \(ys.count) outputs")
        guard tokens > 0, let cols = matrices.first?.cols else { return }
        precondition(matrices.allSatisfy { $0.cols == cols }, "multiply: matrices must share their column count")
        // One quantized copy of x per activation format.
        var buffers: [UInt32: (UnsafeMutableRawPointer, Int)] = [:]
        defer { for (b, _) in buffers.values { b.deallocate() } }
        for m in matrices {
            let act = augur_activation_type(m.type.rawValue)
            // F32/F16/BF16 weights read x itself.
            guard buffers[act] == nil, act != GGMLType.f32.rawValue else { continue }
            let rowBytes = augur_activation_row_bytes(m.type.rawValue, cols)
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: rowBytes * tokens, alignment: 64)
            m.quantize(x, tokens: tokens, act: act, actRowBytes: rowBytes, into: buffer)
            buffers[act] = (buffer, rowBytes)
        }
        var starts: [Int] = [0]
        for m in matrices { starts.append(starts.last! + m.rows) }
        let total = starts.last!
        nonisolated(unsafe) let ys = ys
        nonisolated(unsafe) let acts = matrices.map { m -> (UnsafeRawPointer, Int) in
            let act = augur_activation_type(m.type.rawValue)
            if act == GGMLType.f32.rawValue { return (UnsafeRawPointer(x), cols * MemoryLayout<Float>.stride) }
            let (b, n) = buffers[act]!
            return (UnsafeRawPointer(b), n)
        }
        let minChunk = max(1, 32768 / max(1, cols * tokens))
        parallelChunks(total, minChunk: minChunk) { start, end in
            for (i, m) in matrices.enumerated() {
                let lo = max(start, starts[i]) - starts[i], hi = min(end, starts[i + 1]) - starts[i]
                guard lo < hi else { continue }
                augur_matmul_rows(m.type.rawValue, cols, m.data, m.rowBytes, lo, hi, acts[i].0, acts[i].1, tokens, ys[i], m.rows)
            }
        }
    }

    /// Same product computed by dequantizing each row with the reference dequantizer and an f32 dot (the reference kernel).
    ///
    /// The dot accumulates in double, so this is the exact product of the stored weights up to rounding of the result.
    public func multiplyReference(_ x: UnsafePointer<Float>, tokens: Int, into y: UnsafeMutablePointer<Float>) {
        guard tokens > 0 else { return }
        let type = self.type.rawValue, cols = self.cols, data = self.data, rowBytes = self.rowBytes, rows = self.rows
        parallelChunks(rows) { start, end in
            let w = UnsafeMutablePointer<Float>.allocate(capacity: cols)
            defer { w.deallocate() }
            for r in start..<end {
                _ = augur_dequantize_row_ref(type, data + r * rowBytes, w, cols)
                for t in 0..<tokens {
                    let xt = x + t * cols
                    var s: Double = 0
                    for c in 0..<cols { s += Double(w[c]) * Double(xt[c]) }
                    y[t * rows + r] = Float(s)
                }
            }
        }
    }

    /// Dequantizes rows [start, end) into dst (rows × cols f32).
    public func dequantizeRows(_ start: Int, _ end: Int, into dst: UnsafeMutablePointer<Float>) {
        precondition(start >= 0 && start <= end && end <= rows, "dequantizeRows: [\(start), \(end)) is outside 0..<\(rows)")
        let type = self.type.rawValue, cols = self.cols, data = self.data, rowBytes = self.rowBytes
        parallelChunks(end - start, minChunk: max(1, 65536 / cols)) { s, e in
            for i in s..<e {
                _ = augur_dequantize_row(type, data + (start + i) * rowBytes, dst + i * cols, cols)
            }
        }
    }

    /// Dequantizes one row into dst (cols floats) — used for embedding lookup.
    public func row(_ r: Int, into dst: UnsafeMutablePointer<Float>) {
        precondition(r >= 0 && r < rows, "row: \(r) is outside 0..<\(rows)")
        _ = augur_dequantize_row(type.rawValue, data + r * rowBytes, dst, cols)
    }
}
