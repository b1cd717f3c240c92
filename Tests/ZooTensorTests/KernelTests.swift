import XCTest
@testable import ZooTensor

/// A tiny seeded generator so kernel tests are reproducible.
struct SeededRandom {
    var state: UInt64
    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % 2_000_001) / 1_000_000 - 1
    }
    mutating func tensor(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in next() })
    }
}

func assertClose(_ a: Tensor, _ b: Tensor, atol: Float = 1e-5, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "shapes differ", file: file, line: line)
    guard a.shape == b.shape else { return }
    var worst: Float = 0, at = 0
    for i in a.data.indices where abs(a.data[i] - b.data[i]) > worst { worst = abs(a.data[i] - b.data[i]); at = i }
    XCTAssertLessThanOrEqual(worst, atol, "max |diff| \(worst) at \(at): \(a.data[at]) vs \(b.data[at]) shape \(a.shape)",
                             file: file, line: line)
}

/// The policies a convolution test runs under: the packed GEMM where this CPU has it, and OpenBLAS.
let testedPolicies = packedGemmAvailable ? [ConvPolicy(packedGemm: true), ConvPolicy(packedGemm: false)]
    : [ConvPolicy(packedGemm: false)]

final class KernelTests: XCTestCase {
    func testSamePaddingMatchesTensorFlow() {
        // TF: out = ceil(in/s); total pad = max((out-1)*s + k - in, 0), smaller half first.
        let even = AxisGeometry(input: 8, kernel: 3, stride: 2, padding: .same)
        XCTAssertEqual([even.output, even.padBefore, even.padAfter], [4, 0, 1])
        let odd = AxisGeometry(input: 7, kernel: 3, stride: 2, padding: .same)
        XCTAssertEqual([odd.output, odd.padBefore, odd.padAfter], [4, 1, 1])
        let one = AxisGeometry(input: 5, kernel: 3, stride: 1, padding: .same)
        XCTAssertEqual([one.output, one.padBefore, one.padAfter], [5, 1, 1])
        let valid = AxisGeometry(input: 230, kernel: 7, stride: 2, padding: .valid)
        XCTAssertEqual(valid.output, 112)
    }

    func testConvMatchesNaiveAcrossGeometries() {
        var rng = SeededRandom(state: 7)
        let cases: [(h: Int, w: Int, c: Int, k: (Int, Int), o: Int, s: (Int, Int), p: Padding)] = [
            (8, 8, 3, (3, 3), 5, (1, 1), .same), (8, 8, 3, (3, 3), 5, (2, 2), .same),
            (9, 7, 2, (3, 3), 4, (2, 2), .same), (9, 9, 2, (3, 3), 4, (2, 2), .valid),
            (6, 6, 4, (1, 1), 6, (1, 1), .valid), (7, 7, 4, (1, 1), 6, (2, 2), .valid),
            (12, 12, 3, (7, 7), 4, (2, 2), .valid), (5, 6, 2, (2, 3), 3, (1, 2), .same),
        ]
        for t in cases {
            let x = rng.tensor([2, t.h, t.w, t.c])
            let kernel = rng.tensor([t.k.0, t.k.1, t.c, t.o])
            let bias = (0..<t.o).map { _ in rng.next() }
            let fast = conv2dForward(x, kernel: kernel, bias: bias, strides: t.s, padding: t.p)
            let slow = conv2dNaive(x, kernel: kernel, bias: bias, strides: t.s, padding: t.p)
            assertClose(fast, slow, atol: 1e-5)
        }
    }

