import XCTest
import ZooTensor
@testable import ZooLayers

/// Each Conv2D is planned when it is built, its plan is what `planDescription` reports, and a
/// model re-planned by another policy (fused layers included) computes the same outputs.
final class ConvPlanningTests: XCTestCase {
    /// in [6, 6, 16] -> 3x3 conv + BN + ReLU -> 1x1 conv -> 3x3 stride-2 conv (RGB-like: 3 filters in)
    private func model() throws -> Model {
        let m = Model(name: "planned")
        var x = try m.input("in", shape: [6, 6, 16])
        x = try m(Conv2D("conv_a", filters: 32, kernelSize: 3, padding: .same), x)
        x = try m(BatchNormalization("bn_a"), x)
        x = try m(ActivationLayer("relu_a", .relu), x)
        x = try m(Conv2D("conv_b", filters: 16, kernelSize: 1), x)
        try m(Conv2D("conv_c", filters: 16, kernelSize: 3, strides: 2, padding: .valid), x)
        m.initializeKerasDefaults(seed: 3)
        return m
    }

    func testConvolutionsArePlannedWhenBuilt() throws {
        let m = try model()
        let conv = { (name: String) in m.layer(named: name) as! Conv2D }
        XCTAssertEqual(conv("conv_a").plan?.algorithm, .winograd)
        XCTAssertEqual(conv("conv_b").plan?.algorithm, .gemm1x1)
        XCTAssertEqual(conv("conv_c").plan?.algorithm, .im2col)
        XCTAssertEqual(conv("conv_a").planDescription, conv("conv_a").plan?.description)
        XCTAssertNil(m.layer(named: "bn_a")?.planDescription)
        XCTAssertEqual(Set(m.planDescriptions.keys), ["conv_a", "conv_b", "conv_c"])
    }

    func testReplanningAFusedModelKeepsItsOutputs() throws {
        let m = try model()
        let fused = try m.fusedForInference()
        var rng = SplitMix(seed: 5)
        let x = Tensor(shape: [3, 6, 6, 16], data: (0..<(3 * 6 * 6 * 16)).map { _ in rng.next() })
        let before = fused(x)
        let blas = ConvPolicy(packedGemm: false)
        fused.replan(policy: blas)
        let convs = fused.layers.compactMap { ($0 as? FusedConv2D)?.inner ?? ($0 as? Conv2D) }
        XCTAssertEqual(convs.count, 3, "conv_a absorbed bn_a and relu_a")
        for conv in convs { XCTAssertEqual(conv.plan?.policy, blas, conv.name) }
        XCTAssertTrue(convs.allSatisfy { $0.plan?.gemm == .openblas })
        let after = fused(x)
        let scale = before.data.reduce(Float(0)) { max($0, abs($1)) }
        for i in before.data.indices { XCTAssertEqual(after.data[i], before.data[i], accuracy: 1e-5 * max(1, scale)) }
        // A layer built again (shared with a new model) keeps the policy it was re-planned by.
        let again = Model(name: "again")
        let input = try again.input("in", shape: [6, 6, 32])
        let shared = fused.layer(named: "conv_b") as! Conv2D
        try again(shared, input)
        XCTAssertEqual(shared.plan?.policy, blas)
    }

    /// Fusing a re-planned model keeps its policy: the CLI re-plans the Keras model once
    /// (`ZOO_PACKED_GEMM=0`) and every fused model made from it follows.
    func testFusionKeepsTheModelsPolicy() throws {
        let m = try model()
        let blas = ConvPolicy(packedGemm: false)
        m.replan(policy: blas)
        let fused = try m.fusedForInference()
        let convs = fused.layers.compactMap { ($0 as? FusedConv2D)?.inner ?? ($0 as? Conv2D) }
        XCTAssertEqual(convs.count, 3)
        for conv in convs { XCTAssertEqual(conv.plan?.policy, blas, conv.name) }
        XCTAssertEqual(try model().fusedForInference().layers.compactMap { ($0 as? FusedConv2D)?.inner.plan?.policy },
                       [.default], "a model never re-planned fuses with the default policy")
    }

    /// A layer that convolves through a Conv2D of its own (as a fused layer does) forwards
    /// `replan` and `planDescription` to it, and the model re-plans and reports it.
    func testLayersWrappingAConvolutionAreReplanned() throws {
        let inner = Conv2D("inner", filters: 16, kernelSize: 3, padding: .same)
        let m = Model(name: "wrapping")
        try m(Wrapper(inner), try m.input("in", shape: [2, 2, 16]))
        XCTAssertEqual(m.planDescriptions["inner_wrapped"], inner.plan?.description)
        let blas = ConvPolicy(packedGemm: false)
        m.replan(policy: blas)
        XCTAssertEqual(inner.plan?.policy, blas)
        XCTAssertEqual(inner.plan?.algorithm, .skipPadding)
        XCTAssertEqual(m.planDescriptions["inner_wrapped"], "padding taps skipped, 4 windows, OpenBLAS")
    }
}

private final class Wrapper: Layer {
    let inner: Conv2D
    init(_ inner: Conv2D) {
        self.inner = inner
        super.init(name: inner.name + "_wrapped")
    }
    override var className: String { "Conv2D" }
    override func build(_ inputShapes: [[Int]]) throws -> [Int] { try inner.build(inputShapes) }
    override func forward(_ inputs: [Tensor]) -> Tensor { inner.forward(inputs) }
    override var planDescription: String? { inner.planDescription }
    override func replan(policy: ConvPolicy) { inner.replan(policy: policy) }
}

private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Float((z ^ (z >> 31)) >> 40) / Float(1 << 24) * 2 - 1
    }
}
