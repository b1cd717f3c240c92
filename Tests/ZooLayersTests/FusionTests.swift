import XCTest
import ZooTensor
@testable import ZooLayers

/// Inference fusion against the unfused Keras layers on a small ResNet-shaped model with random
/// weights and BatchNormalization statistics far from the identity, so a wrong fold shows.
final class FusionTests: XCTestCase {
    /// input 8x8x3 -> conv+bn+Activation(relu) -> projection block (1x1 / 3x3 / 1x1 and a 1x1
    /// shortcut, Add, ReLU class) -> identity block whose last conv is 3x3 (Add + ReLU unfused by
    /// the conv) -> conv with its own ReLU -> global average pooling -> dense.
    private func model() throws -> Model {
        let m = Model(name: "resnetish")
        var x = try m.input("in", shape: [8, 8, 3])
        x = try m(Conv2D("stem_conv", filters: 4, kernelSize: 3, padding: .same), x)
        x = try m(BatchNormalization("stem_bn", epsilon: 1.001e-5), x)
        x = try m(ActivationLayer("stem_relu", .relu), x)
        var y = try m(Conv2D("b1_1_conv", filters: 2, kernelSize: 1, strides: 2), x)
        y = try m(BatchNormalization("b1_1_bn"), y)
        y = try m(ActivationLayer("b1_1_relu", .relu), y)
        y = try m(Conv2D("b1_2_conv", filters: 2, kernelSize: 3, padding: .same), y)
        y = try m(BatchNormalization("b1_2_bn", center: false), y)
        y = try m(ReLU(name: "b1_2_relu"), y)
        var shortcut = try m(Conv2D("b1_0_conv", filters: 6, kernelSize: 1, strides: 2), x)
        y = try m(Conv2D("b1_3_conv", filters: 6, kernelSize: 1, useBias: false), y)
        shortcut = try m(BatchNormalization("b1_0_bn", scale: false), shortcut)
        y = try m(BatchNormalization("b1_3_bn"), y)
        y = try m(Add(name: "b1_add"), shortcut, y)
        x = try m(ReLU(name: "b1_out"), y)
        y = try m(Conv2D("b2_1_conv", filters: 6, kernelSize: 3, padding: .same), x)
        y = try m(BatchNormalization("b2_1_bn"), y)
        y = try m(Add(name: "b2_add"), x, y)
        x = try m(ActivationLayer("b2_out", .relu), y)
        x = try m(Conv2D("head_conv", filters: 5, kernelSize: 3, activation: .relu), x)
        x = try m(GlobalAveragePooling2D(name: "gap"), x)
        try m(Dense("predictions", units: 3), x)
        m.initializeKerasDefaults(seed: 7)
        var rng = SeededGenerator(seed: 8)
        for layer in m.layers {
            for w in layer.weights where w.role != Conv2D.kernel && w.role != Dense.kernel {
                let low: Float = w.role == BatchNormalization.movingVariance ? 0.2 : -1
                w.value = Tensor(shape: w.shape, data: (0..<w.count).map { _ in Float.random(in: low...2, using: &rng) })
            }
        }
        return m
    }

    func testFusedModelEqualsTheKerasLayers() throws {
        let m = try model()
        let classes = m.layers.map(\.className)
        let fused = try m.fusedForInference()
        var rng = SeededGenerator(seed: 9)
        let x = Tensor(shape: [2, 8, 8, 3], data: (0..<384).map { _ in Float.random(in: -1...1, using: &rng) })
        let expected = m(x), found = fused(x)
        XCTAssertEqual(found.shape, expected.shape)
        let err = zip(found.data, expected.data).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(err, 1e-5 * expected.maxAbs, "max abs error \(err)")

        XCTAssertEqual(fused.layers.map(\.className), ["InputLayer", "FusedConv2D", "FusedConv2D", "FusedConv2D", "FusedConv2D",
                                                       "FusedConv2D", "FusedConv2D", "AddReLU", "Conv2D", "GlobalAveragePooling2D", "Dense"])
        XCTAssertEqual(fused.layers.map(\.name), ["in", "stem_relu", "b1_1_relu", "b1_2_relu", "b1_0_bn", "b1_out", "b2_1_bn", "b2_out",
                                                  "head_conv", "gap", "predictions"])
        let residual = try XCTUnwrap(fused.layer(named: "b1_out") as? FusedConv2D)
        XCTAssertTrue(residual.residual, "the block's last 1x1 convolution absorbs its Add")
        XCTAssertEqual(residual.inner.activation, .relu)
        XCTAssertEqual(fused.node(named: "b1_out")?.inputs, ["b1_2_relu", "b1_0_bn"])
        XCTAssertEqual(residual.planDescription, residual.inner.planDescription)
        XCTAssertEqual(fused.flopsPerImage, m.flopsPerImage, "the same convolutions and dense layers")

        XCTAssertEqual(m.layers.map(\.className), classes, "the Keras model is untouched")
        XCTAssertTrue(fused.layer(named: "head_conv") === m.layer(named: "head_conv"), "unfused layers are shared")
        XCTAssertEqual(m(x), expected)
    }