    /// Small maps skip the taps that land on padding (tap by tap with the packed GEMM, grouped by
    /// window through OpenBLAS); results must equal the plain path.
    func testSkippingPaddingTapsMatchesNaive() {
        var rng = SeededRandom(state: 9)
        for (h, w, s, k) in [(1, 1, 1, 3), (2, 2, 1, 3), (4, 4, 1, 3), (3, 5, 1, 3), (4, 4, 2, 3), (2, 3, 1, 5), (1, 4, 2, 3)] {
            let x = rng.tensor([3, h, w, 4]), kernel = rng.tensor([k, k, 4, 6])
            let bias = (0..<6).map { _ in rng.next() }
            let slow = conv2dNaive(x, kernel: kernel, bias: bias, strides: (s, s), padding: .same)
            for policy in testedPolicies {
                let plan = policy.plan(input: [h, w, 4], kernel: kernel.shape, strides: (s, s), padding: .same)
                XCTAssertEqual(plan.algorithm, policy.packedGemm ? .tapByTap : .skipPadding, "\(h)x\(w) s\(s) k\(k)")
                assertClose(plan(x, kernel: kernel, kernelVersion: 1, bias: bias), slow, atol: 1e-5)
            }
        }
        XCTAssertGreaterThan(paddedTapFraction(WindowGeometry(input: [1, 2, 2, 1], kernel: (3, 3), strides: (1, 1), padding: .same)), 0.5)
    }

    /// Few input channels and 16k output channels: the direct kernel (the RGB first layers through
    /// OpenBLAS), or im2col with the packed GEMM.
    func testDirectConvForFewChannelsMatchesNaive() {
        var rng = SeededRandom(state: 13)
        let cases: [(h: Int, w: Int, c: Int, k: Int, o: Int, s: Int, p: Padding)] = [
            (9, 8, 3, 3, 64, 1, .same), (11, 12, 3, 7, 80, 2, .valid), (10, 10, 1, 3, 16, 2, .same), (7, 9, 4, 5, 32, 1, .same),
        ]
        for t in cases {
            let x = rng.tensor([3, t.h, t.w, t.c]), kernel = rng.tensor([t.k, t.k, t.c, t.o])
            let bias = (0..<t.o).map { _ in rng.next() }
            for relu in [false, true] {
                var slow = conv2dNaive(x, kernel: kernel, bias: bias, strides: (t.s, t.s), padding: t.p)
                if relu { slow.data = slow.data.map { max($0, 0) } }
                let shape = Conv2DShape(input: [t.h, t.w, t.c], kernel: kernel.shape, strides: (t.s, t.s), padding: t.p)
                let plans = [Conv2DPlan(.direct, gemm: nil, shape: shape)]
                    + (packedGemmAvailable ? [Conv2DPlan(.im2col, gemm: .packed, shape: shape)] : [])
                for plan in plans {
                    assertClose(plan(x, kernel: kernel, kernelVersion: 0, bias: bias, relu: relu), slow, atol: 1e-5)
                }
            }
        }
    }

    /// A fused ResNet Add: the residual is added before the ReLU on every path (the 1x1 GEMM's
    /// epilogue, large enough for row blocks on both cores, few input channels, Winograd).
    func testResidualIsAddedBeforeReLUOnEveryPath() {
        var rng = SeededRandom(state: 17)
        for (n, h, cin, k, cout) in [(2, 5, 8, 1, 16), (4, 24, 32, 1, 64), (2, 5, 4, 1, 16), (2, 6, 16, 3, 16)] {
            let x = rng.tensor([n, h, h, cin]), kernel = rng.tensor([k, k, cin, cout]), r = rng.tensor([n, h, h, cout])
            let bias = (0..<cout).map { _ in rng.next() }
            for relu in [false, true] {
                var slow = conv2dNaive(x, kernel: kernel, bias: bias, padding: .same)
                for i in slow.data.indices { slow.data[i] = relu ? max(slow.data[i] + r.data[i], 0) : slow.data[i] + r.data[i] }
                for policy in testedPolicies {
                    let fused = conv2dForward(x, kernel: kernel, bias: bias, padding: .same, relu: relu, residual: r,
                                              policy: policy)
                    assertClose(fused, slow, atol: 1e-4)
                }
            }
        }
    }

