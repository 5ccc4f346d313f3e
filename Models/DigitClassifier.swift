import Backprop

/// The cross-entropy text's network: 64 inputs, 25 sigmoid hidden units, 10 sigmoid outputs,
/// trained on −(1/m) Σ [y ln h + (1 − y) ln(1 − h)] + λ/(2m) Σ_weights Θ², with the text's
/// symmetric ε-init (ε = √6 / √(L_in + L_out)).
///
/// Demonstrates a λ-regularised classifier whose tape gradients can be laid beside the
/// textbook's Θ-matrix algorithm: ``thetas`` gives Θ(1), Θ(2) in the text's layout for
/// `compareTapeWithDeltaRule`. Trained on the bundled digits it reaches ≥ 97% test accuracy
/// (the `backprop` main job).
public final class DigitClassifier: Layer {
    /// Input → hidden (sigmoid).
    public let hidden: Dense<Double>
    /// Hidden → output logits z(3); h = σ(z(3)) is folded into the loss.
    public let output: Dense<Double>

    /// A network with the text's ε-init drawn from `seed`.
    public init(inputs: Int = 64, hiddenUnits: Int = 25, classes: Int = 10, seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        hidden = Dense(inputSize: inputs, outputSize: hiddenUnits, activation: .sigmoid, initializer: .epsilonUniform, using: &g)
        output = Dense(inputSize: hiddenUnits, outputSize: classes, activation: .identity, initializer: .epsilonUniform,
                       using: &g)
    }

    /// The logits z(3) = σ(x·W₁ + b₁)·W₂ + b₂.
    public func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { output(hidden(x)) }

    /// The loss it is trained on: binary cross-entropy from logits, summed over the outputs.
    public var loss: Loss { .binaryCrossEntropy }

    /// Θ(1), Θ(2) in the text's layout (bias in column 0) for the DeltaRule comparison.
    public var thetas: [Tensor<Double>] { [hidden.theta, output.theta] }
}
