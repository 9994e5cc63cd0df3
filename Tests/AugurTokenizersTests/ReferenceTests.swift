import Foundation
import Testing
@testable import AugurTokenizers

/// Every case of the reference files in `../shared/reference`, produced by Hugging Face.
@Suite struct ReferenceTokenizerTests {
    @Test(arguments: TestModel.allCases)
    func everyReferenceCase(_ m: TestModel) throws {
        let tok = try Fixtures.tokenizer(m)
        let cases = try Fixtures.cases(m)
        #expect(cases.count >= 15)
        for c in cases {
            let ids = tok.encode(c.text, addSpecialTokens: false)
            #expect(ids == c.ids, "\(m.rawValue): \(c.text.debugDescription)")
            #expect(tok.decode(c.ids) == c.text, "\(m.rawValue) decode: \(c.text.debugDescription)")
        }
    }

    @Test(arguments: TestModel.allCases)
    func chatTemplateReference(_ m: TestModel) throws {
        let tok = try Fixtures.tokenizer(m)
        let vocab = try Fixtures.vocabulary(m)
        let ref = try Fixtures.chat(m)
        let template = try ChatTemplate(template: vocab.chatTemplate, modelHint: m.rawValue)
        let rendered = try template.render(ref.messages, addGenerationPrompt: true)
        #expect(rendered == ref.rendered)
        #expect(tok.encode(rendered, addSpecialTokens: false) == ref.ids)
    }
}
