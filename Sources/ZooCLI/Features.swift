import ArgumentParser
import Foundation
import ZooData
import ZooHDF5
import ZooKeras
import ZooLayers
import ZooModels
import ZooPipelines
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

    @Option(help: ArgumentHelp("The backbone, a catalogue model: \(catalogueModelList) (`zoo catalogue`)."))
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

    func validate() throws {
        try checkBackboneName(model)
        try checkBackboneSize(model, size: source.size)
        try checkAlphaOption(model, source.alpha)
        try checkMinimalisticOption(model, alpha: source.alpha, source.minimalistic)
    }

    func run() throws {
        try checkWritable(output)
        let start = Date()
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        let features = try withUntrainedHint {
            try source.source(model: model, seed: seed).extract(
                split, batchSize: try fittingFeatureBatch(model: model, batch: batchSize), output: output, configuration: zooConfiguration, monitor: cliMonitor(json: json))
        }
        let path = features.path
        if path != output { try AtomicOutput.copy(path, to: output) }
        let f = try H5File.open(output).root.dataset("features")
        let seconds = Date().timeIntervalSince(start)
        let result = Result(output: output, count: f.shape[0], dimension: f.shape[1], cacheHit: features.cacheHit,
                            cachePath: source.noCache ? nil : path, seconds: seconds,
                            imagesPerSecond: features.computeSeconds.map { Double(f.shape[0]) / $0 })
        if json { return try printJSON(result) }
        let how = features.cacheHit ? "from the cache (\(path))"
            : String(format: "in %.1f s, %.1f images/s", features.computeSeconds ?? seconds, result.imagesPerSecond ?? 0)
        print("\(output): \(f.shape[0]) x \(f.shape[1]) features \(how)")
    }
}

/// What a feature set is computed from; shared by `features` and the training commands.
struct FeatureSourceOptions: ParsableArguments {
    @Option(help: "A Keras weight file for the backbone (no top). Without it the official file from the Keras cache (downloaded if needed).")
    var weights: String?

    @Flag(help: "Use a backbone with Keras's default initialisation (glorot_uniform, seeded) instead of pretrained weights.")
    var untrained = false

    @Option(help: "A MNIST directory (train-*/t10k-* IDX files, gzipped or not), a Keras mnist.npz, or a folder of class subfolders of JPEG/PNG/BMP/GIF images (as keras.utils.image_dataset_from_directory reads). Default: the built-in 5,000-digit sample.")
    var data: String?

    @OptionGroup var images: DataOptions

    @Option(help: "Input size in pixels the 28x28 digits are resized to (at least 32).")
    var size: Int = 32

    @Option(help: "Pooling after the backbone: avg, max or none (none keeps the flattened H x W x C map).")
    var pooling: Pooling = .avg

    @Option(help: ArgumentHelp(alphaHelp))
    var alpha: Double?

    @Flag(help: ArgumentHelp(minimalisticHelp))
    var minimalistic = false

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

    /// The backbone these flags describe; `seed` initialises it when --untrained.
    func backbone(model: String, seed: UInt64) -> Backbone {
        Backbone(model, weights: untrained ? .untrained(seed: seed) : weights.map(BackboneWeights.file) ?? .official,
                 size: size, pooling: pooling, alpha: alpha, minimalistic: minimalistic)
    }

    func source(model: String, seed: UInt64) -> FeatureSource {
        var source = FeatureSource(backbone: backbone(model: model, seed: seed), data: data, limit: limit)
        source.cacheDirectory = cacheDir
        source.noCache = noCache
        source.images = images.settings
        return source
    }
}

/// A usage error (status 64) naming the backbones when `name` is not one of them.
func checkBackboneName(_ name: String) throws { try checkModelName(name, among: catalogue.map(\.name)) }

/// A usage error (status 64) when `--size` is below the backbone's minimum (keras.applications'
/// 32, or a family's own) or, with the top, not its fixed size; `name` must be a known backbone.
func checkBackboneSize(_ name: String, size: Int, includeTop: Bool = false) throws {
    let entry = try catalogueEntry(name)
    if includeTop && size != entry.topInputSize {
        throw ValidationError("\(entry.name): include_top needs a \(entry.topInputSize)x\(entry.topInputSize) input, got \(size)x\(size); drop --include-top for other sizes")
    }
    guard size >= entry.minimumInputSize else {
        throw ValidationError("\(entry.name): input size must be at least \(entry.minimumInputSize)x\(entry.minimumInputSize), got \(size)x\(size)")
    }
}

/// Runs `body`; a failed download of official weights then suggests a Keras-initialised backbone.
func withUntrainedHint<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as WeightStoreError where error.isDownload {
        throw ExitStatus.Failure(status: .downloadFailed, message: "\(error); or pass --untrained for a Keras-initialised backbone")
    }
}

/// A path in the system temporary directory, unique to this process.
func temporaryPath(_ name: String) -> String { zooConfiguration.temporaryPath(name) }
