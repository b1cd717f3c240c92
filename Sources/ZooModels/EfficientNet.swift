import Foundation
import ZooLayers

/// keras.applications EfficientNet B0-B7: (width coefficient, depth coefficient, default size,
/// top dropout rate) as `EfficientNetB0` ... `EfficientNetB7` pass them to `EfficientNet`.
public enum EfficientNetVariant: Int, CaseIterable, Sendable {
    case b0, b1, b2, b3, b4, b5, b6, b7

    public var name: String { "efficientnetb\(rawValue)" }

    public var coefficients: (width: Double, depth: Double, defaultSize: Int, dropout: Float) {
        switch self {
        case .b0: return (1.0, 1.0, 224, 0.2)
        case .b1: return (1.0, 1.1, 240, 0.2)
        case .b2: return (1.1, 1.2, 260, 0.3)
        case .b3: return (1.2, 1.4, 300, 0.3)
        case .b4: return (1.4, 1.8, 380, 0.4)
        case .b5: return (1.6, 2.2, 456, 0.4)
        case .b6: return (1.8, 2.6, 528, 0.5)
        case .b7: return (2.0, 3.1, 600, 0.5)
        }
    }
}

/// keras `DEFAULT_BLOCKS_ARGS`: the seven stages of MBConv blocks before width and depth scaling.
/// Every block has squeeze-and-excitation (se_ratio 0.25) and an identity skip where the shape allows.
let efficientNetBlocks: [(kernelSize: Int, repeats: Int, filtersIn: Int, filtersOut: Int, expandRatio: Int, strides: Int)] = [
    (3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2),
    (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1),
]

/// `IMAGENET_STDDEV_RGB` of efficientnet.py. The Normalization layer divides by the square root
/// of its variance (the squared stddev), while the original implementation divides by the
/// variance itself, so for the ImageNet weights Keras rescales by 1/sqrt(stddev) once more
/// (tensorflow/tensorflow#49930).
let imagenetStddevRGB: [Double] = [0.229, 0.224, 0.225]

/// keras.applications `EfficientNet`, built as it is for the ImageNet weights: Rescaling(1/255),
/// Normalization (mean and variance are weights, from the file), Rescaling by 1/sqrt(stddev)
/// per channel, a strided 3x3 stem, the MBConv stages (1x1 expansion, depthwise convolution,
/// squeeze-and-excitation, 1x1 projection, per-image Dropout on the skip), a 1x1 convolution to
/// round_filters(1280), then the top or the pooling. BatchNorm epsilon is Keras's 1e-3, the
/// activation swish. The unnamed Rescaling/Normalization layers take Keras 3's automatic names.
public func efficientnet(
    _ variant: EfficientNetVariant, inputSize: (Int, Int)? = nil, includeTop: Bool = false, pooling: Pooling = .none,
    classes: Int = 1000, dropConnectRate: Double = 0.2, inputName: String = "input_1"
) throws -> Model {
    let (width, depth, defaultSize, dropout) = variant.coefficients
    let inputSize = inputSize ?? (defaultSize, defaultSize)
    try checkInput(model: variant.name, size: inputSize, includeTop: includeTop, topSize: defaultSize)
    let depthDivisor = 8
    func roundFilters(_ filters: Int) -> Int {
        let scaled = Double(filters) * width
        var rounded = max(depthDivisor, Int(scaled + Double(depthDivisor) / 2) / depthDivisor * depthDivisor)
        if Double(rounded) < 0.9 * scaled { rounded += depthDivisor }
        return rounded
    }
    func roundRepeats(_ repeats: Int) -> Int { Int((depth * Double(repeats)).rounded(.up)) }

    let m = Model(name: variant.name)
    var x = try m.input(inputName, shape: [inputSize.0, inputSize.1, 3])
    x = try m(Rescaling("rescaling", scale: 1 / 255), x)
    x = try m(Normalization(name: "normalization"), x)
    x = try m(Rescaling("rescaling_1", scales: imagenetStddevRGB.map { Float(1 / $0.squareRoot()) }), x)
    x = try m(ZeroPadding2D("stem_conv_pad", padding: correctPad(m, x, kernelSize: 3)), x)
    x = try m(Conv2D("stem_conv", filters: roundFilters(32), kernelSize: 3, strides: 2, padding: .valid, useBias: false), x)
    x = try m(BatchNormalization("stem_bn"), x)
    x = try m(ActivationLayer("stem_activation", .swish), x)

    let total = Double(efficientNetBlocks.reduce(0) { $0 + roundRepeats($1.repeats) })
    var b = 0
    for (i, stage) in efficientNetBlocks.enumerated() {
        var filtersIn = roundFilters(stage.filtersIn)
        let filtersOut = roundFilters(stage.filtersOut)
        for j in 0..<roundRepeats(stage.repeats) {
            x = try mbConvBlock(m, x, dropRate: dropConnectRate * Double(b) / total,
                                name: "block\(i + 1)\(Character(UnicodeScalar(UInt8(97 + j))))_",
                                filtersIn: j > 0 ? filtersOut : filtersIn, filtersOut: filtersOut,
                                kernelSize: stage.kernelSize, strides: j > 0 ? 1 : stage.strides,
                                expandRatio: stage.expandRatio, seRatio: 0.25)
            filtersIn = filtersOut
            b += 1
        }
    }

    try efficientNetTop(m, x, filters: roundFilters(1280), includeTop: includeTop, dropout: dropout, classes: classes,
                        pooling: pooling)
    return m
}