    /// The fold must be able to fail: one moving mean changed after fusing breaks the equality.
    func testFoldedWeightsAreTakenWhenFusing() throws {
        let m = try model()
        let fused = try m.fusedForInference()
        let x = Tensor(shape: [1, 8, 8, 3], data: (0..<192).map { Float($0 % 7) / 7 })
        m.layer(named: "stem_bn")!.weight(BatchNormalization.movingMean)!.value.data[0] += 1
        let err = zip(fused(x).data, m(x).data).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(err, 1e-3)
    }

    /// input 17x17x5 -> 1x1 conv+bn+ReLU(6) (70 channels: SIMD blocks and a tail) -> depthwise
    /// 3x3 same, no bias, +bn+swish -> zero padding, depthwise 5x5 stride 2 valid +bn+hard_swish ->
    /// zero padding, depthwise depth_multiplier 2 +bn+relu -> depthwise +bn+leaky ReLU (no fused form: kept) -> separable
    /// +bn+relu -> ReLU, zero padding, separable stride 2 +bn (linear) -> separable depth_multiplier 2
    /// +bn -> 1x1 conv+bn+sigmoid ->
    /// global average pooling -> dense: the MobileNet / EfficientNet / Xception steps.
    private func depthwiseModel(upTo end: String? = nil) throws -> Model {
        let m = Model(name: "mobilenetish")
        var x = try m.input("in", shape: [17, 17, 5])
        let chain: [Layer] = [
            Conv2D("expand", filters: 70, kernelSize: 1, useBias: false), BatchNormalization("expand_bn"),
            ReLU(name: "expand_relu", maxValue: 6),
            DepthwiseConv2D("dw1", kernelSize: 3, padding: .same, useBias: false), BatchNormalization("dw1_bn", scale: false),
            ActivationLayer("dw1_swish", .swish),
            ZeroPadding2D("dw2_pad", padding: ((1, 2), (2, 1))), DepthwiseConv2D("dw2", kernelSize: 5, strides: 2), BatchNormalization("dw2_bn", epsilon: 1e-5),
            ActivationLayer("dw2_hard_swish", .hardSwish),
            ZeroPadding2D("dw3_pad", padding: ((1, 1), (0, 1))),
            DepthwiseConv2D("dw3", kernelSize: 3, padding: .same, depthMultiplier: 2), BatchNormalization("dw3_bn", center: false),
            ReLU(name: "dw3_relu"),
            DepthwiseConv2D("dw4", kernelSize: (3, 1), strides: (1, 2), padding: .same), BatchNormalization("dw4_bn"),
            ReLU(name: "dw4_leaky", negativeSlope: 0.1),
            SeparableConv2D("sep1", filters: 37, kernelSize: 3, padding: .same, useBias: false), BatchNormalization("sep1_bn"),
            ActivationLayer("sep1_relu", .relu),
            ReLU(name: "sep2_pre_relu"), ZeroPadding2D("sep2_pad", padding: ((1, 0), (0, 1))),
            SeparableConv2D("sep2", filters: 6, kernelSize: 3, strides: 2), BatchNormalization("sep2_bn"),
            SeparableConv2D("sep3", filters: 5, kernelSize: 3, padding: .same, depthMultiplier: 2), BatchNormalization("sep3_bn"),
            Conv2D("head", filters: 4, kernelSize: 1), BatchNormalization("head_bn"), ActivationLayer("head_sigmoid", .sigmoid),
            GlobalAveragePooling2D(name: "gap"), Dense("predictions", units: 3),
        ]
        for layer in chain {
            x = try m(layer, x)
            if layer.name == end { break }
        }
        m.initializeKerasDefaults(seed: 17)
        var rng = SeededGenerator(seed: 18)
        for layer in m.layers where layer is BatchNormalization {
            for w in layer.weights {
                let low: Float = w.role == BatchNormalization.movingVariance ? 0.2 : -1
                w.value = Tensor(shape: w.shape, data: (0..<w.count).map { _ in Float.random(in: low...2, using: &rng) })
            }
        }
        for layer in m.layers where layer is DepthwiseConv2D || layer is SeparableConv2D {
            guard let bias = layer.weights.first(where: { $0.role == DepthwiseConv2D.bias || $0.role == SeparableConv2D.bias })
            else { continue }
            bias.value = Tensor(shape: bias.shape, data: (0..<bias.count).map { _ in Float.random(in: -1...1, using: &rng) })
        }
        if end != nil {
            // The same weights as the whole model's, layer by layer.
            let full = try depthwiseModel()
            for layer in m.layers { for w in layer.weights { w.value = full.layer(named: layer.name)!.weight(w.name)!.value } }
        }
        return m
    }

