import Autodiff
import Tensors

/// A pre-norm transformer encoder layer (PyTorch's `nn.TransformerEncoderLayer(batch_first:
/// True, norm_first: True)`, same parameters, layouts and state_dict names):
///
///     x ← x + dropout₁(SelfAttention(LN₁(x)))
///     x ← x + dropout₂(W₂·dropout(act(W₁·LN₂(x) + b₁)) + b₂)      act = relu or gelu
///
/// on x: [B, T, E]; W₁: E → F, W₂: F → E. The stored sub-layers carry PyTorch's attribute
/// names (`self_attn`, `linear1`, `dropout`, `linear2`, `norm1`, `norm2`, `dropout1`,
/// `dropout2`), in its order, so ``Layer/pyTorchStateDict()`` gives `state_dict()`'s keys.
/// Every dropout is identity in evaluation. Differentiable to any order.
public final class TransformerEncoderLayer<Scalar: TensorScalar>: Layer {
    /// The feed-forward block's activation.
    public enum FeedForwardActivation: Sendable, Equatable {
        /// max(z, 0).
        case relu
        /// z·Φ(z), exact or tanh-approximated (PyTorch's `"gelu"` is exact).
        case gelu(GELUApproximation)
    }

    /// The self-attention block (PyTorch's `self_attn`).
    public let self_attn: MultiHeadAttention<Scalar>
    /// W₁, b₁: E → F.
    public let linear1: Dense<Scalar>
    /// The dropout after the activation.
    public let dropout: Dropout<Scalar>
    /// W₂, b₂: F → E.
    public let linear2: Dense<Scalar>
    /// LN₁, before self-attention.
    public let norm1: LayerNorm<Scalar>
    /// LN₂, before the feed-forward block.
    public let norm2: LayerNorm<Scalar>
    /// The dropout on the self-attention block's output.
    public let dropout1: Dropout<Scalar>
    /// The dropout on the feed-forward block's output.
    public let dropout2: Dropout<Scalar>
    /// act.
    public let activation: FeedForwardActivation

    /// A layer of width E, H heads and feed-forward width F, with PyTorch's initialisation
    /// (linear layers uniform in ±1/√fanIn, weights and biases) drawn from `generator`.
    /// - Parameters:
    ///   - dropout: the rate of all three dropouts and of the attention weights' (PyTorch's default 0.1).
    ///   - epsilon: the layer norms' ε.
    public init(embeddingSize e: Int, headCount: Int, feedForwardSize f: Int, dropout rate: Double = 0.1,
                activation: FeedForwardActivation = .relu, epsilon: Scalar = 1e-5, using generator: inout SeededGenerator) {
        self_attn = MultiHeadAttention(embeddingSize: e, headCount: headCount, dropout: rate, using: &generator)
        func linear(_ i: Int, _ o: Int) -> Dense<Scalar> {
            let bound = Initializer.uniform(epsilon: 1 / Double(Swift.max(i, 1)).squareRoot())
            let w: Tensor<Scalar> = bound.tensor(shape: [i, o], fanIn: i, fanOut: o, using: &generator)
            let b: Tensor<Scalar> = bound.tensor(shape: [o], fanIn: i, fanOut: o, using: &generator)
            return Dense(weight: w, bias: b, activation: .identity)
        }
        linear1 = linear(e, f)
        linear2 = linear(f, e)
        norm1 = LayerNorm(normalizedShape: [e], epsilon: epsilon)
        norm2 = LayerNorm(normalizedShape: [e], epsilon: epsilon)
        dropout = Dropout(rate: rate, seed: generator.next())
        dropout1 = Dropout(rate: rate, seed: generator.next())
        dropout2 = Dropout(rate: rate, seed: generator.next())
        self.activation = activation
    }

    /// The layer on x: [B, T, E], no mask.
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> {
        self(x, causal: false, keyPaddingMask: nil)
    }

    /// The layer on x: [B, T, E] with self-attention's masks (see ``MultiHeadAttention``).
    public func callAsFunction(_ x: Variable<Scalar>, causal: Bool, keyPaddingMask: Tensor<Scalar>? = nil,
                               file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        let e = self_attn.embeddingSize
        if x.rank != 3 || x.shape[2] != e {
            ShapeError.fail("TransformerEncoderLayer", shapes: [x.shape], detail: "needs an input [B, T, \(e)]",
                            file: file, line: line)
        }
        let a = norm1.normalize(x, file: file, line: line)
        let h = x.adding(dropout1(self_attn(a, causal: causal, keyPaddingMask: keyPaddingMask, file: file, line: line)),
                         file: file, line: line)
        let rows = norm2.normalize(h, file: file, line: line).reshaped(to: [-1, e], file: file, line: line)
        let z = linear1(rows)
        let hidden: Variable<Scalar>
        switch activation {
        case .relu: hidden = relu(z, file: file, line: line)
        case .gelu(let approximation): hidden = gelu(z, approximation: approximation, file: file, line: line)
        }
        let ff = linear2(dropout(hidden)).reshaped(to: x.shape, file: file, line: line)
        return h.adding(dropout2(ff), file: file, line: line)
    }
}
