// swift-tools-version:6.0
// Backprop: reverse-mode automatic differentiation in pure Swift.
// No dependencies and no unsafeFlags: see ../shared/DESIGN.md. One small C target (CKernels).
import PackageDescription

let package = Package(
    name: "Backprop",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Backprop", targets: ["Backprop"]),
        // The reference architectures (DigitClassifier, XORNetwork, …), usable from another package.
        .library(name: "ReferenceModels", targets: ["ReferenceModels"]),
        .executable(name: "backprop", targets: ["BackpropTool"]),
    ],
    targets: [
        // The one place that is not Swift: SIMD GEMM micro-kernels (AVX2+FMA, AVX-512F) with
        // per-function target attributes and CPUID dispatch (../shared/DESIGN.md).
        .target(name: "CKernels"),
        .target(name: "Tensors", dependencies: ["CKernels"]),
        .target(name: "Autodiff", dependencies: ["Tensors"]),
        // The textbook algorithms, an independent oracle: Tensors only, never Autodiff.
        .target(name: "DeltaRule", dependencies: ["Tensors"]),
        .target(
            name: "NeuralNetworks", dependencies: ["Tensors", "Autodiff", "DeltaRule"],
            resources: [.copy("Resources/digits.csv")]),
        .target(name: "Backprop", dependencies: ["Tensors", "Autodiff", "DeltaRule", "NeuralNetworks"]),
        // Reference architectures written only with the public API.
        .target(name: "ReferenceModels", dependencies: ["Backprop"], path: "Models"),
        .executableTarget(name: "BackpropTool", dependencies: ["Backprop", "ReferenceModels"]),
        // Release-mode benchmarks (swift run -c release Benchmarks); not part of any product.
        .executableTarget(name: "Benchmarks", dependencies: ["Tensors", "Autodiff", "NeuralNetworks", "CKernels"]),
        // What the test targets share (an XML reader for the SVG tests); not part of any product.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"], resources: [.copy("Fixtures")]),
        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff", "Tensors", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DeltaRuleTests", dependencies: ["DeltaRule", "NeuralNetworks", "Autodiff", "Tensors"]),
        .testTarget(
            name: "NeuralNetworksTests", dependencies: ["NeuralNetworks", "DeltaRule", "Autodiff", "Tensors", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "ReferenceModelsTests", dependencies: ["ReferenceModels", "Backprop"]),
        // Every ```swift block of README.md and Docs/*.md, compiled and run (Snippets.swift is generated).
        .testTarget(name: "DocSnippetTests", dependencies: ["ReferenceModels", "Backprop"], exclude: ["regenerate.sh"]),
        // Runs the built `backprop` executable end to end (the dependency makes `swift test` build it).
        .testTarget(name: "BackpropToolTests", dependencies: ["BackpropTool", "TestSupport", "Tensors"]),
    ]
)