    /// Winograd F(4x4, 3x3): partial edge tiles, both paddings, several chunks, bias and ReLU,
    /// with each GEMM. Its rounding differs from a direct sum's; 1e-5 of the largest output is
    /// ~10x float32's direct error here and 10x below the full-network parity tolerance.
    func testWinogradMatchesNaive() {
        var rng = SeededRandom(state: 11)
        for (h, w, cin, cout, p, chunk) in [(3, 3, 16, 16, Padding.same, 64), (4, 4, 32, 16, .same, 64), (5, 7, 16, 32, .same, 3),
                                            (8, 8, 16, 16, .valid, 64), (9, 6, 32, 32, .same, 5), (14, 14, 16, 48, .same, 7)] {
            let x = rng.tensor([2, h, w, cin]), kernel = rng.tensor([3, 3, cin, cout])
            let bias = (0..<cout).map { _ in rng.next() }
            let g = WindowGeometry(input: x.shape, kernel: (3, 3), strides: (1, 1), padding: p)
            for relu in [false, true] {
                var slow = conv2dNaive(x, kernel: kernel, bias: bias, padding: p)
                if relu { slow.data = slow.data.map { max($0, 0) } }
                for packed in testedPolicies.map(\.packedGemm) {
                    var fast = [Float](repeating: .nan, count: g.outputPixels * cout)
                    fast.withUnsafeMutableBufferPointer {
                        conv2dForwardWinograd(x, u: winogradWeights(kernel, packed: packed), packed: packed, bias: bias, g: g,
                                              cout: cout, relu: relu, out: $0.baseAddress!, chunkTiles: chunk)
                    }
                    assertClose(Tensor(shape: slow.shape, data: fast), slow, atol: 1e-5 * slow.maxAbs)
                }
            }
        }
        // Through a plan, as the layers call it.
        let x = rng.tensor([1, 6, 6, 16]), kernel = rng.tensor([3, 3, 16, 16])
        for policy in testedPolicies {
            let plan = policy.plan(input: [6, 6, 16], kernel: kernel.shape, strides: (1, 1), padding: .same)
            XCTAssertEqual(plan.algorithm, .winograd)
            assertClose(plan(x, kernel: kernel, kernelVersion: 1, bias: nil),
                        conv2dNaive(x, kernel: kernel, bias: nil, padding: .same), atol: 1e-5 * 20)
        }
    }

    func testConvTilesWhenColumnsExceedBudget() {
        // 70x70 output pixels x 3*3*600 columns is > 8M floats, so this runs in several tiles.
        var rng = SeededRandom(state: 3)
        let x = rng.tensor([1, 70, 70, 600])
        let kernel = rng.tensor([3, 3, 600, 2])
        let fast = conv2dForward(x, kernel: kernel, bias: nil, padding: .same, relu: true)
        var slow = conv2dNaive(x.rows(0..<1), kernel: kernel, bias: nil, padding: .same)
        slow.data = slow.data.map { max($0, 0) }
        assertClose(fast, slow, atol: 1e-3)
    }

