import Foundation
import ZooHDF5
import ZooLayers
import ZooTensor

/// Runs a frozen backbone over digits batch by batch and streams the flattened outputs into
/// `/features` [N, D] of an HDF5 file, with `/labels` [N] and `attributes` on the root.
/// Only one batch of images and features is in memory at a time, whatever N and the input size.
/// The file appears at `path` only when complete (temporary file + rename).
public func extractFeatures(
    model: Model, digits: Digits, preprocessor: Preprocessor, batchSize: Int, to path: String,
    attributes: [(String, H5AttributeValue)], progress: (Int) -> Void
) throws {
    let dimension = model.outputShape.reduce(1, *)
    try writeHDF5Atomically(path) { file in
        let features = try file.root.createFloatDataset("features", shape: [digits.count, dimension])
        for start in stride(from: 0, to: digits.count, by: batchSize) {
            let rows = start..<min(start + batchSize, digits.count)
            let y = try model.predict(preprocessor(digits, rows))
            try features.writeFloats(rows: rows, y.data)
            progress(rows.count)
        }
        _ = try file.root.createDataset("labels", shape: [digits.count], int64s: digits.labels.map(Int64.init))
        for (name, value) in attributes { try file.root.setAttribute(name, value) }
    }
}

/// Features read back from a file written by `extractFeatures`.
public struct FeatureSet: Sendable {
    public let features: Tensor
    public let labels: [Int]

    public init(contentsOf path: String) throws {
        let file = try H5File.open(path)
        let f = try file.root.dataset("features")
        let l = try file.root.dataset("labels")
        guard f.shape.count == 2, l.shape == [f.shape[0]] else {
            throw DataError.malformed(file: path, reason: "/features \(f.shape) and /labels \(l.shape) do not match")
        }
        features = Tensor(shape: f.shape, data: try f.readFloats())
        labels = try l.readInt64s().map { Int($0) }
    }
}
