import XCTest
import ZooTensor
import ZooTestSupport
@testable import ZooLayers

final class DepthwiseConv2DTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "DepthwiseConv2D", "config": {"activation": "linear", "activity_regularizer": null, "bias_constraint": null, "bias_initializer": {"class_name": "Zeros", "config": {}, "module": "keras.initializers", "registered_name": null}, "bias_regularizer": null, "data_format": "channels_last", "depth_multiplier": 2, "depthwise_constraint": null, "depthwise_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}, "module": "keras.initializers", "registered_name": null}, "depthwise_regularizer": null, "dilation_rate": [1, 1], "dtype": "float32", "groups": 1, "kernel_size": [3, 5], "name": "dw", "padding": "same", "strides": [2, 1], "trainable": true, "use_bias": false}}"#,
                                                   inputShapes: [[9, 9, 3]])
        let dw = try XCTUnwrap(layer as? DepthwiseConv2D)
        XCTAssertEqual([dw.kernelSize.0, dw.kernelSize.1, dw.strides.0, dw.strides.1, dw.depthMultiplier], [3, 5, 2, 1, 2])
        XCTAssertEqual(dw.padding, .same)
        XCTAssertFalse(dw.useBias)
        XCTAssertEqual(roleSummary(dw), ["depthwise_kernel(kernel) glorot_uniform"])
        XCTAssertEqual(dw.weights[0].shape, [3, 5, 3, 2])
    }

    func testWeightRolesAndCounts() throws {
        let dw = DepthwiseConv2D("d", kernelSize: 3, depthMultiplier: 2)
        XCTAssertEqual(dw.weightCount(inputShapes: [[8, 8, 5]]), 3 * 3 * 5 * 2)
        XCTAssertEqual(try dw.build([[8, 8, 5]]), [6, 6, 10])
        XCTAssertEqual(roleSummary(dw), ["depthwise_kernel(kernel) glorot_uniform", "bias zeros"])
        XCTAssertEqual(dw.parameterCount, 3 * 3 * 5 * 2 + 10)
    }

    func testMatchesKerasAndGradientTape() throws {
        try assertMatchesKerasFixture(DepthwiseConv2D("d", kernelSize: 3, padding: .same), "depthwise_same")
        try assertMatchesKerasFixture(DepthwiseConv2D("d", kernelSize: 3, strides: 2, depthMultiplier: 2, useBias: false),
                                      "depthwise_stride2_valid_m2")
        try assertMatchesKerasFixture(DepthwiseConv2D("d", kernelSize: 3, strides: 2, padding: .same), "depthwise_stride2_same")
        try assertMatchesKerasFixture(DepthwiseConv2D("d", kernelSize: (5, 3), strides: (1, 2), depthMultiplier: 3, activation: .relu),
                                      "depthwise_5x3_m3_relu")
        try assertMatchesKerasFixture(DepthwiseConv2D("d", kernelSize: 3, padding: .same), "depthwise_wide")
    }

    /// The parallel split (rows across workers, weight gradients summed per worker) gives the
    /// serial result on a batch large enough to be split.
    func testParallelAndSerialAgree() throws {
        let dw = DepthwiseConv2D("d", kernelSize: 3, strides: 2, padding: .same)
        _ = try dw.build([[33, 31, 88]])
        var rng = SeededGenerator(seed: 14)
        dw.weights[0].value = Tensor(shape: [3, 3, 88, 1], data: (0..<(9 * 88)).map { _ in Float.random(in: -1...1, using: &rng) })
        let x = Tensor(shape: [3, 33, 31, 88], data: (0..<(3 * 33 * 31 * 88)).map { _ in Float.random(in: -1...1, using: &rng) })
        let dy = Tensor(shape: [3, 17, 16, 88], data: (0..<(3 * 17 * 16 * 88)).map { _ in Float.random(in: -1...1, using: &rng) })
        let saved = workerCount
        defer { workerCount = saved }
        var results: [(Tensor, Tensor?, Tensor, [Float])] = []
        for workers in [1, 4] {
            workerCount = workers
            let y = depthwiseConv2dForward(x, kernel: dw.weights[0].value, bias: dw.weights[1].value.data, strides: (2, 2), padding: .same)
            let g = depthwiseConv2dBackward(x, kernel: dw.weights[0].value, dy: dy, strides: (2, 2), padding: .same, needInputGradient: true)
            results.append((y, g.dx, g.dKernel, g.dBias))
        }
        XCTAssertEqual(results[0].0, results[1].0)
        XCTAssertEqual(results[0].1, results[1].1)
        assertClose(results[1].2, results[0].2, rtol: 1e-6, "dKernel")
        assertClose(results[1].3, results[0].3, rtol: 1e-6, "dBias")
    }

    func testOptionsZooLacksAreRefused() {
        let unsupported = "layer l has class DepthwiseConv2D, which zoo does not support"
        assertConfigRefused("DepthwiseConv2D", ["kernel_size": 3, "dilation_rate": 2], "\(unsupported) (dilation)")
        assertConfigRefused("DepthwiseConv2D", ["kernel_size": 3, "data_format": "channels_first"], "\(unsupported) (data_format channels_first)")
        assertConfigRefused("DepthwiseConv2D", ["kernel_size": 3, "depth_multiplier": 0], "layer l: depth_multiplier [0] is out of range 1...1048576")
    }
}
