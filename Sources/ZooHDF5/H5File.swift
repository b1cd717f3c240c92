import CHDF5
import Foundation

/// An open HDF5 file. Closed in `deinit`; groups and datasets obtained from it keep the underlying
/// file open until they are released too (HDF5's default "weak" close degree).
/// Not Sendable: use each file and its objects from one thread at a time.
public final class H5File {
    public let path: String
    public let root: H5Group
    private let handle: H5Handle

    private init(path: String, handle: H5Handle) throws {
        self.path = path
        self.handle = handle
        let site = Site(file: path, path: "/")
        let rootID = try site.handle(H5Gopen2(handle.id, "/", zoo_H5P_DEFAULT()), "H5Gopen2", close: H5Gclose)
        root = H5Group(file: path, path: "/", handle: rootID)
    }

    public static func open(_ path: String, writable: Bool = false) throws -> H5File {
        try withHDF5 {
            // Check the obvious problems first: HDF5's own messages for them are long and vague.
            var isDirectory: ObjCBool = false
            let files = FileManager.default
            guard files.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw HDF5Error.cannotOpen(file: path, reason: "no such file")
            }
            guard !isDirectory.boolValue else {
                throw HDF5Error.cannotOpen(file: path, reason: "is a directory")
            }
            guard files.isReadableFile(atPath: path) else {
                throw HDF5Error.cannotOpen(file: path, reason: "permission denied")
            }
            guard !writable || files.isWritableFile(atPath: path) else {
                throw HDF5Error.cannotOpen(file: path, reason: "permission denied (not writable)")
            }
            let signature = H5Fis_hdf5(path)
            if signature == 0 {
                throw HDF5Error.cannotOpen(file: path, reason: "not an HDF5 file")
            }
            if signature < 0 {
                throw HDF5Error.cannotOpen(file: path, reason: "H5Fis_hdf5 failed (\(hdf5ErrorStack()))")
            }
            let mode = writable ? zoo_H5F_ACC_RDWR() : zoo_H5F_ACC_RDONLY()
            let id = H5Fopen(path, mode, zoo_H5P_DEFAULT())
            if id < 0 {
                throw HDF5Error.cannotOpen(file: path, reason: "H5Fopen failed (\(hdf5ErrorStack()))")
            }
            return try H5File(path: path, handle: H5Handle(id, close: H5Fclose))
        }
    }

    /// Creates `path`, replacing any existing file.
    public static func create(_ path: String) throws -> H5File {
        try withHDF5 {
            let id = H5Fcreate(path, zoo_H5F_ACC_TRUNC(), zoo_H5P_DEFAULT(), zoo_H5P_DEFAULT())
            if id < 0 {
                throw HDF5Error.cannotOpen(file: path, reason: "H5Fcreate failed (\(hdf5ErrorStack()))")
            }
            return try H5File(path: path, handle: H5Handle(id, close: H5Fclose))
        }
    }

    public func flush() throws {
        try withHDF5 {
            try Site(file: path, path: "/").check(H5Fflush(handle.id, H5F_SCOPE_LOCAL), "H5Fflush")
        }
    }
}
