import Foundation
import XCTest
@testable import ZooLayers

/// The model graph says what Keras says about each layer, and both Keras config forms carry the
/// same edges.
final class ModelGraphTests: XCTestCase {
    /// in [4, 4, 3] -> conv (3 filters, 3x3 same, frozen) -> add(in, conv) -> flatten -> dense (2, softmax)
    private func residualModel() throws -> Model {
        let m = Model(name: "residual")
        let x = try m.input("in", shape: [4, 4, 3])
        let conv = Conv2D("conv", filters: 3, kernelSize: 3, padding: .same)
        conv.trainable = false
        let y = try m(conv, x)
        var z = try m(Add(name: "add"), x, y)
        z = try m(Flatten(name: "flatten"), z)
        try m(Dense("dense", units: 2, activation: .softmax), z)
        return m
    }

    func testNodesDescribeEveryLayer() throws {
        let g = try residualModel().graph
        XCTAssertEqual(g.name, "residual")
        XCTAssertEqual(g.nodes.map(\.name), ["in", "conv", "add", "flatten", "dense"])
        XCTAssertEqual(g.nodes.map(\.className), ["InputLayer", "Conv2D", "Add", "Flatten", "Dense"])
        XCTAssertEqual(g.nodes.map(\.inbound), [[], ["in"], ["in", "conv"], ["add"], ["flatten"]])
        XCTAssertEqual(g.nodes.map(\.outputShape), [[4, 4, 3], [4, 4, 3], [4, 4, 3], [48], [2]])
        // conv: 3*3*3*3 + 3; dense: 48*2 + 2. A frozen layer has no trainable parameters.
        XCTAssertEqual(g.nodes.map(\.parameterCount), [0, 84, 0, 0, 98])
        XCTAssertEqual(g.nodes.map(\.trainableCount), [0, 0, 0, 0, 98])
        XCTAssertEqual(g.nodes.map(\.trainable), [true, false, true, true, true])
        XCTAssertEqual(g.parameterCount, 182)
        XCTAssertEqual(g.trainableCount, 98)
        XCTAssertFalse(g.isSequential)
        XCTAssertEqual(g.node(named: "add")?.inbound, ["in", "conv"])
        XCTAssertNil(g.node(named: "missing"))
    }

    /// Every config names its layer and dtype; `trainable` is there except on the input, where
    /// tf-keras refuses it.
    func testConfigsAreCompleteKerasConfigs() throws {
        let g = try residualModel().graph
        for node in g.nodes {
            XCTAssertEqual(node.config["name"] as? String, node.name)
            XCTAssertEqual(node.config["dtype"] as? String, "float32")
            XCTAssertEqual(node.config["trainable"] as? Bool, node.className == "InputLayer" ? nil : node.trainable, node.name)
        }
        XCTAssertEqual(g.node(named: "conv")?.config["filters"] as? Int, 3)
        XCTAssertEqual(g.node(named: "dense")?.config["activation"] as? String, "softmax")
    }

    func testSequentialModels() throws {
        let m = Model(name: "chain")
        var x = try m.input("in", shape: [3])
        x = try m(Dense("d1", units: 4), x)
        try m(Dense("d2", units: 2), x)
        XCTAssertTrue(m.graph.isSequential)
        XCTAssertEqual(m.graph.nodes.map(\.inbound), [[], ["in"], ["d1"]])
    }

    /// The summary table is the graph's, with the "Connected to" column of a non-sequential model.
    func testSummaryIsTheGraphs() throws {
        let m = try residualModel()
        XCTAssertEqual(m.summary(), m.graph.summary())
        XCTAssertEqual(m.summary(), """
            Model: "residual"
            ___________________________________________________________
            Layer (type)       Output Shape     Param #  Connected to
            ===========================================================
            in (InputLayer)    (None, 4, 4, 3)  0

            conv (Conv2D)      (None, 4, 4, 3)  84       in

            add (Add)          (None, 4, 4, 3)  0        in, conv

            flatten (Flatten)  (None, 48)       0        add

            dense (Dense)      (None, 2)        98       flatten
            ===========================================================
            Total params: 182 (728 B)
            Trainable params: 98 (392 B)
            Non-trainable params: 84 (336 B)
            ___________________________________________________________
            """)
    }

