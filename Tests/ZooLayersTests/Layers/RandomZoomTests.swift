import XCTest
import ZooTensor
@testable import ZooLayers

final class RandomZoomTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        try assertKerasConfigRoundTrip(#"{"class_name": "RandomZoom", "config": {"data_format": "channels_last", "dtype": "float32", "fill_mode": "constant", "fill_value": 2.0, "height_factor": [-0.2, 0.3], "interpolation": "nearest", "name": "zoom", "seed": null, "trainable": true, "width_factor": [-0.1, 0.1]}}"#)
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "RandomZoom", "config": {"data_format": "channels_last", "dtype": "float32", "fill_mode": "reflect", "fill_value": 0.0, "height_factor": [-0.2, 0.3], "interpolation": "bilinear", "name": "zoom1", "seed": null, "trainable": true, "width_factor": null}}"#)
        XCTAssertNil((layer as! RandomZoom).widthFactor)
        assertConfigRefused("RandomZoom", ["height_factor": "big"], "layer l: height_factor must be a number or a pair of numbers")
    }

    func testFixedZoomsMatchKeras() throws {
        let z = try AugmentationFixture.tensor("zoom/zooms")
        let zooms = (0..<z.shape[0]).map { (height: z.data[2 * $0], width: z.data[2 * $0 + 1]) }
        let y = RandomZoom("zoom", factor: 0.5).zoom(try AugmentationFixture.images(), zooms: zooms)
        try AugmentationFixture.assertMatches(y, "zoom/y")
    }

    func testDrawnZoomsSpanKerasRangeAndShareOneDrawWithoutWidthFactor() throws {
        let layer = RandomZoom("zoom", factor: 0.1)
        layer.generator = SeededGenerator(seed: 2)
        let draws = layer.draw(batch: 2000)
        try AugmentationFixture.assertSpans(draws.map(\.height), "zoom")
        XCTAssertTrue(draws.allSatisfy { $0.height == $0.width })
    }
}
