import Foundation
import XCTest
import ZooHDF5
import ZooLayers
import ZooTensor
@testable import ZooKeras

/// Fixtures come from `tools/make_fixtures.py` (tf-keras 2.21 and Keras 3.15, seeded): three tiny
/// models covering every supported layer, saved in every supported format with the same weights,
/// plus the input and Keras's output in `<model>.io.h5`.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/keras")

func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

let tinyModels = ["tiny_vgg", "tiny_resnet", "tiny_layers"]
let formats = ["tfkeras.weights.h5", "tfkeras.model.h5", "tfkeras_v3.weights.h5", "k3.weights.h5", "k3.keras",
               "k3.model.h5", "keras1.h5", "keras2nested.h5", "chunked.h5"]

/// max |ours - keras| <= 1e-4 * max |keras|: the tolerance every Keras comparison uses.
func assertKerasParity(_ ours: Tensor, _ keras: Tensor, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(ours.shape, keras.shape, what, file: file, line: line)
    guard ours.shape == keras.shape else { return }
    let err = zip(ours.data, keras.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
    XCTAssertLessThanOrEqual(err, 1e-4 * keras.maxAbs, "\(what): max abs error \(err), max |keras| \(keras.maxAbs)",
                             file: file, line: line)
}

func readIO(_ model: String) throws -> (input: Tensor, output: Tensor) {
    let f = try H5File.open(fixture("\(model).io.h5"))
    let x = try f.root.dataset("input"), y = try f.root.dataset("output")
    return (Tensor(shape: x.shape, data: try x.readFloats()), Tensor(shape: y.shape, data: try y.readFloats()))
}

func configModel(_ model: String, keras3: Bool = false) throws -> Model {
    let name = keras3 ? "\(model).k3.config.json" : "\(model).config.json"
    return try modelFromConfig(String(contentsOfFile: fixture(name), encoding: .utf8), file: name)
}

final class KerasParityTests: XCTestCase {
    func testEveryFormatGivesKerasOutputs() throws {
        for model in tinyModels {
            let io = try readIO(model)
            for format in formats {
                let path = fixture("\(model).\(format)")
                let m = try configModel(model)
                let file = try KerasWeightFile(path: path)
                let report = try loadWeights(into: m, from: file)
                XCTAssertTrue(report.problems.isEmpty, "\(model).\(format): \(report.problems.map(report.problemSentence))")
                XCTAssertEqual(report.loadedCount, m.layers.reduce(0) { $0 + $1.weights.count })
                assertKerasParity(m(io.input), io.output, "\(model).\(format)")
            }
        }
    }

    /// The comparison itself must be able to fail: one BN mean shifted by 0.1 breaks parity.
    func testParityCatchesASmallWeightError() throws {
        let io = try readIO("tiny_resnet")
        let m = try configModel("tiny_resnet")
        try loadWeights(into: m, from: KerasWeightFile(path: fixture("tiny_resnet.tfkeras.weights.h5"))).check()
        let good = m(io.input)
        let err = zip(good.data, io.output.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        XCTAssertLessThan(err, 1e-5 * io.output.maxAbs, "tiny models should agree far inside the tolerance")
        let v = m.layer(named: "conv2_block1_1_bn")!.weight("moving_mean")!
        v.value.data[0] += 0.1
        let bad = m(io.input)
        let badErr = zip(bad.data, io.output.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        XCTAssertGreaterThan(badErr, 1e-4 * io.output.maxAbs)
    }

    /// Inference fusion (Conv+BN(+ReLU), Add+ReLU, 1x1 Conv+BN+Add(+ReLU)) keeps Keras's outputs
    /// and removes the BN layers.
    func testFusedModelsKeepKerasOutputs() throws {
        for model in tinyModels {
            let io = try readIO(model)
            let m = try configModel(model)
            try loadWeights(into: m, from: KerasWeightFile(path: fixture("\(model).tfkeras.weights.h5"))).check()
            let fused = try m.fusedForInference()
            assertKerasParity(fused(io.input), io.output, "\(model) fused")
            XCTAssertEqual(fused.outputShape, m.outputShape)
            if model == "tiny_resnet" {
                XCTAssertFalse(fused.layers.contains { $0 is BatchNormalization })
                XCTAssertTrue(fused.layers.contains { ($0 as? FusedConv2D)?.residual == true }, "no Add absorbed by its conv")
                XCTAssertLessThan(fused.nodes.count, m.nodes.count)
            }
        }
    }

    func testLayoutsAreRecognised() throws {
        let expected: [String: KerasLayout] = [
            "tfkeras.weights.h5": .keras2, "tfkeras.model.h5": .fullModel, "k3.weights.h5": .keras3,
            "tfkeras_v3.weights.h5": .keras3, "k3.keras": .kerasArchive, "k3.model.h5": .fullModel,
            "keras1.h5": .keras1, "keras2nested.h5": .keras2, "chunked.h5": .keras2,
        ]
        for (format, layout) in expected {
            let file = try KerasWeightFile(path: fixture("tiny_resnet.\(format)"))
            XCTAssertEqual(file.layout, layout, format)
        }
        XCTAssertEqual(try KerasWeightFile(path: fixture("tiny_vgg.keras1.h5")).kerasVersion, "1")
    }

    func testModelsBuiltFromEmbeddedConfigsRun() throws {
        for model in tinyModels {
            let io = try readIO(model)
            for format in ["tfkeras.model.h5", "k3.model.h5", "k3.keras"] {
                let file = try KerasWeightFile(path: fixture("\(model).\(format)"))
                let m = try modelFromConfig(XCTUnwrap(file.modelConfig), file: file.path)
                try loadWeights(into: m, from: file).check()
                assertKerasParity(m(io.input), io.output, "\(model).\(format) built from its own config")
            }
            let k3 = try configModel(model, keras3: true)
            try loadWeights(into: k3, from: KerasWeightFile(path: fixture("\(model).k3.weights.h5"))).check()
            assertKerasParity(k3(io.input), io.output, "\(model) from the Keras 3 config")
        }
    }

    func testByNameLoadsAShuffledFileThatTopologicalRejects() throws {
        let io = try readIO("tiny_vgg")
        let file = try KerasWeightFile(path: fixture("tiny_vgg.byname.h5"))
        let m = try configModel("tiny_vgg")
        XCTAssertThrowsError(try loadWeights(into: m, from: file, mode: .topological).check())
        let report = try loadWeights(into: m, from: file, mode: .byName)
        XCTAssertNoThrow(try report.check())
        XCTAssertTrue(report.entries.contains { $0.status == .unexpected && $0.layer == "extra_dense" })
        assertKerasParity(m(io.input), io.output, "by name")
        let k3 = try configModel("tiny_vgg")
        try loadWeights(into: k3, from: KerasWeightFile(path: fixture("tiny_vgg.k3.weights.h5")), mode: .byName).check()
        assertKerasParity(k3(io.input), io.output, "Keras 3 by name")
    }

    func testWrongShapeIsReportedAndNothingIsLoaded() throws {
        let m = try configModel("tiny_vgg")
        let before = m.layer(named: "block1_conv1")!.weights[0].value
        let report = try loadWeights(into: m, from: KerasWeightFile(path: fixture("tiny_vgg.wrongshape.h5")))
        let bad = report.problems.filter { $0.layer == "block2_conv1" }
        XCTAssertEqual(bad.map(\.status), [.shapeMismatch, .shapeMismatch])
        XCTAssertEqual(bad.first?.storedShape, [3, 3, 4, 9])
        XCTAssertEqual(m.layer(named: "block1_conv1")!.weights[0].value, before, "a failed load must not copy anything")
        XCTAssertThrowsError(try report.check()) { error in
            XCTAssertTrue("\(error)".contains("block2_conv1"), "\(error)")
            XCTAssertTrue("\(error)".contains("(3, 3, 4, 8)"), "\(error)")
        }
    }

    func testAnotherModelsFileIsACountMismatch() throws {
        let m = try configModel("tiny_vgg")
        let report = try loadWeights(into: m, from: KerasWeightFile(path: fixture("tiny_resnet.tfkeras.weights.h5")))
        XCTAssertFalse(report.problems.isEmpty)
    }

    func testBadFilesGiveOneLineErrors() {
        for (name, needle) in [("missing.h5", "no such file"), ("not_hdf5.h5", "not_hdf5.h5"), ("tiny_vgg.truncated.h5", "truncated")] {
            XCTAssertThrowsError(try KerasWeightFile(path: fixture(name))) { error in
                let text = "\(error)"
                XCTAssertFalse(text.contains("\n"), text)
                XCTAssertTrue(text.contains(name), text)
                XCTAssertTrue(text.lowercased().contains(needle) || needle == name, "\(text) should mention \(needle)")
            }
        }
    }

    func testSnakeCaseMatchesKeras() {
        XCTAssertEqual(snakeCase("Conv2D"), "conv2d")
        XCTAssertEqual(snakeCase("BatchNormalization"), "batch_normalization")
        XCTAssertEqual(snakeCase("ReLU"), "re_lu")
        XCTAssertEqual(snakeCase("GlobalAveragePooling2D"), "global_average_pooling2d")
        XCTAssertEqual(snakeCase("ZeroPadding2D"), "zero_padding2d")
        XCTAssertEqual(snakeCase("InputLayer"), "input_layer")
    }

    func testLambdaIsRefusedByName() {
        let json = #"{"class_name": "Functional", "config": {"name": "m", "layers": [{"class_name": "InputLayer", "name": "in", "config": {"batch_input_shape": [null, 4]}, "inbound_nodes": []}, {"class_name": "Lambda", "name": "evil", "config": {"function": "os.system"}, "inbound_nodes": [[["in", 0, 0, {}]]]}]}}"#
        XCTAssertThrowsError(try modelFromConfig(json, file: "evil.h5")) { error in
            XCTAssertTrue("\(error)".contains("Lambda"), "\(error)")
            XCTAssertTrue("\(error)".contains("evil"), "\(error)")
        }
    }
}
