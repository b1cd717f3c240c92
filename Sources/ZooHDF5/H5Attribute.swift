import CHDF5
import Foundation

/// An attribute value. Scalars and 1-D arrays are distinct cases; arrays of higher rank are
/// returned flattened in the array case.
public enum H5AttributeValue: Equatable, Sendable {
    case string(String), strings([String])
    case double(Double), doubles([Double])
    case int(Int64), ints([Int64])
    /// A 0-element array of any type, or a null dataspace.
    case empty
}

/// Groups and datasets carry attributes. Errors name the attribute as `objectPath@name`.
public protocol H5AttributeHolder: AnyObject {
    var file: String { get }
    var path: String { get }
    var handle: H5Handle { get }
}

extension H5AttributeHolder {
    /// Attribute names in name (byte) order.
    public func attributeNames() throws -> [String] {
        try withHDF5 {
            var names: [String] = []
            let result = withUnsafeMutablePointer(to: &names) { namesPointer in
                H5Aiterate2(handle.id, H5_INDEX_NAME, H5_ITER_INC, nil, { _, name, _, context in
                    guard let name, let context else { return -1 }
                    context.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                    return 0
                }, namesPointer)
            }
            try Site(file: file, path: path).check(result, "H5Aiterate2")
            return names
        }
    }

    public func hasAttribute(_ name: String) -> Bool {
        withHDF5 { H5Aexists(handle.id, name) > 0 }
    }

    public func attribute(_ name: String) throws -> H5AttributeValue {
        try withHDF5 {
            let site = attributeSite(name)
            guard try site.checked(H5Aexists(handle.id, name), "H5Aexists") > 0 else {
                throw HDF5Error.missingObject(file: file, path: site.path)
            }
            let attribute = try site.handle(H5Aopen(handle.id, name, zoo_H5P_DEFAULT()), "H5Aopen", close: H5Aclose)
            let space = try site.handle(H5Aget_space(attribute.id), "H5Aget_space", close: H5Sclose)
            let spaceClass = H5Sget_simple_extent_type(space.id)
            if spaceClass == H5S_NULL { return .empty }
            let count = try extent(space.id, site).count
            if count == 0 { return .empty }
            let isScalar = spaceClass == H5S_SCALAR
            let type = try site.handle(H5Aget_type(attribute.id), "H5Aget_type", close: H5Tclose)
            switch H5Tget_class(type.id) {
            case H5T_FLOAT:
                let values = try readNumbers(attribute, zoo_H5T_NATIVE_DOUBLE(), count, Double(0), site)
                return isScalar ? .double(values[0]) : .doubles(values)
            case H5T_INTEGER:
                let values = try readNumbers(attribute, zoo_H5T_NATIVE_INT64(), count, Int64(0), site)
                return isScalar ? .int(values[0]) : .ints(values)
            case H5T_STRING:
                let values = try readStrings(attribute, type, count, site)
                return isScalar ? .string(values[0]) : .strings(values)
            default:
                throw HDF5Error.unsupportedType(file: file, path: site.path, type: describeType(type.id).description)
            }
        }
    }

    /// `.string` as one element, `.strings` as is, `.empty` as none (Keras's empty `weight_names`).
    public func stringList(_ name: String) throws -> [String] {
        switch try attribute(name) {
        case let .string(value): return [value]
        case let .strings(values): return values
        case .empty: return []
        default: throw HDF5Error.wrongKind(file: file, path: attributeSite(name).path, expected: "string attribute")
        }
    }

