import XCTest
import ZooTensor
@testable import ZooLayers

final class AddTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Add", "config": {"dtype": "float32", "name": "add", "trainable": true}}"#)
        XCTAssertEqual(try layer.build([[4], [4], [4]]), [4])
        XCTAssertEqual(layer.forward([Tensor(shape: [1, 2], data: [1, 2]), Tensor(shape: [1, 2], data: [10, -20])]).data, [11, -18])
    }

    func testItMergesTwoOrMoreInputs() {
        XCTAssertEqual(Add.inputCount.lowerBound, 2)
        XCTAssertTrue(Add.inputCount.contains(5))
        XCTAssertThrowsError(try Add(name: "a").build([[4]]))
    }
}
