import ArgumentParser
import AugurLLM
import AugurModels
import Foundation

/// Options that choose the LLM behind explaining or scoring: an in-process catalog model, or any
/// OpenAI-compatible server.
struct ChatBackendOptions: ParsableArguments {
    @Option(help: "In-process instruct model (catalog name, GGUF or HF folder).")
    var explainer = "qwen2.5-coder-0.5b-instruct"
    @Option(name: .customLong("explainer-url"), help: "OpenAI-compatible base URL (e.g. http://127.0.0.1:8080/v1) instead of an in-process model.")
    var explainerURL: String?
    @Option(name: .customLong("explainer-model"), help: "Model name to send to --explainer-url.")
    var explainerModel: String?
    @Option(name: .customLong("api-key-env"), help: "Environment variable holding the server's API key.")
    var apiKeyEnv = "OPENAI_API_KEY"
    @Flag(name: .customLong("no-response-cache"), help: "Do not reuse or store replies in $AUGUR_HOME/llm-cache.")
    var noResponseCache = false

    func validate() throws {
        if explainerURL != nil, explainerModel == nil {
            throw ValidationError("--explainer-url needs --explainer-model (the model name the server expects)")
        }
        if let explainerURL, URL(string: explainerURL)?.scheme?.hasPrefix("http") != true {
            throw ValidationError("--explainer-url '\(explainerURL)' is not an http(s) URL")
        }
    }

    /// The chat model, behind the on-disk response cache unless disabled. The in-process model is
    /// returned separately so its prefix-cache statistics can be reported.
    func make() throws -> (chat: any ChatModel, local: LocalChatModel?) {
        let base: any ChatModel
        var local: LocalChatModel?
        if let explainerURL, let url = URL(string: explainerURL), let explainerModel {
            base = OpenAIClient.fromEnvironment(baseURL: url, model: explainerModel, apiKeyEnvironment: apiKeyEnv)
        } else {
            let l = try LocalChatModel.load(explainer, options: LoadOptions(denseWeights: true))
            local = l
            base = l
        }
        if noResponseCache { return (base, local) }
        return (CachedChatModel(wrapping: base, directory: AugurHome.url.appendingPathComponent("llm-cache")), local)
    }
}
