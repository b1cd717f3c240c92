import XCTest
import ZooTensor
@testable import ZooLayers

final class Conv2DTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Conv2D", "config": {"activation": "relu", "activity_regularizer": null, "bias_constraint": null, "bias_initializer": {"class_name": "Zeros", "config": {}, "module": "keras.initializers", "registered_name": null}, "bias_regularizer": null, "data_format": "channels_last", "dilation_rate": [1, 1], "dtype": "float32", "filters": 8, "groups": 1, "kernel_constraint": null, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}, "module": "keras.initializers", "registered_name": null}, "kernel_regularizer": null, "kernel_size": [3, 5], "name": "conv", "padding": "same", "strides": [2, 1], "trainable": true, "use_bias": false}}"#,
                                                   inputShapes: [[9, 9, 3]])
        let conv = try XCTUnwrap(layer as? Conv2D)
        XCTAssertEqual([conv.filters, conv.kernelSize.0, conv.kernelSize.1, conv.strides.0, conv.strides.1], [8, 3, 5, 2, 1])
        XCTAssertEqual(conv.padding, .same)
        XCTAssertEqual(conv.activation, .relu)
        XCTAssertFalse(conv.useBias)
        XCTAssertEqual(roleSummary(conv), ["kernel(W) glorot_uniform"])
        XCTAssertEqual(conv.weights[0].shape, [3, 5, 3, 8])
    }

    func testWeightRolesAndCounts() throws {
        let conv = Conv2D("c", filters: 4, kernelSize: 3)
        XCTAssertEqual(conv.weightCount(inputShapes: [[8, 8, 2]]), 3 * 3 * 2 * 4, "known before build allocates")
        XCTAssertEqual(try conv.build([[8, 8, 2]]), [6, 6, 4])
        XCTAssertEqual(roleSummary(conv), ["kernel(W) glorot_uniform", "bias(b) zeros"])
        XCTAssertEqual(conv.flops(outputShape: [6, 6, 4]), 2 * 6 * 6 * 3 * 3 * 2 * 4)
    }

    func testOptionsZooLacksAreRefused() {
        let base: [String: Any] = ["filters": 4, "kernel_size": [3, 3]]
        let unsupported = "layer l has class Conv2D, which zoo does not support"
        assertConfigRefused("Conv2D", base.merging(["dilation_rate": [2, 2]]) { $1 }, "\(unsupported) (dilation)")
        assertConfigRefused("Conv2D", base.merging(["data_format": "channels_first"]) { $1 }, "\(unsupported) (data_format channels_first)")
        assertConfigRefused("Conv2D", base.merging(["padding": "causal"]) { $1 }, "\(unsupported) (padding causal)")
        assertConfigRefused("Conv2D", base.merging(["activation": "selu"]) { $1 }, "\(unsupported) (activation selu)")
        assertConfigRefused("Conv2D", ["kernel_size": 3], "layer l: Conv2D without filters")
        assertConfigRefused("Conv2D", base.merging(["filters": 1_000_000_000]) { $1 }, "layer l: filters [1000000000] is out of range 1...1048576")
        assertConfigRefused("Conv2D", base.merging(["strides": [0, 1]]) { $1 }, "layer l: strides [0, 1] is out of range 1...1048576")
        assertConfigRefused("Conv2D", base.merging(["kernel_size": "3x3"]) { $1 }, "layer l: cannot read kernel_size = 3x3")
    }

    /// EfficientNet's squeeze-and-excitation convolutions: swish and sigmoid activations, whose
    /// gradients against tf.GradientTape need the recomputed pre-activation.
    func testSwishAndSigmoidActivationsMatchKerasAndGradientTape() throws {
        XCTAssertTrue(Conv2D("c", filters: 3, kernelSize: 1, activation: .swish).differentiable)
        let swish = try assertMatchesKerasFixture(Conv2D("c", filters: 3, kernelSize: 1, padding: .same, activation: .swish), "conv2d_se_swish")
        let sigmoid = try assertMatchesKerasFixture(Conv2D("c", filters: 4, kernelSize: 3, padding: .same, activation: .sigmoid), "conv2d_sigmoid")
        print("Conv2D swish, sigmoid: max gradient error vs tf.GradientTape \(swish), \(sigmoid) of the largest magnitude")
    }
}
