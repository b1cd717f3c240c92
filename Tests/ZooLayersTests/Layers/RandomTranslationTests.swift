import XCTest
import ZooTensor
@testable import ZooLayers

final class RandomTranslationTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        try assertKerasConfigRoundTrip(#"{"class_name": "RandomTranslation", "config": {"data_format": "channels_last", "dtype": "float32", "fill_mode": "wrap", "fill_value": 0.0, "height_factor": [-0.1, 0.2], "interpolation": "bilinear", "name": "shift", "seed": null, "trainable": true, "width_factor": [-0.3, 0.3]}}"#)
        assertConfigRefused("RandomTranslation", ["height_factor": 0.1], "layer l: height_factor and width_factor are required")
    }

    func testFixedShiftsMatchKeras() throws {
        let t = try AugmentationFixture.tensor("translation/translations")
        let shifts = (0..<t.shape[0]).map { (dx: t.data[2 * $0], dy: t.data[2 * $0 + 1]) }
        let y = RandomTranslation("shift", factor: 0.5).translate(try AugmentationFixture.images(), shifts: shifts)
        try AugmentationFixture.assertMatches(y, "translation/y")
    }

    func testDrawnShiftsSpanKerasRange() throws {
        let layer = RandomTranslation("shift", factor: 0.1)
        layer.generator = SeededGenerator(seed: 3)
        let draws = layer.draw(batch: 2000, height: 10, width: 20)
        try AugmentationFixture.assertSpans(draws.map { $0.dy / 10 }, "translation")
        try AugmentationFixture.assertSpans(draws.map { $0.dx / 20 }, "translation")
    }
}
