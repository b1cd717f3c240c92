import CImage
import Foundation

/// Keras's `color_mode` of `image_dataset_from_directory`: how many channels images are decoded to.
public enum ColorMode: String, Sendable, CaseIterable, Codable {
    /// Three channels; grayscale images replicated, alpha dropped.
    case rgb
    /// One channel (JPEG: libjpeg's luma; PNG: libpng's rgb_to_gray with 0.299/0.587, as TensorFlow).
    case grayscale
    /// Four channels; opaque alpha added where the file has none.
    case rgba

    public var channels: Int { self == .grayscale ? 1 : self == .rgb ? 3 : 4 }

    /// The mode giving `channels` channels (1, 3 or 4).
    public init?(channels: Int) {
        switch channels {
        case 1: self = .grayscale
        case 3: self = .rgb
        case 4: self = .rgba
        default: return nil
        }
    }
}

/// An image as decoded: `height * width * channels` bytes, row-major, channels last.
public struct DecodedImage: Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public let pixels: [UInt8]
    /// jpeg, png, bmp or gif: what the first bytes said.
    public let format: String
}

/// Decodes JPEG (libjpeg-turbo), PNG (libpng), BMP and GIF (stb_image, first frame) as
/// `tf.image.decode_image(channels=..., expand_animations=False)` does, the format told by the
/// content, never by the file name.
public enum ImageDecoder {
    /// The default `--max-pixels`: PIL's decompression-bomb limit (1024 * 1024 * 1024 / 4 / 3),
    /// about 9,459 x 9,459. A header claiming more is refused before any pixel is allocated.
    public static let defaultMaxPixels = 89_478_485
    /// Files larger than this are not read at all (no real photo comes near it).
    public static let maxFileBytes = 1 << 30

    /// The format `bytes` start with, or nil when they are none of the four.
    public static func format(of bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { name(zoo_image_sniff($0.baseAddress, $0.count)) }
    }

    public static func decode(_ bytes: [UInt8], file: String, colorMode: ColorMode = .rgb,
                              maxPixels: Int = defaultMaxPixels) throws -> DecodedImage {
        var image = zoo_image()
        let status = bytes.withUnsafeBufferPointer {
            zoo_image_decode($0.baseAddress, $0.count, Int32(colorMode.channels), UInt64(max(maxPixels, 0)), &image)
        }
        defer { zoo_image_free(&image) }
        guard status == ZOO_IMAGE_OK else {
            let message = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            let what = name(image.format).map { "\($0): " } ?? ""
            throw DataError.malformed(file: file, reason: "cannot decode image (\(what)\(message))")
        }
        let count = Int(image.width) * Int(image.height) * Int(image.channels)
        return DecodedImage(width: Int(image.width), height: Int(image.height), channels: Int(image.channels),
                            pixels: Array(UnsafeBufferPointer(start: image.pixels, count: count)),
                            format: name(image.format) ?? "unknown")
    }

    /// Reads and decodes the file at `path`.
    public static func decode(file path: String, colorMode: ColorMode = .rgb, maxPixels: Int = defaultMaxPixels) throws -> DecodedImage {
        try decode(readImageFile(path), file: path, colorMode: colorMode, maxPixels: maxPixels)
    }

    private static func name(_ format: zoo_image_format) -> String? {
        switch format {
        case ZOO_IMAGE_JPEG: return "jpeg"
        case ZOO_IMAGE_PNG: return "png"
        case ZOO_IMAGE_BMP: return "bmp"
        case ZOO_IMAGE_GIF: return "gif"
        default: return nil
        }
    }
}

/// The bytes of an image file, refused past `ImageDecoder.maxFileBytes`.
func readImageFile(_ path: String) throws -> [UInt8] {
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    if let size = attributes?[.size] as? Int, size > ImageDecoder.maxFileBytes {
        throw DataError.malformed(file: path, reason: "\(size) bytes, over the \(ImageDecoder.maxFileBytes >> 20) MiB image file limit")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw DataError.cannotRead(file: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied or a directory" : "no such file")
    }
    return [UInt8](data)
}
