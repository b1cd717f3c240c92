import Foundation
import ZooLayers

/// keras.applications ConvNeXt's sizes (`MODEL_CONFIGS`): blocks per stage and stage widths.
public enum ConvNeXtSize: String, Sendable, CaseIterable {
    case tiny, small, base, large, xlarge

    public var depths: [Int] { self == .tiny ? [3, 3, 9, 3] : [3, 3, 27, 3] }

    public var projectionDims: [Int] {
        switch self {
        case .tiny, .small: return [96, 192, 384, 768]
        case .base: return [128, 256, 512, 1024]
        case .large: return [192, 384, 768, 1536]
        case .xlarge: return [256, 512, 1024, 2048]
        }
    }
}

public func convnexttiny(inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
                         classes: Int = 1000, includePreprocessing: Bool = true, inputName: String = "input_1") throws -> Model {
    try convnext(.tiny, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes,
                 includePreprocessing: includePreprocessing, inputName: inputName)
}

public func convnextsmall(inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
                          classes: Int = 1000, includePreprocessing: Bool = true, inputName: String = "input_1") throws -> Model {
    try convnext(.small, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes,
                 includePreprocessing: includePreprocessing, inputName: inputName)
}

public func convnextbase(inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
                         classes: Int = 1000, includePreprocessing: Bool = true, inputName: String = "input_1") throws -> Model {
    try convnext(.base, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes,
                 includePreprocessing: includePreprocessing, inputName: inputName)
}

public func convnextlarge(inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
                          classes: Int = 1000, includePreprocessing: Bool = true, inputName: String = "input_1") throws -> Model {
    try convnext(.large, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes,
                 includePreprocessing: includePreprocessing, inputName: inputName)
}

public func convnextxlarge(inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
                           classes: Int = 1000, includePreprocessing: Bool = true, inputName: String = "input_1") throws -> Model {
    try convnext(.xlarge, inputSize: inputSize, includeTop: includeTop, pooling: pooling, classes: classes,
                 includePreprocessing: includePreprocessing, inputName: inputName)
}

/// keras.applications `ConvNeXt` as its `ConvNeXtTiny` ... `ConvNeXtXLarge` build it (no
/// stochastic depth, layer scale 1e-6): the ImageNet Normalization inside the model
/// (`include_preprocessing`), a 4x4 stride-4 stem and LayerNormalization, then four stages of
/// ConvNeXt blocks with a LayerNormalization and a 2x2 stride-2 convolution between stages. All
/// LayerNormalizations have epsilon 1e-6. Keras nests the stem and each downsampling pair in a
/// Sequential (`<name>_stem`, `<name>_downsampling_block_<i>`); zoo lays their layers out in the
/// model, in the same order, and records them in `nestedIn` for Keras 3 files. Without the top
/// Keras ends with a LayerNormalization after the optional pooling.
public func convnext(
    _ size: ConvNeXtSize, inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
    classes: Int = 1000, includePreprocessing: Bool = true, inputName: String = "input_1"
) throws -> Model {
    let name = "convnext_\(size.rawValue)"
    try checkInput(model: "convnext\(size.rawValue)", size: inputSize, includeTop: includeTop)
    let dims = size.projectionDims
    let m = Model(name: name)
    var x = try m.input(inputName, shape: [inputSize.0, inputSize.1, 3])
    if includePreprocessing {
        // The ImageNet mean and variance of 0-255 pixels, as PreStem writes them.
        let mean = [0.485, 0.456, 0.406].map { Float($0 * 255) }
        let variance = [0.229, 0.224, 0.225].map { Float(($0 * 255) * ($0 * 255)) }
        x = try m(Normalization(name: "\(name)_prestem_normalization", mean: mean, variance: variance), x)
    }
    x = try m(Conv2D("\(name)_stem_conv", filters: dims[0], kernelSize: 4, strides: 4), x)
    x = try m(LayerNormalization("\(name)_stem_layernorm", epsilon: 1e-6), x)
    m.nestedIn["\(name)_stem_conv"] = "sequential"
    m.nestedIn["\(name)_stem_layernorm"] = "sequential"
    for (i, depth) in size.depths.enumerated() {
        if i > 0 {
            x = try m(LayerNormalization("\(name)_downsampling_layernorm_\(i - 1)", epsilon: 1e-6), x)
            x = try m(Conv2D("\(name)_downsampling_conv_\(i - 1)", filters: dims[i], kernelSize: 2, strides: 2), x)
            m.nestedIn["\(name)_downsampling_layernorm_\(i - 1)"] = "sequential_\(i)"
            m.nestedIn["\(name)_downsampling_conv_\(i - 1)"] = "sequential_\(i)"
        }
        for j in 0..<depth {
            x = try convnextBlock(m, x, projectionDim: dims[i], name: "\(name)_stage_\(i)_block_\(j)")
        }
    }
    if includeTop {
        x = try m(GlobalAveragePooling2D(name: "\(name)_head_gap"), x)
        x = try m(LayerNormalization("\(name)_head_layernorm", epsilon: 1e-6), x)
        try m(Dense("\(name)_head_dense", units: classes, activation: .softmax), x)
    } else {
        switch pooling {
        case .none: break
        case .avg: x = try m(GlobalAveragePooling2D(name: "global_average_pooling2d"), x)
        case .max: x = try m(GlobalMaxPooling2D(name: "global_max_pooling2d"), x)
        }
        try m(LayerNormalization("layer_normalization", epsilon: 1e-6), x)
    }
    return m
}

/// keras `ConvNeXtBlock` without stochastic depth: a 7x7 convolution with one channel per
/// group, LayerNormalization, two pointwise Dense layers on NHWC around a gelu (4x wide), the
/// LayerScale, and `Activation("linear")` where a non-zero drop path rate would put
/// StochasticDepth. Keras adds the block's input with `inputs + x`, an operation rather than a
/// layer; zoo's `Add` for it is named `<name>_add`.
func convnextBlock(_ m: Model, _ input: String, projectionDim: Int, name: String) throws -> String {
    var x = try m(Conv2D("\(name)_depthwise_conv", filters: projectionDim, kernelSize: 7, padding: .same,
                         groups: projectionDim), input)
    x = try m(LayerNormalization("\(name)_layernorm", epsilon: 1e-6), x)
    x = try m(Dense("\(name)_pointwise_conv_1", units: 4 * projectionDim), x)
    x = try m(ActivationLayer("\(name)_gelu", .gelu), x)
    x = try m(Dense("\(name)_pointwise_conv_2", units: projectionDim), x)
    x = try m(LayerScale("\(name)_layer_scale", initValues: 1e-6, projectionDim: projectionDim), x)
    x = try m(ActivationLayer("\(name)_identity", .linear), x)
    return try m(Add(name: "\(name)_add"), input, x)
}
