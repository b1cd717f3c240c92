import XCTest
import ZooTensor
@testable import ZooLayers

final class Cropping2DTests: XCTestCase {
    /// What Keras 3 writes (nasnet.py's `_adjust_block` crop); tf-keras writes the same keys.
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Cropping2D", "config": {"cropping": [[1, 0], [1, 0]], "data_format": "channels_last", "dtype": "float32", "name": "cropping2d", "trainable": true}}"#)
        XCTAssertEqual(try layer.build([[5, 6, 3]]), [4, 5, 3])
        let x = Tensor(shape: [1, 2, 2, 1], data: [1, 2, 3, 4])
        XCTAssertEqual(layer.forward([x]).data, [4])
    }

    func testShortFormsOfCropping() throws {
        for (cropping, shape) in [(1, [2, 4, 1]), ([1, 2], [2, 2, 1])] as [(Any, [Int])] {
            let layer = try Cropping2D(name: "c", config: KerasLayerConfig(layer: "c", className: "Cropping2D",
                                                                           values: ["cropping": cropping]))
            XCTAssertEqual(try layer.build([[4, 6, 1]]), shape)
        }
    }

    /// tools/make_fam16_fixtures.py: NASNet's ((1, 0), (1, 0)) and one cropping every side differently.
    func testMatchesKerasAndGradientTape() throws {
        try assertMatchesKerasFixture(Cropping2D("c", cropping: ((1, 0), (1, 0))), "cropping2d_nasnet")
        try assertMatchesKerasFixture(Cropping2D("c", cropping: ((2, 1), (0, 3))), "cropping2d_asymmetric")
    }

    func testCroppingAwayTheWholeInputIsRefused() {
        XCTAssertThrowsError(try Cropping2D("c", cropping: ((2, 2), (0, 0))).build([[4, 4, 3]])) {
            XCTAssertTrue("\($0)".contains("c"), "\($0)")
        }
        XCTAssertThrowsError(try Cropping2D("c", cropping: 1).build([[4, 4]]))
        XCTAssertThrowsError(try Cropping2D("c", cropping: ((-1, 0), (0, 0))).build([[4, 4, 3]]))
        assertConfigRefused("Cropping2D", ["cropping": [1, 2, 3]], "layer l: cannot read cropping")
    }
}
