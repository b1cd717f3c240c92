import ZooLayers
import ZooTensor

/// keras.applications InceptionResNetV2 (default input 299x299, at least 75x75): a stem of
/// conv-BN-ReLU units and pools, the mixed_5b Inception block, 10 block35, mixed_6a, 20 block17,
/// mixed_7a, 10 block8 (the last without its ReLU), and conv_7b. Each residual adds its scaled
/// branch with `CustomScaleLayer` (x + r * scale). The builder calls layers in the order the
/// Keras code does, so unnamed layers get Keras's automatic names (`conv2d_7`,
/// `batch_normalization_7`, `activation_7`, `custom_scale_layer_3`), then puts them in Keras's
/// `model.layers` order.
public func inceptionresnetv2(inputSize: (Int, Int) = (299, 299), includeTop: Bool = false, pooling: Pooling = .none,
                              classes: Int = 1000, inputName: String = "input_1") throws -> Model {
    try checkInput(model: "inceptionresnetv2", size: inputSize, includeTop: includeTop, minimum: 75, topSize: 299)
    var b = InceptionResNetBuilder(model: Model(name: "inception_resnet_v2"))
    let m = b.model
    var x = try m.input(inputName, shape: [inputSize.0, inputSize.1, 3])
    x = try b.conv2dBN(x, 32, (3, 3), strides: 2, padding: .valid)
    x = try b.conv2dBN(x, 32, (3, 3), padding: .valid)
    x = try b.conv2dBN(x, 64, (3, 3))
    x = try m(MaxPooling2D(b.names("max_pooling2d"), poolSize: (3, 3), strides: (2, 2)), x)
    x = try b.conv2dBN(x, 80, (1, 1), padding: .valid)
    x = try b.conv2dBN(x, 192, (3, 3), padding: .valid)
    x = try m(MaxPooling2D(b.names("max_pooling2d"), poolSize: (3, 3), strides: (2, 2)), x)

    let branch0 = try b.conv2dBN(x, 96, (1, 1))
    var branch1 = try b.conv2dBN(x, 48, (1, 1))
    branch1 = try b.conv2dBN(branch1, 64, (5, 5))
    var branch2 = try b.conv2dBN(x, 64, (1, 1))
    branch2 = try b.conv2dBN(branch2, 96, (3, 3))
    branch2 = try b.conv2dBN(branch2, 96, (3, 3))
    var pool = try m(AveragePooling2D(b.names("average_pooling2d"), poolSize: (3, 3), strides: (1, 1), padding: .same), x)
    pool = try b.conv2dBN(pool, 64, (1, 1))
    x = try m(Concatenate(name: "mixed_5b", axis: 3), branch0, branch1, branch2, pool)

    for i in 1...10 { x = try b.block(x, scale: 0.17, type: "block35", index: i) }

    let a0 = try b.conv2dBN(x, 384, (3, 3), strides: 2, padding: .valid)
    var a1 = try b.conv2dBN(x, 256, (1, 1))
    a1 = try b.conv2dBN(a1, 256, (3, 3))
    a1 = try b.conv2dBN(a1, 384, (3, 3), strides: 2, padding: .valid)
    let aPool = try m(MaxPooling2D(b.names("max_pooling2d"), poolSize: (3, 3), strides: (2, 2)), x)
    x = try m(Concatenate(name: "mixed_6a", axis: 3), a0, a1, aPool)

    for i in 1...20 { x = try b.block(x, scale: 0.1, type: "block17", index: i) }

    var c0 = try b.conv2dBN(x, 256, (1, 1))
    c0 = try b.conv2dBN(c0, 384, (3, 3), strides: 2, padding: .valid)
    var c1 = try b.conv2dBN(x, 256, (1, 1))
    c1 = try b.conv2dBN(c1, 288, (3, 3), strides: 2, padding: .valid)
    var c2 = try b.conv2dBN(x, 256, (1, 1))
    c2 = try b.conv2dBN(c2, 288, (3, 3))
    c2 = try b.conv2dBN(c2, 320, (3, 3), strides: 2, padding: .valid)
    let cPool = try m(MaxPooling2D(b.names("max_pooling2d"), poolSize: (3, 3), strides: (2, 2)), x)
    x = try m(Concatenate(name: "mixed_7a", axis: 3), c0, c1, c2, cPool)

    for i in 1...9 { x = try b.block(x, scale: 0.2, type: "block8", index: i) }
    x = try b.block(x, scale: 1.0, type: "block8", index: 10, activation: false)

    x = try b.conv2dBN(x, 1536, (1, 1), name: "conv_7b")
    if includeTop {
        x = try m(GlobalAveragePooling2D(name: "avg_pool"), x)
        try m(Dense("predictions", units: classes, activation: .softmax), x)
    } else {
        try addPooling(m, pooling, after: x, avgName: b.names("global_average_pooling2d"),
                       maxName: b.names("global_max_pooling2d"))
    }
    return try inKerasOrder(m)
}

