import Foundation
import XCTest
import ZooHDF5
import ZooLayers
import ZooModels
import ZooTensor
import ZooTestSupport

/// zoo's InceptionResNetV2, NASNetMobile/Large and EfficientNetV2 B0-B3/S/M/L builders against
/// keras.applications. `tools/make_fam16_fixtures.py` fills the smallest model of each family
/// with the formula weights of FormulaWeights and commits its output at the minimum size and at
/// the default size with the top; for every variant it commits Keras's parameter counts and layer
/// names (Tests/Fixtures/fam16/parameters.json).
final class Family16Tests: XCTestCase {
    typealias Builder = @Sendable (_ size: (Int, Int), _ includeTop: Bool) throws -> Model

    static let builders: [(name: String, defaultSize: Int, minimum: Int, build: Builder)] = [
        ("inceptionresnetv2", 299, 75, { try inceptionresnetv2(inputSize: $0, includeTop: $1) }),
        ("nasnetmobile", 224, 32, { try nasnetmobile(inputSize: $0, includeTop: $1) }),
        ("nasnetlarge", 331, 32, { try nasnetlarge(inputSize: $0, includeTop: $1) }),
        ("efficientnetv2b0", 224, 32, { try efficientnetv2b0(inputSize: $0, includeTop: $1) }),
        ("efficientnetv2b1", 240, 32, { try efficientnetv2b1(inputSize: $0, includeTop: $1) }),
        ("efficientnetv2b2", 260, 32, { try efficientnetv2b2(inputSize: $0, includeTop: $1) }),
        ("efficientnetv2b3", 300, 32, { try efficientnetv2b3(inputSize: $0, includeTop: $1) }),
        ("efficientnetv2s", 384, 32, { try efficientnetv2s(inputSize: $0, includeTop: $1) }),
        ("efficientnetv2m", 480, 32, { try efficientnetv2m(inputSize: $0, includeTop: $1) }),
        ("efficientnetv2l", 480, 32, { try efficientnetv2l(inputSize: $0, includeTop: $1) }),
    ]

