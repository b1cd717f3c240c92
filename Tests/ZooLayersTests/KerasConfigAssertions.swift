import Foundation
import XCTest
import ZooTensor
@testable import ZooLayers

// The layer configs in Layers/*Tests.swift are what tf-keras 2.21 writes, printed by
//   layer = tf_keras.layers.Conv2D(8, (3, 5), ..., name="conv"); layer(tf_keras.Input(shape))
//   print(json.dumps({"class_name": type(layer).__name__, "config": layer.get_config()},
//                    sort_keys=True, default=lambda o: o.tolist()))
// (the layer's file names the arguments; the Keras fixtures' configs are checked the same way in
// ZooKerasTests/LayerConfigRoundTripTests.swift).

/// Reads one `{"class_name": ..., "config": {...}}` as Keras writes it, builds the layer through
/// the registry (on `inputShapes` when given, so weighted layers get their weights), and checks
/// that the config the layer writes back agrees with Keras's on every key it writes.
@discardableResult
func assertKerasConfigRoundTrip(_ json: String, inputShapes: [[Int]]? = nil,
                                file: StaticString = #filePath, line: UInt = #line) throws -> Layer {
    let spec = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], file: file, line: line)
    let className = try XCTUnwrap(spec["class_name"] as? String, file: file, line: line)
    let keras = try XCTUnwrap(spec["config"] as? [String: Any], file: file, line: line)
    let name = keras["name"] as? String ?? "layer"
    let type = try XCTUnwrap(kerasLayerClass(named: className), "\(className) is not registered", file: file, line: line)
    let layer = try type.init(name: name, config: KerasLayerConfig(layer: name, className: className, values: keras))
    XCTAssertEqual(layer.className, className, file: file, line: line)
    if let inputShapes { _ = try layer.build(inputShapes) }
    assertKerasConfig(layer, equals: keras, file: file, line: line)
    return layer
}

/// Every key of `layer.kerasConfig` is in Keras's config with the same value.
func assertKerasConfig(_ layer: Layer, equals keras: [String: Any], file: StaticString = #filePath, line: UInt = #line) {
    for (key, ours) in layer.kerasConfig {
        guard let theirs = keras[key] else {
            XCTFail("\(layer.name): \(key) is not in Keras's config", file: file, line: line)
            continue
        }
        let same = key == "axis" ? lastAxis(ours) == lastAxis(theirs) : kerasValuesEqual(ours, theirs)
        XCTAssertTrue(same, "\(layer.className) \(layer.name): \(key) is \(ours), Keras wrote \(theirs)", file: file, line: line)
    }
}

/// tf-keras writes the axis it resolved ([3] for NHWC), Keras 3 what it was given (-1 or 3); zoo
/// writes -1. All of them mean the channel axis.
private func lastAxis(_ value: Any) -> Int? {
    switch value {
    case let a as Int: return a == 3 ? -1 : a
    case let a as [Int] where a.count == 1: return a[0] == 3 ? -1 : a[0]
    default: return nil
    }
}

/// Equal as JSON: nil and null alike, numbers compared at Float precision (zoo keeps Float
/// hyper-parameters; Keras writes 1/255 as a double), arrays element by element.
func kerasValuesEqual(_ ours: Any, _ theirs: Any) -> Bool {
    let mirror = Mirror(reflecting: ours)
    if mirror.displayStyle == .optional {
        guard let wrapped = mirror.children.first?.value else { return theirs is NSNull }
        return kerasValuesEqual(wrapped, theirs)
    }
    switch ours {
    case let b as Bool: return (theirs as? Bool) == b
    case let s as String: return (theirs as? String) == s
    case let i as Int: return number(theirs) == Float(i)
    case let d as Double: return number(theirs) == Float(d)
    case let f as Float: return number(theirs) == f
    case let a as [Any]:
        guard let t = theirs as? [Any], t.count == a.count else { return false }
        return zip(a, t).allSatisfy { kerasValuesEqual($0, $1) }
    default: return false
    }
}

/// JSONSerialization gives NSNumbers, which on Linux cast to Bool, Int and Double alike.
private func number(_ value: Any) -> Float? {
    (value as? Double).map(Float.init) ?? (value as? Int).map(Float.init)
}

/// A config `LayerError` for `className` built from `config`, with its message.
func assertConfigRefused(_ className: String, _ config: [String: Any], _ message: String,
                         file: StaticString = #filePath, line: UInt = #line) {
    guard let layerClass = kerasLayerClass(named: className) else {
        return XCTFail("\(className) is not registered", file: file, line: line)
    }
    XCTAssertThrowsError(try layerClass.init(name: "l", config: KerasLayerConfig(layer: "l", className: className, values: config)),
                         file: file, line: line) { error in
        XCTAssertTrue(error is LayerError, "\(type(of: error)): \(error)", file: file, line: line)
        XCTAssertEqual("\(error)", message, file: file, line: line)
    }
}

/// The roles of `layer`'s weights in order, as "name(legacy names) initializer [frozen]".
func roleSummary(_ layer: Layer) -> [String] {
    layer.weights.map { w in
        let legacy = w.role.legacyNames.isEmpty ? "" : "(\(w.role.legacyNames.joined(separator: ",")))"
        return "\(w.name)\(legacy) \(w.role.initializer.rawValue)\(w.trainable ? "" : " frozen")"
    }
}
