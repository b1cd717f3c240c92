import XCTest
import ZooTensor
@testable import ZooLayers

final class RandomContrastTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "RandomContrast", "config": {"data_format": "channels_last", "dtype": "float32", "factor": [0, 0.2], "name": "contrast", "seed": 5, "trainable": true, "value_range": [0, 255]}}"#)
        XCTAssertEqual((layer as! RandomContrast).seed, 5)
        assertConfigRefused("RandomContrast", ["factor": -0.5], "layer l: factor -0.5 is out of range 0.0...1.0")
    }

    func testFixedFactorsMatchKerasWithClipping() throws {
        let factors = try AugmentationFixture.tensor("contrast/factors").data
        let y = RandomContrast("contrast", factor: 0.9).adjust(try AugmentationFixture.images(), factors: factors)
        try AugmentationFixture.assertMatches(y, "contrast/y")
        XCTAssertEqual(y.data.max(), 255, "a factor of 1.6 clips at the top of the value range")
    }

    func testDrawnFactorsSpanKerasRange() throws {
        let layer = RandomContrast("contrast", factor: 0.1)
        layer.generator = SeededGenerator(seed: 4)
        try AugmentationFixture.assertSpans(layer.draw(batch: 2000), "contrast")
    }
}
