import Testing
import Autodiff
import NeuralNetworks
import Tensors

@Suite("LayerNorm, Dropout and Embedding")
struct NormalizationLayersTests {
    @Test("LayerNorm: each row has mean 0 and biased variance σ²/(σ² + ε); γ = 1, β = 0 at start; names weight, bias")
    func layerNormStatistics() {
        let norm = LayerNorm<Double>(normalizedShape: [6])
        #expect(norm.namedParameters.map(\.name) == ["weight", "bias"])
        #expect(norm.weight!.value == Tensor(ones: [6]) && norm.bias!.value == Tensor(zeros: [6]))
        let x = Tensor<Double>(randomNormal: [4, 6], mean: 3, standardDeviation: 2, seed: 1)
        let y = norm(x)
        for r in 0..<4 {
            let row = Array(x.scalars[(6 * r)..<(6 * r + 6)]), out = Array(y.scalars[(6 * r)..<(6 * r + 6)])
            let mean = row.reduce(0, +) / 6, variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6
            #expect(Swift.abs(out.reduce(0, +) / 6) <= 1e-14)
            let outVariance = out.map { $0 * $0 }.reduce(0, +) / 6
            #expect(Swift.abs(outVariance - variance / (variance + 1e-5)) <= 1e-13)
        }
    }

    @Test("LayerNorm without affine has no parameters; over two axes it normalises both")
    func layerNormShapes() {
        #expect(LayerNorm<Double>(normalizedShape: [3], elementwiseAffine: false).parameters.isEmpty)
        let y = LayerNorm<Double>(normalizedShape: [2, 3])(Tensor<Double>(randomUniform: [5, 2, 3], seed: 2))
        #expect(Swift.abs(Array(y.scalars[0..<6]).reduce(0, +)) <= 1e-14)
        #expect(Swift.abs(Array(y.scalars[0..<3]).reduce(0, +)) > 1e-6)  // one axis alone is not centred
    }

    @Test("Dropout: the dropped fraction is within 4σ of p for n = 20 000 (binomial), kept values are x/(1 − p)")
    func dropoutFrequency() {
        for p in [0.1, 0.5, 0.8] {
            let layer = Dropout<Double>(rate: p, seed: 7)
            #expect(layer.mode == .training)
            let n = 20_000
            let y = layer(Tensor<Double>(ones: [n]))
            let dropped = Double(y.scalars.filter { $0 == 0 }.count)
            let sigma = (Double(n) * p * (1 - p)).squareRoot()
            #expect(Swift.abs(dropped - Double(n) * p) <= 4 * sigma, "p = \(p): \(dropped) of \(n) dropped")
            #expect(y.scalars.allSatisfy { $0 == 0 || Swift.abs($0 - 1 / (1 - p)) <= 1e-15 })
        }
    }

    @Test("Dropout: the same seed gives the same masks, call after call; another seed others; ∂/∂x is the mask")
    func dropoutSeeded() {
        let a = Dropout<Double>(rate: 0.5, seed: 11), b = Dropout<Double>(rate: 0.5, seed: 11), c = Dropout<Double>(rate: 0.5, seed: 12)
        let x = Tensor<Double>(randomUniform: [64], lower: 1, upper: 2, seed: 3)
        let first = a(x)
        #expect(first == b(x))
        #expect(a(x) == b(x))  // the second masks agree too
        #expect(first != a(x) || first != c(x))
        let tape = Tape<Double>()
        let v = tape.variable(x)
        let y = Dropout<Double>(rate: 0.5, seed: 11)(v)
        let g = tape.gradient(of: y.sum(), wrt: [v])[0]
        #expect(g == first / x)
    }

    @Test("Dropout: identity in evaluation; setMode over a Sequential reaches it, and back")
    func dropoutModes() {
        var g = SeededGenerator(seed: 1)
        let drop = Dropout<Double>(rate: 0.5, seed: 2)
        let model = Sequential<Double>([Dense(inputSize: 4, outputSize: 4, activation: .relu, using: &g), drop,
                                        Dense(inputSize: 4, outputSize: 2, using: &g)])
        model.setMode(.evaluation)
        #expect(drop.mode == .evaluation)
        let x = Tensor<Double>(randomUniform: [3, 4], seed: 5)
        #expect(drop(x) == x)
        #expect(model(x) == model(x))
        model.setMode(.training)
        #expect(drop.mode == .training)
        #expect(drop(x) != x)
    }

    @Test("Embedding: rows by index, any shape; W̄ adds ȳ over repeated indices; N(0, 1) init; torch's name")
    func embedding() {
        var g = SeededGenerator(seed: 4)
        let table = Embedding<Double>(count: 50, dimension: 40, using: &g)
        #expect(table.namedParameters.map(\.name) == ["weight"])
        let w = table.weight.value.scalars
        let mean = w.reduce(0, +) / Double(w.count), sd = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w.count)).squareRoot()
        #expect(Swift.abs(mean) < 0.1 && Swift.abs(sd - 1) < 0.1)  // 2000 draws: σ_mean ≈ 0.022
        let tape = Tape<Double>()
        let y = table([2, 5, 2, 49], shape: [2, 2], on: tape)
        #expect(y.shape == [2, 2, 40])
        #expect(Array(y.value.scalars[40..<80]) == Array(w[200..<240]))
        let gw = tape.gradient(of: y.sum(), wrt: [table.weight.variable(on: tape)])[0]
        #expect(gw.scalars[80] == 2 && gw.scalars[200] == 1 && gw.scalars[0] == 0)
        let fromVariable = table.lookUp(tape.constant(Tensor<Double>([[2, 5], [2, 49]])))
        #expect(fromVariable.value == y.value)
    }
}
