import XCTest
import ZooTensor
@testable import ZooLayers

final class MultiplyTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Multiply", "config": {"dtype": "float32", "name": "multiply", "trainable": true}}"#)
        XCTAssertEqual(try layer.build([[1, 1, 4], [3, 3, 4]]), [3, 3, 4])
        XCTAssertEqual(layer.forward([Tensor(shape: [1, 2], data: [2, 3]), Tensor(shape: [1, 2], data: [10, -1])]).data, [20, -3])
    }

    func testMatchesKerasAndGradientTape() throws {
        try assertMatchesKerasFixture(Multiply(name: "m"), "multiply_se")
        try assertMatchesKerasFixture(Multiply(name: "m"), "multiply_three")
    }

    func testShapesThatDoNotBroadcastAreRefused() {
        XCTAssertEqual(Multiply.inputCount.lowerBound, 2)
        XCTAssertThrowsError(try Multiply(name: "m").build([[3, 3, 4]]))
        XCTAssertThrowsError(try Multiply(name: "m").build([[3, 3, 4], [3, 3, 2]]))
        XCTAssertThrowsError(try Multiply(name: "m").build([[3, 3, 4], [3, 4]]))
    }
}