    func testPoolingAgainstHandValues() {
        let x = Tensor(shape: [1, 3, 3, 1], data: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        XCTAssertEqual(maxPool2dForward(x, pool: (2, 2), strides: (2, 2), padding: .valid).data, [5])
        XCTAssertEqual(maxPool2dForward(x, pool: (2, 2), strides: (2, 2), padding: .same).data, [5, 6, 8, 9])
        // Same-padded average divides by the real inputs only: (6+9)/2 at the right edge.
        XCTAssertEqual(avgPool2dForward(x, pool: (2, 2), strides: (2, 2), padding: .same).data, [3, 4.5, 7.5, 9])
        let m = Tensor(shape: [1, 3, 3, 1], data: [-1, -2, -3, -4, -5, -6, -7, -8, -9])
        XCTAssertEqual(maxPool2dForward(m, pool: (2, 2), strides: (2, 2), padding: .same).data, [-1, -3, -7, -9])
        XCTAssertEqual(globalAvgPool2dForward(x).data, [5])
        XCTAssertEqual(globalMaxPool2dForward(m).data, [-1])
    }

    func testZeroPaddingAndBatchNorm() {
        let x = Tensor(shape: [1, 1, 2, 1], data: [1, 2])
        let p = zeroPad2dForward(x, top: 1, bottom: 0, left: 0, right: 1)
        XCTAssertEqual(p.shape, [1, 2, 3, 1])
        XCTAssertEqual(p.data, [0, 0, 0, 1, 2, 0])
        let y = batchNormForward(Tensor(shape: [1, 2], data: [3, 3]), gamma: [2, 1], beta: [1, 0],
                                 mean: [1, 3], variance: [4, 1], epsilon: 0)
        XCTAssertEqual(y.data, [3, 0])
    }

    func testSoftmaxIsStableForLargeLogits() {
        var x = Tensor(shape: [1, 3], data: [1000, 1000, -1000])
        softmaxInPlace(&x)
        XCTAssertEqual(x.data[0], 0.5, accuracy: 1e-6)
        XCTAssertEqual(x.data[2], 0, accuracy: 1e-6)
    }

    func testDenseMatchesHandProduct() {
        let x = Tensor(shape: [1, 2], data: [1, 2])
        let k = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(denseForward(x, kernel: k, bias: [1, 1, 1]).data, [10, 13, 16])
    }

    /// The blocked depthwise kernel against the pixel-by-pixel reference on odd geometries:
    /// channel counts with SIMD tails, strides 1 and 2 (and mixed), same and valid padding,
    /// 3x3, 5x5 and non-square kernels, with and without bias; depth_multiplier 2 takes the
    /// reference path. The sums are the reference's in the same order.
    func testBlockedDepthwiseMatchesReference() {
        var rng = SeededRandom(state: 41)
        let cases: [(h: Int, w: Int, c: Int, k: (Int, Int), s: (Int, Int), p: Padding, m: Int)] = [
            (9, 11, 3, (3, 3), (1, 1), .same, 1), (13, 17, 37, (3, 3), (1, 1), .same, 1),
            (13, 17, 70, (3, 3), (2, 2), .valid, 1), (12, 12, 96, (3, 3), (2, 2), .same, 1),
            (15, 14, 48, (5, 5), (1, 1), .same, 1), (16, 19, 21, (5, 5), (2, 2), .valid, 1),
            (10, 23, 130, (3, 5), (1, 2), .same, 1), (7, 5, 16, (3, 3), (1, 1), .valid, 1),
            (4, 4, 33, (5, 5), (1, 1), .same, 1), (11, 9, 13, (3, 3), (1, 1), .same, 2),
            (11, 9, 20, (5, 5), (2, 2), .valid, 3),
        ]
        for t in cases {
            let x = rng.tensor([2, t.h, t.w, t.c]), kernel = rng.tensor([t.k.0, t.k.1, t.c, t.m])
            for bias in [nil, rng.tensor([t.c * t.m]).data] {
                let expected = depthwiseConv2dForwardReference(x, kernel: kernel, bias: bias, strides: t.s, padding: t.p)
                let found = depthwiseConv2dForward(x, kernel: kernel, bias: bias, strides: t.s, padding: t.p)
                assertClose(found, expected, atol: 1e-6)
            }
            guard t.m == 1 else { continue }
            // A ZeroPadding2D absorbed: the same as convolving the zero-padded input.
            let (top, bottom, left, right) = (2, 1, 0, 3)
            var padded = Tensor(zeros: [2, t.h + top + bottom, t.w + left + right, t.c])
            for n in 0..<2 {
                for y in 0..<t.h {
                    for x0 in 0..<t.w {
                        for ch in 0..<t.c {
                            padded.data[((n * (t.h + top + bottom) + y + top) * (t.w + left + right) + x0 + left) * t.c + ch] =
                                x.data[((n * t.h + y) * t.w + x0) * t.c + ch]
                        }
                    }
                }
            }
            let expected = depthwiseConv2dForwardReference(padded, kernel: kernel, bias: nil, strides: t.s, padding: t.p)
            let found = depthwiseConv2dForward(x, kernel: kernel, bias: nil, strides: t.s, padding: t.p,
                                               zeroPadding: (top, bottom, left, right))
            assertClose(found, expected, atol: 1e-6)
        }
    }

    /// Channel counts that are not a multiple of 16 (NASNet's stem cells have 11 and 22, all in the
    /// vector tail): 5x5 and 7x7, strides 1 and 2, a ReLU'd input, absorbed zero padding and an
    /// activation, against the reference on the ReLU'd, padded input. Small images put the last
    /// pixels' tails at the end of the image, where the tail gathers its lanes one by one.
    func testDepthwiseChannelTailsMatchReference() {
        var rng = SeededRandom(state: 47)
        for c in [1, 5, 11, 22, 27] {
            for (k, s, p) in [((7, 7), (2, 2), Padding.valid), ((5, 5), (1, 1), .same), ((3, 3), (2, 2), .same)] {
                let (h, w) = (9, 8)
                let x = rng.tensor([2, h, w, c]), kernel = rng.tensor([k.0, k.1, c, 1]), bias = rng.tensor([c]).data
                let (top, bottom, left, right) = (3, 3, 2, 3)
                var padded = Tensor(zeros: [2, h + top + bottom, w + left + right, c])
                for n in 0..<2 {
                    for y in 0..<h {
                        for x0 in 0..<w {
                            for ch in 0..<c {
                                padded.data[((n * (h + top + bottom) + y + top) * (w + left + right) + x0 + left) * c + ch] =
                                    max(0, x.data[((n * h + y) * w + x0) * c + ch])
                            }
                        }
                    }
                }
                var expected = depthwiseConv2dForwardReference(padded, kernel: kernel, bias: bias, strides: s, padding: p)
                applyActivation(.relu, &expected)
                let found = depthwiseConv2dForward(x, kernel: kernel, bias: bias, strides: s, padding: p,
                                                   activation: FusedActivation(.relu)!,
                                                   zeroPadding: (top, bottom, left, right), inputReLU: true)
                assertClose(found, expected, atol: 1e-6)
            }
        }
    }

    /// Each activation applied in the depthwise kernel, and by `applyFusedActivation`, equals the
    /// Keras layer's separate pass (`applyActivation`) up to float rounding, far into both tails.
    func testFusedActivationsMatchTheSeparatePass() {
        var rng = SeededRandom(state: 43)
        let wide = Tensor(shape: [1, 1, 7, 37], data: (0..<259).map { i in Float(i - 129) * 0.7 })
        for activation in [Activation.relu, .relu6, .swish, .silu, .hardSwish, .hardSilu, .sigmoid, .linear] {
            let fusedForm = FusedActivation(activation)!
            var expected = wide, found = wide
            applyActivation(activation, &expected)
            applyFusedActivation(fusedForm, &found)
            for (a, b) in zip(found.data, expected.data) {
                XCTAssertLessThanOrEqual(abs(a - b), 2e-6 * max(1, abs(b)), "\(activation): \(a) vs \(b)")
            }
            let x = rng.tensor([2, 9, 10, 37]), kernel = rng.tensor([3, 3, 37, 1]), bias = rng.tensor([37]).data
            for (strides, padding) in [((1, 1), Padding.same), ((2, 2), .valid)] {
                var separate = depthwiseConv2dForwardReference(x, kernel: kernel, bias: bias, strides: strides, padding: padding)
                applyActivation(activation, &separate)
                let inKernel = depthwiseConv2dForward(x, kernel: kernel, bias: bias, strides: strides, padding: padding,
                                                      activation: fusedForm)
                assertClose(inKernel, separate, atol: 2e-6 * max(1, separate.maxAbs))
            }
        }
        XCTAssertEqual(FusedActivation(reluMaxValue: 6, negativeSlope: 0, threshold: 0), .relu(cap: 6))
        XCTAssertNil(FusedActivation(reluMaxValue: nil, negativeSlope: 0.1, threshold: 0))
        XCTAssertNil(FusedActivation(reluMaxValue: nil, negativeSlope: 0, threshold: 1))
        XCTAssertNil(FusedActivation(.softmax))
    }
}
