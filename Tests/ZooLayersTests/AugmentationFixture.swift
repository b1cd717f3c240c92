import XCTest
import ZooTensor
import ZooTestSupport
@testable import ZooLayers

/// Tests/Fixtures/augment/augment.h5 from tools/make_augment_fixtures.py: Keras 3's augmentation
/// layers and affine_transform on fixed transformations.
enum AugmentationFixture {
    static let path = "augment/augment.h5"

    static func tensor(_ dataset: String) throws -> Tensor { try fixtureTensor(path, dataset: dataset) }
    static func images() throws -> Tensor { try tensor("images") }

    /// `ours` equals Keras's `<dataset>` within 1e-4 of Keras's largest magnitude; returns the error.
    @discardableResult
    static func assertMatches(_ ours: Tensor, _ dataset: String, file: StaticString = #filePath, line: UInt = #line) throws -> Float {
        let keras = try tensor(dataset)
        XCTAssertEqual(ours.shape, keras.shape, dataset, file: file, line: line)
        let error = zip(ours.data, keras.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } / max(keras.maxAbs, 1)
        XCTAssertLessThanOrEqual(error, 1e-4, "\(dataset): largest difference from Keras", file: file, line: line)
        print("\(dataset): max |zoo - keras| / max|keras| = \(error)")
        return error
    }

    /// Keras's (low, high) range of a layer's random parameter for factor 0.1.
    static func range(_ name: String) throws -> (Float, Float) {
        let r = try tensor("ranges/\(name)")
        return (r.data[0], r.data[1])
    }

    /// `draws` all lie in Keras's range and spread over it (both ends within 10% of its width).
    static func assertSpans(_ draws: [Float], _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (low, high) = try range(name)
        let tolerance = 1e-5 * max(1, abs(high))
        XCTAssertGreaterThanOrEqual(draws.min()!, low - tolerance, name, file: file, line: line)
        XCTAssertLessThanOrEqual(draws.max()!, high + tolerance, name, file: file, line: line)
        XCTAssertLessThan(draws.min()! - low, 0.1 * (high - low), "\(name): draws reach the low end", file: file, line: line)
        XCTAssertLessThan(high - draws.max()!, 0.1 * (high - low), "\(name): draws reach the high end", file: file, line: line)
    }
}
