import Foundation
import ZooLayers

/// keras.applications MobileNetV3Small: 11 inverted residual blocks (some with squeeze-and-excite),
/// hard_swish (or ReLU when `minimalistic`), a last 1x1 convolution of 6x the last width and a
/// top of a kept-dims average, a 1x1 convolution of 1024 channels and 1x1 logits.
public func mobilenetv3small(
    inputSize: (Int, Int) = (224, 224), alpha: Double = 1.0, minimalistic: Bool = false, includeTop: Bool = false,
    pooling: Pooling = .none, classes: Int = 1000, includePreprocessing: Bool = true, inputName: String = "input_1"
) throws -> Model {
    // (expansion, filters, kernel (0: the family's), stride, squeeze-and-excite, hard_swish (else ReLU))
    let blocks: [MobileNetV3Block] = [
        .init(1, 16, 3, 2, true, false), .init(72.0 / 16, 24, 3, 2, false, false), .init(88.0 / 24, 24, 3, 1, false, false),
        .init(4, 40, 0, 2, true, true), .init(6, 40, 0, 1, true, true), .init(6, 40, 0, 1, true, true),
        .init(3, 48, 0, 1, true, true), .init(3, 48, 0, 1, true, true), .init(6, 96, 0, 2, true, true),
        .init(6, 96, 0, 1, true, true), .init(6, 96, 0, 1, true, true),
    ]
    return try mobilenetv3("mobilenetv3small", kerasName: "MobileNetV3Small", blocks: blocks, lastPoint: 1024,
                           inputSize: inputSize, alpha: alpha, minimalistic: minimalistic, includeTop: includeTop,
                           pooling: pooling, classes: classes, includePreprocessing: includePreprocessing, inputName: inputName)
}

/// keras.applications MobileNetV3Large: 15 inverted residual blocks, the first six with ReLU,
/// and a top whose 1x1 convolution has 1280 channels.
public func mobilenetv3large(
    inputSize: (Int, Int) = (224, 224), alpha: Double = 1.0, minimalistic: Bool = false, includeTop: Bool = false,
    pooling: Pooling = .none, classes: Int = 1000, includePreprocessing: Bool = true, inputName: String = "input_1"
) throws -> Model {
    let blocks: [MobileNetV3Block] = [
        .init(1, 16, 3, 1, false, false), .init(4, 24, 3, 2, false, false), .init(3, 24, 3, 1, false, false),
        .init(3, 40, 0, 2, true, false), .init(3, 40, 0, 1, true, false), .init(3, 40, 0, 1, true, false),
        .init(6, 80, 3, 2, false, true), .init(2.5, 80, 3, 1, false, true), .init(2.3, 80, 3, 1, false, true),
        .init(2.3, 80, 3, 1, false, true), .init(6, 112, 3, 1, true, true), .init(6, 112, 3, 1, true, true),
        .init(6, 160, 0, 2, true, true), .init(6, 160, 0, 1, true, true), .init(6, 160, 0, 1, true, true),
    ]
    return try mobilenetv3("mobilenetv3large", kerasName: "MobileNetV3Large", blocks: blocks, lastPoint: 1280,
                           inputSize: inputSize, alpha: alpha, minimalistic: minimalistic, includeTop: includeTop,
                           pooling: pooling, classes: classes, includePreprocessing: includePreprocessing, inputName: inputName)
}

/// One row of a MobileNetV3 `stack_fn`. A kernel of 0 is the family's (5, or 3 when
/// minimalistic); `hardSwish` blocks use the family's activation (ReLU when minimalistic).
struct MobileNetV3Block {
    let expansion: Double, filters: Int, kernel: Int, stride: Int, squeeze: Bool, hardSwish: Bool
    init(_ expansion: Double, _ filters: Int, _ kernel: Int, _ stride: Int, _ squeeze: Bool, _ hardSwish: Bool) {
        (self.expansion, self.filters, self.kernel, self.stride, self.squeeze, self.hardSwish) =
            (expansion, filters, kernel, stride, squeeze, hardSwish)
    }
}

