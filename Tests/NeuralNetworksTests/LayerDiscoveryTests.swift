import Foundation
import Testing
import Autodiff
import Tensors
@testable import NeuralNetworks

/// A layer holding parameters and sub-layers every way reflection must see through.
private final class Everything: Layer {
    struct Pair { let first: Dense<Double>; let second: Parameter<Double> }
    let scale = Parameter<Double>(name: "scale", role: .weight, value: Tensor([2]))
    let blocks: [Dense<Double>]
    let maybe: Dense<Double>?
    let absent: Dense<Double>? = nil
    let pair: Pair
    let gates: [Parameter<Double>]
    let norm = BatchNorm<Double>(featureCount: 2)
    let constant = Tensor<Double>(zeros: [1000])  // not entered: no parameters in a tensor
    let label = "not a layer"

    init() {
        var g = SeededGenerator(seed: 1)
        blocks = [Dense(inputSize: 2, outputSize: 2, using: &g), Dense(inputSize: 2, outputSize: 2, using: &g)]
        maybe = Dense(inputSize: 2, outputSize: 2, using: &g)
        pair = Pair(first: Dense(inputSize: 2, outputSize: 2, using: &g),
                    second: Parameter(name: "ignored", role: .bias, value: Tensor([0, 0])))
        gates = [Parameter(name: "g", role: .weight, value: Tensor([1])), Parameter(name: "g", role: .weight, value: Tensor([2]))]
    }

    func callAsFunction(_ x: Variable<Double>) -> Variable<Double> {
        var y = x
        for b in blocks { y = b(y) }
        return norm(pair.first(maybe!(y))) * scale.variable(on: x.tape)
    }
}

/// A child that keeps a reference to its parent (a cycle reflection must not follow forever).
private final class Child: Layer {
    weak var parent: Parent?
    let dense = Dense<Double>(weight: Tensor([[1]]), bias: Tensor([0]), activation: .identity)
    func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { dense(x) }
}

private final class Parent: Layer {
    let child = Child()
    var strongChild: Child?
    let own = Parameter<Double>(name: "own", role: .weight, value: Tensor([1]))
    init() { child.parent = self }
    func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { child(x) }
}

/// A subclass adds its own parameters after its superclass's.
private class Base: Layer {
    let first = Dense<Double>(weight: Tensor([[1]]), bias: Tensor([0]), activation: .identity)
    func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { first(x) }
}

private final class Derived: Base {
    let second = Dense<Double>(weight: Tensor([[2]]), bias: Tensor([0]), activation: .identity)
    override func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { second(first(x)) }
}

