import Foundation
import XCTest
@testable import ZooHDF5

/// A fresh directory per test, removed afterwards.
class HDF5TestCase: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ZooHDF5Tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func temporaryPath(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    func fixture(_ name: String) throws -> String {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return url.appendingPathComponent(name).path
    }

    /// The error thrown by `body`, which must throw an `HDF5Error`.
    func hdf5Error<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> HDF5Error? {
        do {
            _ = try body()
            XCTFail("expected an error", file: file, line: line)
        } catch let error as HDF5Error {
            return error
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }
}
