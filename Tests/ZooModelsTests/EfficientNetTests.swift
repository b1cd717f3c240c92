import XCTest
import ZooHDF5
import ZooLayers
import ZooModels
import ZooTensor
import ZooTestSupport

/// zoo's EfficientNet B0-B7 against keras.applications built for the ImageNet weights (with the
/// Rescaling by 1/sqrt(stddev)): `tools/make_efficientnet_fixtures.py` fills each Keras model
/// from the formula of FormulaWeights (BatchNorm and Normalization statistics far from the
/// identity) and commits the output at 32x32 without the top, B0's at 224x224 with the top,
/// Keras's parameter counts with and without the top at the default size, and the layer names.
final class EfficientNetTests: XCTestCase {
    /// Pixels in [8, 248): the formula's input plus 128, as the fixture script makes them.
    func pixels(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, data: FormulaWeights.input(shape: shape).data.map { $0 + 128 })
    }

    /// The part of `model` from its input through the layer `name` (the layers are shared).
    func prefix(_ model: Model, through name: String) throws -> Model {
        let m = Model(name: "\(model.name)_through_\(name)")
        for node in model.nodes {
            if node.layer is InputLayer {
                _ = try m.input(node.layer.name, shape: node.outputShape)
            } else {
                _ = try m(node.layer, node.inputs)
            }
            if node.layer.name == name { return m }
        }
        throw LayerError.structure(model: model.name, problem: "no layer \(name)")
    }

    /// Every `taps/<layer>` of the fixture against that layer's output: with random weights the
    /// last output barely depends on the input, so the early stages are checked where their
    /// signal is still strong. Returns the largest relative error.
    @discardableResult
    func checkTaps(_ model: Model, _ x: Tensor, fixture: String, _ what: String) throws -> Float {
        let names = try H5File.open(fixturePath(fixture)).root.group("taps").memberNames()
        XCTAssertGreaterThanOrEqual(names.count, 3, fixture)
        var worst: Float = 0
        for name in names {
            let expected = try fixtureTensor(fixture, dataset: "taps/\(name)")
            let y = try prefix(model, through: name).predict(x)
            assertClose(y, expected, rtol: 1e-4, "\(what) at \(name)")
            worst = max(worst, relativeError(y, expected))
        }
        return worst
    }

    /// The largest |zoo - keras| relative to max |keras|, printed for the report.
    func relativeError(_ y: Tensor, _ expected: Tensor) -> Float {
        zip(y.data, expected.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } / expected.maxAbs
    }

    func check(_ variant: EfficientNetVariant) throws {
        let name = variant.name
        let fixture = "efficientnet/\(name)_32.h5"
        let file = try H5File.open(fixturePath(fixture))
        func int(_ key: String) throws -> Int {
            guard case let .int(v) = try file.root.attribute(key) else { throw HDF5Error.wrongKind(file: fixture, path: key, expected: "int") }
            return Int(v)
        }
        // Keras's input layer is named by the Keras version that builds it; compare from the next one.
        func names(_ key: String) throws -> [String] {
            try file.root.stringList(key)[0].split(separator: ",").map(String.init).dropFirst().map { $0 }
        }

        let top = try efficientnet(variant, includeTop: true)
        let size = variant.coefficients.defaultSize
        XCTAssertEqual(top.inputShape, [size, size, 3], "\(name): default size")
        XCTAssertEqual(top.parameterCount, try int("parameters_top"), "\(name) with the top: Keras's count_params")
        XCTAssertEqual(top.trainableCount, try int("trainable_parameters_top"), "\(name) with the top: trainable")
        XCTAssertEqual(top.layers.dropFirst().map(\.name), try names("layer_names_top"), "\(name) with the top: layer names")

        let model = try efficientnet(variant, inputSize: (32, 32))
        XCTAssertEqual(model.parameterCount, try int("parameters"), "\(name): Keras's count_params")
        XCTAssertEqual(model.trainableCount, try int("trainable_parameters"), "\(name): trainable")
        XCTAssertEqual(model.layers.dropFirst().map(\.name), try names("layer_names"), "\(name): layer names and order")
        let expected = try fixtureTensor(fixture, dataset: "output")
        FormulaWeights.fill(model)
        let x = pixels([1, 32, 32, 3])
        let y = try model.predict(x)
        assertClose(y, expected, rtol: 1e-4, "\(name) against keras.applications at 32x32")
        print("\(name) 32x32: \(model.parameterCount) parameters (\(top.parameterCount) with the top), max |zoo - keras| \(relativeError(y, expected)) of max |keras|")
        let taps = try checkTaps(model, x, fixture: fixture, name)
        print("\(name) 32x32 taps: max |zoo - keras| \(taps) of each tap's max |keras|")
        let fused = try model.fusedForInference().predict(x)
        assertClose(fused, expected, rtol: 1e-4, "\(name) fused at 32x32")
        print("\(name) 32x32 fused: max |zoo - keras| \(relativeError(fused, expected)) of max |keras|")
    }

    func testB0MatchesKeras() throws { try check(.b0) }
    func testB1MatchesKeras() throws { try check(.b1) }
    func testB2MatchesKeras() throws { try check(.b2) }
    func testB3MatchesKeras() throws { try check(.b3) }
    func testB4MatchesKeras() throws { try check(.b4) }
    func testB5MatchesKeras() throws { try check(.b5) }
    func testB6MatchesKeras() throws { try check(.b6) }
    func testB7MatchesKeras() throws { try check(.b7) }

    /// B0 at its default size with the top: the squeeze-excite gates at every resolution, the
    /// top's Dropout (the identity) and the softmax Dense that the 32x32 checks never reach.
    func testB0AtTheDefaultSizeWithTheTopMatchesKeras() throws {
        let model = try efficientnetb0(includeTop: true)
        FormulaWeights.fill(model)
        let expected = try fixtureTensor("efficientnet/efficientnetb0_224_top.h5", dataset: "output")
        let x = pixels([1, 224, 224, 3])
        let y = try model.fusedForInference().predict(x)
        assertClose(y, expected, rtol: 1e-4, "efficientnetb0 224 with the top")
        print("efficientnetb0 224x224 with the top: max |zoo - keras| \(relativeError(y, expected)) of max |keras|")
        let taps = try checkTaps(model, x, fixture: "efficientnet/efficientnetb0_224_top.h5", "efficientnetb0 224")
        print("efficientnetb0 224x224 taps: max |zoo - keras| \(taps) of each tap's max |keras|")
    }

    /// The ImageNet-weights stem: Rescaling(1/255), Normalization with its statistics as weights
    /// (3 means, 3 variances and the count, none trainable), then 1/sqrt(stddev) per channel.
    func testTheStemIsBuiltAsForTheImageNetWeights() throws {
        let model = try efficientnetb0(inputSize: (32, 32))
        XCTAssertEqual(model.layers.dropFirst().prefix(4).map(\.className), ["Rescaling", "Normalization", "Rescaling", "ZeroPadding2D"])
        let rescale = try XCTUnwrap(model.layer(named: "rescaling_1") as? Rescaling)
        XCTAssertEqual(rescale.scales, [0.229, 0.224, 0.225].map { Float(1 / $0.squareRoot()) })
        let normalization = try XCTUnwrap(model.layer(named: "normalization"))
        XCTAssertEqual(normalization.weights.map(\.shape), [[3], [3], []])
        XCTAssertTrue(normalization.weights.allSatisfy { !$0.trainable })
        // Stride-2 blocks pad as correct_pad does for their kernel on an even input: (k/2 - 1, k/2).
        let pad = try XCTUnwrap(model.layer(named: "block3a_dwconv_pad") as? ZeroPadding2D)
        XCTAssertEqual(pad.kerasConfig["padding"] as? [[Int]], [[1, 2], [1, 2]])
    }

    /// Per-image stochastic depth: Dropout with noise_shape (None, 1, 1, 1) before each skip's
    /// Add, its rate growing with the block index as drop_connect_rate * b / blocks.
    func testSkipDropoutsFollowKeras() throws {
        let model = try efficientnetb0(inputSize: (32, 32))
        let drops = model.layers.compactMap { $0 as? Dropout }
        XCTAssertEqual(drops.map(\.name).prefix(3), ["block2b_drop", "block3b_drop", "block4b_drop"])
        XCTAssertEqual(drops.count, 9)
        XCTAssertTrue(drops.allSatisfy { $0.noiseShape == [nil, 1, 1, 1] })
        XCTAssertEqual(drops[0].rate, Float(0.2 * 2 / 16), accuracy: 1e-7)
        XCTAssertEqual(drops.last!.rate, Float(0.2 * 14 / 16), accuracy: 1e-7)
    }

    func testSizesAndOptions() throws {
        XCTAssertEqual(EfficientNetVariant.allCases.map(\.coefficients.defaultSize), [224, 240, 260, 300, 380, 456, 528, 600])
        XCTAssertEqual(try efficientnetb0(inputSize: (32, 32)).name, "efficientnetb0")
        XCTAssertEqual(try efficientnetb3(inputSize: (64, 48), pooling: .avg).outputShape, [1536])
        XCTAssertEqual(try efficientnetb0(inputSize: (33, 35), pooling: .max).outputShape, [1280])
        XCTAssertEqual(try efficientnetb0(inputSize: (224, 224), includeTop: true, classes: 10).outputShape, [10])
        XCTAssertThrowsError(try efficientnetb0(inputSize: (31, 64))) { XCTAssertTrue("\($0)".contains("32"), "\($0)") }
        XCTAssertThrowsError(try efficientnetb1(inputSize: (224, 224), includeTop: true)) {
            XCTAssertTrue("\($0)".contains("240"), "\($0)")
        }
    }

    /// Fine-tuning runs backward through swish, the squeeze-and-excitation gate (its broadcast
    /// Multiply and the sigmoid and swish 1x1 convolutions) and the per-image Dropout: each
    /// weight gets a finite gradient of its shape.
    func testBackwardReachesEveryWeight() throws {
        let model = try efficientnetb0(inputSize: (32, 32), pooling: .avg)
        FormulaWeights.fill(model)
        let y = model.forward(pixels([2, 32, 32, 3]), training: true)
        model.backward(Tensor(repeating: 1, shape: y.shape))
        for (path, w) in model.trainableWeights {
            XCTAssertEqual(w.gradient?.shape, w.shape, path)
            XCTAssertTrue(w.gradient?.data.allSatisfy(\.isFinite) ?? false, path)
        }
        XCTAssertGreaterThan(try XCTUnwrap(model.layer(named: "block1a_se_reduce")?.weights[0].gradient).maxAbs, 0)
        XCTAssertGreaterThan(try XCTUnwrap(model.layer(named: "stem_conv")?.weights[0].gradient).maxAbs, 0)
    }

    /// The stem is only checked if a wrong Normalization statistic shows: at the first tap, not
    /// at the output, which with random weights hardly depends on the input.
    func testAWrongNormalizationStatisticFails() throws {
        let model = try efficientnetb0(inputSize: (32, 32))
        FormulaWeights.fill(model)
        let w = try XCTUnwrap(model.layer(named: "normalization")?.weights[1])
        w.value = Tensor(shape: w.shape, data: w.value.data.reversed())
        let fixture = "efficientnet/efficientnetb0_32.h5"
        let x = pixels([1, 32, 32, 3])
        let expected = try fixtureTensor(fixture, dataset: "taps/stem_activation")
        XCTAssertGreaterThan(relativeError(try prefix(model, through: "stem_activation").predict(x), expected), 1e-2)
        let output = try fixtureTensor(fixture, dataset: "output")
        XCTAssertLessThan(relativeError(try model.predict(x), output), 1e-4, "why the taps are needed")
    }
}
