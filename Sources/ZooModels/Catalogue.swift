import ZooLayers

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

    CatalogueEntry(
        name: "densenet121", kerasName: "DenseNet121", preprocessing: .torch, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "densenet121_weights_tf_dim_ordering_tf_kernels.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/densenet/densenet121_weights_tf_dim_ordering_tf_kernels.h5",
            fileHash: "9d60b8095a5708f2dcce2bca79d332c7", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/densenet/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
            fileHash: "30ee3e1110167f948a6b9946edeeb738", bytes: nil),
        build: { try densenet121(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "densenet169", kerasName: "DenseNet169", preprocessing: .torch, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "densenet169_weights_tf_dim_ordering_tf_kernels.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/densenet/densenet169_weights_tf_dim_ordering_tf_kernels.h5",
            fileHash: "d699b8f76981ab1b30698df4c175e90b", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "densenet169_weights_tf_dim_ordering_tf_kernels_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/densenet/densenet169_weights_tf_dim_ordering_tf_kernels_notop.h5",
            fileHash: "b8c4d4c20dd625c148057b9ff1c1176b", bytes: nil),
        build: { try densenet169(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "densenet201", kerasName: "DenseNet201", preprocessing: .torch, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "densenet201_weights_tf_dim_ordering_tf_kernels.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/densenet/densenet201_weights_tf_dim_ordering_tf_kernels.h5",
            fileHash: "1ceb130c1ea1b78c3bf6114dbdfd8807", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "densenet201_weights_tf_dim_ordering_tf_kernels_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/densenet/densenet201_weights_tf_dim_ordering_tf_kernels_notop.h5",
            fileHash: "c13680b51ded0fb44dff2d8f86ac8bb1", bytes: nil),
        build: { try densenet201(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "inceptionv3", kerasName: "InceptionV3", preprocessing: .tf, minimumInputSize: 75, topInputSize: 299,
        weightsTop: WeightFile(
            fileName: "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
            fileHash: "9a0d58056eeedaa3f26cb7ebd46da564", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
            fileHash: "bcbd6486424b2319ff4ef7d526e38f63", bytes: nil),
        build: { try inceptionv3(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "xception", kerasName: "Xception", preprocessing: .tf, minimumInputSize: 71, topInputSize: 299,
        weightsTop: WeightFile(
            fileName: "xception_weights_tf_dim_ordering_tf_kernels.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/xception/xception_weights_tf_dim_ordering_tf_kernels.h5",
            fileHash: "0a58e3b7378bc2990ea3b43d5981f1f6", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
            fileHash: "b0042744bf5b25fce3cb969f33bebb97", bytes: nil),
        build: { try xception(inputSize: $0, includeTop: $1, pooling: $2) }),
]

public func catalogueEntry(_ name: String) throws -> CatalogueEntry {
    guard let entry = catalogue.first(where: { $0.name == name.lowercased() }) else {
        throw ModelError.unknownModel(name, known: catalogue.map(\.name))
    }
    return entry
}
