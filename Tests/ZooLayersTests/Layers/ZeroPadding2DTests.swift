import XCTest
import ZooTensor
@testable import ZooLayers

final class ZeroPadding2DTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "ZeroPadding2D", "config": {"data_format": "channels_last", "dtype": "float32", "name": "pad", "padding": [[1, 2], [3, 0]], "trainable": true}}"#)
        XCTAssertEqual(try layer.build([[4, 4, 3]]), [7, 7, 3])
    }

    /// Keras also takes one number for every side and [rows, columns].
    func testShortFormsOfPadding() throws {
        for (padding, shape) in [(2, [8, 8, 1]), ([1, 2], [6, 8, 1])] as [(Any, [Int])] {
            let layer = try ZeroPadding2D(name: "p", config: KerasLayerConfig(layer: "p", className: "ZeroPadding2D",
                                                                               values: ["padding": padding]))
            XCTAssertEqual(try layer.build([[4, 4, 1]]), shape)
        }
    }

    func testUnreadablePaddingIsRefused() {
        assertConfigRefused("ZeroPadding2D", ["padding": [1, 2, 3]], "layer l: cannot read padding")
        assertConfigRefused("ZeroPadding2D", ["padding": -1], "layer l: padding [-1, -1, -1, -1] is out of range 0...1048576")
    }
}
