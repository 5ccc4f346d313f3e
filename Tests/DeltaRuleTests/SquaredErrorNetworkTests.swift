import Testing
import Autodiff
import DeltaRule
import NeuralNetworks
import Tensors

/// The squared-error text (part A) and the tape against it (part C). Conventions:
/// δ = −∂E/∂z, Δw = η·(δⱼ·yᵢ) = −η·∂E/∂w (Docs/DeltaRule.md).
@Suite("Delta rule on squared error")
struct SquaredErrorNetworkTests {
    typealias Net = SquaredErrorNetwork<Double>
    let x = Net.textExampleInput
    let t = Net.textExampleTarget
    let eta = Net.textExampleLearningRate

    // MARK: The text's 2-2-1 example behaves as told

    @Test("2-2-1: training drives the output whose target is 1 from ≈0.8 to ≈0.99")
    func textExampleTrains() {
        var net = Net.textExample()
        #expect(net.layerSizes == [2, 2, 1])
        let before = net.output(for: x)[0]
        #expect(abs(before - 0.8) < 0.005, "initial output \(before)")
        let errors = net.train(on: [(x, t)], learningRate: eta, epochs: 1_000)
        let after = net.output(for: x)[0]
        #expect(abs(after - 0.99) < 0.002, "trained output \(after)")
        #expect(zip(errors, errors.dropFirst()).allSatisfy { $1 < $0 }, "E decreases every epoch")
    }

