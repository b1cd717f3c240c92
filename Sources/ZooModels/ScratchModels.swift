import ZooLayers

/// The two classic MNIST models trained from scratch. Both take raw 28x28x1 digits (0-255) and
/// scale them inside the model (`Rescaling(1/255)`), so exported files need no preprocessing.
public struct ScratchModel: Sendable {
    public let name: String
    public let summary: String
    public let build: @Sendable (_ inputShape: [Int], _ classes: Int) throws -> Model
}

public let scratchCatalogue: [ScratchModel] = [
    ScratchModel(
        name: "mlp", summary: "Flatten, Dense 512 ReLU, Dense 256 ReLU, Dense softmax",
        build: { shape, classes in
            let m = Model(name: "mlp")
            var x = try m.input("input_digits", shape: shape)
            x = try m(Rescaling("rescale", scale: 1 / 255), x)
            x = try m(Flatten(name: "flatten"), x)
            x = try m(Dense("fc1", units: 512, activation: .relu), x)
            x = try m(Dense("fc2", units: 256, activation: .relu), x)
            try m(Dense("predictions", units: classes, activation: .softmax), x)
            return m
        }),
    ScratchModel(
        name: "cnn",
        summary: "Conv2D 32 3x3 ReLU, Conv2D 64 3x3 ReLU, MaxPooling 2x2, Dropout 0.25, Flatten, Dense 128 ReLU, Dropout 0.5, Dense softmax",
        build: { shape, classes in
            let m = Model(name: "cnn")
            var x = try m.input("input_digits", shape: shape)
            x = try m(Rescaling("rescale", scale: 1 / 255), x)
            x = try m(Conv2D("conv1", filters: 32, kernelSize: 3, activation: .relu), x)
            x = try m(Conv2D("conv2", filters: 64, kernelSize: 3, activation: .relu), x)
            x = try m(MaxPooling2D("pool", poolSize: (2, 2)), x)
            x = try m(Dropout("dropout1", rate: 0.25), x)
            x = try m(Flatten(name: "flatten"), x)
            x = try m(Dense("fc1", units: 128, activation: .relu), x)
            x = try m(Dropout("dropout2", rate: 0.5), x)
            try m(Dense("predictions", units: classes, activation: .softmax), x)
            return m
        }),
]

public func scratchModel(_ name: String) throws -> ScratchModel {
    guard let m = scratchCatalogue.first(where: { $0.name == name.lowercased() }) else {
        throw ModelError.unknownModel(name, known: scratchCatalogue.map(\.name))
    }
    return m
}
