import Foundation
import Testing
import Autodiff
import Tensors
@testable import NeuralNetworks

/// The network of `torch_batchnorm_export_fixtures.py`, written here:
/// nn.Sequential(Conv2d(1, 2, 3), ReLU(), Flatten(), Linear(18, 5), ReLU(), Linear(5, 4), BatchNorm1d(4)).
private func network(seed: UInt64) -> Sequential<Double> {
    var g = SeededGenerator(seed: seed)
    return Sequential<Double>([
        Conv2D(inputChannels: 1, outputChannels: 2, kernelSize: 3, using: &g),
        Lambda { relu($0) },
        Flatten(),
        Dense(inputSize: 18, outputSize: 5, activation: .relu, using: &g),  // two modules: Linear, ReLU
        Dense(inputSize: 5, outputSize: 4, using: &g),
        BatchNorm(featureCount: 4),
    ])
}

@Suite("PyTorch-layout export and import: torch's names, torch's [out, in] weights")
struct PyTorchExportTests {
    nonisolated(unsafe) static let fixture = try? TorchFixture("torch_batchnorm_export_fixtures").root["sequential"] as? [String: Any]

    @Test("pyTorchStateDict has nn.Sequential's numbering and nn.Linear's layout")
    func names() throws {
        let model = network(seed: 1)
        let keys = try #require(Self.fixture?["keys"] as? [String])
        #expect(model.pyTorchStateDict().map(\.name) == keys)
        let dense = try #require(model.layers[3] as? Dense<Double>)
        let exported = Dictionary(uniqueKeysWithValues: model.pyTorchStateDict().map { ($0.name, $0.value) })
        #expect(exported["3.weight"] == dense.weight.value.transposed())
        #expect(exported["3.weight"]?.shape == [5, 18])
        #expect(exported["0.weight"] == (model.layers[0] as? Conv2D<Double>)?.weight.value)
        // The native names are unchanged: positions, [in, out].
        #expect(model.namedParameters.map(\.name).prefix(4) == ["0.weight", "0.bias", "3.weight", "3.bias"])
        #expect(model.namedParameters.map(\.name).suffix(2) == ["5.weight", "5.bias"])
    }

    @Test("a safetensors file written from PyTorch loads, and the model then computes PyTorch's output (≤ 1e-10)")
    func importTorch() throws {
        let url = try #require(Bundle.module.url(forResource: "torch_sequential", withExtension: "safetensors",
                                                 subdirectory: "Fixtures"))
        let model = network(seed: 2)
        try model.loadPyTorchCheckpoint(from: url)  // num_batches_tracked is int64 in the file
        let tensors = try #require(Self.fixture?["tensors"] as? [String: Any])
        for (name, value) in model.pyTorchStateDict() {
            #expect(relativeError(value, try TorchFixture.tensor(tensors[name])) <= 1e-15, "\(name)")  // JSON parsing may miss an ulp
        }
        model.setMode(.evaluation)
        let y = model(try TorchFixture.tensor(Self.fixture?["x"]))
        #expect(relativeError(y, try TorchFixture.tensor(Self.fixture?["y"])) <= 1e-10)
    }

    @Test("save in PyTorch's layout, load into another initialisation: the same outputs, bit for bit")
    func roundTrip() throws {
        let model = network(seed: 3)
        _ = model(Tensor<Double>(randomUniform: [6, 1, 5, 5], seed: 4))  // training: running statistics move
        model.setMode(.evaluation)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("torch-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.savePyTorchCheckpoint(to: url, metadata: ["format": "pt"])
        let file = try SafetensorsFile<Double>(contentsOf: url)
        #expect(file.tensors["3.weight"]?.shape == [5, 18] && file.metadata == ["format": "pt"])
        let restored = network(seed: 5)
        #expect(try restored.loadPyTorchCheckpoint(from: url) == ["format": "pt"])
        restored.setMode(.evaluation)
        let x = Tensor<Double>(randomUniform: [2, 1, 5, 5], seed: 6)
        #expect(restored(x) == model(x))
    }

    @Test("a mismatched state_dict names every missing, unexpected and mis-shaped tensor, and loads nothing")
    func mismatch() throws {
        let model = network(seed: 7)
        var tensors = Dictionary(uniqueKeysWithValues: model.pyTorchStateDict().map { ($0.name, $0.value) })
        tensors["3.weight"] = Tensor(zeros: [18, 5])  // our layout, not torch's
        tensors["9.weight"] = Tensor(zeros: [1])
        tensors["5.bias"] = nil
        let before = model.parameters.map(\.value)
        #expect(throws: CheckpointError.mismatch(file: "<state_dict>", missing: ["5.bias"], unexpected: ["9.weight"],
                                                 wrongShapes: [.init(name: "3.weight", expected: [5, 18], found: [18, 5])])) {
            try model.loadPyTorchStateDict(tensors)
        }
        #expect(model.parameters.map(\.value) == before)
    }
}
