import Foundation
import Testing
@testable import AugurTokenizers

/// Expected strings were rendered from each model's own `tokenizer.chat_template` with Python's jinja2.
@Suite struct ChatTemplateTests {
    static let smolSystem = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    static let qwenSystem = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"

    func template(_ m: TestModel) throws -> ChatTemplate {
        try ChatTemplate(template: try Fixtures.vocabulary(m).chatTemplate, modelHint: m.rawValue)
    }

    @Test func defaultSystemPromptComesFromTheTemplate() throws {
        #expect(try template(.smollm2).defaultSystemPrompt == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        #expect(try template(.qwen).defaultSystemPrompt == "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.")
        #expect(try template(.qwen).wrapsToolResponses)
        #expect(try !template(.smollm2).wrapsToolResponses)
    }

    @Test(arguments: TestModel.allCases)
    func insertsDefaultSystemMessage(_ m: TestModel) throws {
        let sys = m == .smollm2 ? Self.smolSystem : Self.qwenSystem
        let t = try template(m)
        let msgs = [ChatMessage(role: "user", content: "Hi!")]
        #expect(try t.render(msgs, addGenerationPrompt: true) == sys + "<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n")
        #expect(try t.render(msgs, addGenerationPrompt: false) == sys + "<|im_start|>user\nHi!<|im_end|>\n")
    }

    @Test(arguments: TestModel.allCases)
    func multiTurn(_ m: TestModel) throws {
        let sys = m == .smollm2 ? Self.smolSystem : Self.qwenSystem
        let t = try template(m)
        let msgs = [ChatMessage(role: "user", content: "What is 2+2?"), ChatMessage(role: "assistant", content: "4."),
                    ChatMessage(role: "user", content: "And 3+3?")]
        #expect(try t.render(msgs, addGenerationPrompt: true) == sys
            + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4.<|im_end|>\n<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n")
        let withSystem = [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "a"),
                          ChatMessage(role: "assistant", content: "b"), ChatMessage(role: "system", content: "Late system."),
                          ChatMessage(role: "user", content: "c")]
        #expect(try t.render(withSystem, addGenerationPrompt: false)
            == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\na<|im_end|>\n<|im_start|>assistant\nb<|im_end|>\n<|im_start|>system\nLate system.<|im_end|>\n<|im_start|>user\nc<|im_end|>\n")
    }

    @Test func qwenGroupsToolResponses() throws {
        let msgs = [ChatMessage(role: "user", content: "q"), ChatMessage(role: "tool", content: "r1"),
                    ChatMessage(role: "tool", content: "r2"), ChatMessage(role: "user", content: "u")]
        #expect(try template(.qwen).render(msgs, addGenerationPrompt: true) == Self.qwenSystem
            + "<|im_start|>user\nq<|im_end|>\n<|im_start|>user\n<tool_response>\nr1\n</tool_response>\n<tool_response>\nr2\n</tool_response><|im_end|>\n<|im_start|>user\nu<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func plainChatMLHasNoDefaultSystem() throws {
        let src = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
        let t = try ChatTemplate(template: src)
        #expect(t.defaultSystemPrompt == nil)
        #expect(try t.render([ChatMessage(role: "user", content: "x")], addGenerationPrompt: true)
            == "<|im_start|>user\nx<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func errors() throws {
        #expect(throws: ChatTemplateError.missingTemplate(model: "m")) { try ChatTemplate(template: nil, modelHint: "m") }
        let llama3 = "{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] + '<|eot_id|>' }}{% endfor %}"
        do {
            _ = try ChatTemplate(template: llama3, modelHint: "llama")
            Issue.record("a Llama 3 template was accepted")
        } catch {
            #expect(error.description.contains("not recognised"))
            #expect(error.description.contains("llama"))
        }
        #expect(throws: ChatTemplateError.emptyConversation) { try template(.smollm2).render([], addGenerationPrompt: true) }
    }

    @Test func messagesAreCodable() throws {
        let m = ChatMessage(role: "user", content: "hé")
        let data = try JSONEncoder().encode(m)
        #expect(try JSONDecoder().decode(ChatMessage.self, from: data) == m)
    }
}