    func testFusedDepthwiseAndSeparableStepsEqualTheKerasLayers() throws {
        let m = try depthwiseModel()
        let fused = try m.fusedForInference()
        XCTAssertEqual(fused.layers.map(\.className),
                       ["InputLayer", "FusedConv2D", "FusedDepthwiseConv2D", "FusedDepthwiseConv2D", "ZeroPadding2D",
                        "FusedDepthwiseConv2D",
                        "FusedDepthwiseConv2D", "ReLU", "FusedSeparableConv2D", "FusedSeparableConv2D", "FusedSeparableConv2D", "FusedConv2D",
                        "GlobalAveragePooling2D", "Dense"])
        XCTAssertEqual(fused.layers.map(\.name), ["in", "expand_relu", "dw1_swish", "dw2_hard_swish", "dw3_pad", "dw3_relu", "dw4_bn",
                                                  "dw4_leaky", "sep1_relu", "sep2_bn", "sep3_bn", "head_sigmoid", "gap",
                                                  "predictions"])
        let sep2 = try XCTUnwrap(fused.layer(named: "sep2_bn") as? FusedSeparableConv2D)
        XCTAssertTrue(sep2.inputReLU && sep2.zeroPadding == (1, 0, 0, 1), "the ReLU and padding before it are absorbed")
        XCTAssertEqual(fused.node(named: "sep2_bn")?.inputs, ["sep1_relu"])
        XCTAssertFalse((fused.layer(named: "sep1_relu") as? FusedSeparableConv2D)?.inputReLU ?? true,
                       "a leaky ReLU is no plain ReLU")
        XCTAssertEqual((fused.layer(named: "expand_relu") as? FusedConv2D)?.activation, .relu(cap: 6))
        XCTAssertEqual((fused.layer(named: "dw1_swish") as? FusedDepthwiseConv2D)?.activation, .swish)
        let dw2 = try XCTUnwrap(fused.layer(named: "dw2_hard_swish") as? FusedDepthwiseConv2D)
        XCTAssertEqual(dw2.activation, .hardSwish)
        XCTAssertTrue(dw2.zeroPadding == (1, 2, 2, 1), "the stride-2 step absorbs its ZeroPadding2D")
        XCTAssertEqual(fused.node(named: "dw2_hard_swish")?.inputs, ["dw1_swish"])
        XCTAssertEqual(fused.node(named: "dw3_relu")?.inputs, ["dw3_pad"], "depth_multiplier 2 leaves its ZeroPadding2D alone")
        XCTAssertEqual((fused.layer(named: "dw4_bn") as? FusedDepthwiseConv2D)?.activation, .linear)
        XCTAssertEqual((fused.layer(named: "sep1_relu") as? FusedSeparableConv2D)?.pointwise.activation, .relu,
                       "ReLU runs in the pointwise GEMM's epilogue")
        XCTAssertEqual((fused.layer(named: "head_sigmoid") as? FusedConv2D)?.activation, .sigmoid)
        XCTAssertEqual(fused.flopsPerImage, m.flopsPerImage, "the same convolutions and dense layers")

        var rng = SeededGenerator(seed: 19)
        for batch in [1, 3] {
            let x = Tensor(shape: [batch, 17, 17, 5], data: (0..<(batch * 17 * 17 * 5)).map { _ in Float.random(in: -2...2, using: &rng) })
            let expected = m(x), found = fused(x)
            XCTAssertEqual(found.shape, expected.shape)
            let err = zip(found.data, expected.data).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(err, 1e-5 * expected.maxAbs, "batch \(batch): max abs error \(err)")
            // Every intermediate fused output, not only the pooled end, matches its Keras layer.
            for name in ["expand_relu", "dw1_swish", "dw2_hard_swish", "dw3_pad", "dw3_relu", "dw4_bn", "sep1_relu", "sep2_bn",
                         "sep3_bn"] {
                let part = try depthwiseModel(upTo: name)
                let a = part(x), b = try part.fusedForInference()(x)
                let e = zip(a.data, b.data).map { abs($0 - $1) }.max()!
                XCTAssertLessThanOrEqual(e, 1e-5 * max(a.maxAbs, 1e-3), "\(name): max abs error \(e)")
            }
        }
    }

    /// The depthwise fold must be able to fail too: a moving variance changed after fusing shows.
    func testDepthwiseFoldedWeightsAreTakenWhenFusing() throws {
        let m = try depthwiseModel(upTo: "dw1_swish")
        let fused = try m.fusedForInference()
        let x = Tensor(shape: [1, 17, 17, 5], data: (0..<(17 * 17 * 5)).map { Float($0 % 11) / 11 })
        let variance = m.layer(named: "dw1_bn")!.weight(BatchNormalization.movingVariance)!
        variance.value = Tensor(shape: variance.shape, data: variance.value.data.map { $0 * 4 })
        let err = zip(fused(x).data, m(x).data).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(err, 1e-4)
    }
}
