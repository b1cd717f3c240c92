import Dispatch
import Foundation
import Synchronization

/// Threads our parallel loops and GEMMs use (OpenBLAS itself runs single-threaded, see `sgemm`).
/// Defaults to the cores this process may use; `zoo bench --threads` sets it.
public nonisolated(unsafe) var workerCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

/// How many parallel regions are running: work started inside one stays on its thread.
private let parallelDepth = Atomic<Int>(0)

var inParallelRegion: Bool { parallelDepth.load(ordering: .relaxed) > 0 }

/// Runs `body` over `0..<count` split into one contiguous chunk per worker, in parallel.
/// Chunks of fewer than `minChunk` items are not worth a thread, so small jobs stay serial.
public func parallelChunks(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    let workers = inParallelRegion ? 1 : min(workerCount, max(1, count / max(minChunk, 1)))
    parallelTasks(workers) { w in body((count * w / workers)..<(count * (w + 1) / workers)) }
}

/// Runs `body(0)`, ..., `body(count - 1)` on all cores, each index once, in any order and on
/// any thread: GCD hands out indices as workers free up, so a core slowed by other processes
/// takes fewer. Results must not depend on which thread ran what (each index writes its own
/// outputs). Inside another parallel region it runs serially, on the calling thread.
public func parallelTasks(_ count: Int, _ body: (Int) -> Void) {
    guard count > 1, workerCount > 1, !inParallelRegion else {
        for i in 0..<count { body(i) }
        return
    }
    parallelDepth.add(1, ordering: .relaxed)
    defer { parallelDepth.subtract(1, ordering: .relaxed) }
    // concurrentPerform returns only when every index is done, so `body` (and the buffers it
    // captures) outlives the workers.
    withoutActuallyEscaping(body) { escaping in
        let box = UncheckedSendable(escaping)
        DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
    }
}

private struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// A float array whose contents the caller overwrites completely before reading.
@inline(__always)
func uninitializedFloats(_ count: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}
