import Foundation
import ZooSupport

extension FeatureCache {
    /// Blocks until this process holds the lock of `key`'s entry (creating the cache directory
    /// first): the process that fills an entry holds it while computing, so others wait and then
    /// find the entry, instead of computing it too.
    public func lock(_ key: FeatureKey) throws -> FileLock {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            // An output that cannot be written (exit status 6), not an unreadable input.
            throw OutputError(path: directory, reason: "cannot create the feature cache directory: \(AtomicOutput.reason(error))")
        }
        return try FileLock(for: path(for: key))
    }
}
