import Foundation
import XCTest
import ZooTestSupport
@testable import ZooData

/// IDX bytes for `shape` holding `values` (0, 1, 2, ... when nil).
func idx(_ shape: [Int], _ values: [UInt8]? = nil) -> [UInt8] {
    var out: [UInt8] = [0, 0, 8, UInt8(shape.count)]
    for d in shape { out += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
    return out + (values ?? (0..<shape.reduce(1, *)).map { UInt8($0 % 10) })
}

func write(_ bytes: [UInt8], _ dir: String, _ name: String) -> String {
    let path = dir + "/" + name
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}

final class DataTests: XCTestCase {
    func testBuiltinSampleHasTheDocumentedSplits() throws {
        let train = try MNIST.load(nil, split: .train)
        let test = try MNIST.load(nil, split: .test)
        XCTAssertEqual([train.count, test.count], [4000, 1000])
        XCTAssertEqual([train.height, train.width], [28, 28])
        // 500 per class in all, 100 per class in t10k (shared/data/README.md).
        XCTAssertEqual(Dictionary(grouping: test.labels, by: { $0 }).mapValues(\.count), Dictionary(uniqueKeysWithValues: (0...9).map { (UInt8($0), 100) }))
        XCTAssertEqual(test.prefix(10).count, 10)
    }

    func testRawAndGzippedIDXReadTheSame() throws {
        let dir = try weightTestTempDir("idx")
        let images = idx([3, 2, 2]), labels = idx([3], [1, 2, 3])
        _ = write(images, dir, "t10k-images-idx3-ubyte")
        _ = write(labels, dir, "t10k-labels-idx1-ubyte")
        let raw = try MNIST.load(dir, split: .test)
        XCTAssertEqual(raw.labels, [1, 2, 3])
        XCTAssertEqual(raw.images, Array(images[16...]))
        // The built-in files are gzipped, and read the same way.
        let gz = try IDXArray(contentsOf: MNIST.builtinDirectory + "/t10k-labels-idx1-ubyte.gz")
        XCTAssertEqual(gz.shape, [1000])
    }

    func testMalformedIDXFilesAreOneLineErrorsNamingTheFile() throws {
        let dir = try weightTestTempDir("idx-bad")
        let cases: [([UInt8], String)] = [
            (Array(idx([3, 2, 2]).dropLast(2)), "truncated"),
            (idx([3, 2, 2]) + [0], "holds 13"),
            ([0, 0, 8], "too short"),
            ([1, 2, 8, 3] + Array(repeating: 0, count: 12), "not an IDX file"),
            ([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0], "not unsigned byte"),
            ([0, 0, 8, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "the file holds 0"),
        ]
        for (i, (bytes, needle)) in cases.enumerated() {
            let path = write(bytes, dir, "bad\(i)")
            XCTAssertThrowsError(try IDXArray(contentsOf: path)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(path) && text.contains(needle), text)
                XCTAssertFalse(text.contains("\n"))
            }
        }
        let truncatedGzip = try Data(contentsOf: URL(fileURLWithPath: MNIST.builtinDirectory + "/t10k-labels-idx1-ubyte.gz"))
        let path = write([UInt8](truncatedGzip.prefix(truncatedGzip.count / 2)), dir, "cut.gz")
        XCTAssertThrowsError(try IDXArray(contentsOf: path)) { XCTAssertTrue("\($0)".contains("truncated gzip"), "\($0)") }
    }

    func testImageAndLabelCountsMustAgree() throws {
        let dir = try weightTestTempDir("idx-count")
        _ = write(idx([3, 2, 2]), dir, "train-images-idx3-ubyte")
        _ = write(idx([2], [1, 2]), dir, "train-labels-idx1-ubyte")
        XCTAssertThrowsError(try MNIST.load(dir, split: .train)) { error in
            XCTAssertTrue("\(error)".contains("3 images but"), "\(error)")
        }
        XCTAssertThrowsError(try MNIST.load(dir, split: .test)) { error in
            XCTAssertTrue("\(error)".contains("no test split"), "\(error)")
        }
        XCTAssertThrowsError(try MNIST.load(dir + "/nope", split: .test))
    }

    func testKerasNPZIsRead() throws {
        // numpy.savez writes each array as a stored .npy entry; build one the same way.
        let dir = try weightTestTempDir("npz")
        func npy(_ shape: [Int], _ values: [UInt8]) -> [UInt8] {
            var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", "))\(shape.count == 1 ? "," : "")), }"
            while (10 + header.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 255), UInt8(header.count >> 8)] + Array(header.utf8) + values
        }
        let x = npy([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]), y = npy([2], [3, 4])
        for (name, bytes) in [("x_test.npy", x), ("y_test.npy", y), ("x_train.npy", x), ("y_train.npy", y)] {
            _ = write(bytes, dir, name)
        }
        let zip = Process()
        zip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        zip.arguments = ["python3", "-c", "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w'); [z.write(sys.argv[2]+'/'+n, n) for n in ['x_test.npy','y_test.npy','x_train.npy','y_train.npy']]", dir + "/mnist.npz", dir]
        try zip.run()
        zip.waitUntilExit()
        let d = try MNIST.load(dir + "/mnist.npz", split: .test)
        XCTAssertEqual(d.labels, [3, 4])
        XCTAssertEqual(d.images, [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual([d.height, d.width], [2, 2])
    }

    func testPreprocessingIsCaffeOnReplicatedGray() {
        let digits = Digits(images: [UInt8](repeating: 200, count: 28 * 28), labels: [1], height: 28, width: 28, files: [])
        let x = Preprocessor(inputHeight: 28, inputWidth: 28, size: 32, mode: .caffe)(digits, 0..<1)
        XCTAssertEqual(x.shape, [1, 32, 32, 3])
        XCTAssertEqual(Array(x.data[0..<3]), [200 - 103.939, 200 - 116.779, 200 - 123.68])
    }
}
