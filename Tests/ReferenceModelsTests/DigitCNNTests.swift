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
}
