import XCTest
@testable import ZooHDF5

final class RoundTripTests: HDF5TestCase {
    func testDatasetsOfEveryTypeAndRank() throws {
        let path = temporaryPath("datasets.h5")
        do {
            let root = try H5File.create(path).root
            _ = try root.createDataset("scalar", shape: [], floats: [1.5])
            _ = try root.createDataset("vector", shape: [3], doubles: [1, -2.5, 1e300])
            _ = try root.createDataset("matrix", shape: [2, 2], int64s: [Int64.min, -1, 0, Int64.max])
            _ = try root.createDataset("bytes", shape: [4], uint8s: [0, 1, 128, 255])
            _ = try root.createDataset("conv/kernel:0", shape: [2, 3, 1, 2], floats: (0..<12).map { Float($0) / 8 })
            _ = try root.createDataset("empty", shape: [0, 3], floats: [])
        }
        let root = try H5File.open(path).root

        let scalar = try root.dataset("scalar")
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.elementCount, 1)
        XCTAssertEqual(scalar.elementType, .float32)
        XCTAssertEqual(try scalar.readFloats(), [1.5])

        let vector = try root.dataset("vector")
        XCTAssertEqual(vector.elementType, .float64)
        XCTAssertEqual(try vector.readDoubles(), [1, -2.5, 1e300])

        let matrix = try root.dataset("matrix")
        XCTAssertEqual(matrix.shape, [2, 2])
        XCTAssertEqual(matrix.elementType, .int(bytes: 8, signed: true))
        XCTAssertEqual(try matrix.readInt64s(), [Int64.min, -1, 0, Int64.max])

        let bytes = try root.dataset("bytes")
        XCTAssertEqual(bytes.elementType, .int(bytes: 1, signed: false))
        XCTAssertEqual(try bytes.readUInt8s(), [0, 1, 128, 255])
        XCTAssertEqual(try bytes.readFloats(), [0, 1, 128, 255])

        let kernel = try root.group("conv").dataset("kernel:0")
        XCTAssertEqual(kernel.path, "/conv/kernel:0")
        XCTAssertEqual(kernel.shape, [2, 3, 1, 2])
        XCTAssertEqual(try kernel.readFloats(), (0..<12).map { Float($0) / 8 })
        XCTAssertEqual(try kernel.readFloats(rows: 1..<2), (6..<12).map { Float($0) / 8 })
        XCTAssertEqual(try kernel.readFloats(rows: 0..<0), [])
        XCTAssertEqual(try kernel.readDoubles(), (0..<12).map { Double($0) / 8 })