    func keras() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixturePath("fam16/parameters.json")))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Keras's count_params (and the trainable part) with and without the top, the model name,
    /// and every layer name in `model.layers` order (Keras's input layer, named by the Keras
    /// version, left out), which is the order topological weight loading pairs layers in.
    func testEveryVariantHasKerasParametersAndLayerOrder() throws {
        let table = try keras()
        for (name, size, _, build) in Self.builders {
            let k = try XCTUnwrap(table[name] as? [String: Any], name)
            let top = try build((size, size), true)
            XCTAssertEqual(top.parameterCount, k["parameters_top"] as? Int, "\(name) with the top: count_params")
            XCTAssertEqual(top.trainableCount, k["trainable_parameters_top"] as? Int, "\(name) with the top: trainable")
            XCTAssertEqual(top.layers.dropFirst().map(\.name), k["layer_names_top"] as? [String], "\(name) with the top: layers")
            XCTAssertEqual(top.name, k["model_name"] as? String, name)
            let model = try build((size, size), false)
            XCTAssertEqual(model.parameterCount, k["parameters"] as? Int, "\(name): count_params")
            XCTAssertEqual(model.trainableCount, k["trainable_parameters"] as? Int, "\(name): trainable")
            XCTAssertEqual(model.layers.dropFirst().map(\.name), k["layer_names"] as? [String], "\(name): layers")
            print("\(name): \(model.parameterCount) parameters (\(top.parameterCount) with the top), \(model.layers.count) layers")
        }
    }

    /// The formula input as the fixture script makes it: / 128 for tf-mode models, + 128
    /// (pixels) for EfficientNetV2, which preprocesses inside.
    func input(_ name: String, size: Int) -> Tensor {
        let x = FormulaWeights.input(shape: [1, size, size, 3])
        return Tensor(shape: x.shape, data: name.hasPrefix("efficientnetv2") ? x.data.map { $0 + 128 } : x.data.map { $0 * (1 / 128) })
    }

    @discardableResult
    func checkOutput(_ name: String, size: Int, includeTop: Bool) throws -> Model {
        let entry = try XCTUnwrap(Self.builders.first { $0.name == name })
        let model = try entry.build((size, size), includeTop)
        FormulaWeights.fill(model)
        let expected = try fixtureTensor("fam16/\(name)_\(size)\(includeTop ? "_top" : "").h5", dataset: "output")
        let x = input(name, size: size)
        let y = try model.fusedForInference().predict(x)
        assertClose(y, expected, rtol: 1e-4, "\(name) at \(size) against keras.applications")
        let err = zip(y.data, expected.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } / expected.maxAbs
        print("\(name) at \(size)\(includeTop ? " with the top" : ""): max |zoo - keras| \(err) of max |keras| \(expected.maxAbs)")
        if !includeTop {
            assertClose(try model.predict(x), expected, rtol: 1e-4, "\(name) at \(size), unfused")
        }
        return model
    }

    func testInceptionResNetV2MatchesKeras() throws {
        let model = try checkOutput("inceptionresnetv2", size: 75, includeTop: false)
        try checkOutput("inceptionresnetv2", size: 299, includeTop: true)

        // The comparison must be able to fail: block35_1's residual scaled by block17's 0.1.
        let layer = try XCTUnwrap(model.layers.first { $0 is CustomScaleLayer } as? CustomScaleLayer)
        XCTAssertEqual(layer.scale, 0.17)
        let wrong = Model(name: model.name)
        for n in model.nodes {
            try wrong(n.layer === layer ? CustomScaleLayer(layer.name, scale: 0.1) : n.layer, n.inputs)
        }
        let expected = try fixtureTensor("fam16/inceptionresnetv2_75.h5", dataset: "output")
        let y = try wrong.predict(input("inceptionresnetv2", size: 75))
        let err = zip(y.data, expected.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        XCTAssertGreaterThan(err, 1e-4 * expected.maxAbs)
    }

    func testNASNetMobileMatchesKeras() throws {
        try checkOutput("nasnetmobile", size: 32, includeTop: false)
        try checkOutput("nasnetmobile", size: 224, includeTop: true)
    }

    func testEfficientNetV2B0MatchesKeras() throws {
        try checkOutput("efficientnetv2b0", size: 32, includeTop: false)
        try checkOutput("efficientnetv2b0", size: 224, includeTop: true)
    }

    /// What `include_preprocessing` inserts: B0-B3 Rescaling(1/255) and Normalization (ImageNet
    /// mean and variance), S/M/L Rescaling(1/128, offset -1); nothing without it.
    func testEfficientNetV2Preprocessing() throws {
        let b0 = try efficientnetv2b0(inputSize: (32, 32))
        XCTAssertEqual(b0.layers[1...2].map(\.className), ["Rescaling", "Normalization"])
        XCTAssertEqual((b0.layers[1] as? Rescaling)?.scale, 1 / 255)
        let s = try efficientnetv2s(inputSize: (32, 32))
        let rescaling = try XCTUnwrap(s.layers[1] as? Rescaling)
        XCTAssertEqual([rescaling.scale, rescaling.offset], [1 / 128, -1])
        XCTAssertEqual(s.layers[2].name, "stem_conv")
        let plain = try efficientnetv2b0(inputSize: (32, 32), includePreprocessing: false)
        XCTAssertEqual(plain.layers[1].name, "stem_conv")
        XCTAssertEqual(plain.parameterCount, b0.parameterCount)
    }

    func testSizesPoolingAndOptions() throws {
        XCTAssertEqual(try inceptionresnetv2(inputSize: (75, 75)).outputShape, [1, 1, 1536])
        XCTAssertEqual(try inceptionresnetv2(inputSize: (75, 75), pooling: .avg).outputShape, [1536])
        XCTAssertEqual(try nasnetmobile(inputSize: (32, 32), pooling: .max).outputShape, [1056])
        XCTAssertEqual(try nasnetlarge(inputSize: (32, 40)).outputShape, [1, 2, 4032])
        XCTAssertEqual(try efficientnetv2b0(inputSize: (32, 32), pooling: .avg).outputShape, [1280])
        XCTAssertEqual(try efficientnetv2b3(inputSize: (32, 32)).outputShape, [1, 1, 1536])
        XCTAssertEqual(try nasnetmobile(inputSize: (224, 224), includeTop: true, classes: 10).outputShape, [10])
        XCTAssertEqual(try efficientnetv2s(inputSize: (384, 384), includeTop: true, classes: 7).outputShape, [7])
    }

    /// Inputs below each family's minimum (75, 32) and top sizes other than the default are
    /// refused with the limit named.
    func testTooSmallInputsAndWrongTopSizesAreRefused() {
        XCTAssertThrowsError(try inceptionresnetv2(inputSize: (74, 299))) { XCTAssertTrue("\($0)".contains("75"), "\($0)") }
        XCTAssertThrowsError(try nasnetmobile(inputSize: (31, 32))) { XCTAssertTrue("\($0)".contains("32"), "\($0)") }
        XCTAssertThrowsError(try nasnetlarge(inputSize: (224, 224), includeTop: true)) { XCTAssertTrue("\($0)".contains("331"), "\($0)") }
        XCTAssertThrowsError(try efficientnetv2m(inputSize: (16, 16))) { XCTAssertTrue("\($0)".contains("32"), "\($0)") }
        XCTAssertThrowsError(try efficientnetv2b2(inputSize: (224, 224), includeTop: true)) { XCTAssertTrue("\($0)".contains("260"), "\($0)") }
    }

    /// Fine-tuning runs backward through every layer NASNet uses (Cropping2D, SeparableConv2D,
    /// same-padded average pools that exclude the padding, asymmetric ZeroPadding2D): each weight
    /// gets a finite gradient of its shape. InceptionResNetV2 adds only CustomScaleLayer, whose
    /// backward Layers/CustomScaleLayerTests checks; EfficientNetV2's squeeze-excite convolutions
    /// (swish, sigmoid) get their backward with EfficientNet's (issue 14).
    func testBackwardReachesEveryWeight() throws {
        let model = try nasnetmobile(inputSize: (32, 32), pooling: .avg)
        FormulaWeights.fill(model)
        let x = Tensor(shape: [2, 32, 32, 3], data: FormulaWeights.input(shape: [2, 32, 32, 3]).data.map { $0 * (1 / 128) })
        let y = model.forward(x, training: true)
        model.backward(Tensor(repeating: 1, shape: y.shape))
        for (path, w) in model.trainableWeights {
            XCTAssertEqual(w.gradient?.shape, w.shape, "\(model.name) \(path)")
            XCTAssertTrue(w.gradient?.data.allSatisfy(\.isFinite) ?? false, "\(model.name) \(path)")
        }
        XCTAssertGreaterThan(try XCTUnwrap(model.layer(named: "stem_conv1")?.weights[0].gradient).maxAbs, 0)
    }
}
