import ZooLayers
import ZooTensor

/// keras.applications InceptionV3: a stem of five `conv2d_bn`, three 35x35 Inception blocks
/// (mixed0-2), a grid reduction (mixed3), four 17x17 blocks with factorised 7x7 convolutions
/// (mixed4-7), a second reduction (mixed8) and two 8x8 blocks with split 3x3 branches
/// (mixed9, mixed10); default input 299x299, at least 75x75.
///
/// Only the mixed Concatenates (and Keras's top) are named; every `conv2d_bn` takes Keras's
/// automatic names (`conv2d_N`, `batch_normalization_N`, `activation_N`), as do the pooling
/// layers and the two inner Concatenates of mixed9/mixed10, so the names match a file written
/// by a fresh Keras (or tf-keras) session, and `KerasGraph` puts the layers in Keras's order.
public func inceptionv3(
    inputSize: (Int, Int) = (299, 299), includeTop: Bool = false, pooling: Pooling = .none,
    classes: Int = 1000, inputName: String = "input_1"
) throws -> Model {
    try checkInput(model: "inceptionv3", size: inputSize, includeTop: includeTop, minimum: 75, topSize: 299)
    let g = KerasGraph(input: inputName, shape: [inputSize.0, inputSize.1, 3])

    func conv2dBN(_ x: String, _ filters: Int, _ rows: Int, _ cols: Int, padding: Padding = .same,
                  strides: Int = 1) -> String {
        var y = g(Conv2D(g.autoName("conv2d"), filters: filters, kernelSize: (rows, cols), strides: (strides, strides),
                         padding: padding, useBias: false), x)
        // scale=False: ReLU follows, so a per-channel scale would be redundant with the next conv.
        y = g(BatchNormalization(g.autoName("batch_normalization"), scale: false), y)
        return g(ActivationLayer(g.autoName("activation"), .relu), y)
    }
    func maxPool(_ x: String) -> String {
        g(MaxPooling2D(g.autoName("max_pooling2d"), poolSize: (3, 3), strides: (2, 2)), x)
    }
    func avgPoolSame(_ x: String) -> String {
        g(AveragePooling2D(g.autoName("average_pooling2d"), poolSize: (3, 3), strides: (1, 1), padding: .same), x)
    }
    func concatenate(_ name: String?, _ xs: String...) -> String {
        g(Concatenate(name: name ?? g.autoName("concatenate"), axis: 3), xs)
    }

    var x = conv2dBN(g.input, 32, 3, 3, padding: .valid, strides: 2)
    x = conv2dBN(x, 32, 3, 3, padding: .valid)
    x = conv2dBN(x, 64, 3, 3)
    x = maxPool(x)
    x = conv2dBN(x, 80, 1, 1, padding: .valid)
    x = conv2dBN(x, 192, 3, 3, padding: .valid)
    x = maxPool(x)

    // mixed0-2: 35 x 35 x 256, 288, 288.
    for (i, poolFilters) in [32, 64, 64].enumerated() {
        let branch1x1 = conv2dBN(x, 64, 1, 1)
        var branch5x5 = conv2dBN(x, 48, 1, 1)
        branch5x5 = conv2dBN(branch5x5, 64, 5, 5)
        var branch3x3dbl = conv2dBN(x, 64, 1, 1)
        branch3x3dbl = conv2dBN(branch3x3dbl, 96, 3, 3)
        branch3x3dbl = conv2dBN(branch3x3dbl, 96, 3, 3)
        let branchPool = conv2dBN(avgPoolSame(x), poolFilters, 1, 1)
        x = concatenate("mixed\(i)", branch1x1, branch5x5, branch3x3dbl, branchPool)
    }

    // mixed3: 17 x 17 x 768.
    let branch3x3 = conv2dBN(x, 384, 3, 3, padding: .valid, strides: 2)
    var branch3x3dbl = conv2dBN(x, 64, 1, 1)
    branch3x3dbl = conv2dBN(branch3x3dbl, 96, 3, 3)
    branch3x3dbl = conv2dBN(branch3x3dbl, 96, 3, 3, padding: .valid, strides: 2)
    x = concatenate("mixed3", branch3x3, branch3x3dbl, maxPool(x))

    // mixed4-7: 17 x 17 x 768, the 7x7 convolutions factorised into 1x7 and 7x1.
    for (i, width) in [128, 160, 160, 192].enumerated() {
        let branch1x1 = conv2dBN(x, 192, 1, 1)
        var branch7x7 = conv2dBN(x, width, 1, 1)
        branch7x7 = conv2dBN(branch7x7, width, 1, 7)
        branch7x7 = conv2dBN(branch7x7, 192, 7, 1)
        var branch7x7dbl = conv2dBN(x, width, 1, 1)
        branch7x7dbl = conv2dBN(branch7x7dbl, width, 7, 1)
        branch7x7dbl = conv2dBN(branch7x7dbl, width, 1, 7)
        branch7x7dbl = conv2dBN(branch7x7dbl, width, 7, 1)
        branch7x7dbl = conv2dBN(branch7x7dbl, 192, 1, 7)
        let branchPool = conv2dBN(avgPoolSame(x), 192, 1, 1)
        x = concatenate("mixed\(4 + i)", branch1x1, branch7x7, branch7x7dbl, branchPool)
    }

    // mixed8: 8 x 8 x 1280.
    var branch3x3r = conv2dBN(x, 192, 1, 1)
    branch3x3r = conv2dBN(branch3x3r, 320, 3, 3, padding: .valid, strides: 2)
    var branch7x7x3 = conv2dBN(x, 192, 1, 1)
    branch7x7x3 = conv2dBN(branch7x7x3, 192, 1, 7)
    branch7x7x3 = conv2dBN(branch7x7x3, 192, 7, 1)
    branch7x7x3 = conv2dBN(branch7x7x3, 192, 3, 3, padding: .valid, strides: 2)
    x = concatenate("mixed8", branch3x3r, branch7x7x3, maxPool(x))

    // mixed9, mixed10: 8 x 8 x 2048.
    for i in 0..<2 {
        let branch1x1 = conv2dBN(x, 320, 1, 1)
        let branch3x3 = conv2dBN(x, 384, 1, 1)
        let branch3x3Split = concatenate("mixed9_\(i)", conv2dBN(branch3x3, 384, 1, 3), conv2dBN(branch3x3, 384, 3, 1))
        var branch3x3dbl = conv2dBN(x, 448, 1, 1)
        branch3x3dbl = conv2dBN(branch3x3dbl, 384, 3, 3)
        let branch3x3dblSplit = concatenate(nil, conv2dBN(branch3x3dbl, 384, 1, 3), conv2dBN(branch3x3dbl, 384, 3, 1))
        let branchPool = conv2dBN(avgPoolSame(x), 192, 1, 1)
        x = concatenate("mixed\(9 + i)", branch1x1, branch3x3Split, branch3x3dblSplit, branchPool)
    }

    if includeTop {
        x = g(GlobalAveragePooling2D(name: "avg_pool"), x)
        g(Dense("predictions", units: classes, activation: .softmax), x)
    } else if pooling == .avg {
        g(GlobalAveragePooling2D(name: g.autoName("global_average_pooling2d")), x)
    } else if pooling == .max {
        g(GlobalMaxPooling2D(name: g.autoName("global_max_pooling2d")), x)
    }
    return try g.model(name: "inception_v3")
}
