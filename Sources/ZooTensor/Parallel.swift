import CKernels
import Dispatch
import Foundation

/// How many threads zoo's parallel loops and GEMMs use (OpenBLAS itself runs single-threaded,
/// see `sgemm`). A task-local value, not a global: `withThreads` scopes a count to the work it
/// wraps (`zoo bench --threads`). Defaults to the cores this process may use.
public enum Parallelism {
    @TaskLocal public static var threads = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// The threads work started on the current thread may use: `threads`, or 1 inside a part of
    /// a parallel loop, so that nested loops do not fan out again.
    static var available: Int { zoo_in_parallel_region() != 0 ? 1 : threads }
}

/// Runs `body` with zoo's parallel loops and GEMMs on `threads` threads (at least 1).
public func withThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
    try Parallelism.$threads.withValue(max(1, threads), operation: body)
}

/// Runs `body` over `0..<count` split into one contiguous chunk per worker, in parallel.
/// Chunks of fewer than `minChunk` items are not worth a thread, so small jobs stay serial.
public func parallelChunks(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    let workers = min(Parallelism.available, max(1, count / max(minChunk, 1)))
    parallelTasks(workers) { w in body((count * w / workers)..<(count * (w + 1) / workers)) }
}

/// Runs `body(0)`, ..., `body(count - 1)` on all threads, each index once, in any order and on
/// any thread: GCD hands out indices as workers free up, so a core slowed by other processes
/// takes fewer. Results must not depend on which thread ran what (each index writes its own
/// outputs). Inside another parallel region it runs serially, on the calling thread.
public func parallelTasks(_ count: Int, _ body: (Int) -> Void) {
    guard count > 1, Parallelism.available > 1 else {
        for i in 0..<count { body(i) }
        return
    }
    // concurrentPerform returns only when every index is done, so `body` (and the buffers it
    // captures) outlives the workers. The calling thread runs indices too, so it restores its
    // mark afterwards.
    withoutActuallyEscaping(body) { escaping in
        let box = UncheckedSendable(escaping)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            zoo_set_in_parallel_region(1)
            box.value(i)
            zoo_set_in_parallel_region(0)
        }
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
