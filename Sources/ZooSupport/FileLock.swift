import Foundation

/// An exclusive lock between processes on a file that stands for a shared entry (a feature-cache
/// entry, a downloaded weight file): `flock(2)` on `<entry>.lock`. A process that wants an entry
/// another process is computing blocks in the kernel until that one is done (no polling), then
/// finds the entry complete and uses it, so two processes never compute the same entry at once.
/// The lock of `dir/name` is the hidden file `dir/.name.lock`.
/// The kernel drops the lock when its holder dies, even by SIGKILL: a killed writer never leaves
/// a lock behind, and since entries only appear by atomic rename (`AtomicOutput`), it never
/// leaves anything another process would take for complete either. Lock files are left in
/// place: removing one while another process waits on it would let a third lock a new file of
/// the same name, and two writers would run at once.
public final class FileLock {
    public let path: String
    private var descriptor: Int32

    /// Blocks until this process holds the lock on `path` (created if missing).
    public convenience init(path: String) throws {
        try self.init(path, flags: O_RDWR | O_CREAT, what: "the lock file")
    }

    /// Blocks until this process holds the lock on the directory `path` itself (Linux flocks
    /// directories too): for a cache where no extra file may appear, such as Keras's own.
    public convenience init(directory path: String) throws {
        try self.init(path, flags: O_RDONLY | O_DIRECTORY, what: "the directory")
    }

    private init(_ path: String, flags: Int32, what: String) throws {
        self.path = path
        descriptor = open(path, flags | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw OutputError(path: path, reason: "cannot open \(what) to lock it: \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw OutputError(path: path, reason: "cannot lock: \(reason)")
            }
        }
    }

    /// Releases the lock (also done on deinit).
    public func unlock() {
        guard descriptor >= 0 else { return }
        close(descriptor)  // closing the only descriptor of the open file releases its flock
        descriptor = -1
    }

    deinit { unlock() }

    /// Blocks until this process holds the lock of `entry` (a path in an existing directory).
    public convenience init(for entry: String) throws {
        let url = URL(fileURLWithPath: entry)
        try self.init(path: url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".lock")
    }

    /// Runs `body` holding the lock of `entry`.
    public static func withLock<T>(for entry: String, _ body: () throws -> T) throws -> T {
        let lock = try FileLock(for: entry)
        defer { lock.unlock() }
        return try body()
    }
}
