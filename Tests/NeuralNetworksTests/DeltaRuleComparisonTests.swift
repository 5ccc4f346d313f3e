import Testing
import DeltaRule
import NeuralNetworks
import Tensors

@Suite("compareTapeWithDeltaRule")
struct DeltaRuleComparisonTests {
    let thetas = CrossEntropyNetwork<Double>(layerSizes: [3, 4, 2], epsilon: 1, seed: 9).thetas
    let x = Tensor<Double>([[0.2, 0.9, -0.3], [0.5, -0.1, 0.8], [-0.7, 0.4, 0.05], [0.33, 0.66, 0.99]])
    let y = Tensor<Double>([[1, 0], [0, 1], [1, 1], [0, 0]])

    @Test("reports one entry per Θ(l), with δ(l+1) and D(l) of every element compared")
    func layout() {
        let a = compareTapeWithDeltaRule(thetas: thetas, inputs: x, labels: y, lambda: 1)
        #expect(a.layers.map(\.layer) == [1, 2])
        #expect(a.layers[0].delta.count == 4 * 4 && a.layers[0].gradient.count == 4 * 4)
        #expect(a.layers[1].delta.count == 4 * 2 && a.layers[1].gradient.count == 2 * 5)
        #expect(a.tapeCost > 0 && a.referenceCost > 0)
        #expect(a.description.contains("Θ(2)"))
    }

    @Test("fused op with m = 4: zero difference in every measure")
    func exact() {
        let a = compareTapeWithDeltaRule(thetas: thetas, inputs: x, labels: y, lambda: 1, form: .fusedSigmoidCrossEntropy)
        #expect(a.isBitwiseIdentical)
        #expect(a.maxULPs == 0 && a.maxRelativeDifference == 0)
        #expect(a.costRelativeDifference <= 1e-14)
    }

    @Test("composed form, m = 3: a measurable but tiny difference, reported in ulps and relative terms")
    func inexact() {
        let x3 = x.slice(0..<3, alongAxis: 0), y3 = y.slice(0..<3, alongAxis: 0)
        let a = compareTapeWithDeltaRule(thetas: thetas, inputs: x3, labels: y3, lambda: 1,
                                         form: .composedFromLogAndSigmoid, reference: .exampleByExample)
        #expect(a.maxULPs > 0, "the composed cost does not reproduce a − y exactly")
        #expect(a.maxRelativeDifference > 0 && a.maxRelativeDifference <= 1e-12)
        let worst = a.layers.map(\.delta).reduce(ElementwiseDifference.zero(count: 0)) { $0.combined(with: $1) }
        #expect(worst.maxULPs <= a.maxULPs && worst.count == 3 * 4 + 3 * 2)
    }

    @Test("squared error: one entry per layer, bit-identical for sigmoid units")
    func squaredError() {
        let net = SquaredErrorNetwork<Double>(layerSizes: [2, 3, 1], range: 1, seed: 2)
        let a = compareTapeWithDeltaRule(network: net, input: [0.1, 0.2], target: [1], learningRate: 0.3)
        #expect(a.map(\.layer) == [1, 2])
        #expect(a.allSatisfy { $0.isBitwiseIdentical })
        #expect(a[0].weightChange.count == 6 && a[1].delta.count == 1)
    }
}
