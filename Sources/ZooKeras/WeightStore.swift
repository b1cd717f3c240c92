import Foundation
import ZooModels

public enum WeightStoreError: Error, CustomStringConvertible {
    case notCached(file: String, cache: String, url: String, reason: String)

    public var description: String {
        switch self {
        case let .notCached(file, cache, url, reason):
            return "\(file) is not in \(cache) and could not be downloaded from \(url) (\(reason)); pass --weights FILE"
        }
    }
}

/// Finds official weights as keras.applications does: an explicit path, else the Keras cache
/// (`$KERAS_HOME/models` or `~/.keras/models`), else a download from the official URL with its
/// md5 checked, into that cache.
public struct WeightStore {
    public let cacheDirectory: String

    public init(cacheDirectory: String? = nil) {
        if let cacheDirectory {
            self.cacheDirectory = cacheDirectory
        } else {
            let env = ProcessInfo.processInfo.environment
            let home = env["KERAS_HOME"] ?? (NSHomeDirectory() + "/.keras")
            self.cacheDirectory = home + "/models"
        }
    }

    public func cachedPath(_ file: WeightFile) -> String { cacheDirectory + "/" + file.fileName }

    public func isCached(_ file: WeightFile) -> Bool { FileManager.default.fileExists(atPath: cachedPath(file)) }

    /// The local path of `file`, downloading it first when it is not cached.
    public func resolve(_ file: WeightFile, progress: (@Sendable (Int64, Int64?) -> Void)? = nil) throws -> String {
        let path = cachedPath(file)
        if FileManager.default.fileExists(atPath: path) { return path }
        guard let url = URL(string: file.url) else {
            throw WeightStoreError.notCached(file: file.fileName, cache: cacheDirectory, url: file.url, reason: "bad URL")
        }
        do {
            try WeightDownloader().download(from: url, to: path, md5: file.md5, progress: progress)
        } catch {
            throw WeightStoreError.notCached(file: file.fileName, cache: cacheDirectory, url: file.url, reason: "\(error)")
        }
        return path
    }
}
