import XCTest
@testable import ZooTensor

/// L = Σ r·y accumulated in double, so dL/dy = r exactly and the analytic gradient is
/// backward(dy: r).
private func functional(_ y: Tensor, _ r: Tensor) -> Double {
    precondition(y.shape == r.shape)
    var s = 0.0
    for i in y.data.indices { s += Double(y.data[i]) * Double(r.data[i]) }
    return s
}

/// Central differences of `loss` with respect to every element of `x`. The step actually taken is
/// (x+h) - (x-h) as rounded in float, which removes the rounding of x ± h from the estimate.
private func numericGradient(_ x: Tensor, h: Float = 1e-2, _ loss: (Tensor) -> Double) -> Tensor {
    var g = Tensor(zeros: x.shape)
    var probe = x
    for i in x.data.indices {
        let (up, down) = (x.data[i] + h, x.data[i] - h)
        probe.data[i] = up
        let lUp = loss(probe)
        probe.data[i] = down
        let lDown = loss(probe)
        probe.data[i] = x.data[i]
        g.data[i] = Float((lUp - lDown) / Double(up - down))
    }
    return g
}

/// Elementwise |a - b| <= tol * max(1, |b|): absolute near zero, relative for large gradients.
private func assertGradient(
    _ a: Tensor, _ b: Tensor, tol: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.shape, b.shape, "\(what): shapes differ", file: file, line: line)
    guard a.shape == b.shape else { return }
    var worst: Float = 0, at = 0
    for i in a.data.indices {
        let excess = abs(a.data[i] - b.data[i]) / max(1, abs(b.data[i]))
        if excess > worst { worst = excess; at = i }
    }
    XCTAssertLessThanOrEqual(worst, tol, "\(what): worst scaled diff \(worst) at \(at): \(a.data[at]) vs \(b.data[at])",
                             file: file, line: line)
}

private func vector(_ v: [Float]) -> Tensor { Tensor(shape: [v.count], data: v) }

/// Pairwise distinct values spaced 0.05 apart, shuffled: a step of h = 1e-2 never changes which
/// input wins a max, so central differences of max pooling are exact up to rounding.
private func distinctTensor(_ shape: [Int], _ rng: inout SeededRandom) -> Tensor {
    let count = shape.reduce(1, *)
    var values = (0..<count).map { Float($0 - count / 2) * 0.05 }
    for i in stride(from: count - 1, to: 0, by: -1) {
        let j = Int((rng.next() + 1) / 2 * Float(i + 1)) % (i + 1)
        values.swapAt(i, j)
    }
    return Tensor(shape: shape, data: values)
}

final class BackwardTests: XCTestCase {
    typealias ConvCase = (x: [Int], k: (Int, Int), o: Int, s: (Int, Int), p: Padding)

    static let convCases: [ConvCase] = [
        ([2, 5, 5, 2], (3, 3), 3, (1, 1), .same),   // 3x3 same stride 1
        ([2, 6, 6, 2], (3, 3), 3, (2, 2), .same),   // stride 2 on even: pad 0 before, 1 after
        ([2, 7, 5, 2], (3, 3), 3, (2, 2), .same),   // stride 2 on odd: pad 1 and 1
        ([1, 6, 7, 2], (3, 3), 2, (2, 2), .same),   // even rows, odd columns
        ([2, 7, 7, 2], (3, 3), 3, (2, 2), .valid),  // valid stride 2
        ([1, 5, 5, 2], (4, 4), 2, (1, 1), .same),   // even kernel: pad 1 before, 2 after
        ([2, 4, 4, 3], (1, 1), 4, (1, 1), .valid),  // 1x1 stride 1: the direct GEMM path
        ([2, 5, 5, 3], (1, 1), 4, (2, 2), .valid),  // 1x1 stride 2: im2col skips pixels
        ([1, 6, 6, 3], (1, 1), 2, (2, 2), .same),   // 1x1 stride 2 same (no padding needed)
        ([1, 11, 11, 2], (7, 7), 3, (2, 2), .valid), // 7x7 stride 2 valid (ResNet stem)
        ([2, 5, 6, 2], (2, 3), 3, (1, 2), .same),   // non-square kernel and strides
        ([1, 6, 7, 2], (2, 3), 2, (1, 2), .valid),
    ]

