import Testing
import Backprop
import ReferenceModels

@Suite("DigitTransformer on the digits")
struct DigitTransformerTests {
    @Test("DigitTransformer: torch-style names, [m, 10] logits, and one Adam step on a batch lowers its loss there")
    func shapesNamesAndOneStep() throws {
        let model = DigitTransformer(seed: 1)
        let names = model.namedParameters.map(\.name)
        #expect(names.prefix(3) == ["embedding.weight", "embedding.bias", "positions"])
        #expect(names.contains("encoder.0.self_attn.in_proj_weight") && names.contains("encoder.1.norm2.bias"))
        #expect(names.suffix(4) == ["norm.weight", "norm.bias", "output.weight", "output.bias"])
        #expect(model.parameterCount == 18_026)
        let batch = try Digits.load(as: Double.self).subset(Array(0..<32))
        #expect(model(batch.features).shape == [32, 10])
        let before = evaluate(model, loss: model.loss, on: batch).loss
        var adam = Adam<Double>(learningRate: 0.003)
        _ = try Trainer<Double>(epochs: 1, batchSize: 32, seed: 1, progress: .silent)
            .fit(model, loss: model.loss, optimizer: &adam, on: batch)
        #expect(evaluate(model, loss: model.loss, on: batch).loss < before)
    }
}
