import CHDF5
import Foundation
import XCTest
@testable import ZooHDF5

/// Files that claim more than they hold, or point outside themselves, are refused with one-line
/// errors before anything is allocated or followed. The hostile files are made with the C API,
/// which (unlike ZooHDF5's writer) can leave datasets unwritten and make links of every kind.
final class LimitTests: HDF5TestCase {
    /// Creates `name` with the raw C API.
    func makeFile(_ name: String, _ body: (hid_t) -> Void) -> String {
        let path = temporaryPath(name)
        let file = H5Fcreate(path, zoo_H5F_ACC_TRUNC(), zoo_H5P_DEFAULT(), zoo_H5P_DEFAULT())
        XCTAssertGreaterThanOrEqual(file, 0)
        body(file)
        H5Fclose(file)
        return path
    }

    /// A float32 dataset that is never written: its chunks, or its contiguous block, stay unallocated.
    func unwrittenDataset(_ file: hid_t, _ name: String, dims: [hsize_t], chunked: Bool) {
        let space = H5Screate_simple(Int32(dims.count), dims, nil)
        let dcpl = H5Pcreate(zoo_H5P_DATASET_CREATE())
        if chunked { H5Pset_chunk(dcpl, Int32(dims.count), dims.map { _ in hsize_t(1) }) }
        let dataset = H5Dcreate2(file, name, zoo_H5T_IEEE_F32LE(), space, zoo_H5P_DEFAULT(), dcpl, zoo_H5P_DEFAULT())
        XCTAssertGreaterThanOrEqual(dataset, 0, name)
        H5Dclose(dataset)
        H5Pclose(dcpl)
        H5Sclose(space)
    }

    func message(_ body: () throws -> Any) -> String {
        guard let error = hdf5Error(body) else { return "" }
        XCTAssertFalse(error.description.contains("\n"))
        return error.description
    }

    func testShapeBombsAreRefusedBeforeAllocating() throws {
        let path = makeFile("bombs.h5") { file in
            unwrittenDataset(file, "terabytes", dims: [1 << 20, 1 << 20], chunked: true)  // 4 TiB claimed
            unwrittenDataset(file, "chunked", dims: [1000, 1000], chunked: true)
            unwrittenDataset(file, "contiguous", dims: [1000, 1000], chunked: false)
        }
        let root = try H5File.open(path).root
        XCTAssertEqual(message { try root.dataset("terabytes").readFloats() },
                       "\(path): /terabytes: shape [1048576, 1048576] float32 needs 4398046511104 bytes in memory, more than the 4096 MiB zoo reads")
        XCTAssertEqual(message { try root.dataset("chunked").readFloats() },
                       "\(path): /chunked: shape [1000, 1000] float32 claims 4000000 bytes of data in 0 stored bytes (more than 1100:1 compression)")
        XCTAssertEqual(message { try root.dataset("contiguous").readDoubles() },
                       "\(path): /contiguous: shape [1000, 1000] float32 claims 4000000 bytes but the file stores 0 bytes for it")
        XCTAssertTrue(message { try root.dataset("contiguous").readFloats(rows: 0..<1) }.contains("claims 4000000 bytes"))
    }

    func testElementCountOverflowIsRefused() throws {
        let path = makeFile("overflow.h5") { file in
            unwrittenDataset(file, "huge", dims: [1 << 40, 1 << 40], chunked: true)
        }
        let root = try H5File.open(path).root
        XCTAssertEqual(message { try root.dataset("huge") },
                       "\(path): /huge: dataspace [1099511627776, 1099511627776] has more elements than can be addressed")
    }

