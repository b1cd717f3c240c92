import ZooLayers

/// What follows the convolutional base when `include_top` is false, as in keras.applications.
public enum Pooling: String, Sendable, CaseIterable {
    case none, avg, max
}

/// keras.applications VGG16: five blocks of 3x3 same convolutions with ReLU, each closed by a
/// 2x2 max-pool; the top is Flatten, fc1, fc2 and a 1000-way softmax `predictions`.
public func vgg16(
    inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
    classes: Int = 1000, inputName: String = "input_1"
) throws -> Model {
    try vgg("vgg16", convolutions: [2, 2, 3, 3, 3], inputSize: inputSize, includeTop: includeTop, pooling: pooling,
            classes: classes, inputName: inputName)
}

/// keras.applications VGG19: VGG16 with a fourth convolution in blocks 3, 4 and 5.
public func vgg19(
    inputSize: (Int, Int) = (224, 224), includeTop: Bool = false, pooling: Pooling = .none,
    classes: Int = 1000, inputName: String = "input_1"
) throws -> Model {
    try vgg("vgg19", convolutions: [2, 2, 4, 4, 4], inputSize: inputSize, includeTop: includeTop, pooling: pooling,
            classes: classes, inputName: inputName)
}

/// The VGG family differs only in the number of convolutions per block (Keras writes each model
/// out; the layer names and order are the same as this loop's).
private func vgg(
    _ name: String, convolutions: [Int], inputSize: (Int, Int), includeTop: Bool, pooling: Pooling,
    classes: Int, inputName: String
) throws -> Model {
    try checkInput(model: name, size: inputSize, includeTop: includeTop)
    let m = Model(name: name)
    var x = try m.input(inputName, shape: [inputSize.0, inputSize.1, 3])
    for (block, (convs, filters)) in zip(convolutions, [64, 128, 256, 512, 512]).enumerated() {
        for conv in 1...convs {
            x = try m(Conv2D("block\(block + 1)_conv\(conv)", filters: filters, kernelSize: 3, padding: .same,
                             activation: .relu), x)
        }
        x = try m(MaxPooling2D("block\(block + 1)_pool", poolSize: (2, 2), strides: (2, 2)), x)
    }
    if includeTop {
        x = try m(Flatten(name: "flatten"), x)
        x = try m(Dense("fc1", units: 4096, activation: .relu), x)
        x = try m(Dense("fc2", units: 4096, activation: .relu), x)
        try m(Dense("predictions", units: classes, activation: .softmax), x)
    } else {
        try addPooling(m, pooling, after: x, avgName: "global_average_pooling2d", maxName: "global_max_pooling2d")
    }
    return m
}

/// keras.applications enforces its fixed size with the top (the Dense sizes depend on it) and a
/// per-family minimum without (`obtain_input_shape`'s `min_size`).
func checkInput(model: String, size: (Int, Int), includeTop: Bool, minimum: Int = 32, topSize: Int = 224) throws {
    if includeTop && size != (topSize, topSize) {
        throw ModelError.topNeedsSize(model: model, size: topSize, found: [size.0, size.1])
    }
    if size.0 < minimum || size.1 < minimum {
        throw LayerError.inputTooSmall(model: model, minimum: minimum, found: [size.0, size.1])
    }
}

func addPooling(_ m: Model, _ pooling: Pooling, after x: String, avgName: String, maxName: String) throws {
    switch pooling {
    case .none: break
    case .avg: try m(GlobalAveragePooling2D(name: avgName), x)
    case .max: try m(GlobalMaxPooling2D(name: maxName), x)
    }
}

public enum ModelError: Error, CustomStringConvertible {
    case topNeedsSize(model: String, size: Int, found: [Int])
    case unknownModel(String, known: [String])

    public var description: String {
        switch self {
        case let .topNeedsSize(model, size, found):
            return "\(model): include_top needs a \(size)x\(size) input, got \(found.map(String.init).joined(separator: "x")); drop --include-top for other sizes"
        case let .unknownModel(name, known):
            return "unknown model '\(name)'; known models: \(known.joined(separator: ", "))"
        }
    }
}
