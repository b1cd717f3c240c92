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
    let model = try modelFromConfig(config, file: path, kerasVersion: file.kerasVersion)
    model.replan(policy: configuration.convPolicy)
    try loadFullModelWeights(into: model, from: file).check()
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

/// An evaluation with its classes named: what `zoo evaluate --json` and the training reports
/// print. The keys of `Evaluation` are kept, `classNames` and `perClass` added.
public struct NamedEvaluation: Encodable {
    public let loss: Double
    public let accuracy: Double
    public let count: Int
    public let perClassAccuracy: [Double]
    public let confusion: [[Int]]
    public let classNames: [String]
    /// Per class, by name: accuracy and how many examples the class has.
    public let perClass: [PerClass]

    public struct PerClass: Encodable {
        public let name: String
        public let accuracy: Double
        public let count: Int
    }

    public init(_ e: Evaluation, classNames: [String]) {
        let names = namesForClasses(classNames, count: e.confusion.count)
        (loss, accuracy, count, perClassAccuracy, confusion) = (e.loss, e.accuracy, e.count, e.perClassAccuracy, e.confusion)
        self.classNames = names
        perClass = names.enumerated().map { c, name in
            PerClass(name: name, accuracy: e.perClassAccuracy[c], count: e.confusion[c].reduce(0, +))
        }
    }

    /// Per-class accuracy and the confusion matrix as text, rows and columns by class name.
    public func table() -> String {
        let width = max(5, classNames.map(\.count).max() ?? 0)
        func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        var lines = [pad("class") + "  accuracy  count"]
        for c in perClass { lines.append(pad(c.name) + String(format: "  %8.4f  %5d", c.accuracy, c.count)) }
        lines.append("")
        lines.append("confusion matrix (rows: true class, columns: predicted)")
        // Digit names keep the numeric table's 5-wide columns; longer names get one space more.
        let cell = max(5, (classNames.map(\.count).max() ?? 0) + 1)
        func cellPad(_ s: String) -> String { String(repeating: " ", count: max(0, cell - s.count)) + s }
        lines.append(pad("") + " " + classNames.map(cellPad).joined())
        for (c, row) in confusion.enumerated() {
            lines.append(pad(classNames[c]) + " " + row.map { cellPad(String($0)) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}

/// `names` when there is one per class, otherwise the class indices as names (a model whose file
/// has no class names, or names that do not fit its output).
public func namesForClasses(_ names: [String]?, count: Int) -> [String] {
    if let names, names.count == count { return names }
    return (0..<count).map(String.init)
}

/// One input's most probable classes, best first.
public struct TopClasses: Encodable {
    public let index: Int
    public let label: Int?
    public let top: [Scored]

    public struct Scored: Encodable {
        public let className: String
        public let classIndex: Int
        public let probability: Float
    }
}

/// The `k` most probable classes of each row of `probabilities` [N, classes], named by
/// `classNames` (ties keep the lower class index first, as a stable sort does).
public func topClasses(_ probabilities: Tensor, k: Int, classNames: [String], labels: [Int]? = nil) -> [TopClasses] {
    let classes = probabilities.shape[1]
    let names = namesForClasses(classNames, count: classes)
    return (0..<probabilities.shape[0]).map { r in
        let row = Array(probabilities.data[(r * classes)..<((r + 1) * classes)])
        let order = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
        return TopClasses(index: r, label: labels?[r], top: order.prefix(max(1, k)).map {
            TopClasses.Scored(className: names[$0], classIndex: $0, probability: row[$0])
        })
    }
}
