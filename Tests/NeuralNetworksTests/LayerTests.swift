import Testing
import Autodiff
import Tensors
@testable import NeuralNetworks

/// A user-defined layer with two branches: y = x + W₂·relu(W₁·x) (a residual block).
final class Residual: Layer {
    let inner: Dense<Double>, outer: Dense<Double>
    init(width: Int, seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        inner = Dense(inputSize: width, outputSize: width, activation: .relu, initializer: .heNormal, using: &g)
        outer = Dense(inputSize: width, outputSize: width, using: &g)
    }
    func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { x + outer(inner(x)) }
}

@Suite("Layers, parameters, initialisers, losses")
struct LayerTests {
    @Test("Dense computes g(x·W + b) and exposes Θ = [b | Wᵀ]")
    func dense() {
        let d = Dense<Double>(weight: Tensor([[1, 2], [3, 4]]), bias: Tensor([0.5, -1]), activation: .relu)
        #expect(d(Tensor<Double>([[1, 1]])) == Tensor([[4.5, 5]]))
        #expect(d(Tensor<Double>([[-1, 0]])) == Tensor([[0, 0]]))
        #expect(d.theta == Tensor([[0.5, 1, 3], [-1, 2, 4]]))
        #expect(d.weights.map(\.name) == ["weight"])
    }

    @Test("Sequential names parameters by position and composes in order")
    func sequential() {
        var g = SeededGenerator(seed: 1)
        let s = Sequential<Double>([Dense(inputSize: 3, outputSize: 4, activation: .tanh, using: &g),
                                    Dense(inputSize: 4, outputSize: 2, using: &g)])
        #expect(s.namedParameters.map(\.name) == ["0.weight", "0.bias", "1.weight", "1.bias"])
        #expect(s.parameterCount == 3 * 4 + 4 + 4 * 2 + 2)
        #expect(s(Tensor<Double>(zeros: [5, 3])).shape == [5, 2])
    }

    @Test("evaluating under withoutGradients, then training on the same tape, still gives the parameters adjoints")
    func evaluateThenTrain() {
        let d = Dense<Double>(weight: Tensor([[2]]), bias: Tensor([0]), activation: .identity)
        let tape = Tape<Double>()
        let x = tape.constant(Tensor([[3]]))
        _ = tape.withoutGradients { d(x) }
        let y = d(x).sum()
        #expect(tape.gradient(of: y, wrt: d.weight.variable(on: tape)) == Tensor([[3]]))
        #expect(tape.gradient(of: y, wrt: d.bias.variable(on: tape)) == Tensor([1]))
    }

    @Test("a user-defined layer's parameters are found under its properties' names: inner.weight, …, outer.bias")
    func defaultNamesUnique() {
        let block = Residual(width: 2, seed: 1)
        #expect(block.namedParameters.map(\.name) == ["inner.weight", "inner.bias", "outer.weight", "outer.bias"])
        #expect(block.parameters.map(ObjectIdentifier.init) == (block.inner.parameters + block.outer.parameters).map(ObjectIdentifier.init))
        #expect(block.namedParameters.map { ObjectIdentifier($0.parameter) } == block.parameters.map(ObjectIdentifier.init))
    }

    @Test("a user-defined residual block: its gradients pass the finite-difference check")
    func residual() {
        let block = Residual(width: 3, seed: 4)
        let x = Tensor<Double>(randomNormal: [2, 3], seed: 5)
        let report = checkGradients(at: block.parameters.map(\.value)) { vs in
            for (p, v) in zip(block.parameters, vs) { p.value = v.value }
            // Use the variables handed in, so the check perturbs exactly them.
            let tape = vs[0].tape
            let inner = relu(matmul(tape.constant(x), vs[0]).addingBias(vs[1]))
            return (tape.constant(x) + matmul(inner, vs[2]).addingBias(vs[3])).sum()
        }
        #expect(report.passes(tolerance: 1e-8), "\(report)")
        let tape = Tape<Double>()
        let y = block(tape.constant(x)).sum()
        let g = tape.gradient(of: y, wrt: block.parameters.map { $0.variable(on: tape) })
        #expect(g.count == 4 && g[3] == Tensor([2, 2, 2]))  // ∂Σy/∂b₂ = m = 2 per output
    }

    @Test("a parameter used twice is recorded once per tape and accumulates both uses")
    func sharedParameter() {
        let p = Parameter<Double>(name: "w", role: .weight, value: Tensor([3]))
        let tape = Tape<Double>()
        let a = p.variable(on: tape), b = p.variable(on: tape)
        #expect(a.index == b.index)
        #expect(tape.gradient(of: (a * b).sum(), wrt: a) == Tensor([6]))
        #expect(p.variable(on: Tape<Double>()).index == 0)
    }

    @Test("initialisers: seeded, within their bounds, with the stated spread")
    func initializers() {
        var g = SeededGenerator(seed: 3)
        let eps: Tensor<Double> = Initializer.epsilonUniform.tensor(shape: [400, 25], fanIn: 400, fanOut: 25, using: &g)
        let bound = 6.0.squareRoot() / 425.0.squareRoot()
        #expect(eps.scalars.allSatisfy { Swift.abs($0) <= bound })
        #expect(eps.scalars.max()! > 0.9 * bound)
        let he: Tensor<Double> = Initializer.heNormal.tensor(shape: [200, 100], fanIn: 200, fanOut: 100, using: &g)
        let variance = (he * he).mean().scalar
        #expect(Swift.abs(variance - 2.0 / 200) < 0.05 * 2.0 / 200)
        let glorot: Tensor<Double> = Initializer.glorotNormal.tensor(shape: [100, 100], fanIn: 100, fanOut: 100, using: &g)
        #expect(Swift.abs((glorot * glorot).mean().scalar - 0.01) < 0.0006)
        var g1 = SeededGenerator(seed: 9), g2 = SeededGenerator(seed: 9)
        let a: Tensor<Float> = Initializer.glorotUniform.tensor(shape: [3, 3], fanIn: 3, fanOut: 3, using: &g1)
        let b: Tensor<Float> = Initializer.glorotUniform.tensor(shape: [3, 3], fanIn: 3, fanOut: 3, using: &g2)
        #expect(a.isBitwiseIdentical(to: b))
    }

    @Test("L2 penalty: λ/(2m)·ΣW², biases skipped by default")
    func penalty() {
        let w = Parameter<Double>(name: "weight", role: .weight, value: Tensor([1, 2]))
        let b = Parameter<Double>(name: "bias", role: .bias, value: Tensor([10]))
        let tape = Tape<Double>()
        let p = l2Penalty([w, b], lambda: 3, exampleCount: 5, on: tape)
        #expect(Swift.abs(p.value.scalar - 3.0 / 10 * 5) < 1e-15)
        let g = tape.gradient(of: p, wrt: [w.variable(on: tape), b.variable(on: tape)])
        #expect(g[1] == Tensor([0]))
        #expect(Swift.abs(g[0][1] - 3.0 / 5 * 2) < 1e-15)  // (λ/m)·w
        #expect(Swift.abs(l2Penalty([w, b], lambda: 3, exampleCount: 5, on: Tape(), includingBiases: true).value.scalar - 3.0 / 10 * 105) < 1e-12)
    }
}
