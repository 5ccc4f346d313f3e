import Tensors

// Fused losses: each forward is computed stably and each VJP is the closed form.
// m is the number of examples: the size of the first axis (1 for a rank-0 input).

/// The number of examples m of a batch: the first dimension, 1 for a scalar.
@inline(__always) func exampleCount(_ shape: [Int]) -> Int { shape.first ?? 1 }

/// How a loss combines its per-example terms (PyTorch's `reduction`).
public enum LossReduction: Sendable, Equatable {
    /// The mean over the examples: the texts' cost J (the default).
    case mean
    /// The plain sum: the un-normalised cost m·J. Its VJP carries no 1/m, so the fused
    /// cross-entropy's adjoint is exactly a − y, the text's δ(L) (Docs/DeltaRule.md).
    case sum
}

@inline(__always)
func checkLabels<S>(_ name: String, _ logits: Variable<S>, _ labels: Tensor<S>, file: StaticString, line: UInt) {
    if logits.shape != labels.shape {
        ShapeError.fail(name, shapes: [logits.shape, labels.shape], detail: "labels must have the logits' shape",
                        file: file, line: line)
    }
}

/// Binary cross-entropy from logits, mean over the m examples (rows), summed over outputs —
/// the cross-entropy text's cost without its penalty — computed stably:
///
///     J = −(1/m) Σ [y ln σ(z) + (1 − y) ln(1 − σ(z))]
///       =  (1/m) Σ [max(z, 0) − z·y + ln(1 + e^−|z|)]
///     z̄ = J̄ · (σ(z) − y) / m          (reduction .sum: m = 1, so z̄ = σ(z) − y for J̄ = 1)
///
/// - Parameters:
///   - logits: z, shape [m, …].
///   - labels: y ∈ [0, 1], the same shape.
///   - reduction: `.mean` (J, the default) or `.sum` (m·J).
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func sigmoidCrossEntropy<S>(logits: Variable<S>, labels: Tensor<S>, reduction: LossReduction = .mean,
                                   file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    checkLabels("sigmoidCrossEntropy", logits, labels, file: file, line: line)
    let examples = reduction == .mean ? exampleCount(logits.shape) : 1
    let terms = logits.value.zip(labels) { z, y in Swift.max(z, 0) - z * y + S.log1p(S.exp(-Swift.abs(z))) }
    let j = Tensor(terms.sum().scalar / S(examples))
    return logits.tape.record(.sigmoidCrossEntropy(logits.index, labels: labels, examples: examples), value: j,
                              needsGradient: logits.needsGradient)
}

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func sigmoidCrossEntropy<S>(_ g: Tensor<S>, logits z: Tensor<S>, labels: Tensor<S>, examples: Int) -> Tensor<S> {
        let scale = g.scalar / S(examples)
        return z.zip(labels) { z, y in (sigmoidScalar(z) - y) * scale }
    }
}

/// Softmax cross-entropy from logits with one-hot (or probability) labels along the last
/// axis, mean over the m distributions (every position of the leading axes: m rows of a
/// [m, C] batch, 1 for a single example of shape [C]):
///
///     J = −(1/m) Σᵢ Σₖ yᵢₖ · logSoftmax(zᵢ)ₖ;   z̄ = J̄ · (softmax(z) − y) / m
///
/// - Parameter reduction: `.mean` (the default) or `.sum` (m = 1).
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func softmaxCrossEntropy<S>(logits: Variable<S>, labels: Tensor<S>, reduction: LossReduction = .mean,
                                   file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    checkLabels("softmaxCrossEntropy", logits, labels, file: file, line: line)
    if logits.rank < 1 {
        ShapeError.fail("softmaxCrossEntropy", shapes: [logits.shape], detail: "logits need a class axis", file: file, line: line)
    }
    let logP = logits.value.logSoftmax(alongAxis: -1)
    let classes = logits.shape[logits.rank - 1]
    let examples = reduction == .mean ? Swift.max(1, classes == 0 ? 1 : logits.value.count / classes) : 1
    let j = Tensor(-(labels * logP).sum().scalar / S(examples))
    return logits.tape.record(
        .softmaxCrossEntropy(logits.index, labels: labels, probabilities: exp(logP), examples: examples), value: j,
        needsGradient: logits.needsGradient)
}

