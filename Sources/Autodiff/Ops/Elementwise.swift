import Tensors

// Element-wise functions: each forward and its VJP side by side.

extension Variable {
    /// Records a unary element-wise operation.
    @inlinable @inline(__always)
    func unary(_ value: Tensor<Scalar>, _ op: Op<Scalar>) -> Variable {
        tape.record(op, value: value, needsGradient: needsGradient)
    }
}

/// eˣ element-wise.
///
///     y = eˣ;   x̄ = ȳ ⊙ y
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func exp<S>(_ x: Variable<S>) -> Variable<S> { x.unary(exp(x.value), .exp(x.index)) }

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func exp<S>(_ g: inout Tensor<S>, output y: Tensor<S>) { g.zipInPlace(y, masked) }
}

/// The natural logarithm element-wise.
///
///     y = ln x;   x̄ = ȳ / x
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func log<S>(_ x: Variable<S>) -> Variable<S> { x.unary(log(x.value), .log(x.index)) }

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func log<S>(_ g: inout Tensor<S>, x: Tensor<S>) { g.zipInPlace(x) { $0 == 0 ? 0 : $0 / $1 } }
}

/// The logistic sigmoid element-wise, computed stably (σ(±1000) is exactly 1 or 0).
///
///     y = σ(x) = 1 / (1 + e^−x);   x̄ = ȳ ⊙ (y ⊙ (1 − y))
///
/// The derivative y(1 − y) is formed first and then multiplied by ȳ, in the order of the
/// textbook δ = (t − y)·f′(z), so the tape reproduces the δ rules bit for bit. Where y is
/// exactly 0 or 1 the gradient is exactly 0, never NaN.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func sigmoid<S>(_ x: Variable<S>) -> Variable<S> { x.unary(sigmoid(x.value), .sigmoid(x.index)) }

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func sigmoid<S>(_ g: inout Tensor<S>, output y: Tensor<S>) {
        g.zipInPlace(y) { g, y in masked(g, y * (1 - y)) }
    }
}

/// The hyperbolic tangent element-wise.
///
///     y = tanh x;   x̄ = ȳ ⊙ (1 − y²)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func tanh<S>(_ x: Variable<S>) -> Variable<S> { x.unary(tanh(x.value), .tanh(x.index)) }

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func tanh<S>(_ g: inout Tensor<S>, output y: Tensor<S>) {
        g.zipInPlace(y) { g, y in masked(g, 1 - y * y) }
    }
}

/// The rectified linear unit element-wise.
///
///     y = max(x, 0);   x̄ = ȳ where x > 0, else 0 (the subgradient 0 at x = 0)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func relu<S>(_ x: Variable<S>) -> Variable<S> { x.unary(relu(x.value), .relu(x.index)) }

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func relu<S>(_ g: inout Tensor<S>, x: Tensor<S>) { g.zipInPlace(x) { $1 > 0 ? $0 : 0 } }
}

/// The absolute value element-wise.
///
///     y = |x|;   x̄ = ȳ ⊙ sign(x)   (the subgradient 0 at x = 0, as PyTorch and JAX)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func abs<S>(_ x: Variable<S>) -> Variable<S> { x.unary(abs(x.value), .abs(x.index)) }

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func abs<S>(_ g: inout Tensor<S>, x: Tensor<S>) { g.zipInPlace(x) { $1 > 0 ? $0 : ($1 < 0 ? -$0 : 0) } }
}

/// The sine element-wise (radians).
///
///     y = sin x;   x̄ = ȳ ⊙ cos x
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func sin<S>(_ x: Variable<S>) -> Variable<S> { x.unary(sin(x.value), .sin(x.index)) }

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func sin<S>(_ g: inout Tensor<S>, x: Tensor<S>) { g.zipInPlace(x) { masked($0, S.cos($1)) } }
}

/// The cosine element-wise (radians).
///
///     y = cos x;   x̄ = −ȳ ⊙ sin x
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func cos<S>(_ x: Variable<S>) -> Variable<S> { x.unary(cos(x.value), .cos(x.index)) }

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func cos<S>(_ g: inout Tensor<S>, x: Tensor<S>) { g.zipInPlace(x) { masked($0, -S.sin($1)) } }
}

/// The square element-wise.
///
///     y = x²;   x̄ = ȳ ⊙ 2x
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func square<S>(_ x: Variable<S>) -> Variable<S> { x.unary(square(x.value), .square(x.index)) }

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func square<S>(_ g: inout Tensor<S>, x: Tensor<S>) { g.zipInPlace(x) { masked($0, 2 * $1) } }
}

/// The square root element-wise.
///
///     y = √x;   x̄ = ȳ / (2y)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func sqrt<S>(_ x: Variable<S>) -> Variable<S> { x.unary(sqrt(x.value), .sqrt(x.index)) }

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func sqrt<S>(_ g: inout Tensor<S>, output y: Tensor<S>) { g.zipInPlace(y) { $0 == 0 ? 0 : $0 / (2 * $1) } }
}

/// A constant power element-wise.
///
///     y = xᵖ;   x̄ = ȳ ⊙ p·xᵖ⁻¹
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func pow<S>(_ x: Variable<S>, _ exponent: S) -> Variable<S> {
    x.unary(pow(x.value, exponent), .pow(x.index, exponent))
}

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func pow<S>(_ g: inout Tensor<S>, x: Tensor<S>, exponent p: S) {
        if p == 0 { return g.mapInPlace { _ in 0 } }  // y = 1: no dependence, and 0·x⁻¹ would be NaN at 0
        if p == 1 { return }  // y = x: x̄ = ȳ
        if p == 2 { return square(&g, x: x) }
        g.zipInPlace(x) { g, x in masked(g, p * S.pow(x, p - 1)) }
    }
}

/// Chooses element-wise between two variables: zᵢ = aᵢ where conditionᵢ ≠ 0, else bᵢ. The
/// three broadcast to a common shape.
///
///     z = c ? a : b;   ā = Σ_broadcast(c ? z̄ : 0),   b̄ = Σ_broadcast(c ? 0 : z̄)
///
/// The untaken branch receives exact zeros, and every VJP maps a zero upstream to a zero
/// adjoint (Note [Zero upstream]): `select(x > 0, log(x), 0)` has a finite gradient at x = 0.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func select<S>(
    _ condition: Tensor<S>, _ a: Variable<S>, _ b: Variable<S>,
    file: StaticString = #fileID, line: UInt = #line
) -> Variable<S> {
    checkSameTape(a, b, "select", file: file, line: line)
    let value = select(condition, a.value, b.value, file: file, line: line)
    let c = condition.broadcast(to: value.shape, file: file, line: line)
    return a.tape.record(.select(condition: c, a.index, b.index), value: value,
                         needsGradient: a.needsGradient || b.needsGradient)
}

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func select<S>(_ g: Tensor<S>, condition c: Tensor<S>, taken: Bool, toShape shape: [Int]) -> Tensor<S> {
        g.zip(c) { g, c in (c != 0) == taken ? g : 0 }.sum(toShape: shape)
    }
}
