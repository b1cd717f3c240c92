import Foundation
import ZooHDF5

extension FeatureCache {
    /// The entry for `key` if it is there under exactly this key and whole: `/features` [N, D]
    /// and `/labels` [N] as datasets of this file (no links out of it, which could block on a
    /// FIFO), their storage as large as their shapes claim (ZooHDF5 checks that before a read,
    /// here of one row). Entries appear only by atomic rename, but a cache directory is shared
    /// and can be damaged (a disk error, another program, a user's copy); a damaged entry is a
    /// miss, computed again and replaced, never copied out or trained on.
    /// `check`, when given, vets the file before anything here opens it (the CLI's runs in a
    /// child process: libhdf5 can loop or crash on a damaged file).
    public func completeEntry(_ key: FeatureKey, check: ((String) throws -> Void)? = nil) -> String? {
        let candidate = path(for: key)
        guard FileManager.default.fileExists(atPath: candidate) else { return nil }
        if let check {
            do { try check(candidate) } catch { return nil }
        }
        guard let path = lookup(key) else { return nil }
        do {
            let root = try H5File.open(path).root
            try root.refuseExternalLinks("features")
            try root.refuseExternalLinks("labels")
            let features = try root.dataset("features"), labels = try root.dataset("labels")
            guard features.shape.count == 2, features.shape[0] > 0, labels.shape == [features.shape[0]] else { return nil }
            let last = features.shape[0] - 1
            _ = try features.readFloats(rows: last..<last + 1)
            _ = try labels.readInt64s()
        } catch {
            return nil
        }
        return path
    }
}
