import XCTest
import ZooTensor
@testable import ZooLayers

final class DropoutTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Dropout", "config": {"dtype": "float32", "name": "dropout", "noise_shape": null, "rate": 0.25, "seed": null, "trainable": true}}"#)
        XCTAssertEqual((layer as? Dropout)?.rate, 0.25)
        let x = Tensor(shape: [1, 3], data: [1, 2, 3])
        XCTAssertEqual(layer.forward([x]), x, "the identity at inference")
    }

    /// EfficientNet's skip Dropout: noise_shape (None, 1, 1, 1) as Keras writes it, one draw per image.
    func testNoiseShapeRoundTripsAndDropsWholeImages() throws {
        let layer = try XCTUnwrap(try assertKerasConfigRoundTrip(#"{"class_name": "Dropout", "config": {"dtype": "float32", "name": "block2b_drop", "noise_shape": [null, 1, 1, 1], "rate": 0.5, "seed": null, "trainable": true}}"#) as? Dropout)
        XCTAssertEqual(layer.noiseShape, [nil, 1, 1, 1])
        XCTAssertEqual(try layer.build([[2, 2, 3]]), [2, 2, 3])
        XCTAssertThrowsError(try Dropout("d", rate: 0.5, noiseShape: [nil, 1, 2]).build([[2, 2, 3]]))
        let x = Tensor(shape: [64, 2, 2, 3], data: (0..<768).map { Float($0 % 7) + 1 })
        XCTAssertEqual(layer.forward([x]), x, "the identity at inference")
        let y = layer.forward([x], training: true)
        var dropped = 0
        for n in 0..<64 {
            let image = Array(y.data[(n * 12)..<(n * 12 + 12)]), input = Array(x.data[(n * 12)..<(n * 12 + 12)])
            if image.allSatisfy({ $0 == 0 }) { dropped += 1 } else { XCTAssertEqual(image, input.map { $0 * 2 }, "image \(n) kept whole, scaled by 1 / (1 - rate)") }
        }
        XCTAssertTrue((10...54).contains(dropped), "\(dropped) of 64 images dropped at rate 0.5")
        let dx = layer.backward(Tensor(repeating: 1, shape: x.shape))[0]
        XCTAssertEqual(dx.data, y.data.indices.map { y.data[$0] == 0 ? 0 : 2 }, "the gradient goes through the same per-image mask")
    }
}
