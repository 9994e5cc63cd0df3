import Foundation
import Testing
@testable import AugurFormats

@Suite struct NpyTests {
    func temp(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("augur-npy-\(UUID().uuidString)-\(name)").path
    }

    @Test func parsesNpyOfEachFloatType() throws {
        let bytes = NpzWriter.npy([1, -2.5, 3, 4, 5, 6], shape: [2, 3])
        let a = try bytes.withUnsafeBytes { try NpyArray.parse($0, file: "t.npy", member: "t.npy") }
        #expect(a.shape == [2, 3])
        #expect(a.values == [1, -2.5, 3, 4, 5, 6])
        // Fortran order, f8.
        var header = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var f: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0] + NpzWriter.le(UInt16(header.utf8.count)) + Array(header.utf8)
        for v in [1.0, 4, 2, 5, 3, 6] as [Double] { f += NpzWriter.le(v.bitPattern) }
        let b = try f.withUnsafeBytes { try NpyArray.parse($0, file: "f.npy", member: "f.npy") }
        #expect(b.values == [1, 2, 3, 4, 5, 6])
    }

    @Test func readsStoredNpzMembers() throws {
        let path = temp("a.npz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = NpzWriter.npz([("W_enc", [1, 2, 3, 4], [2, 2]), ("b", [7, 8], [2])])
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let npz = try NpzFile(path: path)
        #expect(npz.names == ["W_enc", "b"])
        #expect(try npz.array("W_enc") == NpyArray(shape: [2, 2], values: [1, 2, 3, 4]))
        #expect(try npz.array("b.npy").values == [7, 8])
        #expect(throws: NpyError.memberNotFound(file: path, member: "threshold")) { try npz.array("threshold") }
    }

    @Test func compressedMemberAndBadDataAreNamed() throws {
        let path = temp("c.npz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var bytes = NpzWriter.npz([("W", [1, 2], [2])])
        // Mark the member as deflated (method 8) in the local and central headers.
        bytes[8] = 8
        let cd = bytes.count - 22 - (46 + 5)
        bytes[cd + 10] = 8
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let npz = try NpzFile(path: path)
        #expect(throws: NpyError.compressedMember(file: path, member: "W.npy", method: 8)) { try npz.array("W") }
        let err = #expect(throws: NpyError.self) { try [UInt8](repeating: 1, count: 20).withUnsafeBytes { try NpyArray.parse($0, file: "x", member: "m") } }
        #expect(err?.description.contains("magic") == true)
        let notZip = temp("n.npz")
        defer { try? FileManager.default.removeItem(atPath: notZip) }
        try Data(repeating: 0, count: 100).write(to: URL(fileURLWithPath: notZip))
        #expect(throws: NpyError.self) { try NpzFile(path: notZip) }
    }
}

/// A file written by `numpy.savez` (numpy 2.4, zip64 extra fields): a = arange(6).reshape(2, 3) * 0.5 (f4),
/// b = [1.5, -2, 3] (f8), c = arange(6).reshape(2, 3) in Fortran order (f4).
@Suite struct NumpyWrittenNpzTests {
    static let base64 = "UEsDBC0AAAAAAAAAIQALwLB2//////////8FABQAYS5ucHkBABAAmAAAAAAAAACYAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCAzKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAAAD8AAIA/AADAPwAAAEAAACBAUEsDBC0AAAAAAAAAIQBpbxk1//////////8FABQAYi5ucHkBABAAmAAAAAAAAACYAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAA+D8AAAAAAAAAwAAAAAAAAAhAUEsDBC0AAAAAAAAAIQDOLODT//////////8FABQAYy5ucHkBABAAmAAAAAAAAACYAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmNCcsICdmb3J0cmFuX29yZGVyJzogVHJ1ZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAAQEAAAIA/AACAQAAAAEAAAKBAUEsBAi0DLQAAAAAAAAAhAAvAsHaYAAAAmAAAAAUAAAAAAAAAAAAAAIABAAAAAGEubnB5UEsBAi0DLQAAAAAAAAAhAGlvGTWYAAAAmAAAAAUAAAAAAAAAAAAAAIABzwAAAGIubnB5UEsBAi0DLQAAAAAAAAAhAM4s4NOYAAAAmAAAAAUAAAAAAAAAAAAAAIABngEAAGMubnB5UEsFBgAAAAADAAMAmQAAAG0CAAAAAA=="

    @Test func readsNumpySavezOutput() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("augur-npy-\(UUID().uuidString).npz").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #require(Data(base64Encoded: Self.base64)).write(to: URL(fileURLWithPath: path))
        let npz = try NpzFile(path: path)
        #expect(npz.names == ["a", "b", "c"])
        #expect(try npz.array("a") == NpyArray(shape: [2, 3], values: [0, 0.5, 1, 1.5, 2, 2.5]))
        #expect(try npz.array("b") == NpyArray(shape: [3], values: [1.5, -2, 3]))
        #expect(try npz.array("c") == NpyArray(shape: [2, 3], values: [0, 1, 2, 3, 4, 5]))
    }
}
