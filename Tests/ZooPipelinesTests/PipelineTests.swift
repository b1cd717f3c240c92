import Foundation
import XCTest
import ZooData
import ZooTestSupport
import ZooTraining
@testable import ZooPipelines

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Collects what a pipeline reports, from any thread.
final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var _lines: [String] = []
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return _lines }
    func add(_ line: String) { lock.lock(); _lines.append(line); lock.unlock() }

    var monitor: PipelineMonitor {
        PipelineMonitor(notice: { self.add("notice: " + $0) }, report: { self.add("report: " + $0) },
                        epoch: { record, epochs in self.add(record.logLine(epochs: epochs)) })
    }
}

final class PipelineTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws { dir = try weightTestTempDir("pipelines") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Everything goes where the configuration says, whatever the environment says.
    private var configuration: ZooConfiguration {
        ZooConfiguration(kerasHome: dir + "/keras", featureCacheDirectory: dir + "/features", temporaryDirectory: dir)
    }

    /// The README's "Use it as a library" program is Sources/Examples/FinetuneExample/main.swift,
    /// character for character (tools/test.sh builds and runs that file).
    func testREADMEQuotesTheExampleProgram() throws {
        let readme = try String(contentsOf: repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let program = try String(contentsOf: repoRoot.appendingPathComponent("Sources/Examples/FinetuneExample/main.swift"),
                                 encoding: .utf8)
        guard let section = readme.range(of: "## Use it as a library") else { return XCTFail("README has no \"Use it as a library\" section") }
        let rest = readme[section.upperBound...]
        guard let open = rest.range(of: "```swift\n"), let close = rest[open.upperBound...].range(of: "```\n") else {
            return XCTFail("the section has no swift block")
        }
        XCTAssertEqual(String(rest[open.upperBound..<close.lowerBound]), program)
        XCTAssertLessThanOrEqual(program.split(separator: "\n").filter { !$0.hasPrefix("//") && !$0.hasPrefix("import") }.count, 10)
    }

    /// The two stages of `zoo finetune --unfreeze` as library calls: features are computed once
    /// into the configuration's cache (the backbone's output, and the input of the unfrozen
    /// layers), and the exported model, read back, gives the test results the run reported.
    /// (A debug build runs VGG16 at about a second per image, hence the 10 digits.)
    func testFineTuningCachesFeaturesAndExportsWhatItEvaluated() throws {
        var finetuning = FineTuning(Backbone("vgg16", weights: .untrained(seed: 0), size: 32), limit: 10)
        finetuning.hidden = 16
        finetuning.training.epochs = 1
        finetuning.unfreeze = 1
        finetuning.backboneLearningRate = 1e-4
        let recorder = Recorder()
        let result = try finetuning.run(configuration: configuration, monitor: recorder.monitor)
        XCTAssertEqual(result.history.map(\.epoch), [1, 2])
        XCTAssertEqual(result.history.map(\.learningRate), [0.001, 1e-4])
        XCTAssertEqual(result.cacheHits, 0)
        XCTAssertEqual(result.test.count, 10)
        XCTAssertEqual(result.frozenTest.count, 10)
        let lines = recorder.lines
        XCTAssertTrue(lines.contains("notice: vgg16 is not pretrained: Keras default initialisation, seed 0"), "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("notice: train features computed: \(dir)/features/vgg16-") }, "\(lines)")
        XCTAssertTrue(lines.contains("report: unfreezing 1 layers (block5_conv3) at learning rate 0.0001"), "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("Epoch 1/1 - ") && $0.contains(" - val_accuracy: ") }, "\(lines)")
        XCTAssertEqual(result.model.inputShape, [28, 28, 1])

        // Both splits' features and the unfrozen layers' inputs are in the cache now.
        for split in [Split.train, .test] {
            let features = try finetuning.features.extract(split, configuration: configuration)
            XCTAssertTrue(features.cacheHit, "\(split)")
            XCTAssertTrue(features.path.hasPrefix(dir + "/features/vgg16-"), features.path)
            let set = try FeatureSet(contentsOf: features.path)
            XCTAssertEqual(set.features.shape, [10, 512])
            XCTAssertEqual(set.labels, try MNIST.load(nil, split: split).prefix(10).labels.map(Int.init))
            let cut = try finetuning.features.extract(split, belowTopWeighted: 1, configuration: configuration)
            XCTAssertTrue(cut.cacheHit, "\(split)")
            XCTAssertEqual(try FeatureSet(contentsOf: cut.path).features.shape, [10, 2 * 2 * 512])  // block5_conv3's input
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/features").filter { $0.hasSuffix(".h5") }.count, 4)

        let output = dir + "/model.h5"
        try export(result.model, history: result.history, to: output)
        let csv = try String(contentsOfFile: historyPath(output), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 3)
        let model = try loadKerasModel(output, configuration: configuration)
        let digits = try loadDigits(for: model, file: output, limit: 10)
        let evaluation = try evaluate(model, on: digits)
        XCTAssertEqual(evaluation.confusion, result.test.confusion)
        XCTAssertEqual(evaluation.loss, result.test.loss, accuracy: 1e-4)
    }

    func testErrorsNameTheFile() throws {
        let weightsOnly = repoRoot.appendingPathComponent("Tests/Fixtures/keras/tiny_vgg.keras1.h5").path
        XCTAssertThrowsError(try loadKerasModel(weightsOnly, configuration: configuration)) { error in
            XCTAssertEqual("\(error)", "\(weightsOnly): has no model config (a weights-only file); use zoo load")
            XCTAssertTrue((error as? PipelineError)?.isUnreadableFile ?? false)
        }
        var fit = FitSettings()
        fit.checkpointDirectory = dir + "/none"
        fit.resume = true
        let run = ScratchTraining("mlp", limit: 10)
        var training = run
        training.training = fit
        XCTAssertThrowsError(try training.run(configuration: configuration)) { error in
            XCTAssertEqual("\(error)", "\(dir)/none/checkpoint.h5: no checkpoint to resume from")
        }
    }
}
