import Foundation
import ZooLayers

// Keras's `alpha` for the catalogue's MobileNet V1/V2/V3 entries, and V3's `minimalistic`: they
// pick the architecture and, with the input rows, the official weight file (mobilenet.py,
// mobilenet_v2.py, mobilenet_v3.py).

extension CatalogueEntry {
    /// The entry at one `alpha` (nil: Keras's default 1.0) and input `size`: its `build` makes that
    /// width and its weights are the files keras.applications loads for that alpha and size
    /// (rows not among `weightRows` take 224's, with Keras's warning in `weightsNotice`).
    /// Entries without alphas return themselves, and refuse an alpha.
    public func resolved(alpha: Double?, size: Int) throws -> CatalogueEntry {
        try resolved(alpha: alpha, minimalistic: false, size: size)
    }

    /// The entry at one `alpha` and `minimalistic` (MobileNetV3's option, as keras.applications
    /// takes it), whose weights exist only at `minimalisticAlphas`; other models refuse it.
    public func resolved(alpha: Double?, minimalistic: Bool, size: Int) throws -> CatalogueEntry {
        if minimalistic && minimalisticAlphas.isEmpty { throw AlphaError.minimalisticNotTaken(model: name) }
        guard !alphas.isEmpty, let buildWithAlpha, let alphaWeights else {
            if let alpha { throw AlphaError.notTaken(model: name, alpha: alpha) }
            return self
        }
        let a = alpha ?? 1.0
        guard alphas.contains(a) else { throw AlphaError.notOffered(model: name, alpha: a, allowed: alphas) }
        let rows = weightRows.contains(size) ? size : 224
        var files = alphaWeights(a, rows)
        var build: @Sendable ((Int, Int), Bool, Pooling) throws -> Model = { try buildWithAlpha($0, $1, $2, a) }
        if minimalistic {
            // keras.applications: "alpha can be one of 0.75, 1.0 for non minimalistic or 1.0 for minimalistic only".
            guard minimalisticAlphas.contains(a), let buildMinimalistic, let minimalisticWeights else {
                throw AlphaError.minimalisticNotOffered(model: name, alpha: a, allowed: minimalisticAlphas)
            }
            files = minimalisticWeights(a, rows)
            build = { try buildMinimalistic($0, $1, $2, a) }
        }
        var entry = CatalogueEntry(
            name: name, kerasName: kerasName, preprocessing: preprocessing, minimumInputSize: minimumInputSize,
            topInputSize: topInputSize, weightsTop: files.top, weightsNoTop: files.noTop,
            build: build, alphas: alphas, weightRows: weightRows,
            buildWithAlpha: buildWithAlpha, alphaWeights: alphaWeights)
        entry.alpha = a
        entry.minimalisticAlphas = minimalisticAlphas
        entry.buildMinimalistic = buildMinimalistic
        entry.minimalisticWeights = minimalisticWeights
        entry.minimalistic = minimalistic
        if rows != size {
            entry.weightsNotice = "\(name): no weights for \(size)x\(size) inputs (only \(weightRows.map(String.init).joined(separator: ", "))); "
                + "the 224x224 weights are loaded, as keras.applications does"
        }
        return entry
    }

    /// The name with the alpha when resolved at one (`mobilenet_0.5`), and `_minimalistic` for
    /// that variant (`mobilenetv3small_minimalistic_1.0`): what tells apart cached features of
    /// different architectures.
    public var variantName: String {
        let base = minimalistic ? "\(name)_minimalistic" : name
        return alpha.map { "\(base)_\($0)" } ?? base
    }

    /// Every official file of an entry with alphas: (alpha, rows, top, no top).
    public var alphaWeightFiles: [(alpha: Double, rows: Int, top: WeightFile, noTop: WeightFile)] {
        guard let alphaWeights else { return [] }
        return alphas.flatMap { a in weightRows.map { r in let f = alphaWeights(a, r); return (a, r, f.top, f.noTop) } }
    }

    /// Every official file of the minimalistic variant: (alpha, rows, top, no top).
    public var minimalisticWeightFiles: [(alpha: Double, rows: Int, top: WeightFile, noTop: WeightFile)] {
        guard let minimalisticWeights else { return [] }
        return minimalisticAlphas.flatMap { a in weightRows.map { r in let f = minimalisticWeights(a, r); return (a, r, f.top, f.noTop) } }
    }
}

