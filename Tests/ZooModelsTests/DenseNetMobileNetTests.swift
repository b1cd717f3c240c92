import XCTest
import ZooHDF5
import ZooLayers
import ZooModels
import ZooTensor
import ZooTestSupport

/// zoo's DenseNet, MobileNet and MobileNetV2 builders against keras.applications:
/// `tools/make_family_fixtures.py` builds each Keras model at the minimum size (32x32, no top),
/// fills it from the formula of FormulaWeights (with its `depthwise_kernel` role) and commits the
/// output, the parameter counts with and without the top (224x224) and the layer names.
final class DenseNetMobileNetTests: XCTestCase {
    /// Keras's input layer is named by the Keras version that builds it; zoo's builders take it
    /// as an argument, so names are compared from the first layer after it.
    func check(_ name: String, _ build: (_ size: (Int, Int), _ includeTop: Bool) throws -> Model) throws {
        let fixture = "families/\(name)_32.h5"
        let file = try H5File.open(fixturePath(fixture))
        func int(_ key: String) throws -> Int {
            guard case let .int(v) = try file.root.attribute(key) else { throw HDF5Error.wrongKind(file: fixture, path: key, expected: "int") }
            return Int(v)
        }
        func names(_ key: String) throws -> [String] {
            try file.root.stringList(key)[0].split(separator: ",").map(String.init).dropFirst().map { $0 }
        }

        let top = try build((224, 224), true)
        XCTAssertEqual(top.parameterCount, try int("parameters_top"), "\(name) with the top: Keras's count_params")
        XCTAssertEqual(top.trainableCount, try int("trainable_parameters_top"), "\(name) with the top: trainable")
        XCTAssertEqual(top.layers.dropFirst().map(\.name), try names("layer_names_top"), "\(name) with the top: layer names")

        let model = try build((32, 32), false)
        XCTAssertEqual(model.parameterCount, try int("parameters"), "\(name): Keras's count_params")
        XCTAssertEqual(model.trainableCount, try int("trainable_parameters"), "\(name): trainable")
        XCTAssertEqual(model.layers.dropFirst().map(\.name), try names("layer_names"), "\(name): layer names and order")
        let expected = try fixtureTensor(fixture, dataset: "output")
        FormulaWeights.fill(model)
        let x = Tensor(shape: [1, 32, 32, 3], data: FormulaWeights.input(shape: [1, 32, 32, 3]).data.map { $0 * (1 / 128) })
        let y = try model.predict(x)
        assertClose(y, expected, rtol: 1e-4, "\(name) against keras.applications")
        let err = zip(y.data, expected.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } / expected.maxAbs
        print("\(name): \(model.parameterCount) parameters (\(top.parameterCount) with the top), max |zoo - keras| \(err) of max |keras|")
        assertClose(try model.fusedForInference().predict(x), expected, rtol: 1e-4, "\(name) fused")
    }

    func testDenseNetsMatchKeras() throws {
        try check("densenet121") { try densenet121(inputSize: $0, includeTop: $1) }
        try check("densenet169") { try densenet169(inputSize: $0, includeTop: $1) }
        try check("densenet201") { try densenet201(inputSize: $0, includeTop: $1) }
    }

    func testMobileNetsMatchKeras() throws {
        for alpha in [0.25, 0.5, 0.75, 1.0] {
            try check("mobilenet_\(alpha)") { try mobilenet(inputSize: $0, alpha: alpha, includeTop: $1) }
        }
    }

    func testMobileNetV2sMatchKeras() throws {
        for alpha in [0.35, 0.5, 0.75, 1.0, 1.3, 1.4] {
            try check("mobilenetv2_\(alpha)") { try mobilenetv2(inputSize: $0, alpha: alpha, includeTop: $1) }
        }
    }

    /// The default size with the top (224x224, 1000 classes), once per family: the part of the
    /// model the 32x32 checks never reach.
    func testDefaultSizeWithTheTopMatchesKeras() throws {
        let cases: [(String, () throws -> Model)] = [
            ("densenet121", { try densenet121(includeTop: true) }),
            ("mobilenet_1.0", { try mobilenet(includeTop: true) }),
            ("mobilenetv2_1.0", { try mobilenetv2(includeTop: true) }),
        ]
        let x = Tensor(shape: [1, 224, 224, 3], data: FormulaWeights.input(shape: [1, 224, 224, 3]).data.map { $0 * (1 / 128) })
        for (name, build) in cases {
            let model = try build()
            FormulaWeights.fill(model)
            let expected = try fixtureTensor("families/\(name)_224_top.h5", dataset: "output")
            assertClose(try model.fusedForInference().predict(x), expected, rtol: 1e-4, "\(name) 224 with the top")
        }
    }

