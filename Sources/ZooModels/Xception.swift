import ZooLayers
import ZooTensor

/// keras.applications Xception: an entry flow (two plain convolutions, then three blocks of
/// separable convolutions whose stride-2 max pooling is added to a strided 1x1 convolution
/// shortcut), a middle flow of eight residual blocks of three 728-channel separable
/// convolutions, and an exit flow; default input 299x299, at least 71x71. BatchNormalization
/// keeps Keras's default epsilon 1e-3; no convolution has a bias.
///
/// The shortcut convolutions, their BatchNorms and the Adds are unnamed in Keras and take its
/// automatic names (`conv2d`, `batch_normalization`, `add`, ...); `KerasGraph` puts each shortcut
/// where Keras's `model.layers` has it (after the block's last BatchNorm).
public func xception(
    inputSize: (Int, Int) = (299, 299), includeTop: Bool = false, pooling: Pooling = .none,
    classes: Int = 1000, inputName: String = "input_1"
) throws -> Model {
    try checkInput(model: "xception", size: inputSize, includeTop: includeTop, minimum: 71, topSize: 299)
    let g = KerasGraph(input: inputName, shape: [inputSize.0, inputSize.1, 3])

    func sepConvBN(_ x: String, _ filters: Int, _ name: String) -> String {
        let y = g(SeparableConv2D(name, filters: filters, kernelSize: 3, padding: .same, useBias: false), x)
        return g(BatchNormalization("\(name)_bn"), y)
    }
    func relu(_ x: String, _ name: String) -> String { g(ActivationLayer(name, .relu), x) }
    func shortcut(_ x: String, _ filters: Int) -> String {
        let y = g(Conv2D(g.autoName("conv2d"), filters: filters, kernelSize: 1, strides: 2, padding: .same, useBias: false), x)
        return g(BatchNormalization(g.autoName("batch_normalization")), y)
    }
    func add(_ a: String, _ b: String) -> String { g(Add(name: g.autoName("add")), a, b) }
    func pool(_ x: String, _ name: String) -> String {
        g(MaxPooling2D(name, poolSize: (3, 3), strides: (2, 2), padding: .same), x)
    }

    var x = g(Conv2D("block1_conv1", filters: 32, kernelSize: 3, strides: 2, useBias: false), g.input)
    x = g(BatchNormalization("block1_conv1_bn"), x)
    x = relu(x, "block1_conv1_act")
    x = g(Conv2D("block1_conv2", filters: 64, kernelSize: 3, useBias: false), x)
    x = g(BatchNormalization("block1_conv2_bn"), x)
    x = relu(x, "block1_conv2_act")

    // Entry flow, blocks 2-4; block 2 starts from the stem's ReLU, so it has no ReLU of its own
    // in front (Keras names the one between its separable convolutions `block2_sepconv2_act`).
    for (block, filters) in [(2, 128), (3, 256), (4, 728)] {
        let residual = shortcut(x, filters)
        if block > 2 { x = relu(x, "block\(block)_sepconv1_act") }
        x = sepConvBN(x, filters, "block\(block)_sepconv1")
        x = relu(x, "block\(block)_sepconv2_act")
        x = sepConvBN(x, filters, "block\(block)_sepconv2")
        x = pool(x, "block\(block)_pool")
        x = add(x, residual)
    }

    // Middle flow.
    for block in 5...12 {
        let residual = x
        for conv in 1...3 {
            x = relu(x, "block\(block)_sepconv\(conv)_act")
            x = sepConvBN(x, 728, "block\(block)_sepconv\(conv)")
        }
        x = add(x, residual)
    }

    // Exit flow.
    let residual = shortcut(x, 1024)
    x = relu(x, "block13_sepconv1_act")
    x = sepConvBN(x, 728, "block13_sepconv1")
    x = relu(x, "block13_sepconv2_act")
    x = sepConvBN(x, 1024, "block13_sepconv2")
    x = pool(x, "block13_pool")
    x = add(x, residual)
    x = sepConvBN(x, 1536, "block14_sepconv1")
    x = relu(x, "block14_sepconv1_act")
    x = sepConvBN(x, 2048, "block14_sepconv2")
    x = relu(x, "block14_sepconv2_act")

    if includeTop {
        x = g(GlobalAveragePooling2D(name: "avg_pool"), x)
        g(Dense("predictions", units: classes, activation: .softmax), x)
    } else if pooling == .avg {
        g(GlobalAveragePooling2D(name: g.autoName("global_average_pooling2d")), x)
    } else if pooling == .max {
        g(GlobalMaxPooling2D(name: g.autoName("global_max_pooling2d")), x)
    }
    return try g.model(name: "xception")
}
