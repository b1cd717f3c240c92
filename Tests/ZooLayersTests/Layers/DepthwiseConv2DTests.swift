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

    /// Rows split across threads (forward and dx by rows, the weight gradients by parts of the
    /// output rows) give what each image alone gives.
    func testABatchMatchesItsImagesOneByOne() throws {
        var rng = SeededGenerator(seed: 14)
        func random(_ shape: [Int]) -> Tensor {
            Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &rng) })
        }
        let kernel = random([3, 3, 88, 1]), bias = random([88]).data
        let x = random([3, 33, 31, 88]), dy = random([3, 17, 16, 88])
        let y = depthwiseConv2dForward(x, kernel: kernel, bias: bias, strides: (2, 2), padding: .same)
        let g = depthwiseConv2dBackward(x, kernel: kernel, dy: dy, strides: (2, 2), padding: .same, needInputGradient: true)
        var dKernel = Tensor(zeros: kernel.shape), dBias = [Float](repeating: 0, count: 88)
        for n in 0..<3 {
            let xn = x.rows(n..<(n + 1)), dyn = dy.rows(n..<(n + 1))
            XCTAssertEqual(y.rows(n..<(n + 1)), depthwiseConv2dForward(xn, kernel: kernel, bias: bias, strides: (2, 2), padding: .same))
            let gn = depthwiseConv2dBackward(xn, kernel: kernel, dy: dyn, strides: (2, 2), padding: .same, needInputGradient: true)
            XCTAssertEqual(g.dx?.rows(n..<(n + 1)), gn.dx)
            for i in dKernel.data.indices { dKernel.data[i] += gn.dKernel.data[i] }
            for i in dBias.indices { dBias[i] += gn.dBias[i] }
        }
        assertClose(g.dKernel, dKernel, rtol: 1e-6, "dKernel")
        assertClose(g.dBias, dBias, rtol: 1e-6, "dBias")
    }

    func testOptionsZooLacksAreRefused() {
        let unsupported = "layer l has class DepthwiseConv2D, which zoo does not support"
        assertConfigRefused("DepthwiseConv2D", ["kernel_size": 3, "dilation_rate": 2], "\(unsupported) (dilation)")
        assertConfigRefused("DepthwiseConv2D", ["kernel_size": 3, "data_format": "channels_first"], "\(unsupported) (data_format channels_first)")
        assertConfigRefused("DepthwiseConv2D", ["kernel_size": 3, "depth_multiplier": 0], "layer l: depth_multiplier [0] is out of range 1...1048576")
    }
}
