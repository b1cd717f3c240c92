import Foundation
import XCTest
@testable import ZooHDF5

final class ErrorTests: HDF5TestCase {
    func testMissingFile() {
        let path = temporaryPath("nope.h5")
        let error = hdf5Error { try H5File.open(path) }
        XCTAssertEqual(error, .cannotOpen(file: path, reason: "no such file"))
        XCTAssertEqual(error?.description, "\(path): cannot open: no such file")
    }

    func testDirectory() {
        XCTAssertEqual(hdf5Error { try H5File.open(self.directory.path) },
                       .cannotOpen(file: directory.path, reason: "is a directory"))
    }

    func testNotHDF5() throws {
        let path = temporaryPath("notes.h5")
        try "just some text, not HDF5\n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = hdf5Error { try H5File.open(path) }
        XCTAssertEqual(error, .cannotOpen(file: path, reason: "not an HDF5 file"))
        XCTAssertEqual(error?.description.hasPrefix(path + ": "), true)
    }

    func testTruncatedFile() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: try fixture("numbers.h5")))
        let path = temporaryPath("truncated.h5")
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: path))
        let error = try XCTUnwrap(hdf5Error { try H5File.open(path) })
        guard case let .cannotOpen(file, reason) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(file, path)
        XCTAssertTrue(reason.contains("H5Fopen"), reason)
        XCTAssertTrue(reason.contains("truncated"), reason)
        XCTAssertFalse(error.description.contains("\n"))
        XCTAssertTrue(error.description.hasPrefix(path + ": cannot open: "))
    }

    func testCreateInMissingDirectory() {
        let path = temporaryPath("missing/dir/out.h5")
        let error = hdf5Error { try H5File.create(path) }
        guard case let .cannotOpen(file, reason)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(file, path)
        XCTAssertTrue(reason.contains("H5Fcreate"), reason)
    }

    func testMissingAndWrongObjects() throws {
        let path = try fixture("numbers.h5")
        let root = try H5File.open(path).root
        XCTAssertEqual(hdf5Error { try root.dataset("nope") }, .missingObject(file: path, path: "/nope"))
        XCTAssertEqual(hdf5Error { try root.group("group").dataset("deeper/kernel:0") },
                       .missingObject(file: path, path: "/group/deeper/kernel:0"))
        XCTAssertEqual(hdf5Error { try root.dataset("group") },
                       .wrongKind(file: path, path: "/group", expected: "dataset"))
        XCTAssertEqual(hdf5Error { try root.group("scalar_f8") },
                       .wrongKind(file: path, path: "/scalar_f8", expected: "group"))
        XCTAssertEqual(hdf5Error { try root.attribute("missing") }, .missingObject(file: path, path: "/@missing"))
        XCTAssertEqual(hdf5Error { try root.dataset("group").readFloats() }?.description,
                       "\(path): /group: not a dataset")
        XCTAssertEqual(hdf5Error { try root.dataset("strings").readFloats() },
                       .unsupportedType(file: path, path: "/strings", type: "string"))
        XCTAssertEqual(hdf5Error { try root.dataset("scalar_f8").readFloats(rows: 0..<1) },
                       .invalidArgument(file: path, path: "/scalar_f8", reason: "cannot read rows of a scalar"))
        XCTAssertNotNil(hdf5Error { try root.dataset("float64_2d").readFloats(rows: 1..<3) })
    }

    func testBadShapes() throws {
        let path = temporaryPath("shapes.h5")
        let root = try H5File.create(path).root
        XCTAssertEqual(hdf5Error { try root.createDataset("a/x", shape: [2, 2], floats: [1]) },
                       .invalidArgument(file: path, path: "/a/x", reason: "shape [2, 2] needs 4 values, got 1"))
        XCTAssertNotNil(hdf5Error { try root.createDataset("y", shape: [-1], floats: []) })
        XCTAssertNil(root.kind(of: "a"), "nothing is created when the arguments are wrong")
    }

    func testCallErrorsCarryTheStack() throws {
        let path = temporaryPath("dup.h5")
        let root = try H5File.create(path).root
        _ = try root.createGroup("g")
        let error = try XCTUnwrap(hdf5Error { try root.createGroup("g") })
        guard case let .call(function, file, objectPath, stack) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(function, "H5Gcreate2")
        XCTAssertEqual(file, path)
        XCTAssertEqual(objectPath, "/g")
        XCTAssertTrue(stack.hasPrefix("H5Gcreate2: "), stack)
        XCTAssertTrue(stack.contains("already exists"), stack)
        XCTAssertTrue(error.description.hasPrefix("\(path): /g: H5Gcreate2 failed (H5Gcreate2: "), error.description)
    }

    /// HDF5 prints its error stack on stderr unless told not to, per thread in thread-safe builds.
    func testNothingIsPrintedOnStderr() throws {
        let truncated = temporaryPath("truncated.h5")
        let whole = try Data(contentsOf: URL(fileURLWithPath: try fixture("numbers.h5")))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: truncated))
        let scratch = temporaryPath("scratch.h5")
        let provoke: @Sendable () -> Void = {
            _ = try? H5File.open(truncated)
            guard let root = try? H5File.create(scratch).root else { return XCTFail("cannot create \(scratch)") }
            _ = try? root.createGroup("g")
            _ = try? root.createGroup("g")
            _ = root.kind(of: "missing/deeper")
        }
        let printed = try capturingStderr {
            provoke()
            let done = DispatchSemaphore(value: 0)
            Thread { provoke(); done.signal() }.start()
            done.wait()
        }
        XCTAssertEqual(printed, "")
    }

    private func capturingStderr(_ body: () throws -> Void) throws -> String {
        let capture = temporaryPath("stderr.txt")
        let captureFD = open(capture, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(captureFD, 0)
        fflush(nil)
        let savedFD = dup(2)
        dup2(captureFD, 2)
        close(captureFD)
        defer {
            fflush(nil)
            dup2(savedFD, 2)
            close(savedFD)
        }
        try body()
        fflush(nil)
        return try String(contentsOfFile: capture, encoding: .utf8)
    }
}
