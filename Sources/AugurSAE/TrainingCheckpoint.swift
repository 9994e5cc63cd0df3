import AugurFormats
import Foundation

/// Checkpoints of ``TopKTrainer``: a folder with the sparsify files (cfg.json, sae.safetensors, so
/// the SAE loads as is), `optimizer.safetensors` (Adam moments, tokens since each latent fired) and
/// `trainer.json` (config, tokens, steps).
extension TopKTrainer {
    private struct TrainerState: Codable {
        var config: SAETrainingConfig
        var tokensDone: Int
        var steps: Int
        var batchThreshold: Float?
        var augurVersion: String
    }

    /// Writes a checkpoint into `dir` (replacing any previous one there, via a temporary folder).
    public func saveCheckpoint(to dir: String) throws {
        let fm = FileManager.default
        let tmp = dir + ".partial"
        try? fm.removeItem(atPath: tmp)
        try SparsifyFormat.write(try coder(), to: tmp, hook: config.hook, model: config.model)
        var st = SafetensorsWriter()
        for (i, name) in ["encoder.weight", "encoder.bias", "W_dec", "b_dec"].enumerated() {
            try st.add("m." + name, floats: adam[i].m, shape: [adam[i].m.count])
            try st.add("v." + name, floats: adam[i].v, shape: [adam[i].v.count])
        }
        try st.add("tokens_since_fired", int64s: tokensSinceFired.map { Int64($0) }, shape: [tokensSinceFired.count])
        try st.write(to: tmp + "/optimizer.safetensors")
        let state = TrainerState(config: config, tokensDone: tokensDone, steps: steps, batchThreshold: batchThreshold, augurVersion: augurSAEVersion)
        do {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(state).write(to: URL(fileURLWithPath: tmp + "/trainer.json"))
            if fm.fileExists(atPath: dir) { try fm.removeItem(atPath: dir) }
            try fm.moveItem(atPath: tmp, toPath: dir)
        } catch {
            throw SAEError.cannotWrite(path: dir, reason: "\(error)")
        }
    }

    /// A trainer continuing from the checkpoint in `dir`.
    public static func resume(from dir: String) throws -> TopKTrainer {
        let statePath = dir + "/trainer.json"
        guard let data = FileManager.default.contents(atPath: statePath) else {
            throw SAEError.badConfig(file: statePath, reason: "cannot read file")
        }
        let state: TrainerState
        do { state = try JSONDecoder().decode(TrainerState.self, from: data) } catch {
            throw SAEError.badConfig(file: statePath, reason: "\(error)")
        }
        let (coder, _) = try SparsifyFormat.read(dir)
        guard let sae = coder as? any AffineSparseCoder, sae.dIn == state.config.dIn, sae.numLatents == state.config.numLatents else {
            throw SAEError.training("\(dir): the saved SAE does not match trainer.json")
        }
        let optPath = dir + "/optimizer.safetensors"
        let opt = try SafetensorsFile(path: optPath)
        let sizes = [sae.numLatents * sae.dIn, sae.numLatents, sae.numLatents * sae.dIn, sae.dIn]
        var adam: [AdamState] = []
        for (i, name) in ["encoder.weight", "encoder.bias", "W_dec", "b_dec"].enumerated() {
            let m = try SparsifyFormat.tensor(opt, "m." + name, [sizes[i]])
            let v = try SparsifyFormat.tensor(opt, "v." + name, [sizes[i]])
            adam.append(AdamState(m: m, v: v))
        }
        guard let info = opt.tensors["tokens_since_fired"], info.dtype == .i64, info.shape == [sae.numLatents] else {
            throw SAEError.badTensor(file: optPath, tensor: "tokens_since_fired", reason: "missing or not I64 [\(sae.numLatents)]")
        }
        let raw = opt.data(for: info)
        let counters = (0..<sae.numLatents).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
        let trainer = TopKTrainer(config: state.config, weights: sae.weights, tokensDone: state.tokensDone, steps: state.steps,
                                  tokensSinceFired: counters, adam: adam)
        trainer.batchThreshold = state.batchThreshold ?? 0
        return trainer
    }
}
