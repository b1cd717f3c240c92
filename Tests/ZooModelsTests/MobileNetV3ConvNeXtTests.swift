import XCTest
import ZooHDF5
import ZooLayers
import ZooModels
import ZooTensor
import ZooTestSupport

/// zoo's MobileNetV3 and ConvNeXt builders against keras.applications:
/// `tools/make_layers16_fixtures.py` writes, for every variant and option, Keras's count_params
/// (and the trainable part) with and without the top and the layer names (nested Sequentials
/// opened), and for the smallest variants the output on the formula weights of FormulaWeights at
/// 32x32 without the top and at 224x224 with it. Both families take 0-255 pixels (their
/// preprocessing is inside the model): the formula's input plus 128, in [8, 248).
final class MobileNetV3ConvNeXtTests: XCTestCase {
    struct Expected {
        let file: H5File
        let fixture: String

        func int(_ key: String) throws -> Int {
            guard case let .int(v) = try file.root.attribute(key) else {
                throw HDF5Error.wrongKind(file: fixture, path: key, expected: "int")
            }
            return Int(v)
        }

        /// Keras's layer names after its input layer (named by the Keras version).
        func names(_ key: String) throws -> [String] {
            Array(try file.root.stringList(key)[0].split(separator: ",").map(String.init).dropFirst())
        }
    }

    static func input(_ size: Int, pixels: Bool) -> Tensor {
        let u = FormulaWeights.input(shape: [1, size, size, 3])
        return Tensor(shape: u.shape, data: u.data.map { pixels ? $0 + 128 : $0 * (1 / 128) })
    }

    /// zoo's layer names, less the `Add` layers of ConvNeXt blocks: Keras adds there with
    /// `inputs + x`, an operation that is no layer of the model.
    static func kerasLayerNames(_ model: Model) -> [String] {
        model.layers.dropFirst().filter { !($0 is Add && $0.name.hasPrefix("convnext_")) }.map(\.name)
    }

    /// Counts and names of one variant; its outputs when the fixture has them. Returns the largest
    /// output error relative to Keras's largest magnitude.
    @discardableResult
    func check(_ name: String, pixels: Bool = true,
               _ build: (_ size: (Int, Int), _ includeTop: Bool) throws -> Model) throws -> Float {
        let fixture = "layers16/\(name)_32.h5"
        let e = Expected(file: try H5File.open(fixturePath(fixture)), fixture: fixture)
        let top = try build((224, 224), true)
        XCTAssertEqual(top.parameterCount, try e.int("parameters_top"), "\(name) with the top: Keras's count_params")
        XCTAssertEqual(top.trainableCount, try e.int("trainable_parameters_top"), "\(name) with the top: trainable")
        XCTAssertEqual(Self.kerasLayerNames(top), try e.names("layer_names_top"), "\(name) with the top: layer names")

        let model = try build((32, 32), false)
        XCTAssertEqual(model.parameterCount, try e.int("parameters"), "\(name): Keras's count_params")
        XCTAssertEqual(model.trainableCount, try e.int("trainable_parameters"), "\(name): trainable")
        XCTAssertEqual(Self.kerasLayerNames(model), try e.names("layer_names"), "\(name): layer names and order")
        var worst: Float = 0
        guard let expected = try? fixtureTensor(fixture, dataset: "output") else { return worst }
        FormulaWeights.fill(model)
        let x = Self.input(32, pixels: pixels)
        let y = try model.predict(x)
        assertClose(y, expected, rtol: 1e-4, "\(name) at 32x32 against keras.applications")
        assertClose(try model.fusedForInference().predict(x), expected, rtol: 1e-4, "\(name) fused")
        worst = zip(y.data, expected.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } / expected.maxAbs
        print("\(name): \(model.parameterCount) parameters (\(top.parameterCount) with the top), 32x32: max |zoo - keras| \(worst) of max |keras| \(expected.maxAbs)")
        if let expected224 = try? fixtureTensor(fixture, dataset: "output_224_top") {
            FormulaWeights.fill(top)
            let y224 = try top.fusedForInference().predict(Self.input(224, pixels: pixels))
            assertClose(y224, expected224, rtol: 1e-4, "\(name) at 224x224 with the top")
            let err = zip(y224.data, expected224.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } / expected224.maxAbs
            print("\(name): 224x224 with the top: max |zoo - keras| \(err) of max |keras| \(expected224.maxAbs)")
            worst = max(worst, err)
        }
        return worst
    }

    func testMobileNetV3SmallMatchesKeras() throws {
        for alpha in [0.75, 1.0] {
            for minimalistic in [false, true] {
                try check("mobilenetv3small_\(alpha)\(minimalistic ? "_minimalistic" : "")") {
                    try mobilenetv3small(inputSize: $0, alpha: alpha, minimalistic: minimalistic, includeTop: $1)
                }
            }
        }
        try check("mobilenetv3small_1.0_nopreprocessing", pixels: false) {
            try mobilenetv3small(inputSize: $0, includeTop: $1, includePreprocessing: false)
        }
    }