    @Test("2-2-1: the δ, Δw and Δb of one example are the text's formulas, evaluated by hand")
    func textExampleByHand() {
        let net = Net.textExample()
        let step = net.step(input: x, target: t, learningRate: eta)
        let w1 = net.weights[0], b1 = net.biases[0], w2 = net.weights[1], b2 = net.biases[1]
        let h = (0..<2).map { j in sigmoidScalar(0 + x[0] * w1[0, j] + x[1] * w1[1, j] + b1[j]) }
        let y = sigmoidScalar(0 + h[0] * w2[0, 0] + h[1] * w2[1, 0] + b2[0])
        let deltaOut = (t[0] - y) * (y * (1 - y))
        let deltaHidden = (0..<2).map { j in (h[j] * (1 - h[j])) * (0 + deltaOut * w2[j, 0]) }
        #expect(step.layers[1].output.scalars == [y])
        #expect(step.layers[0].output.scalars == h)
        #expect(step.layers[1].delta.scalars == [deltaOut])
        #expect(step.layers[0].delta.scalars == deltaHidden)
        #expect(step.layers[1].weightChange.scalars == h.map { eta * (deltaOut * $0) })
        #expect(step.layers[0].weightChange.scalars
            == [eta * (deltaHidden[0] * x[0]), eta * (deltaHidden[1] * x[0]),
                eta * (deltaHidden[0] * x[1]), eta * (deltaHidden[1] * x[1])])
        #expect(step.layers[0].biasChange.scalars == deltaHidden.map { eta * $0 })
        #expect(step.error == (t[0] - y) * (t[0] - y) / 2)
        #expect(deltaOut > 0, "the output is below its target, so δ pushes it up")
    }

    // MARK: The tape equals the delta rule, bit for bit

    @Test("2-2-1: tape −∂E/∂z equals δ of every layer, bit for bit")
    func tapeDeltas() {
        let net = Net.textExample()
        let step = net.step(input: x, target: t, learningRate: eta)
        let tape = squaredErrorOnTape(net, input: x, target: t)
        for l in 0..<2 {
            #expect((-tape.zAdjoints[l]).isBitwiseIdentical(to: step.layers[l].delta), "layer \(l + 1)")
        }
        #expect(tape.error == step.error)
    }

    @Test("2-2-1: tape ∂E/∂w equals −δ·yᵢ, bit for bit")
    func tapeWeightGradients() {
        let net = Net.textExample()
        let step = net.step(input: x, target: t, learningRate: eta)
        let tape = squaredErrorOnTape(net, input: x, target: t)
        for (l, layer) in step.layers.enumerated() {
            let n = layer.delta.count
            let expected = Tensor(shape: [layer.input.count, n], scalars: layer.input.scalars.flatMap { yi in
                layer.delta.scalars.map { dj in -(dj * yi) }
            })
            #expect(tape.weightGradients[l].isBitwiseIdentical(to: expected), "layer \(l + 1)")
            #expect(tape.biasGradients[l].isBitwiseIdentical(to: -layer.delta), "layer \(l + 1)")
        }
    }

    @Test("2-2-1: the tape's SGD step −η·∂E/∂w equals Δw = η·(δⱼ·yᵢ), bit for bit")
    func tapeWeightChanges() {
        let agreement = compareTapeWithDeltaRule(network: Net.textExample(), input: x, target: t, learningRate: eta)
        #expect(agreement.count == 2)
        for layer in agreement {
            #expect(layer.isBitwiseIdentical, "layer \(layer.layer)")
            #expect(layer.delta.maxULPs == 0 && layer.weightChange.maxULPs == 0 && layer.biasChange.maxULPs == 0)
        }
    }

    @Test("2-2-1: 1,000 epochs of SGD on the tape give the reference's weights, bit for bit")
    func tapeTrainingRun() {
        var reference = Net.textExample()
        reference.train(on: [(x, t)], learningRate: eta, epochs: 1_000)
        let tape = trainSquaredErrorOnTape(Net.textExample(), on: [(x, t)], learningRate: eta, epochs: 1_000)
        for l in 0..<2 {
            #expect(tape.weights[l].isBitwiseIdentical(to: reference.weights[l]), "w(\(l + 1))")
            #expect(tape.biases[l].isBitwiseIdentical(to: reference.biases[l]), "b(\(l + 1))")
        }
        #expect(!reference.weights[0].isBitwiseIdentical(to: Net.textExample().weights[0]), "training moved the weights")
    }

    @Test("3-4-3-2 sigmoid, four examples, 50 epochs: tape SGD equals the delta rule, bit for bit")
    func deeperNetwork() {
        let net = Net(layerSizes: [3, 4, 3, 2], activation: .sigmoid, range: 0.8, seed: 3)
        let examples: [(input: [Double], target: [Double])] = [
            ([0.1, 0.9, -0.4], [1, 0]), ([0.7, -0.2, 0.3], [0, 1]),
            ([-0.6, 0.5, 0.8], [1, 1]), ([0.25, 0.05, -0.95], [0, 0]),
        ]
        for e in examples {
            for layer in compareTapeWithDeltaRule(network: net, input: e.input, target: e.target, learningRate: 0.3) {
                #expect(layer.isBitwiseIdentical, "layer \(layer.layer) on \(e.input)")
            }
        }
        var reference = net
        reference.train(on: examples, learningRate: 0.3, epochs: 50)
        let tape = trainSquaredErrorOnTape(net, on: examples, learningRate: 0.3, epochs: 50)
        for l in 0..<3 {
            #expect(tape.weights[l].isBitwiseIdentical(to: reference.weights[l]), "w(\(l + 1))")
            #expect(tape.biases[l].isBitwiseIdentical(to: reference.biases[l]), "b(\(l + 1))")
        }
    }

    @Test("ReLU units: −∂E/∂z equals δ and −η·∂E/∂w equals Δw (0 ulps; ±0 count as equal)")
    func reluNetwork() {
        let net = Net(layerSizes: [3, 5, 2], activation: .relu, range: 1, seed: 11)
        let input = [0.4, -0.7, 0.9], target = [0.5, 1.5]
        let agreement = compareTapeWithDeltaRule(network: net, input: input, target: target, learningRate: 0.1)
        for layer in agreement {
            #expect(layer.delta.maxULPs == 0 && layer.weightChange.maxULPs == 0 && layer.biasChange.maxULPs == 0,
                    "layer \(layer.layer)")
        }
        let step = net.step(input: input, target: target, learningRate: 0.1)
        #expect(step.layers[0].z.scalars.contains { $0 < 0 } && step.layers[0].z.scalars.contains { $0 > 0 },
                "the example exercises both sides of the ReLU")
    }

    // MARK: The oracle is right

    @Test("Reference: −δⱼ·yᵢ and −δⱼ match central differences of E (relative 1e-8)")
    func finiteDifferences() {
        let net = Net(layerSizes: [3, 4, 2], activation: .sigmoid, range: 1, seed: 5)
        let input = [0.3, -0.8, 0.6], target = [1.0, 0.0]
        let step = net.step(input: input, target: target, learningRate: 1)
        let h = 1e-6
        var worst = 0.0, scale = 0.0
        for l in 0..<2 {
            let layer = step.layers[l], n = layer.delta.count
            for i in 0..<layer.input.count {
                for j in 0..<n {
                    var plus = net, minus = net
                    plus.weights[l][i, j] += h
                    minus.weights[l][i, j] -= h
                    let numerical = (plus.error(input: input, target: target) - minus.error(input: input, target: target)) / (2 * h)
                    let analytical = -(layer.delta[j] * layer.input[i])
                    worst = max(worst, abs(numerical - analytical))
                    scale = max(scale, abs(analytical))
                }
            }
            for j in 0..<n {
                var plus = net, minus = net
                plus.biases[l][j] += h
                minus.biases[l][j] -= h
                let numerical = (plus.error(input: input, target: target) - minus.error(input: input, target: target)) / (2 * h)
                worst = max(worst, abs(numerical + layer.delta[j]))
            }
        }
        #expect(scale > 1e-3)
        #expect(worst / scale < 1e-8, "largest difference \(worst) at scale \(scale)")
    }
}
