import Testing
import Backprop
import ReferenceModels

/// Each reference model trains to a stated quality on a small budget (debug builds run these).
@Suite("Reference models train")
struct ReferenceModelsTests {
    @Test("XORNetwork: full-batch SGD (η = 2, seed 2) classifies all four patterns and E < 0.01 within 2,000 epochs")
    func xor() throws {
        let model = XORNetwork(seed: 2)
        var sgd = SGD<Double>(learningRate: 2)
        let data = XORNetwork.patterns
        let before = evaluate(model, loss: model.loss, on: data)
        _ = try Trainer<Double>(epochs: 2000, batchSize: 4, seed: 0, progress: .silent).fit(model, loss: model.loss, optimizer: &sgd, on: data)
        let after = evaluate(model, loss: model.loss, on: data)
        #expect(after.accuracy == 1)
        #expect(after.loss < 0.01 && after.loss < before.loss)
    }

    @Test("DigitClassifier: 15 epochs on the digits reach ≥ 93% test accuracy; its Θ agree with the δ rules")
    func digits() throws {
        let (training, test) = try Digits.load(as: Double.self).split(testEvery: 5)
        let model = DigitClassifier(seed: 7)
        var adam = Adam<Double>(learningRate: 0.01)
        _ = try Trainer<Double>(epochs: 15, batchSize: 32, lambda: 0.3, seed: 7, progress: .silent)
            .fit(model, loss: model.loss, optimizer: &adam, on: training)
        #expect(evaluate(model, loss: model.loss, on: test).accuracy >= 0.93)
        let batch = test.subset(Array(0..<64))
        let agreement = compareTapeWithDeltaRule(thetas: model.thetas, inputs: batch.features, labels: batch.oneHotLabels, lambda: 0.3)
        #expect(agreement.isBitwiseIdentical)  // fused op on m·J: any m
    }

    @Test("LogisticRegression: digits 0 against 1, ≥ 99% on held-out images after 20 epochs")
    func logistic() throws {
        let digits = try Digits.load(as: Double.self)
        let zeroOne = digits.subset((0..<digits.count).filter { digits.labels[$0] < 2 })
        let (training, test) = zeroOne.split(testEvery: 5)
        let model = LogisticRegression(features: 64, classes: 2)
        var sgd = SGD<Double>(learningRate: 0.5)
        _ = try Trainer<Double>(epochs: 20, batchSize: 16, seed: 1, progress: .silent).fit(model, loss: model.loss, optimizer: &sgd, on: training)
        #expect(model.loss == .binaryCrossEntropy)
        #expect(evaluate(model, loss: model.loss, on: test).accuracy >= 0.99)
    }

    @Test("DeepReLUNetwork 64-64-32-10: 10 epochs of Adam reach ≥ 93% test accuracy on the digits")
    func deep() throws {
        let (training, test) = try Digits.load(as: Double.self).split(testEvery: 5)
        let model = DeepReLUNetwork(widths: [64, 64, 32, 10], seed: 3)
        #expect(model.namedParameters.map(\.name).prefix(2) == ["0.weight", "0.bias"])
        var adam = Adam<Double>(learningRate: 0.005)
        _ = try Trainer<Double>(epochs: 10, batchSize: 32, seed: 3, progress: .silent).fit(model, loss: model.loss, optimizer: &adam, on: training)
        #expect(evaluate(model, loss: model.loss, on: test).accuracy >= 0.93)
    }
}
