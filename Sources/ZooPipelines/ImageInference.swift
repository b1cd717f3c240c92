import Foundation
import ZooData
import ZooHDF5
import ZooLayers
import ZooTensor
import ZooTraining

/// Class probabilities of `files` under a Keras full model taking images of its input shape
/// [height, width, channels] (channels 1, 3 or 4 as Keras's color_mode grayscale, rgb, rgba).
/// Images stream through in batches; files that do not decode are skipped with `warn` (strict:
/// thrown). `kept` are the indices of the files that have a row.
public func predictImages(
    _ model: Model, files: [String], settings: ImageDataSettings, batchSize: Int = 64, warn: (String) -> Void = { _ in }
) throws -> (probabilities: Tensor, kept: [Int]) {
    let shape = model.inputShape
    guard shape.count == 3, let mode = ColorMode(channels: shape[2]) else {
        throw PipelineError.notADigitModel(file: model.name, inputShape: shape, digitHeight: 0, digitWidth: 0)
    }
    let loading = settings.loading(height: shape[0], width: shape[1], colorMode: mode)
    let fused = try model.fusedForInference()
    var out: [Float] = [], kept: [Int] = [], skipped = 0
    for start in stride(from: 0, to: files.count, by: max(batchSize, 1)) {
        let range = start..<min(start + max(batchSize, 1), files.count)
        let batch = try loading.load(Array(files[range]))
        for (file, reason) in batch.failures { warn("skipping \(file): \(reason)") }
        skipped += batch.failures.count
        if !batch.kept.isEmpty { out += Trainer.predict(fused, x: batch.pixels, batchSize: batchSize).data }
        kept += batch.kept.map { start + $0 }
    }
    if skipped > 0 { warn("skipped \(skipped) of \(files.count) files that could not be decoded") }
    guard !kept.isEmpty else { throw DataError.malformed(file: files.first ?? "", reason: "none of the \(files.count) images could be decoded") }
    return (Tensor(shape: [kept.count] + model.outputShape, data: out), kept)
}

/// Accuracy, loss, per-class accuracy and confusion matrix of a classifier on `split` of an image
/// folder (carved or given as `settings` say), streamed as `predictImages` does.
public func evaluateImages(
    _ model: Model, data: String, split: Split = .test, limit: Int? = nil, settings: ImageDataSettings, batchSize: Int = 64,
    warn: (String) -> Void = { _ in }
) throws -> Evaluation {
    let folder = try settings.folder(data, split: split).prefix(limit)
    let (p, kept) = try predictImages(model, files: folder.files, settings: settings, batchSize: batchSize, warn: warn)
    let classes = p.shape[1]
    guard folder.classNames.count <= classes else {
        throw DataError.mismatch("\(data) has \(folder.classNames.count) classes but the model predicts \(classes)")
    }
    let y = kept.map { folder.labels[$0] }
    var loss = 0.0
    for (r, label) in y.enumerated() {
        loss -= log(Double(min(max(p.data[r * classes + label], 1e-7), 1 - 1e-7)))
    }
    return Evaluation(loss: y.isEmpty ? 0 : loss / Double(y.count), predictions: argmax(p), labels: y, classes: classes)
}

/// Writes `/probabilities` [N, classes] and `/predictions` [N] of image files to HDF5, atomically,
/// with the file names as `/files` (their UTF-8 bytes, one name a line: HDF5 attributes cannot
/// hold the names of many thousands of files).
public func writeImagePredictions(_ probabilities: Tensor, files: [String], to path: String) throws {
    try writeHDF5Atomically(path) { f in
        _ = try f.root.createDataset("probabilities", shape: probabilities.shape, floats: probabilities.data)
        _ = try f.root.createDataset("predictions", shape: [files.count], int64s: argmax(probabilities).map(Int64.init))
        let names = Array(files.joined(separator: "\n").utf8)
        _ = try f.root.createDataset("files", shape: [names.count], uint8s: names)
    }
}

/// All images of `split` of an image folder decoded and resized to `height` x `width` in
/// `colorMode` as one tensor [N, height, width, channels] of raw 0-255 pixels, with their labels
/// and the class names: what training from scratch holds in memory, as Keras's fit does with
/// arrays. Files that do not decode are skipped with `warn` (strict: thrown).
public func loadImageSplit(
    _ data: String, split: Split, limit: Int? = nil, settings: ImageDataSettings, height: Int, width: Int,
    colorMode: ColorMode, warn: (String) -> Void = { _ in }
) throws -> (x: Tensor, labels: [Int], classNames: [String]) {
    let folder = try settings.folder(data, split: split).prefix(limit)
    let loading = settings.loading(height: height, width: width, colorMode: colorMode)
    var pixels: [Float] = [], labels: [Int] = [], skipped = 0
    for start in stride(from: 0, to: folder.files.count, by: 256) {
        let range = start..<min(start + 256, folder.files.count)
        let batch = try loading.load(Array(folder.files[range]))
        for (file, reason) in batch.failures { warn("skipping \(file): \(reason)") }
        skipped += batch.failures.count
        pixels += batch.pixels.data
        labels += batch.kept.map { folder.labels[start + $0] }
    }
    if skipped > 0 { warn("\(split.rawValue): skipped \(skipped) of \(folder.files.count) files that could not be decoded") }
    guard !labels.isEmpty else { throw DataError.malformed(file: data, reason: "none of the \(folder.files.count) images could be decoded") }
    return (Tensor(shape: [labels.count, height, width, colorMode.channels], data: pixels), labels, folder.classNames)
}
