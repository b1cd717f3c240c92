import XCTest
@testable import ZooTensor

/// Every algorithm of `Conv2DPlan`, forced, against the naive convolution on seeded random
/// shapes, and the choices `ConvPolicy` makes for the shapes of VGG16 and ResNet50.
final class ConvPlanTests: XCTestCase {
    /// The GEMMs each algorithm runs with on this CPU.
    private func gemms(_ algorithm: Conv2DPlan.Algorithm) -> [Conv2DPlan.Gemm?] {
        let all: [Conv2DPlan.Gemm?] = [nil, .openblas] + (packedGemmAvailable ? [.packed] : [])
        return all.filter { gemm in
            switch algorithm {
            case .direct: return gemm == nil
            case .tapByTap: return gemm == .packed
            case .skipPadding: return gemm == .openblas
            default: return gemm != nil
            }
        }
    }

    /// A random convolution `algorithm` computes: batch 1-3, maps 1-9, kernels 1/3/5/7, strides
    /// 1/2, valid or same, channel counts that are and are not multiples of 16 where allowed.
    private func randomCase(_ algorithm: Conv2DPlan.Algorithm, _ rng: inout ShapeRandom)
        -> (batch: Int, shape: Conv2DShape)
    {
        let batch = rng.int(1...3)
        var kernel = [1, 3, 5, 7][rng.int(0...3)], stride = rng.int(1...2)
        var padding: Padding = rng.int(0...1) == 0 ? .valid : .same
        var cin = [1, 3, 4, 8, 16, 32][rng.int(0...5)], cout = [1, 5, 16, 32, 48][rng.int(0...4)]
        switch algorithm {
        case .direct: cout = [16, 32, 48][rng.int(0...2)]; cin = min(cin, 4)
        case .gemm1x1: (kernel, stride) = (1, 1)
        case .winograd: (kernel, stride, cin, cout) = (3, 1, [16, 32][rng.int(0...1)], [16, 32, 48][rng.int(0...2)])
        case .tapByTap, .skipPadding: padding = .same
        case .im2col: break
        }
        if kernel >= 5 { cin = min(cin, 8) }  // keeps the naive loops quick
        // Valid padding needs the kernel to fit; small maps are where padding taps matter.
        let low = padding == .valid ? kernel : 1
        let (h, w) = (rng.int(low...max(low, 9)), rng.int(low...max(low, 9)))
        return (batch, Conv2DShape(input: [h, w, cin], kernel: [kernel, kernel, cin, cout], strides: (stride, stride),
                                   padding: padding))
    }

    func testEveryAlgorithmMatchesNaiveOnRandomShapes() {
        var rng = ShapeRandom(seed: 31)
        var values = SeededRandom(state: 37)
        for algorithm in Conv2DPlan.Algorithm.allCases {
            for gemm in gemms(algorithm) {
                for _ in 0..<8 {
                    let (batch, shape) = randomCase(algorithm, &rng)
                    let plan = Conv2DPlan(algorithm, gemm: gemm, shape: shape)
                    let g = shape.geometry(batch: batch)
                    let x = values.tensor([batch] + shape.input), kernel = values.tensor(shape.kernel)
                    let useBias = rng.int(0...1) == 1, relu = rng.int(0...1) == 1, useResidual = rng.int(0...1) == 1
                    let bias = useBias ? (0..<shape.filters).map { _ in values.next() } : nil
                    let residual = useResidual ? values.tensor([batch, g.rows.output, g.cols.output, shape.filters]) : nil
                    var slow = conv2dNaive(x, kernel: kernel, bias: bias, strides: shape.strides, padding: shape.padding)
                    for i in slow.data.indices {
                        let v = slow.data[i] + (residual?.data[i] ?? 0)
                        slow.data[i] = relu ? max(v, 0) : v
                    }
                    let fast = plan(x, kernel: kernel, kernelVersion: 0, bias: bias, relu: relu, residual: residual)
                    assertClose(fast, slow, atol: 1e-5 * max(1, slow.maxAbs))
                    XCTAssertFalse(fast.data.contains { $0.isNaN }, "\(plan) on \(shape)")
                }
            }
        }
    }

