import Foundation
import ZooSupport

/// Writes an HDF5 file atomically (see `AtomicOutput`): `path` only ever holds a complete file.
/// The file is flushed and closed before the rename.
public func writeHDF5Atomically(_ path: String, _ body: (H5File) throws -> Void) throws {
    try AtomicOutput.write(to: path) { tmp in
        try autoreleasingScope {
            let file = try H5File.create(tmp)
            try body(file)
            try file.flush()
        }
    }
}

/// Runs `body` so that every HDF5 object it made is released (and the file closed) on return.
@inline(never)
private func autoreleasingScope(_ body: () throws -> Void) rethrows { try body() }
