import Testing
import Tensors
@testable import NeuralNetworks

/// First steps of each optimiser against values computed by hand (and, for Adam, by the
/// paper's formulas in Python: `t -= η·m̂/(√v̂ + ε)`, printed with repr).
@Suite("Optimisers: first steps by hand")
struct OptimizerTests {
    func parameter(_ x: Double) -> Parameter<Double> { Parameter(name: "w", role: .weight, value: Tensor([x])) }

    @Test("SGD: θ ← θ − η·g")
    func sgd() {
        let p = parameter(1)
        var o = SGD<Double>(learningRate: 0.1)
        o.update([p], along: [Tensor([0.5])])
        #expect(p.value.scalars == [0.95])
        o.update([p], along: [Tensor([-1])])
        #expect(Swift.abs(p.value.scalars[0] - 1.05) < 1e-15)
    }

    @Test("update(&model, along:) steps every parameter of a model in `parameters` order")
    func updateModel() {
        var model = Dense<Double>(weight: Tensor([[1], [-2]]), bias: Tensor([0.5]), activation: .identity)
        let before = model.parameters.map(\.value)
        let gradients = model.parameters.map { Tensor<Double>(repeating: 2, shape: $0.value.shape) }
        var o = SGD<Double>(learningRate: 0.25)
        o.update(&model, along: gradients)
        for (p, b) in zip(model.parameters, before) {
            #expect(p.value == b.map { $0 - 0.5 })
        }
    }

    @Test("momentum: v ← μv + g, θ ← θ − ηv  (1 → 0.9 → 0.71)")
    func momentum() {
        let p = parameter(1)
        var o = Momentum<Double>(learningRate: 0.1, momentum: 0.9)
        o.update([p], along: [Tensor([1])])
        #expect(Swift.abs(p.value.scalars[0] - 0.9) < 1e-15)
        o.update([p], along: [Tensor([1])])
        #expect(Swift.abs(p.value.scalars[0] - 0.71) < 1e-15)
    }

    @Test("Nesterov: θ ← θ − η(g + μv)  (1 → 0.81 → 0.539)")
    func nesterov() {
        let p = parameter(1)
        var o = Momentum<Double>(learningRate: 0.1, momentum: 0.9, nesterov: true)
        o.update([p], along: [Tensor([1])])
        #expect(Swift.abs(p.value.scalars[0] - 0.81) < 1e-15)
        o.update([p], along: [Tensor([1])])
        #expect(Swift.abs(p.value.scalars[0] - 0.539) < 1e-15)
    }

    @Test("Adam with the paper's defaults: 1 → 0.99900000002 → 0.9990526315978947")
    func adam() {
        let p = parameter(1)
        var o = Adam<Double>()
        #expect(o.learningRate == 0.001 && o.beta1 == 0.9 && o.beta2 == 0.999 && o.epsilon == 1e-8)
        o.update([p], along: [Tensor([0.5])])
        #expect(Swift.abs(p.value.scalars[0] - 0.99900000002) < 1e-15)
        o.update([p], along: [Tensor([-0.5])])
        #expect(Swift.abs(p.value.scalars[0] - 0.9990526315978947) < 1e-15)
        #expect(o.step == 2)
    }
}
