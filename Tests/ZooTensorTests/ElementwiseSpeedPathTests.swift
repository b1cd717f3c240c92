import CKernels
import Foundation
import XCTest
@testable import ZooTensor

/// The vectorised inference passes (elementwise.c and the Swift around it) against the scalar
/// formulas they replaced, on sizes that are not multiples of the 16-float vector.
final class ElementwiseSpeedPathTests: XCTestCase {
    private let oddCounts = [1, 7, 15, 16, 17, 33, 1000, 70_003]

    /// Values over the whole range an activation meets: ordinary ones, the ends of expf's range
    /// (overflow above 88.72, underflow below -103.97), infinities and NaN.
    private func awkward(_ count: Int, seed: UInt64) -> Tensor {
        var rng = SeededRandom(state: seed)
        let special: [Float] = [0, -0.0, 1e-8, -1e-8, 88.7, 88.73, 89, -88.7, -88.73, -89, 103.9, -103.9, -104.5, 200, -200,
                                .infinity, -.infinity, .nan, 16.5, -16.5]
        return Tensor(shape: [count], data: (0..<count).map { i in
            i < special.count && count > 100 ? special[i] : rng.next() * (i % 3 == 0 ? 100 : 8)
        })
    }

    /// Within `relative` of the reference, or both below `floor` in size (results that fall into
    /// float's subnormal range, where no 24-bit relative accuracy exists); NaN where it is NaN.
    private func assertRelative(_ got: Tensor, _ want: Tensor, relative: Float = 1e-6, floor: Float = 1e-37,
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.shape, want.shape, file: file, line: line)
        for i in want.data.indices {
            let (g, w) = (got.data[i], want.data[i])
            if w.isNaN { XCTAssertTrue(g.isNaN, "[\(i)] \(g) is not NaN", file: file, line: line); continue }
            if w.isInfinite { XCTAssertEqual(g, w, "[\(i)]", file: file, line: line); continue }
            XCTAssertLessThanOrEqual(abs(g - w), relative * abs(w) + floor, "[\(i)] \(g) vs \(w)", file: file, line: line)
        }
    }

    func testExpMatchesLibm() {
        for count in oddCounts {
            let x = awkward(count, seed: 1)
            var y = [Float](repeating: 0, count: count)
            x.data.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { zoo_exp(xp.baseAddress!, $0.baseAddress!, count) } }
            assertRelative(Tensor(shape: [count], data: y), Tensor(shape: [count], data: x.data.map { Foundation.exp($0) }))
        }
    }

    func testSwishAndSigmoidMatchScalarFormula() {
        for count in oddCounts {
            let x = awkward(count, seed: UInt64(count))
            var swish = x, sig = x
            applyActivation(.swish, &swish)
            applyActivation(.sigmoid, &sig)
            assertRelative(swish, Tensor(shape: x.shape, data: x.data.map { $0 * (1 / (1 + Foundation.exp(-$0))) }))
            assertRelative(sig, Tensor(shape: x.shape, data: x.data.map { 1 / (1 + Foundation.exp(-$0)) }))
            // Out of place: the same values, x untouched.
            let before = x.data
            XCTAssertEqual(activated(.swish, x).data.map(\.bitPattern), swish.data.map(\.bitPattern))
            XCTAssertEqual(activated(.sigmoid, x).data.map(\.bitPattern), sig.data.map(\.bitPattern))
            XCTAssertEqual(x.data.map(\.bitPattern), before.map(\.bitPattern))
        }
    }

    func testHardActivationsAndReLU6AreExact() {
        for count in oddCounts {
            let x = awkward(count, seed: 3 + UInt64(count))
            let cases: [(Activation, (Float) -> Float)] = [
                (.hardSigmoid, { min(max($0 + 3, 0), 6) / 6 }),
                (.hardSwish, { $0 * (min(max($0 + 3, 0), 6) / 6) }),
                (.relu6, { $0 >= 6 ? 6 : ($0 >= 0 ? $0 : 0 * $0) }),
            ]
            for (activation, formula) in cases {
                var y = x
                applyActivation(activation, &y)
                let want = x.data.map(formula)
                XCTAssertEqual(y.data.map(\.bitPattern), want.map(\.bitPattern), "\(activation) \(count)")
                XCTAssertEqual(activated(activation, x).data.map(\.bitPattern), want.map(\.bitPattern), "\(activation) \(count)")
            }
            var relu = x
            applyActivation(.relu, &relu)
            XCTAssertEqual(activated(.relu, x).data.map(\.bitPattern), relu.data.map(\.bitPattern))
            XCTAssertEqual(relu.data.map(\.bitPattern), x.data.map { $0 < 0 ? 0 : $0 }.map(\.bitPattern))
            var leaky = x
            reluInPlace(&leaky, maxValue: 5, negativeSlope: 0.25, threshold: 0.5)
            XCTAssertEqual(leaky.data.map(\.bitPattern),
                           x.data.map { $0 >= 5 ? 5 : ($0 >= 0.5 ? $0 : 0.25 * ($0 - 0.5)) }.map(\.bitPattern))
        }
    }

    func testBatchNormPassesMatchScalarFormula() {
        var rng = SeededRandom(state: 9)
        for (rows, c) in [(1, 1), (7, 3), (5, 17), (301, 33), (64, 256)] {
            let x = rng.tensor([rows, c])
            let gamma = (0..<c).map { _ in rng.next() }, beta = (0..<c).map { _ in rng.next() }
            let mean = (0..<c).map { _ in rng.next() }, variance = (0..<c).map { _ in rng.next() + 1.5 }
            var want = x
            for i in want.data.indices {
                let k = i % c
                let scale = gamma[k] / (variance[k] + 1e-3).squareRoot()
                want.data[i] = x.data[i] * scale + (beta[k] - mean[k] * scale)
            }
            let out = batchNormForward(x, gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: 1e-3)
            XCTAssertEqual(out.data.map(\.bitPattern), want.data.map(\.bitPattern))
            var inPlace = x
            batchNormInPlace(&inPlace, gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: 1e-3)
            XCTAssertEqual(inPlace.data.map(\.bitPattern), want.data.map(\.bitPattern))
            var withReLU = x
            batchNormInPlace(&withReLU, gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: 1e-3, relu: true)
            XCTAssertEqual(withReLU.data, want.data.map { $0 < 0 ? 0 : $0 })
        }
    }

    /// The general broadcasting loop, kept as the oracle for the channel-gate fast path.
    private func naiveProduct(_ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = broadcastShape([a.shape, b.shape])!
        let count = shape.reduce(1, *)
        func index(_ flat: Int, _ s: [Int]) -> Int {
            var rest = flat, idx = 0, step = 1
            var strides = [Int](repeating: 0, count: s.count)
            for i in stride(from: s.count - 1, through: 0, by: -1) { strides[i] = step; step *= s[i] }
            for i in stride(from: shape.count - 1, through: 0, by: -1) {
                let coord = rest % shape[i]
                rest /= shape[i]
                idx += (s[i] == 1 ? 0 : coord) * strides[i]
            }
            return idx
        }
        return Tensor(shape: shape, data: (0..<count).map { a.data[index($0, a.shape)] * b.data[index($0, b.shape)] })
    }

    func testChannelGateMultiplyMatchesBroadcast() {
        var rng = SeededRandom(state: 11)
        let pairs: [([Int], [Int])] = [
            ([3, 5, 7, 19], [3, 1, 1, 19]), ([3, 1, 1, 19], [3, 5, 7, 19]), ([2, 4, 4, 33], [1, 1, 1, 33]),
            ([2, 3, 5], [2, 1, 5]), ([4, 9], [4, 9]), ([2, 3, 3, 4], [2, 3, 1, 4]), ([2, 3, 3, 4], [2, 1, 1, 1]),
        ]
        for (sa, sb) in pairs {
            let a = rng.tensor(sa), b = rng.tensor(sb)
            let want = naiveProduct(a, b)
            XCTAssertEqual(multiplyBroadcast([a, b]), want, "\(sa) x \(sb)")
            for reusable in [[true, true], [false, true], [true, false], [false, false]] {
                var inputs = [a, b]
                XCTAssertEqual(multiplyBroadcastInPlace(&inputs, reusable: reusable), want, "\(sa) x \(sb) \(reusable)")
            }
            // Three operands take the general loop.
            XCTAssertEqual(multiplyBroadcast([a, b, Tensor(repeating: 1, shape: want.shape)]), want)
        }
        // The caller's tensors keep their values when they are shared.
        let a = rng.tensor([2, 3, 3, 8]), gate = rng.tensor([2, 1, 1, 8])
        var inputs = [a, gate]
        let copy = a
        _ = multiplyBroadcastInPlace(&inputs, reusable: [true, true])
        XCTAssertEqual(a, copy)
    }

    func testAddInPlaceMatchesAdd() {
        var rng = SeededRandom(state: 13)
        for count in [1, 17, 40_001] {
            let ts = (0..<3).map { _ in rng.tensor([count]) }
            for k in 2...3 {
                let want = addForward(Array(ts.prefix(k)))
                for reusable in [[true, true, true], [false, true, false], [false, false, true]] {
                    var inputs = Array(ts.prefix(k))
                    XCTAssertEqual(addForwardInPlace(&inputs, reusable: Array(reusable.prefix(k))), want)
                }
            }
        }
    }

    func testConcatenateMatchesNaive() {
        var rng = SeededRandom(state: 17)
        for widths in [[1, 1], [3, 17, 5], [64, 32], [7, 0, 9], [1000, 31]] {
            let inputs = widths.map { rng.tensor([2, 3, 5, $0]) }
            let total = widths.reduce(0, +)
            var want: [Float] = []
            for row in 0..<30 { for (t, w) in zip(inputs, widths) { want += t.data[row * w..<(row + 1) * w] } }
            XCTAssertEqual(concatenateLastAxis(inputs), Tensor(shape: [2, 3, 5, total], data: want), "\(widths)")
        }
    }

    func testGlobalPoolingMatchesNaive() {
        var rng = SeededRandom(state: 19)
        for shape in [[1, 1, 1, 1], [3, 5, 7, 17], [2, 56, 56, 24], [5, 2, 3, 100]] {
            var x = rng.tensor(shape)
            x.data[0] = .nan  // a NaN never wins the maximum (strict >) but spoils the average
            let (n, pixels, c) = (shape[0], shape[1] * shape[2], shape[3])
            var avg = [Float](), mx = [Float]()
            for b in 0..<n {
                for ch in 0..<c {
                    var s: Double = 0, m = -Float.infinity
                    for p in 0..<pixels {
                        let v = x.data[(b * pixels + p) * c + ch]
                        s += Double(v)
                        if v > m { m = v }
                    }
                    avg.append(Float(s / Double(pixels)))
                    mx.append(m)
                }
            }
            XCTAssertEqual(globalAvgPool2dForward(x).data.map(\.bitPattern), avg.map(\.bitPattern), "\(shape)")
            XCTAssertEqual(globalMaxPool2dForward(x).data.map(\.bitPattern), mx.map(\.bitPattern), "\(shape)")
        }
    }

    func testWindowPoolingMatchesNaive() {
        var rng = SeededRandom(state: 23)
        for (shape, pool, strides, padding) in [([2, 7, 9, 5], (3, 3), (1, 1), Padding.same), ([1, 8, 8, 17], (3, 3), (2, 2), .same),
                                                 ([3, 5, 6, 33], (2, 2), (2, 2), .valid), ([1, 1, 1, 3], (1, 1), (1, 1), .valid)] {
            let x = rng.tensor(shape)
            let g = WindowGeometry(input: shape, kernel: pool, strides: strides, padding: padding)
            var avg = [Float](), mx = [Float]()
            for n in 0..<shape[0] {
                for oy in 0..<g.rows.output {
                    for ox in 0..<g.cols.output {
                        for ch in 0..<shape[3] {
                            var s: Float = 0, m = -Float.infinity, first = true
                            for iy in g.rows.window(oy) {
                                for ix in g.cols.window(ox) {
                                    let v = x.data[((n * shape[1] + iy) * shape[2] + ix) * shape[3] + ch]
                                    s = first ? v : s + v
                                    m = first || v > m ? v : m
                                    first = false
                                }
                            }
                            avg.append(s * (1 / Float(g.rows.window(oy).count * g.cols.window(ox).count)))
                            mx.append(m)
                        }
                    }
                }
            }
            XCTAssertEqual(avgPool2dForward(x, pool: pool, strides: strides, padding: padding).data, avg, "\(shape)")
            XCTAssertEqual(maxPool2dForward(x, pool: pool, strides: strides, padding: padding).data, mx, "\(shape)")
        }
    }
}
