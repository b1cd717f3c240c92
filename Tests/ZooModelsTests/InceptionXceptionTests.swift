import XCTest
import ZooHDF5
import ZooLayers
import ZooModels
import ZooTensor
import ZooTestSupport

/// zoo's InceptionV3 and Xception builders against keras.applications:
/// `tools/make_inception_xception_fixtures.py` builds each Keras model at its minimum size
/// (75x75, 71x71, no top) and at the default size with the top (299x299), fills it from the
/// formula of FormulaWeights (with its `depthwise_kernel` and `pointwise_kernel` roles) and
/// commits the outputs, the parameter counts with and without the top, and the layer names in
/// Keras's `model.layers` order (the order topological loading pairs layers in).
final class InceptionXceptionTests: XCTestCase {
    typealias Builder = @Sendable (_ size: (Int, Int), _ includeTop: Bool) throws -> Model

    static let models: [(name: String, minimum: Int, build: Builder)] = [
        ("inceptionv3", 75, { try inceptionv3(inputSize: $0, includeTop: $1) }),
        ("xception", 71, { try xception(inputSize: $0, includeTop: $1) }),
    ]

    func input(_ size: Int) -> Tensor {
        Tensor(shape: [1, size, size, 3], data: FormulaWeights.input(shape: [1, size, size, 3]).data.map { $0 * (1 / 128) })
    }

    func relativeError(_ y: Tensor, _ expected: Tensor) -> Float {
        zip(y.data, expected.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } / expected.maxAbs
    }

    /// Keras's input layer is named by the Keras version that builds it; zoo's builders take it
    /// as an argument, so names are compared from the first layer after it.
    func testMinimumSizeMatchesKeras() throws {
        for (name, minimum, build) in Self.models {
            let fixture = "families/\(name)_\(minimum).h5"
            let file = try H5File.open(fixturePath(fixture))
            func int(_ key: String) throws -> Int {
                guard case let .int(v) = try file.root.attribute(key) else {
                    throw HDF5Error.wrongKind(file: fixture, path: key, expected: "int")
                }
                return Int(v)
            }
            func names(_ key: String) throws -> [String] {
                try file.root.stringList(key)[0].split(separator: ",").map(String.init).dropFirst().map { $0 }
            }

            let top = try build((299, 299), true)
            XCTAssertEqual(top.parameterCount, try int("parameters_top"), "\(name) with the top: Keras's count_params")
            XCTAssertEqual(top.trainableCount, try int("trainable_parameters_top"), "\(name) with the top: trainable")
            XCTAssertEqual(top.layers.dropFirst().map(\.name), try names("layer_names_top"), "\(name) with the top: layer names")

            let model = try build((minimum, minimum), false)
            XCTAssertEqual(model.parameterCount, try int("parameters"), "\(name): Keras's count_params")
            XCTAssertEqual(model.trainableCount, try int("trainable_parameters"), "\(name): trainable")
            XCTAssertEqual(model.layers.dropFirst().map(\.name), try names("layer_names"), "\(name): layer names and order")
            let expected = try fixtureTensor(fixture, dataset: "output")
            FormulaWeights.fill(model)
            let x = input(minimum)
            let y = try model.predict(x)
            assertClose(y, expected, rtol: 1e-4, "\(name) at \(minimum) against keras.applications")
            print("\(name) \(minimum)x\(minimum): \(model.parameterCount) parameters (\(top.parameterCount) with the top), "
                  + "max |zoo - keras| \(relativeError(y, expected)) of max |keras|")
            let fused = try model.fusedForInference().predict(x)
            assertClose(fused, expected, rtol: 1e-4, "\(name) fused")
            print("\(name) \(minimum)x\(minimum) fused: max |zoo - keras| \(relativeError(fused, expected)) of max |keras|")
        }
    }

    /// The default size with the top (299x299, 1000 classes): the 8x8 and 17x17 grids the
    /// minimum size never has, average pooling and the classifier.
    func testDefaultSizeWithTheTopMatchesKeras() throws {
        let x = input(299)
        for (name, _, build) in Self.models {
            let model = try build((299, 299), true)
            FormulaWeights.fill(model)
            let expected = try fixtureTensor("families/\(name)_299_top.h5", dataset: "output")
            let y = try model.fusedForInference().predict(x)
            assertClose(y, expected, rtol: 1e-4, "\(name) 299 with the top")
            print("\(name) 299x299 with the top: max |zoo - keras| \(relativeError(y, expected)) of max |keras|")
        }
    }

