import Tensors

// Softmax and log-softmax along an axis (kernels and rules), and logSumExp composed from
// primitives.

/// The normalisations along one axis.
@usableFromInline
enum AxisFunction: String, CaseIterable, Sendable {
    case softmax, logSoftmax

    /// The forward kernel (stable for any input).
    func forward<S>(_ x: Tensor<S>, axis: Int) -> Tensor<S> {
        switch self {
        case .softmax: x.softmax(alongAxis: axis)
        case .logSoftmax: x.logSoftmax(alongAxis: axis)
        }
    }

    /// x̄ from ȳ and the output y, composed from ops that have rules (so it is differentiable).
    func pullback<A: DerivativeAlgebra>(_ g: A, y: A, axis: Int) -> A {
        switch self {
        case .softmax:     // x̄ = y ⊙ (ȳ − Σⱼ ȳⱼyⱼ)
            y * (g - A.reductionOp(.sum, A.masked(g, y), axes: [axis], keepingDimensions: true))
        case .logSoftmax:  // x̄ = ȳ − eʸ ⊙ Σⱼ ȳⱼ
            g - A.unaryOp(.exp, y) * A.reductionOp(.sum, g, axes: [axis], keepingDimensions: true)
        }
    }
}

extension Variable {
    /// Records softmax or log-softmax along an axis, after the kernel has checked the axis.
    func normalized(_ f: AxisFunction, alongAxis axis: Int, file: StaticString, line: UInt) -> Variable {
        let v = f == .softmax ? value.softmax(alongAxis: axis, file: file, line: line)
                              : value.logSoftmax(alongAxis: axis, file: file, line: line)
        return tape.record(.axis(f, index, axis: Shape.normalizedAxis(axis, rank: rank)!), value: v, needsGradient: needsGradient,
                           file: file, line: line)
    }
}

/// Softmax along an axis, stable for any input.
///
///     yᵢ = e^(xᵢ − max x) / Σⱼ e^(xⱼ − max x);   x̄ = y ⊙ (ȳ − Σⱼ ȳⱼyⱼ)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func softmax<S>(_ x: Variable<S>, alongAxis axis: Int = -1,
                       file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.normalized(.softmax, alongAxis: axis, file: file, line: line)
}

/// Log-softmax along an axis, stable for any input.
///
///     yᵢ = xᵢ − max x − ln Σⱼ e^(xⱼ − max x);   x̄ = ȳ − softmax(x) ⊙ Σⱼ ȳⱼ
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func logSoftmax<S>(_ x: Variable<S>, alongAxis axis: Int = -1,
                          file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.normalized(.logSoftmax, alongAxis: axis, file: file, line: line)
}

/// ln Σ eˣ along an axis, computed stably and composed from primitives (no VJP of its own):
///
///     y = m + ln Σⱼ e^(xⱼ − m),   m = max x held constant;   x̄ = ȳ ⊙ softmax(x)
///
/// m only shifts the exponentials, so it is taken through ``stopGradient(_:)``: the gradient
/// flows through the sum alone, and is exactly softmax(x) up to rounding. Infinite inputs give
/// NaN (∞ − ∞), as `x − max x` does.
/// - Parameters:
///   - axis: the axis to reduce (negative counts from the end).
///   - keepingDimensions: keep it with size 1.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func logSumExp<S>(_ x: Variable<S>, alongAxis axis: Int = -1, keepingDimensions: Bool = false,
                         file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    _ = Shape.checkedAxis(axis, of: x.shape, operation: "logSumExp", file: file, line: line)
    let m = stopGradient(x.max(alongAxis: axis, keepingDimensions: true, file: file, line: line))
    let y = log(exp(x.subtracting(m, file: file, line: line)).sum(alongAxes: [axis], keepingDimensions: true,
                                                                  file: file, line: line)).adding(m, file: file, line: line)
    if keepingDimensions { return y }
    var shape = x.shape
    shape.remove(at: Shape.normalizedAxis(axis, rank: x.rank)!)
    return y.reshaped(to: shape, file: file, line: line)
}