    /// The prepared weights follow the kernel's version: a new kernel under a new version gives the
    /// new result, and an unchanged version reuses what was prepared.
    func testPreparedWeightsFollowTheKernelVersion() {
        var values = SeededRandom(state: 41)
        let shapes = [
            Conv2DShape(input: [6, 6, 16], kernel: [3, 3, 16, 32], strides: (1, 1), padding: .same),
            Conv2DShape(input: [2, 2, 16], kernel: [3, 3, 16, 32], strides: (1, 1), padding: .same),
            Conv2DShape(input: [5, 5, 8], kernel: [1, 1, 8, 16], strides: (1, 1), padding: .valid),
            Conv2DShape(input: [7, 7, 3], kernel: [3, 3, 3, 16], strides: (2, 2), padding: .valid),
        ]
        for policy in testedPolicies {
            for shape in shapes {
                let plan = policy.plan(input: shape.input, kernel: shape.kernel, strides: shape.strides, padding: shape.padding)
                let x = values.tensor([2] + shape.input)
                let first = values.tensor(shape.kernel), second = values.tensor(shape.kernel)
                func naive(_ k: Tensor) -> Tensor {
                    conv2dNaive(x, kernel: k, bias: nil, strides: shape.strides, padding: shape.padding)
                }
                let a = plan(x, kernel: first, kernelVersion: 1, bias: nil)
                assertClose(a, naive(first), atol: 1e-5 * max(1, a.maxAbs))
                let b = plan(x, kernel: second, kernelVersion: 2, bias: nil)
                assertClose(b, naive(second), atol: 1e-5 * max(1, b.maxAbs))
                XCTAssertEqual(plan(x, kernel: second, kernelVersion: 2, bias: nil), b, "\(plan)")
                if plan.algorithm != .direct && !(plan.algorithm == .im2col && plan.gemm == .openblas)
                    && !(plan.algorithm == .gemm1x1 && plan.gemm == .openblas) {
                    // Same version, other values: the prepared weights of `second` are used.
                    XCTAssertEqual(plan(x, kernel: first, kernelVersion: 2, bias: nil), b, "\(plan) prepared once")
                }
            }
        }
    }

    /// The choices for VGG16 and ResNet50's convolutions at 224, 48 and 32 px.
    func testPolicyPicksTheExpectedAlgorithms() {
        let packed = ConvPolicy(packedGemm: true), blas = ConvPolicy(packedGemm: false)
        func algorithms(_ input: [Int], _ kernel: [Int], _ s: Int, _ p: Padding) -> [Conv2DPlan.Algorithm] {
            let shape = Conv2DShape(input: input, kernel: kernel, strides: (s, s), padding: p)
            return [packed, blas].map { $0.algorithm(for: shape) }
        }
        let hasPacked = packedGemmAvailable
        func expect(_ input: [Int], _ kernel: [Int], _ s: Int, _ p: Padding, packed a: Conv2DPlan.Algorithm,
                    openblas b: Conv2DPlan.Algorithm, line: UInt = #line) {
            XCTAssertEqual(algorithms(input, kernel, s, p), [hasPacked ? a : b, b], "\(input) \(kernel)", line: line)
        }
        // VGG16: the RGB first layer, then Winograd down to 4x4 maps; 3x3 maps (48 px) go tap by tap
        // with the packed GEMM, 2x2 (32 px) skip padding on both.
        expect([224, 224, 3], [3, 3, 3, 64], 1, .same, packed: .im2col, openblas: .direct)
        expect([224, 224, 64], [3, 3, 64, 64], 1, .same, packed: .winograd, openblas: .winograd)
        expect([14, 14, 512], [3, 3, 512, 512], 1, .same, packed: .winograd, openblas: .winograd)
        expect([4, 4, 512], [3, 3, 512, 512], 1, .same, packed: .winograd, openblas: .winograd)
        expect([3, 3, 512], [3, 3, 512, 512], 1, .same, packed: .tapByTap, openblas: .winograd)
        expect([2, 2, 512], [3, 3, 512, 512], 1, .same, packed: .tapByTap, openblas: .skipPadding)
        // ResNet50: conv1 (7x7/2 after ZeroPadding), 1x1 stride 1 and 2, 3x3 stride 1 down to 1x1 maps.
        expect([230, 230, 3], [7, 7, 3, 64], 2, .valid, packed: .im2col, openblas: .direct)
        expect([56, 56, 64], [1, 1, 64, 256], 1, .valid, packed: .gemm1x1, openblas: .gemm1x1)
        expect([56, 56, 256], [1, 1, 256, 128], 2, .valid, packed: .im2col, openblas: .im2col)
        expect([56, 56, 64], [3, 3, 64, 64], 1, .same, packed: .winograd, openblas: .winograd)
        expect([7, 7, 512], [3, 3, 512, 512], 1, .same, packed: .winograd, openblas: .winograd)
        expect([1, 1, 512], [3, 3, 512, 512], 1, .same, packed: .tapByTap, openblas: .skipPadding)
        // Small kernels take cache-sized im2col tiles, large ones bounded tiles.
        XCTAssertEqual(blas.plan(input: [56, 56, 256], kernel: [1, 1, 256, 128], strides: (2, 2), padding: .valid).description,
                       "im2col in cache-sized tiles, OpenBLAS")
        XCTAssertEqual(blas.plan(input: [28, 28, 512], kernel: [1, 1, 512, 1024], strides: (2, 2), padding: .valid).description,
                       "im2col in bounded tiles, OpenBLAS")
        XCTAssertEqual(blas.plan(input: [8, 8, 16], kernel: [3, 3, 16, 16], strides: (1, 1), padding: .same).description,
                       "winograd F(4x4,3x3), OpenBLAS")
        XCTAssertEqual(blas.plan(input: [16, 16, 3], kernel: [3, 3, 3, 16], strides: (1, 1), padding: .same).description,
                       "direct (few input channels)")
        XCTAssertEqual(blas.plan(input: [2, 2, 8], kernel: [3, 3, 8, 8], strides: (1, 1), padding: .same).description,
                       "padding taps skipped, 4 windows, OpenBLAS")
    }

