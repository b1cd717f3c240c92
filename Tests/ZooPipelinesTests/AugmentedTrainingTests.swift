import Foundation
import XCTest
import ZooData
import ZooKeras
import ZooLayers
import ZooTensor
import ZooTestSupport
import ZooTraining
@testable import ZooPipelines

/// `--augment` in the training pipelines, and the class names they report.
final class AugmentedTrainingTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws { dir = try weightTestTempDir("augmented") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private var configuration: ZooConfiguration {
        ZooConfiguration(kerasHome: dir + "/keras", featureCacheDirectory: dir + "/features", temporaryDirectory: dir)
    }

    func testParsingTheAugmentList() throws {
        let a = try Augmentation(parsing: "flip,rotation=0.1,zoom=0.2,translation=0.1,contrast=0.3")
        XCTAssertEqual(a.steps, [.flip(.horizontalAndVertical), .rotation(0.1), .zoom(0.2), .translation(0.1), .contrast(0.3)])
        XCTAssertEqual(a.description, "flip=horizontal_and_vertical,rotation=0.1,zoom=0.2,translation=0.1,contrast=0.3")
        XCTAssertEqual(try Augmentation(parsing: a.description), a)
        XCTAssertEqual(try Augmentation(parsing: "flip=horizontal").steps, [.flip(.horizontal)])
        XCTAssertEqual(a.layers().map(\.className), ["RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast"])
        for (bad, message) in [
            ("blur=0.1", "--augment: unknown augmentation 'blur=0.1' (use flip, rotation=F, zoom=F, translation=F, contrast=F)"),
            ("zoom=1", "--augment: zoom takes a factor in (0, 1), e.g. zoom=0.1"),
            ("rotation", "--augment: rotation takes a factor in (0, 1], e.g. rotation=0.1"),
            ("contrast=-0.1", "--augment: contrast takes a factor in (0, 1], e.g. contrast=0.1"),
            ("flip=diagonal", "--augment: flip takes horizontal, vertical or horizontal_and_vertical, not diagonal"),
            ("flip,flip", "--augment: each augmentation may be given once: flip,flip"),
            ("", "--augment: unknown augmentation '' (use flip, rotation=F, zoom=F, translation=F, contrast=F)"),
        ] {
            XCTAssertThrowsError(try Augmentation(parsing: bad), bad) { XCTAssertEqual("\($0)", message) }
        }
    }

    /// Seeded: the same run twice gives the same history and weights; augmentation changes what
    /// the model learns; the result (what is exported) has no augmentation layers.
    func testScratchTrainingWithAugmentationIsSeededAndExportsThePlainModel() throws {
        func run(_ augment: String?, seed: UInt64 = 0) throws -> ScratchTraining.Result {
            var scratch = ScratchTraining("mlp", limit: 200)
            scratch.training.epochs = 2
            scratch.training.seed = seed
            scratch.augmentation = try augment.map(Augmentation.init(parsing:))
            return try scratch.run(configuration: configuration)
        }
        let augment = "flip=horizontal,rotation=0.1,zoom=0.1,translation=0.1,contrast=0.1"
        let (a, b, plain, other) = (try run(augment), try run(augment), try run(nil), try run(augment, seed: 1))
        XCTAssertEqual(a.history.map(\.loss), b.history.map(\.loss))
        XCTAssertEqual(a.model.weightedLayers.map { $0.weights[0].value.data }, b.model.weightedLayers.map { $0.weights[0].value.data })
        XCTAssertNotEqual(a.history.map(\.loss), plain.history.map(\.loss))
        XCTAssertNotEqual(a.history.map(\.loss), other.history.map(\.loss))
        XCTAssertEqual(a.model.layers.map(\.className), plain.model.layers.map(\.className))
        XCTAssertFalse(a.model.layers.contains { $0 is BaseImagePreprocessingLayer })
        XCTAssertEqual(a.classNames, (0..<10).map(String.init))
    }

    /// The augmentation layers' random streams are checkpointed: one epoch, then a resumed second,
    /// gives the uninterrupted run's history and weights.
    func testResumedAugmentedTrainingMatchesTheUninterruptedRun() throws {
        func run(epochs: Int, checkpoint: String?, resume: Bool) throws -> ScratchTraining.Result {
            var scratch = ScratchTraining("mlp", limit: 200)
            scratch.training.epochs = epochs
            scratch.training.checkpointDirectory = checkpoint
            scratch.training.resume = resume
            scratch.augmentation = try Augmentation(parsing: "flip,rotation=0.2,zoom=0.1,translation=0.1,contrast=0.2")
            return try scratch.run(configuration: configuration)
        }
        let whole = try run(epochs: 3, checkpoint: nil, resume: false)
        _ = try run(epochs: 1, checkpoint: dir + "/ckpt", resume: false)
        let resumed = try run(epochs: 3, checkpoint: dir + "/ckpt", resume: true)
        XCTAssertEqual(resumed.history.map(\.loss), whole.history.map(\.loss))
        XCTAssertEqual(resumed.model.weightedLayers.map { $0.weights[0].value.data }, whole.model.weightedLayers.map { $0.weights[0].value.data })
    }

