import XCTest
import ZooLayers
import ZooModels
import ZooTensor
import ZooTestSupport

/// zoo's VGG16 and ResNet50 builders against keras.applications on the same full-size weights:
/// `tools/make_builder_fixtures.py` fills Keras 3's models from FormulaWeights' formula and
/// commits only their outputs. A builder that differs from Keras anywhere (a layer, a stride, a
/// padding, an epsilon, a BatchNorm statistic's order) moves the output far past the tolerance.
final class BuilderParityTests: XCTestCase {
    /// max |zoo - keras| <= 1e-4 x max |keras|, the tolerance of every Keras comparison.
    func check(_ model: Model, fixture: String, parameters: Int) throws {
        XCTAssertEqual(model.parameterCount, parameters, "\(model.name) parameters (Keras's count_params)")
        let expected = try fixtureTensor("builders/\(fixture).h5", dataset: "output")
        FormulaWeights.fill(model)
        let x = FormulaWeights.input(shape: [expected.shape[0]] + model.inputShape)
        let y = try model.fusedForInference().predict(x)
        assertClose(y, expected, rtol: 1e-4, "\(model.name) against keras.applications")
        // The unfused model is what training and export run; it must agree too.
        assertClose(try model.predict(x), expected, rtol: 1e-4, "\(model.name) unfused")
    }

    func testVGG16MatchesKeras() throws {
        try check(try vgg16(inputSize: (64, 64)), fixture: "vgg16_64", parameters: 14_714_688)
    }

    func testResNet50MatchesKeras() throws {
        try check(try resnet50(inputSize: (64, 64)), fixture: "resnet50_64", parameters: 23_587_712)
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
