import XCTest
import ZooTensor
@testable import ZooLayers

final class CustomScaleLayerTests: XCTestCase {
    /// What Keras 3 writes for keras.applications InceptionResNetV2's scaled residual.
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "CustomScaleLayer", "config": {"dtype": "float32", "name": "custom_scale_layer", "scale": 0.17, "trainable": true}}"#)
        XCTAssertEqual(try layer.build([[3, 3, 4], [3, 3, 4]]), [3, 3, 4])
        let y = layer.forward([Tensor(shape: [1, 2], data: [1, 2]), Tensor(shape: [1, 2], data: [100, -10])])
        XCTAssertEqual(y.data, [1 + 100 * Float(0.17), 2 - 10 * Float(0.17)])
    }

    /// tools/make_fam16_fixtures.py: x + r * 0.17 and its gradients for both inputs.
    func testMatchesKerasAndGradientTape() throws {
        try assertMatchesKerasFixture(CustomScaleLayer("s", scale: 0.17), "custom_scale_layer")
    }

    func testItTakesTwoInputsOfOneShape() {
        XCTAssertEqual(CustomScaleLayer.inputCount, 2...2)
        XCTAssertThrowsError(try CustomScaleLayer("s", scale: 1).build([[3, 3, 4]]))
        XCTAssertThrowsError(try CustomScaleLayer("s", scale: 1).build([[3, 3, 4], [3, 3, 2]]))
        assertConfigRefused("CustomScaleLayer", [:], "layer l: cannot read scale")
    }
}
