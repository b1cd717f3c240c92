import XCTest
import ZooTensor
@testable import ZooLayers

final class DenseTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Dense", "config": {"activation": "softmax", "activity_regularizer": null, "bias_constraint": null, "bias_initializer": {"class_name": "Zeros", "config": {}, "module": "keras.initializers", "registered_name": null}, "bias_regularizer": null, "dtype": "float32", "kernel_constraint": null, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}, "module": "keras.initializers", "registered_name": null}, "kernel_regularizer": null, "name": "dense", "trainable": true, "units": 7, "use_bias": true}}"#,
                                                   inputShapes: [[5]])
        let dense = try XCTUnwrap(layer as? Dense)
        XCTAssertEqual(dense.units, 7)
        XCTAssertEqual(dense.activation, .softmax)
        XCTAssertEqual(roleSummary(dense), ["kernel(W) glorot_uniform", "bias(b) zeros"])
        XCTAssertEqual(dense.weights.map(\.shape), [[5, 7], [7]])
        XCTAssertEqual(dense.weightCount(inputShapes: [[5]]), 35)
        XCTAssertEqual(dense.flops(outputShape: [7]), 70)
    }

    func testOptionsZooLacksAreRefused() {
        assertConfigRefused("Dense", [:], "layer l: Dense without units")
        assertConfigRefused("Dense", ["units": 0], "layer l: units [0] is out of range 1...1048576")
        assertConfigRefused("Dense", ["units": 3, "activation": "selu"],
                            "layer l has class Dense, which zoo does not support (activation selu)")
    }
}
