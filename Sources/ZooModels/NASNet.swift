import ZooLayers

/// keras.applications NASNetMobile: 4 normal cells per stage, penultimate filters 1056, stem
/// 32 filters, reductions feed the next cell. 224x224 with the top, at least 32x32 without.
public func nasnetmobile(inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
                         classes: Int = 1000, inputName: String = "input_1") throws -> Model {
    try checkInput(model: "nasnetmobile", size: inputSize, includeTop: includeTop, minimum: 32, topSize: 224)
    return try nasnet(inputSize: inputSize, penultimateFilters: 1056, blocks: 4, stemFilters: 32, skipReduction: false,
                      includeTop: includeTop, pooling: pooling, classes: classes, name: "nasnet_mobile", inputName: inputName)
}

/// keras.applications NASNetLarge: 6 normal cells per stage, penultimate filters 4032, stem 96
/// filters, reductions skipped as the previous input of the next cell. 331x331 with the top.
public func nasnetlarge(inputSize: (Int, Int) = (331, 331), includeTop: Bool = false, pooling: Pooling = .none,
                        classes: Int = 1000, inputName: String = "input_1") throws -> Model {
    try checkInput(model: "nasnetlarge", size: inputSize, includeTop: includeTop, minimum: 32, topSize: 331)
    return try nasnet(inputSize: inputSize, penultimateFilters: 4032, blocks: 6, stemFilters: 96, skipReduction: true,
                      includeTop: includeTop, pooling: pooling, classes: classes, name: "nasnet_large", inputName: inputName)
}

/// nasnet.py's `NASNet` (filter_multiplier 2): a stride-2 stem convolution, two reduction cells,
/// then three stages of normal cells separated by reduction cells, each cell taking the two
/// previous cells' outputs. Layers are called in Keras's code order (for the automatic names
/// of the unnamed ReLUs, paddings, croppings, concatenations and adds) and then put in
/// `model.layers` order.
func nasnet(inputSize: (Int, Int), penultimateFilters: Int, blocks: Int, stemFilters: Int, skipReduction: Bool,
            includeTop: Bool, pooling: Pooling, classes: Int, name: String, inputName: String) throws -> Model {
    var b = NASNetBuilder(model: Model(name: name))
    let m = b.model
    let filters = penultimateFilters / 24
    var x = try m.input(inputName, shape: [inputSize.0, inputSize.1, 3])
    x = try m(Conv2D("stem_conv1", filters: stemFilters, kernelSize: 3, strides: 2, useBias: false), x)
    x = try m(BatchNormalization("stem_bn1", epsilon: 1e-3), x)
    var p: String?
    (x, p) = try b.reductionCell(x, p, filters: filters / 4, id: "stem_1")
    (x, p) = try b.reductionCell(x, p, filters: filters / 2, id: "stem_2")
    for i in 0..<blocks { (x, p) = try b.normalCell(x, p, filters: filters, id: "\(i)") }
    var p0: String?
    (x, p0) = try b.reductionCell(x, p, filters: filters * 2, id: "reduce_\(blocks)")
    if !skipReduction { p = p0 }
    for i in 0..<blocks { (x, p) = try b.normalCell(x, p, filters: filters * 2, id: "\(blocks + i + 1)") }
    (x, p0) = try b.reductionCell(x, p, filters: filters * 4, id: "reduce_\(2 * blocks)")
    if !skipReduction { p = p0 }
    for i in 0..<blocks { (x, p) = try b.normalCell(x, p, filters: filters * 4, id: "\(2 * blocks + i + 1)") }
    x = try m(ActivationLayer(b.names("activation"), .relu), x)
    if includeTop {
        x = try m(GlobalAveragePooling2D(name: b.names("global_average_pooling2d")), x)
        try m(Dense("predictions", units: classes, activation: .softmax), x)
    } else {
        try addPooling(m, pooling, after: x, avgName: b.names("global_average_pooling2d"),
                       maxName: b.names("global_max_pooling2d"))
    }
    return try inKerasOrder(m)
}

/// nasnet.py's cells and blocks. BatchNorm epsilon is 1e-3 throughout; convolutions have no bias.
struct NASNetBuilder {
    let model: Model
    let names = KerasAutoNames()

