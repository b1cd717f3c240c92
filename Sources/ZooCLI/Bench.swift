import ArgumentParser
import Foundation
import ZooLayers
import ZooTensor

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure forward throughput of a model with Keras-initialised weights: images/s and GFLOP/s.")

    @OptionGroup var architecture: ArchitectureOptions

    @Option(help: "Images per forward pass.")
    var batchSize: Int = 64

    @Option(help: "Measure for at least this many seconds, after one warm-up batch.")
    var seconds: Double = 5

    @Option(help: "OpenBLAS threads (default: all cores).")
    var threads: Int?

    @Flag(help: "Print one JSON object.")
    var json = false

    @Flag(help: "Also print the time each layer takes (summed over the measured batches).")
    var profile = false

    struct Result: Encodable {
        let framework = "modelzoo"
        let model: String
        let size: Int
        let batch: Int
        let threads: Int
        let imagesPerSecond: Double
        let gflopsPerSecond: Double
        let gflopPerImage: Double
        let batches: Int
    }

    func run() throws {
        if let threads { setBLASThreads(threads) }
        let keras = try architecture.build()
        keras.initializeKerasDefaults(seed: 1)
        let model = try keras.fusedForInference()
        var rng = SeededGenerator(seed: 2)
        let shape = model.inputShape
        let n = batchSize * shape.reduce(1, *)
        let x = Tensor(shape: [batchSize] + shape,
                       data: (0..<n).map { _ in Float.random(in: -120...140, using: &rng) })
        _ = model(x)
        var batches = 0
        var layerSeconds: [String: Double] = [:]
        let start = Date()
        while batches == 0 || Date().timeIntervalSince(start) < seconds {
            _ = model.forward(x, training: false, observe: profile ? { layerSeconds[$0, default: 0] += $1 } : nil)
            batches += 1
        }
        let elapsed = Date().timeIntervalSince(start)
        let ips = Double(batches * batchSize) / elapsed
        let gflop = Double(model.flopsPerImage) / 1e9
        let r = Result(model: architecture.model, size: architecture.size, batch: batchSize, threads: blasThreads(),
                       imagesPerSecond: ips, gflopsPerSecond: ips * gflop, gflopPerImage: gflop, batches: batches)
        if json { return try printJSON(r) }
        if profile {
            let total = layerSeconds.values.reduce(0, +)
            for node in model.nodes where layerSeconds[node.layer.name, default: 0] > 0.005 * total {
                let t = layerSeconds[node.layer.name]!
                print(String(format: "  %-24@ %8.2f ms/batch  %5.1f%%", node.layer.name, 1000 * t / Double(batches), 100 * t / total))
            }
        }
        print(String(format: "%@ %dx%d batch %d, %d threads: %.1f images/s, %.1f GFLOP/s (%.3f GFLOP/image, %d batches)",
                     r.model, r.size, r.size, r.batch, r.threads, r.imagesPerSecond, r.gflopsPerSecond, r.gflopPerImage, batches))
    }
}
