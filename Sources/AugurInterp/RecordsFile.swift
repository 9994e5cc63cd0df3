import AugurActivations
import Foundation

/// How a records file's examples are split between the explainer and the scorers.
///
/// Records whose maximum activation is above 0 are ranked by it (strongest first, ties in file
/// order) and dealt out evenly: with `testFraction` f, the record at rank r goes to the test set when
/// ⌊(r+1)·f⌋ > ⌊r·f⌋, so both sets span the whole activation range and the strongest record goes to
/// the explainer. Each set is then capped (keeping its strongest). Records that never activate
/// become non-activating examples. The split depends on nothing but the file.
public struct RecordsSplit: Sendable, Codable, Equatable {
    /// Fraction of activating records held out for scoring (0 ..< 1).
    public var testFraction: Double
    /// Most train (explainer) records kept.
    public var maxTrain: Int
    /// Most test (scorer) records kept.
    public var maxTest: Int

    /// By default half the activating records are held out; 40 train and 50 test at most (DESIGN.md §1).
    public init(testFraction: Double = 0.5, maxTrain: Int = 40, maxTest: Int = 50) {
        self.testFraction = testFraction
        self.maxTrain = maxTrain
        self.maxTest = maxTest
    }
}

/// One feature of a records file.
public struct RecordsFeature: Sendable, Equatable {
    /// Its evidence, with the examples split into train, test and non-activating.
    public var evidence: FeatureEvidence
    /// Descriptions the file already gives it (`descriptions: [{"method", "text"}]`).
    public var descriptions: [FeatureDescription]

    public init(evidence: FeatureEvidence, descriptions: [FeatureDescription]) {
        self.evidence = evidence
        self.descriptions = descriptions
    }
}

