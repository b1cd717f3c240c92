import ZooTensor

/// A layer whose inference forward can write its output over an input. `Model.forward` drops its
/// own reference to an input that no later layer reads before calling the layer and says so in
/// `owned`; the layer may then take that input (`take`) and overwrite it, instead of allocating a
/// new activation (at 224 px a fresh 50-80 MB buffer is a fresh mmap: page faults, zero-filling).
/// `owned` is a hint, not a promise: an input still shared (the model's caller holds the input
/// batch; Dropout returns its input) is copied by Swift's copy-on-write when written, so the
/// result is always the same as `forward(inputs)`, only the cost differs.
public protocol InPlaceInference: Layer {
    /// The inference forward of `inputs`, which the layer may take and overwrite.
    func forward(reusing inputs: inout [Tensor], owned: [Bool]) -> Tensor
}
