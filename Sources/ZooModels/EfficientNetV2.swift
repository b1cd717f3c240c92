import ZooLayers

/// One stage of keras.applications EfficientNetV2 (`DEFAULT_BLOCKS_ARGS`): `fused` is
/// conv_type 1 (FusedMBConv), else MBConv.
struct EfficientNetV2Stage {
    let kernelSize: Int, repeats: Int, inputFilters: Int, outputFilters: Int, expandRatio: Int
    let seRatio: Double, strides: Int, fused: Bool

    init(_ kernelSize: Int, _ repeats: Int, _ inputFilters: Int, _ outputFilters: Int, _ expandRatio: Int,
         _ seRatio: Double, _ strides: Int, _ fused: Bool) {
        (self.kernelSize, self.repeats, self.inputFilters, self.outputFilters) = (kernelSize, repeats, inputFilters, outputFilters)
        (self.expandRatio, self.seRatio, self.strides, self.fused) = (expandRatio, seRatio, strides, fused)
    }
}

/// B0-B3 share one table, scaled by their width and depth coefficients.
let efficientNetV2BStages: [EfficientNetV2Stage] = [
    .init(3, 1, 32, 16, 1, 0, 1, true), .init(3, 2, 16, 32, 4, 0, 2, true), .init(3, 2, 32, 48, 4, 0, 2, true),
    .init(3, 3, 48, 96, 4, 0.25, 2, false), .init(3, 5, 96, 112, 6, 0.25, 1, false), .init(3, 8, 112, 192, 6, 0.25, 2, false),
]
let efficientNetV2SStages: [EfficientNetV2Stage] = [
    .init(3, 2, 24, 24, 1, 0, 1, true), .init(3, 4, 24, 48, 4, 0, 2, true), .init(3, 4, 48, 64, 4, 0, 2, true),
    .init(3, 6, 64, 128, 4, 0.25, 2, false), .init(3, 9, 128, 160, 6, 0.25, 1, false), .init(3, 15, 160, 256, 6, 0.25, 2, false),
]
let efficientNetV2MStages: [EfficientNetV2Stage] = [
    .init(3, 3, 24, 24, 1, 0, 1, true), .init(3, 5, 24, 48, 4, 0, 2, true), .init(3, 5, 48, 80, 4, 0, 2, true),
    .init(3, 7, 80, 160, 4, 0.25, 2, false), .init(3, 14, 160, 176, 6, 0.25, 1, false),
    .init(3, 18, 176, 304, 6, 0.25, 2, false), .init(3, 5, 304, 512, 6, 0.25, 1, false),
]
let efficientNetV2LStages: [EfficientNetV2Stage] = [
    .init(3, 4, 32, 32, 1, 0, 1, true), .init(3, 7, 32, 64, 4, 0, 2, true), .init(3, 7, 64, 96, 4, 0, 2, true),
    .init(3, 10, 96, 192, 4, 0.25, 2, false), .init(3, 19, 192, 224, 6, 0.25, 1, false),
    .init(3, 25, 224, 384, 6, 0.25, 2, false), .init(3, 7, 384, 640, 6, 0.25, 1, false),
]

/// keras.applications EfficientNetV2's variants: (width coefficient, depth coefficient, default
/// size, stages) as `EfficientNetV2B0` ... `EfficientNetV2L` pass them to `EfficientNetV2`.
enum EfficientNetV2Variant: String {
    case b0, b1, b2, b3, s, m, l

    var coefficients: (width: Double, depth: Double, defaultSize: Int, stages: [EfficientNetV2Stage]) {
        switch self {
        case .b0: return (1.0, 1.0, 224, efficientNetV2BStages)
        case .b1: return (1.0, 1.1, 240, efficientNetV2BStages)
        case .b2: return (1.1, 1.2, 260, efficientNetV2BStages)
        case .b3: return (1.2, 1.4, 300, efficientNetV2BStages)
        case .s: return (1.0, 1.0, 384, efficientNetV2SStages)
        case .m: return (1.0, 1.0, 480, efficientNetV2MStages)
        case .l: return (1.0, 1.0, 480, efficientNetV2LStages)
        }
    }
}

