import Autodiff
import Tensors

/// Layer normalisation over the trailing axes (PyTorch's `nn.LayerNorm`), each example
/// normalised by its own statistics:
///
///     μ = mean(x),  σ² = mean((x − μ)²)   over the last k axes (biased variance, ÷ n)
///     y = (x − μ) / √(σ² + ε) ⊙ γ + β      γ, β: normalizedShape (k axes)
///
/// Composed of mean, subtract, multiply, sqrt and divide, so it is differentiable to any
/// order. γ starts at 1 and β at 0; both have the role ``ParameterRole/bias`` (a gain and a
/// shift, not connection strengths: L2 regularisation leaves them alone). The same in
/// training and evaluation.
public final class LayerNorm<Scalar: TensorScalar>: Layer {
    /// γ, normalizedShape (`"weight"`), or `nil` without the elementwise affine map.
    public let weight: Parameter<Scalar>?
    /// β, normalizedShape (`"bias"`), or `nil` without the elementwise affine map.
    public let bias: Parameter<Scalar>?
    /// The trailing shape normalised over, e.g. [E].
    public let normalizedShape: [Int]
    /// ε, added to the variance (PyTorch's default 1e-5).
    public let epsilon: Scalar

    /// A layer normalising over the trailing `normalizedShape`, with γ = 1, β = 0 if
    /// `elementwiseAffine`.
    public init(normalizedShape: [Int], epsilon: Scalar = 1e-5, elementwiseAffine: Bool = true,
                file: StaticString = #fileID, line: UInt = #line) {
        if normalizedShape.isEmpty || normalizedShape.contains(where: { $0 <= 0 }) {
            ShapeError.fail("LayerNorm", shapes: [normalizedShape], detail: "needs a non-empty shape of positive sizes",
                            file: file, line: line)
        }
        self.normalizedShape = normalizedShape
        self.epsilon = epsilon
        weight = elementwiseAffine ? Parameter(name: "weight", role: .bias, value: Tensor(ones: normalizedShape)) : nil
        bias = elementwiseAffine ? Parameter(name: "bias", role: .bias, value: Tensor(zeros: normalizedShape)) : nil
    }

    /// A layer normalising over the last axis, of size `size`.
    public convenience init(_ size: Int, epsilon: Scalar = 1e-5) {
        self.init(normalizedShape: [size], epsilon: epsilon)
    }

    /// y = (x − μ) / √(σ² + ε) ⊙ γ + β, recorded.
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> { normalize(x) }

    /// The layer, reporting the caller's line when x's trailing shape is not normalizedShape.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func normalize(_ x: Variable<Scalar>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        let k = normalizedShape.count
        if x.rank < k || Array(x.shape.suffix(k)) != normalizedShape {
            ShapeError.fail("LayerNorm", shapes: [x.shape, normalizedShape],
                            detail: "the input's trailing axes must be the normalized shape", file: file, line: line)
        }
        let axes = Array((x.rank - k)..<x.rank)
        let centred = x.subtracting(x.mean(alongAxes: axes, keepingDimensions: true, file: file, line: line), file: file, line: line)
        let variance = centred.multiplied(by: centred, file: file, line: line)
            .mean(alongAxes: axes, keepingDimensions: true, file: file, line: line)
        var y = centred.divided(by: sqrt(variance + epsilon, file: file, line: line), file: file, line: line)
        if let weight { y = y.multiplied(by: weight.variable(on: x.tape), file: file, line: line) }
        if let bias { y = y.adding(bias.variable(on: x.tape), file: file, line: line) }
        return y
    }

    /// γ and β, if any (listed: the hot path skips reflection).
    public var parameters: [Parameter<Scalar>] { [weight, bias].compactMap { $0 } }
}
