import XCTest
import ZooLayers
import ZooModels
import ZooTensor
import ZooTestSupport

/// zoo's VGG and ResNet (v1, v2) builders against keras.applications on the same full-size weights:
/// `tools/make_builder_fixtures.py` fills Keras 3's models from FormulaWeights' formula and
/// commits only their outputs. A builder that differs from Keras anywhere (a layer, a stride, a
/// padding, an epsilon, a BatchNorm statistic's order) moves the output far past the tolerance.
final class BuilderParityTests: XCTestCase {
    /// max |zoo - keras| <= 1e-4 x max |keras|, the tolerance of every Keras comparison.
    /// `unfused` is skipped for the deeper variants: they repeat the blocks of ResNet50/50V2,
    /// whose unfused runs are checked, and the debug build would take twice as long.
    func check(_ model: Model, fixture: String, parameters: Int, unfused: Bool = true) throws {
        XCTAssertEqual(model.parameterCount, parameters, "\(model.name) parameters (Keras's count_params)")
        let expected = try fixtureTensor("builders/\(fixture).h5", dataset: "output")
        FormulaWeights.fill(model)
        let x = FormulaWeights.input(shape: [expected.shape[0]] + model.inputShape)
        let y = try model.fusedForInference().predict(x)
        assertClose(y, expected, rtol: 1e-4, "\(model.name) against keras.applications")
        // The unfused model is what training and export run; it must agree too.
        guard unfused else { return }
        assertClose(try model.predict(x), expected, rtol: 1e-4, "\(model.name) unfused")
    }

    func testVGG16MatchesKeras() throws {
        try check(try vgg16(inputSize: (64, 64)), fixture: "vgg16_64", parameters: 14_714_688)
    }

    func testResNet50MatchesKeras() throws {
        try check(try resnet50(inputSize: (64, 64)), fixture: "resnet50_64", parameters: 23_587_712)
    }

    // The deeper models at the minimum size, batch 1 (Keras's count_params in the fixtures).
    func testVGG19MatchesKeras() throws {
        try check(try vgg19(inputSize: (32, 32)), fixture: "vgg19_32", parameters: 20_024_384)
    }

    func testResNet101MatchesKeras() throws {
        try check(try resnet101(inputSize: (32, 32)), fixture: "resnet101_32", parameters: 42_658_176, unfused: false)
    }

    func testResNet152MatchesKeras() throws {
        try check(try resnet152(inputSize: (32, 32)), fixture: "resnet152_32", parameters: 58_370_944, unfused: false)
    }

    func testResNet50V2MatchesKeras() throws {
        try check(try resnet50v2(inputSize: (32, 32)), fixture: "resnet50v2_32", parameters: 23_564_800)
    }

    func testResNet101V2MatchesKeras() throws {
        try check(try resnet101v2(inputSize: (32, 32)), fixture: "resnet101v2_32", parameters: 42_626_560, unfused: false)
    }

    func testResNet152V2MatchesKeras() throws {
        try check(try resnet152v2(inputSize: (32, 32)), fixture: "resnet152v2_32", parameters: 58_331_648, unfused: false)
    }

    /// Weightless layers do not move the output, so their names and places are checked against
    /// keras.applications' `model.layers` directly: the v2 shortcut's unnamed 1x1 max-pools
    /// (auto-named in a fresh session) sit after `_2_relu`, and the tops and counts are Keras's.
    func testLayerNamesAndCountsAreKeras() throws {
        let v2 = try resnet50v2(inputSize: (32, 32)).layers.map(\.name)
        let pool = try XCTUnwrap(v2.firstIndex(of: "max_pooling2d"))
        XCTAssertEqual(Array(v2[(pool - 1)...(pool + 2)]),
                       ["conv2_block3_2_relu", "max_pooling2d", "conv2_block3_3_conv", "conv2_block3_out"])
        XCTAssertEqual(v2.filter { $0.hasPrefix("max_pooling2d") }, ["max_pooling2d", "max_pooling2d_1", "max_pooling2d_2"])
        XCTAssertEqual(Array(v2[(v2.firstIndex(of: "conv3_block1_2_relu")!)...].prefix(4)),
                       ["conv3_block1_2_relu", "conv3_block1_0_conv", "conv3_block1_3_conv", "conv3_block1_out"])
        XCTAssertEqual(Array(v2.suffix(2)), ["post_bn", "post_relu"])
        // len(model.layers) in Keras, InputLayer included, without and with the top.
        let counts: [(String, (Bool) throws -> Model, Int, Int)] = [
            ("vgg19", { try vgg19(inputSize: $0 ? (224, 224) : (32, 32), includeTop: $0) }, 22, 26),
            ("resnet101", { try resnet101(inputSize: $0 ? (224, 224) : (32, 32), includeTop: $0) }, 345, 347),
            ("resnet152", { try resnet152(inputSize: $0 ? (224, 224) : (32, 32), includeTop: $0) }, 515, 517),
            ("resnet50v2", { try resnet50v2(inputSize: $0 ? (224, 224) : (32, 32), includeTop: $0) }, 190, 192),
            ("resnet101v2", { try resnet101v2(inputSize: $0 ? (224, 224) : (32, 32), includeTop: $0) }, 377, 379),
            ("resnet152v2", { try resnet152v2(inputSize: $0 ? (224, 224) : (32, 32), includeTop: $0) }, 564, 566),
        ]
        for (name, build, notop, top) in counts {
            XCTAssertEqual(try build(false).layers.count, notop, name)
            XCTAssertEqual(try build(true).layers.count, top, name)
        }
        XCTAssertEqual(try resnet152v2(includeTop: true).parameterCount, 60_380_648)
        XCTAssertEqual(try vgg19(includeTop: true).parameterCount, 143_667_240)
        XCTAssertEqual(try resnet101(includeTop: true).layers.last?.name, "predictions")
    }

    /// Below the minimum and with the top at another size, each builder names its limit.
    func testSizeLimits() throws {
        XCTAssertThrowsError(try resnet101v2(inputSize: (31, 40))) {
            XCTAssertEqual("\($0)", "resnet101v2: input size must be at least 32x32, got 31x40")
        }
        XCTAssertThrowsError(try vgg19(inputSize: (64, 64), includeTop: true)) {
            XCTAssertEqual("\($0)", "vgg19: include_top needs a 224x224 input, got 64x64; drop --include-top for other sizes")
        }
    }

    /// The formula is only worth something if a wrong weight shows: swapping two BatchNorm
    /// statistics of one layer must break the comparison.
    func testASwappedStatisticFails() throws {
        let model = try resnet50(inputSize: (64, 64))
        FormulaWeights.fill(model)
        let bn = try XCTUnwrap(model.layer(named: "conv5_block3_3_bn"))
        let mean = try XCTUnwrap(bn.weight("moving_mean")), beta = try XCTUnwrap(bn.weight("beta"))
        (mean.value, beta.value) = (beta.value, mean.value)
        let expected = try fixtureTensor("builders/resnet50_64.h5", dataset: "output")
        let y = try model.predict(FormulaWeights.input(shape: Array(expected.shape.prefix(1)) + model.inputShape))
        let err = zip(y.data, expected.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        XCTAssertGreaterThan(err, 1e-4 * expected.maxAbs)
    }
}