/// inception_resnet_v2.py's `conv2d_bn` and `inception_resnet_block`, with the automatic names.
struct InceptionResNetBuilder {
    let model: Model
    let names = KerasAutoNames()

    /// Conv2D (no bias) + BatchNormalization(scale=False) + ReLU; with a bias, the convolution
    /// alone. Unnamed calls take automatic names; named ones `name`, `name_bn`, `name_ac`.
    mutating func conv2dBN(_ x: String, _ filters: Int, _ kernelSize: (Int, Int), strides: Int = 1,
                           padding: Padding = .same, activation: Bool = true, useBias: Bool = false,
                           name: String? = nil) throws -> String {
        var y = try model(Conv2D(name ?? names("conv2d"), filters: filters, kernelSize: kernelSize,
                                 strides: (strides, strides), padding: padding, useBias: useBias), x)
        if !useBias {
            y = try model(BatchNormalization(name.map { "\($0)_bn" } ?? names("batch_normalization"), scale: false), y)
        }
        if activation {
            y = try model(ActivationLayer(name.map { "\($0)_ac" } ?? names("activation"), .relu), y)
        }
        return y
    }

    /// block35 (35x35 at the full size), block17 and block8: branches concatenated, a 1x1
    /// convolution with bias back to the input's channels, x + scale * r, then ReLU.
    mutating func block(_ x: String, scale: Float, type: String, index: Int, activation: Bool = true) throws -> String {
        var branches: [String]
        switch type {
        case "block35":
            let b0 = try conv2dBN(x, 32, (1, 1))
            var b1 = try conv2dBN(x, 32, (1, 1))
            b1 = try conv2dBN(b1, 32, (3, 3))
            var b2 = try conv2dBN(x, 32, (1, 1))
            b2 = try conv2dBN(b2, 48, (3, 3))
            b2 = try conv2dBN(b2, 64, (3, 3))
            branches = [b0, b1, b2]
        case "block17":
            let b0 = try conv2dBN(x, 192, (1, 1))
            var b1 = try conv2dBN(x, 128, (1, 1))
            b1 = try conv2dBN(b1, 160, (1, 7))
            b1 = try conv2dBN(b1, 192, (7, 1))
            branches = [b0, b1]
        default:
            let b0 = try conv2dBN(x, 192, (1, 1))
            var b1 = try conv2dBN(x, 192, (1, 1))
            b1 = try conv2dBN(b1, 224, (1, 3))
            b1 = try conv2dBN(b1, 256, (3, 1))
            branches = [b0, b1]
        }
        let blockName = "\(type)_\(index)"
        let mixed = try model(Concatenate(name: "\(blockName)_mixed", axis: 3), branches)
        let channels = model.node(named: x)!.outputShape[2]
        let up = try conv2dBN(mixed, channels, (1, 1), activation: false, useBias: true, name: "\(blockName)_conv")
        var y = try model(CustomScaleLayer(names("custom_scale_layer"), scale: scale), x, up)
        if activation { y = try model(ActivationLayer("\(blockName)_ac", .relu), y) }
        return y
    }
}
