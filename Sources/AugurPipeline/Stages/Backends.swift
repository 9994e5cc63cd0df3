import AugurLLM
import AugurModels
import Foundation

/// Builds the chat models of explainer and scorer backends (``RunConfig/Backend``), sharing one
/// in-process model between backends that name the same one.
///
/// ```swift
/// let backends = ChatBackends()
/// let (chat, local) = try backends.make(config.explain.backend)
/// ```
public final class ChatBackends {
    private var locals: [String: LocalChatModel] = [:]

    public init() {}

    /// The chat model of `backend`: a client of its URL, or the in-process model; behind the
    /// on-disk response cache ($AUGUR_HOME/llm-cache) when asked. The in-process model is also
    /// returned on its own (nil for a URL) so its prefix-cache statistics can be reported.
    public func make(_ backend: RunConfig.Backend) throws -> (chat: any ChatModel, local: LocalChatModel?) {
        let base: any ChatModel
        var local: LocalChatModel?
        if !backend.url.isEmpty, let url = URL(string: backend.url) {
            base = OpenAIClient.fromEnvironment(baseURL: url, model: backend.remoteModel, apiKeyEnvironment: backend.apiKeyEnv)
        } else {
            let l = try locals[backend.model] ?? LocalChatModel.load(backend.model, options: LoadOptions(denseWeights: true))
            locals[backend.model] = l
            local = l
            base = l
        }
        guard backend.responseCache else { return (base, local) }
        return (CachedChatModel(wrapping: base, directory: AugurHome.url.appendingPathComponent("llm-cache")), local)
    }
}
