import Foundation
import XCTest
import ZooSupport

final class FileLockTests: XCTestCase {
    /// flock conflicts between open file descriptions, so two locks in one process exclude each
    /// other as two processes' do: the second blocks (no polling) until the first is released.
    func testSecondLockWaitsForTheFirst() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-lock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let entry = dir.appendingPathComponent("entry.h5").path
        let first = try FileLock(for: entry)
        XCTAssertEqual(first.path, dir.path + "/.entry.h5.lock")
        let acquired = DispatchSemaphore(value: 0)
        let start = Date()
        let waited = Waited()
        Thread.detachNewThread {
            let second = try? FileLock(for: entry)
            waited.seconds = Date().timeIntervalSince(start)
            second?.unlock()
            acquired.signal()
        }
        XCTAssertEqual(acquired.wait(timeout: .now() + 0.3), .timedOut, "the second lock did not wait")
        first.unlock()
        XCTAssertEqual(acquired.wait(timeout: .now() + 10), .success)
        XCTAssertGreaterThanOrEqual(waited.seconds, 0.3)
        // Released on unlock: a third lock is immediate.
        let third = try FileLock(for: entry)
        third.unlock()
    }

    func testDirectoryLockAndErrors() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/zoo-lock-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lock = try FileLock(directory: dir)
        lock.unlock()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [], "a directory lock adds no file")
        XCTAssertThrowsError(try FileLock(for: dir + "/missing/entry.h5")) { error in
            XCTAssertTrue("\(error)".contains(dir + "/missing/.entry.h5.lock: cannot write"), "\(error)")
        }
    }
}

private final class Waited: @unchecked Sendable {
    var seconds = 0.0
}