        let empty = try root.dataset("empty")
        XCTAssertEqual(empty.shape, [0, 3])
        XCTAssertEqual(empty.elementCount, 0)
        XCTAssertEqual(try empty.readFloats(), [])
    }

    func testAttributesOfEveryKind() throws {
        let path = temporaryPath("attributes.h5")
        let values: [String: H5AttributeValue] = [
            "string": .string("h\u{e9}llo \u{2713}"),
            "strings": .strings(["dense", "conv2d_1", ""]),
            "double": .double(-0.25),
            "doubles": .doubles([1, 2.5]),
            "int": .int(Int64.min),
            "ints": .ints([1, -2, 3]),
            "empty": .empty,
        ]
        do {
            let root = try H5File.create(path).root
            let group = try root.createGroup("model_weights/dense")
            let dataset = try group.createDataset("dense/kernel:0", shape: [1], floats: [0])
            for holder in [root, group, dataset] as [any H5AttributeHolder] {
                for (name, value) in values { try holder.setAttribute(name, value) }
                try holder.setAttribute("fixed", .string("tensorflow"), fixedLengthStrings: true)
                try holder.setAttribute("fixed_list", .strings(["a", "bcd"]), fixedLengthStrings: true)
                try holder.setAttribute("empty_list", .strings([]))
                try holder.setAttribute("replaced", .int(1))
                try holder.setAttribute("replaced", .string("now a string"))
                try holder.setAttribute("deleted", .int(1))
                try holder.deleteAttribute("deleted")
            }
        }
        let file = try H5File.open(path)
        let group = try file.root.group("model_weights/dense")
        let dataset = try group.dataset("dense/kernel:0")
        for holder in [file.root, group, dataset] as [any H5AttributeHolder] {
            for (name, value) in values {
                XCTAssertEqual(try holder.attribute(name), value, "\(holder.path)@\(name)")
            }
            XCTAssertEqual(try holder.attribute("fixed"), .string("tensorflow"))
            XCTAssertEqual(try holder.attribute("fixed_list"), .strings(["a", "bcd"]))
            XCTAssertEqual(try holder.attribute("empty_list"), .empty)
            XCTAssertEqual(try holder.attribute("replaced"), .string("now a string"))
            XCTAssertFalse(holder.hasAttribute("deleted"))
            XCTAssertTrue(holder.hasAttribute("fixed"))
            XCTAssertEqual(try holder.attributeNames(), (Array(values.keys) + ["empty_list", "fixed", "fixed_list", "replaced"]).sorted())
            XCTAssertEqual(try holder.stringList("strings"), ["dense", "conv2d_1", ""])
            XCTAssertEqual(try holder.stringList("string"), ["h\u{e9}llo \u{2713}"])
            XCTAssertEqual(try holder.stringList("empty"), [])
        }
    }

    func testGroups() throws {
        let path = temporaryPath("groups.h5")
        let file = try H5File.create(path)
        let root = file.root
        XCTAssertEqual(root.path, "/")
        let deep = try root.createGroup("a/b/c:0")
        XCTAssertEqual(deep.path, "/a/b/c:0")
        _ = try root.createGroup("a/z")
        _ = try root.createDataset("a/b/data", shape: [1], floats: [1])
        XCTAssertEqual(try root.memberNames(), ["a"])
        XCTAssertEqual(try root.group("a").memberNames(), ["b", "z"])
        XCTAssertEqual(try root.group("a/b").memberNames(), ["c:0", "data"])
        XCTAssertEqual(root.kind(of: "a/b/c:0"), .group)
        XCTAssertEqual(root.kind(of: "a/b/data"), .dataset)
        XCTAssertEqual(root.kind(of: "/a/b/data"), .dataset)
        XCTAssertEqual(try root.group("a").kind(of: "./b/data"), .dataset)
        XCTAssertNil(root.kind(of: "a/missing/data"))
        XCTAssertNil(root.kind(of: "a/b/data/below"))
        XCTAssertEqual(try root.group("a").group("b").path, "/a/b")
        XCTAssertEqual(try root.requireGroup("a/b").path, "/a/b")
        XCTAssertEqual(try root.requireGroup("a/new").path, "/a/new")
        XCTAssertEqual(try root.group("a").memberNames(), ["b", "new", "z"])
        try file.flush()
        // Existing names are not silently reused.
        XCTAssertNotNil(hdf5Error { try root.createGroup("a/b") })
        XCTAssertNotNil(hdf5Error { try root.createDataset("a/b/data", shape: [1], floats: [2]) })
    }

    func testReopenForWriting() throws {
        let path = temporaryPath("rw.h5")
        _ = try H5File.create(path).root.createDataset("x", shape: [1], doubles: [1])
        do {
            let file = try H5File.open(path, writable: true)
            try file.root.setAttribute("added", .int(5))
            _ = try file.root.createDataset("y", shape: [1], doubles: [2])
        }
        let root = try H5File.open(path).root
        XCTAssertEqual(try root.memberNames(), ["x", "y"])
        XCTAssertEqual(try root.attribute("added"), .int(5))
        XCTAssertNotNil(hdf5Error { try root.setAttribute("ro", .int(1)) })
    }
}

final class PathTests: HDF5TestCase {
    func testPathNormalisation() throws {
        let root = try H5File.create(temporaryPath("paths.h5")).root
        let group = try root.createGroup("a//b/")
        XCTAssertEqual(group.path, "/a/b")
        XCTAssertEqual(try root.group(".").path, "/")
        XCTAssertEqual(try group.group("").path, "/a/b")
        XCTAssertEqual(try group.group("/a").path, "/a")
        XCTAssertEqual(root.kind(of: ""), .group)
        XCTAssertEqual(joinPath("/a/b", "c/./d:0"), "/a/b/c/d:0")
        XCTAssertEqual(cleanName("./x//y/"), "x/y")
    }
}