public enum AlphaError: Error, CustomStringConvertible {
    /// The catalogue's models that take an alpha, as a sentence: "mobilenet, mobilenetv2, ... and mobilenetv3large".
    public static var alphaModels: String { listing(catalogue.filter { !$0.alphas.isEmpty }.map(\.name)) }
    /// The catalogue's models that take minimalistic, as a sentence.
    public static var minimalisticModels: String { listing(catalogue.filter { !$0.minimalisticAlphas.isEmpty }.map(\.name)) }

    static func listing(_ names: [String]) -> String {
        names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " and " + names.last!
    }

    case notTaken(model: String, alpha: Double)
    case notOffered(model: String, alpha: Double, allowed: [Double])
    case minimalisticNotTaken(model: String)
    case minimalisticNotOffered(model: String, alpha: Double, allowed: [Double])

    public var description: String {
        switch self {
        case let .notTaken(model, alpha):
            return "\(model) takes no alpha (got \(alpha)); only \(Self.alphaModels) do"
        case let .notOffered(model, alpha, allowed):
            return "\(model): alpha \(alpha) has no official weights; it must be one of \(allowed.map { "\($0)" }.joined(separator: ", "))"
        case let .minimalisticNotTaken(model):
            return "\(model) has no minimalistic variant; only \(Self.minimalisticModels) do"
        case let .minimalisticNotOffered(model, alpha, allowed):
            return "\(model): minimalistic at alpha \(alpha) has no official weights; minimalistic takes alpha \(allowed.map { "\($0)" }.joined(separator: ", ")) only"
        }
    }
}

/// mobilenet.py: `mobilenet_<alpha_text>_<rows>_tf[_no_top].h5`, alpha_text 1_0, 7_5, 5_0 or
/// 2_5. Keras downloads them without a file_hash: none is published.
func mobilenetWeights(alpha: Double, rows: Int) -> (top: WeightFile, noTop: WeightFile) {
    let text = alpha == 1.0 ? "1_0" : alpha == 0.75 ? "7_5" : alpha == 0.5 ? "5_0" : "2_5"
    let base = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
    let top = "mobilenet_\(text)_\(rows)_tf.h5", noTop = "mobilenet_\(text)_\(rows)_tf_no_top.h5"
    return (WeightFile(fileName: top, url: base + top, fileHash: nil), WeightFile(fileName: noTop, url: base + noTop, fileHash: nil))
}

/// mobilenet_v2.py: `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_<float(alpha)>_<rows>[_no_top].h5`
/// (Python's float repr: 0.35, 0.5, 1.0, 1.4). No file_hash is published.
func mobilenetv2Weights(alpha: Double, rows: Int) -> (top: WeightFile, noTop: WeightFile) {
    let base = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
    let stem = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_\(alpha)_\(rows)"
    return (WeightFile(fileName: stem + ".h5", url: base + stem + ".h5", fileHash: nil),
            WeightFile(fileName: stem + "_no_top.h5", url: base + stem + "_no_top.h5", fileHash: nil))
}

/// mobilenet_v3.py: `weights_mobilenet_v3_<small|large>[_minimalistic]_224_<str(alpha)>_float.h5`,
/// and `..._float_no_top_v2.h5` without the top, with the md5 of its `WEIGHTS_HASHES`. Keras
/// publishes them for alpha 0.75 and 1.0, and minimalistic at 1.0 only (the 224 in the name
/// is fixed: Keras loads these for every input size, with a warning).
func mobilenetv3Weights(_ type: String, alpha: Double, minimalistic: Bool) -> (top: WeightFile, noTop: WeightFile) {
    let model = "\(type)\(minimalistic ? "_minimalistic" : "")_224_\(alpha)_float"
    let hashes = mobilenetv3Hashes[model] ?? (nil, nil)
    let base = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/"
    let top = "weights_mobilenet_v3_\(model).h5", noTop = "weights_mobilenet_v3_\(model)_no_top_v2.h5"
    return (WeightFile(fileName: top, url: base + top, fileHash: hashes.top),
            WeightFile(fileName: noTop, url: base + noTop, fileHash: hashes.noTop))
}

/// mobilenet_v3.py's `WEIGHTS_HASHES` (top, no top).
let mobilenetv3Hashes: [String: (top: String?, noTop: String?)] = [
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb", "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7", "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c", "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7", "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862", "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37", "cde8136e733e811080d9fcd8a252f7e4"),
]
