/// Every Keras layer class zoo reads, one line each: the only place that lists them. A config's
/// `class_name` finds its Swift class here (`kerasLayerClass(named:)`); the class's own file
/// answers everything else.
public let kerasLayerRegistry: [any KerasLayer.Type] = [
    InputLayer.self,
    Conv2D.self,
    Dense.self,
    BatchNormalization.self,
    MaxPooling2D.self,
    AveragePooling2D.self,
    GlobalAveragePooling2D.self,
    GlobalMaxPooling2D.self,
    ZeroPadding2D.self,
    Cropping2D.self,
    ActivationLayer.self,
    ReLU.self,
    Softmax.self,
    Add.self,
    CustomScaleLayer.self,
    Flatten.self,
    Dropout.self,
    Resizing.self,
    Rescaling.self,
    Concatenate.self,
    DepthwiseConv2D.self,
    Reshape.self,
    Multiply.self,
    SeparableConv2D.self,
    Normalization.self,
    LayerNormalization.self,
    LayerScale.self,
    StochasticDepth.self,
    RandomFlip.self,
    RandomRotation.self,
    RandomZoom.self,
    RandomTranslation.self,
    RandomContrast.self,
]

private let registryByName = Dictionary(kerasLayerRegistry.map { ($0.kerasClassName, $0) }, uniquingKeysWith: { a, _ in a })

/// The registered class for a config's `class_name`, or nil when zoo has none.
public func kerasLayerClass(named className: String) -> (any KerasLayer.Type)? { registryByName[className] }
