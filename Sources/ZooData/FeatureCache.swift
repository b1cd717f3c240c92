import Foundation
import ZooHDF5
import ZooSupport

/// Everything that changes backbone features. Content hashes (not paths or dates) identify the
/// weights and the data, so an entry can never be used for other weights or other data.
public struct FeatureKey: Codable, Sendable, Equatable {
    public var model: String
    public var weights: String          // md5 of the weight file, or "keras-init:<seed>"
    public var size: Int
    public var pooling: String
    public var preprocessing: String
    public var data: [String]           // md5 of each data file
    public var split: String
    public var limit: Int?
    /// The layer the features were taken at, when not the backbone's output (fine-tuning with
    /// the top layers unfrozen caches the input of the unfrozen part).
    public var cut: String?
    /// How image files were decoded and resized (nil for MNIST digits); `data` is then one
    /// digest of every image's content hash and label.
    public var images: String?
    public var format = 1               // bumped whenever the feature computation changes

    public init(model: String, weights: String, size: Int, pooling: String, preprocessing: String,
                data: [String], split: String, limit: Int?) {
        (self.model, self.weights, self.size, self.pooling) = (model, weights, size, pooling)
        (self.preprocessing, self.data, self.split, self.limit) = (preprocessing, data, split, limit)
    }

    /// A stable JSON rendering; the cache file name is its md5.
    public var canonical: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    public var digest: String { MD5.hex(of: Array(canonical.utf8)) }
}

/// A directory of feature files named by key digest. Each file also stores its full key, which
/// is compared on lookup, and files are only ever created by atomic rename, so a crash mid-write
/// leaves at most a stray temporary file, never a truncated entry.
public struct FeatureCache: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public func path(for key: FeatureKey) -> String { directory + "/\(key.model)-\(key.digest).h5" }

    /// The entry for `key`, if present and recorded under exactly this key.
    public func lookup(_ key: FeatureKey) -> String? {
        let p = path(for: key)
        guard FileManager.default.fileExists(atPath: p),
              let file = try? H5File.open(p),
              let stored = try? file.root.stringList("cache_key").first, stored == key.canonical
        else { return nil }
        return p
    }

    public func prepare() throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DataError.cannotRead(file: directory, reason: "cannot create the feature cache directory: \(error.localizedDescription)")
        }
    }
}
