import ArgumentParser
import Foundation
import ZooHDF5
import ZooKeras
import ZooTensor

struct Forward: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a zoo model on already-preprocessed input and write its output (for comparisons with Keras).",
        discussion: "IN.h5 holds float32 /input [N, H, W, 3] (model input, e.g. caffe-preprocessed), which is read in full in a child process first, like every HDF5 file from the user; OUT.h5 gets float32 /output.")

    @OptionGroup var architecture: ArchitectureOptions
    @OptionGroup var weights: WeightOptions

    @Option(help: "HDF5 file with the float32 dataset /input [N, H, W, 3].")
    var input: String

    @Option(help: "HDF5 file to write, with the float32 dataset /output; written to a temporary file and renamed.")
    var output: String

    @Option(help: "Images per forward pass.")
    var batchSize: Int = 32

    func validate() throws {
        try checkBackboneName(architecture.model)
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() throws {
        let dataset = try openUntrustedDataset(input, "input")
        let shape = dataset.shape
        var arch = architecture
        guard shape.count == 4, shape[3] == 3, shape[1] == shape[2] else {
            throw ExitStatus.Failure(status: .failure, message: "\(input): /input has shape \(shape), expected [N, S, S, 3]")
        }
        arch.size = shape[1]
        let model = try arch.build()
        model.replan(policy: zooConfiguration.convPolicy)
        _ = try weights.load(into: model, entry: arch.entry(), includeTop: arch.includeTop)
        let fused = try model.fusedForInference()
        let batchSize = fittingInferenceBatch(fused, batch: batchSize)
        var outputs: [Float] = []
        let bar = ProgressBar(label: "forward", total: Int64(shape[0]), unit: .images)
        for start in stride(from: 0, to: shape[0], by: batchSize) {
            let rows = start..<min(start + batchSize, shape[0])
            let x = Tensor(shape: [rows.count] + shape.dropFirst(), data: try dataset.readFloats(rows: rows))
            outputs += try fused.predict(x).data
            bar.advance(by: rows.count)
        }
        bar.finish()
        let outShape = [shape[0]] + model.outputShape
        try writeHDF5Atomically(output) { f in
            _ = try f.root.createDataset("output", shape: outShape, floats: outputs)
        }
    }
}
