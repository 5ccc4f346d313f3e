import Testing
import DeltaRule
import Tensors

/// The cross-entropy text (part B): the reference itself — its two forms agree, its D is the
/// gradient of its J, and its pieces are the text's formulas.
@Suite("Cross-entropy backpropagation with Θ matrices (reference)")
struct CrossEntropyNetworkTests {
    @Test("Θ(l) is s(l+1) × (s(l) + 1) and the shapes of a, z, δ, Δ, D follow the text",
          arguments: CrossEntropyCase.issueBatches)
    func shapes(_ c: CrossEntropyCase) {
        let net = c.network, (x, y) = c.batch, s = c.layerSizes
        #expect(net.layerSizes == s)
        let b = net.backpropagateExampleByExample(inputs: x, labels: y, lambda: 3)
        for l in 1..<s.count {
            #expect(net.thetas[l - 1].shape == [s[l], s[l - 1] + 1])
            #expect(b.z[l - 1].shape == [c.m, s[l]])
            #expect(b.deltas[l - 1].shape == [c.m, s[l]])
            #expect(b.accumulators[l - 1].shape == net.thetas[l - 1].shape)
            #expect(b.gradients[l - 1].shape == net.thetas[l - 1].shape)
        }
        #expect(b.activations[0].shape == [c.m, s[0] + 1])
        #expect(b.activations[s.count - 1].shape == [c.m, s[s.count - 1]])
        for a in b.activations.dropLast() { #expect((0..<c.m).allSatisfy { a[$0, 0] == 1 }, "bias unit") }
    }

    @Test("The per-example loop and the vectorised form agree bit for bit (same sums, same order)",
          arguments: CrossEntropyCase.issueBatches)
    func loopEqualsVectorised(_ c: CrossEntropyCase) {
        let net = c.network, (x, y) = c.batch
        for lambda in [0.0, 3.0] {
            let loop = net.backpropagateExampleByExample(inputs: x, labels: y, lambda: lambda)
            let vector = net.backpropagateVectorised(inputs: x, labels: y, lambda: lambda)
            for (p, q) in zip(loop.z + loop.deltas + loop.accumulators + loop.gradients + loop.activations,
                              vector.z + vector.deltas + vector.accumulators + vector.gradients + vector.activations) {
                #expect(p.isBitwiseIdentical(to: q))
            }
            #expect(loop.cost == vector.cost)
        }
    }

    @Test("δ(L) = a(L) − y, and δ(l) = (Θ(l)ᵀδ(l+1))[1…] ⊙ g′(z(l)) recomputed from the saved values")
    func deltaFormulas() {
        let c = CrossEntropyCase.textFourLayer(m: 3)
        let net = c.network, (x, y) = c.batch
        let b = net.backpropagateExampleByExample(inputs: x, labels: y, lambda: 0)
        #expect(b.deltas[2].isBitwiseIdentical(to: b.activations[3] - y))
        for l in [3, 2] {  // δ(l) = deltas[l − 2]
            let theta = net.thetas[l - 1], upper = b.deltas[l - 1], a = b.activations[l - 1]
            for i in 0..<c.m {
                for j in 1..<theta.shape[1] {
                    var s = 0.0
                    for k in 0..<theta.shape[0] { s = s.addingProduct(upper[i, k], theta[k, j]) }
                    let g = sigmoidScalar(b.z[l - 2][i, j - 1])
                    #expect(a[i, j] == g)
                    #expect(b.deltas[l - 2][i, j - 1] == s * (g * (1 - g)), "δ(\(l)) example \(i) unit \(j)")
                }
            }
        }
    }

    @Test("D(l) = (1/m)(Δ(l) + λΘ(l)) off the bias column, (1/m)Δ(l) on it", arguments: [0.0, 3.0])
    func regularisedGradient(lambda: Double) {
        let c = CrossEntropyCase.small(m: 5)
        let net = c.network, (x, y) = c.batch
        let b = net.backpropagateVectorised(inputs: x, labels: y, lambda: lambda)
        for (l, theta) in net.thetas.enumerated() {
            for r in 0..<theta.shape[0] {
                for j in 0..<theta.shape[1] {
                    let delta = b.accumulators[l][r, j]
                    let expected = j == 0 ? (1.0 / 5) * delta : (1.0 / 5) * (delta + lambda * theta[r, j])
                    #expect(b.gradients[l][r, j] == expected)
                }
            }
        }
    }

    @Test("J(λ) − J(0) = λ/(2m)·Σ Θ² over non-bias weights, and J(0) is the mean cross-entropy")
    func costFormula() {
        let c = CrossEntropyCase.small(m: 5)
        let net = c.network, (x, y) = c.batch
        let j0 = net.cost(inputs: x, labels: y, lambda: 0), j3 = net.cost(inputs: x, labels: y, lambda: 3)
        var r = 0.0
        for theta in net.thetas {
            for i in 0..<theta.shape[0] { for j in 1..<theta.shape[1] { r += theta[i, j] * theta[i, j] } }
        }
        #expect(abs((j3 - j0) - 3.0 / 10 * r) <= 1e-14 * j3)
        let h = net.hypothesis(x)
        var s = 0.0
        for (hk, yk) in zip(h.scalars, y.scalars) { s -= yk == 1 ? Double.log(hk) : Double.log(1 - hk) }
        #expect(abs(j0 - s / 5) <= 1e-15 * j0)
    }

    @Test("Reference D(l) matches central differences of the reference J (relative 1e-8)",
          arguments: [CrossEntropyCase.small(m: 5), .textFourLayer(m: 4)], [0.0, 3.0])
    func finiteDifferences(_ c: CrossEntropyCase, lambda: Double) {
        let net = c.network, (x, y) = c.batch
        let d = net.backpropagateExampleByExample(inputs: x, labels: y, lambda: lambda).gradients
        let h = 1e-6
        var worst = 0.0, scale = 0.0
        for (l, theta) in net.thetas.enumerated() {
            for k in 0..<theta.count {
                var plus = net, minus = net
                plus.thetas[l][flat: k] += h
                minus.thetas[l][flat: k] -= h
                let numerical = (plus.cost(inputs: x, labels: y, lambda: lambda)
                    - minus.cost(inputs: x, labels: y, lambda: lambda)) / (2 * h)
                worst = max(worst, abs(numerical - d[l][flat: k]))
                scale = max(scale, abs(d[l][flat: k]))
            }
        }
        #expect(scale > 1e-3)
        #expect(worst / scale < 1e-8, "largest difference \(worst) at scale \(scale)")
    }
}