    /// The thread count is scoped: `withThreads` sets it for its body only, and work inside a
    /// parallel region may use one thread, so nested loops do not fan out again.
    func testThreadCountIsScopedAndOneInsideParallelRegions() {
        let outside = Parallelism.threads
        XCTAssertEqual(outside, max(1, ProcessInfo.processInfo.activeProcessorCount))
        withThreads(1) { XCTAssertEqual(Parallelism.available, 1) }
        withThreads(3) {
            XCTAssertEqual(Parallelism.available, 3)
            let seen = UnsafeMutableBufferPointer<Int>.allocate(capacity: 3)
            defer { seen.deallocate() }
            parallelTasks(3) { seen[$0] = Parallelism.available }
            XCTAssertEqual(Array(seen), [1, 1, 1])
            XCTAssertEqual(Parallelism.available, 3, "the calling thread, which ran parts too, is outside again")
        }
        XCTAssertEqual(Parallelism.threads, outside)
    }

    /// One and two threads give the same convolution, bit for bit, on the paths whose split over
    /// the cores is by whole output rows or tiles (each output's sum is in the same order).
    func testResultsDoNotDependOnTheThreadCount() {
        var values = SeededRandom(state: 43)
        let shapes = [
            Conv2DShape(input: [12, 12, 16], kernel: [3, 3, 16, 32], strides: (1, 1), padding: .same),
            Conv2DShape(input: [3, 3, 32], kernel: [3, 3, 32, 64], strides: (1, 1), padding: .same),
            Conv2DShape(input: [9, 9, 3], kernel: [3, 3, 3, 32], strides: (1, 1), padding: .same),
        ]
        for policy in testedPolicies where policy.packedGemm {
            for shape in shapes {
                let plan = policy.plan(input: shape.input, kernel: shape.kernel, strides: shape.strides, padding: shape.padding)
                let x = values.tensor([30] + shape.input), kernel = values.tensor(shape.kernel)
                let one = withThreads(1) { plan(x, kernel: kernel, kernelVersion: 0, bias: nil, relu: true) }
                let two = withThreads(2) { plan(x, kernel: kernel, kernelVersion: 0, bias: nil, relu: true) }
                XCTAssertEqual(one, two, "\(plan)")
            }
        }
    }
}

/// Seeded integers for choosing test shapes (SplitMix64).
struct ShapeRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return range.lowerBound + Int(z % UInt64(range.count))
    }
}
