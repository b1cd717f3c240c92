import XCTest
import ZooTensor
import ZooTestSupport
@testable import ZooLayers

/// Dense on the last axis of a feature map, as Keras applies it (ConvNeXt's pointwise layers).
final class DenseOnMapsTests: XCTestCase {
    func testMatchesKerasAndGradientTape() throws {
        try assertMatchesKerasFixture(Dense("d", units: 5), "dense_nhwc")
    }

    func testOutputShapeKeepsThePositions() throws {
        XCTAssertEqual(try Dense("d", units: 7).build([[4, 6, 3]]), [4, 6, 7])
        XCTAssertEqual(try Dense("d", units: 7).build([[3]]), [7])
    }
}
