import Testing
import Autodiff
import DeltaRule
import NeuralNetworks
import Tensors

/// Part C for the cross-entropy text: the tape against the reference, under the conventions
/// δ(l) = m·∂J/∂z(l) per example and D(l) = ∂J/∂Θ(l) (Docs/DeltaRule.md).
@Suite("The tape equals cross-entropy backpropagation")
struct TapeEqualsCrossEntropyTests {
    @Test("Fused σ-cross-entropy, m a power of two: m·∂J/∂z(l) = δ(l) and ∂J/∂Θ(l) = D(l), bit for bit",
          arguments: CrossEntropyCase.powerOfTwoBatches, [0.0, 3.0])
    func fusedBitIdentical(_ c: CrossEntropyCase, lambda: Double) {
        let (x, y) = c.batch
        let agreement = compareTapeWithDeltaRule(thetas: c.network.thetas, inputs: x, labels: y, lambda: lambda,
                                                 form: .fusedSigmoidCrossEntropy, reference: .vectorised)
        #expect(agreement.layers.count == c.layerSizes.count - 1)
        for layer in agreement.layers {
            #expect(layer.deltaIsBitwiseIdentical, "δ(\(layer.layer + 1)): \(layer.delta)")
            #expect(layer.gradientIsBitwiseIdentical, "D(\(layer.layer)): \(layer.gradient)")
        }
        #expect(agreement.maxULPs == 0)
    }

    @Test("Fused σ-cross-entropy, any m: δ(l) and D(l) agree to relative 1e-12 with both reference forms",
          arguments: CrossEntropyCase.issueBatches, [0.0, 3.0])
    func fusedAnyBatch(_ c: CrossEntropyCase, lambda: Double) {
        let (x, y) = c.batch
        for reference in CrossEntropyReferenceForm.allCases {
            let agreement = compareTapeWithDeltaRule(thetas: c.network.thetas, inputs: x, labels: y, lambda: lambda,
                                                     form: .fusedSigmoidCrossEntropy, reference: reference)
            #expect(agreement.maxRelativeDifference <= 1e-12, "\(reference):\n\(agreement)")
            #expect(agreement.maxULPs <= DeltaRuleBounds.fusedULPs, "\(reference):\n\(agreement)")
        }
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
    /// Fused op, arbitrary m (measured: at most 2,905 ulps, on 400-25-10 with m = 100): the
    /// tape applies the rounded 1/m to δ(L) before backpropagating, the reference after Δ.
    static let fusedULPs: UInt64 = 1 << 12
    /// Composed log and σ (measured: at most 7,934 ulps, on 400-25-10 with m = 100): δ(L) is
    /// reached through ȳ/h and ȳ/(1 − h) times h(1 − h) rather than as a − y.
    static let composedULPs: UInt64 = 1 << 14
}
