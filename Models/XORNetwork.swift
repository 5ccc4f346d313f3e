import Backprop

/// The squared-error text's 2-2-1 network of sigmoid units, E = ½Σ(t − y)², trained with
/// plain SGD (w ← w − η·∂E/∂w, the text's w ← w + η·δ·y).
///
/// Demonstrates the smallest network that needs a hidden layer: XOR is not linearly
/// separable. With seed 2 and η = 2, full-batch SGD classifies all four patterns within
/// 2,000 epochs.
public final class XORNetwork: Layer {
    /// Input → hidden (2 sigmoid units).
    public let hidden: Dense<Double>
    /// Hidden → output (1 sigmoid unit).
    public let output: Dense<Double>

    /// A network with weights and biases uniform in [−1, 1) from `seed`.
    public init(seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        let w1: Tensor<Double> = Initializer.uniform(epsilon: 1).tensor(shape: [2, 2], fanIn: 2, fanOut: 2, using: &g)
        let b1: Tensor<Double> = Initializer.uniform(epsilon: 1).tensor(shape: [2], fanIn: 2, fanOut: 2, using: &g)
        let w2: Tensor<Double> = Initializer.uniform(epsilon: 1).tensor(shape: [2, 1], fanIn: 2, fanOut: 1, using: &g)
        let b2: Tensor<Double> = Initializer.uniform(epsilon: 1).tensor(shape: [1], fanIn: 2, fanOut: 1, using: &g)
        hidden = Dense(weight: w1, bias: b1, activation: .sigmoid)
        output = Dense(weight: w2, bias: b2, activation: .sigmoid)
    }

    /// y = σ(σ(x·W₁ + b₁)·W₂ + b₂).
    public func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { output(hidden(x)) }

    /// E = ½Σ(t − y)².
    public var loss: Loss { .halfSumOfSquares }

    /// The four XOR patterns: (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0.
    public static var patterns: Dataset<Double> {
        Dataset(features: Tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), labels: [0, 1, 1, 0], classCount: 2)
    }
}
