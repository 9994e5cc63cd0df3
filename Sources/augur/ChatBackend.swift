import ArgumentParser
import AugurLLM
import AugurPipeline
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
        try validateRemote(url: explainerURL, model: explainerModel, urlFlag: "--explainer-url", modelFlag: "--explainer-model")
    }

    /// The chat model, behind the on-disk response cache unless disabled. The in-process model is
    /// returned separately so its prefix-cache statistics can be reported.
    func make() throws -> (chat: any ChatModel, local: LocalChatModel?) {
        try makeChatModel(local: explainer, url: explainerURL, remoteModel: explainerModel, apiKeyEnv: apiKeyEnv,
                          responseCache: !noResponseCache)
    }
}

/// The same choice for the scorer LLM (`--scorer-…` options).
struct ScorerBackendOptions: ParsableArguments {
    @Option(name: .customLong("scorer-model"), help: "In-process instruct model that scores.")
    var scorerModel = "qwen2.5-coder-0.5b-instruct"
    @Option(name: .customLong("scorer-url"), help: "OpenAI-compatible base URL instead of an in-process model.")
    var scorerURL: String?
    @Option(name: .customLong("scorer-remote-model"), help: "Model name to send to --scorer-url.")
    var scorerRemoteModel: String?
    @Option(name: .customLong("api-key-env"), help: "Environment variable holding the server's API key.")
    var apiKeyEnv = "OPENAI_API_KEY"
    @Flag(name: .customLong("no-response-cache"), help: "Do not reuse or store replies in $AUGUR_HOME/llm-cache.")
    var noResponseCache = false

    func validate() throws {
        try validateRemote(url: scorerURL, model: scorerRemoteModel, urlFlag: "--scorer-url", modelFlag: "--scorer-remote-model")
    }

    func make() throws -> (chat: any ChatModel, local: LocalChatModel?) {
        try makeChatModel(local: scorerModel, url: scorerURL, remoteModel: scorerRemoteModel, apiKeyEnv: apiKeyEnv,
                          responseCache: !noResponseCache)
    }
}

/// A server URL must be http(s) and come with the model name the server expects.
func validateRemote(url: String?, model: String?, urlFlag: String, modelFlag: String) throws {
    guard let url else { return }
    guard model != nil else { throw ValidationError("\(urlFlag) needs \(modelFlag) (the model name the server expects)") }
    guard URL(string: url)?.scheme?.hasPrefix("http") == true else {
        throw ValidationError("\(urlFlag) '\(url)' is not an http(s) URL")
    }
}

/// An in-process model, or a client of `url` when given; behind the response cache when asked.
func makeChatModel(local name: String, url: String?, remoteModel: String?, apiKeyEnv: String,
                   responseCache: Bool) throws -> (chat: any ChatModel, local: LocalChatModel?) {
    try ChatBackends().make(RunConfig.Backend(model: name, url: url ?? "", remoteModel: remoteModel ?? "", apiKeyEnv: apiKeyEnv,
                                              responseCache: responseCache))
}
