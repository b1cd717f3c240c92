/// A layer class that Keras configs can name: the type answers, from its own file, how a
/// `class_name` of a config becomes a layer (this `init`), what the layer writes back
/// (`kerasConfig`) and which weights it has (their `WeightRole`s, in Keras's order). One table,
/// `kerasLayerRegistry`, lists the conforming classes.
public protocol KerasLayer: Layer {
    /// The `class_name` in configs, which `className` also returns.
    static var kerasClassName: String { get }
    /// How many inputs one call takes: one for most classes, two or more for merging layers,
    /// none for the model's input.
    static var inputCount: ClosedRange<Int> { get }
    /// The layer a config's `config` dictionary describes (named `name`); throws
    /// `LayerError.config` for values that cannot be read and `.unsupported` for options zoo lacks.
    init(name: String, config: KerasLayerConfig) throws
}

extension KerasLayer {
    public static var inputCount: ClosedRange<Int> { 1...1 }
}
