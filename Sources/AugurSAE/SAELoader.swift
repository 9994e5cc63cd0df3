import AugurFormats
import Foundation

/// What `augur sae info` reports about a coder.
public struct SAEInfo: Sendable, Codable, Equatable {
    /// `topk`, `batchtopk`, `relu`, `jumprelu`, `neurons` or `topk_neurons`.
    public var kind: String
    public var dIn: Int
    public var numLatents: Int
    /// Active latents per row (nil when the coder has no k).
    public var k: Int?
    /// The hook the coder was trained on, when the files say.
    public var hook: String?
    /// Which layout the files were in (`sparsify`, `saelens`, `gemmascope`).
    public var format: String?

    enum CodingKeys: String, CodingKey {
        case kind, dIn = "d_in", numLatents = "num_latents", k, hook, format
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(dIn, forKey: .dIn)
        try c.encode(numLatents, forKey: .numLatents)
        try c.encode(k, forKey: .k)          // null when none
        try c.encodeIfPresent(hook, forKey: .hook)
        try c.encodeIfPresent(format, forKey: .format)
    }

    /// Facts about `coder` (kind and k from its type).
    public init(coder: any SparseCoder, hook: String? = nil, format: String? = nil) {
        switch coder {
        case let c as TopKSAE: kind = "topk"; k = c.kValue
        case let c as BatchTopKSAE: kind = "batchtopk"; k = c.kValue
        case is ReLUSAE: kind = "relu"; k = nil
        case is JumpReLUSAE: kind = "jumprelu"; k = nil
        case let c as NeuronBasis: kind = c.k == nil ? "neurons" : "topk_neurons"; k = c.k
        default: kind = String(describing: type(of: coder)); k = nil
        }
        dIn = coder.dIn
        numLatents = coder.numLatents
        self.hook = hook
        self.format = format
    }
}

/// A coder read from disk with what the files said about it.
public struct LoadedSAE: Sendable {
    public var coder: any SparseCoder
    public var info: SAEInfo
    /// The folder or file it was read from.
    public var path: String
}

/// Reads sparse coders from the sparsify, SAELens and Gemma Scope layouts.
public enum SAELoader {
    /// The coder at `path` (see ``open(_:)``).
    public static func load(_ path: String) throws -> any SparseCoder { try open(path).coder }

    /// Detects the layout at `path` and reads it: a folder with `sae.safetensors` (sparsify), with
    /// `sae_weights.safetensors` (SAELens) or with `params.npz` (Gemma Scope), one of those files
    /// itself, or a sparsify root holding exactly one `HOOK/` folder.
    public static func open(_ path: String) throws -> LoadedSAE {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
            throw SAEError.unknownLayout(path: path, reason: "no such file or folder")
        }
        var folder = path
        if !isDir.boolValue {
            let url = URL(fileURLWithPath: path)
            if url.lastPathComponent.hasSuffix(".npz") { return try GemmaScopeFormat.read(npz: path) }
            folder = url.deletingLastPathComponent().path
        }
        func has(_ f: String) -> Bool { fm.fileExists(atPath: folder + "/" + f) }
        if has("sae.safetensors") {
            let (coder, hook) = try SparsifyFormat.read(folder)
            return LoadedSAE(coder: coder, info: SAEInfo(coder: coder, hook: hook, format: "sparsify"), path: folder)
        }
        if has("sae_weights.safetensors") { return try SAELensFormat.read(folder) }
        if has("params.npz") { return try GemmaScopeFormat.read(npz: folder + "/params.npz") }
        let subs = ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).filter {
            fm.fileExists(atPath: folder + "/" + $0 + "/sae.safetensors")
        }
        if subs.count == 1 { return try open(folder + "/" + subs[0]) }
        if subs.count > 1 {
            throw SAEError.unknownLayout(path: path, reason: "holds several hook folders (\(subs.sorted().joined(separator: ", "))); name one")
        }
        throw SAEError.unknownLayout(path: path, reason: "no sae.safetensors, sae_weights.safetensors or params.npz")
    }
}

