import CHDF5

public enum H5ElementType: Equatable, Sendable, CustomStringConvertible {
    case float32, float64
    case int(bytes: Int, signed: Bool)
    case string
    case other(String)

    public var description: String {
        switch self {
        case .float32: return "float32"
        case .float64: return "float64"
        case let .int(bytes, signed): return (signed ? "int" : "uint") + String(bytes * 8)
        case .string: return "string"
        case let .other(name): return name
        }
    }

    var isNumeric: Bool {
        switch self {
        case .float32, .float64, .int: return true
        case .string, .other: return false
        }
    }
}

/// Describes an HDF5 datatype; only the class and size matter here (byte order is converted on read).
func describeType(_ type: hid_t) -> H5ElementType {
    let size = H5Tget_size(type)
    switch H5Tget_class(type) {
    case H5T_FLOAT:
        switch size {
        case 4: return .float32
        case 8: return .float64
        default: return .other("float\(size * 8)")
        }
    case H5T_INTEGER: return .int(bytes: size, signed: H5Tget_sign(type) == H5T_SGN_2)
    case H5T_STRING: return .string
    case H5T_COMPOUND: return .other("compound")
    case H5T_ENUM: return .other("enum")
    case H5T_ARRAY: return .other("array")
    case H5T_VLEN: return .other("vlen")
    case H5T_OPAQUE: return .other("opaque")
    case H5T_BITFIELD: return .other("bitfield")
    case H5T_REFERENCE: return .other("reference")
    default: return .other("unknown")
    }
}

/// An open dataset. Shape and type are read once when it is opened.
public final class H5Dataset: H5AttributeHolder {
    public let file: String
    public let path: String
    public let handle: H5Handle
    /// `[]` for a scalar (and for a null dataspace, whose `elementCount` is 0).
    public let shape: [Int]
    public let elementType: H5ElementType
    public let elementCount: Int

    init(site: Site, handle: H5Handle) throws {
        file = site.file
        path = site.path
        self.handle = handle
        let space = try site.handle(H5Dget_space(handle.id), "H5Dget_space", close: H5Sclose)
        (shape, elementCount) = try extent(space.id, site)
        let type = try site.handle(H5Dget_type(handle.id), "H5Dget_type", close: H5Tclose)
        elementType = describeType(type.id)
    }

    var site: Site { Site(file: file, path: path) }

    /// Integer and float data are converted by HDF5 (out-of-range values are clipped).
    public func readFloats() throws -> [Float] { try readAll(zoo_H5T_NATIVE_FLOAT(), 0) }
    public func readDoubles() throws -> [Double] { try readAll(zoo_H5T_NATIVE_DOUBLE(), 0) }
    public func readInt64s() throws -> [Int64] { try readAll(zoo_H5T_NATIVE_INT64(), 0) }
    public func readUInt8s() throws -> [UInt8] { try readAll(zoo_H5T_NATIVE_UINT8(), 0) }

    /// Rows `rows` along the first dimension, flattened, so big arrays can be read in pieces.
    public func readFloats(rows: Range<Int>) throws -> [Float] {
        try withHDF5 {
            try requireNumeric()
            guard let rowCount = shape.first else { throw site.invalid("cannot read rows of a scalar") }
            guard rows.lowerBound >= 0, rows.upperBound <= rowCount else {
                throw site.invalid("rows \(rows) out of range 0..<\(rowCount)")
            }
            let rowSize = shape.dropFirst().reduce(1, *)
            if rows.isEmpty || rowSize == 0 { return [] }
            try checkRead(count: rows.count * rowSize, memorySize: MemoryLayout<Float>.stride)
            let (fileSpace, memorySpace) = try rowSelection(rows)
            var values = [Float](repeating: 0, count: rows.count * rowSize)
            try values.withUnsafeMutableBufferPointer { buffer in
                try site.check(H5Dread(handle.id, zoo_H5T_NATIVE_FLOAT(), memorySpace.id, fileSpace.id,
                                       zoo_H5P_DEFAULT(), buffer.baseAddress), "H5Dread")
            }
            return values
        }
    }

    private func requireNumeric() throws {
        guard elementType.isNumeric else {
            throw HDF5Error.unsupportedType(file: file, path: path, type: elementType.description)
        }
    }

    private func readAll<T>(_ memoryType: hid_t, _ zero: T) throws -> [T] {
        try withHDF5 {
            try requireNumeric()
            if elementCount == 0 { return [] }
            try checkRead(count: elementCount, memorySize: MemoryLayout<T>.stride)
            var values = [T](repeating: zero, count: elementCount)
            try values.withUnsafeMutableBufferPointer { buffer in
                try site.check(H5Dread(handle.id, memoryType, zoo_H5S_ALL(), zoo_H5S_ALL(), zoo_H5P_DEFAULT(),
                                       buffer.baseAddress), "H5Dread")
            }
            return values
        }
    }
}
