import XCTest
import ZooTensor
import ZooTestSupport
@testable import ZooLayers

/// Runs `layer` on a case of tools/make_layer_fixtures.py (Tests/Fixtures/layers/<name>.h5):
/// builds it on the fixture's inputs, takes Keras's weights, and checks the output against
/// Keras 3's and dx and every weight gradient against tf.GradientTape's, each within 1e-4 of
/// the reference's largest magnitude (non-trainable weights, Normalization's statistics, get no
/// gradient). Returns the largest gradient error so tests can report it.
@discardableResult
func assertMatchesKerasFixture(_ layer: Layer, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Float {
    let path = "layers/\(name).h5"
    var inputs: [Tensor] = []
    while let x = try? fixtureTensor(path, dataset: "x\(inputs.count)") { inputs.append(x) }
    XCTAssertFalse(inputs.isEmpty, "\(path) has no inputs", file: file, line: line)
    _ = try layer.build(inputs.map { Array($0.shape.dropFirst()) })
    for w in layer.weights { try w.assign(try fixtureTensor(path, dataset: "w_\(w.name)")) }
    let expected = try fixtureTensor(path, dataset: "y")
    assertClose(layer.forward(inputs), expected, rtol: 1e-5, "\(name): forward", file: file, line: line)

    let y = layer.forward(inputs, training: true)
    assertClose(y, expected, rtol: 1e-5, "\(name): training forward", file: file, line: line)
    let dxs = layer.backward(try fixtureTensor(path, dataset: "dy"))
    XCTAssertEqual(dxs.count, inputs.count, "\(name): one dx per input", file: file, line: line)
    var worst: Float = 0
    func check(_ ours: Tensor, _ dataset: String) throws {
        let theirs = try fixtureTensor(path, dataset: dataset)
        assertClose(ours, theirs, rtol: 1e-4, "\(name): \(dataset) against tf.GradientTape", file: file, line: line)
        if ours.shape == theirs.shape {
            let err = zip(ours.data, theirs.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } / max(theirs.maxAbs, .leastNormalMagnitude)
            worst = max(worst, err)
        }
    }
    for (i, dx) in dxs.enumerated() { try check(dx, "dx\(i)") }
    for w in layer.weights where w.trainable {
        guard let g = w.gradient else {
            XCTFail("\(name): no gradient for \(w.name)", file: file, line: line)
            continue
        }
        try check(g, "dw_\(w.name)")
    }
    print("\(name): max gradient error vs tf.GradientTape \(worst) of the largest magnitude")
    return worst
}
