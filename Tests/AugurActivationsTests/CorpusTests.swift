import AugurModels
import Foundation
import Testing
@testable import AugurActivations

func temporaryFolder(_ tag: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("augur-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct CorpusTests {
    let corpus = Corpus(source: "t", documents: (0 ..< 50).map { "document \($0)" })

    @Test func shuffleIsDeterministicPermutation() {
        let a = corpus.shuffled(seed: 7), b = corpus.shuffled(seed: 7), c = corpus.shuffled(seed: 8)
        #expect(a == b)
        #expect(a != c)
        #expect(a != corpus.documents)
        #expect(a.sorted() == corpus.documents.sorted())
    }

    @Test func splitIsDisjointAndSized() {
        let (train, held) = corpus.split(seed: 3, heldOutFraction: 0.2)
        #expect(held.count == 10)
        #expect(train.count == 40)
        #expect(Set(train).isDisjoint(with: held))
        #expect(train + held == corpus.shuffled(seed: 3))
        #expect(corpus.split(seed: 3, heldOutFraction: 0.2).heldOut == held)
    }

    @Test func textFilesSplitOnBlankLines() throws {
        let dir = try temporaryFolder("txt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("a.txt")
        try "First line\nsame doc\n\n\n  \nSecond doc\n\nThird".write(to: f, atomically: true, encoding: .utf8)
        let c = try Corpus.load(f.path)
        #expect(c.documents == ["First line\nsame doc", "Second doc", "Third"])
        #expect(c.characterCount == c.documents.map(\.count).reduce(0, +))
    }

    @Test func jsonlAndFolders() throws {
        let dir = try temporaryFolder("jsonl")
        defer { try? FileManager.default.removeItem(at: dir) }
        try #"{"text": "one"}"# .appending("\n\n{\"text\": \"two\", \"id\": 3}\n").write(to: dir.appendingPathComponent("b.jsonl"), atomically: true, encoding: .utf8)
        try "zero".write(to: dir.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        try "ignored".write(to: dir.appendingPathComponent("c.md"), atomically: true, encoding: .utf8)
        #expect(try Corpus.load(dir.appendingPathComponent("b.jsonl").path).documents == ["one", "two"])
        #expect(try Corpus.load(dir.path).documents == ["zero", "one", "two"])
    }

    @Test func badInputsNameFileAndLine() throws {
        let dir = try temporaryFolder("bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("bad.jsonl")
        try "{\"text\": \"ok\"}\n{\"body\": \"no text\"}\n".write(to: f, atomically: true, encoding: .utf8)
        #expect(throws: ActivationsError.badJSONL(file: f.path, line: 2, detail: "no string field \"text\"")) { try Corpus.load(f.path) }
        let g = dir.appendingPathComponent("garbage.jsonl")
        try "not json\n".write(to: g, atomically: true, encoding: .utf8)
        #expect(throws: ActivationsError.badJSONL(file: g.path, line: 1, detail: "not a JSON object")) { try Corpus.load(g.path) }
        let e = dir.appendingPathComponent("empty.txt")
        try "\n\n".write(to: e, atomically: true, encoding: .utf8)
        #expect(throws: ActivationsError.emptyCorpus(source: e.path)) { try Corpus.load(e.path) }
        let d = dir.appendingPathComponent("x.csv")
        try "a,b".write(to: d, atomically: true, encoding: .utf8)
        #expect(throws: ActivationsError.self) { try Corpus.load(d.path) }
        #expect(throws: ActivationsError.self) { try Corpus.load("no-such-corpus-or-file") }
    }

    @Test func pullVerifiesLocalWheel() throws {
        let root = try temporaryFolder("pull")
        defer { try? FileManager.default.removeItem(at: root) }
        let wheels = root.appendingPathComponent("wheels")
        try FileManager.default.createDirectory(at: wheels, withIntermediateDirectories: true)
        let json = Data(#"{"B": {"extract": "bee"}, "A": {"extract": "ay"}, "C": {"extract": ""}}"#.utf8)
        let payload = root.appendingPathComponent("payload.json")
        try json.write(to: payload)
        let script = """
        import sys, zipfile, hashlib
        whl, member, payload = sys.argv[1:4]
        with zipfile.ZipFile(whl, "w") as z:
            z.write(payload, member)
            z.writestr("augur_test_corpus-0.0.1.dist-info/METADATA", "Metadata-Version: 2.1\\nName: augur_test_corpus\\nVersion: 0.0.1\\n")
            z.writestr("augur_test_corpus-0.0.1.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: augur-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
            z.writestr("augur_test_corpus-0.0.1.dist-info/RECORD", "")
        print(hashlib.sha256(open(payload, "rb").read()).hexdigest())
        """
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, wheels.appendingPathComponent("augur_test_corpus-0.0.1-py3-none-any.whl").path,
                       "augur_test_corpus/data/s.json", payload.path]
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        let sha = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        func entry(_ sha: String) throws -> CatalogEntry {
            try JSONDecoder().decode(CatalogEntry.self, from: Data("""
            {"name": "tiny", "summary": "", "fileName": "s.json", "sha256": "\(sha)", "companions": [],
             "sources": [{"package": "augur-test-corpus", "version": "0.0.1", "member": "augur_test_corpus/data/s.json"}]}
            """.utf8))
        }
        let store = CorpusStore(home: root, pipEnvironment: ["PIP_FIND_LINKS": wheels.path, "PIP_NO_INDEX": "1"])
        #expect(throws: (any Error).self) { try store.pull(entry(String(repeating: "0", count: 64))) }
        let path = try store.pull(entry(sha))
        #expect(path == root.appendingPathComponent("corpora/tiny/s.json"))
        #expect(try CorpusCatalog.readSummaries(path) == ["ay", "bee"])
    }

    @Test func wikiVitalWhenPulled() throws {
        guard let entry = CorpusCatalog.entry("wiki-vital") else { Issue.record("no wiki-vital entry"); return }
        #expect(entry.sha256.count == 64)
        guard FileManager.default.fileExists(atPath: CorpusStore().path(of: entry).path) else { return }
        let c = try Corpus.load("wiki-vital", pullIfMissing: false)
        #expect(c.documents.count == 10_033)
    }
}
