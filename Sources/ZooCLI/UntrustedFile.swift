import ArgumentParser
import Foundation
import ZooHDF5
import ZooKeras
import ZooPipelines

/// libhdf5 (1.10.8 on Debian bookworm) segfaults on about 2% of randomly damaged Keras files, and
/// no check in Swift can prevent a crash inside the C library. So before zoo opens a Keras HDF5
/// file it did not write itself, a child process (`zoo check-file`) reads everything zoo's reader
/// will touch; if the child dies, the user gets a one-line error instead of a crash.

/// The child's address space: a shape bomb that gets past the checks in ZooHDF5 kills the
/// child, not the user's process.
let fileCheckAddressSpace: rlim_t = 8 << 30

/// Opens a Keras weight file from the user (weights, model files, `.keras` archives), after
/// checking its HDF5 part in a child process.
func openKerasFile(_ path: String) throws -> KerasWeightFile {
    try zooConfiguration.openKerasFile(path)
}

/// Opens dataset `/name` of an HDF5 file from the user that is not a Keras file (`zoo forward
/// --input`), after reading that dataset in full in a child process.
func openUntrustedDataset(_ path: String, _ name: String) throws -> H5Dataset {
    try checkInChildProcess(path, name: path, dataset: name)
    return try H5File.open(path).root.dataset(name)
}

/// How long the file check may take, scaled with the file's size: reading everything zoo touches
/// in a 553 MB weight file takes half a second, so a small file gets 1 s of CPU and 2 s of wall
/// time, and 1 s more of each per 64 MiB, up to 8 s of CPU and 10 s of wall time for any file.
/// libhdf5 can loop forever on a damaged file (HAZARDS.md), and the user should hear so in
/// seconds, not wait a minute for what looks like a hang. `ZOO_CHECK_TIMEOUT` replaces the scale.
struct FileCheckBudget: Equatable {
    /// The child's RLIMIT_CPU: past it the kernel stops the child with SIGXCPU.
    let cpuSeconds: Int
    /// How long the parent waits for the child.
    let wallSeconds: Double
    /// How long the parent waits for a child the machine has starved of CPU (it did not loop,
    /// it was not scheduled): any file is decided within this.
    let starvedWallSeconds: Double
    /// Why these limits, for messages.
    let reason: String

    static let maximumWallSeconds = 10.0
    static let bytesPerSecond = 64 << 20

    static func forFile(bytes: Int, override: TimeInterval? = fileCheckTimeoutOverride) -> FileCheckBudget {
        if let override {
            let cpu = Int(max(1, override.rounded(.up)))  // a 0 s limit would kill at once
            return FileCheckBudget(cpuSeconds: cpu, wallSeconds: override, starvedWallSeconds: override,
                                   reason: "the limit ZOO_CHECK_TIMEOUT sets")
        }
        let extra = max(0, bytes) / bytesPerSecond
        let wall = min(maximumWallSeconds, Double(2 + extra))
        return FileCheckBudget(cpuSeconds: min(8, 1 + extra), wallSeconds: wall, starvedWallSeconds: maximumWallSeconds,
                               reason: "the limit for a file of \(describeFileSize(bytes))")
    }
}

func describeFileSize(_ bytes: Int) -> String {
    bytes < 1 << 20 ? "\(max(1, (bytes + 1023) >> 10)) KB" : String(format: "%.0f MB", Double(bytes) / 1e6)
}

/// CPU seconds (user and system) a child process has used so far, from /proc/PID/stat.
private func cpuSeconds(of pid: pid_t) -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    // After the command name: state is field 3, utime 14 and stime 15.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Runs `zoo check-file [--dataset D] h5Path`; turns its death, a timeout or its error into a
/// one-line error naming `name` and why, with exit status 3.
func checkInChildProcess(_ h5Path: String, name: String, dataset: String? = nil, featureCacheEntry: Bool = false,
                         checkpoint: Bool = false) throws {
    let bytes = (try? FileManager.default.attributesOfItem(atPath: h5Path)[.size] as? Int) ?? 0
    let budget = FileCheckBudget.forFile(bytes: bytes)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
    process.arguments = ["check-file", "--cpu-seconds", "\(budget.cpuSeconds)"] + (dataset.map { ["--dataset", $0] } ?? [])
        + (featureCacheEntry ? ["--feature-cache-entry"] : []) + (checkpoint ? ["--checkpoint"] : []) + ["--", h5Path]
    var environment = ProcessInfo.processInfo.environment
    // A crash is what is being tested for: Swift's backtracer would take seconds to print pages.
    environment["SWIFT_BACKTRACE"] = "enable=no"
    process.environment = environment
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    let errorPipe = Pipe()
    process.standardError = errorPipe
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    let start = DispatchTime.now()
    do {
        try process.run()
    } catch {
        throw ExitStatus.Failure(status: .failure, message: "\(name): cannot start the file check (\(error))")
    }
    // Drain stderr while waiting so the child can never block on a full pipe.
    let errorOutput = ErrorOutput()
    let drained = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        errorOutput.data = errorPipe.fileHandleForReading.readDataToEndOfFile()
        drained.signal()
    }
    var timedOut = exited.wait(timeout: start + budget.wallSeconds) == .timedOut
    // A child that used little of its time was starved by a busy machine, not looping (a loop
    // burns CPU and RLIMIT_CPU stops it): it may go on up to the limit for any file.
    if timedOut, budget.starvedWallSeconds > budget.wallSeconds,
       let used = cpuSeconds(of: process.processIdentifier), used < 0.5 * budget.wallSeconds {
        timedOut = exited.wait(timeout: start + budget.starvedWallSeconds) == .timedOut
    }
    if timedOut {
        kill(process.processIdentifier, SIGKILL)
        exited.wait()
        let waited = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        throw ExitStatus.Failure(status: .unreadableFile, message: "\(name): the HDF5 library did not finish reading this file in \(Int(waited)) s (\(budget.reason)); it is corrupt or not a Keras file")
    }
    drained.wait()
    let status = process.terminationStatus
    if process.terminationReason == .uncaughtSignal && status == SIGXCPU {
        throw ExitStatus.Failure(status: .unreadableFile, message: "\(name): the HDF5 library used more than \(budget.cpuSeconds) s of CPU reading this file (\(budget.reason)), as it does looping on a damaged file; it is corrupt or not a Keras file")
    }
    if process.terminationReason == .uncaughtSignal {
        throw ExitStatus.Failure(status: .unreadableFile, message: "\(name): the HDF5 library crashed reading this file (signal \(status)); it is corrupt or not a Keras file")
    }
    if status == 0 { return }
    // The child printed one `zoo: error:` line naming the file it read.
    let lines = String(decoding: errorOutput.data, as: UTF8.self).split(separator: "\n")
    let message = lines.last(where: { $0.hasPrefix("zoo: error: ") }).map { String($0.dropFirst("zoo: error: ".count)) }
        ?? "\(h5Path): the file check failed with status \(status)"
    throw ExitStatus.Failure(status: .unreadableFile, message: message.replacingOccurrences(of: h5Path, with: name))
}

