import AugurTensor
import Foundation
import Testing
@testable import AugurFormats

/// Path of a downloaded model file under `${AUGUR_HOME:-~/.cache/augur}/models/`.
func modelPath(_ folder: String, _ file: String) -> String {
    let home = ProcessInfo.processInfo.environment["AUGUR_HOME"]
        ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/augur").path
    return "\(home)/models/\(folder)/\(file)"
}

let smolLM2Path = modelPath("smollm2-135m-instruct", "SmolLM2-135M-Instruct.Q4_1.gguf")
let qwenPath = modelPath("qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-0.5b-instruct-awq-q4_k_m.gguf")

/// Expected values below were read with Python's `gguf.GGUFReader` from the same files.
@Suite("Real GGUF model files")
struct GGUFRealFileTests {
    @Test
    func smolLM2() throws {
        let file = try GGUFFile(path: smolLM2Path)
        #expect(file.version == 3)
        #expect(file.metadata.count == 33)
        #expect(file.alignment == 32)
        #expect(file.string("general.architecture") == "llama")
        #expect(file.int("llama.block_count") == 30)
        #expect(file.int("llama.embedding_length") == 576)
        #expect(file.int("llama.attention.head_count_kv") == 3)
        #expect(file.float("llama.rope.freq_base") == 100000)
        #expect(file.float("llama.attention.layer_norm_rms_epsilon") == Double(Float(1e-5)))
        #expect(file.bool("tokenizer.ggml.add_bos_token") == false)
        #expect(file.stringArray("general.languages") == ["en"])
        #expect(file.string("tokenizer.chat_template")?.hasPrefix("{% for message in messages %}") == true)

        let tokens = try #require(file.stringArray("tokenizer.ggml.tokens"))
        #expect(tokens.count == 49152)
        #expect(Array(tokens.prefix(3)) == ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
        #expect(tokens.last == "ectable")
        let merges = try #require(file.stringArray("tokenizer.ggml.merges"))
        #expect(merges.count == 48900)
        #expect(Array(merges.prefix(3)) == ["Ġ t", "Ġ a", "i n"])
        #expect(file.intArray("tokenizer.ggml.token_type")?.count == 49152)

        #expect(file.tensors.count == 272)
        let embed = try #require(file.tensor(named: "token_embd.weight"))
        #expect(embed.type == .q8_0)
        #expect(embed.shape == [576, 49152])
        #expect(embed.offset == 1_785_664)
        #expect(embed.byteCount == 30_081_024)
        #expect(Array(file.data(for: embed).prefix(8)) == [0x32, 0x19, 0xD6, 0x0D, 0x13, 0xF7, 0xE5, 0xEE])

        let down = try #require(file.tensor(named: "blk.0.ffn_down.weight"))
        #expect(down.type == .q4_1 && down.shape == [1536, 576])
        #expect(down.offset == 31_868_992 && down.byteCount == 552_960)

        let norm = try #require(file.tensor(named: "output_norm.weight"))
        #expect(norm.type == .f32 && norm.shape == [576] && norm.offset == 98_360_128)
        let values = file.data(for: norm).withMemoryRebound(to: Float.self) { Array($0.prefix(4)) }
        #expect(values == [1.7578125, 1.8203125, 1.78125, 1.6015625])

        var types: [GGMLType: Int] = [:]
        for t in file.tensors { types[t.type, default: 0] += 1 }
        #expect(Set(types.keys) == [.q4_1, .q8_0, .f32])
    }

    @Test
    func qwen() throws {
        let file = try GGUFFile(path: qwenPath)
        #expect(file.string("general.architecture") == "qwen2")
        #expect(file.int("qwen2.block_count") == 24)
        #expect(file.float("qwen2.rope.freq_base") == 1_000_000)
        #expect(file.int("tokenizer.ggml.eos_token_id") == 151_645)
        let tokens = try #require(file.stringArray("tokenizer.ggml.tokens"))
        #expect(tokens.count == 151_936)
        #expect(Array(tokens.prefix(3)) == ["!", "\"", "#"])
        #expect(tokens.last == "[PAD151935]")
        #expect(file.stringArray("tokenizer.ggml.merges")?.count == 151_387)
        #expect(file.intArray("tokenizer.ggml.token_type")?.suffix(3) == [5, 5, 5])

        #expect(file.tensors.count == 291)
        var types: [GGMLType: Int] = [:]
        for t in file.tensors { types[t.type, default: 0] += 1 }
        #expect(types == [.q5_0: 133, .f32: 121, .q8_0: 13, .q6_K: 12, .q4_K: 12])
        let output = try #require(file.tensors.first)
        #expect(output.name == "output.weight" && output.type == .q8_0 && output.shape == [896, 151_936])
        #expect(output.offset == 5_947_776 && output.byteCount == 144_643_072)
        #expect(Array(file.data(for: output).prefix(4)) == [0xD8, 0x0B, 0xBB, 0x69])
        let ffnDown = try #require(file.tensor(named: "blk.0.ffn_down.weight"))
        #expect(ffnDown.type == .q6_K && ffnDown.shape == [4864, 896] && ffnDown.byteCount == 3_575_040)
        #expect(Array(file.data(for: ffnDown).prefix(4)) == [0x52, 0xF2, 0x40, 0x26])
    }
}
