import XCTest
import ZooTensor
@testable import ZooLayers

/// `Model.forward` lets layers overwrite inputs no later layer reads (`InPlaceInference`); the
/// outputs must be the layers' plain `forward(inputs)` composed, and no tensor anyone else still
/// reads (the caller's batch, a branch used twice) may change.
final class InPlaceInferenceTests: XCTestCase {
    /// A squeeze-and-excitation block, a BN read by two branches, pre-activation BN-ReLU pairs
    /// (ReLU and Activation), a residual Add, Dropout, ReLU6 and a Concatenate: every in-place
    /// layer, owned and shared.
    private func model() throws -> Model {
        let m = Model(name: "inplace")
        let input = try m.input("in", shape: [5, 7, 6])
        let bn = try m(BatchNormalization("bn"), input)
        let act = try m(ActivationLayer("swish", .swish), bn)
        let squeeze = try m(GlobalAveragePooling2D(name: "squeeze", keepdims: true), act)
        let reduce = try m(Conv2D("reduce", filters: 3, kernelSize: (1, 1), activation: .swish), squeeze)
        let expand = try m(Conv2D("expand", filters: 6, kernelSize: (1, 1), activation: .sigmoid), reduce)
        let excite = try m(Multiply(name: "excite"), act, expand)
        let drop = try m(Dropout("drop", rate: 0.5), excite)
        let sum = try m(Add(name: "add"), drop, bn)  // bn is still read here: the swish must not overwrite it
        let relu6 = try m(ReLU(name: "relu6", maxValue: 6), sum)
        let hard = try m(ActivationLayer("hard", .hardSwish), input)  // the caller's batch
        let bn2 = try m(BatchNormalization("bn2"), hard)
        let relu = try m(ReLU(name: "relu"), bn2)
        let gate = try m(Multiply(name: "self"), relu, relu)
        let bn3 = try m(BatchNormalization("bn3"), input)  // read by one ReLU only: folded into one pass
        let relu3 = try m(ActivationLayer("relu3", .relu), bn3)
        try m(Concatenate(name: "concat"), relu6, gate, sum, relu3)
        m.initializeKerasDefaults(seed: 5)
        var rng = SeededGenerator(seed: 7)
        for layer in m.layers where layer is BatchNormalization {
            for w in layer.weights {
                w.value = Tensor(shape: w.shape, data: (0..<w.count).map { _ in Float.random(in: 0.5...1.5, using: &rng) })
            }
        }
        return m
    }

    func testInPlaceForwardEqualsLayerByLayer() throws {
        let m = try model()
        var rng = SeededGenerator(seed: 9)
        let x = Tensor(shape: [3, 5, 7, 6], data: (0..<630).map { _ in Float.random(in: -4...4, using: &rng) })
        let copy = x
        // The reference: each layer's out-of-place forward on inputs nobody gives up.
        var values: [String: Tensor] = ["in": x]
        for node in m.nodes.dropFirst() { values[node.layer.name] = node.layer.forward(node.inputs.map { values[$0]! }) }
        let want = values["concat"]!
        XCTAssertEqual(m(x), want)
        XCTAssertEqual(try m.predict(x), want)
        XCTAssertEqual(x, copy, "the caller's batch changed")
        // Training mode still takes the plain path and gives the same output (Dropout aside).
        let plain = try model()
        plain.layer(named: "drop").map { ($0 as! Dropout).rate = 0 }
        XCTAssertEqual(plain.forward(x, training: true), plain(x))
    }
}
