import Backprop

/// A small transformer encoder for the bundled 8×8 digits: each image row is a token of
/// 8 pixels (rows of 64 pixels, reshaped to [m, 8, 8] inside):
///
///     tokens   x·W_in + b_in + P          [m, 8, width]   P: learned positions [8, width]
///     encoder  2 × pre-norm TransformerEncoderLayer (heads, feed-forward width, gelu)
///     pool     mean over the 8 tokens     [m, width]
///     head     LayerNorm, dense → 10      logits
///
/// trained on softmax cross-entropy from the logits. Demonstrates the attention,
/// normalisation and embedding layers built only from the public API.
public final class DigitTransformer: Layer {
    /// The token embedding, 8 pixels → width.
    public let embedding: Dense<Double>
    /// P, the learned position embeddings [8, width] (`"positions"`).
    public let positions: Parameter<Double>
    /// The encoder layers, applied in order.
    public let encoder: [TransformerEncoderLayer<Double>]
    /// The layer norm on the pooled tokens.
    public let norm: LayerNorm<Double>
    /// The classifier on the pooled features.
    public let output: Dense<Double>

    /// A network of the given sizes with weights drawn from `seed`.
    /// - Parameters:
    ///   - width: E, the token width (divisible by `heads`).
    ///   - dropout: the encoder layers' dropout rate (0: none).
    public init(width: Int = 32, heads: Int = 4, feedForward: Int = 64, layers: Int = 2, dropout: Double = 0,
                seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        embedding = Dense(inputSize: 8, outputSize: width, activation: .identity, initializer: .glorotUniform, using: &g)
        positions = Parameter(name: "positions", role: .weight,
                              value: Tensor(randomNormal: [8, width], standardDeviation: 0.5, using: &g))
        encoder = (0..<layers).map { _ in
            TransformerEncoderLayer(embeddingSize: width, headCount: heads, feedForwardSize: feedForward, dropout: dropout,
                                    activation: .gelu(.none), using: &g)
        }
        norm = LayerNorm(normalizedShape: [width])
        output = Dense(inputSize: width, outputSize: 10, activation: .identity, initializer: .glorotUniform, using: &g)
    }

    /// The logits of a batch of images [m, 64].
    public func callAsFunction(_ x: Variable<Double>) -> Variable<Double> {
        let m = x.shape[0], width = positions.value.shape[1]
        var h = embedding(x.reshaped(to: [m * 8, 8])).reshaped(to: [m, 8, width]) + positions.variable(on: x.tape)
        for layer in encoder { h = layer(h) }
        return output(norm(h.mean(alongAxes: [1])))
    }

    /// Softmax cross-entropy from the logits.
    public var loss: Loss { .softmaxCrossEntropy }
}