    func testModelNamesAndOptions() throws {
        XCTAssertEqual(try mobilenet(inputSize: (224, 224), alpha: 0.5, includeTop: true).name, "mobilenet_0.50_224")
        XCTAssertEqual(try mobilenetv2(inputSize: (224, 224), alpha: 1.4, includeTop: true).name, "mobilenetv2_1.40_224")
        XCTAssertEqual(try densenet169(inputSize: (64, 64)).name, "densenet169")
        XCTAssertEqual(try mobilenet(inputSize: (64, 64), pooling: .avg).outputShape, [1024])
        XCTAssertEqual(try mobilenetv2(inputSize: (64, 96), pooling: .max).outputShape, [1280])
        XCTAssertEqual(try densenet121(inputSize: (32, 32)).outputShape, [1, 1, 1024])
        XCTAssertEqual(try mobilenet(inputSize: (224, 224), includeTop: true, classes: 10).outputShape, [10])
    }

    /// Keras's `_make_divisible(v, 8)` on the widths MobileNetV2's alphas give.
    func testMakeDivisible() {
        let widths: [Double] = [32 * 0.35, 16 * 0.35, 24 * 0.35, 1280 * 1.3, 1280 * 1.4, 96 * 0.5]
        XCTAssertEqual(widths.map { makeDivisible($0, 8) }, [16, 8, 8, 1664, 1792, 48])
        XCTAssertEqual(makeDivisible(Double(Int(320 * 0.35)), 8), 112)
    }

    func testTooSmallInputsAndBadOptionsAreRefused() {
        XCTAssertThrowsError(try densenet121(inputSize: (31, 64))) { XCTAssertTrue("\($0)".contains("32"), "\($0)") }
        XCTAssertThrowsError(try mobilenet(inputSize: (16, 16))) { XCTAssertTrue("\($0)".contains("32"), "\($0)") }
        XCTAssertThrowsError(try mobilenetv2(inputSize: (64, 64), includeTop: true))
        XCTAssertThrowsError(try mobilenet(alpha: 0))
    }

    /// Fine-tuning runs backward through every layer these families use (ReLU6, DepthwiseConv2D,
    /// Concatenate, asymmetric padding, AveragePooling2D, the Add of inverted residuals): each
    /// weight gets a gradient of its shape.
    func testBackwardReachesEveryWeight() throws {
        for model in [try mobilenetv2(inputSize: (32, 32), alpha: 0.35, pooling: .avg),
                      try mobilenet(inputSize: (32, 32), alpha: 0.25, pooling: .avg),
                      try densenet121(inputSize: (32, 32), pooling: .avg)] {
            FormulaWeights.fill(model)
            let x = Tensor(shape: [2, 32, 32, 3], data: FormulaWeights.input(shape: [2, 32, 32, 3]).data.map { $0 * (1 / 128) })
            let y = model.forward(x, training: true)
            model.backward(Tensor(repeating: 1, shape: y.shape))
            for (path, w) in model.trainableWeights {
                XCTAssertEqual(w.gradient?.shape, w.shape, "\(model.name) \(path)")
                XCTAssertTrue(w.gradient?.data.allSatisfy(\.isFinite) ?? false, "\(model.name) \(path)")
            }
            XCTAssertGreaterThan(model.layer(named: model.layers[2].name)!.weights[0].gradient!.maxAbs, 0, model.name)
        }
    }

    /// The depthwise formula is only worth something if a wrong depthwise weight shows.
    func testAWrongDepthwiseKernelFails() throws {
        let model = try mobilenetv2(inputSize: (32, 32), alpha: 0.35)
        FormulaWeights.fill(model)
        let w = try XCTUnwrap(model.layer(named: "block_16_depthwise")?.weight("depthwise_kernel"))
        w.value = Tensor(shape: w.shape, data: w.value.data.reversed())
        let expected = try fixtureTensor("families/mobilenetv2_0.35_32.h5", dataset: "output")
        let x = Tensor(shape: [1, 32, 32, 3], data: FormulaWeights.input(shape: [1, 32, 32, 3]).data.map { $0 * (1 / 128) })
        let y = try model.predict(x)
        let err = zip(y.data, expected.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        XCTAssertGreaterThan(err, 1e-4 * expected.maxAbs)
    }
}