private final class ErrorOutput: @unchecked Sendable {
    var data = Data()
}

/// `zoo check-file [--dataset D] PATH`: run by zoo itself, in a child process, on every HDF5 file
/// it is given. Exits 0 if everything zoo's reader touches is readable, 3 with a one-line error if not.
struct CheckFile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-file",
        abstract: "Read all of a Keras HDF5 file that zoo uses and discard it (zoo runs this in a child process).",
        shouldDisplay: false)

    @Argument(help: "An HDF5 file: a Keras file unless --dataset is given.")
    var path: String

    @Option(help: "Read only this dataset (in full) of a file that is not a Keras file.")
    var dataset: String?

    @Option(help: "CPU seconds the check may use (default: the limit for the file's size).")
    var cpuSeconds: Int?

    @Flag(help: "The file is a feature-cache entry: read its key and /features and /labels in full.")
    var featureCacheEntry = false

    @Flag(help: "The file is a training checkpoint: read its run, its state and every dataset in full.")
    var checkpoint = false

    func run() throws {
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0 {
            limit.rlim_cur = min(limit.rlim_max, fileCheckAddressSpace)
            _ = setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
        }
        // A crash here is expected now and then; it should not leave a core file behind.
        var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore)
        // The parent kills a child that outlives its timeout; if the parent itself is killed, the
        // child must not live on (a hostile file can keep the HDF5 library busy for minutes).
        _ = prctl(PR_SET_PDEATHSIG, UInt(SIGKILL))
        if getppid() == 1 { throw ExitCode(3) }  // the parent died before the line above
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let seconds = rlim_t(max(1, cpuSeconds ?? FileCheckBudget.forFile(bytes: size).cpuSeconds))
        // SIGXCPU at the soft limit (the parent names it); SIGKILL a second later if ignored.
        var cpu = rlimit(rlim_cur: seconds, rlim_max: seconds + 1)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CPU.rawValue), &cpu)
        if checkpoint {
            let root = try H5File.open(path).root
            _ = try root.stringList("run")
            _ = try root.stringList("state")
            try readTree(root, depth: 0)
        } else if featureCacheEntry {
            let root = try H5File.open(path).root
            _ = try root.stringList("cache_key")
            for name in ["features", "labels"] {
                try root.refuseExternalLinks(name)
                try readRows(of: root.dataset(name))
            }
        } else if let dataset {
            try readRows(of: H5File.open(path).root.dataset(dataset))
        } else {
            try KerasWeightFile(path: path).readEverything()
        }
    }

    /// Every dataset under `group`, links out of the file refused; checkpoints nest weight paths a
    /// few levels deep, and a deeper tree (a cycle of hard links) is refused.
    private func readTree(_ group: H5Group, depth: Int) throws {
        guard depth < 16 else { throw ExitStatus.Failure(status: .unreadableFile, message: "\(path): groups nested more than 16 deep") }
        for name in try group.memberNames() {
            try group.refuseExternalLinks(name)
            switch group.kind(of: name) {
            case .group?: try readTree(group.group(name), depth: depth + 1)
            case .dataset?: try readRows(of: group.dataset(name))
            default: break
            }
        }
    }

    /// Reads every value as zoo does, by rows, 16 MiB at a time: the whole dataset may be larger
    /// than the child's address space.
    private func readRows(of d: H5Dataset) throws {
        guard d.shape.count > 1 else { return _ = try d.readFloats() }
        let rows = d.shape[0], rowBytes = max(1, d.elementCount / max(rows, 1) * 4)
        let step = max(1, (16 << 20) / rowBytes)
        for start in stride(from: 0, to: rows, by: step) { _ = try d.readFloats(rows: start..<min(start + step, rows)) }
    }
}

/// Linux `prctl` (sys/prctl.h, not in Swift's Glibc module); PR_SET_PDEATHSIG is 1.
@_silgen_name("prctl") private func prctl(_ option: Int32, _ arg: UInt) -> Int32
private let PR_SET_PDEATHSIG: Int32 = 1
