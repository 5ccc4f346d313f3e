import Autodiff
import Tensors

/// The loss a network is trained on: logits (or outputs) and labels to a scalar.
public enum Loss: Sendable, Equatable {
    /// E = ½ Σ (t − y)² on the outputs (the squared-error text).
    case halfSumOfSquares
    /// (1/N) Σ (y − t)² on the outputs.
    case meanSquaredError
    /// −(1/m) Σ [y ln σ(z) + (1 − y) ln(1 − σ(z))] from logits z (the cross-entropy text).
    case binaryCrossEntropy
    /// −(1/m) Σᵢ Σₖ yᵢₖ ln softmax(zᵢ)ₖ from logits z with one-hot labels.
    case softmaxCrossEntropy

    /// The loss of `outputs` against `labels`, recorded on the tape.
    public func callAsFunction<S>(_ outputs: Variable<S>, _ labels: Tensor<S>) -> Variable<S> {
        switch self {
        case .halfSumOfSquares: Autodiff.halfSumOfSquares(predictions: outputs, targets: labels)
        case .meanSquaredError: Autodiff.meanSquaredError(predictions: outputs, targets: labels)
        case .binaryCrossEntropy: sigmoidCrossEntropy(logits: outputs, labels: labels)
        case .softmaxCrossEntropy: Autodiff.softmaxCrossEntropy(logits: outputs, labels: labels)
        }
    }
}

/// The L2 penalty over weights only (biases are not regularised):
///
///     λ/(2m) · Σ_weights Σ θ²
///
/// - Parameters:
///   - parameters: the model's parameters; those with role ``ParameterRole/bias`` are skipped
///     unless `includingBiases` is true.
///   - lambda: λ ≥ 0.
///   - exampleCount: m, the batch size the data term averages over.
///   - tape: where to record it.
public func l2Penalty<S>(_ parameters: [Parameter<S>], lambda: S, exampleCount: Int, on tape: Tape<S>,
                         includingBiases: Bool = false) -> Variable<S> {
    var total = tape.constant(S(0))
    for p in parameters where includingBiases || p.role == .weight {
        let v = p.variable(on: tape)
        total = total + (v * v).sum()
    }
    return total * (lambda / (2 * S(exampleCount)))
}
