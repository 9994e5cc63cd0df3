import ArgumentParser
import AugurModels
import AugurTokenizers
import Foundation

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate text, streaming tokens as they come.")
    @Option(help: "Catalog name, GGUF file or Hugging Face model folder.") var model = ModelCatalog.defaultModel
    @Option(help: "The prompt.") var prompt: String = "Once upon a time"
    @Flag(help: "Wrap the prompt in the model's chat template as a user message.") var chat = false
    @Option(help: "System message for --chat (default: the template's own).") var system: String?
    @Option(name: .customLong("max-tokens"), help: "Maximum new tokens.") var maxTokens = 128
    @Option(help: "Sampling temperature; 0 is greedy.") var temperature: Float = 0
    @Option(name: .customLong("top-k"), help: "Sample from the k most likely tokens.") var topK: Int?
    @Option(name: .customLong("top-p"), help: "Sample from the smallest set whose probability reaches p.") var topP: Float?
    @Option(help: "Random seed for sampling.") var seed: UInt64 = 0
    @Option(name: .customLong("stop"), help: "Stop at this text (repeatable).") var stops: [String] = []

    func validate() throws {
        guard maxTokens > 0 else { throw ValidationError("--max-tokens must be positive, got \(maxTokens)") }
        guard temperature >= 0 else { throw ValidationError("--temperature must be ≥ 0, got \(temperature)") }
        if let topP, !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1], got \(topP)") }
        if let topK, topK <= 0 { throw ValidationError("--top-k must be positive, got \(topK)") }
    }

    func run() throws {
        let m = try loadModel(model)
        let ids: [Int32]
        if chat {
            guard let template = m.chatTemplate else {
                throw ValidationError("model '\(model)' has no chat template; drop --chat")
            }
            var messages: [ChatMessage] = []
            if let system { messages.append(ChatMessage(role: "system", content: system)) }
            messages.append(ChatMessage(role: "user", content: prompt))
            ids = m.tokenizer.encode(try template.render(messages, addGenerationPrompt: true), addSpecialTokens: false)
        } else {
            ids = m.tokenize(prompt)
        }
        let options = GenerationOptions(maxTokens: maxTokens, temperature: temperature, topK: topK, topP: topP,
                                        seed: seed, stopStrings: stops)
        if !chat { FileHandle.standardOutput.write(Data(prompt.utf8)) }
        let result = try m.generate(prompt: ids, options: options) { piece in
            FileHandle.standardOutput.write(Data(piece.utf8))
            return true
        }
        print("")
        let rate = result.decodeSeconds > 0 ? Double(result.tokens.count) / result.decodeSeconds : 0
        printError(String(format: "[%d prompt tokens, %d generated (%@), %.1f tokens/s]",
                          result.promptTokens, result.tokens.count, result.stopReason.rawValue, rate))
    }
}
