import Foundation
import Autodiff
import NeuralNetworks
import Tensors

// The three networks of ../shared/peers/torch_steps.py, one full training step each (forward,
// mean softmax cross-entropy, backward, SGD lr 0.01 in place), Float, on a fresh tape per step,
// written with the public layers (Conv2D, MaxPool2D, Dense). Same shapes, dtype, loss and
// update as the PyTorch eager step; our own seeded data and PyTorch's default initial ranges
// (±1/√fanIn), so the first losses agree only roughly (both near ln 10 ≈ 2.30).
//
// The LSTM step uses the public `LSTM` layer (torch's layout and gate order i, f, g, o): the
// input projection for all 32 steps in one matmul [2048, 16]·W_ihᵀ, then per step
// h·W_hhᵀ ([64, 128]·[128, 512]), c = σ(f)⊙c + σ(i)⊙tanh(g), h = σ(o)⊙tanh(c); the last h goes
// through dense 128 → 10.

/// One network's step and what it trains.
struct TorchNet {
    let name: String, input: [Int]
    /// The trained tensors, in a fixed order.
    let parameters: [Parameter<Float>]
    /// One full step; returns the loss before the update.
    let step: () -> Float
}

/// One network's figures: ours at `threads`, PyTorch's (same thread count) when measured.
struct TorchStepResult {
    let net: String, input: [Int], threads: Int
    let msBest: Double, msMedian: Double, firstLoss: Double
    /// Whether the first step changed every parameter tensor and gave a finite loss.
    let updates: Bool
    var torchBest: Double? = nil, torchMedian: Double? = nil, torchFirstLoss: Double? = nil
    /// Our best time over PyTorch's best (≤ 1 means we are at least as fast).
    var ratio: Double? { torchBest.map { msBest / $0 } }
}

/// Uniform in ±1/√fanIn, PyTorch's default for conv, linear and LSTM parameters.
func torchUniform(_ shape: [Int], fanIn: Int, _ g: inout SeededGenerator) -> Tensor<Float> {
    Initializer.uniform(epsilon: 1 / Double(fanIn).squareRoot()).tensor(shape: shape, fanIn: fanIn, fanOut: shape[0], using: &g)
}

/// A dense layer initialised as PyTorch's `nn.Linear(fanIn, out)`.
func torchDense(_ fanIn: Int, _ out: Int, _ activation: Activation, _ g: inout SeededGenerator) -> Dense<Float> {
    Dense(weight: torchUniform([fanIn, out], fanIn: fanIn, &g), bias: torchUniform([out], fanIn: fanIn, &g), activation: activation)
}

/// The class indices of a batch, seeded.
func classIndices(_ m: Int, seed: UInt64) -> [Int] {
    var rng = SeededGenerator(seed: seed)
    return (0..<m).map { _ in Int(rng.next() % 10) }
}

/// A step over `forward`: loss, gradients of `parameters`, then p ← p − 0.01·ḡ in place (the
/// tape and its variables are gone before the update, so the update does not copy).
func torchStep(_ parameters: [Parameter<Float>], x: Tensor<Float>, labels: [Int],
               _ forward: @escaping (Variable<Float>) -> Variable<Float>) -> () -> Float {
    {
        let (loss, gradients): (Float, [Tensor<Float>]) = {
            let tape = Tape<Float>()
            let j = softmaxCrossEntropy(logits: forward(tape.constant(x)), classIndices: labels)
            return (j.value.scalar, tape.gradient(of: j, wrt: parameters.map { $0.variable(on: tape) }))
        }()
        for (p, g) in zip(parameters, gradients) { sgd(&p.value, g, 0.01) }
        return loss
    }
}

