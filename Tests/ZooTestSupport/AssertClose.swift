import Foundation
import XCTest
import ZooTensor

/// Passes when every |actual - expected| <= atol + rtol * max |expected|: the tolerance is
/// relative to the reference's largest magnitude, the convention of every Keras comparison here
/// (a deep random ResNet's outputs reach 1e3..1e11, and its small values carry the rounding of
/// its large ones). On failure it reports the shape, the largest difference and where it is,
/// and the first values side by side, as llm.c's check_tensor does.
public func assertClose(
    _ actual: [Float], _ expected: [Float], shape: [Int]? = nil, atol: Float = 0, rtol: Float = 0,
    _ what: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
    guard actual.count == expected.count else {
        XCTFail("\(what()): \(actual.count) values, expected \(expected.count)", file: file, line: line)
        return
    }
    let scale = expected.reduce(Float(0)) { max($0, abs($1)) }
    let tolerance = atol + rtol * scale
    var worst = (index: -1, diff: Float(0))
    for i in actual.indices {
        let d = abs(actual[i] - expected[i])
        if d > worst.diff || d.isNaN { worst = (i, d.isNaN ? .infinity : d) }
    }
    guard worst.diff > tolerance else { return }
    let shapeText = shape.map { "shape \($0), " } ?? ""
    let firsts = actual.indices.prefix(4).map { "\(actual[$0]) vs \(expected[$0])" }.joined(separator: ", ")
    XCTFail("\(what()): \(shapeText)max |actual - expected| = \(worst.diff) at index \(worst.index) "
            + "(\(actual[worst.index]) vs \(expected[worst.index])) > \(tolerance) (atol \(atol) + rtol \(rtol) x max |expected| \(scale)); first values: \(firsts)",
            file: file, line: line)
}

/// `assertClose` on tensors, which must also have the same shape.
public func assertClose(
    _ actual: Tensor, _ expected: Tensor, atol: Float = 0, rtol: Float = 0,
    _ what: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
    guard actual.shape == expected.shape else {
        XCTFail("\(what()): shape \(actual.shape), expected \(expected.shape)", file: file, line: line)
        return
    }
    assertClose(actual.data, expected.data, shape: actual.shape, atol: atol, rtol: rtol, what(), file: file, line: line)
}