    private func shape(_ x: String) -> [Int] { model.node(named: x)!.outputShape }

    private func bn(_ name: String, _ x: String) throws -> String {
        try model(BatchNormalization(name, epsilon: 1e-3), x)
    }

    private mutating func relu(_ x: String, name: String? = nil) throws -> String {
        try model(ActivationLayer(name ?? names("activation"), .relu), x)
    }

    /// `imagenet_utils.correct_pad`: what `same` padding of a stride-2 window would add, done
    /// explicitly ((k/2 - 1, k/2) on an even side, (k/2, k/2) on an odd one).
    private func correctPad(_ x: String, _ kernel: (Int, Int)) -> ((Int, Int), (Int, Int)) {
        let s = shape(x)
        let adjust = (1 - s[0] % 2, 1 - s[1] % 2)
        return ((kernel.0 / 2 - adjust.0, kernel.0 / 2), (kernel.1 / 2 - adjust.1, kernel.1 / 2))
    }

    /// `_separable_conv_block`: ReLU, SeparableConv2D (stride 2 after explicit padding), BN,
    /// ReLU, SeparableConv2D, BN.
    mutating func separableConvBlock(_ input: String, filters: Int, kernel: (Int, Int) = (3, 3), strides: Int = 1,
                                     id: String) throws -> String {
        var x = try relu(input)
        if strides == 2 {
            x = try model(ZeroPadding2D("separable_conv_1_pad_\(id)", padding: correctPad(x, kernel)), x)
        }
        x = try model(SeparableConv2D("separable_conv_1_\(id)", filters: filters, kernelSize: kernel,
                                      strides: (strides, strides), padding: strides == 2 ? .valid : .same, useBias: false), x)
        x = try bn("separable_conv_1_bn_\(id)", x)
        x = try relu(x)
        x = try model(SeparableConv2D("separable_conv_2_\(id)", filters: filters, kernelSize: kernel, padding: .same,
                                      useBias: false), x)
        return try bn("separable_conv_2_bn_\(id)", x)
    }

    /// `_adjust_block`: brings the previous cell's output `p` to the current one's resolution
    /// (two stride-2 1x1 paths, the second shifted by a pixel, concatenated) or channels (a 1x1
    /// projection).
    mutating func adjust(_ p: String?, _ ip: String, filters: Int, id: String) throws -> String {
        guard let p else { return ip }
        if shape(p)[1] != shape(ip)[1] {
            let r = try relu(p, name: "adjust_relu_1_\(id)")
            var p1 = try model(AveragePooling2D("adjust_avg_pool_1_\(id)", poolSize: (1, 1), strides: (2, 2)), r)
            p1 = try model(Conv2D("adjust_conv_1_\(id)", filters: filters / 2, kernelSize: 1, padding: .same, useBias: false), p1)
            var p2 = try model(ZeroPadding2D(names("zero_padding2d"), padding: ((0, 1), (0, 1))), r)
            p2 = try model(Cropping2D(names("cropping2d"), cropping: ((1, 0), (1, 0))), p2)
            p2 = try model(AveragePooling2D("adjust_avg_pool_2_\(id)", poolSize: (1, 1), strides: (2, 2)), p2)
            p2 = try model(Conv2D("adjust_conv_2_\(id)", filters: filters / 2, kernelSize: 1, padding: .same, useBias: false), p2)
            let joined = try model(Concatenate(name: names("concatenate"), axis: -1), p1, p2)
            return try bn("adjust_bn_\(id)", joined)
        }
        if shape(p)[2] != filters {
            var y = try relu(p)
            y = try model(Conv2D("adjust_conv_projection_\(id)", filters: filters, kernelSize: 1, padding: .same,
                                 useBias: false), y)
            return try bn("adjust_bn_\(id)", y)
        }
        return p
    }

