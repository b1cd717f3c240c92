import ArgumentParser
import Foundation
import ZooData
import ZooKeras
import ZooLayers
import ZooModels
import ZooTensor
import ZooTraining

struct Finetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a new classifier head on a frozen catalogue backbone (VGG, ResNet), evaluate it, and export the whole model for Keras.",
        discussion: """
            Backbone features of both splits come from the feature cache (computed on first use), so \
            trying another head or optimizer never runs the backbone again. The output is a Keras \
            full-model .h5 that takes raw 28x28x1 digits (0-255) and contains its own preprocessing; \
            tf-keras and Keras 3 load it with load_model, and its history is written as CSV beside it.
            """)

    @Option(help: "The backbone, a catalogue model: vgg16, vgg19, resnet50, resnet101, resnet152, resnet50v2, resnet101v2, resnet152v2 (`zoo catalogue`).")
    var model: String

    @OptionGroup var source: FeatureSourceOptions
    @OptionGroup var training: TrainingFlags

    @Option(help: "Units of the hidden Dense (ReLU) layer of the head; 0 for a single softmax layer.")
    var hidden: Int = 256

    @Option(help: "Dropout rate before the softmax layer.")
    var dropout: Float = 0.5

    @Option(help: "After training the head, train the top N weighted layers of the backbone together with it (Keras's second fine-tuning stage). BatchNormalization stays in inference mode, as Keras recommends for fine-tuning; features below the unfrozen part come from the cache.")
    var unfreeze: Int = 0

    @Option(help: "Learning rate of the unfreeze stage, for the unfrozen layers and the head.")
    var backboneLr: Float = 1e-5

    @Option(help: "Epochs of the unfreeze stage (default: --epochs).")
    var unfreezeEpochs: Int?

    @Option(help: "The fine-tuned model (Keras full-model HDF5), written atomically.")
    var output: String = "finetuned.h5"

    @Flag(help: "Print the result (test accuracy, loss, per-class accuracy, confusion matrix, history) as JSON.")
    var json = false

    struct Result: Encodable {
        let model: String
        let output: String
        let history: [EpochRecord]
        let test: Evaluation
        let featureSeconds: Double
        let cacheHits: Int
    }

    func validate() throws {
        guard hidden >= 0, (0..<1).contains(dropout) else { throw ValidationError("--hidden must be >= 0 and --dropout in [0, 1)") }
    }

    func run() throws {
        try checkWritable(output)
        let seed = training.seed
        let start = Date()
        var hits = 0
        func features(_ split: Split) throws -> FeatureSet {
            let (path, hit, _) = try source.features(model: model, split: split, seed: seed)
            if hit { hits += 1 }
            printNotice("\(split.rawValue) features \(hit ? "from the cache" : "computed"): \(path)")
            defer { if source.noCache { unlink(path) } }
            return try FeatureSet(contentsOf: path)
        }
        let train = try features(.train), test = try features(.test)
        let featureSeconds = Date().timeIntervalSince(start)

        let head = try classifierHead(features: train.features.shape[1], hidden: hidden, dropout: dropout)
        head.initializeKerasDefaults(seed: seed &+ 0x4EAD)
        let backbone = try source.backbone(model: model, seed: seed)
        for layer in backbone.layers { layer.trainable = false }  // frozen, as Keras users freeze it
        // Built before training (sharing the head's layers) so TensorBoard draws the model the run exports.
        let full = try digitClassifier(name: "zoo_\(model)_classifier", backbone: backbone, head: head,
                                       preprocessing: try catalogueEntry(model).preprocessing)
        let trainer = try Trainer(model: head, optimizer: training.makeOptimizer(), options: training.options(defaultBatchSize: 64))
        let run = "finetune model=\(model) size=\(source.size) pooling=\(source.pooling.rawValue) hidden=\(hidden) dropout=\(dropout) \(training.runDescription)"
        var history = try training.fit(trainer, x: train.features, y: train.labels, run: run, json: json, graph: full.graph)
        var evaluation = trainer.evaluate(x: test.features, y: test.labels)

        if unfreeze > 0 {
            let frozenAccuracy = evaluation.accuracy
            let upper = try backbone.split(belowTopWeighted: unfreeze).upper
            for layer in upper.layers.dropFirst() { layer.trainable = true }
            func cutFeatures(_ split: Split) throws -> Tensor {
                let (path, _, _) = try source.features(model: model, split: split, seed: seed, belowTopWeighted: unfreeze)
                defer { if source.noCache { unlink(path) } }
                let f = try FeatureSet(contentsOf: path).features
                return f.reshaped([f.shape[0]] + upper.inputShape)
            }
            let (xTrain, xTest) = (try cutFeatures(.train), try cutFeatures(.test))
            let stage = try Model.chain(name: "finetune_unfrozen", [upper, head])
            var flags = training
            flags.epochs = unfreezeEpochs ?? training.epochs
            flags.checkpointDir = training.checkpointDir.map { $0 + "/unfreeze" }
            flags.resume = training.resume && flags.checkpointDir.map { FileManager.default.fileExists(atPath: $0 + "/" + Checkpoint.fileName) } == true
            let optimizer = flags.makeOptimizer()
            optimizer.learningRate = backboneLr
            let unfrozenNames = upper.weightedLayers.map(\.name).joined(separator: ", ")
            let note = "unfreezing \(upper.weightedLayers.count) layers (\(unfrozenNames)) at learning rate \(backboneLr)"
            if json { printNotice(note) } else { print(note) }
            let second = try Trainer(model: stage, optimizer: optimizer, options: flags.options(defaultBatchSize: 64))
            let offset = history.count
            history += try flags.fit(second, x: xTrain, y: train.labels, run: run + " unfreeze=\(unfreeze) backbone_lr=\(backboneLr)", json: json,
                                    graph: full.graph)
                .map { var r = $0; r.epoch += offset; return r }
            evaluation = second.evaluate(x: xTest, y: test.labels)
            let line = String(format: "frozen-backbone test accuracy: %.4f; after unfreezing: %.4f", frozenAccuracy, evaluation.accuracy)
            if json { printNotice(line) } else { print(line) }
        }
        try finishTraining(full, history: history, test: evaluation, output: output, json: json)
        if json {
            try printJSON(Result(model: model, output: output, history: history, test: evaluation,
                                 featureSeconds: featureSeconds, cacheHits: hits))
        }
    }
}