/// Reads activation records files (DESIGN.md §3): one feature `{"records": [{"tokens": [str],
/// "activations": [float]}, …]}`, or a JSON list of such objects each with an `id` (string or
/// number) and optional `descriptions: [{"method", "text"}]`.
public enum RecordsFile {
    /// Reads and validates the file at `url`. A single feature without an `id` takes the file's
    /// name without extension.
    public static func read(_ url: URL, split: RecordsSplit = RecordsSplit()) throws(InterpError) -> [RecordsFeature] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .badFile(path: url.path, detail: "cannot read: \(error.localizedDescription)")
        }
        return try parse(data, path: url.path, defaultID: url.deletingPathExtension().lastPathComponent, split: split)
    }

    /// Parses and validates `data`; `path` names the source in errors; `defaultID` is the id of a
    /// single feature that has none.
    public static func parse(_ data: Data, path: String = "<records>", defaultID: String = "0",
                             split: RecordsSplit = RecordsSplit()) throws(InterpError) -> [RecordsFeature] {
        guard split.testFraction >= 0, split.testFraction < 1, split.maxTrain >= 1, split.maxTest >= 0 else {
            throw .badArgument("records split: testFraction must be in [0, 1) and maxTrain ≥ 1, maxTest ≥ 0 "
                + "(got \(split.testFraction), \(split.maxTrain), \(split.maxTest))")
        }
        let root: JSONValue
        do { root = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw .badFile(path: path, detail: "not valid JSON: \(error)")
        }
        var features: [RecordsFeature] = []
        if case .object(let object) = root {
            features.append(try feature(object, label: "the feature", fallbackID: defaultID, path: path, split: split))
        } else if case .array(let list) = root {
            guard !list.isEmpty else { throw .badFile(path: path, detail: "the list of features is empty") }
            var seen: [String: Int] = [:]
            for (i, item) in list.enumerated() {
                guard case .object(let object) = item else {
                    throw .badFile(path: path, detail: "feature \(i): expected an object with \"records\", found \(kind(item))")
                }
                guard object["id"] != nil else { throw .badFile(path: path, detail: "feature \(i): no \"id\"") }
                let f = try feature(object, label: "feature \(i)", fallbackID: nil, path: path, split: split)
                if let j = seen[f.evidence.id] {
                    throw .badFile(path: path, detail: "feature \(i): id '\(f.evidence.id)' already used by feature \(j)")
                }
                seen[f.evidence.id] = i
                features.append(f)
            }
        } else {
            throw .badFile(path: path, detail: "expected an object with \"records\" or a list of features, found \(kind(root))")
        }
        return features
    }

    /// Checks that every feature carries at least one description with non-empty text and a
    /// method, as scoring a records file requires; the error names the feature's index and id.
    public static func requireDescriptions(_ features: [RecordsFeature], path: String) throws(InterpError) {
        for (i, f) in features.enumerated() {
            let label = "feature \(i) (id '\(f.evidence.id)')"
            guard !f.descriptions.isEmpty else {
                throw .badFile(path: path, detail: "\(label): no descriptions to score; give \"descriptions\": [{\"method\": …, \"text\": …}]")
            }
            for (k, d) in f.descriptions.enumerated() {
                if d.method.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    throw .badFile(path: path, detail: "\(label), description \(k): \"method\" is empty")
                }
                if d.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    throw .badFile(path: path, detail: "\(label), description \(k) (method '\(d.method)'): \"text\" is empty")
                }
            }
            let methods = f.descriptions.map(\.method)
            if let dup = methods.first(where: { m in methods.filter { $0 == m }.count > 1 }) {
                throw .badFile(path: path, detail: "\(label): method '\(dup)' is given more than one description")
            }
        }
    }

    private static func kind(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return "a string (\"\(s.prefix(30))\")"
        case .number(let n): return "a number (\(n))"
        case .bool(let b): return "a boolean (\(b))"
        case .array: return "a list"
        case .object: return "an object"
        case .null: return "null"
        }
    }

    private static func feature(_ object: [String: JSONValue], label: String, fallbackID: String?, path: String,
                                split: RecordsSplit) throws(InterpError) -> RecordsFeature {
        var id = fallbackID ?? ""
        var where_ = label
        if let raw = object["id"] {
            if case .string(let s) = raw, !s.isEmpty {
                id = s
            } else if case .number(let n) = raw, n.isFinite {
                id = n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
            } else {
                throw .badFile(path: path, detail: "\(label): \"id\" must be a non-empty string or a number, found \(kind(raw))")
            }
            where_ = "\(label) (id '\(id)')"
        }
        guard let rawRecords = object["records"] else { throw .badFile(path: path, detail: "\(where_): no \"records\"") }
        guard case .array(let list) = rawRecords else {
            throw .badFile(path: path, detail: "\(where_): \"records\" must be a list, found \(kind(rawRecords))")
        }
        guard !list.isEmpty else { throw .badFile(path: path, detail: "\(where_): \"records\" is empty") }
        var records: [ActivationRecord] = []
        for (r, item) in list.enumerated() {
            let at = "\(where_), record \(r)"
            guard case .object(let rec) = item else { throw .badFile(path: path, detail: "\(at): expected an object, found \(kind(item))") }
            guard case .array(let tokens)? = rec["tokens"] else { throw .badFile(path: path, detail: "\(at): no \"tokens\" list") }
            guard case .array(let acts)? = rec["activations"] else { throw .badFile(path: path, detail: "\(at): no \"activations\" list") }
            guard !tokens.isEmpty else { throw .badFile(path: path, detail: "\(at): \"tokens\" is empty") }
            guard tokens.count == acts.count else {
                throw .badFile(path: path, detail: "\(at): \(tokens.count) tokens but \(acts.count) activations")
            }
            var texts: [String] = []
            for (t, token) in tokens.enumerated() {
                guard case .string(let s) = token else {
                    throw .badFile(path: path, detail: "\(at): token \(t) is \(kind(token)), not a string")
                }
                texts.append(s)
            }
            var values: [Float] = []
            for (a, value) in acts.enumerated() {
                guard case .number(let n) = value, n.isFinite else {
                    throw .badFile(path: path, detail: "\(at): activation \(a) is \(kind(value)), not a number")
                }
                values.append(Float(n))
            }
            records.append(ActivationRecord(tokens: texts, activations: values))
        }
        var descriptions: [FeatureDescription] = []
        if let rawDescriptions = object["descriptions"] {
            guard case .array(let ds) = rawDescriptions else {
                throw .badFile(path: path, detail: "\(where_): \"descriptions\" must be a list, found \(kind(rawDescriptions))")
            }
            for (k, item) in ds.enumerated() {
                guard case .object(let d) = item, case .string(let method)? = d["method"], case .string(let text)? = d["text"] else {
                    throw .badFile(path: path, detail: "\(where_), description \(k): expected {\"method\": string, \"text\": string}")
                }
                descriptions.append(FeatureDescription(method: method, text: text))
            }
        }
        let examples = splitExamples(records, id: id, split: split)
        return RecordsFeature(evidence: FeatureEvidence(id: id, examples: examples), descriptions: descriptions)
    }

    /// Splits records as ``RecordsSplit`` describes.
    public static func splitExamples(_ records: [ActivationRecord], id: String, split: RecordsSplit) -> FeatureExamples {
        let ranked = records.enumerated().filter { $0.element.maxActivation > 0 }.sorted { a, b in
            let (x, y) = (a.element.maxActivation, b.element.maxActivation)
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)
        var train: [ActivationRecord] = []
        var test: [ActivationRecord] = []
        for (r, record) in ranked.enumerated() {
            let f = split.testFraction
            if (Double(r + 1) * f).rounded(.down) > (Double(r) * f).rounded(.down) { test.append(record) } else { train.append(record) }
        }
        let negatives = records.filter { $0.maxActivation <= 0 }
        return FeatureExamples(id: id, train: Array(train.prefix(split.maxTrain)), test: Array(test.prefix(split.maxTest)),
                               nonActivating: negatives)
    }
}

/// Any JSON value, decoded without losing the difference between numbers, booleans and strings.
enum JSONValue: Decodable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }
}
