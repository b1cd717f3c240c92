import XCTest
import ZooTensor
@testable import ZooLayers

final class FlattenTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Flatten", "config": {"data_format": "channels_last", "dtype": "float32", "name": "flatten", "trainable": true}}"#)
        XCTAssertEqual(try layer.build([[4, 4, 3]]), [48])
        XCTAssertEqual(Flatten.inputCount, 1...1)
    }
}