/// The end both EfficientNet families share: a 1x1 convolution, BatchNorm and swish, then the
/// classifier (global average, Dropout, softmax Dense) or the pooling.
func efficientNetTop(_ m: Model, _ input: String, filters: Int, includeTop: Bool, dropout: Float, classes: Int,
                     pooling: Pooling) throws {
    var x = try m(Conv2D("top_conv", filters: filters, kernelSize: 1, padding: .same, useBias: false), input)
    x = try m(BatchNormalization("top_bn"), x)
    x = try m(ActivationLayer("top_activation", .swish), x)
    if includeTop {
        x = try m(GlobalAveragePooling2D(name: "avg_pool"), x)
        if dropout > 0 { x = try m(Dropout("top_dropout", rate: dropout), x) }
        try m(Dense("predictions", units: classes, activation: .softmax), x)
    } else {
        try addPooling(m, pooling, after: x, avgName: "avg_pool", maxName: "max_pool")
    }
}

public func efficientnetb0(inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
                           classes: Int = 1000) throws -> Model {
    try efficientnet(.b0, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes)
}

public func efficientnetb1(inputSize: (Int, Int) = (240, 240), includeTop: Bool = false, pooling: Pooling = .none,
                           classes: Int = 1000) throws -> Model {
    try efficientnet(.b1, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes)
}

public func efficientnetb2(inputSize: (Int, Int) = (260, 260), includeTop: Bool = false, pooling: Pooling = .none,
                           classes: Int = 1000) throws -> Model {
    try efficientnet(.b2, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes)
}

public func efficientnetb3(inputSize: (Int, Int) = (300, 300), includeTop: Bool = false, pooling: Pooling = .none,
                           classes: Int = 1000) throws -> Model {
    try efficientnet(.b3, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes)
}

public func efficientnetb4(inputSize: (Int, Int) = (380, 380), includeTop: Bool = false, pooling: Pooling = .none,
                           classes: Int = 1000) throws -> Model {
    try efficientnet(.b4, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes)
}

public func efficientnetb5(inputSize: (Int, Int) = (456, 456), includeTop: Bool = false, pooling: Pooling = .none,
                           classes: Int = 1000) throws -> Model {
    try efficientnet(.b5, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes)
}

public func efficientnetb6(inputSize: (Int, Int) = (528, 528), includeTop: Bool = false, pooling: Pooling = .none,
                           classes: Int = 1000) throws -> Model {
    try efficientnet(.b6, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes)
}

public func efficientnetb7(inputSize: (Int, Int) = (600, 600), includeTop: Bool = false, pooling: Pooling = .none,
                           classes: Int = 1000) throws -> Model {
    try efficientnet(.b7, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes)
}

/// `imagenet_utils.correct_pad`: the padding of a strided `valid` convolution that lines up with
/// TensorFlow's `same` (one row and column less before the image on an even side).
func correctPad(_ m: Model, _ x: String, kernelSize: Int) -> ((Int, Int), (Int, Int)) {
    let size = m.node(named: x)!.outputShape
    let correct = kernelSize / 2
    return ((correct - (1 - size[0] % 2), correct), (correct - (1 - size[1] % 2), correct))
}

