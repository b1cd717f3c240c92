import ZooData
import ZooHDF5
import ZooKeras
import ZooLayers
import ZooTensor
import ZooTraining

/// A Keras full model from a file (ours, from `export`, or Keras's own of supported layers):
/// the network is built from the file's own config and its weights loaded, every one checked.
public func loadKerasModel(_ path: String, configuration: ZooConfiguration) throws -> Model {
    let file = try configuration.openKerasFile(path)
    guard let config = file.modelConfig else { throw PipelineError.noModelConfig(file: path) }
    let model = try modelFromConfig(config, file: path)
    model.replan(policy: configuration.convPolicy)
    try loadWeights(into: model, from: file).check()
    return model
}

/// The digits of `split` (the first `limit`) for `model`, which must take raw digits of their
/// size; `file` names the model in the error when it does not.
public func loadDigits(for model: Model, file: String, data: String? = nil, split: Split = .test, limit: Int? = nil) throws -> Digits {
    let digits = try MNIST.load(data, split: split).prefix(limit)
    guard model.inputShape == [digits.height, digits.width, 1] else {
        throw PipelineError.notADigitModel(file: file, inputShape: model.inputShape, digitHeight: digits.height,
                                           digitWidth: digits.width)
    }
    return digits
}

/// Accuracy, loss, per-class accuracy and confusion matrix of a digit classifier.
public func evaluate(_ model: Model, on digits: Digits, batchSize: Int = 64) throws -> Evaluation {
    Trainer.evaluate(try model.fusedForInference(), x: digits.tensor(0..<digits.count), y: digits.labels.map(Int.init),
                     batchSize: batchSize)
}

/// Class probabilities [N, classes] of a digit classifier.
public func predict(_ model: Model, on digits: Digits, batchSize: Int = 64) throws -> Tensor {
    Trainer.predict(try model.fusedForInference(), x: digits.tensor(0..<digits.count), batchSize: batchSize)
}

/// Writes `/probabilities` [N, classes], `/predictions` [N] and `/labels` [N] to HDF5, atomically.
public func writePredictions(_ probabilities: Tensor, of digits: Digits, to path: String) throws {
    try writeHDF5Atomically(path) { f in
        _ = try f.root.createDataset("probabilities", shape: probabilities.shape, floats: probabilities.data)
        _ = try f.root.createDataset("predictions", shape: [digits.count], int64s: argmax(probabilities).map(Int64.init))
        _ = try f.root.createDataset("labels", shape: [digits.count], int64s: digits.labels.map(Int64.init))
    }
}
