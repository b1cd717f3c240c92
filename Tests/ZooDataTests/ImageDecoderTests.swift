import Foundation
import XCTest
import ZooHDF5
@testable import ZooData

/// zoo's decoders and resizing against TensorFlow on `Tests/Fixtures/images/` (from
/// `tools/make_image_fixtures.py`): every file in every color mode TensorFlow decodes it in, then
/// Keras's own per-file loading of image_dataset_from_directory (resize, crop_to_aspect_ratio).
final class ImageDecoderTests: XCTestCase {
    static let base = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/images").path

    func fixture() throws -> (H5File, [String]) {
        let f = try H5File.open(Self.base + "/expected.h5")
        return (f, try f.root.stringList("files"))
    }

    /// JPEG within 1 grey level of tf.io.decode_jpeg; every other format exact.
    func tolerance(_ file: String) throws -> Int {
        let bytes = [UInt8](FileManager.default.contents(atPath: Self.base + "/folder/" + file)!)
        return ImageDecoder.format(of: bytes) == "jpeg" ? 1 : 0
    }

    func testDecodingMatchesTensorFlowInEveryColorMode() throws {
        let (f, files) = try fixture()
        var checked = 0, jpegMax = 0
        for (i, name) in files.enumerated() {
            for mode in ColorMode.allCases where f.root.kind(of: "decoded/\(i)/\(mode.rawValue)") != nil {
                let expected = try f.root.dataset("decoded/\(i)/\(mode.rawValue)")
                let image = try ImageDecoder.decode(file: Self.base + "/folder/" + name, colorMode: mode)
                XCTAssertEqual([image.height, image.width, image.channels], expected.shape, "\(name) \(mode)")
                let want = try expected.readUInt8s()
                let diff = zip(image.pixels, want).map { abs(Int($0) - Int($1)) }.max() ?? 0
                XCTAssertLessThanOrEqual(diff, try tolerance(name), "\(name) \(mode)")
                if try tolerance(name) == 1 { jpegMax = max(jpegMax, diff) }
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 60)
        print("decoded \(checked) file/mode pairs; JPEG max difference \(jpegMax)")
    }

    func testResizingMatchesKerasImageDatasetFromDirectory() throws {
        let (f, files) = try fixture()
        let size = try f.root.attribute("size")
        guard case let .ints(hw) = size else { return XCTFail("size attribute") }
        var checked = 0
        for (i, name) in files.enumerated() {
            for mode in ColorMode.allCases {
                for crop in [false, true] {
                    let key = "resized\(crop ? "_crop" : "")/\(i)/\(mode.rawValue)"
                    guard f.root.kind(of: key) != nil else { continue }
                    let image = try ImageDecoder.decode(file: Self.base + "/folder/" + name, colorMode: mode)
                    let x = ImageResize(height: Int(hw[0]), width: Int(hw[1]), cropToAspectRatio: crop)(image)
                    let want = try f.root.dataset(key).readFloats()
                    let diff = zip(x.data, want).map { abs($0 - $1) }.max() ?? 0
                    XCTAssertLessThanOrEqual(diff, Float(try tolerance(name)), key + " " + name)
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 120)
    }

    func testContentDecidesTheFormatNotTheName() throws {
        let image = try ImageDecoder.decode(file: Self.base + "/folder/coat/png_named.jpg")
        XCTAssertEqual(image.format, "png")
        XCTAssertThrowsError(try ImageDecoder.decode(file: Self.base + "/folder/bag/notes.txt")) {
            XCTAssertTrue("\($0)".contains("not a JPEG, PNG, BMP or GIF"), "\($0)")
        }
    }

    /// A PNG header claiming 60,000 x 60,000 pixels is refused before anything is allocated.
    func testHugeHeaderIsRefusedBeforeAllocation() throws {
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let ihdr: [UInt8] = Array("IHDR".utf8) + [0, 0, 0xEA, 0x60, 0, 0, 0xEA, 0x60, 8, 2, 0, 0, 0]
        png += [0, 0, 0, 13] + ihdr + crc32(ihdr)
        let idat: [UInt8] = Array("IDAT".utf8) + [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]
        png += [0, 0, 0, 8] + idat + crc32(idat)
        XCTAssertThrowsError(try ImageDecoder.decode(png, file: "huge.png")) {
            XCTAssertTrue("\($0)".contains("60000x60000") && "\($0)".contains("--max-pixels"), "\($0)")
        }
        let jpeg = [UInt8](FileManager.default.contents(atPath: Self.base + "/folder/bag/rgb420.jpg")!)
        XCTAssertThrowsError(try ImageDecoder.decode(jpeg, file: "small-limit.jpg", maxPixels: 100))
        XCTAssertNoThrow(try ImageDecoder.decode(jpeg, file: "ok.jpg", maxPixels: 23 * 37))
    }

    func testTruncatedAndCorruptFilesAreErrorsNotCrashes() throws {
        for name in ["bag/rgb420.jpg", "sandal/progressive.jpg", "bag/rgba.png", "sandal/rgb.bmp", "sandal/transparent.gif"] {
            let bytes = [UInt8](FileManager.default.contents(atPath: Self.base + "/folder/" + name)!)
            XCTAssertThrowsError(try ImageDecoder.decode(Array(bytes.prefix(bytes.count / 2)), file: name), name)
            XCTAssertThrowsError(try ImageDecoder.decode(Array(bytes.prefix(12)), file: name), name)
        }
    }

    private func crc32(_ bytes: [UInt8]) -> [UInt8] {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        c ^= 0xFFFF_FFFF
        return [UInt8(c >> 24), UInt8(c >> 16 & 0xFF), UInt8(c >> 8 & 0xFF), UInt8(c & 0xFF)]
    }
}