@Suite("Parameters, buffers and sub-layers are found by reflection")
struct LayerDiscoveryTests {
    @Test("found through stored properties, arrays, optionals and structs, in declaration order; tensors not entered")
    func everything() {
        let layer = Everything()
        #expect(layer.namedParameters.map(\.name) == [
            "scale", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias", "maybe.weight", "maybe.bias",
            "pair.first.weight", "pair.first.bias", "pair.second", "gates.0", "gates.1", "norm.weight", "norm.bias",
        ])
        #expect(layer.namedBuffers.map(\.name) == ["norm.running_mean", "norm.running_var", "norm.num_batches_tracked"])
        #expect(layer.sublayers.count == 5)  // blocks ×2, maybe, pair.first, norm
        #expect(layer.allLayers.count == 6)
        #expect(layer.parameterCount == 1 + 4 * 6 + 2 + 2 + 4)
        // Every found parameter gets a gradient: nothing is silently frozen.
        let tape = Tape<Double>()
        let loss = layer(tape.variable(Tensor<Double>(randomNormal: [3, 2], seed: 2))).sum()
        let gradients = tape.gradient(of: loss, wrt: layer.parameters.map { $0.variable(on: tape) })
        #expect(gradients.count == layer.parameters.count)
    }

    @Test("a shared parameter or layer is listed once, at its first path; a child's weak parent does not loop")
    func sharedAndCycles() {
        let dense = Dense<Double>(weight: Tensor([[1]]), bias: Tensor([0]), activation: .identity)
        let twice = Sequential<Double>([dense, dense])
        #expect(twice.namedParameters.map(\.name) == ["0.weight", "0.bias"])
        #expect(twice.parameters.count == 2)

        let parent = Parent()
        parent.strongChild = parent.child  // the same child under two properties
        #expect(parent.namedParameters.map(\.name) == ["child.dense.weight", "child.dense.bias", "own"])
        #expect(parent.allLayers.count == 3)  // parent, child, dense
        // From the child, the parent is reachable too (through `parent`), and the walk still ends.
        #expect(Set(parent.child.namedParameters.map(\.name)) == ["parent.own", "dense.weight", "dense.bias"])
    }

    @Test("a dictionary of layers is walked by sorted key (PyTorch's ModuleDict)")
    func dictionary() {
        final class Heads: Layer {
            let heads: [String: Dense<Double>] = [
                "b": Dense(weight: Tensor([[1]]), bias: Tensor([0]), activation: .identity),
                "a": Dense(weight: Tensor([[2]]), bias: Tensor([0]), activation: .identity),
            ]
            func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { heads["a"]!(x) + heads["b"]!(x) }
        }
        #expect(Heads().namedParameters.map(\.name) == ["heads.a.weight", "heads.a.bias", "heads.b.weight", "heads.b.bias"])
    }

    @Test("a superclass's properties come first")
    func subclass() {
        #expect(Derived().namedParameters.map(\.name) == ["first.weight", "first.bias", "second.weight", "second.bias"])
    }

    @Test("hand-listing stays possible: the unlisted parameters are frozen, the listed ones keep their found names")
    func handListed() {
        final class Frozen: Layer {
            let body = Dense<Double>(weight: Tensor([[1]]), bias: Tensor([0]), activation: .identity)
            let head = Dense<Double>(weight: Tensor([[3]]), bias: Tensor([1]), activation: .identity)
            func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { head(body(x)) }
            var parameters: [Parameter<Double>] { head.parameters }
        }
        let layer = Frozen()
        #expect(layer.namedParameters.map(\.name) == ["head.weight", "head.bias"])
        var sgd = SGD<Double>(learningRate: 0.1)
        let tape = Tape<Double>()
        let loss = layer(tape.constant(Tensor([[2]]))).sum()
        sgd.update(layer.parameters, along: tape.gradient(of: loss, wrt: layer.parameters.map { $0.variable(on: tape) }))
        #expect(layer.body.weight.value == Tensor([[1]]))
        #expect(layer.head.weight.value == Tensor([[3 - 0.1 * 2]]))
    }

    @Test("setMode reaches every mode-dependent layer, however deep")
    func modes() {
        final class Wrapper: Layer {
            let inner: Sequential<Double>
            init(_ inner: Sequential<Double>) { self.inner = inner }
            func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { inner(x) }
        }
        let norms = [BatchNorm<Double>(featureCount: 2), BatchNorm<Double>(featureCount: 2)]
        let model = Sequential<Double>([Wrapper(Sequential([norms[0]])), ResidualConnection(norms[1])])
        #expect(norms.allSatisfy { $0.mode == .training })
        model.setMode(.evaluation)
        #expect(norms.allSatisfy { $0.mode == .evaluation })
        model.setMode(.training)
        #expect(norms.allSatisfy { $0.mode == .training })
    }

    @Test("buffers are saved and loaded with the parameters")
    func buffersInCheckpoints() throws {
        let model = Sequential<Double>([Dense(weight: Tensor([[1, 2]]), bias: Tensor([0, 0]), activation: .identity),
                                        BatchNorm(featureCount: 2)])
        _ = model(Tensor<Double>([[1], [2], [4]]))  // a training step moves the running statistics
        let data = try model.checkpointData()
        let file = try SafetensorsFile<Double>(data: data)
        #expect(file.tensors.keys.sorted() == ["0.bias", "0.weight", "1.bias", "1.num_batches_tracked", "1.running_mean",
                                               "1.running_var", "1.weight"])
        let fresh = Sequential<Double>([Dense(weight: Tensor([[0, 0]]), bias: Tensor([0, 0]), activation: .identity),
                                        BatchNorm(featureCount: 2)])
        try fresh.loadCheckpoint(from: data)
        let norm = try #require(fresh.layers[1] as? BatchNorm<Double>)
        let original = try #require(model.layers[1] as? BatchNorm<Double>)
        #expect(norm.runningMean.value == original.runningMean.value)
        #expect(norm.runningVariance.value == original.runningVariance.value)
        #expect(norm.batchesTracked.value == Tensor(1))
    }
}