    // Convolution is linear in x, kernel and bias, so central differences are exact but for float
    // rounding of the forward: with h = 1e-2 and O(1) values that is ~1e-5, well inside 1e-2.
    func testConvBackwardMatchesCentralDifferences() {
        var rng = SeededRandom(state: 11)
        for t in Self.convCases {
            let x = rng.tensor(t.x)
            let kernel = rng.tensor([t.k.0, t.k.1, t.x[3], t.o])
            let bias = rng.tensor([t.o])
            let y = conv2dForward(x, kernel: kernel, bias: bias.data, strides: t.s, padding: t.p)
            let r = rng.tensor(y.shape)
            let g = conv2dBackward(x, kernel: kernel, dy: r, strides: t.s, padding: t.p, needInputGradient: true)
            let name = "\(t.x) k\(t.k) s\(t.s) \(t.p)"

            let dx = numericGradient(x) {
                functional(conv2dForward($0, kernel: kernel, bias: bias.data, strides: t.s, padding: t.p), r)
            }
            let dk = numericGradient(kernel) {
                functional(conv2dForward(x, kernel: $0, bias: bias.data, strides: t.s, padding: t.p), r)
            }
            let db = numericGradient(bias) {
                functional(conv2dForward(x, kernel: kernel, bias: $0.data, strides: t.s, padding: t.p), r)
            }
            assertGradient(g.dx!, dx, tol: 1e-2, "dx \(name)")
            assertGradient(g.dKernel, dk, tol: 1e-2, "dKernel \(name)")
            assertGradient(vector(g.dBias), db, tol: 1e-2, "dBias \(name)")

            // The naive oracle on the same case; float GEMM vs double loops agree to ~1e-6 here.
            let slow = conv2dBackwardNaive(x, kernel: kernel, dy: r, strides: t.s, padding: t.p)
            assertGradient(g.dx!, slow.dx, tol: 1e-4, "dx vs naive \(name)")
            assertGradient(g.dKernel, slow.dKernel, tol: 1e-4, "dKernel vs naive \(name)")
            assertGradient(vector(g.dBias), vector(slow.dBias), tol: 1e-4, "dBias vs naive \(name)")
        }
    }

    func testConvBackwardSkipsInputGradientWhenNotAsked() {
        var rng = SeededRandom(state: 5)
        let x = rng.tensor([1, 5, 5, 2]), kernel = rng.tensor([3, 3, 2, 3])
        let dy = rng.tensor([1, 3, 3, 3])
        let with = conv2dBackward(x, kernel: kernel, dy: dy, strides: (2, 2), padding: .same, needInputGradient: true)
        let without = conv2dBackward(x, kernel: kernel, dy: dy, strides: (2, 2), padding: .same, needInputGradient: false)
        XCTAssertNil(without.dx)
        XCTAssertEqual(with.dKernel, without.dKernel)
        XCTAssertEqual(with.dBias, without.dBias)
    }

    // Tiles that cut through rows and images must add up to the untiled result. A budget of a few
    // im2col rows forces many tiles on small shapes; tolerance 1e-4 (scaled by max(1, |g|)) covers
    // float GEMM against double loops.
    func testConvBackwardTilesWithSmallBudget() {
        var rng = SeededRandom(state: 17)
        for t in Self.convCases where !(t.k == (1, 1) && t.s == (1, 1)) {
            let x = rng.tensor(t.x)
            let kernel = rng.tensor([t.k.0, t.k.1, t.x[3], t.o])
            let g0 = conv2dForward(x, kernel: kernel, bias: nil, strides: t.s, padding: t.p)
            let dy = rng.tensor(g0.shape)
            let k = t.k.0 * t.k.1 * t.x[3]
            let tiled = conv2dBackward(x, kernel: kernel, dy: dy, strides: t.s, padding: t.p,
                                       needInputGradient: true, budget: 3 * k)
            let slow = conv2dBackwardNaive(x, kernel: kernel, dy: dy, strides: t.s, padding: t.p)
            let name = "\(t.x) k\(t.k) s\(t.s) \(t.p)"
            assertGradient(tiled.dx!, slow.dx, tol: 1e-4, "tiled dx \(name)")
            assertGradient(tiled.dKernel, slow.dKernel, tol: 1e-4, "tiled dKernel \(name)")
        }
    }

