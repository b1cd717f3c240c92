import ZooTensor

/// How images are turned into model input (Keras `preprocess_input`'s modes, on RGB pixels 0-255).
public enum PreprocessingMode: String, Sendable, Codable, CaseIterable {
    /// RGB -> BGR, subtract the ImageNet mean [103.939, 116.779, 123.68] (BGR), no scaling
    /// (VGG, ResNet v1).
    case caffe
    /// x / 127.5 - 1, to [-1, 1] (ResNet v2, MobileNet, Inception, Xception).
    case tf
    /// x / 255, minus the ImageNet mean [0.485, 0.456, 0.406], divided by the std
    /// [0.229, 0.224, 0.225], RGB (DenseNet).
    case torch
    /// The identity: models that preprocess 0-255 pixels inside (MobileNetV3's Rescaling,
    /// ConvNeXt's Normalization), whose `preprocess_input` passes them through.
    case none

    /// ImageNet channel means in BGR order, subtracted in caffe mode.
    public static let caffeMeanBGR: [Float] = [103.939, 116.779, 123.68]
    /// ImageNet channel means and standard deviations of 0-1 pixels, RGB, for torch mode.
    public static let torchMeanRGB: [Float] = [0.485, 0.456, 0.406]
    public static let torchStdRGB: [Float] = [0.229, 0.224, 0.225]

    /// Output channel `k` of one pixel whose RGB values are `rgb`, with Keras's operations in
    /// Keras's order (so float32 results are identical, not just close).
    @inline(__always)
    public func channel(_ k: Int, of rgb: (Float, Float, Float)) -> Float {
        switch self {
        case .caffe:
            let v = k == 0 ? rgb.2 : k == 1 ? rgb.1 : rgb.0
            return v - PreprocessingMode.caffeMeanBGR[k]
        case .tf:
            let v = k == 0 ? rgb.0 : k == 1 ? rgb.1 : rgb.2
            return v / 127.5 - 1
        case .torch:
            let v = k == 0 ? rgb.0 : k == 1 ? rgb.1 : rgb.2
            return (v / 255 - PreprocessingMode.torchMeanRGB[k]) / PreprocessingMode.torchStdRGB[k]
        case .none:
            return k == 0 ? rgb.0 : k == 1 ? rgb.1 : rgb.2
        }
    }

    /// keras.applications.<family>.preprocess_input on RGB pixels [..., 3] (0-255).
    public func preprocessInput(_ x: Tensor) -> Tensor {
        precondition(x.shape.last == 3, "preprocess_input takes RGB pixels [..., 3], got \(x.shape)")
        var out = [Float](repeating: 0, count: x.count)
        x.data.withUnsafeBufferPointer { p in
            for i in stride(from: 0, to: p.count, by: 3) {
                let rgb = (p[i], p[i + 1], p[i + 2])
                for k in 0..<3 { out[i + k] = channel(k, of: rgb) }
            }
        }
        return Tensor(shape: x.shape, data: out)
    }

    /// The mode as one affine map per output channel, out[k] = in[source[k]] * scale[k] + offset[k]:
    /// what the exported model's fixed 1x1 convolution computes.
    public var affine: (source: [Int], scale: [Float], offset: [Float]) {
        switch self {
        case .caffe:
            return ([2, 1, 0], [1, 1, 1], PreprocessingMode.caffeMeanBGR.map { -$0 })
        case .tf:
            return ([0, 1, 2], [Float](repeating: 1 / 127.5, count: 3), [-1, -1, -1])
        case .torch:
            let std = PreprocessingMode.torchStdRGB
            return ([0, 1, 2], std.map { 1 / (255 * $0) }, zip(PreprocessingMode.torchMeanRGB, std).map { -$0 / $1 })
        case .none:
            return ([0, 1, 2], [1, 1, 1], [0, 0, 0])
        }
    }

    /// The name of the exported model's preprocessing convolution (`caffe_preprocess`, as files
    /// exported before the other modes existed call it).
    public var layerName: String { "\(rawValue)_preprocess" }
}
