import Foundation

/// Writes an HDF5 file so that `path` only ever holds a complete file: the content goes to a
/// temporary file in the same directory (so the rename stays on one file system), which is
/// flushed and then renamed over `path`. On any error the temporary file is removed.
public func writeHDF5Atomically(_ path: String, _ body: (H5File) throws -> Void) throws {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent().path
    guard FileManager.default.isWritableFile(atPath: dir) else {
        throw HDF5Error.cannotOpen(file: path, reason: "directory \(dir) is missing or not writable")
    }
    let tmp = dir + "/." + url.lastPathComponent + ".tmp-\(UUID().uuidString.prefix(8))"
    do {
        try autoreleasingScope {
            let file = try H5File.create(tmp)
            try body(file)
            try file.flush()
        }
        if rename(tmp, path) != 0 {
            throw HDF5Error.cannotOpen(file: path, reason: "cannot rename into place: \(String(cString: strerror(errno)))")
        }
    } catch {
        unlink(tmp)
        throw error
    }
}

/// Runs `body` so that every HDF5 object it made is released (and the file closed) on return.
@inline(never)
private func autoreleasingScope(_ body: () throws -> Void) rethrows { try body() }