/// keras.applications EfficientNetV2B0 (224x224).
public func efficientnetv2b0(inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
                             classes: Int = 1000, includePreprocessing: Bool = true, inputName: String = "input_1") throws -> Model {
    try efficientnetv2(.b0, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes,
                       includePreprocessing: includePreprocessing, inputName: inputName)
}

/// keras.applications EfficientNetV2B1 (240x240).
public func efficientnetv2b1(inputSize: (Int, Int) = (240, 240), includeTop: Bool = false, pooling: Pooling = .none,
                             classes: Int = 1000, includePreprocessing: Bool = true, inputName: String = "input_1") throws -> Model {
    try efficientnetv2(.b1, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes,
                       includePreprocessing: includePreprocessing, inputName: inputName)
}

/// keras.applications EfficientNetV2B2 (260x260).
public func efficientnetv2b2(inputSize: (Int, Int) = (260, 260), includeTop: Bool = false, pooling: Pooling = .none,
                             classes: Int = 1000, includePreprocessing: Bool = true, inputName: String = "input_1") throws -> Model {
    try efficientnetv2(.b2, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes,
                       includePreprocessing: includePreprocessing, inputName: inputName)
}

/// keras.applications EfficientNetV2B3 (300x300).
public func efficientnetv2b3(inputSize: (Int, Int) = (300, 300), includeTop: Bool = false, pooling: Pooling = .none,
                             classes: Int = 1000, includePreprocessing: Bool = true, inputName: String = "input_1") throws -> Model {
    try efficientnetv2(.b3, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes,
                       includePreprocessing: includePreprocessing, inputName: inputName)
}

/// keras.applications EfficientNetV2S (384x384).
public func efficientnetv2s(inputSize: (Int, Int) = (384, 384), includeTop: Bool = false, pooling: Pooling = .none,
                            classes: Int = 1000, includePreprocessing: Bool = true, inputName: String = "input_1") throws -> Model {
    try efficientnetv2(.s, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes,
                       includePreprocessing: includePreprocessing, inputName: inputName)
}

/// keras.applications EfficientNetV2M (480x480).
public func efficientnetv2m(inputSize: (Int, Int) = (480, 480), includeTop: Bool = false, pooling: Pooling = .none,
                            classes: Int = 1000, includePreprocessing: Bool = true, inputName: String = "input_1") throws -> Model {
    try efficientnetv2(.m, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes,
                       includePreprocessing: includePreprocessing, inputName: inputName)
}

/// keras.applications EfficientNetV2L (480x480).
public func efficientnetv2l(inputSize: (Int, Int) = (480, 480), includeTop: Bool = false, pooling: Pooling = .none,
                            classes: Int = 1000, includePreprocessing: Bool = true, inputName: String = "input_1") throws -> Model {
    try efficientnetv2(.l, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes,
                       includePreprocessing: includePreprocessing, inputName: inputName)
}

