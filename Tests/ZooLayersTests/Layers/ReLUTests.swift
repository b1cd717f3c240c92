import XCTest
import ZooTensor
@testable import ZooLayers

final class ReLUTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "ReLU", "config": {"dtype": "float32", "max_value": null, "name": "relu", "negative_slope": 0.0, "threshold": 0.0, "trainable": true}}"#)
        XCTAssertTrue(layer is ReLU)
        XCTAssertEqual(layer.forward([Tensor(shape: [1, 3], data: [-1, 0, 2])]).data, [0, 0, 2])
        XCTAssertEqual(layer.forward([Tensor(shape: [1, 3], data: [-1, 0, 2])], training: true).data, [0, 0, 2])
        XCTAssertEqual(layer.backward(Tensor(shape: [1, 3], data: [5, 6, 7]))[0].data, [0, 0, 7])
    }

    func testArgumentsBeyondThePlainReLUAreRefused() {
        let message = "layer l has class ReLU, which zoo does not support (max_value/negative_slope/threshold)"
        assertConfigRefused("ReLU", ["max_value": 6.0], message)
        assertConfigRefused("ReLU", ["negative_slope": 0.1], message)
        assertConfigRefused("ReLU", ["threshold": 1], message)
    }
}
