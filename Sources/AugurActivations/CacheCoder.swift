import AugurModels
import AugurSAE
import Foundation

extension LatentCacheSpec {
    /// Re-opens the coder this cache was built with: the SAE folder its `coder` field names
    /// (`sae:PATH`), or the model's MLP neurons at the cached hook (`neurons`, `neurons(topk=K)`).
    ///
    /// Explaining and steering a cached feature need its decoder direction, so they use this.
    public func loadCoder(model: any LanguageModel) throws -> any SparseCoder {
        let loaded: any SparseCoder
        if coder.hasPrefix("sae:") {
            let path = String(coder.dropFirst(4))
            guard FileManager.default.fileExists(atPath: path) else {
                throw ActivationsError.badArgument("the cache was built with the SAE at \(path), which no longer exists")
            }
            loaded = try SAELoader.load(path)
        } else if coder == "neurons" || coder.hasPrefix("neurons(topk=") {
            let point = try HookPoint.parse(hook, layers: model.config.layers)
            let k = coder == "neurons" ? nil : Int(coder.dropFirst("neurons(topk=".count).dropLast())
            loaded = try NeuronBasis(model: model, layer: point.layer, k: k)
        } else {
            throw ActivationsError.badArgument("the cache's coder '\(coder)' is not an SAE path or neurons")
        }
        guard loaded.numLatents == numLatents else {
            throw ActivationsError.badArgument("the coder \(coder) has \(loaded.numLatents) latents but the cache has \(numLatents)")
        }
        return loaded
    }
}
