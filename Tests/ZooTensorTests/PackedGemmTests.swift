import XCTest
@testable import ZooTensor

/// The packed GEMM (AVX-512) against a product in Double, and every convolution path that uses
/// it against the OpenBLAS path and the naive convolution.
final class PackedGemmTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(packedGemmAvailable, "this CPU has no AVX-512; the OpenBLAS path is tested elsewhere")
    }

    /// Tails in every direction (rows not a multiple of 12, columns of 32, depth of 256), both
    /// ways of splitting over the cores, and each part of the epilogue.
    func testPackedGemmMatchesDoubleProduct() {
        var rng = SeededRandom(state: 21)
        for (m, k, n) in [(1, 1, 1), (37, 300, 70), (12, 256, 32), (13, 257, 33), (100, 600, 512), (600, 40, 48), (30, 9, 5)] {
            let a = rng.tensor([m, k]).data, b = rng.tensor([k, n]).data, r = rng.tensor([m, n]).data
            let bias = (0..<n).map { _ in rng.next() }
            let packed = b.withUnsafeBufferPointer { packMatrix($0.baseAddress!, k: k, n: n) }
            for (useBias, useResidual, relu) in [(false, false, false), (true, false, true), (true, true, true), (false, true, false)] {
                var c = [Float](repeating: .nan, count: m * n)
                a.withUnsafeBufferPointer { ap in
                    packed.withUnsafeBufferPointer { pp in
                        c.withUnsafeMutableBufferPointer { cp in
                            withOptionalPointer(useBias ? bias : nil) { bp in
                                withOptionalPointer(useResidual ? r : nil) { rp in
                                    packedGemm(ap.baseAddress!, lda: k, pp.baseAddress!, cp.baseAddress!, rows: m, k: k, n: n,
                                               bias: bp, residual: rp, relu: relu)
                                }
                            }
                        }
                    }
                }
                var worst = 0.0
                for i in 0..<m {
                    for j in 0..<n {
                        var s = 0.0
                        for q in 0..<k { s += Double(a[i * k + q]) * Double(b[q * n + j]) }
                        if useBias { s += Double(bias[j]) }
                        if useResidual { s += Double(r[i * n + j]) }
                        if relu { s = max(s, 0) }
                        worst = max(worst, abs(s - Double(c[i * n + j])))
                    }
                }
                XCTAssertLessThan(worst, 1e-6 * Double(k).squareRoot() * 10, "m \(m) k \(k) n \(n) \(useBias) \(useResidual) \(relu)")
            }
        }
    }

    func testPackedGemmKeepsNaNThroughReLU() {
        let a: [Float] = [.nan, 1, -1, 2], b: [Float] = [1, 1]
        let packed = b.withUnsafeBufferPointer { packMatrix($0.baseAddress!, k: 1, n: 2) }
        var c = [Float](repeating: 7, count: 8)
        a.withUnsafeBufferPointer { ap in
            packed.withUnsafeBufferPointer { pp in
                c.withUnsafeMutableBufferPointer { cp in
                    packedGemm(ap.baseAddress!, lda: 1, pp.baseAddress!, cp.baseAddress!, rows: 4, k: 1, n: 2, bias: nil, relu: true)
                }
            }
        }
        XCTAssertTrue(c[0].isNaN && c[1].isNaN)
        XCTAssertEqual(Array(c[2...]), [1, 1, 0, 0, 2, 2])
    }

    /// Each path that packs its kernel (1x1, strided 1x1 and the RGB first layer through im2col,
    /// skipped padding taps, Winograd) gives the naive result with and without the packed GEMM,
    /// and again from the weights its plan prepared on the first call.
    func testConvolutionPathsAgreeWithAndWithoutPackedGemm() {
        var rng = SeededRandom(state: 23)
        let cases: [(n: Int, h: Int, c: Int, k: Int, o: Int, s: Int, p: Padding, residual: Bool)] = [
            (4, 12, 64, 1, 256, 1, .valid, true), (2, 6, 32, 1, 64, 2, .valid, false), (2, 23, 3, 7, 64, 2, .valid, false),
            (8, 2, 64, 3, 96, 1, .same, false), (3, 3, 32, 3, 48, 1, .same, false), (2, 12, 32, 3, 32, 1, .same, false),
        ]
        for t in cases {
            let x = rng.tensor([t.n, t.h, t.h, t.c]), kernel = rng.tensor([t.k, t.k, t.c, t.o])
            let bias = (0..<t.o).map { _ in rng.next() }
            var slow = conv2dNaive(x, kernel: kernel, bias: bias, strides: (t.s, t.s), padding: t.p)
            let residual = t.residual ? rng.tensor(slow.shape) : nil
            if let residual { for i in slow.data.indices { slow.data[i] += residual.data[i] } }
            slow.data = slow.data.map { $0 < 0 ? 0 : $0 }
            for packed in [true, false] {
                let plan = ConvPolicy(packedGemm: packed).plan(input: [t.h, t.h, t.c], kernel: kernel.shape,
                                                               strides: (t.s, t.s), padding: t.p)
                XCTAssertEqual(plan.gemm == .packed, packed && plan.algorithm != .direct, "\(plan)")
                for _ in 0..<2 {
                    let fast = plan(x, kernel: kernel, kernelVersion: 1, bias: bias, relu: true, residual: residual)
                    assertClose(fast, slow, atol: 1e-5 * max(1, slow.maxAbs))
                }
            }
        }
    }
}
