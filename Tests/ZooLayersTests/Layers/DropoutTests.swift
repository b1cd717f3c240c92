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
}
