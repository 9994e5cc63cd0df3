// augur-kernel-bench — throughput of the quantized-weight kernels, printed as JSON lines.
//
//   swift run -c release augur-kernel-bench [--quick]
//
// For each weight type, a 896 × 4864 matrix (Qwen2.5-0.5B's ffn_down shape):
// - dequantizeRows over the whole matrix: GB/s of weights read;
// - multiply with tokens = 1 (the decode path), "hot" (one matrix, resident in cache) and
//   "cold" (rotating over copies totalling > 64 MB, so the weights stream from DRAM as in a real
//   decode): rows/s and effective GB/s of weights.
// Then the matrix products of one SmolLM2-135M decode step (30 layers of Q4_1 q/k/v/o/gate/up/down
// plus the tied Q8_0 49152 × 576 head), as tokens/s of the matmuls alone.
import AugurTensor
import Foundation

/// Random weight bytes with finite f16 scales (0x2C00 = 1/16) in every block.
final class Weights {
    let type: GGMLType
    let rows: Int, cols: Int
    let raw: UnsafeMutableRawBufferPointer
    let matrix: QuantizedMatrix

    init(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64) throws {
        self.type = type; self.rows = rows; self.cols = cols
        let bytes = (type.byteCount(elements: cols) ?? 0) * rows
        raw = .allocate(byteCount: bytes, alignment: 64)
        var s = seed | 1
        for i in 0..<bytes {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17
            raw[i] = UInt8(truncatingIfNeeded: s)
        }
        let halfFields: [Int] = switch type {
        case .q4_0, .q5_0, .q8_0: [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: [0, 2]
        case .q6_K: [208]
        default: []
        }
        if type == .f16 || type == .bf16 {
            for i in stride(from: 0, to: bytes, by: 2) { raw[i + 1] = type == .f16 ? 0x2C : 0x3D }
        } else if type == .f32 {
            let f = raw.bindMemory(to: Float.self)
            for i in 0..<f.count { f[i] = Float(i % 17) * 0.01 - 0.08 }
        }
        for b in stride(from: 0, to: bytes, by: type.bytesPerBlock) where type.blockSize > 1 {
            for o in halfFields { raw[b + o] = 0x00; raw[b + o + 1] = 0x2C }
        }
        matrix = try QuantizedMatrix(type: type, rows: rows, cols: cols, data: UnsafeRawPointer(raw.baseAddress!), owner: nil)
    }
    deinit { raw.deallocate() }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

/// CPU seconds used by the whole process (all threads): on a shared, loaded machine this shows
/// what the kernels cost when wall-clock time is inflated by waiting for a core.
func cpuNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// CPU seconds per call of the last `time` measurement.
nonisolated(unsafe) var lastCPUPerCall = 0.0

/// Runs `body` repeatedly for about `seconds` (after a warm-up) and returns seconds per call.
func time(seconds: Double, _ body: () -> Void) -> Double {
    for _ in 0..<3 { body() }
    var calls = 0
    let start = now(), cpuStart = cpuNow()
    var elapsed = 0.0
    repeat {
        for _ in 0..<8 { body() }
        calls += 8
        elapsed = now() - start
    } while elapsed < seconds
    lastCPUPerCall = (cpuNow() - cpuStart) / Double(calls)
    return elapsed / Double(calls)
}

func json(_ fields: [(String, Any)]) -> String {
    "{" + fields.map { key, value in
        let v: String = switch value {
        case let s as String: "\"\(s)\""
        case let d as Double: String(format: "%.4g", d)
        default: "\(value)"
        }
        return "\"\(key)\": \(v)"
    }.joined(separator: ", ") + "}"
}

let quick = CommandLine.arguments.contains("--quick")
let seconds = quick ? 0.2 : 0.6
let types: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K, .f16, .bf16, .f32]
let rows = 896, cols = 4864
print(json([("threads", augurThreadCount), ("rows", rows), ("cols", cols)]))

var x = [Float](repeating: 0, count: cols * 4)
for i in x.indices { x[i] = sin(Float(i) * 0.37) }
var y = [Float](repeating: 0, count: max(rows, 49152) * 4)

for type in types {
    let w = try Weights(type, rows: rows, cols: cols, seed: 42)
    let m = w.matrix
    let gb = Double(m.byteCount) / 1e9
    var dst = [Float](repeating: 0, count: rows * cols)
    let tDeq = time(seconds: seconds) { dst.withUnsafeMutableBufferPointer { m.dequantizeRows(0, rows, into: $0.baseAddress!) } }
    let tHot = time(seconds: seconds) {
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { m.multiply(xp.baseAddress!, tokens: 1, into: $0.baseAddress!) } }
    }
    let cpuHot = lastCPUPerCall
    // Copies totalling > 64 MB, visited in turn, so every multiply reads its weights from DRAM.
    let copies = max(2, Int((64e6 / Double(m.byteCount)).rounded(.up)))
    let pool = try (0..<copies).map { try Weights(type, rows: rows, cols: cols, seed: 1000 + UInt64($0)) }
    var next = 0
    let tCold = time(seconds: seconds) {
        let mm = pool[next].matrix
        next = (next + 1) % copies
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { mm.multiply(xp.baseAddress!, tokens: 1, into: $0.baseAddress!) } }
    }
    let tTok4 = time(seconds: seconds) {
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { m.multiply(xp.baseAddress!, tokens: 4, into: $0.baseAddress!) } }
    }
    print(json([("type", "\(type)"), ("bytes", m.byteCount),
                ("dequantize_gb_per_s", gb / tDeq),
                ("multiply_t1_hot_us", tHot * 1e6), ("multiply_t1_hot_gb_per_s", gb / tHot),
                ("multiply_t1_hot_cpu_us", cpuHot * 1e6), ("multiply_t1_gb_per_cpu_s", gb / cpuHot),
                ("multiply_t1_cold_us", tCold * 1e6), ("multiply_t1_cold_gb_per_s", gb / tCold),
                ("multiply_t1_cold_rows_per_s", Double(rows) / tCold),
                ("multiply_t4_hot_gb_per_s", gb / tTok4)]))
}

