import Foundation
import ZooData
import ZooHDF5
import ZooLayers
import ZooModels
import ZooSupport

/// What backbone features are computed from: a backbone and MNIST digits. Features are cached by
/// the content of the weights and data and every setting that changes them, so the backbone
/// never runs twice on the same input.
public struct FeatureSource: Sendable {
    public var backbone: Backbone
    /// A MNIST directory (`train-*`/`t10k-*` IDX files, gzipped or not) or a Keras `mnist.npz`;
    /// nil for the built-in 5,000-digit sample.
    public var data: String?
    /// Only the first `limit` digits of each split.
    public var limit: Int?
    /// The feature cache directory; nil for the configuration's.
    public var cacheDirectory: String?
    /// Neither read nor write the feature cache.
    public var noCache = false
    /// Splitting and decoding when `data` is a folder of class subfolders.
    public var images = ImageDataSettings()

    public init(backbone: Backbone, data: String? = nil, limit: Int? = nil) {
        self.backbone = backbone
        self.data = data
        self.limit = limit
    }

    /// Where features come from, and how.
    public struct Extracted: Sendable {
        /// The HDF5 file with `/features` [N, D] and `/labels` [N]: a cache entry, or with
        /// `noCache` a file the caller owns (`output`, or a temporary file to remove).
        public let path: String
        public let cacheHit: Bool
        /// Seconds the backbone ran, when it ran.
        public let computeSeconds: Double?
    }

    /// The features of `split`: from the cache, or computed (and cached) on a miss. With
    /// `belowTopWeighted` n > 0 they are the input of the top n weighted layers instead of the
    /// backbone's output (what fine-tuning with those layers unfrozen trains on). With
    /// `noCache`, they are written to `output` (or a temporary file) and not cached.
    public func extract(
        _ split: Split, batchSize: Int = 64, belowTopWeighted unfrozen: Int = 0, output: String? = nil,
        configuration: ZooConfiguration, monitor: PipelineMonitor = .silent
    ) throws -> Extracted {
        let entry = try backbone.entry()
        let (size, pooling) = (backbone.size, backbone.pooling)
        var model = try entry.build((size, size), false, pooling)
        let full = model
        if unfrozen > 0 { model = try model.split(belowTopWeighted: unfrozen).lower }
        if let data, isImageFolder(data) {
            return try extractImages(data, split: split, model: model, full: full, entry: entry, unfrozen: unfrozen, batchSize: batchSize,
                                     output: output, configuration: configuration, monitor: monitor)
        }
        let digits = try MNIST.load(data, split: split).prefix(limit)
        let weightsPath = try backbone.weightsPath(configuration: configuration, monitor: monitor)
        var key = FeatureKey(
            model: entry.variantName, weights: try weightsPath.map { try MD5.hex(ofFile: $0) } ?? "keras-init:\(backbone.untrainedSeed)",
            size: size, pooling: pooling.rawValue, preprocessing: entry.preprocessing.rawValue,
            data: try digits.files.map { try MD5.hex(ofFile: $0) }, split: split.rawValue, limit: limit)
        key.cut = unfrozen > 0 ? model.nodes.last!.layer.name : nil
        let cache = FeatureCache(directory: cacheDirectory ?? configuration.featureCacheDirectory)
        if !noCache, let hit = cache.completeEntry(key, check: configuration.checkCacheEntry) { return Extracted(path: hit, cacheHit: true, computeSeconds: nil) }
        // Another process may be computing this entry: wait for it, then take its result.
        let lock = noCache ? nil : try cache.lock(key)
        defer { lock?.unlock() }
        if !noCache, let hit = cache.completeEntry(key, check: configuration.checkCacheEntry) { return Extracted(path: hit, cacheHit: true, computeSeconds: nil) }
        try backbone.fill(full, weightsPath: weightsPath, configuration: configuration, monitor: monitor)
        let target = noCache
            ? output ?? configuration.temporaryPath("features-\(entry.name)-\(split.rawValue).h5") : cache.path(for: key)
        if !noCache { try cache.prepare() }
        let bar = monitor.progress("\(entry.name) features", Int64(digits.count), .images)
        let start = Date()
        var done: Int64 = 0
        try extractFeatures(
            model: try model.fusedForInference(), digits: digits,
            preprocessor: Preprocessor(inputHeight: digits.height, inputWidth: digits.width, size: size, mode: entry.preprocessing),
            batchSize: batchSize, to: target,
            attributes: [("model", .string(entry.name)), ("weights", .string(weightsPath ?? "keras-init")),
                         ("weights_md5", .string(key.weights)), ("size", .int(Int64(size))),
                         ("pooling", .string(pooling.rawValue)), ("preprocessing", .string(entry.preprocessing.rawValue)),
                         ("split", .string(split.rawValue)), ("data", .strings(digits.files)),
                         ("cache_key", .string(key.canonical))],
            progress: { done += Int64($0); bar.update(done, total: nil) })
        bar.finish()
        return Extracted(path: target, cacheHit: false, computeSeconds: Date().timeIntervalSince(start))
    }

    /// The data set's class names, index = label: MNIST's are its digits "0" to "9".
    public func classNames() throws -> [String] { try datasetClassNames(data) }

    /// The features of `split` in memory; an uncached file is removed once read.
    public func load(
        _ split: Split, belowTopWeighted unfrozen: Int = 0, configuration: ZooConfiguration, monitor: PipelineMonitor = .silent
    ) throws -> (FeatureSet, Extracted) {
        let extracted = try extract(split, belowTopWeighted: unfrozen, configuration: configuration, monitor: monitor)
        defer { if noCache { unlink(extracted.path) } }
        return (try FeatureSet(contentsOf: extracted.path), extracted)
    }
}

/// The class names of a data set (`--data`), index = label; MNIST-format data and `mnist.npz`
/// (and the built-in sample) name their ten classes by their digits.
public func datasetClassNames(_ data: String?) throws -> [String] {
    if let data, isImageFolder(data) { return try ImageFolder(indexing: data, seed: nil).classNames }
    return (0..<10).map(String.init)
}
