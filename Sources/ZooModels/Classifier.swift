import ZooLayers
import ZooTensor

/// The classifier head trained on backbone features. Its layer names are fixed so that Keras's
/// `load_weights(by_name=True)` finds them in exported files:
/// `head_dense` (ReLU, skipped when `hidden` is 0), `head_dropout`, `head_predictions` (softmax).
public func classifierHead(features: Int, hidden: Int, dropout: Float, classes: Int = 10) throws -> Model {
    let m = Model(name: "head")
    var x = try m.input("head_input", shape: [features])
    if hidden > 0 {
        x = try m(Dense("head_dense", units: hidden, activation: .relu), x)
    }
    if dropout > 0 {
        x = try m(Dropout("head_dropout", rate: dropout), x)
    }
    try m(Dense("head_predictions", units: classes, activation: .softmax), x)
    return m
}

/// One model from raw digits to class probabilities, as exported for Keras: `Resizing` to the
/// backbone's input size, a fixed 1x1 `Conv2D` that replicates gray to 3 channels and applies the
/// backbone's `preprocess_input` as the affine map it is (caffe: kernel of ones, bias = -mean;
/// named `caffe_preprocess`, `tf_preprocess` or `torch_preprocess`, so standard Keras layers do
/// the preprocessing), then the backbone's layers and the head's, with their own names.
public func digitClassifier(
    name: String, backbone: Model, head: Model, digitShape: [Int] = [28, 28, 1], preprocessing: PreprocessingMode
) throws -> Model {
    let m = Model(name: name)
    var x = try m.input("input_digits", shape: digitShape)
    let size = backbone.inputShape
    x = try m(Resizing("resize", height: size[0], width: size[1]), x)
    let preprocess = Conv2D(preprocessing.layerName, filters: 3, kernelSize: 1)
    x = try m(preprocess, x)
    let channels = digitShape[2], (source, scale, offset) = preprocessing.affine
    var kernel = [Float](repeating: 0, count: channels * 3)  // [1, 1, channels, 3], output channel fastest
    for c in 0..<channels {
        for k in 0..<3 where channels == 1 || source[k] == c { kernel[3 * c + k] = scale[k] }
    }
    preprocess.weights[0].value = Tensor(shape: [1, 1, channels, 3], data: kernel)
    preprocess.weights[1].value = Tensor(shape: [3], data: offset)
    preprocess.trainable = false
    try append(backbone, to: m, feeding: x)
    var features = backbone.nodes.last!.layer.name
    if backbone.outputShape.count > 1 && head.inputShape.count == 1 {
        // Without pooling the head was trained on the flattened H x W x C map.
        features = try m(Flatten(name: "flatten"), features)
    }
    try append(head, to: m, feeding: features)
    return m
}

/// Adds every layer of `part` but its input to `m`, with `part`'s input replaced by `source`.
private func append(_ part: Model, to m: Model, feeding source: String) throws {
    let input = part.nodes[0].layer.name
    for node in part.nodes.dropFirst() {
        try m(node.layer, node.inputs.map { $0 == input ? source : $0 })
    }
}
