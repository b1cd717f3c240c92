import XCTest
import ZooTensor
@testable import ZooLayers

/// Mistakes a library user can make building or calling a model are thrown, with the layer (or
/// model) and the expected and found shapes in the message; none of them traps.
final class ModelErrorTests: XCTestCase {
    /// input [4, 4, 3] -> conv (2 filters, 3x3 same) -> flatten -> dense (2 units)
    private func smallModel() throws -> Model {
        let m = Model(name: "small")
        var x = try m.input("in", shape: [4, 4, 3])
        x = try m(Conv2D("conv", filters: 2, kernelSize: 3, padding: .same), x)
        x = try m(Flatten(name: "flatten"), x)
        try m(Dense("dense", units: 2), x)
        return m
    }

    private func assertThrows(_ expression: @autoclosure () throws -> Any, _ message: String,
                              file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            XCTAssertTrue(error is LayerError, "\(type(of: error)): \(error)", file: file, line: line)
            XCTAssertEqual("\(error)", message, file: file, line: line)
        }
    }

    func testPredictChecksTheInputShape() throws {
        let m = try smallModel()
        assertThrows(try m.predict(Tensor(zeros: [2, 5, 5, 3])),
                     "model small: expected a batch of shape (N, 4, 4, 3), got (2, 5, 5, 3)")
        assertThrows(try m.predict(Tensor(zeros: [4, 4, 3])),
                     "model small: expected a batch of shape (N, 4, 4, 3), got (4, 4, 3)")
        assertThrows(try Model(name: "empty").predict(Tensor(zeros: [1, 2])), "model empty: it has no layers")
        let x = Tensor(shape: [2, 4, 4, 3], data: (0..<96).map { Float($0) / 96 })
        XCTAssertEqual(try m.predict(x).shape, [2, 2])
        XCTAssertEqual(try m.predict(x).data, m(x).data)
        XCTAssertEqual(try m.predict(Tensor(zeros: [0, 4, 4, 3])).shape, [0, 2])
    }

    func testAddOfDifferentShapes() throws {
        let m = Model(name: "residual")
        let x = try m.input("in", shape: [4, 4, 3])
        let a = try m(Conv2D("a", filters: 8, kernelSize: 1), x)
        let b = try m(Conv2D("b", filters: 16, kernelSize: 1), x)
        assertThrows(try m(Add(name: "add"), a, b),
                     "layer add: expected two or more inputs of one shape, got input shape (None, 4, 4, 8), (None, 4, 4, 16)")
        assertThrows(try m(Add(name: "add1"), a), "layer add1: expected two or more inputs of one shape, got input shape (None, 4, 4, 8)")
        XCTAssertEqual(m.layers.count, 3, "a refused layer is not added")
    }

    func testDenseOnTheWrongWidth() throws {
        let m = try smallModel()
        let dense = try XCTUnwrap(m.layer(named: "dense") as? Dense)
        try dense.weights[0].assign(Tensor(repeating: 0.5, shape: [32, 2]))
        // Built for 32 features: another model must not silently give it new (zero) weights.
        let other = Model(name: "other")
        let x = try other.input("features", shape: [10])
        assertThrows(try other(dense, x), "layer dense: expected an input its weights fit (kernel (32, 2), bias (2,)), got input shape (None, 10)")
        XCTAssertEqual(dense.weights[0].value.data, [Float](repeating: 0.5, count: 64))
        // Where it fits, it is shared as it is.
        let same = Model(name: "same")
        try same(dense, try same.input("features", shape: [32]))
        XCTAssertTrue(same.layers[1] === dense)
        XCTAssertEqual(dense.weights[0].value.data, [Float](repeating: 0.5, count: 64))
        // Not flat: Dense applies to the last axis at every position, as Keras's (ConvNeXt's pointwise layers).
        let maps = Model(name: "maps")
        try maps(Dense("d", units: 5), try maps.input("in", shape: [4, 4, 3]))
        XCTAssertEqual(maps.outputShape, [4, 4, 5])
    }

    func testUnknownInputAndDuplicateName() throws {
        let m = try smallModel()
        assertThrows(try m(Dense("head", units: 1), "nope"), "layer head: its input nope is not an earlier layer of the model")
        assertThrows(try m(Dense("dense", units: 1), "flatten"), "two layers are named dense; Keras layer names are unique within a model")
    }

    func testTheInputComesFirstAndOnce() throws {
        let m = Model(name: "m")
        assertThrows(try m(Flatten(name: "flatten"), [String]()), "model m: add its input before layer flatten")
        try m.input("in", shape: [3])
        assertThrows(try m.input("in2", shape: [3]), "model m: it already has an input, in; a zoo model has one")
        assertThrows(try Model(name: "z").input("in", shape: [0, 4, 3]), "layer in: input shape [0, 4, 3] must be positive")
        assertThrows(try Model(name: "z").input("in", shape: []), "layer in: the input shape is empty")
        XCTAssertEqual(Model(name: "z").inputShape, [])
        XCTAssertNil(Model(name: "z").input)
    }

    func testOneInputLayersRefuseOthers() throws {
        let m = Model(name: "m")
        let x = try m.input("in", shape: [4, 4, 3])
        for layer in [Flatten(name: "f"), ActivationLayer("r", .relu), Dropout("d", rate: 0.5), Rescaling("s", scale: 2)] as [Layer] {
            assertThrows(try m(layer, x, x), "layer \(layer.name): expected one input, got input shape (None, 4, 4, 3), (None, 4, 4, 3)")
            assertThrows(try m(layer, [String]()), "layer \(layer.name): expected one input, got input shape ")
        }
    }

    func testArgumentsOutOfRange() throws {
        let m = Model(name: "m")
        let x = try m.input("in", shape: [8, 8, 3])
        let flat = try m(Flatten(name: "flat"), x)
        let cases: [(Layer, String, String)] = [
            (Conv2D("c0", filters: 4, kernelSize: 3, strides: 0), x, "layer c0: strides [0, 0] must be positive"),
            (Conv2D("c1", filters: 0, kernelSize: 3), x, "layer c1: filters [0] must be positive"),
            (Conv2D("c2", filters: 4, kernelSize: (3, -1)), x, "layer c2: kernel size [3, -1] must be positive"),
            (MaxPooling2D("p", poolSize: (2, 2), strides: (0, 1)), x, "layer p: strides [0, 1] must be positive"),
            (AveragePooling2D("q", poolSize: (0, 2)), x, "layer q: pool size [0, 2] must be positive"),
            (ZeroPadding2D("z", padding: -1), x, "layer z: padding [[-1, -1], [-1, -1]] must not be negative"),
            (Resizing("r", height: 0, width: 4), x, "layer r: height and width [0, 4] must be positive"),
            (Dense("d", units: 0), flat, "layer d: units [0] must be positive"),
            (Dropout("drop", rate: 1), flat, "layer drop: rate 1.0 must be in [0, 1)"),
        ]
        for (layer, input, message) in cases { assertThrows(try m(layer, input), message) }
        XCTAssertEqual(m.layers.count, 2)
    }

    func testAFailedBuildLeavesTheLayerUsable() throws {
        let conv = Conv2D("conv", filters: 2, kernelSize: 5)
        let small = Model(name: "small")
        assertThrows(try small(conv, try small.input("in", shape: [3, 3, 1])),
                     "layer conv: expected an input of at least the kernel size (5, 5), got input shape (None, 3, 3, 1)")
        XCTAssertTrue(conv.weights.isEmpty, "no weights defined by the failed build")
        let big = Model(name: "big")
        try big(conv, try big.input("in", shape: [8, 8, 4]))
        XCTAssertEqual(conv.weights[0].shape, [5, 5, 4, 2])
    }

    func testWeightAssignChecksTheShape() throws {
        let w = Weight(Dense.kernel, shape: [2, 3])
        assertThrows(try w.assign(Tensor(zeros: [3, 2])), "weight kernel: expected shape (2, 3), got (3, 2)")
        XCTAssertEqual(w.version, 0)
        try w.assign(Tensor(repeating: 1, shape: [2, 3]))
        XCTAssertEqual(w.version, 1)
        XCTAssertEqual(w.value.data, [1, 1, 1, 1, 1, 1])
    }

    func testChainAndSplitRefuseWhatTheyCannotDo() throws {
        assertThrows(try Model.chain(name: "c", []), "model c: a chain needs one or more models with inputs")
        assertThrows(try Model.chain(name: "c", [Model(name: "empty")]), "model c: a chain needs one or more models with inputs")
        assertThrows(try smallModel().split(belowTopWeighted: 3), "model small: cannot unfreeze 3 layers, only 1 to 2 (those with weights)")
    }
}
