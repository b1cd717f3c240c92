import Foundation
import XCTest
import ZooHDF5
import ZooModels
@testable import ZooCLI

/// Runs zoo under `ulimit -v` (RLIMIT_AS) through the shell.
func zooUnderAddressSpaceLimit(kibibytes: Int, _ arguments: [String]) throws -> ZooRun {
    let binary = Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent("zoo").path
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", "ulimit -v \(kibibytes) && exec \"$0\" \"$@\"", binary] + arguments
    p.currentDirectoryURL = repoRoot
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return ZooRun(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

/// Flags and resource limits checked before any work, and damaged files rejected in bounded time.
final class ReliabilityTests: XCTestCase {
    /// Runs zoo, requiring exit status 64 and one line that names every needle, quickly: nothing
    /// (no features, no weights) may be computed before the flags are checked.
    private func assertUsageError(_ arguments: [String], _ needles: [String], file: StaticString = #filePath,
                                  line: UInt = #line) throws {
        let start = Date()
        let r = try zoo(arguments)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)", file: file, line: line)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "\(arguments): \(r.stderr)", file: file, line: line)
        for needle in needles {
            XCTAssertTrue(r.stderr.contains(needle), "\(arguments): \(r.stderr) lacks \(needle)", file: file, line: line)
        }
        XCTAssertTrue(r.stdout.isEmpty, "\(arguments): \(r.stdout)", file: file, line: line)
        XCTAssertLessThan(seconds, 30, "\(arguments) took \(seconds) s: work was done before the check", file: file, line: line)
    }

    func testTrainingFlagsOutOfRangeAreUsageErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-flags-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // An empty cache: if any check came after the features, the run would compute them.
        let finetune = ["finetune", "--model", "vgg16", "--untrained", "--limit", "20", "--cache-dir", dir.path,
                        "--output", dir.path + "/m.h5"]
        for (flag, value, needle) in [("--lr", "nan", "--lr must be a finite number greater than 0, got nan"),
                                      ("--lr", "inf", "got inf"), ("--lr", "-0.1", "got -0.1"), ("--lr", "0", "got 0.0"),
                                      ("--backbone-lr", "nan", "--backbone-lr must be a finite number greater than 0"),
                                      ("--momentum", "1.5", "--momentum must be in 0.0...1.0, got 1.5"),
                                      ("--step-factor", "-1", "--step-factor must be a finite number greater than 0"),
                                      ("--step-every", "0", "--step-every must be positive"),
                                      ("--epochs", "0", "--epochs and --batch-size must be positive"),
                                      ("--batch-size", "-3", "--epochs and --batch-size must be positive"),
                                      ("--unfreeze-epochs", "0", "--unfreeze-epochs must be positive"),
                                      ("--early-stopping", "-1", "--early-stopping must be 0 or more")] {
            try assertUsageError(finetune + ["\(flag)=\(value)"], [needle])
        }
        // VGG16 has 13 convolutions with weights (no top): --unfreeze counts those.
        try assertUsageError(finetune + ["--unfreeze", "14"], ["--unfreeze must be in 0...13 for vgg16 (its layers with weights), got 14"])
        try assertUsageError(finetune + ["--unfreeze=-1"], ["--unfreeze must be in 0...13 for vgg16"])
        // ResNet50 without the top: 53 convolutions and 53 BatchNormalizations.
        try assertUsageError(["finetune", "--model", "resnet50", "--untrained", "--cache-dir", dir.path, "--unfreeze", "107",
                              "--output", dir.path + "/m.h5"], ["--unfreeze must be in 0...106 for resnet50"])
        try assertUsageError(["train", "--model", "mlp", "--lr=-1", "--output", dir.path + "/m.h5"], ["--lr must be"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "the refused runs wrote something")
    }

    func testBenchFlagsAreUsageErrors() throws {
        try assertUsageError(["bench", "vgg16", "--size", "32", "--seconds", "nan"], ["--seconds must be a finite number greater than 0"])
        try assertUsageError(["bench", "vgg16", "--size", "32", "--threads", "100000"], ["--threads must be in 1...1024"])
    }

    /// A batch whose activations cannot fit is refused before it is allocated, with the estimate,
    /// the limit and the batch that would fit (it used to die in a fatal 26 GB allocation).
    func testBenchRefusesABatchThatCannotFit() throws {
        try assertUsageError(["bench", "vgg16", "--size", "32", "--batch-size", "100000", "--batches", "1"],
                             ["--batch-size 100000: vgg16 at 32x32x3 needs about", "GiB of activations, more than the",
                              "available (", "use --batch-size"])
        // Far past what the machine could ever have: the estimate saturates instead of overflowing.
        try assertUsageError(["bench", "vgg16", "--size", "32", "--batch-size", "\(Int.max / 2)", "--batches", "1"],
                             ["needs about more than 8 EiB of activations"])
        try assertUsageError(["train", "--model", "cnn", "--batch-size", "100000000", "--output", "/tmp/never.h5"],
                             ["--batch-size 100000000: training cnn needs about"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/never.h5"))
    }

    /// Under RLIMIT_AS the limit is what the process may still map, and the estimate is checked
    /// against it: a batch that fits in the machine's memory but not under the limit is refused.
    func testBenchHonoursTheAddressSpaceLimit() throws {
        let r = try zooUnderAddressSpaceLimit(kibibytes: 3 << 20, ["bench", "vgg16", "--size", "64", "--batch-size", "2048", "--batches", "1"])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("(RLIMIT_AS)"), r.stderr)
    }

    /// `features` runs a batch that would not fit in memory in pieces (here under a ZOO_MEMORY_LIMIT
    /// 1.2 MB above the 256 MiB of workspace zoo plans for, where 4 VGG16 activations at 32x32,
    /// 0.54 MB each, cannot fit at once): the same features as batches of one.
    func testFeaturesSplitABatchThatCannotFit() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-chunks-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func features(_ batch: Int, _ name: String, _ environment: [String: String]) throws -> [Float] {
            let r = try zoo(["features", "--model", "vgg16", "--untrained", "--size", "32", "--limit", "4", "--no-cache",
                             "--batch-size", "\(batch)", "--output", dir.path + "/" + name], environment: environment)
            XCTAssertEqual(r.status, 0, r.stderr)
            return try H5File.open(dir.path + "/" + name).root.dataset("features").readFloats()
        }
        let whole = try features(4, "whole.h5", ["ZOO_MEMORY_LIMIT": "269635456"])
        XCTAssertEqual(whole.count, 4 * 512)
        XCTAssertEqual(whole, try features(1, "single.h5", [:]))
        // The bench cannot split its batch (it measures that batch): it refuses under the limit.
        let r = try zoo(["bench", "vgg16", "--size", "32", "--batch-size", "4", "--batches", "1"],
                        environment: ["ZOO_MEMORY_LIMIT": "269635456"])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("more than the 258 MiB available (ZOO_MEMORY_LIMIT); use --batch-size 2 or less"), r.stderr)
    }

    /// libhdf5 1.10.8 loops forever in H5HG_read on this 19 KB file (tools/make_hostile_fixtures.py):
    /// the file check's child runs out of its CPU limit for a small file (1 s) and zoo says so.
    func testHeapLoopIsRejectedWithinTwoSecondsOfCPU() throws {
        let path = "Tests/Fixtures/hostile/heap_loop.h5"
        let start = Date()
        let r = try zoo("inspect", path)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("\(path): the HDF5 library "), r.stderr)
        XCTAssertTrue(r.stderr.contains("(the limit for a file of 19 KB)"), r.stderr)
        XCTAssertLessThan(seconds, 10.5, "any file is decided within 10 s")
    }

    /// The file check's limits grow with the file: 1 s of CPU and 2 s for small files, one more of
    /// each per 64 MiB, capped at 8 s of CPU and 10 s.
    func testFileCheckBudgetScalesWithSize() {
        let small = FileCheckBudget.forFile(bytes: 19 << 10, override: nil)
        XCTAssertEqual([Double(small.cpuSeconds), small.wallSeconds, small.starvedWallSeconds], [1, 2, 10])
        XCTAssertEqual(small.reason, "the limit for a file of 19 KB")
        let vgg16 = FileCheckBudget.forFile(bytes: 553_467_096, override: nil)  // VGG16 with its top
        XCTAssertEqual([Double(vgg16.cpuSeconds), vgg16.wallSeconds], [8, 10])
        let mid = FileCheckBudget.forFile(bytes: 100 << 20, override: nil)
        XCTAssertEqual([Double(mid.cpuSeconds), mid.wallSeconds], [2, 3])
        let huge = FileCheckBudget.forFile(bytes: Int.max, override: nil)
        XCTAssertEqual([Double(huge.cpuSeconds), huge.wallSeconds], [8, 10])
        let set = FileCheckBudget.forFile(bytes: 19 << 10, override: 0.001)
        XCTAssertEqual([Double(set.cpuSeconds), set.wallSeconds, set.starvedWallSeconds], [1, 0.001, 0.001])
    }

    /// VGG16 at 32x32: the peak is in block1_conv2, whose input (block1_conv1's 32x32x64 output)
    /// and output are live together with the caller's 32x32x3 input.
    func testActivationEstimateFollowsTheGraph() throws {
        let vgg = try catalogueEntry("vgg16").build((32, 32), false, .avg)
        XCTAssertEqual(vgg.inferencePeakFloatsPerImage, 32 * 32 * 3 + 2 * 32 * 32 * 64)
        XCTAssertGreaterThan(vgg.trainingFloatsPerImage, 2 * vgg.inferencePeakFloatsPerImage)
        let budget = MemoryBudget(bytes: activationWorkspaceBytes + 10 * 4 * vgg.inferencePeakFloatsPerImage, source: "test")
        XCTAssertEqual(fittingInferenceBatch(vgg, batch: 64, budget: budget), 10)
        XCTAssertEqual(fittingInferenceBatch(vgg, batch: 8, budget: budget), 8)
        XCTAssertThrowsError(try checkActivationMemory(floatsPerImage: vgg.inferencePeakFloatsPerImage, batch: 11, what: "vgg16",
                                                       budget: budget))
        XCTAssertNoThrow(try checkActivationMemory(floatsPerImage: vgg.inferencePeakFloatsPerImage, batch: 10, what: "vgg16",
                                                   budget: budget))
        XCTAssertEqual(activationBytes(floatsPerImage: Int.max / 2, batch: 3), Int.max)
    }
}
