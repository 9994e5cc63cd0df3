import AugurActivations
import AugurInterp
import AugurModels
import AugurPipeline
import AugurSAE
import Foundation
import Logging
import Synchronization

/// What the steering box of a feature can do.
enum SteeringAvailability: Sendable {
    /// Steerable from this cache.
    case available(SteeringTarget)
    /// Not steerable, and why (shown to the user).
    case unavailable(String)
}

/// A steerable feature: the cache it comes from and its latent there.
struct SteeringTarget: Sendable {
    var cacheDirectory: URL
    var latent: Int
    var model: String
    /// How steering acts, in words.
    var mode: String
    /// A strength that visibly changes the text (a few times the feature's largest activation).
    var defaultStrength: Double
}

/// The answer of a steering request.
public struct SteeringResult: Codable, Sendable, Equatable {
    /// The feature steered.
    public var feature: String
    public var prompt: String
    public var strength: Float
    public var maxTokens: Int
    /// Greedy continuation without intervention.
    public var clean: String
    /// Greedy continuation with the feature's direction added at `strength` at every position.
    public var steered: String
    /// Wall time of both generations (plus the model load on the first request).
    public var seconds: Double
    /// The subject model.
    public var model: String

    enum CodingKeys: String, CodingKey {
        case feature, prompt, strength, clean, steered, seconds, model
        case maxTokens = "max_tokens"
    }
}

/// Steers features of a run with the subject model and coder reopened from the run's latent cache
/// (artifact `caches` by feature kind, else the `cache` key of the run's configuration). Models are
/// loaded lazily, once per cache, and generations run one at a time off the server's threads.
final class SteeringService: Sendable {
    let store: RunStore
    let logger: Logger
    /// Largest `max_tokens` accepted.
    static let maxTokensLimit = 256
    private let loaded = Mutex<[String: FeatureSteering]>([:])
    private let queue = DispatchQueue(label: "augur.viewer.steering")

    init(store: RunStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// The cache directory the run records for features of `kind`, or why there is none.
    func cacheDirectory(kind: String?) -> Result<URL, SteeringUnavailable> {
        if let json = try? store.artifactJSON(RunStore.Artifact.caches),
           let map = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] {
            if let kind, let path = map[kind] as? String { return .success(URL(fileURLWithPath: path)) }
            if map.count == 1, let path = map.values.first as? String { return .success(URL(fileURLWithPath: path)) }
        }
        if let info = try? store.runInfo(),
           let config = try? JSONSerialization.jsonObject(with: Data(info.configJSON.utf8)) as? [String: Any],
           let path = config["cache"] as? String {
            return .success(URL(fileURLWithPath: path))
        }
        return .failure(SteeringUnavailable(reason: "the run records no latent cache (neither a `caches` artifact nor a `cache` key in its configuration)"))
    }

    /// Whether `feature` can be steered, from what the store and its cache say (no model is loaded).
    func availability(_ feature: FeatureRecord) -> SteeringAvailability {
        guard let hook = feature.hook, let latent = feature.latent else {
            return .unavailable("the feature has no hook and latent (it comes from a records file, not a latent cache)")
        }
        let dir: URL
        switch cacheDirectory(kind: feature.kind) {
        case .success(let d): dir = d
        case .failure(let e): return .unavailable(e.reason)
        }
        let cache: LatentCache
        do { cache = try LatentCache(directory: dir) } catch {
            return .unavailable("the latent cache \(dir.path) cannot be opened: \(error)")
        }
        guard cache.spec.hook == hook else {
            return .unavailable("the cache \(dir.path) holds \(cache.spec.hook), not this feature's hook \(hook)")
        }
        guard latent >= 0, latent < cache.spec.numLatents else {
            return .unavailable("latent \(latent) is outside the cache's \(cache.spec.numLatents) latents")
        }
        let neurons = cache.spec.coder.hasPrefix("neurons")
        let mode = neurons ? "the neuron's activation raised by the strength at every position"
            : "the latent's decoder direction added × strength at every position"
        let strength = max(1, (feature.maxActivation ?? 1) * 4).rounded()
        return .available(SteeringTarget(cacheDirectory: dir, latent: latent, model: cache.spec.model, mode: mode, defaultStrength: strength))
    }

    /// The steering of one cache: model and coder loaded on first use.
    func steering(_ target: SteeringTarget) throws -> FeatureSteering {
        let key = target.cacheDirectory.standardizedFileURL.path
        return try loaded.withLock { map in
            if let s = map[key] { return s }
            let cache = try LatentCache(directory: target.cacheDirectory)
            logger.info("loading \(cache.spec.model) and the coder of \(key) for steering")
            let model = try ModelLoader.load(cache.spec.model)
            let hook = try HookPoint.parse(cache.spec.hook, layers: model.config.layers)
            let coder = try cache.spec.loadCoder(model: model)
            let s = FeatureSteering(model: model, coder: coder, hook: hook)
            map[key] = s
            return s
        }
    }

    /// Clean and steered greedy generations of `prompt` for feature `id`.
    func steer(featureID id: String, prompt: String, strength: Float, maxTokens: Int) async throws -> SteeringResult {
        guard !prompt.isEmpty else { throw ViewerError.badParameter(name: "prompt", value: "", expected: "a non-empty prompt") }
        guard strength.isFinite, abs(strength) <= 1e6 else {
            throw ViewerError.badParameter(name: "strength", value: "\(strength)", expected: "a finite number of magnitude ≤ 1e6")
        }
        guard (1...Self.maxTokensLimit).contains(maxTokens) else {
            throw ViewerError.badParameter(name: "max_tokens", value: "\(maxTokens)", expected: "1…\(Self.maxTokensLimit)")
        }
        guard let feature = try store.feature(id: id) else { throw ViewerError.unknownFeature(id) }
        let target: SteeringTarget
        switch availability(feature) {
        case .available(let t): target = t
        case .unavailable(let reason): throw ViewerError.steeringUnavailable(feature: id, reason: reason)
        }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    let start = Date()
                    let s = try self.steering(target)
                    let clean = try s.generate(latent: target.latent, strength: 0, prompts: [prompt], maxTokens: maxTokens)[0]
                    let steered = try s.generate(latent: target.latent, strength: strength, prompts: [prompt], maxTokens: maxTokens)[0]
                    return SteeringResult(feature: id, prompt: prompt, strength: strength, maxTokens: maxTokens, clean: clean, steered: steered,
                                          seconds: Date().timeIntervalSince(start), model: target.model)
                })
            }
        }
    }
}

/// Why a feature cannot be steered.
struct SteeringUnavailable: Error {
    var reason: String
}
