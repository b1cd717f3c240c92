import ZooLayers

/// keras.applications ResNet50V2: pre-activation blocks (BatchNorm and ReLU before each
/// convolution), the stride on the last block of each stack, no BatchNorm in the stem and
/// `post_bn`/`post_relu` after the last stack.
public func resnet50v2(
    inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
    classes: Int = 1000, inputName: String = "input_1"
) throws -> Model {
    try resnet("resnet50v2", blocks: [3, 4, 6, 3], preact: true, inputSize: inputSize, includeTop: includeTop,
               pooling: pooling, classes: classes, inputName: inputName)
}

/// keras.applications ResNet101V2: ResNet50V2 with 23 blocks in conv4.
public func resnet101v2(
    inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
    classes: Int = 1000, inputName: String = "input_1"
) throws -> Model {
    try resnet("resnet101v2", blocks: [3, 4, 23, 3], preact: true, inputSize: inputSize, includeTop: includeTop,
               pooling: pooling, classes: classes, inputName: inputName)
}

/// keras.applications ResNet152V2: 8 blocks in conv3, 36 in conv4.
public func resnet152v2(
    inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
    classes: Int = 1000, inputName: String = "input_1"
) throws -> Model {
    try resnet("resnet152v2", blocks: [3, 8, 36, 3], preact: true, inputSize: inputSize, includeTop: includeTop,
               pooling: pooling, classes: classes, inputName: inputName)
}

/// keras `residual_block_v2`, layers in Keras's `model.layers` order: the main branch up to
/// `_2_relu`, then the shortcut (`_0_conv` on the pre-activation, or on a strided block an
/// unnamed 1x1 max-pool of the block input, which Keras auto-names `max_pooling2d`,
/// `max_pooling2d_1`, ... in a fresh session), then `_3_conv` and the `_out` Add.
func residualBlockV2(
    _ m: Model, _ x: String, filters: Int, stride: Int, convShortcut: Bool, name: String, shortcutPools: inout Int
) throws -> String {
    var preact = try m(BatchNormalization("\(name)_preact_bn", epsilon: resnetEpsilon), x)
    preact = try m(ActivationLayer("\(name)_preact_relu", .relu), preact)
    var y = try m(Conv2D("\(name)_1_conv", filters: filters, kernelSize: 1, useBias: false), preact)
    y = try m(BatchNormalization("\(name)_1_bn", epsilon: resnetEpsilon), y)
    y = try m(ActivationLayer("\(name)_1_relu", .relu), y)
    y = try m(ZeroPadding2D("\(name)_2_pad", padding: 1), y)
    y = try m(Conv2D("\(name)_2_conv", filters: filters, kernelSize: 3, strides: stride, useBias: false), y)
    y = try m(BatchNormalization("\(name)_2_bn", epsilon: resnetEpsilon), y)
    y = try m(ActivationLayer("\(name)_2_relu", .relu), y)
    var shortcut = x
    if convShortcut {
        shortcut = try m(Conv2D("\(name)_0_conv", filters: 4 * filters, kernelSize: 1, strides: stride), preact)
    } else if stride > 1 {
        let poolName = shortcutPools == 0 ? "max_pooling2d" : "max_pooling2d_\(shortcutPools)"
        shortcutPools += 1
        shortcut = try m(MaxPooling2D(poolName, poolSize: (1, 1), strides: (stride, stride)), x)
    }
    y = try m(Conv2D("\(name)_3_conv", filters: 4 * filters, kernelSize: 1), y)
    return try m(Add(name: "\(name)_out"), shortcut, y)
}
