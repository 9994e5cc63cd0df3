import ArgumentParser
import AugurActivations
import AugurInterp
import AugurModels
import AugurPipeline
import Foundation

/// The latent caches a run's features come from, and the subject models reopened from them.
enum ScoreSubjects {
    /// The run's caches (feature kind → directory): the `caches` artifact, else the `cache` key of
    /// the run's configuration (kind nil). Empty for runs made from records files.
    static func caches(of store: RunStore) throws -> [(kind: String?, path: String)] {
        if let map = try store.artifact(RunStore.Artifact.caches, as: [String: String].self), !map.isEmpty {
            return map.keys.sorted().compactMap { k in map[k].map { (k, $0) } }
        }
        guard let info = try store.runInfo(),
              let config = try? JSONSerialization.jsonObject(with: Data(info.configJSON.utf8)) as? [String: Any],
              let cache = config["cache"] as? String else { return [] }
        return [(nil, cache)]
    }

    /// Reopens the subject model, hook and coder of every cache of the run (a model shared by
    /// several caches is loaded once). Returns the subjects, or why there are none.
    static func load(store: RunStore) throws -> (subjects: [SubjectModel], missing: String?) {
        let caches = try caches(of: store)
        guard !caches.isEmpty else {
            return ([], "the run has no latent cache (it was made from a records file), so there is no subject model or sparse coder")
        }
        var models: [String: any LanguageModel] = [:]
        var subjects: [SubjectModel] = []
        for (kind, path) in caches {
            guard FileManager.default.fileExists(atPath: path) else {
                return ([], "the run's latent cache \(path) no longer exists")
            }
            let cache = try LatentCache(directory: URL(fileURLWithPath: path))
            let model: any LanguageModel
            if let m = models[cache.spec.model] { model = m } else {
                model = try loadModel(cache.spec.model)
                models[cache.spec.model] = model
            }
            let hook = try HookPoint.parse(cache.spec.hook, layers: model.config.layers)
            let coder = try cache.spec.loadCoder(model: model)
            subjects.append(SubjectModel(model: model, hook: hook, coder: coder, featureKind: kind))
        }
        return (subjects, nil)
    }
}
