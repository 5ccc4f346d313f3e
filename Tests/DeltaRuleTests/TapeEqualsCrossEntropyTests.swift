import Testing
import Autodiff
import DeltaRule
import NeuralNetworks
import Tensors

/// Part C for the cross-entropy text: the tape against the reference, under the conventions
/// δ(l) = ∂(m·J)/∂z(l) = m·∂J/∂z(l) per example and D(l) = ∂J/∂Θ(l) (Docs/DeltaRule.md).
@Suite("The tape equals cross-entropy backpropagation")
struct TapeEqualsCrossEntropyTests {
    @Test("Fused σ-cross-entropy, any m: the tape's δ(l) and D(l) equal the text's, bit for bit, both reference forms",
          arguments: CrossEntropyCase.issueBatches + CrossEntropyCase.powerOfTwoBatches, [0.0, 3.0])
    func fusedBitIdentical(_ c: CrossEntropyCase, lambda: Double) {
        let (x, y) = c.batch
        for reference in CrossEntropyReferenceForm.allCases {
            let agreement = compareTapeWithDeltaRule(thetas: c.network.thetas, inputs: x, labels: y, lambda: lambda,
                                                     form: .fusedSigmoidCrossEntropy, reference: reference)
            #expect(agreement.layers.count == c.layerSizes.count - 1)
            for layer in agreement.layers {
                #expect(layer.deltaIsBitwiseIdentical, "\(reference) δ(\(layer.layer + 1)): \(layer.delta)")
                #expect(layer.gradientIsBitwiseIdentical, "\(reference) D(\(layer.layer)): \(layer.gradient)")
            }
            #expect(agreement.maxULPs == 0)
        }
    }

    @Test("Why the un-normalised cost: differentiating the mean J scales δ(L) by the rounded 1/m first")
    func meanCostRoundsDifferently() {
        // m = 5: Σᵢ ((aᵢ − yᵢ)·(1/5))·aᵢ is not (1/5)·Σᵢ (aᵢ − yᵢ)·aᵢ in every bit. If this ever
        // held, Note [Un-normalised cost] would be unnecessary — the test keeps the note honest.
        let c = CrossEntropyCase.small(m: 5)
        let (x, y) = c.batch
        let tape = Tape<Double>()
        let theta = c.network.thetas.map { tape.variable($0) }
        let a2 = sigmoid(matmul(tape.constant(x).prependingOnes(alongAxis: 1), theta[0].transposed()))
        let z3 = matmul(a2.prependingOnes(alongAxis: 1), theta[1].transposed())
        let j = sigmoidCrossEntropy(logits: z3, labels: y)  // the mean
        let g = tape.gradient(of: j, wrt: theta)
        let reference = c.network.backpropagateVectorised(inputs: x, labels: y, lambda: 0)
        #expect(zip(g, reference.gradients).contains { !$0.isBitwiseIdentical(to: $1) })
        #expect(zip(g, reference.gradients).allSatisfy { $0.difference(from: $1).relative <= 1e-15 })
    }

    @Test("Composed from log and σ, against the per-example loop: δ(l) and D(l) agree to relative 1e-12",
          arguments: CrossEntropyCase.issueBatches, [0.0, 3.0])
    func composedAgainstLoop(_ c: CrossEntropyCase, lambda: Double) {
        let (x, y) = c.batch
        let agreement = compareTapeWithDeltaRule(thetas: c.network.thetas, inputs: x, labels: y, lambda: lambda,
                                                 form: .composedFromLogAndSigmoid, reference: .exampleByExample)
        #expect(agreement.maxRelativeDifference <= 1e-12, "\(agreement)")
        #expect(agreement.maxULPs <= DeltaRuleBounds.composedULPs, "\(agreement)")
    }

