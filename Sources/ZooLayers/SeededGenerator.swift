import ZooTensor

/// A small seeded generator (SplitMix64) so initial weights are reproducible across runs and machines.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= splitMixIncrement
        return splitMixOutput(state)
    }
}
