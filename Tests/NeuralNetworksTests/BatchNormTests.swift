import Foundation
import Testing
import Autodiff
import Tensors
import NeuralNetworks

@Suite("BatchNorm agrees with PyTorch: training, running statistics, evaluation")
struct BatchNormTests {
    nonisolated(unsafe) static let cases: [[String: Any]] = (try? TorchFixture("torch_batchnorm_export_fixtures").root["batchnorm"] as? [[String: Any]]) ?? []

    @Test("two training steps (y and ∂(Σ y ⊙ r)/∂(x, γ, β)), then the running statistics and eval output (≤ 1e-10)",
          arguments: 0..<3)
    func matchesTorch(_ index: Int) throws {
        try #require(Self.cases.count == 3)
        let c = Self.cases[index]
        let shape = try #require(c["shape"] as? [Int])
        let norm = BatchNorm<Double>(featureCount: shape[1])
        norm.weight!.value = try TorchFixture.tensor(c["weight"])
        norm.bias!.value = try TorchFixture.tensor(c["bias"])
        for step in try #require(c["steps"] as? [[String: Any]]) {
            let tape = Tape<Double>()
            let x = tape.variable(try TorchFixture.tensor(step["x"]))
            let y = norm(x)
            let loss = (y * tape.constant(try TorchFixture.tensor(step["r"]))).sum()
            let g = tape.gradient(of: loss, wrt: [x, norm.weight!.variable(on: tape), norm.bias!.variable(on: tape)])
            #expect(relativeError(y.value, try TorchFixture.tensor(step["y"])) <= 1e-10)
            #expect(relativeError(g[0], try TorchFixture.tensor(step["gx"])) <= 1e-10)
            #expect(relativeError(g[1], try TorchFixture.tensor(step["gweight"])) <= 1e-10)
            #expect(relativeError(g[2], try TorchFixture.tensor(step["gbias"])) <= 1e-10)
        }
        #expect(relativeError(norm.runningMean.value, try TorchFixture.tensor(c["running_mean"])) <= 1e-10)
        #expect(relativeError(norm.runningVariance.value, try TorchFixture.tensor(c["running_var"])) <= 1e-10)
        #expect(norm.batchesTracked.value == Tensor(2))
        norm.mode = .evaluation
        let before = norm.runningMean.value
        #expect(relativeError(norm(try TorchFixture.tensor(c["eval_x"])), try TorchFixture.tensor(c["eval_y"])) <= 1e-10)
        #expect(norm.runningMean.value == before)  // evaluation leaves the statistics alone
    }

    @Test("gradients pass first- and second-order finite differences in training mode")
    func finiteDifferences() {
        let norm = BatchNorm<Double>(featureCount: 3)
        norm.weight!.value = Tensor([1.5, 0.5, -1])
        let r = Tensor<Double>(randomNormal: [4, 3, 2], seed: 8)
        let x = Tensor<Double>(randomNormal: [4, 3, 2], seed: 9)
        let first = checkGradients(at: [x]) { v in (norm(v[0]) * v[0].tape.constant(r)).sum() }
        #expect(first.passes(tolerance: 1e-7), "\(first)")
        // Second order: the gradient's norm² differentiated again.
        let second = checkGradients(at: [x]) { v in
            let tape = v[0].tape
            let y = (norm(v[0]) * tape.constant(r)).sum()
            let g = tape.gradient(of: y, wrt: [v[0]], creatingGraph: true)[0]
            return (g * g).sum()
        }
        #expect(second.passes(tolerance: 1e-6), "\(second)")
    }

    @Test("a wrong channel count or a single value per channel stops, naming BatchNorm and the shapes")
    func badInput() async {
        await #expect(processExitsWith: .failure) {
            _ = BatchNorm<Double>(featureCount: 3)(Tensor<Double>(zeros: [2, 4]))
        }
        await #expect(processExitsWith: .failure) {
            _ = BatchNorm<Double>(featureCount: 3)(Tensor<Double>(zeros: [1, 3]))
        }
    }
}
