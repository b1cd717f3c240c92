import ArgumentParser
import Foundation
import ZooData
import ZooHDF5
import ZooKeras
import ZooLayers
import ZooModels
import ZooSupport

extension Split: ExpressibleByArgument {}

struct Features: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a frozen backbone over MNIST digits and write their features to HDF5 (/features [N, D], /labels [N]).",
        discussion: """
            Digits are resized (TensorFlow bilinear, half-pixel centres), replicated to 3 channels and \
            preprocessed as the backbone expects (caffe mode). Features are cached by the content of the \
            weights and data and every setting that changes them, so the backbone never runs twice on the \
            same input.
            """)

    @Option(help: "The backbone, a catalogue model: vgg16, vgg19, resnet50, resnet101, resnet152, resnet50v2, resnet101v2, resnet152v2 (`zoo catalogue`).")
    var model: String

    @OptionGroup var source: FeatureSourceOptions

    @Option(help: "Which split: train or test.")
    var split: Split = .test

    @Option(help: "Images per forward pass.")
    var batchSize: Int = 64

    @Option(help: "Seed for --untrained initialisation.")
    var seed: UInt64 = 0

    @Option(help: "HDF5 file to write; it appears only when complete.")
    var output: String

    @Flag(help: "Print a JSON summary (count, dimension, cache hit, seconds) on stdout.")
    var json = false

    struct Result: Encodable {
        let output: String
        let count: Int
        let dimension: Int
        let cacheHit: Bool
        let cachePath: String?
        let seconds: Double
        let imagesPerSecond: Double?
    }

    func run() throws {
        try checkWritable(output)
        let start = Date()
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        let (path, hit, computed) = try source.features(model: model, split: split, seed: seed, batchSize: batchSize, exclusiveOutput: output)
        if path != output { try AtomicOutput.copy(path, to: output) }
        let f = try H5File.open(output).root.dataset("features")
        let seconds = Date().timeIntervalSince(start)
        let result = Result(output: output, count: f.shape[0], dimension: f.shape[1], cacheHit: hit,
                            cachePath: source.noCache ? nil : path, seconds: seconds,
                            imagesPerSecond: computed.map { Double(f.shape[0]) / $0 })
        if json { return try printJSON(result) }
        let how = hit ? "from the cache (\(path))" : String(format: "in %.1f s, %.1f images/s", computed ?? seconds, result.imagesPerSecond ?? 0)
        print("\(output): \(f.shape[0]) x \(f.shape[1]) features \(how)")
    }
}

/// What a feature set is computed from; shared by `features` and the training commands.
struct FeatureSourceOptions: ParsableArguments {
    @Option(help: "A Keras weight file for the backbone (no top). Without it the official file from the Keras cache (downloaded if needed).")
    var weights: String?

    @Flag(help: "Use a backbone with Keras's default initialisation (glorot_uniform, seeded) instead of pretrained weights.")
    var untrained = false

    @Option(help: "A MNIST directory (train-*/t10k-* IDX files, gzipped or not) or a Keras mnist.npz. Default: the built-in 5,000-digit sample.")
    var data: String?

    @Option(help: "Input size in pixels the 28x28 digits are resized to (at least 32).")
    var size: Int = 32

    @Option(help: "Pooling after the backbone: avg, max or none (none keeps the flattened H x W x C map).")
    var pooling: Pooling = .avg

    @Option(help: "Use only the first N digits of each split.")
    var limit: Int?

    @Option(help: "Feature cache directory (default $ZOO_CACHE_DIR/features or ~/.cache/modelzoo/features).")
    var cacheDir: String?

    @Flag(help: "Neither read nor write the feature cache.")
    var noCache = false

    func validate() throws {
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive") }
        if untrained && weights != nil { throw ValidationError("--untrained and --weights exclude each other") }
    }

