import XCTest
import ZooTensor
@testable import ZooLayers

final class ReLUTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "ReLU", "config": {"dtype": "float32", "max_value": null, "name": "relu", "negative_slope": 0.0, "threshold": 0.0, "trainable": true}}"#)
        XCTAssertTrue(layer is ReLU)
        XCTAssertEqual(layer.forward([Tensor(shape: [1, 3], data: [-1, 0, 2])]).data, [0, 0, 2])
        XCTAssertEqual(layer.forward([Tensor(shape: [1, 3], data: [-1, 0, 2])], training: true).data, [0, 0, 2])
        XCTAssertEqual(layer.backward(Tensor(shape: [1, 3], data: [5, 6, 7]))[0].data, [0, 0, 7])
    }

    func testReLU6AndLeakyConfigsRoundTrip() throws {
        let six = try XCTUnwrap(try assertKerasConfigRoundTrip(#"{"class_name": "ReLU", "config": {"dtype": "float32", "max_value": 6.0, "name": "relu6", "negative_slope": 0.0, "threshold": 0.0, "trainable": true}}"#) as? ReLU)
        XCTAssertEqual(six.maxValue, 6)
        XCTAssertEqual(six.forward([Tensor(shape: [1, 3], data: [-1, 3, 7])]).data, [0, 3, 6])
        let leaky = try XCTUnwrap(try assertKerasConfigRoundTrip(#"{"class_name": "ReLU", "config": {"dtype": "float32", "max_value": 4.0, "name": "leaky", "negative_slope": 0.10000000149011612, "threshold": 0.5, "trainable": true}}"#) as? ReLU)
        XCTAssertEqual(leaky.forward([Tensor(shape: [1, 4], data: [-1.5, 0.25, 1, 5])]).data, [-0.2, -0.025, 1, 4])
    }

    func testMatchesKerasAndGradientTape() throws {
        try assertMatchesKerasFixture(ReLU(name: "r", maxValue: 6), "relu6")
        try assertMatchesKerasFixture(ReLU(name: "r", maxValue: 4, negativeSlope: 0.1, threshold: 0.5), "relu_leaky_threshold")
    }

    func testNegativeArgumentsAreRefused() {
        assertConfigRefused("ReLU", ["max_value": -1.0], "layer l: max_value -1.0 must be a non-negative number")
        assertConfigRefused("ReLU", ["negative_slope": -0.1], "layer l: negative_slope -0.1 must be a non-negative number")
        assertConfigRefused("ReLU", ["max_value": "six"], "layer l: cannot read max_value")
    }
}
