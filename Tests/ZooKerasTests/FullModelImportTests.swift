import Foundation
import XCTest
import ZooHDF5
import ZooKeras
import ZooLayers
import ZooTensor
import ZooTestSupport

/// Full models of issue 16's MobileNetV3, ConvNeXt and EfficientNetV2 families as Keras 3
/// (`.keras`, `.h5`) and tf_keras (`.h5`) save them, with their ops.numpy and TFOpLambda
/// arithmetic, nested Sequential stems and the fine-tuning shapes around a nested backbone:
/// zoo builds each from its own config, loads every weight and gives Keras's output
/// (tools/make_fullmodel_fixtures.py).
final class FullModelImportTests: XCTestCase {
    static let models = ["mobilenetv3small", "convnexttiny", "efficientnetv2b0", "sequential_mobilenetv3small",
                         "functional_mobilenetv3small", "functional_convnexttiny", "hard_sigmoid"]
    static let kinds = ["k3.keras", "k3.h5", "tfk.h5"]

    func testKerasFullModelsGiveKerasOutputs() throws {
        let expected = try H5File.open(fixturePath("fullmodel/expected.h5"))
        let input = try expected.root.dataset("input")
        let x = Tensor(shape: input.shape, data: try input.readFloats())
        for model in Self.models {
            for kind in Self.kinds {
                let name = "\(model).\(kind)"
                let file = try KerasWeightFile(path: try fullModelFixture(name))
                let m = try modelFromConfig(try XCTUnwrap(file.modelConfig), file: name, kerasVersion: file.kerasVersion)
                let report = try loadFullModelWeights(into: m, from: file)
                XCTAssertTrue(report.problems.isEmpty, "\(name): \(report.problems.map(report.problemSentence))")
                XCTAssertEqual(report.loadedCount, m.weightedLayers.reduce(0) { $0 + $1.weights.count }, name)
                let y = try m.predict(x)
                let reference = try expected.root.dataset(name)
                let want = Tensor(shape: reference.shape, data: try reference.readFloats())
                assertClose(y, want, rtol: 1e-4, name)
                let scale = want.data.map(abs).max() ?? 1
                print("\(name): max |zoo - keras| / max |keras| = \(zip(y.data, want.data).map { abs($0 - $1) }.max()! / scale)")
            }
        }
    }

    /// A one-input Functional config of `layers` (JSON objects after the input "in", [N, 2, 3]).
    private func config(_ layers: [String]) -> String {
        let input = #"{"class_name": "InputLayer", "name": "in", "config": {"batch_input_shape": [null, 2, 3]}, "inbound_nodes": []}"#
        return #"{"class_name": "Functional", "config": {"name": "m", "layers": ["# + ([input] + layers).joined(separator: ", ") + "]}}"
    }

    private func keras3Tensor(_ name: String) -> String {
        #"{"class_name": "__keras_tensor__", "config": {"shape": [null, 2, 3], "dtype": "float32", "keras_history": [""# + name + #"", 0, 0]}}"#
    }

    /// Every whitelisted form computes what Keras computes: tf-keras's `x - 2`, `x / 4` and
    /// `x * y`, Keras 3's `3 - x`, `x + y` (module given, and dropped as Keras 3's legacy .h5 does).
    func testArithmeticOperationsComputeTheirArithmetic() throws {
        let json = config([
            #"{"class_name": "TFOpLambda", "name": "tf.math.subtract", "config": {"name": "tf.math.subtract", "function": "math.subtract"}, "inbound_nodes": [["in", 0, 0, {"y": 2.0, "name": null}]]}"#,
            #"{"class_name": "TFOpLambda", "name": "tf.math.truediv", "config": {"name": "tf.math.truediv", "function": "math.truediv"}, "inbound_nodes": [["tf.math.subtract", 0, 0, {"y": 4, "name": null}]]}"#,
            #"{"class_name": "TFOpLambda", "name": "tf.math.multiply", "config": {"name": "tf.math.multiply", "function": "math.multiply"}, "inbound_nodes": [["tf.math.truediv", 0, 0, {"y": ["in", 0, 0], "name": null}]]}"#,
            #"{"module": "keras.src.ops.numpy", "class_name": "Subtract", "name": "subtract", "config": {"name": "subtract"}, "inbound_nodes": [{"args": [3.0, "# + keras3Tensor("tf.math.multiply") + #"], "kwargs": {}}]}"#,
            #"{"class_name": "Add", "name": "add", "config": {"name": "add"}, "inbound_nodes": [{"args": ["# + keras3Tensor("subtract") + ", " + keras3Tensor("in") + #"], "kwargs": {}}]}"#,
        ])
        let m = try modelFromConfig(json, file: "ops.h5")
        XCTAssertEqual(m.layers.map(\.className), ["InputLayer", "Rescaling", "Rescaling", "Multiply", "Rescaling", "Add"])
        let x = Tensor(shape: [1, 2, 3], data: [-3, -1.5, 0, 0.5, 2, 7])
        let expected = x.data.map { v in 3 - (v - 2) / 4 * v + v }
        assertClose(try m.predict(x).data, expected, rtol: 1e-6, "(3 - (x - 2) / 4 * x) + x")
    }