    /// Replaces any existing attribute `name`. Strings are variable-length UTF-8 unless
    /// `fixedLengthStrings`, which writes NULL-padded ASCII `S<longest>` like numpy bytes arrays.
    /// Empty arrays of any case, and `.empty`, are written as float64 with a 0-length simple
    /// dataspace, as Keras does (never a null dataspace: Keras cannot read those).
    public func setAttribute(_ name: String, _ value: H5AttributeValue, fixedLengthStrings: Bool = false) throws {
        try withHDF5 {
            let site = attributeSite(name)
            if try site.checked(H5Aexists(handle.id, name), "H5Aexists") > 0 {
                try site.check(H5Adelete(handle.id, name), "H5Adelete")
            }
            switch value {
            case let .string(value):
                try writeStrings(name, [value], shape: [], fixed: fixedLengthStrings, site)
            case let .strings(values) where !values.isEmpty:
                try writeStrings(name, values, shape: [values.count], fixed: fixedLengthStrings, site)
            case let .double(value):
                try writeNumbers(name, [value], shape: [], zoo_H5T_IEEE_F64LE(), zoo_H5T_NATIVE_DOUBLE(), site)
            case let .doubles(values) where !values.isEmpty:
                try writeNumbers(name, values, shape: [values.count], zoo_H5T_IEEE_F64LE(), zoo_H5T_NATIVE_DOUBLE(), site)
            case let .int(value):
                try writeNumbers(name, [value], shape: [], zoo_H5T_STD_I64LE(), zoo_H5T_NATIVE_INT64(), site)
            case let .ints(values) where !values.isEmpty:
                try writeNumbers(name, values, shape: [values.count], zoo_H5T_STD_I64LE(), zoo_H5T_NATIVE_INT64(), site)
            case .empty, .strings, .doubles, .ints:
                try writeNumbers(name, [Double](), shape: [0], zoo_H5T_IEEE_F64LE(), zoo_H5T_NATIVE_DOUBLE(), site)
            }
        }
    }

    /// Removes attribute `name`; missing attributes are an error.
    public func deleteAttribute(_ name: String) throws {
        try withHDF5 {
            let site = attributeSite(name)
            guard try site.checked(H5Aexists(handle.id, name), "H5Aexists") > 0 else {
                throw HDF5Error.missingObject(file: file, path: site.path)
            }
            try site.check(H5Adelete(handle.id, name), "H5Adelete")
        }
    }

    // MARK: - Helpers (called with the HDF5 lock held)

    private func attributeSite(_ name: String) -> Site {
        Site(file: file, path: "\(path)@\(name)")
    }

    private func readNumbers<T>(_ attribute: H5Handle, _ memoryType: hid_t, _ count: Int, _ zero: T,
                                _ site: Site) throws -> [T] {
        try checkAttributeSize(byteCount(count, MemoryLayout<T>.stride), site)
        var values = [T](repeating: zero, count: count)
        try values.withUnsafeMutableBufferPointer { buffer in
            try site.check(H5Aread(attribute.id, memoryType, buffer.baseAddress), "H5Aread")
        }
        return values
    }

