import Backprop
import ReferenceModels
import Foundation

/// `backprop` with no arguments: the cross-entropy text's network, 64-25-10 sigmoid units with
/// λ-regularised cross-entropy, trained on the bundled digits with a fixed seed; then the tape
/// is checked against the DeltaRule reference on the trained network.
enum MainJob {
    /// The settings of the main job (also `backprop train`'s defaults for `--model digits`).
    static let epochs = 100, batchSize = 32, seed: UInt64 = 7
    static let lambda = 0.3, learningRate = 0.01

    static func run(progress: ProgressStyle = .automatic) throws -> Int32 {
        let digits = try Digits.load(as: Double.self)
        let (training, test) = digits.split(testEvery: 5)
        print("Backprop main job: the cross-entropy text's 64-25-10 sigmoid network, λ = \(lambda), on the bundled digits")
        print("  \(training.count) training and \(test.count) test images (every fifth image to the test set); seed \(seed)")
        let model = DigitClassifier(seed: seed)
        var adam = Adam<Double>(learningRate: learningRate)
        let trainer = Trainer<Double>(epochs: epochs, batchSize: batchSize, lambda: lambda, seed: seed, progress: progress)
        let start = Date()
        let reports = try trainer.fit(model, loss: model.loss, optimizer: &adam, on: training, evaluatingOn: test)
        let accuracy = evaluate(model, loss: model.loss, on: test).accuracy
        print(String(format: "Test accuracy: %.2f%% (%d epochs, Adam η = %g, batch %d, %.1f s)",
                     100 * accuracy, reports.count, learningRate, batchSize, Date().timeIntervalSince(start)))
        printDeltaRuleAgreement(thetas: model.thetas, data: test, lambda: lambda)
        return accuracy >= 0.97 ? 0 : 1
    }

    /// Prints, per layer, the largest distance between the tape's δ and D and the textbook's.
    static func printDeltaRuleAgreement(thetas: [Tensor<Double>], data: Dataset<Double>, lambda: Double) {
        print("Tape vs. the δ rules on the trained network (\(data.count) test images, λ = \(lambda)):")
        for (form, name) in [(CrossEntropyTapeForm.fusedSigmoidCrossEntropy, "fused sigmoid cross-entropy"),
                             (.composedFromLogAndSigmoid, "composed from log and σ")] {
            let a = compareTapeWithDeltaRule(thetas: thetas, inputs: data.features, labels: data.oneHotLabels,
                                             lambda: lambda, form: form, reference: .vectorised)
            print("  tape \(name):")
            for layer in a.layers {
                print(String(format: "    layer %d: δ(%d) %4llu ulps (rel %.1e)   D(%d) %4llu ulps (rel %.1e)%@",
                             layer.layer, layer.layer + 1, layer.delta.maxULPs, layer.delta.relative,
                             layer.layer, layer.gradient.maxULPs, layer.gradient.relative,
                             layer.deltaIsBitwiseIdentical && layer.gradientIsBitwiseIdentical ? "   bit-identical" : ""))
            }
            print(String(format: "    J: tape %.17g, δ rules %.17g (rel %.1e)", a.tapeCost, a.referenceCost, a.costRelativeDifference))
        }
    }
}
