import ZooLayers

/// keras.applications DenseNet121 ([6, 12, 24, 16] conv blocks), its default input 224x224.
public func densenet121(inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
                        classes: Int = 1000, inputName: String = "input_1") throws -> Model {
    try densenet(blocks: [6, 12, 24, 16], name: "densenet121", inputSize: inputSize, includeTop: includeTop,
                 pooling: pooling, classes: classes, inputName: inputName)
}

/// keras.applications DenseNet169 ([6, 12, 32, 32] conv blocks).
public func densenet169(inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
                        classes: Int = 1000, inputName: String = "input_1") throws -> Model {
    try densenet(blocks: [6, 12, 32, 32], name: "densenet169", inputSize: inputSize, includeTop: includeTop,
                 pooling: pooling, classes: classes, inputName: inputName)
}

/// keras.applications DenseNet201 ([6, 12, 48, 32] conv blocks).
public func densenet201(inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
                        classes: Int = 1000, inputName: String = "input_1") throws -> Model {
    try densenet(blocks: [6, 12, 48, 32], name: "densenet201", inputSize: inputSize, includeTop: includeTop,
                 pooling: pooling, classes: classes, inputName: inputName)
}

/// keras.applications `DenseNet`: a ResNet-like stem, four dense blocks (each conv block
/// concatenates 32 new channels to its input) joined by transitions that halve the channels and
/// the resolution, then BatchNorm and ReLU. Convolutions have no bias; epsilon is 1.001e-5.
/// The two ZeroPadding2D layers are unnamed in Keras and take its first automatic names.
func densenet(blocks: [Int], name: String, inputSize: (Int, Int), includeTop: Bool, pooling: Pooling,
              classes: Int, inputName: String) throws -> Model {
    try checkInput(model: name, size: inputSize, includeTop: includeTop)
    let m = Model(name: name)
    var x = try m.input(inputName, shape: [inputSize.0, inputSize.1, 3])
    x = try m(ZeroPadding2D("zero_padding2d", padding: 3), x)
    x = try m(Conv2D("conv1_conv", filters: 64, kernelSize: 7, strides: 2, useBias: false), x)
    x = try m(BatchNormalization("conv1_bn", epsilon: densenetEpsilon), x)
    x = try m(ActivationLayer("conv1_relu", .relu), x)
    x = try m(ZeroPadding2D("zero_padding2d_1", padding: 1), x)
    x = try m(MaxPooling2D("pool1", poolSize: (3, 3), strides: (2, 2)), x)
    for (stage, count) in blocks.enumerated() {
        for block in 1...count {
            x = try densenetConvBlock(m, x, growthRate: 32, name: "conv\(stage + 2)_block\(block)")
        }
        if stage < blocks.count - 1 {
            x = try densenetTransition(m, x, reduction: 0.5, name: "pool\(stage + 2)")
        }
    }
    x = try m(BatchNormalization("bn", epsilon: densenetEpsilon), x)
    x = try m(ActivationLayer("relu", .relu), x)
    if includeTop {
        x = try m(GlobalAveragePooling2D(name: "avg_pool"), x)
        try m(Dense("predictions", units: classes, activation: .softmax), x)
    } else {
        try addPooling(m, pooling, after: x, avgName: "avg_pool", maxName: "max_pool")
    }
    return m
}

let densenetEpsilon: Float = 1.001e-5

/// keras `conv_block`: BN-ReLU-1x1 conv to 4 x growth rate, BN-ReLU-3x3 conv to growth rate,
/// concatenated after the block's input.
func densenetConvBlock(_ m: Model, _ x: String, growthRate: Int, name: String) throws -> String {
    var y = try m(BatchNormalization("\(name)_0_bn", epsilon: densenetEpsilon), x)
    y = try m(ActivationLayer("\(name)_0_relu", .relu), y)
    y = try m(Conv2D("\(name)_1_conv", filters: 4 * growthRate, kernelSize: 1, useBias: false), y)
    y = try m(BatchNormalization("\(name)_1_bn", epsilon: densenetEpsilon), y)
    y = try m(ActivationLayer("\(name)_1_relu", .relu), y)
    y = try m(Conv2D("\(name)_2_conv", filters: growthRate, kernelSize: 3, padding: .same, useBias: false), y)
    return try m(Concatenate(name: "\(name)_concat", axis: 3), x, y)
}

/// keras `transition_block`: BN-ReLU, a 1x1 convolution to int(channels x reduction), 2x2
/// average pooling.
func densenetTransition(_ m: Model, _ x: String, reduction: Double, name: String) throws -> String {
    let channels = m.node(named: x)!.outputShape.last!
    var y = try m(BatchNormalization("\(name)_bn", epsilon: densenetEpsilon), x)
    y = try m(ActivationLayer("\(name)_relu", .relu), y)
    y = try m(Conv2D("\(name)_conv", filters: Int(Double(channels) * reduction), kernelSize: 1, useBias: false), y)
    return try m(AveragePooling2D("\(name)_pool", poolSize: (2, 2), strides: (2, 2)), y)
}
