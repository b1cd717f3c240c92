import XCTest
import ZooTensor
@testable import ZooLayers

final class InputLayerTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 28, 28, 1], "dtype": "float32", "name": "input_digits", "optional": false, "ragged": false, "sparse": false}}"#)
        XCTAssertEqual((layer as? InputLayer)?.shape, [28, 28, 1])
        XCTAssertEqual(InputLayer.inputCount, 0...0)
    }

    /// Keras 3 calls it `batch_shape`.
    func testKeras3Shape() throws {
        let layer = try InputLayer(name: "in", config: KerasLayerConfig(layer: "in", className: "InputLayer",
                                                                        values: ["batch_shape": [NSNull(), 4, 3]]))
        XCTAssertEqual(layer.shape, [4, 3])
    }

    func testShapesZooCannotRunAreRefused() {
        assertConfigRefused("InputLayer", ["batch_input_shape": [NSNull(), NSNull(), 3]], "layer l: the input has no fixed shape ([<null>, <null>, 3])")
        assertConfigRefused("InputLayer", [:], "layer l: the input has no fixed shape ([])")
        assertConfigRefused("InputLayer", ["batch_input_shape": [NSNull(), 0, 3]], "layer l: input shape [0, 3] is out of range 1...1048576")
    }
}