    /// The path of the features for these settings: a cache entry (computed first on a miss), or,
    /// with --no-cache, `exclusiveOutput` itself. Also whether it was a hit, and the compute time.
    func features(
        model: String, split: Split, seed: UInt64, batchSize: Int = 64, exclusiveOutput: String? = nil,
        belowTopWeighted unfrozen: Int = 0
    ) throws -> (String, Bool, Double?) {
        let entry = try catalogueEntry(model)
        var backbone = try entry.build((size, size), false, pooling)
        let full = backbone
        if unfrozen > 0 { backbone = try backbone.split(belowTopWeighted: unfrozen).lower }
        let digits = try MNIST.load(data, split: split).prefix(limit)
        let weightsPath = try untrained ? nil : resolveWeights(entry)
        var key = FeatureKey(
            model: entry.name, weights: try weightsPath.map { try MD5.hex(ofFile: $0) } ?? "keras-init:\(seed)",
            size: size, pooling: pooling.rawValue, preprocessing: entry.preprocessing.rawValue,
            data: try digits.files.map { try MD5.hex(ofFile: $0) }, split: split.rawValue, limit: limit)
        key.cut = unfrozen > 0 ? backbone.nodes.last!.layer.name : nil
        let cache = FeatureCache(directory: cacheDir)
        if !noCache, let hit = cache.lookup(key) { return (hit, true, nil) }
        try fill(full, weightsPath: weightsPath, seed: seed)
        let target = noCache ? exclusiveOutput ?? temporaryPath("features-\(entry.name)-\(split.rawValue).h5") : cache.path(for: key)
        if !noCache { try cache.prepare() }
        let bar = ProgressBar(label: "\(entry.name) features", total: Int64(digits.count), unit: .images)
        let start = Date()
        try extractFeatures(
            model: try backbone.fusedForInference(), digits: digits,
            preprocessor: Preprocessor(inputHeight: digits.height, inputWidth: digits.width, size: size, mode: entry.preprocessing),
            batchSize: batchSize, to: target,
            attributes: [("model", .string(entry.name)), ("weights", .string(weightsPath ?? "keras-init")),
                         ("weights_md5", .string(key.weights)), ("size", .int(Int64(size))),
                         ("pooling", .string(pooling.rawValue)), ("preprocessing", .string(entry.preprocessing.rawValue)),
                         ("split", .string(split.rawValue)), ("data", .strings(digits.files)),
                         ("cache_key", .string(key.canonical))],
            progress: { bar.advance(by: $0) })
        bar.finish()
        return (target, false, Date().timeIntervalSince(start))
    }

    /// The backbone with its weights: from the file, or Keras-initialised when --untrained.
    func backbone(model: String, seed: UInt64) throws -> Model {
        let entry = try catalogueEntry(model)
        let m = try entry.build((size, size), false, pooling)
        try fill(m, weightsPath: untrained ? nil : resolveWeights(entry), seed: seed)
        return m
    }

    private func fill(_ backbone: Model, weightsPath: String?, seed: UInt64) throws {
        if let weightsPath {
            try loadWeights(into: backbone, from: openKerasFile(weightsPath)).check()
        } else {
            printNotice("\(backbone.name) is not pretrained: Keras default initialisation, seed \(seed)")
            backbone.initializeKerasDefaults(seed: seed)
        }
    }

    func resolveWeights(_ entry: CatalogueEntry) throws -> String {
        if let weights { return weights }
        do {
            return try officialWeights(entry, includeTop: false)
        } catch let error as WeightStoreError where error.isDownload {
            throw ExitStatus.Failure(status: .downloadFailed, message: "\(error); or pass --untrained for a Keras-initialised backbone")
        }
    }
}

/// Fails early, before any work, when `path` could not be written.
func checkWritable(_ path: String) throws {
    let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue,
          FileManager.default.isWritableFile(atPath: dir) else {
        throw OutputError(path: path, reason: "directory \(dir) is missing or not writable")
    }
}

/// Creates `dir` if needed and checks it can be written, before any work starts.
func makeWritableDirectory(_ dir: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    } catch {
        throw OutputError(path: dir, reason: "cannot create the directory")
    }
    guard FileManager.default.isWritableFile(atPath: dir) else { throw OutputError(path: dir, reason: "directory is not writable") }
}

/// A path in the system temporary directory, unique to this process.
func temporaryPath(_ name: String) -> String {
    NSTemporaryDirectory() + "zoo-\(ProcessInfo.processInfo.processIdentifier)-\(name)"
}