    // With the real 8M-float budget: 2x29x29 output pixels x 3*3*600 columns = 9.1M floats, so
    // two tiles, the boundary inside the second image. dKernel sums 1682 products per entry
    // (|g| ~ 15), so the 1e-4 tolerance is relative there.
    func testConvBackwardMatchesNaiveAcrossRealTiles() {
        var rng = SeededRandom(state: 23)
        let x = rng.tensor([2, 29, 29, 600])
        let kernel = rng.tensor([3, 3, 600, 2])
        let dy = rng.tensor([2, 29, 29, 2])
        XCTAssertGreaterThan(2 * 29 * 29 * 3 * 3 * 600, im2colBudget)
        let fast = conv2dBackward(x, kernel: kernel, dy: dy, strides: (1, 1), padding: .same, needInputGradient: true)
        let slow = conv2dBackwardNaive(x, kernel: kernel, dy: dy, strides: (1, 1), padding: .same)
        assertGradient(fast.dx!, slow.dx, tol: 1e-4, "dx")
        assertGradient(fast.dKernel, slow.dKernel, tol: 1e-4, "dKernel")
        assertGradient(vector(fast.dBias), vector(slow.dBias), tol: 1e-4, "dBias")
    }

    typealias PoolCase = (x: [Int], pool: (Int, Int), s: (Int, Int), p: Padding)

    static let poolCases: [PoolCase] = [
        ([2, 5, 5, 3], (2, 2), (2, 2), .valid),  // odd size: the last row and column get nothing
        ([2, 4, 6, 2], (2, 2), (2, 2), .same),
        ([2, 5, 5, 2], (2, 2), (2, 2), .same),   // odd: pad after only
        ([1, 6, 6, 2], (3, 3), (2, 2), .same),   // even, overlapping: pad 0 before, 1 after
        ([1, 7, 7, 2], (3, 3), (2, 2), .same),   // odd: pad 1 and 1
        ([1, 7, 7, 2], (3, 3), (2, 2), .valid),
        ([1, 5, 5, 2], (3, 3), (1, 1), .same),   // stride 1: one input wins several windows
        ([2, 5, 6, 2], (2, 3), (1, 2), .same),   // non-square pool and strides
    ]

    // Max pooling is linear around inputs whose values are 0.05 apart (no winner changes under a
    // 1e-2 step) and average pooling is linear: tolerance 1e-2 as for convolutions.
    func testPoolingBackwardMatchesCentralDifferences() {
        var rng = SeededRandom(state: 29)
        for t in Self.poolCases {
            let x = distinctTensor(t.x, &rng)
            let r = rng.tensor(maxPool2dForward(x, pool: t.pool, strides: t.s, padding: t.p).shape)
            let name = "\(t.x) pool\(t.pool) s\(t.s) \(t.p)"

            let dMax = maxPool2dBackward(x, dy: r, pool: t.pool, strides: t.s, padding: t.p)
            let nMax = numericGradient(x) { functional(maxPool2dForward($0, pool: t.pool, strides: t.s, padding: t.p), r) }
            assertGradient(dMax, nMax, tol: 1e-2, "max \(name)")

            let dAvg = avgPool2dBackward(r, inputShape: x.shape, pool: t.pool, strides: t.s, padding: t.p)
            let nAvg = numericGradient(x) { functional(avgPool2dForward($0, pool: t.pool, strides: t.s, padding: t.p), r) }
            assertGradient(dAvg, nAvg, tol: 1e-2, "avg \(name)")
        }
    }