    func testLimitsAreConfigurable() throws {
        let path = temporaryPath("small.h5")
        let file = try H5File.create(path)
        _ = try file.root.createDataset("values", shape: [10, 10], floats: [Float](repeating: 1, count: 100))
        try file.root.setAttribute("names", .strings(["conv1", "conv2"]))
        try file.root.setAttribute("numbers", .doubles([1, 2, 3]))
        let saved = ReadLimits.current
        defer { ReadLimits.current = saved }
        XCTAssertEqual(try file.root.dataset("values").readFloats().count, 100)
        XCTAssertEqual(try file.root.stringList("names"), ["conv1", "conv2"])

        ReadLimits.current.datasetBytes = 399
        ReadLimits.current.attributeBytes = 15  // two variable-length strings need 16 (two pointers)
        XCTAssertEqual(message { try file.root.dataset("values").readFloats() },
                       "\(path): /values: shape [10, 10] float32 needs 400 bytes in memory, more than the 399 bytes zoo reads")
        XCTAssertEqual(message { try file.root.attribute("numbers") },
                       "\(path): /@numbers: attribute claims 24 bytes, more than the 15 bytes zoo reads")
        XCTAssertTrue(message { try file.root.attribute("names") }.contains("/@names: attribute claims"))
    }

    func testDataOutsideTheFileIsRefused() throws {
        let raw = temporaryPath("raw.bin")
        try Data(count: 400).write(to: URL(fileURLWithPath: raw))
        let path = makeFile("external-storage.h5") { file in
            let dims: [hsize_t] = [100]
            let space = H5Screate_simple(1, dims, nil)
            let dcpl = H5Pcreate(zoo_H5P_DATASET_CREATE())
            H5Pset_external(dcpl, raw, 0, 400)
            H5Dclose(H5Dcreate2(file, "external", zoo_H5T_IEEE_F32LE(), space, zoo_H5P_DEFAULT(), dcpl, zoo_H5P_DEFAULT()))
            H5Pclose(dcpl)
            H5Sclose(space)
        }
        XCTAssertEqual(message { try H5File.open(path).root.dataset("external").readFloats() },
                       "\(path): /external: keeps its data in external files; zoo reads only the file it was given")
    }

    func testExternalLinksAreRefusedEvenThroughSoftLinks() throws {
        let other = temporaryPath("other.h5")
        let otherFile = try H5File.create(other)
        _ = try otherFile.root.createDataset("x", shape: [1], floats: [1])
        let path = makeFile("links.h5") { file in
            H5Gclose(H5Gcreate2(file, "group", zoo_H5P_DEFAULT(), zoo_H5P_DEFAULT(), zoo_H5P_DEFAULT()))
            H5Lcreate_external(other, "/", file, "group/elsewhere", zoo_H5P_DEFAULT(), zoo_H5P_DEFAULT())
            H5Lcreate_soft("/group/elsewhere/x", file, "soft", zoo_H5P_DEFAULT(), zoo_H5P_DEFAULT())
            H5Lcreate_soft("elsewhere", file, "group/relative", zoo_H5P_DEFAULT(), zoo_H5P_DEFAULT())
            H5Lcreate_soft("/group", file, "inside", zoo_H5P_DEFAULT(), zoo_H5P_DEFAULT())
            H5Lcreate_soft("/loop2", file, "loop1", zoo_H5P_DEFAULT(), zoo_H5P_DEFAULT())
            H5Lcreate_soft("/loop1", file, "loop2", zoo_H5P_DEFAULT(), zoo_H5P_DEFAULT())
        }
        let root = try H5File.open(path).root
        let refusal = "\(path): /group/elsewhere: is an external link to \(other); zoo reads only the file it was given"
        XCTAssertEqual(message { try root.refuseExternalLinks("group/elsewhere/x") }, refusal)
        XCTAssertEqual(message { try root.refuseExternalLinks("soft") }, refusal)
        XCTAssertEqual(message { try root.group("group").refuseExternalLinks("relative") }, refusal)
        XCTAssertTrue(message { try root.refuseExternalLinks("inside/relative") }.hasSuffix("/inside/elsewhere: is an external link to \(other); zoo reads only the file it was given"))
        XCTAssertTrue(message { try root.refuseExternalLinks("loop1") }.hasSuffix("too many nested soft links"))
        // Links inside the file, and names that do not exist, are left to the reader.
        XCTAssertNoThrow(try root.refuseExternalLinks("inside"))
        XCTAssertNoThrow(try root.refuseExternalLinks("/group/nothing/here"))
        XCTAssertEqual(root.kind(of: "inside"), .group)
    }
}
