import XCTest
import ZooTensor
import ZooTestSupport
@testable import ZooLayers

/// Conv2D with `groups` (Keras's grouped convolution; ConvNeXt's 7x7 has one channel per group).
final class Conv2DGroupsTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "Conv2D", "config": {"activation": "linear", "activity_regularizer": null, "bias_constraint": null, "bias_initializer": {"class_name": "Zeros", "config": {}, "module": "keras.initializers", "registered_name": null}, "bias_regularizer": null, "data_format": "channels_last", "dilation_rate": [1, 1], "dtype": "float32", "filters": 8, "groups": 8, "kernel_constraint": null, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}, "module": "keras.initializers", "registered_name": null}, "kernel_regularizer": null, "kernel_size": [7, 7], "name": "gconv", "padding": "same", "strides": [1, 1], "trainable": true, "use_bias": true}}"#,
                                                   inputShapes: [[9, 9, 8]])
        let conv = try XCTUnwrap(layer as? Conv2D)
        XCTAssertEqual(conv.groups, 8)
        XCTAssertEqual(conv.weights.map(\.shape), [[7, 7, 1, 8], [8]])
        XCTAssertEqual(conv.parameterCount, 7 * 7 * 8 + 8)
        XCTAssertEqual(conv.planDescription, "8 groups of one channel: depthwise kernel")
        XCTAssertNil(conv.plan)
    }

    func testMatchesKerasAndGradientTape() throws {
        try assertMatchesKerasFixture(Conv2D("c", filters: 6, kernelSize: 3, padding: .same, groups: 2), "conv2d_groups2_same")
        try assertMatchesKerasFixture(Conv2D("c", filters: 6, kernelSize: (3, 2), strides: (2, 2), activation: .relu, groups: 3),
                                      "conv2d_groups3_stride2_relu")
        try assertMatchesKerasFixture(Conv2D("c", filters: 8, kernelSize: 7, padding: .same, groups: 8), "conv2d_groups_channels_7x7")
        try assertMatchesKerasFixture(Conv2D("c", filters: 8, kernelSize: 3, useBias: false, groups: 4), "conv2d_groups_channels_m2")
    }

    /// Each group through its own plan: every algorithm the policy may pick for a group gives
    /// what the naive convolution of that group's channels gives.
    func testGroupsUsePlansAndMatchTheNaiveConvolution() throws {
        var rng = SeededGenerator(seed: 16)
        func random(_ shape: [Int]) -> Tensor {
            Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &rng) })
        }
        for policy in [ConvPolicy(packedGemm: true), ConvPolicy(packedGemm: false)] {
            let conv = Conv2D("c", filters: 32, kernelSize: 3, padding: .same, groups: 2)
            conv.replan(policy: policy)
            _ = try conv.build([[12, 12, 16]])
            XCTAssertEqual(conv.groupedPlan?.groupPlans.count, 2)
            conv.weights[0].value = random([3, 3, 8, 32])
            conv.weights[1].value = random([32])
            let x = random([2, 12, 12, 16])
            let y = conv.forward([x])
            for g in 0..<2 {
                let expected = conv2dNaive(sliceChannels(x, g * 8..<(g + 1) * 8),
                                           kernel: sliceChannels(conv.weights[0].value, g * 16..<(g + 1) * 16),
                                           bias: Array(conv.weights[1].value.data[(g * 16)..<((g + 1) * 16)]),
                                           strides: (1, 1), padding: .same)
                assertClose(sliceChannels(y, g * 16..<(g + 1) * 16), expected, rtol: 1e-5, "group \(g), \(policy)")
            }
        }
    }

    func testChannelsThatDoNotDivideAreRefused() {
        XCTAssertThrowsError(try Conv2D("c", filters: 6, kernelSize: 3, groups: 4).build([[8, 8, 8]])) {
            XCTAssertTrue("\($0)".contains("divisible by groups (4)"), "\($0)")
        }
        XCTAssertThrowsError(try Conv2D("c", filters: 8, kernelSize: 3, groups: 3).build([[8, 8, 8]]))
        assertConfigRefused("Conv2D", ["filters": 4, "kernel_size": 3, "groups": 0], "layer l: groups [0] is out of range 1...1048576")
    }
}