    private func parse(_ json: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    private func layers(_ root: [String: Any]) throws -> [String: [String: Any]] {
        let config = try XCTUnwrap(root["config"] as? [String: Any])
        let list = try XCTUnwrap(config["layers"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: list.map { ($0["name"] as! String, $0) })
    }

    /// tf-keras's form: `[[["layer", 0, 0, {}], ...]]`, with the Keras version and backend.
    func testLegacyConfig() throws {
        let root = try parse(try residualModel().graph.kerasJSON(kerasVersion: "2.21.0"))
        XCTAssertEqual(root["class_name"] as? String, "Functional")
        XCTAssertEqual(root["keras_version"] as? String, "2.21.0")
        XCTAssertEqual(root["backend"] as? String, "tensorflow")
        XCTAssertNil(root["module"])
        let config = try XCTUnwrap(root["config"] as? [String: Any])
        XCTAssertEqual(config["name"] as? String, "residual")
        XCTAssertEqual(config["input_layers"] as? [[AnyHashable]], [["in", 0, 0]])
        XCTAssertEqual(config["output_layers"] as? [[AnyHashable]], [["dense", 0, 0]])
        let byName = try layers(root)
        XCTAssertEqual((byName["in"]?["inbound_nodes"] as? [Any])?.count, 0)
        let add = try XCTUnwrap(byName["add"]?["inbound_nodes"] as? [[[Any]]])
        XCTAssertEqual(add.count, 1)
        XCTAssertEqual(add[0].map { $0[0] as? String }, ["in", "conv"])
        XCTAssertEqual(add[0].map { $0[1] as? Int }, [0, 0])
        XCTAssertEqual(add[0].map { ($0[3] as? [String: Any])?.isEmpty }, [true, true])
        XCTAssertEqual((byName["conv"]?["config"] as? [String: Any])?["trainable"] as? Bool, false)
    }

    /// Keras 3's form: each input a `__keras_tensor__` with its shape and `keras_history`; several
    /// inputs are one list argument; every class has its module; no Keras version.
    func testKeras3Config() throws {
        let root = try parse(try residualModel().graph.kerasJSON(kerasVersion: nil, inboundNodes: .keras3))
        XCTAssertNil(root["keras_version"])
        XCTAssertEqual(root["module"] as? String, "keras.src.models.functional")
        XCTAssertEqual(root["registered_name"] as? String, "Functional")
        let byName = try layers(root)
        XCTAssertEqual(Set(byName.values.map { $0["module"] as? String }), ["keras.layers"])
        XCTAssertEqual((byName["in"]?["inbound_nodes"] as? [Any])?.count, 0)

        func history(_ tensor: Any) throws -> (name: String?, shape: [Any]) {
            let t = try XCTUnwrap(tensor as? [String: Any])
            XCTAssertEqual(t["class_name"] as? String, "__keras_tensor__")
            let c = try XCTUnwrap(t["config"] as? [String: Any])
            XCTAssertEqual(c["dtype"] as? String, "float32")
            let h = try XCTUnwrap(c["keras_history"] as? [Any])
            XCTAssertEqual(h.dropFirst().map { $0 as? Int }, [0, 0])
            return (h.first as? String, try XCTUnwrap(c["shape"] as? [Any]))
        }
        let conv = try XCTUnwrap(byName["conv"]?["inbound_nodes"] as? [[String: Any]])
        XCTAssertEqual(conv.count, 1)
        XCTAssertEqual((conv[0]["kwargs"] as? [String: Any])?.isEmpty, true)
        let convArgs = try XCTUnwrap(conv[0]["args"] as? [Any])
        XCTAssertEqual(convArgs.count, 1)
        let input = try history(convArgs[0])
        XCTAssertEqual(input.name, "in")
        XCTAssertTrue(input.shape.first is NSNull)
        XCTAssertEqual(input.shape.dropFirst().map { $0 as? Int }, [4, 4, 3])

        let add = try XCTUnwrap(byName["add"]?["inbound_nodes"] as? [[String: Any]])
        let addArgs = try XCTUnwrap(add.first?["args"] as? [[Any]])
        XCTAssertEqual(addArgs.count, 1)
        XCTAssertEqual(try addArgs[0].map { try history($0).name }, ["in", "conv"])
        let dense = try XCTUnwrap(byName["dense"]?["inbound_nodes"] as? [[String: Any]])
        let flat = try history(try XCTUnwrap((dense.first?["args"] as? [Any])?.first))
        XCTAssertEqual(flat.name, "flatten")
        XCTAssertEqual(flat.shape.dropFirst().map { $0 as? Int }, [48])
    }
}
