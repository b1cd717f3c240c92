import XCTest
import ZooTensor
@testable import ZooLayers

final class GlobalMaxPooling2DTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "GlobalMaxPooling2D", "config": {"data_format": "channels_last", "dtype": "float32", "keepdims": false, "name": "gmp", "trainable": true}}"#)
        XCTAssertEqual(try layer.build([[4, 4, 3]]), [3])
        XCTAssertEqual(layer.forward([Tensor(shape: [1, 2, 1, 2], data: [1, 10, 3, 20])]).data, [3, 20])
    }

    func testOptionsZooLacksAreRefused() {
        assertConfigRefused("GlobalMaxPooling2D", ["data_format": "channels_first"],
                            "layer l has class GlobalMaxPooling2D, which zoo does not support (data_format channels_first)")
    }

    func testKeepdims() throws {
        try assertMatchesKerasFixture(GlobalMaxPooling2D(name: "g", keepdims: true), "gmp_keepdims")
    }
}
