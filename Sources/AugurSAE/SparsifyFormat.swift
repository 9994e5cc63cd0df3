import AugurFormats
import Foundation

/// Version written into cfg.json files.
public let augurSAEVersion = "0.1.0"

/// The EleutherAI sparsify layout: `DIR/HOOK/cfg.json` + `DIR/HOOK/sae.safetensors` with
/// `encoder.weight` [n, d], `encoder.bias` [n], `W_dec` [n, d], `b_dec` [d].
public enum SparsifyFormat {
    /// Writes `coder` (TopK, BatchTopK or ReLU) into `folder` (cfg.json + sae.safetensors), creating it.
    public static func write(_ coder: any AffineSparseCoder, to folder: String, hook: String? = nil, model: String? = nil) throws {
        let w = coder.weights
        var cfg: [String: Any] = [
            "d_in": w.dIn, "num_latents": w.numLatents,
            "expansion_factor": w.numLatents / max(w.dIn, 1),
            "normalize_decoder": true, "augur_version": augurSAEVersion,
        ]
        switch coder {
        case let c as TopKSAE: cfg["activation"] = "topk"; cfg["k"] = c.kValue
        case let c as BatchTopKSAE: cfg["activation"] = "batchtopk"; cfg["k"] = c.kValue; cfg["threshold"] = c.threshold
        case is ReLUSAE: cfg["activation"] = "relu"
        default: throw SAEError.invalidShape("the sparsify layout holds TopK, BatchTopK and ReLU SAEs, not \(type(of: coder))")
        }
        if let hook { cfg["hook"] = hook }
        if let model { cfg["model"] = model }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let json = try JSONSerialization.data(withJSONObject: cfg, options: [.prettyPrinted, .sortedKeys])
            try json.write(to: URL(fileURLWithPath: folder + "/cfg.json"))
        } catch {
            throw SAEError.cannotWrite(path: folder + "/cfg.json", reason: "\(error)")
        }
        var st = SafetensorsWriter()
        try st.add("encoder.weight", floats: w.wEnc, shape: [w.numLatents, w.dIn])
        try st.add("encoder.bias", floats: w.bEnc, shape: [w.numLatents])
        try st.add("W_dec", floats: w.wDec, shape: [w.numLatents, w.dIn])
        try st.add("b_dec", floats: w.bDec, shape: [w.dIn])
        try st.write(to: folder + "/sae.safetensors")
    }

    /// Reads a sparsify folder (the one holding cfg.json and sae.safetensors).
    public static func read(_ folder: String) throws -> (coder: any SparseCoder, hook: String?) {
        let cfgPath = folder + "/cfg.json"
        let cfg = try ConfigFile(cfgPath)
        let file = try SafetensorsFile(path: folder + "/sae.safetensors")
        let dIn = try cfg.int("d_in")
        let n: Int
        if let v = try cfg.optionalInt("num_latents"), v > 0 {
            n = v
        } else {
            n = dIn * (try cfg.int("expansion_factor"))
        }
        let weights = try SAEWeights(
            dIn: dIn, numLatents: n,
            wEnc: try tensor(file, "encoder.weight", [n, dIn]), bEnc: try tensor(file, "encoder.bias", [n]),
            wDec: try tensor(file, "W_dec", [n, dIn]), bDec: try tensor(file, "b_dec", [dIn]))
        let activation = try cfg.optionalString("activation") ?? "topk"
        let coder: any SparseCoder
        switch activation {
        case "topk": coder = try TopKSAE(weights: weights, k: try cfg.int("k"))
        case "batchtopk":
            coder = try BatchTopKSAE(weights: weights, k: try cfg.int("k"), threshold: Float(try cfg.double("threshold")))
        case "relu": coder = ReLUSAE(weights: weights)
        default: throw SAEError.badField(file: cfgPath, field: "activation", reason: "unsupported value '\(activation)' (topk, batchtopk, relu)")
        }
        return (coder, try cfg.optionalString("hook"))
    }

    /// A float tensor of `file` with exactly `shape`, or an error naming file, tensor and shapes.
    static func tensor(_ file: SafetensorsFile, _ name: String, _ shape: [Int]) throws -> [Float] {
        guard let info = file.tensors[name] else {
            throw SAEError.badTensor(file: file.path, tensor: name, reason: "missing")
        }
        guard info.shape == shape else {
            throw SAEError.badTensor(file: file.path, tensor: name, reason: "shape \(info.shape), want \(shape)")
        }
        return try file.floats(name)
    }
}

/// A JSON object config file with typed field access whose errors name the file and field.
struct ConfigFile {
    let path: String
    let object: [String: Any]

    init(_ path: String) throws(SAEError) {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else { throw .badConfig(file: path, reason: "cannot read file") }
        guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .badConfig(file: path, reason: "not a JSON object")
        }
        object = obj
    }

    func optionalInt(_ key: String) throws(SAEError) -> Int? {
        guard let v = object[key], !(v is NSNull) else { return nil }
        if let n = v as? NSNumber, n.doubleValue == n.doubleValue.rounded() { return n.intValue }
        throw .badField(file: path, field: key, reason: "not an integer: \(v)")
    }

    func int(_ key: String) throws(SAEError) -> Int {
        guard let v = try optionalInt(key) else { throw .badField(file: path, field: key, reason: "missing") }
        return v
    }

    func optionalDouble(_ key: String) throws(SAEError) -> Double? {
        guard let v = object[key], !(v is NSNull) else { return nil }
        if let n = v as? NSNumber { return n.doubleValue }
        throw .badField(file: path, field: key, reason: "not a number: \(v)")
    }

    func double(_ key: String) throws(SAEError) -> Double {
        guard let v = try optionalDouble(key) else { throw .badField(file: path, field: key, reason: "missing") }
        return v
    }

    func optionalString(_ key: String) throws(SAEError) -> String? {
        guard let v = object[key], !(v is NSNull) else { return nil }
        if let s = v as? String { return s }
        throw .badField(file: path, field: key, reason: "not a string: \(v)")
    }

    func optionalBool(_ key: String) throws(SAEError) -> Bool? {
        guard let v = object[key], !(v is NSNull) else { return nil }
        if let b = v as? Bool { return b }
        throw .badField(file: path, field: key, reason: "not a boolean: \(v)")
    }
}

