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
}
