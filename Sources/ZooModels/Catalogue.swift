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
    /// Keras's `alpha` values with official weights (MobileNet V1/V2/V3); empty for models without
    /// it. `resolved(alpha:size:)` gives the entry at one alpha; `build` and the weights above
    /// are then alpha 1.0's at 224x224.
    public var alphas: [Double] = []
    /// The input rows keras.applications has weight files for; other sizes take 224's.
    public var weightRows: [Int] = []
    public var buildWithAlpha: (@Sendable (_ size: (Int, Int), _ includeTop: Bool, _ pooling: Pooling, _ alpha: Double) throws -> Model)? = nil
    /// The official files (top, no top) for an alpha and rows, as keras.applications names them.
    public var alphaWeights: (@Sendable (_ alpha: Double, _ rows: Int) -> (top: WeightFile, noTop: WeightFile))? = nil
    /// The alpha of an entry from `resolved(alpha:size:)`; nil otherwise.
    public internal(set) var alpha: Double? = nil
    /// Why the weights do not match the input size (Keras's warning), for the entry resolved at it.
    public internal(set) var weightsNotice: String? = nil
    /// Keras's `minimalistic` (MobileNetV3: no squeeze-and-excite, ReLU, 3x3 kernels): the alphas
    /// whose minimalistic variant has official weights; empty for models without the option.
    public var minimalisticAlphas: [Double] = []
    /// The minimalistic architecture at an alpha; `buildWithAlpha` builds the other one.
    public var buildMinimalistic: (@Sendable (_ size: (Int, Int), _ includeTop: Bool, _ pooling: Pooling, _ alpha: Double) throws -> Model)? = nil
    /// The official files (top, no top) of the minimalistic variant for an alpha and rows.
    public var minimalisticWeights: (@Sendable (_ alpha: Double, _ rows: Int) -> (top: WeightFile, noTop: WeightFile))? = nil
    /// Whether an entry from `resolved(alpha:minimalistic:size:)` is the minimalistic variant.
    public internal(set) var minimalistic = false

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

    CatalogueEntry(
        name: "mobilenet", kerasName: "MobileNet", preprocessing: .tf, minimumInputSize: 32, topInputSize: 224,
        weightsTop: mobilenetWeights(alpha: 1.0, rows: 224).top, weightsNoTop: mobilenetWeights(alpha: 1.0, rows: 224).noTop,
        build: { try mobilenet(inputSize: $0, includeTop: $1, pooling: $2) },
        alphas: [0.25, 0.5, 0.75, 1.0], weightRows: [128, 160, 192, 224],
        buildWithAlpha: { try mobilenet(inputSize: $0, alpha: $3, includeTop: $1, pooling: $2) },
        alphaWeights: { mobilenetWeights(alpha: $0, rows: $1) }),
    CatalogueEntry(
        name: "mobilenetv2", kerasName: "MobileNetV2", preprocessing: .tf, minimumInputSize: 32, topInputSize: 224,
        weightsTop: mobilenetv2Weights(alpha: 1.0, rows: 224).top, weightsNoTop: mobilenetv2Weights(alpha: 1.0, rows: 224).noTop,
        build: { try mobilenetv2(inputSize: $0, includeTop: $1, pooling: $2) },
        alphas: [0.35, 0.5, 0.75, 1.0, 1.3, 1.4], weightRows: [96, 128, 160, 192, 224],
        buildWithAlpha: { try mobilenetv2(inputSize: $0, alpha: $3, includeTop: $1, pooling: $2) },
        alphaWeights: { mobilenetv2Weights(alpha: $0, rows: $1) }),
    CatalogueEntry(
        name: "mobilenetv3small", kerasName: "MobileNetV3Small", preprocessing: .passthrough, minimumInputSize: 32, topInputSize: 224,
        weightsTop: mobilenetv3Weights("small", alpha: 1.0, minimalistic: false).top,
        weightsNoTop: mobilenetv3Weights("small", alpha: 1.0, minimalistic: false).noTop,
        build: { try mobilenetv3small(inputSize: $0, includeTop: $1, pooling: $2) },
        alphas: [0.75, 1.0], weightRows: [224],
        buildWithAlpha: { try mobilenetv3small(inputSize: $0, alpha: $3, includeTop: $1, pooling: $2) },
        alphaWeights: { a, _ in mobilenetv3Weights("small", alpha: a, minimalistic: false) },
        minimalisticAlphas: [1.0],
        buildMinimalistic: { try mobilenetv3small(inputSize: $0, alpha: $3, minimalistic: true, includeTop: $1, pooling: $2) },
        minimalisticWeights: { a, _ in mobilenetv3Weights("small", alpha: a, minimalistic: true) }),
    CatalogueEntry(
        name: "mobilenetv3large", kerasName: "MobileNetV3Large", preprocessing: .passthrough, minimumInputSize: 32, topInputSize: 224,
        weightsTop: mobilenetv3Weights("large", alpha: 1.0, minimalistic: false).top,
        weightsNoTop: mobilenetv3Weights("large", alpha: 1.0, minimalistic: false).noTop,
        build: { try mobilenetv3large(inputSize: $0, includeTop: $1, pooling: $2) },
        alphas: [0.75, 1.0], weightRows: [224],
        buildWithAlpha: { try mobilenetv3large(inputSize: $0, alpha: $3, includeTop: $1, pooling: $2) },
        alphaWeights: { a, _ in mobilenetv3Weights("large", alpha: a, minimalistic: false) },
        minimalisticAlphas: [1.0],
        buildMinimalistic: { try mobilenetv3large(inputSize: $0, alpha: $3, minimalistic: true, includeTop: $1, pooling: $2) },
        minimalisticWeights: { a, _ in mobilenetv3Weights("large", alpha: a, minimalistic: true) }),
    CatalogueEntry(
        name: "convnexttiny", kerasName: "ConvNeXtTiny", preprocessing: .passthrough, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "convnext_tiny.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/convnext/convnext_tiny.h5",
            fileHash: "8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "convnext_tiny_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/convnext/convnext_tiny_notop.h5",
            fileHash: "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1", bytes: nil),
        build: { try convnexttiny(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "convnextsmall", kerasName: "ConvNeXtSmall", preprocessing: .passthrough, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "convnext_small.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/convnext/convnext_small.h5",
            fileHash: "ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "convnext_small_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/convnext/convnext_small_notop.h5",
            fileHash: "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab", bytes: nil),
        build: { try convnextsmall(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "convnextbase", kerasName: "ConvNeXtBase", preprocessing: .passthrough, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "convnext_base.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/convnext/convnext_base.h5",
            fileHash: "52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "convnext_base_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/convnext/convnext_base_notop.h5",
            fileHash: "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45", bytes: nil),
        build: { try convnextbase(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "convnextlarge", kerasName: "ConvNeXtLarge", preprocessing: .passthrough, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "convnext_large.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/convnext/convnext_large.h5",
            fileHash: "070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "convnext_large_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/convnext/convnext_large_notop.h5",
            fileHash: "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd", bytes: nil),
        build: { try convnextlarge(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "convnextxlarge", kerasName: "ConvNeXtXLarge", preprocessing: .passthrough, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "convnext_xlarge.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/convnext/convnext_xlarge.h5",
            fileHash: "c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "convnext_xlarge_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/convnext/convnext_xlarge_notop.h5",
            fileHash: "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05", bytes: nil),
        build: { try convnextxlarge(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "inceptionresnetv2", kerasName: "InceptionResNetV2", preprocessing: .tf, minimumInputSize: 75, topInputSize: 299,
        weightsTop: WeightFile(
            fileName: "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/inception_resnet_v2/inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
            fileHash: "e693bd0210a403b3192acc6073ad2e96", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/inception_resnet_v2/inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
            fileHash: "d19885ff4a710c122648d3b5c3b684e4", bytes: nil),
        build: { try inceptionresnetv2(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "nasnetmobile", kerasName: "NASNetMobile", preprocessing: .tf, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "nasnet_mobile.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/nasnet/NASNet-mobile.h5",
            fileHash: "020fb642bf7360b370c678b08e0adf61", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "nasnet_mobile_no_top.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/nasnet/NASNet-mobile-no-top.h5",
            fileHash: "1ed92395b5b598bdda52abe5c0dbfd63", bytes: nil),
        build: { try nasnetmobile(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "nasnetlarge", kerasName: "NASNetLarge", preprocessing: .tf, minimumInputSize: 32, topInputSize: 331,
        weightsTop: WeightFile(
            fileName: "nasnet_large.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/nasnet/NASNet-large.h5",
            fileHash: "11577c9a518f0070763c2b964a382f17", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "nasnet_large_no_top.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/nasnet/NASNet-large-no-top.h5",
            fileHash: "d81d89dc07e6e56530c4e77faddd61b5", bytes: nil),
        build: { try nasnetlarge(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "efficientnetv2b0", kerasName: "EfficientNetV2B0", preprocessing: .passthrough, minimumInputSize: 32, topInputSize: 224,
        weightsTop: WeightFile(
            fileName: "efficientnetv2-b0.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/efficientnetv2-b0.h5",
            fileHash: "21ecbf6da12460d5c40bb2f29ceb2188", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "efficientnetv2-b0_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/efficientnetv2-b0_notop.h5",
            fileHash: "893217f2bb855e2983157299931e43ff", bytes: nil),
        build: { try efficientnetv2b0(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "efficientnetv2b1", kerasName: "EfficientNetV2B1", preprocessing: .passthrough, minimumInputSize: 32, topInputSize: 240,
        weightsTop: WeightFile(
            fileName: "efficientnetv2-b1.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/efficientnetv2-b1.h5",
            fileHash: "069f0534ff22adf035c89e2d9547a9dc", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "efficientnetv2-b1_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/efficientnetv2-b1_notop.h5",
            fileHash: "0e80663031ca32d657f9caa404b6ec37", bytes: nil),
        build: { try efficientnetv2b1(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "efficientnetv2b2", kerasName: "EfficientNetV2B2", preprocessing: .passthrough, minimumInputSize: 32, topInputSize: 260,
        weightsTop: WeightFile(
            fileName: "efficientnetv2-b2.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/efficientnetv2-b2.h5",
            fileHash: "424e49f28180edbde1e94797771950a7", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "efficientnetv2-b2_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/efficientnetv2-b2_notop.h5",
            fileHash: "1dfe2e7a5d45b6632553a8961ea609eb", bytes: nil),
        build: { try efficientnetv2b2(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "efficientnetv2b3", kerasName: "EfficientNetV2B3", preprocessing: .passthrough, minimumInputSize: 32, topInputSize: 300,
        weightsTop: WeightFile(
            fileName: "efficientnetv2-b3.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/efficientnetv2-b3.h5",
            fileHash: "1f1fc43bd98a6e4fd8fdfd551e02c7a0", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "efficientnetv2-b3_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/efficientnetv2-b3_notop.h5",
            fileHash: "f6abf7b5849ac99a89b50dd3fd532856", bytes: nil),
        build: { try efficientnetv2b3(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "efficientnetv2s", kerasName: "EfficientNetV2S", preprocessing: .passthrough, minimumInputSize: 32, topInputSize: 384,
        weightsTop: WeightFile(
            fileName: "efficientnetv2-s.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/efficientnetv2-s.h5",
            fileHash: "e1d88a8495beba45748fedd0cecbe016", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "efficientnetv2-s_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/efficientnetv2-s_notop.h5",
            fileHash: "af0682fb74e8c54910f2d4393339c070", bytes: nil),
        build: { try efficientnetv2s(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "efficientnetv2m", kerasName: "EfficientNetV2M", preprocessing: .passthrough, minimumInputSize: 32, topInputSize: 480,
        weightsTop: WeightFile(
            fileName: "efficientnetv2-m.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/efficientnetv2-m.h5",
            fileHash: "a3bf6aa3276309f4fc6a34aa114c95cd", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "efficientnetv2-m_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/efficientnetv2-m_notop.h5",
            fileHash: "1b8dc055df72dde80d614482840fe342", bytes: nil),
        build: { try efficientnetv2m(inputSize: $0, includeTop: $1, pooling: $2) }),
    CatalogueEntry(
        name: "efficientnetv2l", kerasName: "EfficientNetV2L", preprocessing: .passthrough, minimumInputSize: 32, topInputSize: 480,
        weightsTop: WeightFile(
            fileName: "efficientnetv2-l.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/efficientnetv2-l.h5",
            fileHash: "27e6d408b53c7ebc868fefa357689935", bytes: nil),
        weightsNoTop: WeightFile(
            fileName: "efficientnetv2-l_notop.h5",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/efficientnetv2-l_notop.h5",
            fileHash: "b0b66b5c863aef5b46e8608fe1711615", bytes: nil),
        build: { try efficientnetv2l(inputSize: $0, includeTop: $1, pooling: $2) }),
] + efficientNetEntries

/// efficientnet.py's `WEIGHTS_HASHES` (top, no top): 32 hex digits, md5 by Keras's reading of their length.
let efficientNetHashes: [(top: String, noTop: String)] = [
    ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
]

/// EfficientNetB0-B7: `<name>.h5` and `<name>_notop.h5` under efficientnet.py's BASE_WEIGHTS_PATH;
/// the model scales its 0-255 input itself, and needs its default size with the top.
let efficientNetEntries: [CatalogueEntry] = EfficientNetVariant.allCases.map { v in
    let base = "https://storage.googleapis.com/keras-applications/"
    return CatalogueEntry(
        name: v.name, kerasName: "EfficientNetB\(v.rawValue)", preprocessing: .passthrough, minimumInputSize: 32,
        topInputSize: v.coefficients.defaultSize,
        weightsTop: WeightFile(fileName: "\(v.name).h5", url: base + "\(v.name).h5", fileHash: efficientNetHashes[v.rawValue].top),
        weightsNoTop: WeightFile(fileName: "\(v.name)_notop.h5", url: base + "\(v.name)_notop.h5",
                                 fileHash: efficientNetHashes[v.rawValue].noTop),
        build: { try efficientnet(v, inputSize: $0, includeTop: $1, pooling: $2) })
}

public func catalogueEntry(_ name: String) throws -> CatalogueEntry {
    guard let entry = catalogue.first(where: { $0.name == name.lowercased() }) else {
        throw ModelError.unknownModel(name, known: catalogue.map(\.name))
    }
    return entry
}