// SmolLM2's own (small) shapes, where the per-call overhead of quantizing and threading shows.
for (r, c) in [(192, 576), (576, 576), (1536, 576), (576, 1536)] {
    let w = try Weights(.q4_1, rows: r, cols: c, seed: 9)
    let t = time(seconds: seconds) {
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { w.matrix.multiply(xp.baseAddress!, tokens: 1, into: $0.baseAddress!) } }
    }
    print(json([("type", "Q4_1"), ("rows", r), ("cols", c), ("multiply_t1_us", t * 1e6), ("gb_per_s", Double(w.matrix.byteCount) / 1e9 / t)]))
}

// One SmolLM2-135M decode step: the matrix products only (d = 576, kv = 192, ffn = 1536, 30 layers).
do {
    let d = 576, kv = 192, ffn = 1536
    var layers: [[QuantizedMatrix]] = []
    var keep: [Weights] = []
    for l in 0..<30 {
        let shapes = [(d, d), (kv, d), (kv, d), (d, d), (ffn, d), (ffn, d), (d, ffn)]
        let ws = try shapes.enumerated().map { try Weights(.q4_1, rows: $1.0, cols: $1.1, seed: UInt64(l * 10 + $0)) }
        keep += ws
        layers.append(ws.map(\.matrix))
    }
    let head = try Weights(.q8_0, rows: 49152, cols: d, seed: 7)
    keep.append(head)
    let totalBytes = keep.reduce(0) { $0 + $1.matrix.byteCount }
    var xs = [Float](repeating: 0.5, count: ffn)
    for i in xs.indices { xs[i] = cos(Float(i) * 0.11) }
    func step(withHead: Bool) {
        xs.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                for layer in layers { for m in layer { m.multiply(xp.baseAddress!, tokens: 1, into: yp.baseAddress!) } }
                if withHead { head.matrix.multiply(xp.baseAddress!, tokens: 1, into: yp.baseAddress!) }
            }
        }
    }
    let tFull = time(seconds: seconds * 3) { step(withHead: true) }
    let cpuFull = lastCPUPerCall
    let tBody = time(seconds: seconds * 3) { step(withHead: false) }
    print(json([("model", "smollm2-135m decode matmuls"), ("weight_bytes", totalBytes), ("matmuls_per_token", 30 * 7 + 1),
                ("tokens_per_s", 1 / tFull), ("gb_per_s", Double(totalBytes) / 1e9 / tFull),
                ("cpu_ms_per_token", cpuFull * 1e3),
                ("tokens_per_s_without_head", 1 / tBody)]))
}
withExtendedLifetime(y) {}
