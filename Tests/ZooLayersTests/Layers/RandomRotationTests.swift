import XCTest
import ZooTensor
@testable import ZooLayers

final class RandomRotationTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "RandomRotation", "config": {"data_format": "channels_last", "dtype": "float32", "factor": [-0.2, 0.1], "fill_mode": "nearest", "fill_value": 0.0, "interpolation": "bilinear", "name": "rot", "seed": null, "trainable": true}}"#)
        XCTAssertEqual((layer as! RandomRotation).factor.lower, -0.2)
        assertConfigRefused("RandomRotation", ["factor": 1.5], "layer l: factor 1.5 is out of range -1.0...1.0")
        assertConfigRefused("RandomRotation", ["factor": 0.1, "fill_mode": "mirror"], "layer l: fill_mode must be one of [\"reflect\", \"wrap\", \"constant\", \"nearest\"]")
    }

    func testFixedAnglesMatchKeras() throws {
        let angles = try AugmentationFixture.tensor("rotation/angles").data
        let y = RandomRotation("rot", factor: 0.5).rotate(try AugmentationFixture.images(), degrees: angles)
        try AugmentationFixture.assertMatches(y, "rotation/y")
    }

    func testDrawnAnglesSpanKerasRange() throws {
        let layer = RandomRotation("rot", factor: 0.1)
        layer.generator = SeededGenerator(seed: 1)
        try AugmentationFixture.assertSpans(layer.draw(batch: 2000), "rotation")
    }

    /// Seeded: the same seed draws the same angles, another seed others.
    func testDrawsFollowTheSeed() {
        func angles(_ seed: UInt64) -> [Float] {
            let layer = RandomRotation("rot", factor: 0.1)
            layer.generator = SeededGenerator(seed: seed)
            return layer.draw(batch: 8)
        }
        XCTAssertEqual(angles(4), angles(4))
        XCTAssertNotEqual(angles(4), angles(5))
    }
}