/// SAELens: `cfg.json` + `sae_weights.safetensors` with `W_enc` [d, n], `b_enc`, `W_dec` [n, d],
/// `b_dec`, and `threshold` for JumpReLU.
public enum SAELensFormat {
    public static func read(_ folder: String) throws -> LoadedSAE {
        let cfgPath = folder + "/cfg.json"
        let cfg = try ConfigFile(cfgPath)
        let file = try SafetensorsFile(path: folder + "/sae_weights.safetensors")
        let d = try cfg.int("d_in"), n = try cfg.int("d_sae")
        let wEncDN = try SparsifyFormat.tensor(file, "W_enc", [d, n])
        let weights = try SAEWeights(
            dIn: d, numLatents: n, wEnc: transpose(wEncDN, rows: d, cols: n),
            bEnc: try SparsifyFormat.tensor(file, "b_enc", [n]), wDec: try SparsifyFormat.tensor(file, "W_dec", [n, d]),
            bDec: try SparsifyFormat.tensor(file, "b_dec", [d]),
            subtractDecoderBias: try cfg.optionalBool("apply_b_dec_to_input") ?? true)
        let architecture = try cfg.optionalString("architecture") ?? "standard"
        let activation = try cfg.optionalString("activation_fn_str") ?? (architecture == "topk" ? "topk" : "relu")
        let coder: any SparseCoder
        if architecture == "jumprelu" || file.tensors["threshold"] != nil {
            coder = try JumpReLUSAE(weights: weights, threshold: try SparsifyFormat.tensor(file, "threshold", [n]))
        } else if architecture == "topk" || activation == "topk" {
            let kwargs = cfg.object["activation_fn_kwargs"] as? [String: Any]
            let topLevelK = try cfg.optionalInt("k")
            guard let k = (kwargs?["k"] as? NSNumber)?.intValue ?? topLevelK else {
                throw SAEError.badField(file: cfgPath, field: "activation_fn_kwargs.k", reason: "missing for a topk SAE")
            }
            coder = try TopKSAE(weights: weights, k: k)
        } else if architecture == "standard" && activation == "relu" {
            coder = ReLUSAE(weights: weights)
        } else {
            throw SAEError.badField(file: cfgPath, field: "architecture",
                                    reason: "unsupported '\(architecture)' with activation '\(activation)' (standard/relu, topk, jumprelu)")
        }
        let hook = try cfg.optionalString("hook_name")
        return LoadedSAE(coder: coder, info: SAEInfo(coder: coder, hook: hook, format: "saelens"), path: folder)
    }
}

/// Gemma Scope: `params.npz` with `W_enc` [d, n], `b_enc` [n], `W_dec` [n, d], `b_dec` [d],
/// `threshold` [n]; JumpReLU over `x W_enc + b_enc` (b_dec is not subtracted first).
public enum GemmaScopeFormat {
    public static func read(npz path: String) throws -> LoadedSAE {
        let npz = try NpzFile(path: path)
        func array(_ name: String, rank: Int) throws -> NpyArray {
            let a = try npz.array(name)
            guard a.shape.count == rank else {
                throw SAEError.badTensor(file: path, tensor: name, reason: "shape \(a.shape), want rank \(rank)")
            }
            return a
        }
        let wEnc = try array("W_enc", rank: 2)
        let d = wEnc.shape[0], n = wEnc.shape[1]
        func vector(_ name: String, _ count: Int) throws -> [Float] {
            let a = try array(name, rank: 1)
            guard a.shape == [count] else { throw SAEError.badTensor(file: path, tensor: name, reason: "shape \(a.shape), want [\(count)]") }
            return a.values
        }
        let wDec = try array("W_dec", rank: 2)
        guard wDec.shape == [n, d] else { throw SAEError.badTensor(file: path, tensor: "W_dec", reason: "shape \(wDec.shape), want [\(n), \(d)]") }
        let weights = try SAEWeights(dIn: d, numLatents: n, wEnc: transpose(wEnc.values, rows: d, cols: n),
                                     bEnc: try vector("b_enc", n), wDec: wDec.values, bDec: try vector("b_dec", d),
                                     subtractDecoderBias: false)
        let coder = try JumpReLUSAE(weights: weights, threshold: try vector("threshold", n))
        return LoadedSAE(coder: coder, info: SAEInfo(coder: coder, format: "gemmascope"), path: path)
    }
}

/// Row-major transpose of a rows × cols matrix.
func transpose(_ a: [Float], rows: Int, cols: Int) -> [Float] {
    var out = [Float](repeating: 0, count: a.count)
    for r in 0..<rows { for c in 0..<cols { out[c * rows + r] = a[r * cols + c] } }
    return out
}
