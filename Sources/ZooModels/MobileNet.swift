import Foundation
import ZooLayers

/// keras.applications MobileNet (v1): a strided 3x3 convolution, then 13 depthwise-separable
/// blocks (3x3 depthwise and 1x1 pointwise, each with BatchNorm and ReLU6), `alpha` scaling
/// every width (int(filters x alpha), as Keras truncates). Stride-2 blocks pad ((0, 1), (0, 1))
/// and use `valid` depthwise convolutions. The top is a 1x1 convolution on the kept-dims average.
public func mobilenet(
    inputSize: (Int, Int) = (224, 224), alpha: Double = 1.0, depthMultiplier: Int = 1, dropout: Float = 1e-3,
    includeTop: Bool = false, pooling: Pooling = .none, classes: Int = 1000, inputName: String = "input_1"
) throws -> Model {
    try checkInput(model: "mobilenet", size: inputSize, includeTop: includeTop)
    try checkAlpha(alpha, model: "mobilenet")
    let m = Model(name: String(format: "mobilenet_%0.2f_%d", alpha, inputSize.0))
    var x = try m.input(inputName, shape: [inputSize.0, inputSize.1, 3])
    x = try m(Conv2D("conv1", filters: Int(32 * alpha), kernelSize: 3, strides: 2, padding: .same, useBias: false), x)
    x = try m(BatchNormalization("conv1_bn"), x)
    x = try m(ReLU(name: "conv1_relu", maxValue: 6), x)
    let blocks: [(filters: Int, stride: Int)] = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1),
                                                 (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
    for (i, block) in blocks.enumerated() {
        let id = i + 1
        if block.stride != 1 { x = try m(ZeroPadding2D("conv_pad_\(id)", padding: ((0, 1), (0, 1))), x) }
        x = try m(DepthwiseConv2D("conv_dw_\(id)", kernelSize: 3, strides: block.stride,
                                  padding: block.stride == 1 ? .same : .valid, depthMultiplier: depthMultiplier,
                                  useBias: false), x)
        x = try m(BatchNormalization("conv_dw_\(id)_bn"), x)
        x = try m(ReLU(name: "conv_dw_\(id)_relu", maxValue: 6), x)
        x = try m(Conv2D("conv_pw_\(id)", filters: Int(Double(block.filters) * alpha), kernelSize: 1, padding: .same,
                         useBias: false), x)
        x = try m(BatchNormalization("conv_pw_\(id)_bn"), x)
        x = try m(ReLU(name: "conv_pw_\(id)_relu", maxValue: 6), x)
    }
    if includeTop {
        x = try m(GlobalAveragePooling2D(name: "global_average_pooling2d", keepdims: true), x)
        x = try m(Dropout("dropout", rate: dropout), x)
        x = try m(Conv2D("conv_preds", filters: classes, kernelSize: 1, padding: .same), x)
        x = try m(Reshape(name: "reshape_2", targetShape: [classes]), x)
        try m(ActivationLayer("predictions", .softmax), x)
    } else {
        try addPooling(m, pooling, after: x, avgName: "global_average_pooling2d", maxName: "global_max_pooling2d")
    }
    return m
}

/// Widths scale by alpha, which must leave at least one filter in every layer.
func checkAlpha(_ alpha: Double, model: String) throws {
    guard alpha.isFinite, alpha > 0, Int(32 * alpha) >= 1 else {
        throw LayerError.argument(layer: model, problem: "alpha \(alpha) must be a positive width multiplier")
    }
}
