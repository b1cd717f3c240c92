import ZooLayers

/// keras.applications ResNet50 (v1): the stride sits on each block's first 1x1 convolution,
/// every convolution has a bias and every BatchNormalization uses epsilon 1.001e-5.
public func resnet50(
    inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
    classes: Int = 1000, inputName: String = "input_1"
) throws -> Model {
    try checkInput(model: "resnet50", size: inputSize, includeTop: includeTop)
    let m = Model(name: "resnet50")
    var x = try m.input(inputName, shape: [inputSize.0, inputSize.1, 3])
    x = try m(ZeroPadding2D("conv1_pad", padding: 3), x)
    x = try m(Conv2D("conv1_conv", filters: 64, kernelSize: 7, strides: 2), x)
    x = try m(BatchNormalization("conv1_bn", epsilon: resnetEpsilon), x)
    x = try m(ActivationLayer("conv1_relu", .relu), x)
    x = try m(ZeroPadding2D("pool1_pad", padding: 1), x)
    x = try m(MaxPooling2D("pool1_pool", poolSize: (3, 3), strides: (2, 2)), x)
    for (stack, (blocks, filters, stride)) in [(3, 64, 1), (4, 128, 2), (6, 256, 2), (3, 512, 2)].enumerated() {
        for block in 1...blocks {
            x = try residualBlockV1(m, x, filters: filters, stride: block == 1 ? stride : 1,
                                    convShortcut: block == 1, name: "conv\(stack + 2)_block\(block)")
        }
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
