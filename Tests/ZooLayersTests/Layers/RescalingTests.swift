import XCTest
import ZooTensor
@testable import ZooLayers

final class RescalingTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Rescaling", "config": {"dtype": "float32", "name": "rescale", "offset": -0.5, "scale": 0.00392156862745098, "trainable": true}}"#)
        XCTAssertEqual(layer.forward([Tensor(shape: [1, 2], data: [0, 255])]).data, [-0.5, 0.5])
    }

    func testPerChannelScalesAreRefused() {
        assertConfigRefused("Rescaling", ["scale": [1, 2, 3]], "layer l has class Rescaling, which zoo does not support (per-channel scale)")
    }
}
