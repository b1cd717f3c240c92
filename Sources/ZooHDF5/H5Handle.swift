import CHDF5
import Foundation

/// One lock for every HDF5 call: the library keeps global state and is not thread-safe in every
/// build. Recursive because a handle can be released (and closed) while the lock is already held.
private let hdf5Lock = NSRecursiveLock()

/// Runs `body` with exclusive access to the HDF5 library.
///
/// Automatic error printing is switched off on every entry, not once: in thread-safe builds of
/// HDF5 (Debian's is one) that setting is per thread, and callers may arrive on any thread.
/// It is a cheap call, and it keeps HDF5 from dumping its error stack on stderr.
func withHDF5<T>(_ body: () throws -> T) rethrows -> T {
    hdf5Lock.lock()
    defer { hdf5Lock.unlock() }
    _ = H5Eset_auto2(zoo_H5E_DEFAULT(), nil, nil)
    return try body()
}

/// An open HDF5 identifier, closed when the last reference goes away.
/// Public only so `H5AttributeHolder` can require it; its contents are internal.
public final class H5Handle {
    let id: hid_t
    private let close: @convention(c) (hid_t) -> herr_t

    init(_ id: hid_t, close: @convention(c) (hid_t) -> herr_t) {
        self.id = id
        self.close = close
    }

    deinit {
        withHDF5 { _ = close(id) }
    }
}

/// HDF5's current error stack, innermost call last, as one line. Must run right after the failing
/// call (under the same lock) because the next API call clears the stack.
func hdf5ErrorStack() -> String {
    var entries: [String] = []
    withUnsafeMutablePointer(to: &entries) { entriesPointer in
        _ = H5Ewalk2(zoo_H5E_DEFAULT(), H5E_WALK_DOWNWARD, { _, error, context in
            guard let error, let context else { return 0 }
            let function = error.pointee.func_name.map { String(cString: $0) } ?? "?"
            let detail = error.pointee.desc.map { String(cString: $0) } ?? ""
            context.assumingMemoryBound(to: [String].self).pointee.append("\(function): \(detail)")
            return 0
        }, entriesPointer)
    }
    _ = H5Eclear2(zoo_H5E_DEFAULT())
    return entries.joined(separator: "; ").replacingOccurrences(of: "\n", with: " ")
}

/// Where an operation happens, for error messages.
struct Site {
    let file: String
    let path: String

    func failure(_ function: String) -> HDF5Error {
        .call(function: function, file: file, path: path, stack: hdf5ErrorStack())
    }

    /// Throws if an HDF5 call returned a negative value (its universal failure signal).
    func check<T: BinaryInteger>(_ result: T, _ function: String) throws {
        if result < 0 { throw failure(function) }
    }

    /// Like `check`, for calls whose non-negative result is needed.
    func checked<T: BinaryInteger>(_ result: T, _ function: String) throws -> T {
        if result < 0 { throw failure(function) }
        return result
    }

    /// Wraps a freshly returned identifier so it is always closed, or throws if the call failed.
    func handle(_ id: hid_t, _ function: String, close: @convention(c) (hid_t) -> herr_t) throws -> H5Handle {
        if id < 0 { throw failure(function) }
        return H5Handle(id, close: close)
    }

    func invalid(_ reason: String) -> HDF5Error {
        .invalidArgument(file: file, path: path, reason: reason)
    }
}

/// Decodes a NUL-terminated (or unterminated) byte buffer from HDF5 as UTF-8.
func decodeCString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Absolute path of `name` relative to the group at `base`; empty and "." components are dropped.
func joinPath(_ base: String, _ name: String) -> String {
    let baseParts = name.hasPrefix("/") ? [] : base.split(separator: "/")
    let parts = (baseParts + name.split(separator: "/")).filter { $0 != "." }
    return "/" + parts.joined(separator: "/")
}

/// `name` without empty or "." components, as HDF5 expects it ("." when nothing is left).
func cleanName(_ name: String) -> String {
    let parts = name.split(separator: "/").filter { $0 != "." }
    let prefix = name.hasPrefix("/") ? "/" : ""
    return parts.isEmpty ? prefix + "." : prefix + parts.joined(separator: "/")
}
