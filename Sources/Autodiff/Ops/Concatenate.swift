import Tensors

// Ops of any number of inputs: concatenation (whose rule is slicing) and user-defined ops.

/// The functions of any number of inputs.
@usableFromInline
enum NaryFunction<Scalar: TensorScalar> {
    /// Joins the inputs along an axis.
    case concatenate(axis: Int)
    /// A user-defined operation with its own VJP.
    case custom(CustomOperation<Scalar>)
    /// The adjoint of one input of a custom operation whose VJP works on tensors only, recorded
    /// by a pass with `creatingGraph: true`; its inputs are the upstream, then the op's inputs.
    /// It has no rule: differentiating it stops with a message (Note [First-order custom VJPs]).
    case customAdjoint(CustomOperation<Scalar>, input: Int)

    /// The name in messages, graphs and `Docs/Operators.md`.
    var name: String {
        switch self {
        case .concatenate: "concatenate"
        case .custom(let op): "custom(\(op.name))"
        case .customAdjoint(let op, let k): "custom(\(op.name)) adjoint \(k)"
        }
    }

    /// The forward kernel.
    func forward(_ xs: [Tensor<Scalar>], file: StaticString, line: UInt) -> Tensor<Scalar> {
        switch self {
        case .concatenate(let axis): return Tensors.concatenate(xs, alongAxis: axis, file: file, line: line)
        case .custom(let op): return op.forward(xs)
        case .customAdjoint(let op, let k): return op.vjp(Array(xs.dropFirst()), op.forward(Array(xs.dropFirst())), xs[0])[k]
        }
    }

    /// The inputs' adjoints from ȳ (nil for an input that needs none).
    func pullback<A: DerivativeAlgebra>(_ g: A, _ xs: [A], y: A, needs: [Bool]) -> [A?] where A.Scalar == Scalar {
        switch self {
        case .concatenate(let axis):  // x̄ₖ = the slice of ȳ where xₖ sits
            var start = 0
            return xs.enumerated().map { k, x in
                let width = x.shape[axis]
                defer { start += width }
                return needs[k] ? A.shapeOp(.slice, g, [start, start + width, axis]) : nil
            }
        case .custom(let op): return A.customPullback(op, inputs: xs, output: y, upstream: g)
        case .customAdjoint(let op, _):
            ShapeError.fail("custom(\(op.name))", shapes: xs.map(\.shape), detail: """
                differentiated twice, but its VJP works on tensors only — a second derivative, a \
                Hessian(-vector product) or a JVP (valueWithDifferential) needs its VJP as a \
                `differentiableVJP` written on variables
                """, file: op.definedAt.file, line: op.definedAt.line)
        }
    }
}

/// Joins variables along an axis.
///
///     y = [x₀ | x₁ | …];   x̄ₖ = the slice of ȳ where xₖ sits
///
/// - Precondition: shapes agree except along `axis`; all on one tape.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func concatenate<S>(_ xs: [Variable<S>], alongAxis axis: Int,
                           file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    guard let first = xs.first else {
        ShapeError.fail("concatenate", shapes: [], detail: "no variables to join", file: file, line: line)
    }
    for x in xs { checkSameTape(first, x, "concatenate", file: file, line: line) }
    let value = concatenate(xs.map(\.value), alongAxis: axis, file: file, line: line)
    let a = Shape.normalizedAxis(axis, rank: first.rank)!
    return first.tape.record(.nary(.concatenate(axis: a), xs.map(\.index)), value: value,
                             needsGradient: xs.contains(where: \.needsGradient), file: file, line: line)
}
