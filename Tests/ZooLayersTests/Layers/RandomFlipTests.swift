import XCTest
import ZooTensor
@testable import ZooLayers

final class RandomFlipTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "RandomFlip", "config": {"data_format": "channels_last", "dtype": "float32", "mode": "horizontal", "name": "flip", "seed": 3, "trainable": true}}"#)
        XCTAssertEqual(try layer.build([[5, 4, 3]]), [5, 4, 3])
        assertConfigRefused("RandomFlip", ["mode": "diagonal"], "layer l: mode must be one of [\"horizontal\", \"vertical\", \"horizontal_and_vertical\"]")
    }

    func testFixedFlipsMatchKeras() throws {
        let images = try AugmentationFixture.images()
        let flips = try AugmentationFixture.tensor("flips").data.map { $0 != 0 }
        for mode in RandomFlip.Mode.allCases {
            let y = RandomFlip("flip", mode: mode).flip(images, flips: flips)
            try AugmentationFixture.assertMatches(y, "flip_\(mode.rawValue)/y")
        }
    }

    func testIdentityAtInferenceAndAboutHalfFlippedInTraining() {
        let layer = RandomFlip("flip", mode: .horizontal)
        layer.generator = SeededGenerator(seed: 9)
        let x = Tensor(shape: [400, 1, 2, 1], data: (0..<400).flatMap { _ in [Float(1), 2] })
        XCTAssertEqual(layer.forward([x]).data, x.data)
        let y = layer.forward([x], training: true)
        let flipped = stride(from: 0, to: y.count, by: 2).filter { y.data[$0] == 2 }.count
        XCTAssertTrue((160...240).contains(flipped), "\(flipped) of 400 flipped")
    }
}
