import ZooLayers
import ZooTensor

/// One official Keras weight file: where keras.applications downloads it from and the
/// `file_hash` it checks (md5, 32 hex digits, or sha256, 64, as Keras's `get_file` tells them
/// apart by length). `bytes` is known only where measured: Keras publishes no sizes.
public struct WeightFile: Sendable, Codable, Equatable {
    public let fileName: String
    public let url: String
    public let fileHash: String
    public let bytes: Int?

    public init(fileName: String, url: String, fileHash: String, bytes: Int? = nil) {
        self.fileName = fileName
        self.url = url
        self.fileHash = fileHash
        self.bytes = bytes
    }

    private enum CodingKeys: String, CodingKey {
        case fileName, url, fileHash, bytes
        /// The key of catalogues written before sha256 hashes were accepted.
        case md5
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fileName = try c.decode(String.self, forKey: .fileName)
        url = try c.decode(String.self, forKey: .url)
        if let hash = try c.decodeIfPresent(String.self, forKey: .fileHash) {
            fileHash = hash
        } else {
            fileHash = try c.decode(String.self, forKey: .md5)
        }
        bytes = try c.decodeIfPresent(Int.self, forKey: .bytes)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fileName, forKey: .fileName)
        try c.encode(url, forKey: .url)
        try c.encode(fileHash, forKey: .fileHash)
        try c.encodeIfPresent(bytes, forKey: .bytes)
    }

    /// "md5" or "sha256", from the hash's length as in Keras's `validate_file`; nil for neither.
    public var hashAlgorithm: String? { WeightFile.hashAlgorithm(of: fileHash) }

    public static func hashAlgorithm(of hash: String) -> String? {
        guard hash.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
        switch hash.count {
        case 32: return "md5"
        case 64: return "sha256"
        default: return nil
        }
    }
}

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
        }
    }

    /// The name of the exported model's preprocessing convolution (`caffe_preprocess`, as files
    /// exported before the other modes existed call it).
    public var layerName: String { "\(rawValue)_preprocess" }
}

/// A model of the zoo: its architecture, official weights and preprocessing.
public struct CatalogueEntry: Sendable {
    public let name: String
    public let kerasName: String
    public let preprocessing: PreprocessingMode
    public let minimumInputSize: Int
    public let topInputSize: Int
    public let weightsTop: WeightFile
    public let weightsNoTop: WeightFile
    public let build: @Sendable (_ size: (Int, Int), _ includeTop: Bool, _ pooling: Pooling) throws -> Model

    public func weights(includeTop: Bool) -> WeightFile { includeTop ? weightsTop : weightsNoTop }
}

/// The zoo. `Models/catalogue.json` is this table exported (`zoo catalogue --json`); a test keeps
/// the two identical. File names, URLs and hashes are keras.applications' (`WEIGHTS_PATH`,
/// `WEIGHTS_HASHES`).
public let catalogue: [CatalogueEntry] = [
    CatalogueEntry(
        name: "vgg16", kerasName: "VGG16", preprocessing: .caffe, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
            fileHash: "64373286793e3c8b2b4e3219cbf3544b", bytes: 553_467_096),
        weightsNoTop: WeightFile(
            fileName: "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
            fileHash: "6d6bbae143d832006294945121d1f1fc", bytes: 58_889_256),
        build: { try vgg16(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "vgg19", kerasName: "VGG19", preprocessing: .caffe, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "vgg19_weights_tf_dim_ordering_tf_kernels.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5",
            fileHash: "cbe5617147190e668d6c5d5026f83318", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
            fileHash: "253f8cb515780f3b799900260a226db6", bytes: nil),
        build: { try vgg19(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "resnet50", kerasName: "ResNet50", preprocessing: .caffe, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "resnet50_weights_tf_dim_ordering_tf_kernels.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5",
            fileHash: "2cb95161c43110f7111970584f804107", bytes: 102_967_424),
        weightsNoTop: WeightFile(
            fileName: "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
            fileHash: "4d473c1dd8becc155b73f8504c6f6626", bytes: 94_765_736),
        build: { try resnet50(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "resnet101", kerasName: "ResNet101", preprocessing: .caffe, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "resnet101_weights_tf_dim_ordering_tf_kernels.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet101_weights_tf_dim_ordering_tf_kernels.h5",
            fileHash: "f1aeb4b969a6efcfb50fad2f0c20cfc5", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "resnet101_weights_tf_dim_ordering_tf_kernels_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet101_weights_tf_dim_ordering_tf_kernels_notop.h5",
            fileHash: "88cf7a10940856eca736dc7b7e228a21", bytes: nil),
        build: { try resnet101(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "resnet152", kerasName: "ResNet152", preprocessing: .caffe, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "resnet152_weights_tf_dim_ordering_tf_kernels.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet152_weights_tf_dim_ordering_tf_kernels.h5",
            fileHash: "100835be76be38e30d865e96f2aaae62", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "resnet152_weights_tf_dim_ordering_tf_kernels_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet152_weights_tf_dim_ordering_tf_kernels_notop.h5",
            fileHash: "ee4c566cf9a93f14d82f913c2dc6dd0c", bytes: nil),
        build: { try resnet152(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "resnet50v2", kerasName: "ResNet50V2", preprocessing: .tf, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "resnet50v2_weights_tf_dim_ordering_tf_kernels.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50v2_weights_tf_dim_ordering_tf_kernels.h5",
            fileHash: "3ef43a0b657b3be2300d5770ece849e0", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
            fileHash: "fac2f116257151a9d068a22e544a4917", bytes: nil),
        build: { try resnet50v2(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "resnet101v2", kerasName: "ResNet101V2", preprocessing: .tf, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "resnet101v2_weights_tf_dim_ordering_tf_kernels.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet101v2_weights_tf_dim_ordering_tf_kernels.h5",
            fileHash: "6343647c601c52e1368623803854d971", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "resnet101v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet101v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
            fileHash: "c0ed64b8031c3730f411d2eb4eea35b5", bytes: nil),
        build: { try resnet101v2(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "resnet152v2", kerasName: "ResNet152V2", preprocessing: .tf, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "resnet152v2_weights_tf_dim_ordering_tf_kernels.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet152v2_weights_tf_dim_ordering_tf_kernels.h5",
            fileHash: "a49b44d1979771252814e80f8ec446f9", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "resnet152v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet152v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
            fileHash: "ed17cf2e0169df9d443503ef94b23b33", bytes: nil),
        build: { try resnet152v2(inputSize: $0, includeTop: $1, pooling: $2) }),

]

public func catalogueEntry(_ name: String) throws -> CatalogueEntry {
    guard let entry = catalogue.first(where: { $0.name == name.lowercased() }) else {
        throw ModelError.unknownModel(name, known: catalogue.map(\.name))
    }
    return entry
}
