import Backprop

/// The cross-entropy text's network: 64 inputs, 25 sigmoid hidden units, 10 sigmoid outputs,
/// trained on −(1/m) Σ [y ln h + (1 − y) ln(1 − h)] + λ/(2m) Σ_weights Θ², with the text's
/// symmetric ε-init. Demonstrates a λ-regularised classifier whose tape gradients can be laid
/// beside the textbook's Θ-matrix algorithm (``thetas``).
public final class DigitClassifier {
    /// Input → hidden (sigmoid).
    public let hidden: Dense<Double>
    /// Hidden → output logits (the sigmoid is folded into the cross-entropy).
    public let output: Dense<Double>
    /// λ of the L2 penalty.
    public let lambda: Double

    /// A network with the text's ε-init drawn from `seed`.
    public init(inputs: Int = 64, hiddenUnits: Int = 25, classes: Int = 10, lambda: Double, seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        hidden = Dense(inputSize: inputs, outputSize: hiddenUnits, activation: .sigmoid, initializer: .epsilonUniform, using: &g)
        output = Dense(inputSize: hiddenUnits, outputSize: classes, activation: .identity, initializer: .epsilonUniform,
                       using: &g)
        self.lambda = lambda
    }

    /// The layers in order; its outputs are logits z(3) (h = σ(z(3))).
    public var network: Sequential<Double> { Sequential([hidden, output]) }

    /// Θ(1), Θ(2) in the text's layout (bias in column 0) for the DeltaRule comparison.
    public var thetas: [Tensor<Double>] { [hidden.theta, output.theta] }
}