    /// `_normal_a_cell`: five pairwise-combined branches over h (this cell's input, projected)
    /// and p (the previous cell's), concatenated with p; returns (output, ip).
    mutating func normalCell(_ ip: String, _ previous: String?, filters: Int, id: String) throws -> (String, String?) {
        let p = try adjust(previous, ip, filters: filters, id: id)
        var h = try relu(ip)
        h = try model(Conv2D("normal_conv_1_\(id)", filters: filters, kernelSize: 1, padding: .same, useBias: false), h)
        h = try bn("normal_bn_1_\(id)", h)
        let x11 = try separableConvBlock(h, filters: filters, kernel: (5, 5), id: "normal_left1_\(id)")
        let x12 = try separableConvBlock(p, filters: filters, id: "normal_right1_\(id)")
        let x1 = try model(Add(name: "normal_add_1_\(id)"), x11, x12)
        let x21 = try separableConvBlock(p, filters: filters, kernel: (5, 5), id: "normal_left2_\(id)")
        let x22 = try separableConvBlock(p, filters: filters, kernel: (3, 3), id: "normal_right2_\(id)")
        let x2 = try model(Add(name: "normal_add_2_\(id)"), x21, x22)
        let x31 = try model(AveragePooling2D("normal_left3_\(id)", poolSize: (3, 3), strides: (1, 1), padding: .same), h)
        let x3 = try model(Add(name: "normal_add_3_\(id)"), x31, p)
        let x41 = try model(AveragePooling2D("normal_left4_\(id)", poolSize: (3, 3), strides: (1, 1), padding: .same), p)
        let x42 = try model(AveragePooling2D("normal_right4_\(id)", poolSize: (3, 3), strides: (1, 1), padding: .same), p)
        let x4 = try model(Add(name: "normal_add_4_\(id)"), x41, x42)
        let x51 = try separableConvBlock(h, filters: filters, id: "normal_left5_\(id)")
        let x5 = try model(Add(name: "normal_add_5_\(id)"), x51, h)
        let x = try model(Concatenate(name: "normal_concat_\(id)", axis: -1), [p, x1, x2, x3, x4, x5])
        return (x, ip)
    }

    /// `_reduction_a_cell`: the same pattern at stride 2 (separable 5x5 and 7x7, max and average
    /// pools over an explicitly padded h); returns (output, ip).
    mutating func reductionCell(_ ip: String, _ previous: String?, filters: Int, id: String) throws -> (String, String?) {
        let p = try adjust(previous, ip, filters: filters, id: id)
        var h = try relu(ip)
        h = try model(Conv2D("reduction_conv_1_\(id)", filters: filters, kernelSize: 1, padding: .same, useBias: false), h)
        h = try bn("reduction_bn_1_\(id)", h)
        let h3 = try model(ZeroPadding2D("reduction_pad_1_\(id)", padding: correctPad(h, (3, 3))), h)
        let x11 = try separableConvBlock(h, filters: filters, kernel: (5, 5), strides: 2, id: "reduction_left1_\(id)")
        let x12 = try separableConvBlock(p, filters: filters, kernel: (7, 7), strides: 2, id: "reduction_right1_\(id)")
        let x1 = try model(Add(name: "reduction_add_1_\(id)"), x11, x12)
        let x21 = try model(MaxPooling2D("reduction_left2_\(id)", poolSize: (3, 3), strides: (2, 2)), h3)
        let x22 = try separableConvBlock(p, filters: filters, kernel: (7, 7), strides: 2, id: "reduction_right2_\(id)")
        let x2 = try model(Add(name: "reduction_add_2_\(id)"), x21, x22)
        let x31 = try model(AveragePooling2D("reduction_left3_\(id)", poolSize: (3, 3), strides: (2, 2)), h3)
        let x32 = try separableConvBlock(p, filters: filters, kernel: (5, 5), strides: 2, id: "reduction_right3_\(id)")
        let x3 = try model(Add(name: "reduction_add3_\(id)"), x31, x32)
        var x4 = try model(AveragePooling2D("reduction_left4_\(id)", poolSize: (3, 3), strides: (1, 1), padding: .same), x1)
        x4 = try model(Add(name: names("add")), x2, x4)
        let x51 = try separableConvBlock(x1, filters: filters, kernel: (3, 3), id: "reduction_left4_\(id)")
        let x52 = try model(MaxPooling2D("reduction_right5_\(id)", poolSize: (3, 3), strides: (2, 2)), h3)
        let x5 = try model(Add(name: "reduction_add4_\(id)"), x51, x52)
        let x = try model(Concatenate(name: "reduction_concat_\(id)", axis: -1), [x2, x3, x4, x5])
        return (x, ip)
    }
}
