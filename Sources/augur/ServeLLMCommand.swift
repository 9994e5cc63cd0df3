import ArgumentParser
import AugurLLM
import AugurModels
import AugurServer
import Foundation

struct ServeLLM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-llm",
        abstract: "Serve an in-process instruct model as an OpenAI-compatible endpoint (/v1/chat/completions, with logprobs).")
    @Option(help: "Catalog name, GGUF file or Hugging Face folder of an instruct model.")
    var model = "qwen2.5-coder-0.5b-instruct"
    @Option(help: "Address to bind (127.0.0.1 keeps it local).") var host = "127.0.0.1"
    @Option(help: "Port.") var port = 8080
    @Option(name: .customLong("prefix-cache"), help: "KV caches of recent prompts kept for prefix reuse.")
    var prefixCache = 4

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be in 1...65535, got \(port)") }
        guard prefixCache >= 0 else { throw ValidationError("--prefix-cache must not be negative") }
    }

    func run() async throws {
        let chat = try LocalChatModel.load(model, options: LoadOptions(denseWeights: true), prefixCacheEntries: prefixCache)
        printError("serving \(chat.name) at http://\(host):\(port)/v1 (Ctrl-C stops)")
        try await OpenAIServer(model: chat, host: host, port: port).run()
    }
}
