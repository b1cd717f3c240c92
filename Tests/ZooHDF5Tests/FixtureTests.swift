import XCTest
@testable import ZooHDF5

/// Files written by h5py (tools/make_hdf5_fixtures.py).
final class FixtureTests: HDF5TestCase {
    func testStringAttributes() throws {
        let root = try H5File.open(try fixture("strings.h5")).root
        XCTAssertEqual(try root.attribute("layer_names"), .strings(["dense", "conv2d_1", "batch_norm12"]))
        XCTAssertEqual(try root.attribute("fixed_scalar"), .string("tensorflow"))
        XCTAssertEqual(try root.attribute("nullterm"), .strings(["abc", "defghij"]))
        XCTAssertEqual(try root.attribute("spacepad"), .strings(["ab", "cdef"]))
        XCTAssertEqual(try root.attribute("vlen_ascii"), .string("keras"))
        XCTAssertEqual(try root.attribute("vlen_ascii_array"), .strings(["a", "bc", ""]))
        XCTAssertEqual(try root.attribute("vlen_utf8"), .string("h\u{e9}llo w\u{f6}rld \u{2713}"))
        XCTAssertEqual(try root.attribute("vlen_utf8_array"), .strings(["\u{fc}ber", "na\u{ef}ve", "x"]))
        XCTAssertEqual(try root.stringList("layer_names"), ["dense", "conv2d_1", "batch_norm12"])
    }

    func testOtherAttributes() throws {
        let root = try H5File.open(try fixture("strings.h5")).root
        XCTAssertEqual(try root.attribute("empty_f8"), .empty)
        XCTAssertEqual(try root.attribute("null_f8"), .empty)
        XCTAssertEqual(try root.stringList("empty_f8"), [])
        XCTAssertEqual(try root.attribute("int_scalar"), .int(-7))
        XCTAssertEqual(try root.attribute("int_array"), .ints([1, 2, 3]))
        XCTAssertEqual(try root.attribute("uint8_array"), .ints([250, 3]))
        XCTAssertEqual(try root.attribute("float_scalar"), .double(0.5))
        XCTAssertEqual(try root.attribute("double_array"), .doubles([1.5, -2.25]))
        XCTAssertEqual(try root.attributeNames(), [
            "bool_scalar", "double_array", "empty_f8", "fixed_scalar", "float_scalar", "int_array", "int_scalar",
            "layer_names", "null_f8", "nullterm", "spacepad", "uint8_array", "vlen_ascii", "vlen_ascii_array",
            "vlen_utf8", "vlen_utf8_array",
        ])
        let error = hdf5Error { try root.attribute("bool_scalar") }
        XCTAssertEqual(error, .unsupportedType(file: try fixture("strings.h5"), path: "/@bool_scalar", type: "enum"))
        XCTAssertEqual(hdf5Error { try root.stringList("int_array") },
                       .wrongKind(file: try fixture("strings.h5"), path: "/@int_array", expected: "string attribute"))
    }

    func testKerasLikeLayout() throws {
        let root = try H5File.open(try fixture("strings.h5")).root
        let dense = try root.group("model_weights/dense")
        XCTAssertEqual(try dense.stringList("weight_names"), ["dense/kernel:0", "dense/bias:0"])
        let kernel = try dense.dataset("dense/kernel:0")
        XCTAssertEqual(kernel.path, "/model_weights/dense/dense/kernel:0")
        XCTAssertEqual(kernel.shape, [2, 3])
        XCTAssertEqual(try kernel.readFloats(), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(try kernel.attribute("note"), .string("on a dataset"))
    }

    func testNumericDatasets() throws {
        let root = try H5File.open(try fixture("numbers.h5")).root
        XCTAssertEqual(try root.memberNames(), [
            "big_endian_f4", "empty_f4", "float32_4d", "float64_2d", "group", "int32_1d", "scalar_f8", "strings",
            "uint8_1d",
        ])

        let f64 = try root.dataset("float64_2d")
        XCTAssertEqual(f64.shape, [2, 3])
        XCTAssertEqual(f64.elementType, .float64)
        XCTAssertEqual(try f64.readDoubles(), [1.0, 2.5, -3.0, 4.0, 5.0, 6.125])
        XCTAssertEqual(try f64.readFloats(rows: 1..<2), [4.0, 5.0, 6.125])

        let i32 = try root.dataset("int32_1d")
        XCTAssertEqual(i32.elementType, .int(bytes: 4, signed: true))
        XCTAssertEqual(try i32.readInt64s(), [-2, 0, 7, 2147483647])
        XCTAssertEqual(try i32.readFloats(), [-2, 0, 7, 2147483648])

        let u8 = try root.dataset("uint8_1d")
        XCTAssertEqual(u8.elementType, .int(bytes: 1, signed: false))
        XCTAssertEqual(try u8.readUInt8s(), [0, 128, 255])

        let f4 = try root.dataset("float32_4d")
        XCTAssertEqual(f4.shape, [2, 3, 2, 2])
        XCTAssertEqual(f4.elementCount, 24)
        XCTAssertEqual(try f4.readFloats(), (0..<24).map { Float($0) / 4 })
        XCTAssertEqual(try f4.readFloats(rows: 1..<2), (12..<24).map { Float($0) / 4 })

        let scalar = try root.dataset("scalar_f8")
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(try scalar.readDoubles(), [3.25])

        XCTAssertEqual(try root.dataset("empty_f4").shape, [0, 3])
        XCTAssertEqual(try root.dataset("empty_f4").readFloats(), [])
        XCTAssertEqual(try root.dataset("big_endian_f4").readFloats(), [1.5, -2.0])
        XCTAssertEqual(try root.dataset("strings").elementType, .string)
    }
}
