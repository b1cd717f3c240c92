import XCTest
import ZooTensor
@testable import ZooLayers

final class MaxPooling2DTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "MaxPooling2D", "config": {"data_format": "channels_last", "dtype": "float32", "name": "max_pool", "padding": "same", "pool_size": [3, 3], "strides": [2, 2], "trainable": true}}"#)
        let pool = try XCTUnwrap(layer as? MaxPooling2D)
        XCTAssertEqual(try pool.build([[9, 9, 3]]), [5, 5, 3])
    }

    func testStridesDefaultToThePoolSize() throws {
        let pool = try MaxPooling2D(name: "p", config: KerasLayerConfig(layer: "p", className: "MaxPooling2D", values: ["pool_size": 3]))
        XCTAssertEqual([pool.strides.0, pool.strides.1], [3, 3])
        XCTAssertEqual(pool.forward([Tensor(shape: [1, 3, 3, 1], data: [1, 9, 2, 3, 4, 5, 6, 7, 8])]).data, [9])
    }

    func testOptionsZooLacksAreRefused() {
        assertConfigRefused("MaxPooling2D", ["data_format": "channels_first"],
                            "layer l has class MaxPooling2D, which zoo does not support (data_format channels_first)")
        assertConfigRefused("MaxPooling2D", ["pool_size": [2, 0]], "layer l: pool_size [2, 0] is out of range 1...1048576")
    }
}
