import ArgumentParser
import Foundation
import ZooLayers
import ZooModels

/// Memory checks made before any work: a batch whose activations cannot fit is refused up front
/// (bench, training) or run in smaller pieces (features, forward: a forward pass is per image, so
/// the result does not depend on how the batch is split), instead of dying in a fatal allocation
/// minutes later.

/// The memory this process may still take: the least of the kernel's MemAvailable, what the
/// memory cgroup (v2 `memory.max`, or v1 `memory.limit_in_bytes`) leaves, RLIMIT_AS, and
/// `ZOO_MEMORY_LIMIT` (bytes; to leave room for other work on a shared machine).
struct MemoryBudget {
    let bytes: Int
    /// Where the limit comes from, for messages.
    let source: String

    static func current() -> MemoryBudget {
        var best = MemoryBudget(bytes: Int.max, source: "no limit found")
        if let cap = ProcessInfo.processInfo.environment["ZOO_MEMORY_LIMIT"].flatMap({ Int($0) }) {
            best = MemoryBudget(bytes: max(0, cap), source: "ZOO_MEMORY_LIMIT")
        }
        func consider(_ bytes: Int?, _ source: String) {
            if let bytes, bytes >= 0, bytes < best.bytes { best = MemoryBudget(bytes: bytes, source: source) }
        }
        if let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = meminfo.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kib = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) {
            consider(kib * 1024, "MemAvailable")
        }
        // Values near 2^63 mean "no limit" in both cgroup versions.
        func number(_ path: String) -> Int? {
            (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                .flatMap { $0 < 1 << 62 ? $0 : nil }
        }
        if let max = number("/sys/fs/cgroup/memory.max") {
            consider(max - (number("/sys/fs/cgroup/memory.current") ?? 0), "cgroup memory.max")
        } else if let max = number("/sys/fs/cgroup/memory/memory.limit_in_bytes") {
            consider(max - (number("/sys/fs/cgroup/memory/memory.usage_in_bytes") ?? 0), "cgroup memory.limit_in_bytes")
        }
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max,
           let cap = Int(exactly: limit.rlim_cur) {
            consider(cap - virtualBytes(), "RLIMIT_AS")
        }
        return best
    }

    /// This process's virtual size, which RLIMIT_AS counts.
    private static func virtualBytes() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = statm.split(separator: " ").first.flatMap({ Int($0) }) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// Convolution workspaces (im2col tiles, Winograd transforms) are allocated per thread in
/// pieces of a few MiB whatever the batch; this bounds them for every thread together.
let activationWorkspaceBytes = 256 << 20

extension Model {
    /// Floats of one image's output of each node, in model order.
    private var perImageOutputs: [Int] { nodes.map { $0.outputShape.reduce(1, *) } }

    /// Floats per image live at once in an inference forward pass: the input (which the caller
    /// holds throughout), plus at each layer its inputs, its output, and every earlier output a
    /// later layer still needs (`forward` frees an output after its last reader).
    var inferencePeakFloatsPerImage: Int {
        let sizes = perImageOutputs
        let position = Dictionary(nodes.enumerated().map { ($1.layer.name, $0) }, uniquingKeysWith: { a, _ in a })
        var lastUse = Array(nodes.indices)
        for (i, node) in nodes.enumerated() {
            for input in node.inputs { if let j = position[input] { lastUse[j] = max(lastUse[j], i) } }
        }
        var peak = 0
        for i in nodes.indices {
            let live = nodes.indices.filter { $0 <= i && lastUse[$0] >= i }.reduce(0) { $0 + sizes[$1] }
            peak = max(peak, live + (i > 0 ? sizes[0] : 0))
        }
        return peak
    }

    /// Floats per image a training step keeps: every layer's output (layers keep what their
    /// backward needs) and, going back, a gradient of the same size for each, plus the peak
    /// of the forward pass.
    var trainingFloatsPerImage: Int { 2 * perImageOutputs.reduce(0, +) + inferencePeakFloatsPerImage }
}

/// `floats` per image times `batch` times 4 bytes, saturating instead of overflowing.
func activationBytes(floatsPerImage floats: Int, batch: Int) -> Int {
    let (a, o1) = floats.multipliedReportingOverflow(by: batch)
    let (b, o2) = a.multipliedReportingOverflow(by: 4)
    let (c, o3) = b.addingReportingOverflow(activationWorkspaceBytes)
    return o1 || o2 || o3 ? Int.max : c
}

func describeMemory(_ bytes: Int) -> String {
    bytes == Int.max ? "more than 8 EiB" : bytes >= 1 << 30 ? String(format: "%.1f GiB", Double(bytes) / Double(1 << 30))
        : String(format: "%.0f MiB", (Double(bytes) / Double(1 << 20)).rounded(.up))
}

/// The largest batch whose activations fit in `budget` (at least 1).
func largestBatch(floatsPerImage floats: Int, budget: MemoryBudget) -> Int {
    let usable = budget.bytes - activationWorkspaceBytes
    return max(1, usable / max(1, floats * 4))
}

/// Refuses (a usage error) a batch of `batch` images whose activations (`floatsPerImage` each)
/// would not fit, naming the estimate, the limit and the largest batch that fits.
func checkActivationMemory(floatsPerImage floats: Int, batch: Int, what: String, flag: String = "--batch-size",
                           budget: MemoryBudget = .current()) throws {
    let estimate = activationBytes(floatsPerImage: floats, batch: batch)
    guard estimate > budget.bytes else { return }
    let fits = largestBatch(floatsPerImage: floats, budget: budget)
    throw ValidationError("\(flag) \(batch): \(what) needs about \(describeMemory(estimate)) of activations, more than the \(describeMemory(budget.bytes)) available (\(budget.source)); use \(flag) \(fits) or less")
}

/// The batch to run inference with: `batch`, or fewer images per pass when their activations
/// would not fit in memory (the results are the same; only the pieces are smaller).
func fittingInferenceBatch(_ model: Model, batch: Int, budget: MemoryBudget = .current()) -> Int {
    let floats = model.inferencePeakFloatsPerImage
    guard activationBytes(floatsPerImage: floats, batch: batch) > budget.bytes else { return batch }
    return min(batch, largestBatch(floatsPerImage: floats, budget: budget))
}

/// A usage error unless `value` is a finite number greater than 0.
func checkPositiveFinite(_ value: Float?, flag: String) throws {
    guard let value else { return }
    guard value.isFinite, value > 0 else {
        throw ValidationError("\(flag) must be a finite number greater than 0, got \(value)")
    }
}

/// A usage error unless `value` lies in `range`.
func checkRange<T: Comparable>(_ value: T?, _ range: ClosedRange<T>, flag: String) throws {
    guard let value else { return }
    guard range.contains(value) else { throw ValidationError("\(flag) must be in \(range.lowerBound)...\(range.upperBound), got \(value)") }
}

extension Features {
    /// `--batch-size`, or fewer images per pass when a batch of the backbone's activations would
    /// not fit in memory.
    func fittingFeatureBatch(model name: String, batch: Int) throws -> Int {
        fittingInferenceBatch(try catalogueEntry(name).build((source.size, source.size), false, source.pooling), batch: batch)
    }
}
