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
        let regression = name == "halfSumOfSquares" || name == "meanSquaredError"
        ShapeError.fail(name, shapes: [logits.shape, labels.shape],
                        detail: regression ? "targets must have the predictions' shape" : "labels must have the logits' shape",
                        file: file, line: line)
    }
}

/// What a fused loss keeps: the labels (or targets), the divisor m, and for the softmax
/// cross-entropy the probabilities softmax(z) its forward computed.
@usableFromInline
struct LossParameters<Scalar: TensorScalar> {
    var labels: Tensor<Scalar>
    var examples: Int
    var probabilities: Tensor<Scalar>? = nil
}

/// The fused losses (input: the logits or predictions x) and their fused backward ops (inputs:
/// the upstream J̄, a rank-0 value, and x). Every backward op is masked in J̄ (Note [Zero upstream]).
@usableFromInline
enum LossFunction: String, CaseIterable, Sendable {
    case sigmoidCrossEntropy, softmaxCrossEntropy, halfSumOfSquares, meanSquaredError
    /// z̄ = J̄·(σ(z) − y)/m: the text's a − y when J̄ = 1 and m = 1.
    case sigmoidCrossEntropyBackward
    /// z̄ = J̄·(softmax(z) − y)/m.
    case softmaxCrossEntropyBackward
    /// ȳ = Ē·(y − t).
    case halfSumOfSquaresBackward
    /// ȳ = L̄·2(y − t)/N.
    case meanSquaredErrorBackward

    /// The backward op of a loss (nil for a backward op).
    var backward: LossFunction? {
        switch self {
        case .sigmoidCrossEntropy: .sigmoidCrossEntropyBackward
        case .softmaxCrossEntropy: .softmaxCrossEntropyBackward
        case .halfSumOfSquares: .halfSumOfSquaresBackward
        case .meanSquaredError: .meanSquaredErrorBackward
        default: nil
        }
    }

    /// The forward kernel, computed stably; `upstream` is J̄ for the backward ops.
    func forward<S>(_ x: Tensor<S>, upstream: Tensor<S>?, _ p: LossParameters<S>) -> Tensor<S> {
        let m = S(p.examples)
        let j = upstream?.scalar ?? 0
        switch self {
        case .sigmoidCrossEntropy:
            // max(z, 0) − z·y + ln(1 + e^−|z|), the last term through the vectorised kernels.
            let tail = Tensors.log1p(Tensors.exp(x.map { -Swift.abs($0) }))
            let terms = x.zip(p.labels, tail) { z, y, t in Swift.max(z, 0) - z * y + t }
            return Tensor(terms.sum().scalar / m)
        case .softmaxCrossEntropy:
            return Tensor(-(p.labels * x.logSoftmax(alongAxis: -1)).sum().scalar / m)
        case .halfSumOfSquares:
            return Tensor(x.zip(p.labels) { y, t in (t - y) * (t - y) }.sum().scalar / 2)
        case .meanSquaredError:
            return Tensor(x.zip(p.labels) { y, t in (y - t) * (y - t) }.sum().scalar / S(Swift.max(x.count, 1)))
        case .sigmoidCrossEntropyBackward:
            let scale = j / m
            return Tensors.sigmoid(x).zip(p.labels) { s, y in BinaryFunction.maskedProduct(scale, s - y) }
        case .softmaxCrossEntropyBackward:
            let scale = j / m
            return (p.probabilities ?? x.softmax(alongAxis: -1)).zip(p.labels) { q, y in BinaryFunction.maskedProduct(scale, q - y) }
        case .halfSumOfSquaresBackward:
            return j == 1 ? x - p.labels : x.zip(p.labels) { y, t in BinaryFunction.maskedProduct(j, y - t) }
        case .meanSquaredErrorBackward:
            let scale = 2 * j / S(Swift.max(x.count, 1))
            return x.zip(p.labels) { y, t in BinaryFunction.maskedProduct(scale, y - t) }
        }
    }

