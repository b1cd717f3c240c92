import XCTest
import ZooTensor
import ZooTestSupport
@testable import ZooLayers

/// `affineTransform` against keras.ops.image.affine_transform (TensorFlow backend) for every
/// fill mode and interpolation, with projective transforms that reach outside the image.
final class AffineTransformTests: XCTestCase {
    func testEveryFillModeAndInterpolationMatchesKeras() throws {
        let images = try AugmentationFixture.images()
        let t = try AugmentationFixture.tensor("affine/transforms")
        let transforms = (0..<t.shape[0]).map { Array(t.data[($0 * 8)..<($0 * 8 + 8)]) }
        for fill in FillMode.allCases {
            for interpolation in ImageInterpolation.allCases {
                let y = affineTransform(images, transforms: transforms, interpolation: interpolation, fillMode: fill, fillValue: 7)
                try AugmentationFixture.assertMatches(y, "affine/\(fill.rawValue)_\(interpolation.rawValue)/y")
            }
        }
    }

    func testIdentityKeepsTheImage() throws {
        let images = try AugmentationFixture.images()
        let identity: ImageTransform = [1, 0, 0, 0, 1, 0, 0, 0]
        let y = affineTransform(images, transforms: Array(repeating: identity, count: images.shape[0]))
        XCTAssertEqual(y.data, images.data)
    }

    /// The comparison itself must be able to fail: a half-pixel shift is not Keras's output.
    func testAShiftedImageDiffers() throws {
        let images = try AugmentationFixture.images()
        let t = try AugmentationFixture.tensor("affine/transforms")
        var transforms = (0..<t.shape[0]).map { Array(t.data[($0 * 8)..<($0 * 8 + 8)]) }
        transforms[0][2] += 0.5
        let y = affineTransform(images, transforms: transforms, fillMode: .reflect)
        let keras = try AugmentationFixture.tensor("affine/reflect_bilinear/y")
        XCTAssertGreaterThan(zip(y.data, keras.data).map { abs($0 - $1) }.max()!, 1)
    }
}
