import AugurLLM
import AugurModels
import Foundation

/// Builds the chat models of a run's explainer and scorer backends, sharing one in-process model
/// between the two when they name the same one.
final class ChatBackends {
    private var locals: [String: LocalChatModel] = [:]

    /// The chat model of `backend`: a client of its URL, or the in-process model; behind the
    /// on-disk response cache when asked.
    func make(_ backend: RunConfig.Backend) throws -> any ChatModel {
        let base: any ChatModel
        if !backend.url.isEmpty, let url = URL(string: backend.url) {
            base = OpenAIClient.fromEnvironment(baseURL: url, model: backend.remoteModel, apiKeyEnvironment: backend.apiKeyEnv)
        } else if let l = locals[backend.model] {
            base = l
        } else {
            let l = try LocalChatModel.load(backend.model, options: LoadOptions(denseWeights: true))
            locals[backend.model] = l
            base = l
        }
        guard backend.responseCache else { return base }
        return CachedChatModel(wrapping: base, directory: AugurHome.url.appendingPathComponent("llm-cache"))
    }
}
