import Foundation
import XCTest
import ZooLayers
import ZooTensor
@testable import ZooKeras

/// Every layer of the Keras fixtures' configs (tools/make_fixtures.py, tf-keras 2.21 and Keras
/// 3.15) read through the registry and written back by `kerasConfig`: each key zoo writes carries
/// the value Keras wrote. Errors a layer's file throws reach the user as today's one-line
/// KerasImportErrors.
final class LayerConfigRoundTripTests: XCTestCase {
    func testFixtureConfigsRoundTrip() throws {
        for model in tinyModels {
            for keras3 in [false, true] {
                let name = keras3 ? "\(model).k3.config.json" : "\(model).config.json"
                let m = try configModel(model, keras3: keras3)
                let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture(name))))
                    as? [String: Any])
                let specs = try XCTUnwrap((root["config"] as? [String: Any])?["layers"] as? [[String: Any]])
                XCTAssertEqual(m.layers.count, specs.count, name)
                for (layer, spec) in zip(m.layers, specs) {
                    XCTAssertEqual(layer.className, spec["class_name"] as? String, "\(name): \(layer.name)")
                    let keras = try XCTUnwrap(spec["config"] as? [String: Any])
                    for (key, ours) in layer.kerasConfig where !(layer is InputLayer && key == "batch_input_shape" && keras3) {
                        let theirs = try XCTUnwrap(keras[key], "\(name): \(layer.name) writes \(key), which Keras does not")
                        XCTAssertTrue(jsonEqual(ours, theirs, key: key), "\(name): \(layer.name).\(key) is \(ours), Keras wrote \(theirs)")
                    }
                    if let input = layer as? InputLayer, keras3 {
                        XCTAssertEqual([NSNull()] + input.shape.map { $0 as Any } as NSArray, keras["batch_shape"] as? NSArray)
                    }
                }
            }
        }
    }

    func testLayerErrorsBecomeOneLineImportErrors() {
        let cases: [(String, String)] = [
            (#""class_name": "Conv2D", "config": {"filters": 4, "kernel_size": 3, "strides": [0, 1]}"#,
             "m.h5: model config: layer l: strides [0, 1] is out of range 1...1048576"),
            (#""class_name": "Conv2D", "config": {"filters": 4, "kernel_size": 3, "dilation_rate": 2}"#,
             "m.h5: layer l has class Conv2D, which zoo does not support (dilation)"),
            (#""class_name": "Dense", "config": {}"#, "m.h5: model config: layer l: Dense without units"),
            (#""class_name": "Dense", "config": {"units": 100000}"#,
             "m.h5: model config: layer l would have 2621400000 weights, more than the 268435456 zoo allows"),
            (#""class_name": "Add", "config": {}"#, "m.h5: model config: layer l (Add) has 1 inputs"),
            (#""class_name": "Conv3D", "config": {}"#, "m.h5: layer l has class Conv3D, which zoo does not support"),
            (#""class_name": "Flatten", "config": {}"#, "m.h5: model config: layer l (Flatten) has 0 inputs"),
        ]
        for (layer, message) in cases {
            let inbound = layer.contains("Flatten") ? "[]" : #"[[["in", 0, 0, {}]]]"#
            let json = #"{"class_name": "Functional", "config": {"name": "m", "layers": [{"class_name": "InputLayer", "name": "in", "config": {"batch_input_shape": [null, 8, 8, 26214]}, "inbound_nodes": []}, {"name": "l", "#
                + layer + #", "inbound_nodes": "# + inbound + "}]}}"
            XCTAssertThrowsError(try modelFromConfig(json, file: "m.h5")) { error in
                XCTAssertTrue(error is KerasImportError, "\(type(of: error)): \(error)")
                XCTAssertEqual("\(error)", message)
            }
        }
    }

    func testInputErrorsNameTheInput() {
        let json = #"{"class_name": "Functional", "config": {"name": "m", "layers": [{"class_name": "InputLayer", "name": "in", "config": {"batch_input_shape": [null, null, 3]}, "inbound_nodes": []}]}}"#
        XCTAssertThrowsError(try modelFromConfig(json, file: "m.h5")) { error in
            XCTAssertEqual("\(error)", "m.h5: model config: layer in: the input has no fixed shape ([<null>, <null>, 3])")
        }
    }
}

/// Equal as JSON, numbers at Float precision (zoo keeps Float hyper-parameters); tf-keras writes
/// the channel axis it resolved ([3]) where zoo writes -1.
private func jsonEqual(_ ours: Any, _ theirs: Any, key: String) -> Bool {
    if key == "axis", (ours as? Int) == -1 {
        return [[-1], [3]].contains((theirs as? [Int]) ?? [(theirs as? Int) ?? 0])
    }
    let mirror = Mirror(reflecting: ours)
    if mirror.displayStyle == .optional {
        guard let wrapped = mirror.children.first?.value else { return theirs is NSNull }
        return jsonEqual(wrapped, theirs, key: key)
    }
    switch ours {
    case let b as Bool: return (theirs as? Bool) == b
    case let s as String: return (theirs as? String) == s
    case let i as Int: return (theirs as? Double).map(Float.init) == Float(i)
    case let d as Double: return (theirs as? Double).map(Float.init) == Float(d)
    case let a as [Any]:
        guard let t = theirs as? [Any], t.count == a.count else { return false }
        return zip(a, t).allSatisfy { jsonEqual($0, $1, key: key) }
    default: return false
    }
}
