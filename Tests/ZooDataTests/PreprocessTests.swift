import Foundation
import XCTest
import ZooHDF5
import ZooTensor
@testable import ZooData

/// `Tests/Fixtures/preprocess/resize.h5` comes from `tools/make_preprocess_fixtures.py`:
/// eight built-in test digits through `tf.image.resize` and `preprocess_input` (TF 2.21).
final class PreprocessTests: XCTestCase {
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/preprocess/resize.h5").path

    func testResizeAndCaffeMatchTensorFlow() throws {
        let f = try H5File.open(fixture)
        let digits = try f.root.dataset("digits")
        let indices = try f.root.dataset("indices").readInt64s().map(Int.init)
        let images = try digits.readUInt8s()
        // The fixture's digits are the built-in sample's: check we read the same ones.
        let test = try MNIST.load(nil, split: .test)
        for (k, i) in indices.enumerated() {
            XCTAssertEqual(Array(test.images[(i * 784)..<((i + 1) * 784)]), Array(images[(k * 784)..<((k + 1) * 784)]))
        }
        for size in [32, 48, 56, 64, 224] {
            let expectedResize = try f.root.dataset("resized_\(size)")
            let expectedCaffe = try f.root.dataset("caffe_\(size)")
            let n = expectedResize.shape[0]
            let d = Digits(images: Array(images[0..<(n * 784)]), labels: [UInt8](repeating: 0, count: n),
                           height: 28, width: 28, files: [])
            let resized = resizeBilinearForward(d.tensor(0..<n), height: size, width: size)
            let caffe = Preprocessor(inputHeight: 28, inputWidth: 28, size: size, mode: .caffe)(d, 0..<n)
            // Tolerance from the issue: max abs error <= 1e-3 on the 0-255 scale.
            XCTAssertLessThanOrEqual(maxAbsDiff(resized.data, try expectedResize.readFloats()), 1e-3, "resize \(size)")
            XCTAssertLessThanOrEqual(maxAbsDiff(caffe.data, try expectedCaffe.readFloats()), 1e-3, "caffe \(size)")
            XCTAssertEqual(caffe.shape, expectedCaffe.shape.count == 4 ? expectedCaffe.shape : [])
        }
    }
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
