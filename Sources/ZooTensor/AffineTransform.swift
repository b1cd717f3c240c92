import Foundation

/// How `affineTransform` reads points outside the image, as `keras.ops.image.affine_transform`
/// (TensorFlow's ImageProjectiveTransformV3) names them.
public enum FillMode: String, Sendable, CaseIterable {
    /// (d c b a | a b c d | d c b a): the edge pixel is repeated once at the mirror.
    case reflect
    /// (a b c d | a b c d | a b c d).
    case wrap
    /// (k k k k | a b c d | k k k k) with k the fill value.
    case constant
    /// (a a a a | a b c d | d d d d).
    case nearest
}

/// How `affineTransform` samples between pixels.
public enum ImageInterpolation: String, Sendable, CaseIterable { case bilinear, nearest }

/// Keras's image transform `[a0, a1, a2, b0, b1, b2, c0, c1]`: output point (x, y) reads the
/// input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1, with x the
/// column and y the row, in pixels from the top-left pixel's centre.
public typealias ImageTransform = [Float]

/// `keras.ops.image.affine_transform` on a channels-last batch [N, H, W, C], one transform per
/// image, computed in float32 as TensorFlow's kernel computes it so the results agree to rounding.
public func affineTransform(
    _ x: Tensor, transforms: [ImageTransform], interpolation: ImageInterpolation = .bilinear,
    fillMode: FillMode = .reflect, fillValue: Float = 0
) -> Tensor {
    precondition(x.shape.count == 4 && transforms.count == x.shape[0] && transforms.allSatisfy { $0.count == 8 },
                 "affineTransform: [N, H, W, C] and N transforms of 8 values")
    let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    var out = [Float](repeating: 0, count: x.count)
    let plane = h * w * c
    x.data.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            parallelTasks(n) { b in
                let t = transforms[b]
                let image = src.baseAddress! + b * plane
                let target = dst.baseAddress! + b * plane
                // Out-of-image reads give the fill value in constant mode; the other modes map the
                // point inside first, so only a bilinear neighbour past the last pixel (weight 0) reads it.
                func read(_ row: Int, _ col: Int, _ ch: Int) -> Float {
                    guard row >= 0, row < h, col >= 0, col < w else { return fillValue }
                    return image[(row * w + col) * c + ch]
                }
                for oy in 0..<h {
                    for ox in 0..<w {
                        let (fx, fy) = (Float(ox), Float(oy))
                        let k = t[6] * fx + t[7] * fy + 1
                        let base = (oy * w + ox) * c
                        guard k != 0 else {
                            for ch in 0..<c { target[base + ch] = fillValue }
                            continue
                        }
                        let inX = (t[0] * fx + t[1] * fy + t[2]) / k
                        let inY = (t[3] * fx + t[4] * fy + t[5]) / k
                        let px = mapCoordinate(inX, length: w, mode: fillMode)
                        let py = mapCoordinate(inY, length: h, mode: fillMode)
                        switch interpolation {
                        case .nearest:
                            let (r, col) = (Int(py.rounded(.toNearestOrAwayFromZero)), Int(px.rounded(.toNearestOrAwayFromZero)))
                            for ch in 0..<c { target[base + ch] = read(r, col, ch) }
                        case .bilinear:
                            let (x0, y0) = (px.rounded(.down), py.rounded(.down))
                            let (x1, y1) = (x0 + 1, y0 + 1)
                            let (c0, c1, r0, r1) = (Int(x0), Int(x1), Int(y0), Int(y1))
                            for ch in 0..<c {
                                let top = (x1 - px) * read(r0, c0, ch) + (px - x0) * read(r0, c1, ch)
                                let bottom = (x1 - px) * read(r1, c0, ch) + (px - x0) * read(r1, c1, ch)
                                target[base + ch] = (y1 - py) * top + (py - y0) * bottom
                            }
                        }
                    }
                }
            }
        }
    }
    return Tensor(shape: x.shape, data: out)
}

/// Maps a sampling coordinate into [0, length - 1] by `mode` (TensorFlow's MapCoordinate);
/// constant mode leaves it, the reads outside give the fill value.
func mapCoordinate(_ coordinate: Float, length: Int, mode: FillMode) -> Float {
    let len = Float(length)
    var v = coordinate
    switch mode {
    case .constant:
        return v
    case .nearest:
        return min(max(v, 0), len - 1)
    case .reflect:
        if v < 0 {
            if length <= 1 {
                v = 0
            } else {
                let size2 = 2 * len
                if v < size2 { v = size2 * Float(Int(-v / size2)) + v }
                v = v < -len ? v + size2 : -v - 1
            }
        } else if v > len - 1 {
            if length <= 1 {
                v = 0
            } else {
                let size2 = 2 * len
                v -= size2 * Float(Int(v / size2))
                if v >= len { v = size2 - v - 1 }
            }
        }
    case .wrap:
        if v < 0 {
            if length <= 1 {
                v = 0
            } else {
                let size = len - 1
                v += len * (Float(Int(-v / size)) + 1)
            }
        } else if v > len - 1 {
            if length <= 1 {
                v = 0
            } else {
                let size = len - 1
                v -= len * Float(Int(v / size))
            }
        }
    }
    return min(max(v, 0), len - 1)
}
