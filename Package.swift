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
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff", "Tensors"]),
    ]
)
