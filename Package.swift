// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "ModelZoo",
    products: [
        .library(name: "ModelZoo", targets: ["ZooSupport", "ZooHDF5", "ZooTensor", "ZooLayers", "ZooModels", "ZooKeras", "ZooData", "ZooTraining", "ZooPipelines", "ZooCLI"]),
        .executable(name: "zoo", targets: ["zoo"]),
        .executable(name: "finetune-example", targets: ["FinetuneExample"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CGzip", path: "Sources/CGzip", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "ZooSupport"),
        .target(name: "ZooHDF5", dependencies: ["CHDF5", "ZooSupport"]),
        .target(name: "CKernels"),
        // libjpeg-turbo and libpng (as TensorFlow decodes), stb_image for BMP and GIF (libstb-dev).
        .target(name: "CImage", linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16"), .linkedLibrary("stb")]),
        .target(name: "ZooTensor", dependencies: ["COpenBLAS", "CKernels"]),
        .target(name: "ZooLayers", dependencies: ["ZooTensor"]),
        .target(name: "ZooModels", dependencies: ["ZooLayers"]),
        .target(name: "ZooKeras", dependencies: [
            "ZooHDF5", "ZooLayers", "ZooModels", "ZooSupport",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        .target(name: "ZooData", dependencies: [
            "CGzip", "CImage", "ZooTensor", "ZooLayers", "ZooModels", "ZooHDF5", "ZooSupport",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ], resources: [.copy("Resources/mnist-sample")]),
        .target(name: "ZooTraining", dependencies: ["ZooLayers", "ZooHDF5"]),
        .target(name: "ZooPipelines", dependencies: ["ZooKeras", "ZooModels", "ZooData", "ZooTraining", "ZooLayers"]),
        .target(name: "ZooCLI", dependencies: [
            "ZooKeras", "ZooModels", "ZooData", "ZooTraining", "ZooPipelines",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "zoo", dependencies: ["ZooCLI"]),
        // The README's "Use it as a library" program, verbatim.
        .executableTarget(name: "FinetuneExample", dependencies: ["ZooPipelines"], path: "Sources/Examples/FinetuneExample"),
        .target(name: "ZooTestSupport", dependencies: ["ZooTensor", "ZooHDF5", "ZooLayers"], path: "Tests/ZooTestSupport"),
        .testTarget(name: "ZooSupportTests", dependencies: ["ZooSupport", "ZooTestSupport"]),
        .testTarget(name: "ZooHDF5Tests", dependencies: ["ZooHDF5"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ZooTensorTests", dependencies: ["ZooTensor"]),
        .testTarget(name: "ZooLayersTests", dependencies: ["ZooLayers", "ZooTestSupport"]),
        .testTarget(name: "ZooModelsTests", dependencies: ["ZooModels", "ZooTestSupport"]),
        .testTarget(name: "ZooKerasTests", dependencies: ["ZooKeras", "ZooModels", "ZooSupport", "ZooTestSupport"]),
        .testTarget(name: "ZooDataTests", dependencies: ["ZooData", "ZooHDF5"]),
        .testTarget(name: "ZooTrainingTests", dependencies: ["ZooTraining", "ZooKeras", "ZooHDF5", "ZooModels"]),
        .testTarget(name: "ZooPipelinesTests", dependencies: ["ZooPipelines", "ZooTestSupport"]),
        .testTarget(name: "ZooCLITests", dependencies: ["ZooCLI", "ZooModels"]),
    ]
)
