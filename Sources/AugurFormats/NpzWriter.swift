import Foundation

/// Writes f32 arrays as `.npy` and stored-zip `.npz` bytes (what `numpy.savez` produces, without
/// zip64, so members must stay under 4 GiB), e.g. to hand activations or SAE weights to numpy.
public enum NpzWriter {
    /// One array as `.npy` bytes (`<f4`, C order).
    public static func npy(_ values: [Float], shape: [Int]) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        out += le(UInt16(header.utf8.count)) + Array(header.utf8)
        for v in values { out += le(v.bitPattern) }
        return out
    }

    /// Named arrays (name, values, shape) as `.npz` bytes; each member is stored as `NAME.npy`.
    public static func npz(_ members: [(String, [Float], [Int])]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for (name, values, shape) in members {
            let data = npy(values, shape: shape)
            let fileName = Array((name + ".npy").utf8)
            let crc = crc32(data)
            let offset = UInt32(out.count)
            out += le(UInt32(0x0403_4B50)) + le(UInt16(20)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0x21))
            out += le(crc) + le(UInt32(data.count)) + le(UInt32(data.count)) + le(UInt16(fileName.count)) + le(UInt16(0))
            out += fileName + data
            central += le(UInt32(0x0201_4B50)) + le(UInt16(20)) + le(UInt16(20)) + le(UInt16(0)) + le(UInt16(0))
            central += le(UInt16(0)) + le(UInt16(0x21)) + le(crc) + le(UInt32(data.count)) + le(UInt32(data.count))
            central += le(UInt16(fileName.count)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0))
            central += le(UInt32(0)) + le(offset) + fileName
        }
        let cdOffset = UInt32(out.count)
        out += central
        out += le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(members.count)) + le(UInt16(members.count))
        out += le(UInt32(central.count)) + le(cdOffset) + le(UInt16(0))
        return out
    }

    /// Little-endian bytes of an integer.
    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        withUnsafeBytes(of: v.littleEndian) { Array($0) }
    }

    /// CRC-32 (IEEE) of `data`, as zip stores it.
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in data {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}
