import CAugurKernels

/// Whether the quantization kernels can dequantize and multiply weights of `type`
/// (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K).
public func isSupportedWeightType(_ type: GGMLType) -> Bool {
    augur_type_supported(type.rawValue) != 0
}

/// Dequantizes `count` elements of `type` starting at `src` into `dst` (fast path; reference path with `reference: true`).
///
/// `count` must be a multiple of `type.blockSize` and `type` a supported weight type
/// (`isSupportedWeightType`); both are checked with preconditions since they are programming errors.
/// The fast and the reference path give bit-identical results.
public func dequantize(_ type: GGMLType, _ src: UnsafeRawPointer, into dst: UnsafeMutablePointer<Float>, count: Int, reference: Bool = false) {
    precondition(isSupportedWeightType(type), "dequantize: unsupported type \(type)")
    precondition(count >= 0 && count % type.blockSize == 0, "dequantize: \(count) elements is not a whole number of \(type) blocks")
    if reference {
        _ = augur_dequantize_row_ref(type.rawValue, src, dst, count)
    } else {
        _ = augur_dequantize_row(type.rawValue, src, dst, count)
    }
}

/// Dequantizes the first `count` elements of `type` stored in `src` and returns them.
///
/// `src` must hold at least `type.byteCount(elements: count)` bytes.
public func dequantize(_ type: GGMLType, _ src: UnsafeRawBufferPointer, count: Int) -> [Float] {
    let bytes = type.byteCount(elements: count)
    precondition(bytes != nil && src.count >= bytes ?? 0, "dequantize: \(src.count) bytes cannot hold \(count) elements of \(type)")
    guard count > 0, let base = src.baseAddress else { return [] }
    return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        if let out = buffer.baseAddress { dequantize(type, base, into: out, count: count) }
        initialized = count
    }
}

/// The format the activations are quantized to before they are dotted with weights of `type`:
/// `.q8_0` for Q8_0, `.q8_1` (Augur's variant with f32 `d` and `d·Σq`) for Q4_0/Q5_0/Q4_1/Q5_1,
/// `.q8_K` for the K-quants, and `.f32` (activations stay f32) for F32/F16/BF16 weights.
public func activationType(for weightType: GGMLType) -> GGMLType {
    GGMLType(rawValue: augur_activation_type(weightType.rawValue)) ?? .f32
}

/// Bytes of one activation row of `count` elements in `activationType(for: weightType)`.
///
/// Q8_1 activations use Augur's own 40-byte block (f32 `d`, f32 `d·Σq`, 32 × i8), not ggml's 36-byte one.
public func activationRowBytes(for weightType: GGMLType, count: Int) -> Int {
    augur_activation_row_bytes(weightType.rawValue, count)
}

/// Quantizes `count` floats into the activation format for `weightType`
/// (`activationRowBytes(for:count:)` bytes at `dst`). For F32/F16/BF16 weights the floats are copied.
///
/// The fast path and the reference path (`reference: true`) are bit-identical.
public func quantizeActivations(_ src: UnsafePointer<Float>, count: Int, for weightType: GGMLType, into dst: UnsafeMutableRawPointer, reference: Bool = false) {
    let act = activationType(for: weightType)
    precondition(count % act.blockSize == 0, "quantizeActivations: \(count) is not a multiple of \(act.blockSize)")
    if act == .f32 {
        dst.copyMemory(from: src, byteCount: count * 4)
    } else if reference {
        _ = augur_quantize_row_ref(act.rawValue, src, dst, count)
    } else {
        _ = augur_quantize_row(act.rawValue, src, dst, count)
    }
}

/// Dot product of one weight row (`count` elements of `type`) with one activation row already in
/// `activationType(for: type)` (see `quantizeActivations`). The reference (`reference: true`) sums
/// integers per block in scalar code; the fast path uses AVX2 and equals it up to float rounding.
public func quantizedDot(_ type: GGMLType, count: Int, weights: UnsafeRawPointer, activations: UnsafeRawPointer, reference: Bool = false) -> Float {
    precondition(isSupportedWeightType(type) && count % type.blockSize == 0, "quantizedDot: bad type \(type) or count \(count)")
    return reference
        ? augur_vec_dot_ref(type.rawValue, count, weights, activations)
        : augur_vec_dot(type.rawValue, count, weights, activations)
}