    /// (x̄, J̄̄) from the upstream `g`: a loss's rule is its backward op; a backward op's rule
    /// is written with ops that have rules (w = J̄·r(x) is linear in J̄).
    func pullback<A: DerivativeAlgebra>(_ g: A, x: A, upstream: A?, _ p: LossParameters<A.Scalar>,
                                        needs: (x: Bool, upstream: Bool)) -> (A?, A?) {
        if let backward { return (A.lossOp(backward, x, upstream: g, p), nil) }
        let j = upstream!, m = A.Scalar(p.examples), labels = g.lifted(p.labels)
        let last = x.shape.count - 1
        func total(_ t: A) -> A { A.reductionOp(.sum, t, axes: Array(0..<t.shape.count), keepingDimensions: false) }
        switch self {
        case .sigmoidCrossEntropyBackward:  // w = (σ(z) − y)·J̄/m
            let s = A.unaryOp(.sigmoid, x)
            return (needs.x ? A.masked(A.binaryOp(.sigmoidBackward, g, s), j / m) : nil,   // z̄ = w̄ ⊙ σ′(z)·J̄/m
                    needs.upstream ? total(A.masked(g, s - labels)) / m : nil)            // J̄̄ = Σ w̄ ⊙ (σ(z) − y)/m
        case .softmaxCrossEntropyBackward:  // w = (softmax(z) − y)·J̄/m
            let q = A.axisOp(.softmax, x, axis: last)
            return (needs.x ? AxisFunction.softmax.pullback(A.masked(g, j / m), y: q, axis: last) : nil,
                    needs.upstream ? total(A.masked(g, q - labels)) / m : nil)
        case .halfSumOfSquaresBackward:     // w = (y − t)·Ē
            return (needs.x ? A.masked(g, j) : nil, needs.upstream ? total(A.masked(g, x - labels)) : nil)
        case .meanSquaredErrorBackward:     // w = (y − t)·2L̄/N
            let n = A.Scalar(Swift.max(Shape.count(x.shape), 1))
            return (needs.x ? A.masked(g, j * 2 / n) : nil, needs.upstream ? total(A.masked(g, x - labels)) * 2 / n : nil)
        default: fatalError("unreachable: \(self) has a backward op")
        }
    }
}

extension Tape {
    /// Records a fused loss of `x`.
    func recordLoss(_ f: LossFunction, _ x: Variable<Scalar>, _ p: LossParameters<Scalar>, value: Tensor<Scalar>,
                    file: StaticString, line: UInt) -> Variable<Scalar> {
        record(.loss(f, x.index, upstream: nil, p), value: value, needsGradient: x.needsGradient, file: file, line: line)
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
    let p = LossParameters(labels: labels, examples: reduction == .mean ? exampleCount(logits.shape) : 1)
    return logits.tape.recordLoss(.sigmoidCrossEntropy, logits, p, value: LossFunction.sigmoidCrossEntropy.forward(logits.value, upstream: nil, p),
                                  file: file, line: line)
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
    let p = LossParameters(labels: labels, examples: examples, probabilities: exp(logP))
    return logits.tape.recordLoss(.softmaxCrossEntropy, logits, p, value: j, file: file, line: line)
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

/// Half the sum of squared errors, the squared-error text's E:
///
///     E = ½ Σ (t − y)²;   ȳ_y = Ē · (y − t)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func halfSumOfSquares<S>(predictions: Variable<S>, targets: Tensor<S>,
                                file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    checkLabels("halfSumOfSquares", predictions, targets, file: file, line: line)
    let p = LossParameters(labels: targets, examples: 1)
    return predictions.tape.recordLoss(.halfSumOfSquares, predictions, p,
                                       value: LossFunction.halfSumOfSquares.forward(predictions.value, upstream: nil, p), file: file, line: line)
}

/// The mean squared error over all N elements:
///
///     L = (1/N) Σ (y − t)²;   ȳ = L̄ · 2(y − t) / N
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func meanSquaredError<S>(predictions: Variable<S>, targets: Tensor<S>,
                                file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    checkLabels("meanSquaredError", predictions, targets, file: file, line: line)
    let p = LossParameters(labels: targets, examples: 1)
    return predictions.tape.recordLoss(.meanSquaredError, predictions, p,
                                       value: LossFunction.meanSquaredError.forward(predictions.value, upstream: nil, p), file: file, line: line)
}

