import CHDF5

public enum H5ObjectKind: Sendable, Equatable {
    case group, dataset, other
}

/// An open group. `path` is absolute inside the file ("/" for the root).
/// Member names may be relative paths with '/' and may contain ':' (Keras uses "kernel:0").
public final class H5Group: H5AttributeHolder {
    public let file: String
    public let path: String
    public let handle: H5Handle

    init(file: String, path: String, handle: H5Handle) {
        self.file = file
        self.path = path
        self.handle = handle
    }

    private var site: Site { Site(file: file, path: path) }

    /// Member names sorted by name (byte order), as h5py lists them.
    public func memberNames() throws -> [String] {
        try withHDF5 {
            var info = H5G_info_t()
            try site.check(H5Gget_info(handle.id, &info), "H5Gget_info")
            return try (0..<info.nlinks).map { index in
                let length = try site.checked(
                    H5Lget_name_by_idx(handle.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, zoo_H5P_DEFAULT()),
                    "H5Lget_name_by_idx")
                var buffer = [CChar](repeating: 0, count: Int(length) + 1)
                try site.check(
                    H5Lget_name_by_idx(handle.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count,
                                       zoo_H5P_DEFAULT()),
                    "H5Lget_name_by_idx")
                return decodeCString(buffer)
            }
        }
    }

    /// What `name` refers to, or nil if it does not exist (including dangling links).
    public func kind(of name: String) -> H5ObjectKind? {
        withHDF5 {
            let parts = name.split(separator: "/").filter { $0 != "." }
            let prefix = name.hasPrefix("/") ? "/" : ""
            if parts.isEmpty { return .group }
            // H5Lexists fails rather than answering "no" when an intermediate link is missing,
            // so walk the path one component at a time.
            for count in 1...parts.count {
                let partial = prefix + parts[..<count].joined(separator: "/")
                if H5Lexists(handle.id, partial, zoo_H5P_DEFAULT()) <= 0 { return nil }
            }
            let object = H5Oopen(handle.id, cleanName(name), zoo_H5P_DEFAULT())
            if object < 0 { return nil }
            defer { _ = H5Oclose(object) }
            switch H5Iget_type(object) {
            case H5I_GROUP: return .group
            case H5I_DATASET: return .dataset
            default: return .other
            }
        }
    }

    public func group(_ name: String) throws -> H5Group {
        try withHDF5 {
            let childPath = joinPath(path, name)
            try expect(.group, name, childPath)
            let id = try Site(file: file, path: childPath)
                .handle(H5Gopen2(handle.id, cleanName(name), zoo_H5P_DEFAULT()), "H5Gopen2", close: H5Gclose)
            return H5Group(file: file, path: childPath, handle: id)
        }
    }

    public func dataset(_ name: String) throws -> H5Dataset {
        try withHDF5 {
            let childPath = joinPath(path, name)
            try expect(.dataset, name, childPath)
            let childSite = Site(file: file, path: childPath)
            let id = try childSite.handle(H5Dopen2(handle.id, cleanName(name), zoo_H5P_DEFAULT()), "H5Dopen2", close: H5Dclose)
            return try H5Dataset(site: childSite, handle: id)
        }
    }

    /// Creates a group, and any missing intermediate groups. Fails if it already exists.
    public func createGroup(_ name: String) throws -> H5Group {
        try withHDF5 {
            let childPath = joinPath(path, name)
            let childSite = Site(file: file, path: childPath)
            let linkProperties = try intermediateGroupsLinkProperties(childSite)
            let id = try childSite.handle(
                H5Gcreate2(handle.id, cleanName(name), linkProperties.id, zoo_H5P_DEFAULT(), zoo_H5P_DEFAULT()),
                "H5Gcreate2", close: H5Gclose)
            return H5Group(file: file, path: childPath, handle: id)
        }
    }

    /// Opens the group `name` if it exists, otherwise creates it (like h5py's `require_group`).
    public func requireGroup(_ name: String) throws -> H5Group {
        try withHDF5 {
            kind(of: name) == nil ? try createGroup(name) : try group(name)
        }
    }

