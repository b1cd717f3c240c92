import ZooTensor

/// Keras's image resizing in `image_dataset_from_directory`: `tf.image.resize` (bilinear,
/// half-pixel centres, no antialiasing, in float32 on the uint8 pixels), after `smart_resize`'s
/// centred crop to the target aspect ratio when `cropToAspectRatio` is set.
public struct ImageResize: Sendable, Equatable {
    public let height: Int
    public let width: Int
    public let cropToAspectRatio: Bool

    public init(height: Int, width: Int, cropToAspectRatio: Bool = false) {
        (self.height, self.width, self.cropToAspectRatio) = (height, width, cropToAspectRatio)
    }

    /// The crop `smart_resize` takes from an `h` x `w` image: (top, left, height, width). Its
    /// graph-mode arithmetic (what tf.data runs): float32 division, truncation to int32.
    public func crop(height h: Int, width w: Int) -> (top: Int, left: Int, height: Int, width: Int) {
        guard cropToAspectRatio else { return (0, 0, h, w) }
        let ch = max(min(h, Int(Float(w * height) / Float(width))), 1)
        let cw = max(min(w, Int(Float(h * width) / Float(height))), 1)
        return (Int(Float(h - ch) / 2), Int(Float(w - cw) / 2), ch, cw)
    }

    /// Writes `image` resized to `height` x `width` x `image.channels` floats (0-255) at `out`.
    public func resize(_ image: DecodedImage, into out: UnsafeMutablePointer<Float>) {
        let c = image.channels
        let box = crop(height: image.height, width: image.width)
        let rows = lerpTable(input: box.height, output: height), cols = lerpTable(input: box.width, output: width)
        let stride = image.width * c
        image.pixels.withUnsafeBufferPointer { src in
            let origin = src.baseAddress! + box.top * stride + box.left * c
            for (y, r) in rows.enumerated() {
                let upper = origin + r.lower * stride, lower = origin + r.upper * stride
                for (x, q) in cols.enumerated() {
                    let dst = out + (y * width + x) * c
                    for ch in 0..<c {
                        let tl = Float(upper[q.lower * c + ch]), tr = Float(upper[q.upper * c + ch])
                        let bl = Float(lower[q.lower * c + ch]), br = Float(lower[q.upper * c + ch])
                        let top = tl + (tr - tl) * q.lerp
                        let bottom = bl + (br - bl) * q.lerp
                        dst[ch] = top + (bottom - top) * r.lerp
                    }
                }
            }
        }
    }

    /// `image` resized, as a [height, width, channels] tensor.
    public func callAsFunction(_ image: DecodedImage) -> Tensor {
        var out = [Float](repeating: 0, count: height * width * image.channels)
        out.withUnsafeMutableBufferPointer { resize(image, into: $0.baseAddress!) }
        return Tensor(shape: [height, width, image.channels], data: out)
    }
}
