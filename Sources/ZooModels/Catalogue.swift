import ZooLayers

/// One official Keras weight file: where keras.applications downloads it from and its md5.
public struct WeightFile: Sendable, Codable, Equatable {
    public let fileName: String
    public let url: String
    public let md5: String
    public let bytes: Int
}

/// How images are turned into model input (Keras `preprocess_input`).
public enum PreprocessingMode: String, Sendable, Codable {
    /// RGB -> BGR, subtract the ImageNet mean [103.939, 116.779, 123.68] (BGR), no scaling.
    case caffe

    /// ImageNet channel means in BGR order, subtracted in caffe mode.
    public static let caffeMeanBGR: [Float] = [103.939, 116.779, 123.68]
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
/// the two identical.
public let catalogue: [CatalogueEntry] = [
    CatalogueEntry(
        name: "vgg16", kerasName: "VGG16", preprocessing: .caffe, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
            md5: "64373286793e3c8b2b4e3219cbf3544b", bytes: 553_467_096),
        weightsNoTop: WeightFile(
            fileName: "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
            md5: "6d6bbae143d832006294945121d1f1fc", bytes: 58_889_256),
        build: { try vgg16(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "resnet50", kerasName: "ResNet50", preprocessing: .caffe, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "resnet50_weights_tf_dim_ordering_tf_kernels.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5",
            md5: "2cb95161c43110f7111970584f804107", bytes: 102_967_424),
        weightsNoTop: WeightFile(
            fileName: "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
            md5: "4d473c1dd8becc155b73f8504c6f6626", bytes: 94_765_736),
        build: { try resnet50(inputSize: $0, includeTop: $1, pooling: $2) }),
]

public func catalogueEntry(_ name: String) throws -> CatalogueEntry {
    guard let entry = catalogue.first(where: { $0.name == name.lowercased() }) else {
        throw ModelError.unknownModel(name, known: catalogue.map(\.name))
    }
    return entry
}
