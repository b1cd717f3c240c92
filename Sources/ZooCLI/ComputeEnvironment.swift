import Foundation
import ZooLayers
import ZooTensor

/// What the environment asks of zoo's computation, read once here: library modules read no
/// environment variables, so the CLI passes this down.
struct ComputeEnvironment {
    /// `ZOO_PACKED_GEMM=0`: convolutions use OpenBLAS instead of the packed GEMM (to compare).
    let convPolicy: ConvPolicy

    init(_ environment: [String: String]) {
        convPolicy = environment["ZOO_PACKED_GEMM"] == "0" ? ConvPolicy(packedGemm: false) : .default
    }

    /// This process's environment.
    static let current = ComputeEnvironment(ProcessInfo.processInfo.environment)

    /// Re-plans `model`'s convolutions (and those of the fused layers in it) when the policy is
    /// not the default one that models are built with. Call on each model before it runs.
    func prepare(_ model: Model) {
        if convPolicy != .default { model.replan(policy: convPolicy) }
    }
}
