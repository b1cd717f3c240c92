import XCTest
import ZooTensor
@testable import ZooLayers

final class ReshapeTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Reshape", "config": {"dtype": "float32", "name": "reshape", "target_shape": [3, -1], "trainable": true}}"#)
        XCTAssertEqual(try layer.build([[2, 2, 3]]), [3, 4])
    }

    func testMatchesKerasAndGradientTape() throws {
        try assertMatchesKerasFixture(Reshape(name: "r", targetShape: [6]), "reshape")
        try assertMatchesKerasFixture(Reshape(name: "r", targetShape: [3, -1]), "reshape_inferred")
    }

    func testShapesThatDoNotHoldTheInputAreRefused() {
        XCTAssertThrowsError(try Reshape(name: "r", targetShape: [5]).build([[2, 3]]))
        XCTAssertThrowsError(try Reshape(name: "r", targetShape: [4, -1]).build([[2, 3]]))
        assertConfigRefused("Reshape", ["target_shape": [-1, -1]], "layer l: target_shape [-1, -1] has more than one -1")
        assertConfigRefused("Reshape", [:], "layer l: cannot read target_shape")
    }
}