    func testMaxPoolTiesGoToFirstInRowMajorOrder() {
        // TensorFlow's MaxPoolGrad: the first maximum scanning the window row by row takes it all.
        let flat = Tensor(shape: [1, 2, 2, 1], data: [3, 3, 3, 3])
        XCTAssertEqual(maxPool2dBackward(flat, dy: Tensor(shape: [1, 1, 1, 1], data: [1]), pool: (2, 2),
                                         strides: (2, 2), padding: .valid).data, [1, 0, 0, 0])
        // (0,1) and (1,0) tie at 5: (0,1) comes first in row-major order.
        let pair = Tensor(shape: [1, 2, 2, 1], data: [1, 5, 5, 2])
        XCTAssertEqual(maxPool2dBackward(pair, dy: Tensor(shape: [1, 1, 1, 1], data: [2]), pool: (2, 2),
                                         strides: (2, 2), padding: .valid).data, [0, 2, 0, 0])
    }

    func testSamePaddingNeverWinsOrDilutes() {
        // All inputs negative: a zero padding tap would win if it were considered.
        let neg = Tensor(shape: [1, 3, 3, 1], data: [-1, -2, -3, -4, -5, -6, -7, -8, -9])
        let ones = Tensor(repeating: 1, shape: [1, 2, 2, 1])
        XCTAssertEqual(maxPool2dBackward(neg, dy: ones, pool: (2, 2), strides: (2, 2), padding: .same).data,
                       [1, 0, 1, 0, 0, 0, 1, 0, 1])
        // Average: windows hold 4, 2, 2 and 1 real inputs.
        XCTAssertEqual(avgPool2dBackward(ones, inputShape: [1, 3, 3, 1], pool: (2, 2), strides: (2, 2), padding: .same).data,
                       [0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 1])
    }

    func testGlobalPoolsMatchCentralDifferences() {
        var rng = SeededRandom(state: 31)
        let x = distinctTensor([2, 3, 4, 3], &rng)
        let r = rng.tensor([2, 3])
        let nAvg = numericGradient(x) { functional(globalAvgPool2dForward($0), r) }
        assertGradient(globalAvgPool2dBackward(r, inputShape: x.shape), nAvg, tol: 1e-2, "global avg")
        let nMax = numericGradient(x) { functional(globalMaxPool2dForward($0), r) }
        assertGradient(globalMaxPool2dBackward(x, dy: r), nMax, tol: 1e-2, "global max")
    }

    func testGlobalMaxTiesSplitEvenly() {
        // Keras's GlobalMaxPooling2D is a reduce-max, whose TensorFlow gradient divides among ties.
        let x = Tensor(shape: [1, 2, 2, 1], data: [5, 1, 5, 5])
        let dx = globalMaxPool2dBackward(x, dy: Tensor(shape: [1, 1], data: [3]))
        XCTAssertEqual(dx.data, [1, 0, 1, 1])
    }

    func testZeroPadBackwardCrops() {
        var rng = SeededRandom(state: 37)
        let x = rng.tensor([2, 3, 4, 2])
        let y = zeroPad2dForward(x, top: 1, bottom: 2, left: 0, right: 3)
        let r = rng.tensor(y.shape)
        let n = numericGradient(x) { functional(zeroPad2dForward($0, top: 1, bottom: 2, left: 0, right: 3), r) }
        let dx = zeroPad2dBackward(r, top: 1, bottom: 2, left: 0, right: 3)
        assertGradient(dx, n, tol: 1e-2, "zero pad")
        // Cropping is exact: the same floats, not merely close.
        XCTAssertEqual(zeroPad2dBackward(y, top: 1, bottom: 2, left: 0, right: 3), x)
    }

    // The ReLU mask applied tile by tile inside the backward must equal masking dy first.
    func testConvBackwardFusesReLUMask() {
        var rng = SeededRandom(state: 41)
        for t in Self.convCases {
            let x = rng.tensor(t.x)
            let kernel = rng.tensor([t.k.0, t.k.1, t.x[3], t.o])
            let y = conv2dForward(x, kernel: kernel, bias: nil, strides: t.s, padding: t.p, relu: true)
            let dy = rng.tensor(y.shape)
            let fused = conv2dBackward(x, kernel: kernel, dy: dy, strides: t.s, padding: t.p, needInputGradient: true,
                                       reluOutput: y)
            let masked = conv2dBackward(x, kernel: kernel, dy: reluBackward(y: y, dy: dy), strides: t.s, padding: t.p,
                                        needInputGradient: true)
            let name = "\(t.x) k\(t.k) s\(t.s) \(t.p)"
            XCTAssertEqual(fused.dx, masked.dx, "dx \(name)")
            XCTAssertEqual(fused.dKernel, masked.dKernel, "dKernel \(name)")
            XCTAssertEqual(fused.dBias, masked.dBias, "dBias \(name)")
        }
    }