/// keras `MobileNetV3`: Rescaling(1/127.5, -1) inside the model (`include_preprocessing`), a
/// strided 3x3 convolution of 16, the blocks, then a 1x1 convolution of 6x the last width; all
/// BatchNorms with epsilon 1e-3. Keras's layers without names are named as a fresh Keras session
/// names them (`activation_3`, `re_lu_7`).
func mobilenetv3(
    _ model: String, kerasName: String, blocks: [MobileNetV3Block], lastPoint: Int, inputSize: (Int, Int), alpha: Double,
    minimalistic: Bool, includeTop: Bool, pooling: Pooling, classes: Int, includePreprocessing: Bool, inputName: String
) throws -> Model {
    try checkInput(model: model, size: inputSize, includeTop: includeTop)
    try checkAlpha(alpha, model: model)
    let m = Model(name: kerasName)
    let names = KerasAutoNames()
    var x = try m.input(inputName, shape: [inputSize.0, inputSize.1, 3])
    if includePreprocessing { x = try m(Rescaling(names("rescaling"), scale: 1 / 127.5, offset: -1), x) }
    /// The block's activation: hard_swish as `Activation("hard_swish")`, else `ReLU()`.
    func activate(_ x: String, hardSwish: Bool) throws -> String {
        hardSwish && !minimalistic ? try m(ActivationLayer(names("activation"), .hardSwish), x)
            : try m(ReLU(name: names("re_lu")), x)
    }
    x = try m(Conv2D("conv", filters: 16, kernelSize: 3, strides: 2, padding: .same, useBias: false), x)
    x = try m(BatchNormalization("conv_bn", epsilon: 1e-3), x)
    x = try activate(x, hardSwish: true)
    for (id, block) in blocks.enumerated() {
        x = try mobilenetv3Block(m, x, block, id: id, alpha: alpha, minimalistic: minimalistic, names: names,
                                 activate: activate)
    }
    let lastConv = makeDivisible(Double(m.node(named: x)!.outputShape[2] * 6), 8)
    let lastPointChannels = alpha > 1.0 ? makeDivisible(Double(lastPoint) * alpha, 8) : lastPoint
    x = try m(Conv2D("conv_1", filters: lastConv, kernelSize: 1, padding: .same, useBias: false), x)
    x = try m(BatchNormalization("conv_1_bn", epsilon: 1e-3), x)
    x = try activate(x, hardSwish: true)
    if includeTop {
        x = try m(GlobalAveragePooling2D(name: names("global_average_pooling2d"), keepdims: true), x)
        x = try m(Conv2D("conv_2", filters: lastPointChannels, kernelSize: 1, padding: .same), x)
        x = try activate(x, hardSwish: true)
        x = try m(Dropout(names("dropout"), rate: 0.2), x)
        x = try m(Conv2D("logits", filters: classes, kernelSize: 1, padding: .same), x)
        x = try m(Flatten(name: names("flatten")), x)
        try m(ActivationLayer("predictions", .softmax), x)
    } else {
        try addPooling(m, pooling, after: x, avgName: "avg_pool", maxName: "max_pool")
    }
    return m
}

/// keras `_inverted_res_block` of MobileNetV3: 1x1 expansion (not in block 0, whose prefix is
/// `expanded_conv_`), the depthwise convolution (stride 2 after `correct_pad`), squeeze-and-excite,
/// the linear 1x1 projection, and an Add when stride 1 keeps the width.
func mobilenetv3Block(
    _ m: Model, _ input: String, _ block: MobileNetV3Block, id: Int, alpha: Double, minimalistic: Bool,
    names: KerasAutoNames, activate: (String, Bool) throws -> String
) throws -> String {
    let inFilters = m.node(named: input)!.outputShape[2]
    let filters = makeDivisible(Double(block.filters) * alpha, 8)
    let expanded = makeDivisible(Double(inFilters) * block.expansion, 8)
    let kernel = block.kernel == 0 ? (minimalistic ? 3 : 5) : block.kernel
    let hardSwish = block.hardSwish
    var x = input
    var prefix = "expanded_conv_"
    if id > 0 {
        prefix = "expanded_conv_\(id)_"
        x = try m(Conv2D("\(prefix)expand", filters: expanded, kernelSize: 1, padding: .same, useBias: false), x)
        x = try m(BatchNormalization("\(prefix)expand_bn", epsilon: 1e-3), x)
        x = try activate(x, hardSwish)
    }
    if block.stride == 2 {
        let size = m.node(named: x)!.outputShape, half = kernel / 2
        x = try m(ZeroPadding2D("\(prefix)depthwise_pad",
                                padding: ((half - (1 - size[0] % 2), half), (half - (1 - size[1] % 2), half))), x)
    }
    x = try m(DepthwiseConv2D("\(prefix)depthwise", kernelSize: kernel, strides: block.stride,
                              padding: block.stride == 1 ? .same : .valid, useBias: false), x)
    x = try m(BatchNormalization("\(prefix)depthwise_bn", epsilon: 1e-3), x)
    x = try activate(x, hardSwish)
    if block.squeeze && !minimalistic {
        let gate = try m(GlobalAveragePooling2D(name: "\(prefix)squeeze_excite_avg_pool", keepdims: true), x)
        var s = try m(Conv2D("\(prefix)squeeze_excite_conv", filters: makeDivisible(Double(expanded) * 0.25, 8),
                             kernelSize: 1, padding: .same), gate)
        s = try m(ReLU(name: "\(prefix)squeeze_excite_relu"), s)
        s = try m(Conv2D("\(prefix)squeeze_excite_conv_1", filters: expanded, kernelSize: 1, padding: .same), s)
        // Keras's hard_sigmoid here is `ReLU(6.0)(x + 3.0) * (1.0 / 6.0)`: two operations around a
        // ReLU layer. zoo computes all three as one hard_sigmoid, named as that ReLU layer.
        s = try m(ActivationLayer(names("re_lu"), .hardSigmoid), s)
        x = try m(Multiply(name: "\(prefix)squeeze_excite_mul"), x, s)
    }
    x = try m(Conv2D("\(prefix)project", filters: filters, kernelSize: 1, padding: .same, useBias: false), x)
    x = try m(BatchNormalization("\(prefix)project_bn", epsilon: 1e-3), x)
    if block.stride == 1 && inFilters == filters {
        x = try m(Add(name: "\(prefix)add"), input, x)
    }
    return x
}
