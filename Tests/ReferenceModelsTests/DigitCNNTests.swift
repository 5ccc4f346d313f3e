import Foundation
import Testing
import Backprop
import ReferenceModels

@Suite("DigitCNN trains on the digits")
struct DigitCNNTests {
    /// The settings of the release-mode figure (Docs/Operators.md, "Convolution and pooling"):
    /// Adam η = 0.01, batch 32, seed 5, 25 epochs: 99.2% test accuracy (356 of 359) in about 7 s
    /// (`DIGITCNN_EPOCHS=25 swift test -c release --filter DigitCNNTests`). The debug build runs
    /// 3 epochs (95.5%) against a loose bound.
    @Test("DigitCNN: conv → relu → pool ×2 → dense, Adam η = 0.01, batch 32, seed 5: ≥ 93% test accuracy after 3 epochs")
    func trains() throws {
        let (training, test) = try Digits.load(as: Double.self).split(testEvery: 5)
        let model = DigitCNN(seed: 5)
        #expect(model.namedParameters.map(\.name) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                                      "output.weight", "output.bias"])
        let epochs = ProcessInfo.processInfo.environment["DIGITCNN_EPOCHS"].flatMap(Int.init) ?? 3
        var adam = Adam<Double>(learningRate: 0.01)
        let start = Date()
        _ = try Trainer<Double>(epochs: epochs, batchSize: 32, seed: 5, progress: .silent)
            .fit(model, loss: model.loss, optimizer: &adam, on: training)
        let accuracy = evaluate(model, loss: model.loss, on: test).accuracy
        if ProcessInfo.processInfo.environment["DIGITCNN_EPOCHS"] != nil {
            print("DigitCNN: \(epochs) epochs, test accuracy \(accuracy), \(Date().timeIntervalSince(start)) s")
        }
        #expect(accuracy >= 0.93)
    }

    @Test("Docs/Operators.md's convolution example, verbatim: a Conv2D, relu and a max pool, and x̄")
    func docsExample() {
        var generator = SeededGenerator(seed: 1)
        let conv = Conv2D<Double>(inputChannels: 3, outputChannels: 4, kernelSize: 3, padding: 1, using: &generator)
        let tape = Tape<Double>()
        let x = tape.variable(Tensor<Double>(randomUniform: [2, 3, 8, 8], seed: 2))
        let y = relu(conv(x)).maxPool2d(kernelSize: 2)    // [2, 4, 4, 4]
        let g = tape.gradient(of: y.sum(), wrt: [x])       // x̄: [2, 3, 8, 8]
        #expect(y.shape == [2, 4, 4, 4])
        #expect(g[0].shape == [2, 3, 8, 8])
        #expect(conv.parameters.map(\.name) == ["weight", "bias"])
        let bound = 1 / (27.0).squareRoot()  // PyTorch's U(−1/√fanIn, 1/√fanIn), fanIn = 3·3·3
        #expect(conv.parameters.allSatisfy { $0.value.scalars.allSatisfy { Swift.abs($0) <= bound } })
    }
}