    private func readStrings(_ attribute: H5Handle, _ fileType: H5Handle, _ count: Int, _ site: Site) throws -> [String] {
        if try site.checked(H5Tis_variable_str(fileType.id), "H5Tis_variable_str") > 0 {
            // Read into C strings that HDF5 allocates; keep the file's character set so HDF5
            // does not refuse an ASCII <-> UTF-8 conversion.
            let memoryType = try site.handle(H5Tcopy(zoo_H5T_C_S1()), "H5Tcopy", close: H5Tclose)
            try site.check(H5Tset_size(memoryType.id, zoo_H5T_VARIABLE()), "H5Tset_size")
            try site.check(H5Tset_cset(memoryType.id, H5Tget_cset(fileType.id)), "H5Tset_cset")
            try checkAttributeSize(byteCount(count, MemoryLayout<UnsafeMutablePointer<CChar>?>.stride), site)
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            try site.check(H5Aread(attribute.id, memoryType.id, &pointers), "H5Aread")
            defer { for pointer in pointers where pointer != nil { _ = H5free_memory(pointer) } }
            // HDF5 has already allocated these; refuse to copy more than the limit.
            try checkAttributeSize(pointers.reduce(0) { $0 + ($1.map { strlen($0) } ?? 0) }, site)
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        // Fixed length: read the raw bytes with the file's own type and undo the padding.
        let size = H5Tget_size(fileType.id)
        guard size > 0 else { throw site.failure("H5Tget_size") }
        let padding = H5Tget_strpad(fileType.id)
        try checkAttributeSize(byteCount(count, size), site)
        var bytes = [UInt8](repeating: 0, count: count * size)
        try site.check(H5Aread(attribute.id, fileType.id, &bytes), "H5Aread")
        return (0..<count).map { index in
            var element = bytes[(index * size)..<((index + 1) * size)]
            switch padding {
            case H5T_STR_NULLTERM:
                element = element.prefix(while: { $0 != 0 })
            case H5T_STR_SPACEPAD:
                while element.last == 0x20 || element.last == 0 { element.removeLast() }
            default:  // NULLPAD, as numpy "S<n>" arrays are stored
                while element.last == 0 { element.removeLast() }
            }
            return String(decoding: element, as: UTF8.self)
        }
    }

    private func writeNumbers<T>(_ name: String, _ values: [T], shape: [Int], _ fileType: hid_t,
                                 _ memoryType: hid_t, _ site: Site) throws {
        let space = try makeDataspace(shape: shape, site)
        let attribute = try site.handle(
            H5Acreate2(handle.id, name, fileType, space.id, zoo_H5P_DEFAULT(), zoo_H5P_DEFAULT()),
            "H5Acreate2", close: H5Aclose)
        if values.isEmpty { return }
        try values.withUnsafeBufferPointer { buffer in
            try site.check(H5Awrite(attribute.id, memoryType, buffer.baseAddress), "H5Awrite")
        }
    }

    private func writeStrings(_ name: String, _ values: [String], shape: [Int], fixed: Bool, _ site: Site) throws {
        let space = try makeDataspace(shape: shape, site)
        let type = try site.handle(H5Tcopy(zoo_H5T_C_S1()), "H5Tcopy", close: H5Tclose)
        if fixed {
            let encoded = values.map { Array($0.utf8) }
            let size = max(1, encoded.map(\.count).max() ?? 1)  // HDF5 rejects 0-byte strings
            try site.check(H5Tset_size(type.id, size), "H5Tset_size")
            try site.check(H5Tset_strpad(type.id, H5T_STR_NULLPAD), "H5Tset_strpad")
            try site.check(H5Tset_cset(type.id, H5T_CSET_ASCII), "H5Tset_cset")
            var bytes = [UInt8](repeating: 0, count: size * values.count)
            for (index, value) in encoded.enumerated() {
                bytes.replaceSubrange((index * size)..<(index * size + value.count), with: value)
            }
            let attribute = try site.handle(
                H5Acreate2(handle.id, name, type.id, space.id, zoo_H5P_DEFAULT(), zoo_H5P_DEFAULT()),
                "H5Acreate2", close: H5Aclose)
            try site.check(H5Awrite(attribute.id, type.id, bytes), "H5Awrite")
        } else {
            try site.check(H5Tset_size(type.id, zoo_H5T_VARIABLE()), "H5Tset_size")
            try site.check(H5Tset_cset(type.id, H5T_CSET_UTF8), "H5Tset_cset")
            let attribute = try site.handle(
                H5Acreate2(handle.id, name, type.id, space.id, zoo_H5P_DEFAULT(), zoo_H5P_DEFAULT()),
                "H5Acreate2", close: H5Aclose)
            let cStrings = values.map { strdup($0) }
            defer { cStrings.forEach { free($0) } }
            guard !cStrings.contains(where: { $0 == nil }) else { throw site.invalid("out of memory") }
            let pointers = cStrings.map { UnsafePointer($0) }
            try site.check(H5Awrite(attribute.id, type.id, pointers), "H5Awrite")
        }
    }
}