    public func createDataset(_ name: String, shape: [Int], floats: [Float]) throws -> H5Dataset {
        try createDataset(name, shape: shape, values: floats,
                          fileType: zoo_H5T_IEEE_F32LE(), memoryType: zoo_H5T_NATIVE_FLOAT())
    }

    public func createDataset(_ name: String, shape: [Int], doubles: [Double]) throws -> H5Dataset {
        try createDataset(name, shape: shape, values: doubles,
                          fileType: zoo_H5T_IEEE_F64LE(), memoryType: zoo_H5T_NATIVE_DOUBLE())
    }

    public func createDataset(_ name: String, shape: [Int], int64s: [Int64]) throws -> H5Dataset {
        try createDataset(name, shape: shape, values: int64s,
                          fileType: zoo_H5T_STD_I64LE(), memoryType: zoo_H5T_NATIVE_INT64())
    }

    public func createDataset(_ name: String, shape: [Int], uint8s: [UInt8]) throws -> H5Dataset {
        try createDataset(name, shape: shape, values: uint8s,
                          fileType: zoo_H5T_STD_U8LE(), memoryType: zoo_H5T_NATIVE_UINT8())
    }

    /// Contiguous dataset (HDF5's default layout); `shape == []` makes a scalar.
    private func createDataset<T>(_ name: String, shape: [Int], values: [T],
                                  fileType: hid_t, memoryType: hid_t) throws -> H5Dataset {
        try withHDF5 {
            let childPath = joinPath(path, name)
            let childSite = Site(file: file, path: childPath)
            guard shape.allSatisfy({ $0 >= 0 }) else {
                throw childSite.invalid("negative dimension in shape \(shape)")
            }
            guard shape.reduce(1, *) == values.count else {
                throw childSite.invalid("shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
            }
            let space = try makeDataspace(shape: shape, childSite)
            let linkProperties = try intermediateGroupsLinkProperties(childSite)
            let id = try childSite.handle(
                H5Dcreate2(handle.id, cleanName(name), fileType, space.id, linkProperties.id, zoo_H5P_DEFAULT(),
                           zoo_H5P_DEFAULT()),
                "H5Dcreate2", close: H5Dclose)
            if !values.isEmpty {
                try values.withUnsafeBufferPointer { buffer in
                    try childSite.check(
                        H5Dwrite(id.id, memoryType, zoo_H5S_ALL(), zoo_H5S_ALL(), zoo_H5P_DEFAULT(), buffer.baseAddress),
                        "H5Dwrite")
                }
            }
            return try H5Dataset(site: childSite, handle: id)
        }
    }

    private func expect(_ wanted: H5ObjectKind, _ name: String, _ childPath: String) throws {
        switch kind(of: name) {
        case nil:
            throw HDF5Error.missingObject(file: file, path: childPath)
        case wanted?:
            return
        default:
            throw HDF5Error.wrongKind(file: file, path: childPath, expected: wanted == .group ? "group" : "dataset")
        }
    }
}

/// Link-creation properties that create missing intermediate groups, like h5py does.
func intermediateGroupsLinkProperties(_ site: Site) throws -> H5Handle {
    let properties = try site.handle(H5Pcreate(zoo_H5P_LINK_CREATE()), "H5Pcreate", close: H5Pclose)
    try site.check(H5Pset_create_intermediate_group(properties.id, 1), "H5Pset_create_intermediate_group")
    return properties
}

/// A scalar dataspace for `[]`, otherwise a fixed-size simple one.
func makeDataspace(shape: [Int], _ site: Site) throws -> H5Handle {
    if shape.isEmpty {
        return try site.handle(H5Screate(H5S_SCALAR), "H5Screate", close: H5Sclose)
    }
    let dims = shape.map { hsize_t($0) }
    return try site.handle(H5Screate_simple(Int32(dims.count), dims, nil), "H5Screate_simple", close: H5Sclose)
}
