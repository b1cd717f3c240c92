import XCTest
import ZooTensor
@testable import ZooLayers

final class ActivationTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Activation", "config": {"activation": "sigmoid", "dtype": "float32", "name": "act", "trainable": true}}"#)
        XCTAssertEqual((layer as? ActivationLayer)?.activation, .sigmoid)
        XCTAssertEqual(layer.forward([Tensor(shape: [1, 1], data: [0])]).data, [0.5])
    }

    func testUnknownActivationsAreRefused() {
        assertConfigRefused("Activation", ["activation": "swish"],
                            "layer l has class Activation, which zoo does not support (activation swish)")
    }
}