    @Test("The cost J from the tape and from the reference agree to relative 1e-14",
          arguments: CrossEntropyCase.issueBatches + CrossEntropyCase.powerOfTwoBatches, [0.0, 3.0])
    func costs(_ c: CrossEntropyCase, lambda: Double) {
        let (x, y) = c.batch
        let reference = c.network.cost(inputs: x, labels: y, lambda: lambda)
        for form in CrossEntropyTapeForm.allCases {
            let tape = crossEntropyOnTape(thetas: c.network.thetas, inputs: x, labels: y, lambda: lambda, form: form)
            #expect(abs(tape.cost - reference) <= 1e-14 * abs(reference), "\(form): \(tape.cost) vs \(reference)")
        }
    }

    @Test("Tape adjoints of z(l) are the per-example δ(l) divided by m: the gradient of a mean")
    func deltaScale() {
        let c = CrossEntropyCase.small(m: 4)
        let (x, y) = c.batch
        let tape = crossEntropyOnTape(thetas: c.network.thetas, inputs: x, labels: y, lambda: 0,
                                      form: .fusedSigmoidCrossEntropy)
        let reference = c.network.backpropagateExampleByExample(inputs: x, labels: y, lambda: 0)
        for (zbar, delta) in zip(tape.zAdjoints, reference.deltas) {
            #expect(zbar.isBitwiseIdentical(to: delta * 0.25))
        }
    }
}

/// Element-wise ulp bounds for the inexact comparisons, about twice the largest distance
/// measured on these fixtures (Docs/DeltaRule.md lists the measurements). The relative bound
/// is the issue's 1e-12; the measured relative differences are below 1e-15. Large ulp counts
/// come only from elements of D(1) and δ(2) that are sums of terms of both signs and nearly
/// cancel: their absolute error is still of the order of an ulp of the layer's largest entry.
enum DeltaRuleBounds {
    /// Composed log and σ (measured: at most 32,378 ulps, on 400-25-10 with m = 100, since the
    /// products became FMA chains; 7,934 before): δ(L) is reached through ȳ/h and ȳ/(1 − h)
    /// times h(1 − h) rather than as a − y. The relative difference stays below 8e-16.
    static let composedULPs: UInt64 = 1 << 16
}

@Suite("The same agreements in Float")
struct FloatAgreementTests {
    @Test("Float, fused σ-cross-entropy, text's 3-5-5-4 with m = 7, λ = 3: bit for bit")
    func fusedFloat() {
        let thetas = CrossEntropyNetwork<Float>(layerSizes: [3, 5, 5, 4], epsilon: 1, seed: 4).thetas
        var rng = SeededGenerator(seed: 77)
        let x = Tensor<Float>(randomUniform: [7, 3], using: &rng)
        var y = Tensor<Float>(zeros: [7, 4])
        for i in 0..<7 { y[i, i % 4] = 1 }
        let agreement = compareTapeWithDeltaRule(thetas: thetas, inputs: x, labels: y, lambda: 3)
        #expect(agreement.isBitwiseIdentical, "\(agreement)")
        #expect(agreement.costRelativeDifference <= 1e-6)
    }

    @Test("Float, 2-2-1: 1,000 epochs of SGD on the tape give the reference's weights, bit for bit")
    func squaredErrorFloat() {
        typealias Net = SquaredErrorNetwork<Float>
        var reference = Net.textExample()
        let example = (input: Net.textExampleInput, target: Net.textExampleTarget)
        reference.train(on: [example], learningRate: Net.textExampleLearningRate, epochs: 1_000)
        let tape = trainSquaredErrorOnTape(Net.textExample(), on: [example], learningRate: Net.textExampleLearningRate,
                                           epochs: 1_000)
        for l in 0..<2 {
            #expect(tape.weights[l].isBitwiseIdentical(to: reference.weights[l]), "w(\(l + 1))")
            #expect(tape.biases[l].isBitwiseIdentical(to: reference.biases[l]), "b(\(l + 1))")
        }
        #expect(abs(reference.output(for: Net.textExampleInput)[0] - 0.99) < 0.002)
    }
}
