import Foundation
import ZooLayers

// Keras's `alpha` for the catalogue's MobileNet V1/V2 entries: the width multiplier picks the
// architecture and, with the input rows, the official weight file (mobilenet.py, mobilenet_v2.py).

extension CatalogueEntry {
    /// The entry at one `alpha` (nil: Keras's default 1.0) and input `size`: its `build` makes that
    /// width and its weights are the files keras.applications loads for that alpha and size
    /// (rows not among `weightRows` take 224's, with Keras's warning in `weightsNotice`).
    /// Entries without alphas return themselves, and refuse an alpha.
    public func resolved(alpha: Double?, size: Int) throws -> CatalogueEntry {
        guard !alphas.isEmpty, let buildWithAlpha, let alphaWeights else {
            if let alpha { throw AlphaError.notTaken(model: name, alpha: alpha) }
            return self
        }
        let a = alpha ?? 1.0
        guard alphas.contains(a) else { throw AlphaError.notOffered(model: name, alpha: a, allowed: alphas) }
        let rows = weightRows.contains(size) ? size : 224
        let files = alphaWeights(a, rows)
        var entry = CatalogueEntry(
            name: name, kerasName: kerasName, preprocessing: preprocessing, minimumInputSize: minimumInputSize,
            topInputSize: topInputSize, weightsTop: files.top, weightsNoTop: files.noTop,
            build: { try buildWithAlpha($0, $1, $2, a) }, alphas: alphas, weightRows: weightRows,
            buildWithAlpha: buildWithAlpha, alphaWeights: alphaWeights)
        entry.alpha = a
        if rows != size {
            entry.weightsNotice = "\(name): no weights for \(size)x\(size) inputs (only \(weightRows.map(String.init).joined(separator: ", "))); "
                + "the 224x224 weights are loaded, as keras.applications does"
        }
        return entry
    }

    /// The name with the alpha when resolved at one (`mobilenet_0.5`): what tells apart cached
    /// features of different widths.
    public var variantName: String { alpha.map { "\(name)_\($0)" } ?? name }

    /// Every official file of an entry with alphas: (alpha, rows, top, no top).
    public var alphaWeightFiles: [(alpha: Double, rows: Int, top: WeightFile, noTop: WeightFile)] {
        guard let alphaWeights else { return [] }
        return alphas.flatMap { a in weightRows.map { r in let f = alphaWeights(a, r); return (a, r, f.top, f.noTop) } }
    }
}

public enum AlphaError: Error, CustomStringConvertible {
    case notTaken(model: String, alpha: Double)
    case notOffered(model: String, alpha: Double, allowed: [Double])

    public var description: String {
        switch self {
        case let .notTaken(model, alpha):
            return "\(model) takes no alpha (got \(alpha)); only mobilenet and mobilenetv2 do"
        case let .notOffered(model, alpha, allowed):
            return "\(model): alpha \(alpha) has no official weights; it must be one of \(allowed.map { "\($0)" }.joined(separator: ", "))"
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
