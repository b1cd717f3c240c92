import ZooLayers

/// keras.applications ResNet50 (v1): the stride sits on each block's first 1x1 convolution,
/// every convolution has a bias and every BatchNormalization uses epsilon 1.001e-5.
public func resnet50(
    inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
    classes: Int = 1000, inputName: String = "input_1"
) throws -> Model {
    try resnet("resnet50", blocks: [3, 4, 6, 3], preact: false, inputSize: inputSize, includeTop: includeTop,
               pooling: pooling, classes: classes, inputName: inputName)
}

/// keras.applications ResNet101: ResNet50 with 23 blocks in conv4.
public func resnet101(
    inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
    classes: Int = 1000, inputName: String = "input_1"
) throws -> Model {
    try resnet("resnet101", blocks: [3, 4, 23, 3], preact: false, inputSize: inputSize, includeTop: includeTop,
               pooling: pooling, classes: classes, inputName: inputName)
}

/// keras.applications ResNet152: 8 blocks in conv3, 36 in conv4.
public func resnet152(
    inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
    classes: Int = 1000, inputName: String = "input_1"
) throws -> Model {
    try resnet("resnet152", blocks: [3, 8, 36, 3], preact: false, inputSize: inputSize, includeTop: includeTop,
               pooling: pooling, classes: classes, inputName: inputName)
}

/// keras `ResNet(stack_fn, preact, use_bias=True)`: the stem, four stacks of bottleneck blocks
/// of 64, 128, 256 and 512 filters (`blocks` per stack), for v2 (`preact`) the closing
/// `post_bn`/`post_relu`, then the top or the pooling.
func resnet(
    _ name: String, blocks: [Int], preact: Bool, inputSize: (Int, Int), includeTop: Bool, pooling: Pooling,
    classes: Int, inputName: String
) throws -> Model {
    try checkInput(model: name, size: inputSize, includeTop: includeTop)
    let m = Model(name: name)
    var x = try m.input(inputName, shape: [inputSize.0, inputSize.1, 3])
    x = try m(ZeroPadding2D("conv1_pad", padding: 3), x)
    x = try m(Conv2D("conv1_conv", filters: 64, kernelSize: 7, strides: 2), x)
    if !preact {
        x = try m(BatchNormalization("conv1_bn", epsilon: resnetEpsilon), x)
        x = try m(ActivationLayer("conv1_relu", .relu), x)
    }
    x = try m(ZeroPadding2D("pool1_pad", padding: 1), x)
    x = try m(MaxPooling2D("pool1_pool", poolSize: (3, 3), strides: (2, 2)), x)
    var shortcutPools = 0
    for (stack, (count, filters)) in zip(blocks, [64, 128, 256, 512]).enumerated() {
        let stackName = "conv\(stack + 2)"
        for block in 1...count {
            let blockName = "\(stackName)_block\(block)"
            if preact {
                // v2 strides the last block of conv2..conv4 (`stride1=1` for conv5).
                let stride = block == count && stack < 3 ? 2 : 1
                x = try residualBlockV2(m, x, filters: filters, stride: stride, convShortcut: block == 1,
                                        name: blockName, shortcutPools: &shortcutPools)
            } else {
                // v1 strides the first block of conv3..conv5 (`stride1=1` for conv2).
                let stride = block == 1 && stack > 0 ? 2 : 1
                x = try residualBlockV1(m, x, filters: filters, stride: stride, convShortcut: block == 1, name: blockName)
            }
        }
    }
    if preact {
        x = try m(BatchNormalization("post_bn", epsilon: resnetEpsilon), x)
        x = try m(ActivationLayer("post_relu", .relu), x)
    }
    if includeTop {
        x = try m(GlobalAveragePooling2D(name: "avg_pool"), x)
        try m(Dense("predictions", units: classes, activation: .softmax), x)
    } else {
        try addPooling(m, pooling, after: x, avgName: "avg_pool", maxName: "max_pool")
    }
    return m
}

let resnetEpsilon: Float = 1.001e-5

/// keras `residual_block_v1`, layers created in Keras's order: `_0_conv` (the projection
/// shortcut) is called before `_3_conv`, and both convolutions before their BatchNorms.
func residualBlockV1(
    _ m: Model, _ x: String, filters: Int, stride: Int, convShortcut: Bool, name: String
) throws -> String {
    var y = try m(Conv2D("\(name)_1_conv", filters: filters, kernelSize: 1, strides: stride), x)
    y = try m(BatchNormalization("\(name)_1_bn", epsilon: resnetEpsilon), y)
    y = try m(ActivationLayer("\(name)_1_relu", .relu), y)
    y = try m(Conv2D("\(name)_2_conv", filters: filters, kernelSize: 3, padding: .same), y)
    y = try m(BatchNormalization("\(name)_2_bn", epsilon: resnetEpsilon), y)
    y = try m(ActivationLayer("\(name)_2_relu", .relu), y)
    var shortcut = x
    if convShortcut {
        shortcut = try m(Conv2D("\(name)_0_conv", filters: 4 * filters, kernelSize: 1, strides: stride), x)
        y = try m(Conv2D("\(name)_3_conv", filters: 4 * filters, kernelSize: 1), y)
        shortcut = try m(BatchNormalization("\(name)_0_bn", epsilon: resnetEpsilon), shortcut)
    } else {
        y = try m(Conv2D("\(name)_3_conv", filters: 4 * filters, kernelSize: 1), y)
    }
    y = try m(BatchNormalization("\(name)_3_bn", epsilon: resnetEpsilon), y)
    y = try m(Add(name: "\(name)_add"), shortcut, y)
    return try m(ActivationLayer("\(name)_out", .relu), y)
}
