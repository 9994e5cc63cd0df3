import AugurInterp
import Testing

@Test func methodListParsesAndDeduplicates() throws {
    #expect(try ExplanationMethod.parseList("maxact, VocabProj,maxact,ensemble-concat") == [.maxact, .vocabproj, .ensembleConcat])
}

@Test func unknownMethodIsNamedWithTheValidOnes() {
    #expect {
        _ = try ExplanationMethod.parseList("maxact,vibes")
    } throws: { error in
        let message = String(describing: error)
        return message.contains("'vibes'") && message.contains("tokenchange")
    }
}
