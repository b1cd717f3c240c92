import Foundation
import ZooTensor

/// How image files become model input, as `image_dataset_from_directory(color_mode=...,
/// image_size=..., crop_to_aspect_ratio=...)` does it, plus what to do with a file that does not
/// decode: skip it with a warning, or (`strict`) fail naming it.
public struct ImageLoading: Sendable, Equatable {
    public var colorMode: ColorMode
    public var resize: ImageResize
    public var maxPixels: Int
    public var strict: Bool

    public init(colorMode: ColorMode = .rgb, resize: ImageResize, maxPixels: Int = ImageDecoder.defaultMaxPixels, strict: Bool = false) {
        (self.colorMode, self.resize, self.maxPixels, self.strict) = (colorMode, resize, maxPixels, strict)
    }

    /// What changes the pixels, for cache keys.
    public var cacheDescription: String {
        "color=\(colorMode.rawValue) size=\(resize.height)x\(resize.width) crop=\(resize.cropToAspectRatio) resize=bilinear-half-pixel decode=tf-v1"
    }

    /// Decodes and resizes `files` in parallel into one [n, height, width, channels] batch of raw
    /// 0-255 floats. Files that do not decode are left out and listed in `failures` (`strict`:
    /// the first one is thrown).
    public func load(_ files: [String]) throws -> ImageBatch {
        let (h, w, c) = (resize.height, resize.width, colorMode.channels)
        let per = h * w * c
        var pixels = [Float](repeating: 0, count: files.count * per)
        var errors = [String?](repeating: nil, count: files.count)
        pixels.withUnsafeMutableBufferPointer { out in
            errors.withUnsafeMutableBufferPointer { err in
                parallelTasks(files.count) { i in
                    do {
                        let image = try ImageDecoder.decode(file: files[i], colorMode: colorMode, maxPixels: maxPixels)
                        resize.resize(image, into: out.baseAddress! + i * per)
                    } catch {
                        err[i] = "\(error)"
                    }
                }
            }
        }
        if strict, let i = errors.firstIndex(where: { $0 != nil }) {
            throw DataError.malformed(file: files[i], reason: stripFile(errors[i]!, files[i]))
        }
        let kept = errors.indices.filter { errors[$0] == nil }
        if kept.count < files.count {
            var compact = [Float](); compact.reserveCapacity(kept.count * per)
            for i in kept { compact += pixels[(i * per)..<((i + 1) * per)] }
            pixels = compact
        }
        return ImageBatch(pixels: Tensor(shape: [kept.count, h, w, c], data: pixels), kept: kept,
                          failures: errors.indices.compactMap { i in errors[i].map { (files[i], stripFile($0, files[i])) } })
    }

    private func stripFile(_ message: String, _ file: String) -> String {
        message.hasPrefix(file + ": ") ? String(message.dropFirst(file.count + 2)) : message
    }
}

/// Images decoded and resized together; `kept` are the indices of the files in `pixels`.
public struct ImageBatch: Sendable {
    public let pixels: Tensor
    public let kept: [Int]
    public let failures: [(file: String, reason: String)]
}
