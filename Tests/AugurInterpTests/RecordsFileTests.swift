import AugurActivations
import AugurInterp
import Foundation
import Testing

@Suite struct RecordsFileTests {
    func parse(_ json: String, split: RecordsSplit = RecordsSplit()) throws -> [RecordsFeature] {
        try RecordsFile.parse(Data(json.utf8), path: "test.json", defaultID: "single", split: split)
    }

    func error(_ json: String) -> String {
        do {
            _ = try parse(json)
            return "no error"
        } catch {
            return String(describing: error)
        }
    }

    @Test func aSingleFeatureIsSplitByMaximumActivation() throws {
        let json = """
        {"records": [
          {"tokens": ["a", " b"], "activations": [0, 1]},
          {"tokens": ["c", " d"], "activations": [4, 0]},
          {"tokens": ["e", " f"], "activations": [0, 0]},
          {"tokens": ["g", " h"], "activations": [2, 3]},
          {"tokens": ["i", " j"], "activations": [0.5, 2]}
        ]}
        """
        let features = try parse(json)
        #expect(features.count == 1)
        let f = features[0]
        #expect(f.evidence.id == "single")
        #expect(f.descriptions.isEmpty)
        let ex = try #require(f.evidence.examples)
        // Ranked 4 (c), 3 (g), 2 (i), 1 (a); every second one (ranks 1, 3) goes to test.
        #expect(ex.train.map(\.tokens[0]) == ["c", "i"])
        #expect(ex.test.map(\.tokens[0]) == ["g", "a"])
        #expect(ex.nonActivating.map(\.tokens[0]) == ["e"])
        #expect(ex.id == "single")
        #expect(f.evidence.vocabProj == nil)
    }

    @Test func theSplitIsConfigurableAndDeterministic() throws {
        let records = (0..<12).map { i in "{\"tokens\": [\"x\"], \"activations\": [\(i + 1)]}" }.joined(separator: ",")
        let json = "{\"records\": [\(records)]}"
        let quarter = try parse(json, split: RecordsSplit(testFraction: 0.25, maxTrain: 5, maxTest: 50))
        let ex = try #require(quarter[0].evidence.examples)
        #expect(ex.test.map(\.maxActivation) == [9, 5, 1])
        #expect(ex.train.map(\.maxActivation) == [12, 11, 10, 8, 7])   // capped at 5, strongest kept
        #expect(try parse(json, split: RecordsSplit(testFraction: 0.25, maxTrain: 5, maxTest: 50)) == quarter)
        let none = try parse(json, split: RecordsSplit(testFraction: 0, maxTrain: 40, maxTest: 50))
        #expect(none[0].evidence.examples?.train.count == 12)
        #expect(none[0].evidence.examples?.test.isEmpty == true)
    }

    @Test func aListOfFeaturesWithIdsAndDescriptions() throws {
        let json = """
        [
          {"id": "layer6/17", "records": [{"tokens": ["a"], "activations": [1]}],
           "descriptions": [{"method": "maxact", "text": "The letter a"}, {"method": "human", "text": "Vowels"}]},
          {"id": 42, "records": [{"tokens": ["b"], "activations": [2.5]}]}
        ]
        """
        let features = try parse(json)
        #expect(features.map(\.evidence.id) == ["layer6/17", "42"])
        #expect(features[0].descriptions == [FeatureDescription(method: "maxact", text: "The letter a"),
                                             FeatureDescription(method: "human", text: "Vowels")])
        #expect(features[1].evidence.examples?.train.first?.activations == [2.5])
    }

    @Test func readFromAFileUsesTheFileNameAsTheDefaultId() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("records-\(UUID().uuidString).json")
        try Data("{\"records\": [{\"tokens\": [\"a\"], \"activations\": [1]}]}".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let features = try RecordsFile.read(url)
        #expect(features.first?.evidence.id == url.deletingPathExtension().lastPathComponent)
        #expect(throws: InterpError.self) { try RecordsFile.read(url.appendingPathExtension("missing")) }
    }

    @Test func everyErrorNamesTheFeatureAndRecord() {
        let list = { (second: String) in "[{\"id\": \"a\", \"records\": [{\"tokens\": [\"x\"], \"activations\": [1]}]}, \(second)]" }
        let cases: [(String, [String])] = [
            (list("{\"id\": \"b\", \"records\": [{\"tokens\": [\"x\"], \"activations\": [1]}, {\"tokens\": [\"x\", \"y\"], \"activations\": [1]}]}"),
             ["feature 1 (id 'b'), record 1", "2 tokens but 1 activations"]),
            (list("{\"id\": 7, \"records\": []}"), ["feature 1 (id '7')", "\"records\" is empty"]),
            (list("{\"id\": \"c\", \"records\": [{\"tokens\": [\"x\", \"y\"], \"activations\": [1, \"high\"]}]}"),
             ["feature 1 (id 'c'), record 0", "activation 1", "not a number"]),
            (list("{\"id\": \"d\", \"records\": [{\"tokens\": [\"x\"], \"activations\": [true]}]}"), ["id 'd'", "activation 0", "boolean"]),
            (list("{\"id\": \"e\", \"records\": [{\"tokens\": [3], \"activations\": [1]}]}"), ["id 'e'", "token 0", "not a string"]),
            (list("{\"id\": \"f\", \"records\": [{\"tokens\": [], \"activations\": []}]}"), ["id 'f'), record 0", "\"tokens\" is empty"]),
            (list("{\"id\": \"g\", \"records\": [{\"tokens\": [\"x\"]}]}"), ["id 'g'), record 0", "no \"activations\""]),
            (list("{\"records\": [{\"tokens\": [\"x\"], \"activations\": [1]}]}"), ["feature 1", "no \"id\""]),
            (list("{\"id\": \"a\", \"records\": [{\"tokens\": [\"x\"], \"activations\": [1]}]}"), ["feature 1", "'a' already used by feature 0"]),
            (list("{\"id\": \"h\", \"records\": [{\"tokens\": [\"x\"], \"activations\": [1]}], \"descriptions\": [{\"method\": \"m\"}]}"),
             ["id 'h'), description 0"]),
            (list("[1, 2]"), ["feature 1", "expected an object"]),
            ("{\"records\": [{\"tokens\": [\"x\"], \"activations\": [1]}, {\"tokens\": [\"x\"], \"activations\": [null]}]}",
             ["the feature, record 1", "activation 0", "null"]),
            ("{\"records\": [{\"tokens\": [\"x\"], \"activations\": [1]}, {\"tokens\": [\"x\"], \"activations\": [null]}]}", ["test.json"]),
            ("{\"tokens\": [\"x\"]}", ["the feature", "no \"records\""]),
            ("[]", ["empty"]),
            ("{\"records\": [", ["not valid JSON"]),
            ("\"hello\"", ["found a string"]),
        ]
        for (json, fragments) in cases {
            let message = error(json)
            for fragment in fragments { #expect(message.contains(fragment), "\(message) should contain \(fragment)") }
        }
    }
}