    // Big enough for the parallel path: 11 images in 8 parts of one or two images, each part with
    // its own partial sums. Against the double-precision loops, and bit-identical run to run
    // (the split and the summation order never depend on timing).
    func testConvBackwardSplitsTheBatchDeterministically() {
        var rng = SeededRandom(state: 43)
        let x = rng.tensor([11, 20, 20, 5]), kernel = rng.tensor([3, 3, 5, 7])
        let y = conv2dForward(x, kernel: kernel, bias: nil, padding: .valid, relu: true)
        let dy = rng.tensor(y.shape)
        XCTAssertGreaterThanOrEqual(y.count / 7 * 45 * 7, 1 << 20, "large enough to run in parallel")
        let first = conv2dBackward(x, kernel: kernel, dy: dy, strides: (1, 1), padding: .valid, needInputGradient: true,
                                   reluOutput: y)
        let slow = conv2dBackwardNaive(x, kernel: kernel, dy: reluBackward(y: y, dy: dy), strides: (1, 1), padding: .valid)
        assertGradient(first.dx!, slow.dx, tol: 1e-4, "dx")
        assertGradient(first.dKernel, slow.dKernel, tol: 1e-4, "dKernel")
        assertGradient(vector(first.dBias), vector(slow.dBias), tol: 1e-4, "dBias")
        for _ in 0..<3 {
            let again = conv2dBackward(x, kernel: kernel, dy: dy, strides: (1, 1), padding: .valid, needInputGradient: true,
                                       reluOutput: y)
            XCTAssertEqual(again.dx, first.dx)
            XCTAssertEqual(again.dKernel, first.dKernel)
            XCTAssertEqual(again.dBias, first.dBias)
        }
        let without = conv2dBackward(x, kernel: kernel, dy: dy, strides: (1, 1), padding: .valid, needInputGradient: false,
                                     reluOutput: y)
        XCTAssertNil(without.dx)
        XCTAssertEqual(without.dKernel, first.dKernel)
        XCTAssertEqual(without.dBias, first.dBias)
    }

    // 19 channels: two 8-channel SIMD blocks and 3 left over; random values with many ties
    // (a few distinct levels). Against the scalar loops the kernels replaced, exactly: the same
    // winners, and overlapping windows add in the same order.
    func testPoolingBackwardMatchesScalarReference() {
        var rng = SeededRandom(state: 47)
        let cases: [PoolCase] = Self.poolCases.map { ([$0.x[0], $0.x[1], $0.x[2], 19], $0.pool, $0.s, $0.p) }
            + [([3, 24, 24, 64], (2, 2), (2, 2), .valid), ([2, 9, 9, 16], (3, 3), (1, 1), .same)]
        for t in cases {
            let x = Tensor(shape: t.x, data: rng.tensor(t.x).data.map { ($0 * 3).rounded() })
            let dy = rng.tensor(maxPool2dForward(x, pool: t.pool, strides: t.s, padding: t.p).shape)
            let name = "\(t.x) pool\(t.pool) s\(t.s) \(t.p)"
            XCTAssertEqual(maxPool2dBackward(x, dy: dy, pool: t.pool, strides: t.s, padding: t.p),
                           scalarPoolBackward(x, dy: dy, pool: t.pool, strides: t.s, padding: t.p, average: false), "max \(name)")
            XCTAssertEqual(avgPool2dBackward(dy, inputShape: x.shape, pool: t.pool, strides: t.s, padding: t.p),
                           scalarPoolBackward(x, dy: dy, pool: t.pool, strides: t.s, padding: t.p, average: true), "avg \(name)")
        }
    }

