import AugurFormats
import Foundation
import Testing

/// Runs the built `augur` binary (next to the test bundle) and returns exit code, stdout, stderr.
func augur(_ args: [String]) throws -> (code: Int32, out: String, err: String) {
    let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var url = bin.appendingPathComponent("augur")
    // `swift test` runs the bundle from .build/<config>/; the executable sits beside it.
    if !FileManager.default.fileExists(atPath: url.path) {
        url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/augur")
    }
    let p = Process()
    p.executableURL = url
    p.arguments = args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

@Suite(.serialized) struct CLITests {
    @Test func tokenizePrintsAJSONArray() throws {
        let r = try augur(["tokenize", "--model", "smollm2-135m-instruct", "Hello, World!"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.trimmingCharacters(in: .whitespacesAndNewlines) == "[19556,28,2260,17]")
    }

    @Test func forwardWritesTheContractTensors() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("augur-cli-\(getpid()).safetensors").path
        let r = try augur(["forward", "--model", "smollm2-135m-instruct", "--text", "The quick brown fox",
                           "--out", out, "--hook", "blocks.3.hook_resid_post", "--hook", "blocks.3.mlp.hook_post"])
        #expect(r.code == 0, "\(r.err)")
        let f = try SafetensorsFile(path: out)
        let ids = try f.int32s("input_ids")
        #expect(ids.count == 4)
        #expect(f.tensors["logits"]?.shape == [4, 49152])
        #expect(f.tensors["blocks.3.hook_resid_post"]?.shape == [4, 576])
        #expect(f.tensors["blocks.3.mlp.hook_post"]?.shape == [4, 1536])
        #expect(f.metadata["model"] == "smollm2-135m-instruct")
    }

    @Test func generateStreamsText() throws {
        let r = try augur(["generate", "--model", "smollm2-135m-instruct", "--prompt", "The capital of France is",
                           "--max-tokens", "6"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("The capital of France is"))
        #expect(r.out.count > "The capital of France is".count)
    }

    @Test func errorsNameTheProblemAndExitNonZero() throws {
        let unknown = try augur(["tokenize", "--model", "gpt-17", "hi"])
        #expect(unknown.code != 0 && unknown.err.contains("smollm2-135m-instruct"))
        let hook = try augur(["forward", "--model", "smollm2-135m-instruct", "--text", "hi", "--out", "/tmp/x.safetensors",
                              "--hook", "blocks.99.hook_resid_post"])
        #expect(hook.code != 0 && hook.err.contains("blocks.99.hook_resid_post") && hook.err.contains("hook_resid_pre"))
        let bad = try augur(["generate", "--max-tokens", "0"])
        #expect(bad.code != 0 && bad.err.contains("--max-tokens"))
    }

    @Test func modelsListShowsTheCatalog() throws {
        let r = try augur(["models", "list"])
        #expect(r.code == 0)
        for name in ["smollm2-135m-instruct", "qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-1.5b-instruct"] {
            #expect(r.out.contains(name))
        }
    }
}
