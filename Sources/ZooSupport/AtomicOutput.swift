import Foundation

/// A file that could not be written: names the final path, never the temporary one.
public struct OutputError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): cannot write (\(reason))" }
}

/// Every file zoo writes goes through here: the content is written to `.<name>.tmp-<pid>-<random>`
/// in the same directory (so the rename stays on one file system) and renamed over the final name
/// only when complete, so an interrupted or failed run never leaves a partial file under that
/// name. Temporaries left by processes that no longer exist (killed runs) are removed on the
/// next write of the same name.
public enum AtomicOutput {
    public static func write(to path: String, _ body: (_ temporary: String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OutputError(path: path, reason: "directory \(dir) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: dir) else {
            throw OutputError(path: path, reason: "directory \(dir) is not writable")
        }
        let prefix = "." + url.lastPathComponent + ".tmp-"
        removeStale(in: dir, prefix: prefix)
        let tmp = dir + "/" + prefix + "\(getpid())-\(UUID().uuidString.prefix(8))"
        do {
            try body(tmp)
            guard rename(tmp, path) == 0 else {
                throw OutputError(path: path, reason: "cannot rename into place: \(String(cString: strerror(errno)))")
            }
        } catch let error as OutputError {
            unlink(tmp)
            throw error
        } catch {
            unlink(tmp)
            throw OutputError(path: path, reason: reason(error))
        }
    }

    /// Writes `data` atomically.
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { tmp in try data.write(to: URL(fileURLWithPath: tmp)) }
    }

    /// Copies `source` so that `destination` only ever holds a complete copy.
    public static func copy(_ source: String, to destination: String) throws {
        try write(to: destination) { tmp in try FileManager.default.copyItem(atPath: source, toPath: tmp) }
    }

    private static func removeStale(in dir: String, prefix: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names where name.hasPrefix(prefix) {
            let pid = name.dropFirst(prefix.count).split(separator: "-").first.flatMap { pid_t($0) }
            if let pid, pid != getpid(), kill(pid, 0) != 0, errno == ESRCH { unlink(dir + "/" + name) }
        }
    }

    /// One line for any error, preferring the POSIX reason (e.g. "No space left on device").
    public static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        // Foundation on Linux reports some write failures as bare Cocoa codes; the OS's words are clearer.
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileWriteOutOfSpace: return String(cString: strerror(ENOSPC))
            case .fileWriteVolumeReadOnly: return String(cString: strerror(EROFS))
            case .fileWriteNoPermission: return String(cString: strerror(EACCES))
            default: break
            }
        }
        if error is CocoaError { return ns.localizedDescription }
        let text = "\(error)".replacingOccurrences(of: "\n", with: " ")
        // HDF5's error stack ends in the OS's own words (e.g. 'File too large'); that is the reason.
        if let r = text.range(of: "error message = '"), let end = text[r.upperBound...].firstIndex(of: "'") {
            return String(text[r.upperBound..<end])
        }
        return text
    }
}
