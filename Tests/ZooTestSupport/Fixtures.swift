import Foundation
import ZooHDF5
import ZooTensor

/// The repository's root and its committed test fixtures (`Tests/Fixtures`), found from this
/// file's path so every test module reads the same files without copying them as resources.
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

public func fixturePath(_ relative: String) -> String {
    repositoryRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative).path
}

/// A float dataset of an HDF5 fixture as a tensor of its stored shape.
public func fixtureTensor(_ relative: String, dataset: String) throws -> Tensor {
    let d = try H5File.open(fixturePath(relative)).root.dataset(dataset)
    return Tensor(shape: d.shape, data: try d.readFloats())
}