/// cnn8: [64, 1, 8, 8] → conv 1→8 3×3 pad 1, relu, pool 2 → conv 8→16 3×3 pad 1, relu, pool 2 → dense 64→10.
func cnn8Net() -> TorchNet {
    var g = SeededGenerator(seed: 51)
    let c1 = Conv2D<Float>(inputChannels: 1, outputChannels: 8, kernelSize: 3, padding: 1, using: &g)
    let c2 = Conv2D<Float>(inputChannels: 8, outputChannels: 16, kernelSize: 3, padding: 1, using: &g)
    let pool = MaxPool2D<Float>(kernelSize: 2)
    let out = torchDense(64, 10, .identity, &g)
    let x = Tensor<Float>(randomUniform: [64, 1, 8, 8], lower: 0, upper: 1, seed: 52)
    let ps = c1.parameters + c2.parameters + out.parameters
    return TorchNet(name: "cnn8", input: x.shape, parameters: ps, step: torchStep(ps, x: x, labels: classIndices(64, seed: 53)) { x in
        let h = pool(relu(c2(pool(relu(c1(x))))))
        return out(h.reshaped(to: [x.shape[0], 64]))
    })
}

/// lenet5: [64, 1, 28, 28] → conv 1→6 5×5 pad 2, relu, pool → conv 6→16 5×5, relu, pool → 400→120→84→10.
func lenet5Net() -> TorchNet {
    var g = SeededGenerator(seed: 61)
    let c1 = Conv2D<Float>(inputChannels: 1, outputChannels: 6, kernelSize: 5, padding: 2, using: &g)
    let c2 = Conv2D<Float>(inputChannels: 6, outputChannels: 16, kernelSize: 5, using: &g)
    let pool = MaxPool2D<Float>(kernelSize: 2)
    let d1 = torchDense(400, 120, .relu, &g), d2 = torchDense(120, 84, .relu, &g), d3 = torchDense(84, 10, .identity, &g)
    let x = Tensor<Float>(randomUniform: [64, 1, 28, 28], lower: 0, upper: 1, seed: 62)
    let ps = c1.parameters + c2.parameters + d1.parameters + d2.parameters + d3.parameters
    return TorchNet(name: "lenet5", input: x.shape, parameters: ps, step: torchStep(ps, x: x, labels: classIndices(64, seed: 63)) { x in
        let h = pool(relu(c2(pool(relu(c1(x))))))
        return d3(d2(d1(h.reshaped(to: [x.shape[0], 400]))))
    })
}

/// lstm: [64, 32, 16] → one `LSTM` layer, hidden 128 (gates i, f, g, o; both biases) → last h → dense 128→10.
func lstmNet() -> TorchNet {
    let (batch, steps, features, hidden) = (64, 32, 16, 128)
    var g = SeededGenerator(seed: 71)
    let lstm = LSTM<Float>(inputSize: features, hiddenSize: hidden, using: &g)
    let out = torchDense(hidden, 10, .identity, &g)
    let x = Tensor<Float>(randomUniform: [batch, steps, features], lower: 0, upper: 1, seed: 72)
    let ps = lstm.parameters + out.parameters
    return TorchNet(name: "lstm", input: x.shape, parameters: ps, step: torchStep(ps, x: x, labels: classIndices(batch, seed: 73)) { x in
        out(lstm(x, initialState: nil).finalState.hidden.reshaped(to: [batch, hidden]))
    })
}

/// The three networks, in torch_steps.py's order.
let torchNets: [(String, @Sendable () -> TorchNet)] = [("cnn8", cnn8Net), ("lenet5", lenet5Net), ("lstm", lstmNet)]

/// Times one network's step at `threads` with the peers' protocol; checks the first step
/// changed every parameter and gave a finite loss.
func benchTorchNet(_ make: () -> TorchNet, threads: Int, quick: Bool) -> TorchStepResult {
    Parallelism.threads = threads
    let net = make()
    let before = net.parameters.map(\.value)
    let first = net.step()
    let updates = first.isFinite && zip(before, net.parameters).allSatisfy { $0 != $1.value }
    let t = measure(minTime: quick ? 0.05 : 0.3, reps: quick ? 3 : 7) { blackHole(net.step()) }
    return TorchStepResult(net: net.name, input: net.input, threads: threads, msBest: t.best * 1e3, msMedian: t.median * 1e3,
                           firstLoss: Double(first), updates: updates)
}
