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

/// Runs `zoo check-file [--dataset D] h5Path`; turns its death, a timeout or its error into a
/// one-line error naming `name`, with exit status 3.
func checkInChildProcess(_ h5Path: String, name: String, dataset: String? = nil) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
    process.arguments = ["check-file"] + (dataset.map { ["--dataset", $0] } ?? []) + ["--", h5Path]
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
    if exited.wait(timeout: .now() + fileCheckTimeout) == .timedOut {
        kill(process.processIdentifier, SIGKILL)
        exited.wait()
        throw ExitStatus.Failure(status: .unreadableFile, message: "\(name): the HDF5 library did not finish reading this file in \(Int(fileCheckTimeout)) s; it is corrupt or not a Keras file")
    }
    drained.wait()
    let status = process.terminationStatus
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
        let seconds = rlim_t(max(1, fileCheckTimeout.rounded(.up)))  // a 0 s limit would kill at once
        var cpu = rlimit(rlim_cur: seconds, rlim_max: seconds + 5)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CPU.rawValue), &cpu)
        if let dataset {
            try readRows(of: H5File.open(path).root.dataset(dataset))
        } else {
            try KerasWeightFile(path: path).readEverything()
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
