import XCTest
import ZooTensor
@testable import ZooLayers

final class AveragePooling2DTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "AveragePooling2D", "config": {"data_format": "channels_last", "dtype": "float32", "name": "avg_pool", "padding": "valid", "pool_size": [2, 3], "strides": [2, 3], "trainable": true}}"#)
        let pool = try XCTUnwrap(layer as? AveragePooling2D)
        XCTAssertEqual(try pool.build([[9, 9, 3]]), [4, 3, 3])
        XCTAssertEqual(pool.forward([Tensor(shape: [1, 2, 3, 1], data: [1, 2, 3, 4, 5, 6])]).data, [3.5])
    }

    func testOptionsZooLacksAreRefused() {
        assertConfigRefused("AveragePooling2D", ["padding": "full"],
                            "layer l has class AveragePooling2D, which zoo does not support (padding full)")
    }
}
