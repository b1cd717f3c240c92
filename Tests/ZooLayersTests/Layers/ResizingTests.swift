import XCTest
import ZooTensor
@testable import ZooLayers

final class ResizingTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Resizing", "config": {"crop_to_aspect_ratio": false, "dtype": "float32", "height": 12, "interpolation": "bilinear", "name": "resize", "trainable": true, "width": 10}}"#)
        XCTAssertEqual(try layer.build([[4, 4, 3]]), [12, 10, 3])
    }

    func testOtherResizingsAreRefused() {
        let message = "layer l has class Resizing, which zoo does not support (only bilinear resizing without crop, pad or antialias)"
        assertConfigRefused("Resizing", ["height": 4, "width": 4, "interpolation": "nearest"], message)
        assertConfigRefused("Resizing", ["height": 4, "width": 4, "crop_to_aspect_ratio": true], message)
        assertConfigRefused("Resizing", ["height": 4], message)
        assertConfigRefused("Resizing", ["height": 0, "width": 4], "layer l: height and width [0, 4] is out of range 1...1048576")
    }
}