    /// Activation("hard_sigmoid") is tf-keras's clip(0.2 x + 0.5, 0, 1) in its files, zoo's
    /// relu6(x + 3) / 6 in Keras 3's; as another layer's activation tf-keras's is refused.
    func testHardSigmoidFollowsTheFilesKeras() throws {
        let json = config([#"{"class_name": "Activation", "name": "gate", "config": {"activation": "hard_sigmoid"}, "inbound_nodes": [[["in", 0, 0, {}]]]}"#])
        let x = Tensor(shape: [1, 2, 3], data: [-4, -2, 0, 1, 2.4, 3.5])
        for version in ["2.21.0", "1"] {
            let m = try modelFromConfig(json, file: "f.h5", kerasVersion: version)
            XCTAssertEqual(m.layers.map(\.className), ["InputLayer", "Rescaling", "ReLU"])
            assertClose(try m.predict(x).data, x.data.map { min(max($0 * 0.2 + 0.5, 0), 1) }, rtol: 1e-6, version)
        }
        for version in ["3.15.1", nil] {
            let m = try modelFromConfig(json, file: "f.keras", kerasVersion: version)
            assertClose(try m.predict(x).data, x.data.map { min(max($0 + 3, 0), 6) / 6 }, rtol: 1e-6, version ?? "none")
        }
        let dense = config([#"{"class_name": "Dense", "name": "d", "config": {"units": 2, "activation": "hard_sigmoid"}, "inbound_nodes": [[["in", 0, 0, {}]]]}"#])
        XCTAssertThrowsError(try modelFromConfig(dense, file: "f.h5", kerasVersion: "2.21.0")) { error in
            XCTAssertEqual("\(error)", "f.h5: layer d has class Dense, which zoo does not support (activation hard_sigmoid of tf-keras, clip(0.2 x + 0.5, 0, 1), which zoo computes only as an Activation layer)")
        }
    }

    /// A frozen nested model (`base.trainable = False`) freezes its layers, whatever their own
    /// configs say; its layers are keyed under it for Keras 3 files.
    func testFrozenNestedModelsFreezeTheirLayers() throws {
        let nested = #"{"class_name": "Sequential", "name": "base", "config": {"name": "base", "trainable": false, "layers": [{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 2, 3], "name": "base_input"}}, {"class_name": "Dense", "config": {"name": "inner", "units": 4, "trainable": true}}]}, "inbound_nodes": [[["in", 0, 0, {}]]]}"#
        let head = #"{"class_name": "Dense", "name": "head", "config": {"units": 2}, "inbound_nodes": [[["base", 1, 0, {}]]]}"#
        let m = try modelFromConfig(config([nested, head]), file: "f.h5")
        XCTAssertEqual(m.layers.map(\.name), ["in", "inner", "head"])
        XCTAssertEqual(m.layers.map(\.trainable), [true, false, true])
        XCTAssertEqual(m.nestedIn, ["inner": "sequential"])
        XCTAssertEqual(m.node(named: "head")!.inputs, ["inner"])
    }

    /// Code, and operations outside the whitelist, are refused in one line naming the file, the
    /// layer and its class, before anything is built.
    func testOtherOperationsAreRefusedByName() {
        let cases: [(String, String)] = [
            (#"{"class_name": "Lambda", "name": "evil", "config": {"function": ["4wEAAAAAAAAA", null, null]}, "inbound_nodes": [[["in", 0, 0, {}]]]}"#,
             "f.h5: layer evil has class Lambda, which zoo does not support (it holds Python code, which zoo never runs)"),
            (#"{"class_name": "TFOpLambda", "name": "tf.nn.relu", "config": {"function": "nn.relu"}, "inbound_nodes": [["in", 0, 0, {"name": null}]]}"#,
             "f.h5: layer tf.nn.relu has class TFOpLambda, which zoo does not support (function tf.nn.relu; zoo computes only tf.__operators__.add, tf.math.add, tf.math.divide, tf.math.multiply, tf.math.subtract, tf.math.truediv)"),
            (#"{"class_name": "TFOpLambda", "name": "tf.math.multiply", "config": {"function": "math.multiply"}, "inbound_nodes": [["in", 0, 0, {"y": 2.0, "name": null, "exec": "os.system"}]]}"#,
             "f.h5: layer tf.math.multiply has class TFOpLambda, which zoo does not support (function tf.math.multiply with exec)"),
            (#"{"module": "keras.src.ops.numpy", "class_name": "Sin", "name": "sin", "config": {"name": "sin"}, "inbound_nodes": [{"args": ["# + keras3Tensor("in") + #"], "kwargs": {}}]}"#,
             "f.h5: layer sin has class Sin, which zoo does not support (operation keras.src.ops.numpy.Sin; zoo computes only ops.numpy Add, Divide, Multiply, Subtract, TrueDivide)"),
            (#"{"module": "keras.src.ops.nn", "class_name": "Relu", "name": "relu", "config": {"name": "relu"}, "inbound_nodes": [{"args": ["# + keras3Tensor("in") + #"], "kwargs": {}}]}"#,
             "f.h5: layer relu has class Relu, which zoo does not support (operation keras.src.ops.nn.Relu; zoo computes only ops.numpy Add, Divide, Multiply, Subtract, TrueDivide)"),
            (#"{"module": "keras.src.ops.numpy", "class_name": "Subtract", "name": "subtract", "config": {"name": "subtract"}, "inbound_nodes": [{"args": ["# + keras3Tensor("in") + ", " + keras3Tensor("in") + #"], "kwargs": {}}]}"#,
             "f.h5: layer subtract has class Subtract, which zoo does not support (subtract of tensor in and tensor in; of two tensors zoo computes only add and multiply)"),
            (#"{"module": "keras.src.ops.numpy", "class_name": "Divide", "name": "divide", "config": {"name": "divide"}, "inbound_nodes": [{"args": [1.0, "# + keras3Tensor("in") + #"], "kwargs": {}}]}"#,
             "f.h5: layer divide has class Divide, which zoo does not support (1.0 divided by a tensor; zoo computes a tensor divided by a number)"),
            (#"{"module": "keras.src.ops.numpy", "class_name": "Multiply", "name": "multiply", "config": {"name": "multiply"}, "inbound_nodes": [{"args": ["# + keras3Tensor("in") + #", "x"], "kwargs": {}}]}"#,
             "f.h5: layer multiply has class Multiply, which zoo does not support (multiply of tensor in and a value that is neither a tensor nor a number; zoo computes the arithmetic of two tensors or of a tensor and a number)"),
            (#"{"class_name": "TFOpLambda", "name": "tf.math.truediv", "config": {"function": "math.truediv"}, "inbound_nodes": [["in", 0, 0, {"y": 0.0, "name": null}]]}"#,
             "f.h5: model config: layer tf.math.truediv divides by 0.0"),
        ]
        for (layer, message) in cases {
            XCTAssertThrowsError(try modelFromConfig(config([layer]), file: "f.h5")) { error in
                XCTAssertEqual("\(error)", message)
            }
        }
    }
}

/// A fixture of Tests/Fixtures/fullmodel, inflated into a temporary directory when it is
/// committed gzipped (Keras's HDF5 files are mostly headers and configs, which compress).
func fullModelFixture(_ name: String) throws -> String {
    let plain = fixturePath("fullmodel/\(name)")
    if FileManager.default.fileExists(atPath: plain) { return plain }
    let dir = NSTemporaryDirectory() + "zoo-fullmodel-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let out = "\(dir)/\(name)"
    if FileManager.default.fileExists(atPath: out) { return out }
    let gzip = Process()
    gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
    gzip.arguments = ["-dc", plain + ".gz"]
    FileManager.default.createFile(atPath: out + ".part", contents: nil)
    gzip.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out + ".part"))
    try gzip.run()
    gzip.waitUntilExit()
    guard gzip.terminationStatus == 0 else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: plain + ".gz"]) }
    try FileManager.default.moveItem(atPath: out + ".part", toPath: out)
    return out
}
