import XCTest
import ZooTensor
@testable import ZooLayers

final class ActivationTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Activation", "config": {"activation": "sigmoid", "dtype": "float32", "name": "act", "trainable": true}}"#)
        XCTAssertEqual((layer as? ActivationLayer)?.activation, .sigmoid)
        XCTAssertEqual(layer.forward([Tensor(shape: [1, 1], data: [0])]).data, [0.5])
        let swish = try assertKerasConfigRoundTrip(#"{"class_name": "Activation", "config": {"activation": "swish", "dtype": "float32", "name": "act", "trainable": true}}"#)
        XCTAssertEqual((swish as? ActivationLayer)?.activation, .swish)
        let relu6 = try assertKerasConfigRoundTrip(#"{"class_name": "Activation", "config": {"activation": "relu6", "dtype": "float32", "name": "act", "trainable": true}}"#)
        XCTAssertEqual(relu6.forward([Tensor(shape: [1, 3], data: [-1, 2, 9])]).data, [0, 2, 6])
    }

    func testMatchesKerasAndGradientTape() throws {
        for activation in [Activation.relu6, .swish, .silu, .sigmoid, .tanh] {
            try assertMatchesKerasFixture(ActivationLayer("a", activation), "activation_\(activation.rawValue)")
        }
    }

    func testUnknownActivationsAreRefused() {
        assertConfigRefused("Activation", ["activation": "selu"],
                            "layer l has class Activation, which zoo does not support (activation selu)")
    }
}
