import Backprop

/// A deeper network of ReLU layers with a softmax output, He-initialised:
///
///     h₀ = x,  hᵢ = relu(hᵢ₋₁·Wᵢ + bᵢ),  logits = h_L·W + b,  p = softmax(logits)
///
/// trained on softmax cross-entropy from the logits. Demonstrates a custom depth built with
/// ``Sequential``, the initialiser ReLU units need, and a loss whose VJP is softmax(z) − y.
public final class DeepReLUNetwork: Layer {
    /// The layers: ReLU hidden layers, then the logits.
    public let layers: Sequential<Double>

    /// A network with the given layer widths (input first, classes last), weights from `seed`.
    /// - Precondition: at least two widths.
    public init(widths: [Int], seed: UInt64) {
        precondition(widths.count >= 2, "DeepReLUNetwork: needs at least an input and an output width")
        var g = SeededGenerator(seed: seed)
        var stack = [any Layer<Double>]()
        for i in 0..<(widths.count - 1) {
            let last = i == widths.count - 2
            stack.append(Dense<Double>(inputSize: widths[i], outputSize: widths[i + 1], activation: last ? .identity : .relu,
                                       initializer: last ? .glorotUniform : .heNormal, using: &g))
        }
        layers = Sequential(stack)
    }

    /// The logits.
    public func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { layers(x) }

    /// Every layer's W and b.
    public var parameters: [Parameter<Double>] { layers.parameters }

    /// Positional names, `"0.weight"`, ….
    public var namedParameters: [(name: String, parameter: Parameter<Double>)] { layers.namedParameters }

    /// Softmax cross-entropy from the logits.
    public var loss: Loss { .softmaxCrossEntropy }
}