/// efficient_net_v2.py's `EfficientNetV2` (swish, BatchNorm epsilon 1e-3, drop-connect 0.2,
/// top dropout 0.2). With `includePreprocessing` the model takes pixels in [0, 255]: B0-B3
/// rescale by 1/255 and normalise with the ImageNet mean and variance (torch style), S, M and L
/// rescale to [-1, 1] (x / 128 - 1); without it, inputs in [-1, 1].
func efficientnetv2(_ v: EfficientNetV2Variant, inputSize: (Int, Int), includeTop: Bool, pooling: Pooling, classes: Int,
                    includePreprocessing: Bool, inputName: String) throws -> Model {
    let (width, depth, defaultSize, stages) = v.coefficients
    let variant = v.rawValue
    let name = "efficientnetv2-\(variant)"
    try checkInput(model: "efficientnetv2\(variant)", size: inputSize, includeTop: includeTop, minimum: 32, topSize: defaultSize)
    let m = Model(name: name)
    var x = try m.input(inputName, shape: [inputSize.0, inputSize.1, 3])
    if includePreprocessing {
        if variant.hasPrefix("b") {
            x = try m(Rescaling("rescaling", scale: 1.0 / 255), x)
            x = try m(Normalization(name: "normalization", mean: [0.485, 0.456, 0.406],
                                    variance: [Float(0.229 * 0.229), Float(0.224 * 0.224), Float(0.225 * 0.225)]), x)
        } else {
            x = try m(Rescaling("rescaling", scale: 1.0 / 128, offset: -1), x)
        }
    }
    func roundFilters(_ filters: Int) -> Int {
        max(8, Int(Double(filters) * width + 4) / 8 * 8)
    }
    x = try m(Conv2D("stem_conv", filters: roundFilters(stages[0].inputFilters), kernelSize: 3, strides: 2, padding: .same,
                     useBias: false), x)
    x = try m(BatchNormalization("stem_bn"), x)
    x = try m(ActivationLayer("stem_activation", .swish), x)
    let total = Double(stages.reduce(0) { $0 + $1.repeats })
    var b = 0
    for (i, stage) in stages.enumerated() {
        var inputFilters = roundFilters(stage.inputFilters)
        let outputFilters = roundFilters(stage.outputFilters)
        var strides = stage.strides
        let repeats = Int((depth * Double(stage.repeats)).rounded(.up))
        for j in 0..<repeats {
            if j > 0 {
                strides = 1
                inputFilters = outputFilters
            }
            let block = EfficientNetV2Block(
                prefix: "block\(i + 1)\(Character(UnicodeScalar(UInt8(97 + j))))_", inputFilters: inputFilters,
                outputFilters: outputFilters, expandRatio: stage.expandRatio, kernelSize: stage.kernelSize, strides: strides,
                seRatio: stage.seRatio, dropRate: Float(0.2 * Double(b) / total))
            x = try stage.fused ? block.fused(m, x) : block.mbconv(m, x)
            b += 1
        }
    }
    try efficientNetTop(m, x, filters: roundFilters(1280), includeTop: includeTop, dropout: 0.2, classes: classes,
                        pooling: pooling)
    return try inKerasOrder(m)
}

/// `MBConvBlock` and `FusedMBConvBlock` of one repeat. `dropRate` is Keras's misnamed
/// `survival_probability` (drop_connect_rate x block / blocks): the rate of a Dropout that, in
/// Keras, drops whole samples (noise_shape (None, 1, 1, 1)) before the residual add; none in the
/// first block, whose rate is 0.
struct EfficientNetV2Block {
    let prefix: String
    let inputFilters: Int, outputFilters: Int, expandRatio: Int, kernelSize: Int, strides: Int
    let seRatio: Double, dropRate: Float

    var filters: Int { inputFilters * expandRatio }

    func mbconv(_ m: Model, _ input: String) throws -> String {
        var x = input
        if expandRatio != 1 { x = try mbConvExpansion(m, x, prefix: prefix, filters: filters) }
        x = try m(DepthwiseConv2D("\(prefix)dwconv2", kernelSize: kernelSize, strides: strides, padding: .same, useBias: false), x)
        x = try m(BatchNormalization("\(prefix)bn"), x)
        x = try m(ActivationLayer("\(prefix)activation", .swish), x)
        x = try squeezeExcite(m, x, prefix: prefix, filters: filters, filtersIn: inputFilters, seRatio: seRatio)
        x = try mbConvProjection(m, x, prefix: prefix, filters: outputFilters)
        return try residual(m, x, input)
    }

    /// The expansion and depthwise convolutions fused into one k x k convolution (or, without
    /// expansion, the projection takes the k x k kernel and the stride, and is activated).
    func fused(_ m: Model, _ input: String) throws -> String {
        var x = input
        let expanded = expandRatio != 1
        if expanded {
            x = try mbConvExpansion(m, x, prefix: prefix, filters: filters, kernelSize: kernelSize, strides: strides)
        }
        x = try squeezeExcite(m, x, prefix: prefix, filters: filters, filtersIn: inputFilters, seRatio: seRatio)
        x = try mbConvProjection(m, x, prefix: prefix, filters: outputFilters, kernelSize: expanded ? 1 : kernelSize,
                                 strides: expanded ? 1 : strides)
        if !expanded { x = try m(ActivationLayer("\(prefix)project_activation", .swish), x) }
        return try residual(m, x, input)
    }

    private func residual(_ m: Model, _ x: String, _ input: String) throws -> String {
        guard strides == 1 && inputFilters == outputFilters else { return x }
        return try mbConvSkip(m, x, input, prefix: prefix, dropRate: dropRate)
    }
}
