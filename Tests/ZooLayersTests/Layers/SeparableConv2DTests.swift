import XCTest
import ZooTensor
@testable import ZooLayers

final class SeparableConv2DTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "SeparableConv2D", "config": {"activation": "relu", "activity_regularizer": null, "bias_constraint": null, "bias_initializer": {"class_name": "Zeros", "config": {}, "module": "keras.initializers", "registered_name": null}, "bias_regularizer": null, "data_format": "channels_last", "depth_multiplier": 2, "depthwise_constraint": null, "depthwise_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}, "module": "keras.initializers", "registered_name": null}, "depthwise_regularizer": null, "dilation_rate": [1, 1], "dtype": "float32", "filters": 8, "groups": 1, "kernel_constraint": null, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}, "module": "keras.initializers", "registered_name": null}, "kernel_regularizer": null, "kernel_size": [3, 5], "name": "sep", "padding": "same", "pointwise_constraint": null, "pointwise_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}, "module": "keras.initializers", "registered_name": null}, "pointwise_regularizer": null, "strides": [2, 1], "trainable": true, "use_bias": false}}"#,
                                                   inputShapes: [[9, 9, 3]])
        let sep = try XCTUnwrap(layer as? SeparableConv2D)
        XCTAssertEqual([sep.filters, sep.kernelSize.0, sep.kernelSize.1, sep.strides.0, sep.strides.1, sep.depthMultiplier],
                       [8, 3, 5, 2, 1, 2])
        XCTAssertEqual(sep.activation, .relu)
        XCTAssertEqual(roleSummary(sep), ["depthwise_kernel glorot_uniform", "pointwise_kernel glorot_uniform"])
        XCTAssertEqual(sep.weights.map(\.shape), [[3, 5, 3, 2], [1, 1, 6, 8]])
    }

    func testWeightRolesAndCounts() throws {
        let sep = SeparableConv2D("s", filters: 7, kernelSize: 3)
        XCTAssertEqual(sep.weightCount(inputShapes: [[8, 8, 5]]), 3 * 3 * 5 + 5 * 7)
        XCTAssertEqual(try sep.build([[8, 8, 5]]), [6, 6, 7])
        XCTAssertEqual(roleSummary(sep), ["depthwise_kernel glorot_uniform", "pointwise_kernel glorot_uniform", "bias zeros"])
        XCTAssertEqual(sep.parameterCount, 3 * 3 * 5 + 5 * 7 + 7)
    }

    func testMatchesKerasAndGradientTape() throws {
        try assertMatchesKerasFixture(SeparableConv2D("s", filters: 5, kernelSize: 3, padding: .same), "separable_same")
        try assertMatchesKerasFixture(SeparableConv2D("s", filters: 4, kernelSize: (3, 2), strides: (2, 2), depthMultiplier: 2,
                                                      activation: .relu), "separable_stride2_m2_relu")
        try assertMatchesKerasFixture(SeparableConv2D("s", filters: 3, kernelSize: 3, useBias: false), "separable_nobias")
    }

    func testOptionsZooLacksAreRefused() {
        assertConfigRefused("SeparableConv2D", ["filters": 4, "kernel_size": 3, "dilation_rate": 2],
                            "layer l has class SeparableConv2D, which zoo does not support (dilation)")
        assertConfigRefused("SeparableConv2D", ["kernel_size": 3], "layer l: SeparableConv2D without filters")
    }
}
