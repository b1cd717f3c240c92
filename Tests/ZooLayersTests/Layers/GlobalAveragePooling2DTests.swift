import XCTest
import ZooTensor
@testable import ZooLayers

final class GlobalAveragePooling2DTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "GlobalAveragePooling2D", "config": {"data_format": "channels_last", "dtype": "float32", "keepdims": false, "name": "gap", "trainable": true}}"#)
        XCTAssertEqual(try layer.build([[4, 4, 3]]), [3])
        XCTAssertEqual(layer.forward([Tensor(shape: [1, 2, 1, 2], data: [1, 10, 3, 20])]).data, [2, 15])
    }

    func testKeepdimsAsMobileNetUsesIt() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "GlobalAveragePooling2D", "config": {"data_format": "channels_last", "dtype": "float32", "keepdims": true, "name": "gap", "trainable": true}}"#)
        XCTAssertEqual(try layer.build([[4, 4, 3]]), [1, 1, 3])
        try assertMatchesKerasFixture(GlobalAveragePooling2D(name: "g", keepdims: true), "gap_keepdims")
    }
}
