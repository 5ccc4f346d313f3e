import Foundation
import Testing
import Backprop
import ReferenceModels

@Suite("DigitLSTM reads a digit's rows as a sequence")
struct DigitLSTMTests {
    /// The release-mode figure (`backprop train --model lstm`: Adam η = 0.01, cosine schedule,
    /// batch 32, 20 epochs, seed 5) is 98.05% test accuracy in about 8 s; CI checks ≥ 97%
    /// (.ci/run). The debug build only checks shapes, names and that training steps lower the loss.
    @Test("DigitLSTM: [m, 64] → 8 steps of 8 → LSTM 48 → dense 10; PyTorch's names; Adam steps lower the loss")
    func shapesNamesAndSteps() throws {
        let data = try Digits.load(as: Double.self).subset(Array(0..<64))
        let model = DigitLSTM(seed: 5)
        #expect(model.namedParameters.map(\.name) == ["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0",
                                                      "lstm.bias_hh_l0", "output.weight", "output.bias"])
        #expect(model.parameters.map(\.value.shape) == [[192, 8], [192, 48], [192], [192], [48, 10], [10]])
        #expect(model.parameterCount == 192 * 8 + 192 * 48 + 2 * 192 + 48 * 10 + 10)
        #expect(model.pyTorchStateDict().map(\.name) == ["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0",
                                                         "lstm.bias_hh_l0", "output.weight", "output.bias"])
        #expect(model(data.features).shape == [64, 10])
        let before = evaluate(model, loss: model.loss, on: data).loss
        var adam = Adam<Double>(learningRate: 0.01)
        _ = try Trainer<Double>(epochs: 3, batchSize: 64, seed: 5, progress: .silent)
            .fit(model, loss: model.loss, optimizer: &adam, on: data)
        let after = evaluate(model, loss: model.loss, on: data).loss
        #expect(after < before - 0.05, "loss \(before) → \(after)")
    }
}