    func testMobileNetV3LargeMatchesKeras() throws {
        for alpha in [0.75, 1.0] {
            for minimalistic in [false, true] {
                try check("mobilenetv3large_\(alpha)\(minimalistic ? "_minimalistic" : "")") {
                    try mobilenetv3large(inputSize: $0, alpha: alpha, minimalistic: minimalistic, includeTop: $1)
                }
            }
        }
        try check("mobilenetv3large_1.0_nopreprocessing", pixels: false) {
            try mobilenetv3large(inputSize: $0, includeTop: $1, includePreprocessing: false)
        }
    }

    func testConvNeXtsMatchKeras() throws {
        for size in ConvNeXtSize.allCases {
            try check("convnext\(size.rawValue)") { try convnext(size, inputSize: $0, includeTop: $1) }
        }
        try check("convnexttiny_nopreprocessing", pixels: false) {
            try convnexttiny(inputSize: $0, includeTop: $1, includePreprocessing: false)
        }
    }

    /// The committed counts (param_counts.json) are the fixtures' and cover every variant.
    func testParameterCountsJSONCoversEveryVariant() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixturePath("layers16/param_counts.json")))
        let counts = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: [String: Int]])
        XCTAssertEqual(counts.count, 16)
        XCTAssertEqual(counts["convnexttiny"]?["parameters_top"], try convnexttiny(includeTop: true).parameterCount)
        XCTAssertEqual(counts["mobilenetv3large_1.0"]?["parameters_top"], try mobilenetv3large(includeTop: true).parameterCount)
    }

    /// A wrong weight shows: the comparison is not blind to LayerScale or to one group's kernel.
    func testAWrongWeightFails() throws {
        let expected = try fixtureTensor("layers16/convnexttiny_32.h5", dataset: "output")
        for (layer, role) in [("convnext_tiny_stage_2_block_4_layer_scale", "gamma"), ("convnext_tiny_stage_1_block_0_depthwise_conv", "kernel")] {
            let model = try convnexttiny(inputSize: (32, 32))
            FormulaWeights.fill(model)
            let w = try XCTUnwrap(model.layer(named: layer)?.weight(role))
            w.value = Tensor(shape: w.shape, data: w.value.data.reversed())
            let y = try model.predict(Self.input(32, pixels: true))
            let err = zip(y.data, expected.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
            XCTAssertGreaterThan(err, 1e-4 * expected.maxAbs, layer)
        }
    }

    func testModelNamesAndOptions() throws {
        XCTAssertEqual(try mobilenetv3small(inputSize: (64, 64)).name, "MobileNetV3Small")
        XCTAssertEqual(try convnextbase(inputSize: (64, 64)).name, "convnext_base")
        XCTAssertEqual(try mobilenetv3large(inputSize: (64, 96), pooling: .avg).outputShape, [960])
        XCTAssertEqual(try mobilenetv3small(inputSize: (64, 64), pooling: .max).outputShape, [576])
        XCTAssertEqual(try convnexttiny(inputSize: (64, 64), pooling: .avg).outputShape, [768])
        XCTAssertEqual(try convnexttiny(inputSize: (64, 64)).outputShape, [2, 2, 768])
        XCTAssertEqual(try mobilenetv3small(includeTop: true, classes: 10).outputShape, [10])
        XCTAssertEqual(try mobilenetv3small(inputSize: (32, 32)).layers[1].name, "rescaling")
        XCTAssertEqual(try convnexttiny(inputSize: (32, 32)).layers[1].name, "convnext_tiny_prestem_normalization")
    }

    func testTooSmallInputsAndBadOptionsAreRefused() {
        XCTAssertThrowsError(try mobilenetv3small(inputSize: (31, 64))) { XCTAssertTrue("\($0)".contains("32"), "\($0)") }
        XCTAssertThrowsError(try convnexttiny(inputSize: (16, 16))) { XCTAssertTrue("\($0)".contains("32"), "\($0)") }
        XCTAssertThrowsError(try convnextlarge(inputSize: (64, 64), includeTop: true))
        XCTAssertThrowsError(try mobilenetv3large(alpha: 0))
    }

    /// Fine-tuning runs backward through every layer these families use (hard_swish, the
    /// squeeze-and-excite gate's hard_sigmoid, grouped convolution, LayerNormalization, Dense on
    /// NHWC, gelu, LayerScale): each weight gets a finite gradient of its shape.
    func testBackwardReachesEveryWeight() throws {
        for model in [try mobilenetv3small(inputSize: (32, 32), pooling: .avg),
                      try convnexttiny(inputSize: (32, 32), pooling: .avg)] {
            FormulaWeights.fill(model)
            let x = Self.input(32, pixels: true)
            let y = model.forward(x, training: true)
            model.backward(Tensor(repeating: 1, shape: y.shape))
            for (path, w) in model.trainableWeights {
                XCTAssertEqual(w.gradient?.shape, w.shape, "\(model.name) \(path)")
                XCTAssertTrue(w.gradient?.data.allSatisfy(\.isFinite) ?? false, "\(model.name) \(path)")
            }
        }
    }
}
