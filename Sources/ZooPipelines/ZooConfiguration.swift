import Foundation
import ZooKeras
import ZooModels
import ZooTensor

/// Where the pipelines keep and find things: the Keras weight cache, the feature cache, a
/// replacement weight catalogue, and how HDF5 files from the user are vetted. Library code
/// reads no environment variables; a program builds one configuration (the `zoo` CLI from
/// `KERAS_HOME`, `ZOO_CACHE_DIR`, `ZOO_WEIGHTS_CATALOGUE` and `ZOO_CHECK_TIMEOUT`, once) and
/// passes it down.
public struct ZooConfiguration: Sendable {
    /// Keras's home directory; official weights are cached in its `models` subdirectory, as
    /// keras.applications caches them (`~/.keras`, or `$KERAS_HOME`).
    public var kerasHome: String

    /// The feature cache directory (`~/.cache/modelzoo/features`, or `$ZOO_CACHE_DIR/features`).
    public var featureCacheDirectory: String

    /// A file in the format of Models/catalogue.json whose weight files replace the official
    /// ones of the models it lists (a mirror, or a local server in tests).
    public var weightsCatalogue: String?

    /// Scratch files that are not outputs (uncached features, plot sources) go here.
    public var temporaryDirectory: String

    /// Vets an HDF5 file from the user before zoo's reader opens it: `(path, name for errors)`.
    /// libhdf5 can crash on damaged files, so the CLI reads each one in a child process first;
    /// nil opens files directly.
    public var checkFile: (@Sendable (_ path: String, _ name: String) throws -> Void)?
    /// How a feature-cache entry is vetted before zoo reads it in-process (the CLI: in a child
    /// process, as `checkFile`; a damaged entry can make libhdf5 loop); a failed check makes the
    /// entry a miss. nil reads entries directly.
    public var checkCacheEntry: (@Sendable (_ path: String) throws -> Void)?
    /// How a checkpoint is vetted before `--resume` reads it (the CLI: in a child process); nil
    /// reads it directly.
    public var checkCheckpoint: (@Sendable (_ path: String) throws -> Void)?

    /// How the models the pipelines build and load plan their convolutions (the CLI's
    /// `ZOO_PACKED_GEMM=0` picks the OpenBLAS paths, to compare).
    public var convPolicy = ConvPolicy.default

    /// The conventional locations under `home`: `home/.keras` and `home/.cache/modelzoo/features`.
    public init(home: String, temporaryDirectory: String = "/tmp/") {
        self.init(kerasHome: home + "/.keras", featureCacheDirectory: home + "/.cache/modelzoo/features",
                  temporaryDirectory: temporaryDirectory)
    }

    public init(kerasHome: String, featureCacheDirectory: String, weightsCatalogue: String? = nil,
                temporaryDirectory: String = "/tmp/",
                checkFile: (@Sendable (_ path: String, _ name: String) throws -> Void)? = nil) {
        self.kerasHome = kerasHome
        self.featureCacheDirectory = featureCacheDirectory
        self.weightsCatalogue = weightsCatalogue
        self.temporaryDirectory = temporaryDirectory.hasSuffix("/") ? temporaryDirectory : temporaryDirectory + "/"
        self.checkFile = checkFile
    }

    /// The Keras weight cache.
    public var weightStore: WeightStore { WeightStore(cacheDirectory: kerasHome + "/models") }

    /// The official weight file of `entry`, or its replacement from `weightsCatalogue`.
    public func weightFile(_ entry: CatalogueEntry, includeTop: Bool) throws -> WeightFile {
        try WeightStore.weightFile(entry, includeTop: includeTop, catalogue: weightsCatalogue)
    }

    /// The path of a model's official weights in the Keras cache, downloaded there first if needed.
    public func officialWeights(_ entry: CatalogueEntry, includeTop: Bool, monitor: PipelineMonitor = .silent) throws -> String {
        let official = try weightFile(entry, includeTop: includeTop)
        let store = weightStore
        if !store.isCached(official) {
            // Keras publishes no size for most files; the progress bar then learns it from the server.
            let size = official.bytes.map { " (\($0 / 1_000_000) MB)" } ?? ""
            monitor.notice("downloading \(official.fileName)\(size) into \(store.cacheDirectory)")
        }
        if let notice = entry.weightsNotice { monitor.notice(notice) }
        let cached = store.isCached(official)
        let bar = monitor.progress(official.fileName, Int64(official.bytes ?? 0), .bytes)
        defer { bar.finish() }
        let path = try store.resolve(official) { done, total in bar.update(done, total: total) }
        if !cached && official.fileHash == nil {
            monitor.notice("\(official.fileName): keras.applications publishes no hash for this file, so it was not verified")
        }
        return path
    }

    /// Opens a Keras weight file from the user (weights, model files, `.keras` archives), after
    /// `checkFile` has vetted its HDF5 part.
    public func openKerasFile(_ path: String) throws -> KerasWeightFile {
        guard let checkFile else { return try KerasWeightFile(path: path) }
        return try KerasWeightFile(path: path) { h5Path in
            // An archive's weights are checked after extraction, under the archive's name.
            try checkFile(h5Path, h5Path == path ? path : "\(path) (model.weights.h5)")
        }
    }

    /// A path in `temporaryDirectory`, unique to this process.
    public func temporaryPath(_ name: String) -> String {
        temporaryDirectory + "zoo-\(ProcessInfo.processInfo.processIdentifier)-\(name)"
    }
}
