import XCTest
import ZooTensor
@testable import ZooLayers

final class SoftmaxTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Softmax", "config": {"axis": -1, "dtype": "float32", "name": "softmax", "trainable": true}}"#)
        XCTAssertTrue(layer is Softmax)
        let y = layer.forward([Tensor(shape: [2, 2], data: [0, 0, 0, Float(log(3.0))])]).data
        XCTAssertEqual(y[0], 0.5, accuracy: 1e-6)
        XCTAssertEqual(y[3], 0.75, accuracy: 1e-6)
        XCTAssertFalse(layer.differentiable, "trained only fused with cross-entropy, in a Dense")
    }

    func testOtherAxesAreRefused() {
        assertConfigRefused("Softmax", ["axis": 1], "layer l has class Softmax, which zoo does not support (axis 1)")
    }
}
