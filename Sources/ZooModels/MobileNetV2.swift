import Foundation
import ZooLayers

/// keras.applications MobileNetV2: 17 inverted residual blocks (1x1 expansion, 3x3 depthwise,
/// 1x1 linear projection; an Add when the shape is kept), BatchNorm with epsilon 1e-3, ReLU6,
/// widths `_make_divisible(filters x alpha, 8)` and a last 1x1 convolution of 1280 channels
/// (more for alpha > 1).
public func mobilenetv2(
    inputSize: (Int, Int) = (224, 224), alpha: Double = 1.0, includeTop: Bool = false, pooling: Pooling = .none,
    classes: Int = 1000, inputName: String = "input_1"
) throws -> Model {
    try checkInput(model: "mobilenetv2", size: inputSize, includeTop: includeTop)
    try checkAlpha(alpha, model: "mobilenetv2")
    let m = Model(name: String(format: "mobilenetv2_%0.2f_%d", alpha, inputSize.0))
    var x = try m.input(inputName, shape: [inputSize.0, inputSize.1, 3])
    x = try m(Conv2D("Conv1", filters: makeDivisible(32 * alpha, 8), kernelSize: 3, strides: 2, padding: .same,
                     useBias: false), x)
    x = try m(BatchNormalization("bn_Conv1", epsilon: 1e-3), x)
    x = try m(ReLU(name: "Conv1_relu", maxValue: 6), x)
    let blocks: [(filters: Int, stride: Int, expansion: Int)] = [
        (16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6), (64, 1, 6),
        (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6),
    ]
    for (id, block) in blocks.enumerated() {
        x = try invertedResidualBlock(m, x, expansion: block.expansion, stride: block.stride, alpha: alpha,
                                      filters: block.filters, blockID: id)
    }
    let lastFilters = alpha > 1.0 ? makeDivisible(1280 * alpha, 8) : 1280
    x = try m(Conv2D("Conv_1", filters: lastFilters, kernelSize: 1, useBias: false), x)
    x = try m(BatchNormalization("Conv_1_bn", epsilon: 1e-3), x)
    x = try m(ReLU(name: "out_relu", maxValue: 6), x)
    if includeTop {
        x = try m(GlobalAveragePooling2D(name: "global_average_pooling2d"), x)
        try m(Dense("predictions", units: classes, activation: .softmax), x)
    } else {
        try addPooling(m, pooling, after: x, avgName: "global_average_pooling2d", maxName: "global_max_pooling2d")
    }
    return m
}

/// Keras's `_make_divisible`: v rounded to the nearest multiple of `divisor` (at least
/// `divisor`), one step up when rounding lost more than 10%.
public func makeDivisible(_ v: Double, _ divisor: Int) -> Int {
    var rounded = max(divisor, Int(v + Double(divisor) / 2) / divisor * divisor)
    if Double(rounded) < 0.9 * v { rounded += divisor }
    return rounded
}

/// keras `_inverted_res_block`. Block 0 has no expansion and the prefix `expanded_conv_`; a
/// stride-2 block pads as `imagenet_utils.correct_pad` does ((0, 1) on an even side, (1, 1) on
/// an odd one) and then convolves `valid`.
func invertedResidualBlock(_ m: Model, _ input: String, expansion: Int, stride: Int, alpha: Double, filters: Int,
                           blockID: Int) throws -> String {
    let inShape = m.node(named: input)!.outputShape
    let pointwiseFilters = makeDivisible(Double(Int(Double(filters) * alpha)), 8)
    var x = input
    var prefix = "block_\(blockID)_"
    if blockID > 0 {
        x = try m(Conv2D("\(prefix)expand", filters: expansion * inShape[2], kernelSize: 1, padding: .same, useBias: false), x)
        x = try m(BatchNormalization("\(prefix)expand_BN", epsilon: 1e-3), x)
        x = try m(ReLU(name: "\(prefix)expand_relu", maxValue: 6), x)
    } else {
        prefix = "expanded_conv_"
    }
    if stride == 2 {
        let size = m.node(named: x)!.outputShape
        let pad = ((1 - (1 - size[0] % 2), 1), (1 - (1 - size[1] % 2), 1))
        x = try m(ZeroPadding2D("\(prefix)pad", padding: pad), x)
    }
    x = try m(DepthwiseConv2D("\(prefix)depthwise", kernelSize: 3, strides: stride, padding: stride == 1 ? .same : .valid,
                              useBias: false), x)
    x = try m(BatchNormalization("\(prefix)depthwise_BN", epsilon: 1e-3), x)
    x = try m(ReLU(name: "\(prefix)depthwise_relu", maxValue: 6), x)
    x = try m(Conv2D("\(prefix)project", filters: pointwiseFilters, kernelSize: 1, padding: .same, useBias: false), x)
    x = try m(BatchNormalization("\(prefix)project_BN", epsilon: 1e-3), x)
    if inShape[2] == pointwiseFilters && stride == 1 {
        return try m(Add(name: "\(prefix)add"), input, x)
    }
    return x
}
