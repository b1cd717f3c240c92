import Foundation
import ZooModels
import ZooSupport

public enum WeightStoreError: Error, CustomStringConvertible {
    case notCached(file: String, cache: String, url: String, reason: String)
    case badCatalogue(file: String, reason: String)

    public var description: String {
        switch self {
        case let .notCached(file, cache, url, reason):
            return "\(file) is not in \(cache) and could not be downloaded from \(url) (\(reason)); pass --weights FILE"
        case let .badCatalogue(file, reason):
            return "\(file) (ZOO_WEIGHTS_CATALOGUE): \(reason)"
        }
    }

    /// A failed download, as opposed to a catalogue that could not be read.
    public var isDownload: Bool {
        if case .notCached = self { return true }
        return false
    }
}

/// Finds official weights as keras.applications does: an explicit path, else the Keras cache
/// (keras.applications uses `$KERAS_HOME/models` or `~/.keras/models`; the caller says which),
/// else a download from the official URL with its md5 checked, into that cache.
public struct WeightStore: Sendable {
    public let cacheDirectory: String

    public init(cacheDirectory: String) {
        self.cacheDirectory = cacheDirectory
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
            // Two processes wanting the same file download it once: the second waits for the
            // first's lock and then finds the file in place. The lock is on the directory, so
            // Keras's cache gets no lock files (and downloads into one cache run one at a time).
            do {
                try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
            } catch {
                throw OutputError(path: cacheDirectory, reason: "cannot create the directory: \(AtomicOutput.reason(error))")
            }
            let lock = try FileLock(directory: cacheDirectory)
            defer { lock.unlock() }
            if !FileManager.default.fileExists(atPath: path) {
                try WeightDownloader().download(from: url, to: path, fileHash: file.fileHash, progress: progress)
            }
        } catch let error as OutputError {
            throw error  // the cache cannot be written (full, read-only): exit status 6, not a failed download
        } catch let WeightDownloadError.io(file, reason) {
            throw OutputError(path: file, reason: reason)
        } catch {
            throw WeightStoreError.notCached(file: file.fileName, cache: cacheDirectory, url: file.url, reason: "\(error)")
        }
        return path
    }
}

extension WeightStore {
    /// The weight file of a catalogue model: the official one, or the one `catalogue` gives for
    /// that model (the CLI takes it from `ZOO_WEIGHTS_CATALOGUE`, and errors name it so). That
    /// file has the format of Models/catalogue.json (`zoo catalogue --json`), of which `name`,
    /// `weightsTop` and `weightsNoTop` are read: a mirror of the official files, or a local
    /// server in tests.
    public static func weightFile(_ entry: CatalogueEntry, includeTop: Bool, catalogue path: String?) throws -> WeightFile {
        guard let path else { return entry.weights(includeTop: includeTop) }
        struct Replacement: Decodable {
            let name: String
            let weightsTop: WeightFile
            let weightsNoTop: WeightFile
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw WeightStoreError.badCatalogue(file: path, reason: "cannot be opened")
        }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maxCatalogueBytes + 1) ?? Data(), data.count <= maxCatalogueBytes else {
            throw WeightStoreError.badCatalogue(file: path, reason: "cannot be read, or is over the \(maxCatalogueBytes >> 20) MiB zoo reads")
        }
        guard let replacements = try? JSONDecoder().decode([Replacement].self, from: data) else {
            throw WeightStoreError.badCatalogue(file: path, reason: "not in the format of Models/catalogue.json (a list of "
                                                + "{name, weightsTop, weightsNoTop}, each weight file with fileName, url, fileHash (or md5) and optional bytes)")
        }
        guard let replacement = replacements.first(where: { $0.name == entry.name }) else {
            return entry.weights(includeTop: includeTop)
        }
        let file = includeTop ? replacement.weightsTop : replacement.weightsNoTop
        // The name becomes a path in the Keras cache, and the hash is all that vouches for the content.
        let name = file.fileName
        guard !name.isEmpty, !name.hasPrefix("."), !name.contains("/"), !name.contains("\0") else {
            throw WeightStoreError.badCatalogue(file: path, reason: "\(entry.name): \"\(name)\" is not a plain file name")
        }
        if let hash = file.fileHash {
            guard file.hashAlgorithm != nil else {
                throw WeightStoreError.badCatalogue(
                    file: path, reason: "\(entry.name): file hash \"\(hash)\" is neither an md5 (32 hex digits) nor a sha256 (64)")
            }
        } else if entry.weights(includeTop: includeTop).fileHash != nil {
            // Only a file Keras publishes no hash for may come unverified.
            throw WeightStoreError.badCatalogue(file: path, reason: "\(entry.name): \(name) has no file hash, where the official file has one")
        }
        guard let scheme = URL(string: file.url)?.scheme?.lowercased(), ["http", "https"].contains(scheme) else {
            throw WeightStoreError.badCatalogue(file: path, reason: "\(entry.name): \"\(file.url)\" is not an http(s) URL")
        }
        return file
    }
}

/// Models/catalogue.json is 2 KB.
let maxCatalogueBytes = 1 << 20
