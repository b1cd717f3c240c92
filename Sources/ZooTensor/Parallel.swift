import Dispatch
import Foundation

/// Cores used for our own parallel loops (OpenBLAS has its own setting).
public let workerCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

/// Runs `body` over `0..<count` split into one contiguous chunk per worker, in parallel.
/// Chunks of fewer than `minChunk` items are not worth a thread, so small jobs stay serial.
public func parallelChunks(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    let workers = min(workerCount, max(1, count / max(minChunk, 1)))
    if workers <= 1 {
        body(0..<count)
        return
    }
    // concurrentPerform returns only when every chunk is done, so `body` (and the buffers it
    // captures) outlives the workers; each chunk touches disjoint output ranges.
    withoutActuallyEscaping(body) { escaping in
        let box = UncheckedSendable(escaping)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            box.value((count * w / workers)..<(count * (w + 1) / workers))
        }
    }
}

private struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Runs `body` with OpenBLAS limited to one thread, for GEMMs issued from our own parallel loops
/// (two levels of threads on two cores only fight).
public func withSingleThreadedBLAS<T>(_ body: () -> T) -> T {
    let saved = blasThreads()
    setBLASThreads(1)
    defer { setBLASThreads(saved) }
    return body()
}