    func testWindowIsClampedToTheInput() {
        // same, 5 inputs, pool 2, stride 2: pad 0 before, 1 after.
        let a = AxisGeometry(input: 5, kernel: 2, stride: 2, padding: .same)
        XCTAssertEqual((0..<a.output).map(a.window), [0..<2, 2..<4, 4..<5])
        // same, 7 inputs, pool 3, stride 2: pad 1 and 1.
        let b = AxisGeometry(input: 7, kernel: 3, stride: 2, padding: .same)
        XCTAssertEqual((0..<b.output).map(b.window), [0..<2, 1..<4, 3..<6, 5..<7])
        let c = AxisGeometry(input: 5, kernel: 2, stride: 2, padding: .valid)
        XCTAssertEqual((0..<c.output).map(c.window), [0..<2, 2..<4])
    }

    func testDenseBackwardSkipsInputGradientWhenNotAsked() {
        var rng = SeededRandom(state: 53)
        let x = rng.tensor([130, 300]), kernel = rng.tensor([300, 70]), dy = rng.tensor([130, 70])
        let with = denseBackward(x, kernel: kernel, dy: dy)
        let without = denseBackward(x, kernel: kernel, dy: dy, needInputGradient: false)
        XCTAssertNil(without.dx)
        XCTAssertEqual(with.dKernel, without.dKernel)
        XCTAssertEqual(with.dBias, without.dBias)
        // Against the double loops (the GEMMs are split over the cores at this size).
        var dx = [Double](repeating: 0, count: 130 * 300), dk = [Double](repeating: 0, count: 300 * 70)
        for n in 0..<130 {
            for i in 0..<300 {
                for o in 0..<70 {
                    dx[n * 300 + i] += Double(dy.data[n * 70 + o]) * Double(kernel.data[i * 70 + o])
                    dk[i * 70 + o] += Double(x.data[n * 300 + i]) * Double(dy.data[n * 70 + o])
                }
            }
        }
        assertGradient(with.dx, Tensor(shape: x.shape, data: dx.map(Float.init)), tol: 1e-4, "dense dx")
        assertGradient(with.dKernel, Tensor(shape: kernel.shape, data: dk.map(Float.init)), tol: 1e-4, "dense dKernel")
    }
}

/// The pooling backward as it was first written (one channel at a time, scattering into a zeroed
/// dx): the reference the vectorised kernels must reproduce exactly.
private func scalarPoolBackward(
    _ x: Tensor, dy: Tensor, pool: (Int, Int), strides: (Int, Int), padding: Padding, average: Bool
) -> Tensor {
    let g = WindowGeometry(input: x.shape, kernel: pool, strides: strides, padding: padding)
    let (h, w, c) = (g.rows.input, g.cols.input, g.channels)
    let (oh, ow) = (g.rows.output, g.cols.output)
    var dx = [Float](repeating: 0, count: x.count)
    for n in 0..<g.batch {
        for oy in 0..<oh {
            let y0 = max(0, oy * strides.0 - g.rows.padBefore), y1 = min(h, oy * strides.0 - g.rows.padBefore + pool.0)
            for ox in 0..<ow {
                let x0 = max(0, ox * strides.1 - g.cols.padBefore), x1 = min(w, ox * strides.1 - g.cols.padBefore + pool.1)
                let src = ((n * oh + oy) * ow + ox) * c
                for ch in 0..<c {
                    if average {
                        let inv = 1 / Float((y1 - y0) * (x1 - x0))
                        for iy in y0..<y1 { for ix in x0..<x1 { dx[((n * h + iy) * w + ix) * c + ch] += dy.data[src + ch] * inv } }
                    } else {
                        var best = x.data[((n * h + y0) * w + x0) * c + ch], arg = ((n * h + y0) * w + x0) * c + ch
                        for iy in y0..<y1 {
                            for ix in x0..<x1 where x.data[((n * h + iy) * w + ix) * c + ch] > best {
                                best = x.data[((n * h + iy) * w + ix) * c + ch]
                                arg = ((n * h + iy) * w + ix) * c + ch
                            }
                        }
                        dx[arg] += dy.data[src + ch]
                    }
                }
            }
        }
    }
    return Tensor(shape: x.shape, data: dx)
}
