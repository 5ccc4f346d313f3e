import Tensors

// Element-wise choice by a constant condition: its rule is the same choice of the upstream.

extension Op {
    /// (ā, b̄) from z̄ for z = c ? a : b: the upstream where each branch was taken, exact
    /// zeros elsewhere, summed back over broadcasting.
    static func selectPullback<A: DerivativeAlgebra>(_ g: A, _ a: A, _ b: A, condition c: Tensor<A.Scalar>,
                                                     needs: (Bool, Bool)) -> (A?, A?) {
        let zero = g.lifted(Tensor(zeros: g.shape))
        return (needs.0 ? A.selectOp(g, zero, condition: c).summed(toShape: a.shape) : nil,
                needs.1 ? A.selectOp(zero, g, condition: c).summed(toShape: b.shape) : nil)
    }
}

/// Chooses element-wise between two variables: zᵢ = aᵢ where conditionᵢ ≠ 0, else bᵢ. The
/// three broadcast to a common shape.
///
///     z = c ? a : b;   ā = Σ_broadcast(c ? z̄ : 0),   b̄ = Σ_broadcast(c ? 0 : z̄)
///
/// The untaken branch receives exact zeros, and every rule maps a zero upstream to a zero
/// adjoint (Note [Zero upstream]): `select(x .> 0, log(x), 0)` has a finite gradient at x = 0,
/// at every order.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func select<S>(
    _ condition: Tensor<S>, _ a: Variable<S>, _ b: Variable<S>,
    file: StaticString = #fileID, line: UInt = #line
) -> Variable<S> {
    checkSameTape(a, b, "select", file: file, line: line)
    let value = select(condition, a.value, b.value, file: file, line: line)
    let c = condition.broadcast(to: value.shape, file: file, line: line)
    return a.tape.record(.select(a.index, b.index, condition: c), value: value,
                         needsGradient: a.needsGradient || b.needsGradient, file: file, line: line)
}
