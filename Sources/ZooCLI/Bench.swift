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

    @Option(help: "Untimed batches before the measurement.")
    var warmup: Int = 1

    @Option(help: "Measure for at least this many seconds, after the warm-up.")
    var seconds: Double = 5

    @Option(help: "Time exactly N batches after the warm-up, instead of --seconds (for large inputs).")
    var batches: Int?

    @Option(help: "Threads for zoo's parallel loops and GEMMs (default: all cores).")
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
        /// Which GEMM multiplies the frozen weights: "packed" (zoo's own, AVX-512) or "openblas".
        let gemm: String
        let imagesPerSecond: Double
        let gflopsPerSecond: Double
        let gflopPerImage: Double
        let batches: Int
        let seconds: Double
        /// Peak resident set size of the whole process (getrusage ru_maxrss), after the measurement.
        let peakRSSMegabytes: Double
        /// With --profile: each layer's time and, for a convolution, its plan, in model order.
        let layers: [LayerTime]?
    }

    struct LayerTime: Encodable {
        let name: String
        let millisecondsPerBatch: Double
        /// How the layer computes (a convolution's algorithm and GEMM), nil for layers with one way.
        let plan: String?
    }

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        if let batches, batches <= 0 { throw ValidationError("--batches must be positive") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be >= 0") }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive") }
        guard seconds.isFinite, seconds > 0 else { throw ValidationError("--seconds must be a finite number greater than 0, got \(seconds)") }
        try checkRange(threads, 1...1024, flag: "--threads")
    }

    func run() throws {
        let environment = ComputeEnvironment.current
        // The thread count is scoped to this run (a task-local value), not set process-wide.
        try withThreads(threads ?? Parallelism.threads) { try measure(environment) }
    }

    private func measure(_ environment: ComputeEnvironment) throws {
        let keras = try architecture.build()
        // Before the weights are initialised: a batch that cannot fit is refused at once.
        try checkActivationMemory(floatsPerImage: keras.inferencePeakFloatsPerImage, batch: batchSize,
                                  what: "\(architecture.model.lowercased()) at \(keras.inputShape.map(String.init).joined(separator: "x"))")
        keras.initializeKerasDefaults(seed: 1)
        let model = try keras.fusedForInference()
        environment.prepare(model)
        var rng = SeededGenerator(seed: 2)
        let shape = model.inputShape
        let n = batchSize * shape.reduce(1, *)
        let x = Tensor(shape: [batchSize] + shape,
                       data: (0..<n).map { _ in Float.random(in: -120...140, using: &rng) })
        for _ in 0..<warmup { _ = model(x) }
        var done = 0
        var layerSeconds: [String: Double] = [:]
        let start = Date()
        while done < (batches ?? 1) || (batches == nil && Date().timeIntervalSince(start) < seconds) {
            _ = model.forward(x, training: false, observe: profile ? { layerSeconds[$0, default: 0] += $1 } : nil)
            done += 1
        }
        let elapsed = Date().timeIntervalSince(start)
        let ips = Double(done * batchSize) / elapsed
        let gflop = Double(model.flopsPerImage) / 1e9
        let plans = model.planDescriptions
        let layers = profile ? model.layers.compactMap { layer in
            layerSeconds[layer.name].map {
                LayerTime(name: layer.name, millisecondsPerBatch: 1000 * $0 / Double(done), plan: plans[layer.name])
            }
        } : nil
        let r = Result(model: architecture.model, size: shape[0], batch: batchSize, threads: Parallelism.threads,
                       gemm: environment.convPolicy.gemm.rawValue, imagesPerSecond: ips, gflopsPerSecond: ips * gflop,
                       gflopPerImage: gflop, batches: done, seconds: elapsed, peakRSSMegabytes: peakRSSMegabytes(),
                       layers: layers)
        if json { return try printJSON(r) }
        if let layers {
            let total = layers.reduce(0) { $0 + $1.millisecondsPerBatch }
            let shown = layers.filter { $0.millisecondsPerBatch > 0.005 * total }
            let width = shown.map(\.name.count).max() ?? 0
            for layer in shown {
                print("  " + layer.name.padding(toLength: width, withPad: " ", startingAt: 0)
                      + String(format: " %8.2f ms/batch  %5.1f%%", layer.millisecondsPerBatch, 100 * layer.millisecondsPerBatch / total)
                      + (layer.plan.map { "  \($0)" } ?? ""))
            }
            // The same time by layer class: what a kind of work costs over the whole model.
            let classes = Dictionary(model.layers.map { ($0.name, $0.className) }, uniquingKeysWith: { a, _ in a })
            var byClass: [String: (ms: Double, count: Int)] = [:]
            for layer in layers {
                let key = classes[layer.name] ?? "?"
                byClass[key, default: (0, 0)].ms += layer.millisecondsPerBatch
                byClass[key, default: (0, 0)].count += 1
            }
            print("  by layer class:")
            for (name, t) in byClass.sorted(by: { $0.value.ms > $1.value.ms }) {
                print("  " + name.padding(toLength: 24, withPad: " ", startingAt: 0)
                      + String(format: " %8.2f ms/batch  %5.1f%%  (%d layers)", t.ms, 100 * t.ms / total, t.count))
            }
        }
        print(String(format: "%@ %dx%d batch %d, %d threads, %@ GEMM: %.1f images/s, %.1f GFLOP/s (%.3f GFLOP/image, %d batches in %.1f s), peak RSS %.0f MB",
                     r.model, r.size, r.size, r.batch, r.threads, r.gemm, r.imagesPerSecond, r.gflopsPerSecond, r.gflopPerImage,
                     done, elapsed, r.peakRSSMegabytes))
    }
}

/// Peak resident set size of this process so far, in MB (10^6 bytes); Linux reports ru_maxrss in KiB.
func peakRSSMegabytes() -> Double {
    var usage = rusage()
    guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
    return Double(usage.ru_maxrss) * 1024 / 1e6
}