    /// With augmentation the backbone runs on augmented digits every epoch, so nothing is cached;
    /// both stages train, and the exported classifier evaluates as the run reported.
    func testFineTuningWithAugmentationRunsTheBackboneAndSkipsTheCache() throws {
        var finetuning = FineTuning(Backbone("vgg16", weights: .untrained(seed: 0), size: 32), limit: 8)
        finetuning.hidden = 16
        finetuning.training.epochs = 1
        finetuning.unfreeze = 1
        finetuning.backboneLearningRate = 1e-4
        finetuning.augmentation = try Augmentation(parsing: "flip,rotation=0.1")
        let recorder = Recorder()
        let result = try finetuning.run(configuration: configuration, monitor: recorder.monitor)
        XCTAssertEqual(result.history.map(\.epoch), [1, 2])
        XCTAssertEqual(result.cacheHits, 0)
        XCTAssertEqual(result.classNames, (0..<10).map(String.init))
        let lines = recorder.lines
        XCTAssertTrue(lines.contains("report: augmenting (flip=horizontal_and_vertical,rotation=0.1): the backbone runs on every epoch's 8 augmented digits"), "\(lines)")
        XCTAssertTrue(lines.contains("report: unfreezing 1 layers (block5_conv3) at learning rate 0.0001"), "\(lines)")
        XCTAssertFalse(lines.contains { $0.contains("features computed") }, "\(lines)")
        let cached = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/features")) ?? []
        XCTAssertTrue(cached.filter { $0.hasSuffix(".h5") }.isEmpty, "\(cached)")
        XCTAssertEqual(result.model.layers.prefix(3).map(\.name), ["input_digits", "resize", "caffe_preprocess"])

        let output = dir + "/model.keras"
        try export(result.model, history: result.history, classNames: result.classNames, to: output)
        let model = try loadKerasModel(output, configuration: configuration)
        let evaluation = try evaluate(model, on: try loadDigits(for: model, file: output, limit: 8))
        XCTAssertEqual(evaluation.confusion, result.test.confusion)
        XCTAssertEqual(evaluation.loss, result.test.loss, accuracy: 1e-4)
        XCTAssertEqual(try exportedClassNames(output), result.classNames)
        XCTAssertEqual(historyPath(output), dir + "/model.history.csv")
    }

    /// A Keras 3 model built as the transfer-learning guide builds one (augmentation layers in
    /// front) loads, and predicts as Keras does at inference, where the augmentation is the identity.
    func testKerasModelWithAugmentationLayersLoadsAndPredictsAsKeras() throws {
        let model = try loadKerasModel(fixturePath("augment/augmented_model.keras"), configuration: configuration)
        XCTAssertEqual(model.layers.dropFirst().prefix(5).map(\.className),
                       ["RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast"])
        let x = try fixtureTensor("augment/augment.h5", dataset: "model/x")
        let keras = try fixtureTensor("augment/augment.h5", dataset: "model/y")
        let ours = try model.fusedForInference()(x)
        XCTAssertEqual(ours.shape, keras.shape)
        XCTAssertLessThanOrEqual(zip(ours.data, keras.data).map { abs($0 - $1) }.max()!, 1e-6)
    }

    func testTablesAndTopClassesByName() {
        let e = Evaluation(loss: 0.5, predictions: [0, 1, 1, 2], labels: [0, 1, 2, 2], classes: 3)
        let named = NamedEvaluation(e, classNames: ["cat", "dog", "bird"])
        XCTAssertEqual(named.perClass.map(\.name), ["cat", "dog", "bird"])
        XCTAssertEqual(named.perClass.map(\.accuracy), [1, 1, 0.5])
        XCTAssertEqual(named.table(), """
            class  accuracy  count
              cat    1.0000      1
              dog    1.0000      1
             bird    0.5000      2

            confusion matrix (rows: true class, columns: predicted)
                    cat  dog bird
              cat     1    0    0
              dog     0    1    0
             bird     0    1    1
            """)
        // Digit names print as the numeric table always has.
        XCTAssertEqual(NamedEvaluation(e, classNames: ["0", "1", "2"]).table(), e.table())
        XCTAssertEqual(namesForClasses(nil, count: 2), ["0", "1"])
        XCTAssertEqual(namesForClasses(["a"], count: 2), ["0", "1"], "names that do not fit the output are not used")

        let p = Tensor(shape: [2, 3], data: [0.1, 0.7, 0.2, 0.4, 0.2, 0.4])
        let top = topClasses(p, k: 2, classNames: ["cat", "dog", "bird"], labels: [1, 2])
        XCTAssertEqual(top.map { $0.top.map(\.className) }, [["dog", "bird"], ["cat", "bird"]])
        XCTAssertEqual(top[0].top.map(\.probability), [0.7, 0.2])
        XCTAssertEqual(top.map(\.label), [1, 2])
        XCTAssertEqual(topClasses(p, k: 9, classNames: [], labels: nil)[0].top.count, 3)
    }
}
