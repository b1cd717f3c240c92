import Foundation
import XCTest
@testable import ZooHDF5

final class ConcurrencyTests: HDF5TestCase {
    /// Objects are not Sendable, but separate files may be used from separate threads at once.
    func testSeparateFilesOnSeparateThreads() throws {
        let base = directory.path
        let failures = NSLock()
        nonisolated(unsafe) var messages: [String] = []
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            do {
                let path = "\(base)/thread\(index).h5"
                let values = (0..<1000).map { Float($0 + index) }
                do {
                    let root = try H5File.create(path).root
                    _ = try root.createDataset("w/kernel:0", shape: [10, 100], floats: values)
                    try root.setAttribute("index", .int(Int64(index)))
                }
                let root = try H5File.open(path).root
                guard try root.dataset("w/kernel:0").readFloats() == values,
                      try root.attribute("index") == .int(Int64(index)) else {
                    throw HDF5Error.invalidArgument(file: path, path: "/", reason: "mismatch")
                }
            } catch {
                failures.withLock { messages.append("\(error)") }
            }
        }
        XCTAssertEqual(messages, [])
    }
}
