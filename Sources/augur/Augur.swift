import ArgumentParser
import AugurModels
import Foundation
import Logging

@main
struct Augur: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augur",
        abstract: "Explain the features inside language models, on the CPU.",
        version: augurVersion,
        subcommands: [Models.self, Tokenize.self, Forward.self, Generate.self, Bench.self, Embed.self,
                      CorpusCommand.self, CacheCommand.self, TrainSAE.self, SAE.self,
                      Init.self, Run.self, Explain.self, Score.self, Export.self, Serve.self, Report.self,
                      ServeLLM.self, ViewerBench.self, BenchScore.self])

    static func main() async {
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = ProcessInfo.processInfo.environment["AUGUR_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .info
            return h
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// The version written into every output file.
let augurVersion = "0.1.0"

/// Loads a model, turning library errors into a clean message.
func loadModel(_ name: String) throws -> any LanguageModel {
    try ModelLoader.load(name)
}

/// Writes a line to standard error.
func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
