/// The value types of GGUF metadata, numbered as in the file format.
public enum GGUFValueType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 0
    case int8 = 1
    case uint16 = 2
    case int16 = 3
    case uint32 = 4
    case int32 = 5
    case float32 = 6
    case bool = 7
    case string = 8
    case array = 9
    case uint64 = 10
    case int64 = 11
    case float64 = 12

    /// Size in bytes of one value of a fixed-size type; nil for `string` and `array`.
    public var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        case .string, .array: nil
        }
    }

    /// The smallest number of bytes one value of this type takes in a file
    /// (used to bound element counts before allocating).
    var minimumEncodedSize: Int {
        switch self {
        case .string: 8  // the u64 length
        case .array: 12  // item type u32 + count u64
        default: fixedSize ?? 1
        }
    }

    public var description: String {
        switch self {
        case .uint8: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .uint32: "uint32"
        case .int32: "int32"
        case .float32: "float32"
        case .bool: "bool"
        case .string: "string"
        case .array: "array"
        case .uint64: "uint64"
        case .int64: "int64"
        case .float64: "float64"
        }
    }
}

/// One GGUF metadata value: a scalar of any GGUF type, a string, or an array.
///
/// Arrays of scalars and strings are stored as typed Swift arrays (`.int32Array`,
/// `.stringArray`, ...) so that a 150k-entry vocabulary is one contiguous `[String]` rather than
/// 150k boxed enum values. Arrays whose elements are themselves arrays use `.arrays`.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case uint64(UInt64)
    case int64(Int64)
    case float32(Float)
    case float64(Double)
    case bool(Bool)
    case string(String)

    case uint8Array([UInt8])
    case int8Array([Int8])
    case uint16Array([UInt16])
    case int16Array([Int16])
    case uint32Array([UInt32])
    case int32Array([Int32])
    case uint64Array([UInt64])
    case int64Array([Int64])
    case float32Array([Float])
    case float64Array([Double])
    case boolArray([Bool])
    case stringArray([String])
    /// An array whose elements are arrays (each element must be one of the array cases).
    case arrays([GGUFValue])

    /// The GGUF type tag of this value (`.array` for every array case).
    public var type: GGUFValueType {
        switch self {
        case .uint8: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        case .uint32: .uint32
        case .int32: .int32
        case .uint64: .uint64
        case .int64: .int64
        case .float32: .float32
        case .float64: .float64
        case .bool: .bool
        case .string: .string
        default: .array
        }
    }

    /// For an array value, the GGUF type of its elements; nil for scalars.
    public var elementType: GGUFValueType? {
        switch self {
        case .uint8Array: .uint8
        case .int8Array: .int8
        case .uint16Array: .uint16
        case .int16Array: .int16
        case .uint32Array: .uint32
        case .int32Array: .int32
        case .uint64Array: .uint64
        case .int64Array: .int64
        case .float32Array: .float32
        case .float64Array: .float64
        case .boolArray: .bool
        case .stringArray: .string
        case .arrays: .array
        default: nil
        }
    }

    /// For an array value, its number of elements; nil for scalars.
    public var count: Int? {
        switch self {
        case .uint8Array(let a): a.count
        case .int8Array(let a): a.count
        case .uint16Array(let a): a.count
        case .int16Array(let a): a.count
        case .uint32Array(let a): a.count
        case .int32Array(let a): a.count
        case .uint64Array(let a): a.count
        case .int64Array(let a): a.count
        case .float32Array(let a): a.count
        case .float64Array(let a): a.count
        case .boolArray(let a): a.count
        case .stringArray(let a): a.count
        case .arrays(let a): a.count
        default: nil
        }
    }

    /// The value as an `Int` when it is an integer scalar that fits.
    public var intValue: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        default: nil
        }
    }

    /// The value as a `Double` when it is a float or integer scalar.
    public var doubleValue: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        case .uint64(let v): Double(v)
        default: intValue.map(Double.init)
        }
    }

    /// The value as a `Bool` when it is a bool scalar.
    public var boolValue: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    /// The value as a `String` when it is a string scalar.
    public var stringValue: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    /// The elements as `[String]` when this is a string array.
    public var stringArrayValue: [String]? {
        if case .stringArray(let v) = self { return v }
        return nil
    }

    /// The elements as `[Int]` when this is an array of an integer type whose values all fit.
    public var intArrayValue: [Int]? {
        switch self {
        case .uint8Array(let a): a.map(Int.init)
        case .int8Array(let a): a.map(Int.init)
        case .uint16Array(let a): a.map(Int.init)
        case .int16Array(let a): a.map(Int.init)
        case .uint32Array(let a): a.map(Int.init)
        case .int32Array(let a): a.map(Int.init)
        case .int64Array(let a): a.map(Int.init)
        case .uint64Array(let a):
            a.allSatisfy { $0 <= UInt64(Int.max) } ? a.map { Int($0) } : nil
        default: nil
        }
    }

    /// The elements as `[Float]` when this is an array of a float or integer type.
    public var floatArrayValue: [Float]? {
        switch self {
        case .float32Array(let a): a
        case .float64Array(let a): a.map(Float.init)
        case .uint64Array(let a): a.map(Float.init)
        default: intArrayValue?.map(Float.init)
        }
    }
}