    func testOptionsAndNames() throws {
        XCTAssertEqual(try inceptionv3(inputSize: (75, 75)).name, "inception_v3")
        XCTAssertEqual(try xception(inputSize: (71, 71)).name, "xception")
        XCTAssertEqual(try inceptionv3(inputSize: (75, 75)).outputShape, [1, 1, 2048])
        XCTAssertEqual(try inceptionv3(inputSize: (299, 299)).outputShape, [8, 8, 2048])
        XCTAssertEqual(try xception(inputSize: (71, 71)).outputShape, [3, 3, 2048])
        XCTAssertEqual(try xception(inputSize: (299, 299)).outputShape, [10, 10, 2048])
        XCTAssertEqual(try inceptionv3(inputSize: (80, 120), pooling: .avg).outputShape, [2048])
        XCTAssertEqual(try xception(inputSize: (100, 71), pooling: .max).outputShape, [2048])
        XCTAssertEqual(try inceptionv3(inputSize: (75, 75), pooling: .max).layers.last?.name, "global_max_pooling2d")
        XCTAssertEqual(try xception(inputSize: (71, 71), pooling: .avg).layers.last?.name, "global_average_pooling2d")
        XCTAssertEqual(try inceptionv3(includeTop: true, classes: 10).outputShape, [10])
        XCTAssertEqual(try xception(includeTop: true).outputShape, [1000])
        // InceptionV3's BatchNormalization has no gamma (scale=False): beta and the statistics.
        let bn = try XCTUnwrap(try inceptionv3(inputSize: (75, 75)).layer(named: "batch_normalization_93"))
        XCTAssertEqual(bn.weights.map(\.name), ["beta", "moving_mean", "moving_variance"])
    }

    func testTooSmallInputsAndTheTopSizeAreRefused() {
        XCTAssertThrowsError(try inceptionv3(inputSize: (74, 299))) { XCTAssertTrue("\($0)".contains("75x75"), "\($0)") }
        XCTAssertThrowsError(try xception(inputSize: (299, 70))) { XCTAssertTrue("\($0)".contains("71x71"), "\($0)") }
        XCTAssertThrowsError(try inceptionv3(inputSize: (224, 224), includeTop: true)) { XCTAssertTrue("\($0)".contains("299"), "\($0)") }
        XCTAssertThrowsError(try xception(inputSize: (224, 224), includeTop: true)) { XCTAssertTrue("\($0)".contains("299"), "\($0)") }
    }

    /// Fine-tuning runs backward through every layer these models use (BatchNormalization without
    /// gamma, SeparableConv2D, Concatenate, same-padded average pooling, the shortcut Adds): each
    /// trainable weight gets a finite gradient of its shape, the first convolution a non-zero one.
    func testBackwardReachesEveryWeight() throws {
        for (_, minimum, build) in Self.models {
            let model = try build((minimum, minimum), false)
            FormulaWeights.fill(model)
            let x = Tensor(shape: [2, minimum, minimum, 3],
                           data: FormulaWeights.input(shape: [2, minimum, minimum, 3]).data.map { $0 * (1 / 128) })
            let y = model.forward(x, training: true)
            model.backward(Tensor(repeating: 1, shape: y.shape))
            for (path, w) in model.trainableWeights {
                XCTAssertEqual(w.gradient?.shape, w.shape, "\(model.name) \(path)")
                XCTAssertTrue(w.gradient?.data.allSatisfy(\.isFinite) ?? false, "\(model.name) \(path)")
            }
            XCTAssertGreaterThan(model.layers[1].weights[0].gradient!.maxAbs, 0, model.name)
        }
    }

    /// The pointwise formula is only worth something if a wrong pointwise weight shows.
    func testAWrongPointwiseKernelFails() throws {
        let model = try xception(inputSize: (71, 71))
        FormulaWeights.fill(model)
        let w = try XCTUnwrap(model.layer(named: "block7_sepconv2")?.weight("pointwise_kernel"))
        w.value = Tensor(shape: w.shape, data: w.value.data.reversed())
        let expected = try fixtureTensor("families/xception_71.h5", dataset: "output")
        XCTAssertGreaterThan(relativeError(try model.predict(input(71)), expected), 1e-4)
    }
}
