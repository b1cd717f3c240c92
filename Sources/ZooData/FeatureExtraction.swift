import Foundation
import ZooHDF5
import ZooLayers
import ZooModels
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

/// What `extractImageFeatures` did.
public struct ImageExtraction: Sendable {
    /// Images the backbone ran on, and images whose features came from the per-image store.
    public var computed = 0, reused = 0
    /// Files that did not decode (left out of the features).
    public var skipped: [(file: String, reason: String)] = []
}

/// Runs a frozen backbone over the images of `folder` and writes `/features` [N, D] and
/// `/labels` [N] as `extractFeatures` does. Images stream through in batches (decoded and resized
/// in parallel, preprocessed, run), so memory holds one batch whatever the number of images; each
/// image's features go to `store` by content hash, and images already there are not run again.
/// Files that do not decode are skipped with `warn` (or thrown, with `loading.strict`).
public func extractImageFeatures(
    model: Model, folder: ImageFolder, hashes: [String], loading: ImageLoading, mode: PreprocessingMode,
    batchSize: Int, store: ImageFeatureStore, to path: String, attributes: [(String, H5AttributeValue)],
    warn: (String) -> Void, progress: (Int) -> Void
) throws -> ImageExtraction {
    var result = ImageExtraction()
    var failed = Set<Int>()
    let chunk = max(batchSize, 1)
    // Rows per forward pass, so that the largest activation of a pass stays near 64 MiB whatever
    // the input size (VGG16 at 224 px has 12 MiB per image in its first block, and a few such
    // maps are alive at once).
    let largest = model.nodes.map { $0.outputShape.reduce(1, *) }.max() ?? 1
    let rows = max(1, min(chunk, (16 << 20) / max(largest, 1)))
    for start in stride(from: 0, to: folder.files.count, by: chunk) {
        let range = start..<min(start + chunk, folder.files.count)
        var seen = Set<String>()
        let missing = range.filter { i in !store.contains(hashes[i]) && seen.insert(hashes[i]).inserted }
        result.reused += range.count - missing.count
        if !missing.isEmpty {
            let batch = try loading.load(missing.map { folder.files[$0] })
            for (file, reason) in batch.failures { warn("skipping \(file): \(reason)"); result.skipped.append((file, reason)) }
            failed.formUnion(missing.indices.filter { !batch.kept.contains($0) }.map { missing[$0] })
            if !batch.kept.isEmpty {
                let x = mode.preprocessInput(batch.pixels)
                let d = store.dimension
                for slice in stride(from: 0, to: batch.kept.count, by: rows) {
                    let part = slice..<min(slice + rows, batch.kept.count)
                    let y = try model.predict(x.rows(part))
                    for (row, k) in part.enumerated() {
                        try store.store(hashes[missing[batch.kept[k]]], y.data[(row * d)..<((row + 1) * d)])
                    }
                }
                result.computed += batch.kept.count
            }
        }
        progress(range.count)
    }
    // A duplicate of a file that failed failed too.
    let badHashes = Set(failed.map { hashes[$0] })
    let good = folder.files.indices.filter { !badHashes.contains(hashes[$0]) }
    guard !good.isEmpty else { throw DataError.malformed(file: folder.directory, reason: "none of the \(folder.files.count) images could be decoded") }
    try writeHDF5Atomically(path) { file in
        let features = try file.root.createFloatDataset("features", shape: [good.count, store.dimension])
        for start in stride(from: 0, to: good.count, by: 1024) {
            let rows = start..<min(start + 1024, good.count)
            var values = [Float](); values.reserveCapacity(rows.count * store.dimension)
            for r in rows {
                guard let row = store.row(hashes[good[r]]) else {
                    throw DataError.cannotRead(file: store.path(hashes[good[r]]), reason: "feature cache entry vanished while writing \(path)")
                }
                values += row
            }
            try features.writeFloats(rows: rows, values)
        }
        _ = try file.root.createDataset("labels", shape: [good.count], int64s: good.map { Int64(folder.labels[$0]) })
        for (name, value) in attributes { try file.root.setAttribute(name, value) }
    }
    return result
}
