import XCTest
import ZooTensor
@testable import ZooLayers

final class ConcatenateTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Concatenate", "config": {"axis": 3, "dtype": "float32", "name": "concat", "trainable": true}}"#)
        XCTAssertEqual(try layer.build([[4, 4, 2], [4, 4, 3]]), [4, 4, 5])
        XCTAssertEqual(layer.forward([Tensor(shape: [1, 2], data: [1, 2]), Tensor(shape: [1, 1], data: [3])]).data, [1, 2, 3])
    }

    func testMatchesKerasAndGradientTape() throws {
        try assertMatchesKerasFixture(Concatenate(name: "c"), "concatenate")
        try assertMatchesKerasFixture(Concatenate(name: "c", axis: 3), "concatenate_axis3")
    }

    func testOnlyTheChannelAxisOfMatchingInputs() {
        XCTAssertEqual(Concatenate.inputCount.lowerBound, 2)
        XCTAssertThrowsError(try Concatenate(name: "c").build([[4, 4, 2]]))
        XCTAssertThrowsError(try Concatenate(name: "c").build([[4, 4, 2], [4, 3, 2]]))
        XCTAssertThrowsError(try Concatenate(name: "c", axis: 2).build([[4, 4, 2], [4, 4, 2]]))
        assertConfigRefused("Concatenate", ["axis": 0], "layer l has class Concatenate, which zoo does not support (axis 0)")
    }
}
