// The `backprop` executable. `backprop check` compares the tape with the δ rules (see
// CheckCommand.swift). Until the full command-line tool lands (see the NeuralNetworks issue),
// no arguments runs a small demonstration: the squared-error text's 2-2-1 sigmoid network on
// XOR, trained by SGD through the tape, with a finite-difference check of its gradients.
import Backprop
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "check" {
    exit(CheckCommand.run(Array(arguments.dropFirst())))
}

let x = Tensor<Double>([[0, 0], [0, 1], [1, 0], [1, 1]])
let t = Tensor<Double>([[0], [1], [1], [0]])
var rng = SeededGenerator(seed: 2)
var parameters = [
    Tensor<Double>(randomUniform: [2, 2], lower: -1, upper: 1, using: &rng),  // W₁
    Tensor<Double>(randomUniform: [2], lower: -1, upper: 1, using: &rng),  // b₁
    Tensor<Double>(randomUniform: [2, 1], lower: -1, upper: 1, using: &rng),  // W₂
    Tensor<Double>(randomUniform: [1], lower: -1, upper: 1, using: &rng),  // b₂
]

/// E = ½ Σ (t − y)² for y = σ(σ(x·W₁ + b₁)·W₂ + b₂).
func loss(_ p: [Variable<Double>]) -> Variable<Double> {
    let input = p[0].tape.constant(x)
    let hidden = sigmoid(matmul(input, p[0]).addingBias(p[1]))
    let output = sigmoid(matmul(hidden, p[2]).addingBias(p[3]))
    return halfSumOfSquares(predictions: output, targets: t)
}

let check = checkGradients(at: parameters, loss)
print("Gradient check at the initial weights: relative difference \(check.relativeDifference)")

let learningRate = 2.0
for epoch in 0...3000 {
    let tape = Tape<Double>()
    let p = parameters.map { tape.variable($0) }
    let e = loss(p)
    let g = tape.gradient(of: e, wrt: p)
    for i in parameters.indices { parameters[i] = parameters[i] - learningRate * g[i] }  // w ← w − η·∂E/∂w
    if epoch % 500 == 0 { print("epoch \(epoch): E = \(e.value.scalar)") }
}

let tape = Tape<Double>()
let p = parameters.map { tape.variable($0) }
let hidden = sigmoid(matmul(tape.constant(x), p[0]).addingBias(p[1]))
let y = sigmoid(matmul(hidden, p[2]).addingBias(p[3]))
print("XOR after training:")
for (row, out) in zip(0..<4, y.value.scalars) {
    print("  \(x[row, 0]) xor \(x[row, 1]) → \(String(format: "%.3f", out)) (target \(t[row, 0]))")
}
