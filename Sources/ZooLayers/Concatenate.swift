import ZooTensor

/// Keras `Concatenate` on the channel axis (DenseNet's `axis=3`, or -1), two or more inputs
/// whose other axes agree.
public final class Concatenate: Layer, KerasLayer {
    public static let kerasClassName = "Concatenate"
    public static var inputCount: ClosedRange<Int> { 2...Int.max }

    /// As given: DenseNet writes 3, the default is -1; both are the last axis of an NHWC input.
    public let axis: Int

    public init(name: String, axis: Int = -1) {
        self.axis = axis
        super.init(name: name)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        guard let axis = c["axis"] == nil ? -1 : c["axis"] as? Int else { throw c.problem("cannot read axis") }
        guard axis == -1 || axis > 0 else { throw c.unsupported("axis \(axis)") }
        self.init(name: name, axis: axis)
    }

    public override var kerasConfig: [String: any Sendable] { ["axis": axis] }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        let leading = inputShapes.first.map { Array($0.dropLast()) }
        guard Self.inputCount.contains(inputShapes.count), let leading, !inputShapes[0].isEmpty,
              inputShapes.allSatisfy({ !$0.isEmpty && Array($0.dropLast()) == leading }) else {
            throw LayerError.inputShape(layer: name, expected: "two or more inputs equal but in the last axis", found: inputShapes)
        }
        // Keras's axis counts the batch axis: the last one of a rank-r input (r without batch) is r.
        guard axis == -1 || axis == inputShapes[0].count else {
            throw LayerError.argument(layer: name, problem: "axis \(axis) is not the last axis; zoo concatenates channels only")
        }
        widths = inputShapes.map { $0.last! }
        return leading + [widths.reduce(0, +)]
    }

    private var widths: [Int] = []

    /// inputs k x [N,...,C_i] -> [N,...,ΣC_i].
    public override func forward(_ inputs: [Tensor]) -> Tensor { concatenateLastAxis(inputs) }

    public override var differentiable: Bool { true }

    /// dy [N,...,ΣC_i] -> k x [N,...,C_i], dy's channels split back.
    public override func backward(_ dy: Tensor) -> [Tensor] { splitLastAxis(dy, widths: widths) }
}
