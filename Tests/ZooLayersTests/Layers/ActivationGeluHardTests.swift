import XCTest
import ZooTensor
import ZooTestSupport
@testable import ZooLayers

/// The activations issue 16's families add: gelu (ConvNeXt), hard_sigmoid and hard_swish /
/// hard_silu (MobileNetV3), through `Activation` as Keras writes them.
final class ActivationGeluHardTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let gelu = try assertKerasConfigRoundTrip(#"{"class_name": "Activation", "config": {"activation": "gelu", "dtype": "float32", "name": "act", "trainable": true}}"#)
        XCTAssertEqual((gelu as? ActivationLayer)?.activation, .gelu)
        // Keras 3 writes Activation("hard_swish") back as hard_silu, its function's name.
        let silu = try assertKerasConfigRoundTrip(#"{"class_name": "Activation", "config": {"activation": "hard_silu", "name": "act", "trainable": true}}"#)
        XCTAssertEqual(silu.forward([Tensor(shape: [1, 4], data: [-4, -1, 1, 4])]).data, [0, -1.0 / 3, 2.0 / 3, 4])
        let sigmoid = try assertKerasConfigRoundTrip(#"{"class_name": "Activation", "config": {"activation": "hard_sigmoid", "name": "act", "trainable": true}}"#)
        XCTAssertEqual(sigmoid.forward([Tensor(shape: [1, 3], data: [-4, 0, 3])]).data, [0, 0.5, 1])
    }

    func testMatchesKerasAndGradientTape() throws {
        for activation in [Activation.gelu, .hardSigmoid, .hardSwish, .hardSilu] {
            try assertMatchesKerasFixture(ActivationLayer("a", activation), "activation_\(activation.rawValue)")
        }
    }

    /// `keras.activations.gelu(x, approximate=True)`, the tanh form, which no activation string
    /// names: the kernels against the fixture directly.
    func testApproximateGeluMatchesTensorFlow() throws {
        let path = "layers/gelu_approximate.h5"
        let x = try fixtureTensor(path, dataset: "x0"), dy = try fixtureTensor(path, dataset: "dy")
        var y = x
        geluInPlace(&y, approximate: true)
        assertClose(y, try fixtureTensor(path, dataset: "y"), rtol: 1e-5, "approximate gelu")
        assertClose(geluBackward(x: x, dy: dy, approximate: true), try fixtureTensor(path, dataset: "dx0"), rtol: 1e-4,
                    "approximate gelu against tf.GradientTape")
        // And the two forms differ by more than the tolerance, so each test can tell them apart.
        var exact = x
        geluInPlace(&exact, approximate: false)
        XCTAssertGreaterThan(zip(exact.data, y.data).map { abs($0 - $1) }.max()!, 1e-4)
    }
}