/// keras efficientnet `block`: an inverted residual (MBConv) block with squeeze-and-excitation.
/// The Dropout before the skip's Add has `noise_shape=(None, 1, 1, 1)`: in training it drops
/// the whole branch of an image (stochastic depth); at inference it is the identity.
func mbConvBlock(_ m: Model, _ inputs: String, dropRate: Double, name: String, filtersIn: Int, filtersOut: Int,
                 kernelSize: Int, strides: Int, expandRatio: Int, seRatio: Double) throws -> String {
    let filters = filtersIn * expandRatio
    var x = inputs
    if expandRatio != 1 { x = try mbConvExpansion(m, x, prefix: name, filters: filters) }
    if strides == 2 {
        x = try m(ZeroPadding2D("\(name)dwconv_pad", padding: correctPad(m, x, kernelSize: kernelSize)), x)
    }
    x = try m(DepthwiseConv2D("\(name)dwconv", kernelSize: kernelSize, strides: strides,
                              padding: strides == 2 ? .valid : .same, useBias: false), x)
    x = try m(BatchNormalization("\(name)bn"), x)
    x = try m(ActivationLayer("\(name)activation", .swish), x)
    x = try squeezeExcite(m, x, prefix: name, filters: filters, filtersIn: filtersIn, seRatio: seRatio)
    x = try mbConvProjection(m, x, prefix: name, filters: filtersOut)
    guard strides == 1 && filtersIn == filtersOut else { return x }
    return try mbConvSkip(m, x, inputs, prefix: name, dropRate: Float(dropRate))
}

// The pieces of the block that efficient_net_v2.py's MBConvBlock and FusedMBConvBlock repeat
// from efficientnet.py's, under the same layer names.

/// `{prefix}expand_conv`, `_bn`, `_activation`: a 1x1 expansion (FusedMBConv's is k x k and
/// strided) to `filters` channels, BatchNorm, swish.
func mbConvExpansion(_ m: Model, _ input: String, prefix: String, filters: Int, kernelSize: Int = 1,
                     strides: Int = 1) throws -> String {
    var x = try m(Conv2D("\(prefix)expand_conv", filters: filters, kernelSize: kernelSize, strides: strides, padding: .same,
                         useBias: false), input)
    x = try m(BatchNormalization("\(prefix)expand_bn"), x)
    return try m(ActivationLayer("\(prefix)expand_activation", .swish), x)
}

/// Squeeze-and-excitation of the expanded `filters` channels through a bottleneck of
/// `filtersIn * seRatio` channels: Keras sizes it by the block's input, not its expansion. A
/// ratio outside (0, 1] means no squeeze-and-excitation (EfficientNetV2's first stages).
func squeezeExcite(_ m: Model, _ input: String, prefix: String, filters: Int, filtersIn: Int,
                   seRatio: Double) throws -> String {
    guard seRatio > 0 && seRatio <= 1 else { return input }
    let filtersSE = max(1, Int(Double(filtersIn) * seRatio))
    var se = try m(GlobalAveragePooling2D(name: "\(prefix)se_squeeze"), input)
    se = try m(Reshape(name: "\(prefix)se_reshape", targetShape: [1, 1, filters]), se)
    se = try m(Conv2D("\(prefix)se_reduce", filters: filtersSE, kernelSize: 1, padding: .same, activation: .swish), se)
    se = try m(Conv2D("\(prefix)se_expand", filters: filters, kernelSize: 1, padding: .same, activation: .sigmoid), se)
    return try m(Multiply(name: "\(prefix)se_excite"), input, se)
}

/// `{prefix}project_conv` and `_bn`: the linear projection to `filters` channels (1x1, except in
/// a FusedMBConv block without expansion).
func mbConvProjection(_ m: Model, _ input: String, prefix: String, filters: Int, kernelSize: Int = 1,
                      strides: Int = 1) throws -> String {
    let x = try m(Conv2D("\(prefix)project_conv", filters: filters, kernelSize: kernelSize, strides: strides, padding: .same,
                         useBias: false), input)
    return try m(BatchNormalization("\(prefix)project_bn"), x)
}

/// The identity skip of a block that keeps its shape: `{prefix}drop`, a Dropout with
/// `noise_shape=(None, 1, 1, 1)` (stochastic depth; none at rate 0), then `{prefix}add`.
func mbConvSkip(_ m: Model, _ x: String, _ input: String, prefix: String, dropRate: Float) throws -> String {
    var y = x
    if dropRate > 0 { y = try m(Dropout("\(prefix)drop", rate: dropRate, noiseShape: [nil, 1, 1, 1]), y) }
    return try m(Add(name: "\(prefix)add"), y, input)
}
