import Foundation
import Testing
import Backprop
import ReferenceModels

/// The code of Docs/GettingStarted.md, sections 2–5: if the page's code stops compiling or its
/// claims stop holding, this fails.
@Suite("Docs/GettingStarted.md")
struct GettingStartedTests {
    /// y = x + W₂·relu(W₁·x + b₁) + b₂
    final class Residual: Layer {
        let inner: Dense<Double>, outer: Dense<Double>

        init(width: Int, seed: UInt64) {
            var g = SeededGenerator(seed: seed)
            inner = Dense(inputSize: width, outputSize: width, activation: .relu, initializer: .heNormal, using: &g)
            outer = Dense(inputSize: width, outputSize: width, using: &g)
        }

        func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { x + outer(inner(x)) }
    }

    @Test("define, train, read gradients, compare with the δ rules")
    func walkthrough() throws {
        var g = SeededGenerator(seed: 1)
        let model = Sequential<Double>([
            Dense(inputSize: 64, outputSize: 32, activation: .relu, initializer: .heNormal, using: &g),
            Residual(width: 32, seed: 2),
            Dense(inputSize: 32, outputSize: 10, using: &g),
        ])
        #expect(model.namedParameters.map(\.name).prefix(3) == ["0.weight", "0.bias", "1.inner.weight"])

        let digits = try Digits.load(as: Double.self)
        let (training, test) = digits.split(testEvery: 5)
        var adam = Adam<Double>(learningRate: 0.005)
        let trainer = Trainer<Double>(epochs: 3, batchSize: 32, lambda: 0.1, seed: 3, progress: .silent)
        let history = try trainer.fit(model, loss: .softmaxCrossEntropy, optimizer: &adam, on: training, evaluatingOn: test)
        #expect(history.count == 3)
        #expect(evaluate(model, loss: .softmaxCrossEntropy, on: test).accuracy > 0.85)
        let curves = FileManager.default.temporaryDirectory.appendingPathComponent("curves-\(getpid()).svg")
        defer { try? FileManager.default.removeItem(at: curves) }
        try TrainingChart(history, title: "digits").write(to: curves)
        let chart = try String(contentsOf: curves, encoding: .utf8)
        #expect(chart.contains("<svg") && chart.contains("data-series=\"test accuracy (%)\"") && chart.contains("digits"))

        let tape = Tape<Double>()
        let x = tape.constant(test.features)
        let z1 = matmul(x, model.parameters[0].variable(on: tape)).addingBias(model.parameters[1].variable(on: tape))
        let logits = Sequential(Array(model.layers.dropFirst()))(relu(z1))
        let loss = softmaxCrossEntropy(logits: logits, classIndices: test.labels)
        let grads = tape.gradient(of: loss, wrt: [z1] + model.parameters.map { $0.variable(on: tape) })
        #expect(grads[0].shape == [test.count, 32])
        #expect(grads.count == 1 + model.parameters.count)
        let dot = tape.graphviz(of: loss, naming: ["x": x, "z1": z1])
        #expect(dot.contains("z1\\n#") && dot.contains("softmaxCrossEntropy"))

        let net = DigitClassifier(seed: 7)
        let batch = test.subset(Array(0..<50))
        let agreement = compareTapeWithDeltaRule(thetas: net.thetas, inputs: batch.features,
                                                 labels: batch.oneHotLabels, lambda: 0.3)
        #expect(agreement.isBitwiseIdentical)

        // Section 6: differentiate again.
        let tape2 = Tape<Double>()
        let input = tape2.variable(test.features)
        let dx = tape2.gradient(of: model(input).sum(), wrt: [input], creatingGraph: true)[0]
        let penalty = (dx * dx).mean()
        let penaltyGrads = tape2.gradient(of: penalty, wrt: model.parameters.map { $0.variable(on: tape2) })
        #expect(penaltyGrads.count == model.parameters.count)
        #expect(penaltyGrads.contains { g in g.scalars.contains { $0 != 0 } })
        let features = test.features.slice(0..<40, alongAxis: 0).slice(20..<23, alongAxis: 1)
        let isZero = Tensor<Double>(shape: [40, 1], scalars: test.labels.prefix(40).map { $0 == 0 ? 1 : 0 })
        let h = hessian(at: Tensor<Double>(zeros: [3, 1])) { w in
            sigmoidCrossEntropy(logits: matmul(w.tape.constant(features), w), labels: isZero)
        }
        #expect(h.shape == [3, 1, 3, 1])
        // At w = 0, p = ½: H = XᵀX / (4m).
        let expected = matmul(features, features, transposingA: true) / (4 * 40)
        #expect(Swift.zip(h.scalars, expected.scalars).allSatisfy { Swift.abs($0 - $1) <= 1e-12 * Swift.max(1, Swift.abs($1)) })
    }
}
