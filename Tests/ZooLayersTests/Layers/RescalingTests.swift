import XCTest
import ZooTensor
@testable import ZooLayers

final class RescalingTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Rescaling", "config": {"dtype": "float32", "name": "rescale", "offset": -0.5, "scale": 0.00392156862745098, "trainable": true}}"#)
        XCTAssertEqual(layer.forward([Tensor(shape: [1, 2], data: [0, 255])]).data, [-0.5, 0.5])
    }

    /// Keras 3 takes a list: one scale per channel of the last axis (EfficientNet's 1/sqrt(stddev)).
    func testPerChannelScalesRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Rescaling", "config": {"dtype": "float32", "name": "rescaling_1", "offset": 0.0, "scale": [2.0896584, 2.1128804, 2.1081851], "trainable": true}}"#)
        XCTAssertEqual((layer as? Rescaling)?.scales, [2.0896584, 2.1128804, 2.1081851])
        XCTAssertEqual(try layer.build([[1, 2, 3]]), [1, 2, 3])
        let x = Tensor(shape: [1, 2, 3], data: [1, 1, 1, 2, 0, -1])
        XCTAssertEqual(layer.forward([x]).data, [2.0896584, 2.1128804, 2.1081851, 2 * 2.0896584, 0, -2.1081851])
        XCTAssertEqual(layer.backward(x)[0].data, layer.forward([x]).data, "dy times each channel's scale")
        XCTAssertThrowsError(try layer.build([[1, 2, 4]]), "three scales on four channels")
        XCTAssertThrowsError(try Rescaling(name: "l", config: KerasLayerConfig(layer: "l", className: "Rescaling", values: ["scale": ["a"]])))
    }

    /// A per-channel Rescaling's gradient against tf.GradientTape (tools/make_layer_fixtures.py).
    func testPerChannelMatchesKerasAndGradientTape() throws {
        try assertMatchesKerasFixture(Rescaling("r", scales: [0.5, -2, 3], offsets: [1, 0, -0.25]), "rescaling_per_channel")
    }
}