/// Softmax cross-entropy from logits [m, C] with one class index in 0..<C per example.
///
///     J = −(1/m) Σᵢ logSoftmax(zᵢ)_{cᵢ};   z̄ = J̄ · (softmax(z) − onehot(c)) / m
///
/// - Precondition: one index per row, each in 0..<C.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func softmaxCrossEntropy<S>(logits: Variable<S>, classIndices: [Int], reduction: LossReduction = .mean,
                                   file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    if logits.rank != 2 || classIndices.count != logits.shape[0] {
        ShapeError.fail("softmaxCrossEntropy", shapes: [logits.shape, [classIndices.count]],
                        detail: "needs logits [m, C] and m class indices", file: file, line: line)
    }
    let classes = logits.shape[1]
    var oneHot = [S](repeating: 0, count: logits.value.count)
    for (i, c) in classIndices.enumerated() {
        if c < 0 || c >= classes {
            ShapeError.fail("softmaxCrossEntropy", shapes: [logits.shape],
                            detail: "class index \(c) of example \(i) is outside 0..<\(classes)", file: file, line: line)
        }
        oneHot[i * classes + c] = 1
    }
    return softmaxCrossEntropy(logits: logits, labels: Tensor(shape: logits.shape, scalars: oneHot), reduction: reduction,
                               file: file, line: line)
}

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func softmaxCrossEntropy<S>(_ g: Tensor<S>, probabilities p: Tensor<S>, labels: Tensor<S>, examples: Int) -> Tensor<S> {
        let scale = g.scalar / S(examples)
        return p.zip(labels) { p, y in (p - y) * scale }
    }
}

/// Half the sum of squared errors, the squared-error text's E:
///
///     E = ½ Σ (t − y)²;   ȳ_y = Ē · (y − t)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func halfSumOfSquares<S>(predictions: Variable<S>, targets: Tensor<S>,
                                file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    checkLabels("halfSumOfSquares", predictions, targets, file: file, line: line)
    let e = predictions.value.zip(targets) { y, t in (t - y) * (t - y) }.sum().scalar / 2
    return predictions.tape.record(.halfSumOfSquares(predictions.index, targets: targets), value: Tensor(e),
                                   needsGradient: predictions.needsGradient)
}

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func halfSumOfSquares<S>(_ g: Tensor<S>, predictions y: Tensor<S>, targets t: Tensor<S>) -> Tensor<S> {
        let s = g.scalar
        return s == 1 ? y - t : y.zip(t) { y, t in (y - t) * s }
    }
}

/// The mean squared error over all N elements:
///
///     L = (1/N) Σ (y − t)²;   ȳ = L̄ · 2(y − t) / N
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func meanSquaredError<S>(predictions: Variable<S>, targets: Tensor<S>,
                                file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    checkLabels("meanSquaredError", predictions, targets, file: file, line: line)
    let n = S(Swift.max(predictions.value.count, 1))
    let l = predictions.value.zip(targets) { y, t in (y - t) * (y - t) }.sum().scalar / n
    return predictions.tape.record(.meanSquaredError(predictions.index, targets: targets), value: Tensor(l),
                                   needsGradient: predictions.needsGradient)
}

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func meanSquaredError<S>(_ g: Tensor<S>, predictions y: Tensor<S>, targets t: Tensor<S>) -> Tensor<S> {
        let scale = 2 * g.scalar / S(Swift.max(y.count, 1))
        return y.zip(t) { y, t in (y - t) * scale }
    }
}
