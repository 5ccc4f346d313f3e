// swift-tools-version:6.0
// Backprop: reverse-mode automatic differentiation in pure Swift.
// No dependencies and no unsafeFlags: see ../shared/DESIGN.md.
import PackageDescription

let package = Package(
    name: "Backprop",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Backprop", targets: ["Backprop"]),
        .executable(name: "backprop", targets: ["BackpropTool"]),
    ],
    targets: [
        .target(name: "Tensors"),
        .target(name: "Autodiff", dependencies: ["Tensors"]),
        .target(name: "Backprop", dependencies: ["Tensors", "Autodiff"]),
        .executableTarget(name: "BackpropTool", dependencies: ["Backprop"]),
        // Release-mode benchmarks (swift run -c release Benchmarks); not part of any product.
        .executableTarget(name: "Benchmarks", dependencies: ["Tensors", "Autodiff"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff", "Tensors"]),
    ]
)
