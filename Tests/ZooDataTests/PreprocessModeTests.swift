import Foundation
import XCTest
import ZooHDF5
import ZooModels
import ZooTensor
@testable import ZooData

/// Digits through zoo's pipeline in each mode against resize -> grayscale_to_rgb ->
/// preprocess_input in TensorFlow (`Tests/Fixtures/preprocess/modes.h5`).
final class PreprocessModeTests: XCTestCase {
    func testDigitPipelineMatchesTensorFlowInEveryMode() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/preprocess/modes.h5").path
        let f = try H5File.open(path)
        let images = try f.root.dataset("digits").readUInt8s()
        let d = Digits(images: images, labels: [0, 0], height: 28, width: 28, files: [])
        // resize.h5's tolerance, 1e-3 on the 0-255 scale, carried to each mode's scale.
        let tolerance: [PreprocessingMode: Float] = [.caffe: 1e-3, .tf: 1e-3 / 127.5, .torch: 1e-3 / (255 * 0.224), .none: 1e-3]
        for mode in PreprocessingMode.allCases {
            let expected = try f.root.dataset("digits_\(mode.rawValue)")
            let x = Preprocessor(inputHeight: 28, inputWidth: 28, size: 32, mode: mode)(d, 0..<2)
            XCTAssertEqual(x.shape, expected.shape)
            XCTAssertLessThanOrEqual(maxAbsDiff(x.data, try expected.readFloats()), tolerance[mode]!, "\(mode)")
        }
    }
}
