/// One turn of a conversation.
public struct ChatMessage: Sendable, Codable, Equatable {
    /// `system`, `user`, `assistant` or `tool`.
    public var role: String
    /// The text of the turn.
    public var content: String

    /// A message from `role` saying `content`.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Why a chat template cannot be used.
public enum ChatTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The model has no `tokenizer.chat_template`.
    case missingTemplate(model: String?)
    /// The template is not one this renderer understands.
    case unrecognisedTemplate(model: String?, reason: String)
    /// `render` was called with no messages.
    case emptyConversation

    /// What went wrong, naming the model when it is known.
    public var description: String {
        switch self {
        case .missingTemplate(let m):
            return "\(m.map { "model '\($0)'" } ?? "the model") has no chat template (tokenizer.chat_template)"
        case .unrecognisedTemplate(let m, let r):
            return "the chat template (tokenizer.chat_template)\(m.map { " of model '\($0)'" } ?? "") is not recognised: \(r); only ChatML templates (<|im_start|>role\\n…<|im_end|>) are supported"
        case .emptyConversation:
            return "cannot render a chat template for an empty conversation"
        }
    }
}

/// A model's chat template, understood by its structure rather than run as Jinja.
///
/// Supported: ChatML (`<|im_start|>ROLE\nCONTENT<|im_end|>\n` per message, `<|im_start|>assistant\n`
/// as the generation prompt), as used by SmolLM2 and Qwen2.5. The default system message (inserted
/// when the conversation does not start with one) is read from the template's own text — the
/// string literal `<|im_start|>system\n…<|im_end|>` — and tool results are grouped into one user
/// turn of `<tool_response>` blocks when the template does so.
public struct ChatTemplate: Sendable {
    /// The layouts this type can render.
    public enum Format: String, Sendable {
        /// `<|im_start|>role\ncontent<|im_end|>\n`.
        case chatML
    }

    /// The Jinja source this was derived from.
    public let source: String
    /// The recognised layout.
    public let format: Format
    /// The system message the template inserts when the first message is not a system one.
    public let defaultSystemPrompt: String?
    /// Whether consecutive `tool` messages become one user turn of `<tool_response>` blocks (Qwen2.5).
    public let wrapsToolResponses: Bool

    /// Recognises `template`.
    /// - Parameters:
    ///   - template: the `tokenizer.chat_template` text.
    ///   - modelHint: the model's name, used in error messages.
    /// - Throws: ``ChatTemplateError`` when the template is absent or not a recognised ChatML template.
    public init(template: String?, modelHint: String? = nil) throws(ChatTemplateError) {
        guard let template, !template.isEmpty else { throw .missingTemplate(model: modelHint) }
        let literals = Self.stringLiterals(in: template)
        func fail(_ reason: String) -> ChatTemplateError { .unrecognisedTemplate(model: modelHint, reason: reason) }
        guard literals.contains(where: { $0.contains("<|im_start|>") }) else { throw fail("no '<|im_start|>' string") }
        guard literals.contains(where: { $0.contains("<|im_end|>") }) else { throw fail("no '<|im_end|>' string") }
        guard template.contains("message"), template.contains("content"), template.contains("role") else {
            throw fail("it does not render message['role'] and message['content']")
        }
        guard template.contains("add_generation_prompt"),
              literals.contains(where: { $0.hasSuffix("<|im_start|>assistant\n") }) else {
            throw fail("no '<|im_start|>assistant\\n' generation prompt")
        }
        source = template
        format = .chatML
        defaultSystemPrompt = literals.lazy.compactMap(Self.systemPrompt(inLiteral:)).first
        wrapsToolResponses = literals.contains { $0.contains("<tool_response>") }
    }

    /// The prompt text for `messages`; with `addGenerationPrompt` it ends with the assistant header.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws(ChatTemplateError) -> String {
        guard let first = messages.first else { throw .emptyConversation }
        var out = ""
        if first.role != "system", let defaultSystemPrompt {
            out += "<|im_start|>system\n" + defaultSystemPrompt + "<|im_end|>\n"
        }
        for (i, m) in messages.enumerated() {
            if wrapsToolResponses && m.role == "tool" {
                if i == 0 || messages[i - 1].role != "tool" { out += "<|im_start|>user" }
                out += "\n<tool_response>\n" + m.content + "\n</tool_response>"
                if i == messages.count - 1 || messages[i + 1].role != "tool" { out += "<|im_end|>\n" }
            } else {
                out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n"
            }
        }
        if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        return out
    }

    // MARK: Reading the template

    /// The text between `<|im_start|>system\n` and `<|im_end|>` in one literal, if it is a fixed text.
    static func systemPrompt(inLiteral s: String) -> String? {
        let header = "<|im_start|>system\n"
        guard let h = s.range(of: header), let e = s.range(of: "<|im_end|>", range: h.upperBound..<s.endIndex) else {
            return nil
        }
        let text = String(s[h.upperBound..<e.lowerBound])
        return text.isEmpty ? nil : text
    }

    /// The string literals inside the template's `{{ … }}` and `{% … %}` tags, unescaped.
    static func stringLiterals(in template: String) -> [String] {
        let chars = Array(template.unicodeScalars)
        var literals: [String] = []
        var i = 0
        var inTag = false
        while i < chars.count {
            let c = chars[i]
            if !inTag {
                if c == "{", i + 1 < chars.count, chars[i + 1] == "{" || chars[i + 1] == "%" { inTag = true; i += 2 } else { i += 1 }
                continue
            }
            if (c == "}" || c == "%"), i + 1 < chars.count, chars[i + 1] == "}" { inTag = false; i += 2; continue }
            guard c == "'" || c == "\"" else { i += 1; continue }
            var lit = String.UnicodeScalarView()
            var j = i + 1
            while j < chars.count, chars[j] != c {
                if chars[j] == "\\", j + 1 < chars.count {
                    j += 1
                    switch chars[j] {
                    case "n": lit.append("\n")
                    case "t": lit.append("\t")
                    case "r": lit.append("\r")
                    default: lit.append(chars[j])
                    }
                } else {
                    lit.append(chars[j])
                }
                j += 1
            }
            literals.append(String(lit))
            i = j + 1
        }
        return literals
    }
}
