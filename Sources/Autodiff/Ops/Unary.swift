import Tensors

// Element-wise functions of one input: each op's forward kernel and its derivative rule, and
// the public functions that record them.
//
// Note [Zero upstream]: where an element of the upstream adjoint is exactly 0, every rule
// contributes exactly 0 for it, even if the local derivative there is infinite or NaN (log
// at 0, division by 0, sqrt at 0) — at every order, because every rule multiplies its
// upstream through a masked op (`maskedMultiply`, `maskedDivide`, the fused backward ops,
// matmul's masked form) whose own rule masks its upstream again. Without this, 0·∞ = NaN
// would leak into the adjoints of an untaken `select` branch (`where(x > 0, log(x), 0)`).
// At order 2 and beyond the zero may sit in either factor of a masked product (a first-order
// adjoint that was 0 meets a second-order upstream that is ∞ or NaN), so `maskedMultiply` has a
// strong zero on both sides: 0·x = x·0 = 0 for every x, ∞ and NaN included (and matmul's rule
// products skip the zero terms of both factors when both are adjoints). The price: a NaN
// upstream meeting a local derivative that is exactly 0 gives 0, not NaN — anomaly detection
// still reports where that NaN was born.

/// The element-wise functions of one input.
@usableFromInline
enum UnaryFunction: String, CaseIterable, Sendable {
    case negate, exp, log, sigmoid, tanh, relu, abs, sin, cos, square, sqrt, softplus, log1p, expm1
    case silu, erf, gelu, geluTanh

    /// y = f(x), element by element.
    @inline(__always)
    func forward<S>(_ x: Tensor<S>) -> Tensor<S> {
        switch self {
        // Inlinable `map` rather than the opaque Tensor operator: no retain/release of the
        // record's arrays around the call, a tenth of a scalar op's cost.
        case .negate: x.map { -$0 }
        case .exp: Tensors.exp(x)
        case .log: Tensors.log(x)
        case .sigmoid: Tensors.sigmoid(x)
        case .tanh: Tensors.tanh(x)
        case .relu: Tensors.relu(x)
        case .abs: Tensors.abs(x)
        case .sin: Tensors.sin(x)
        case .cos: Tensors.cos(x)
        case .square: Tensors.square(x)
        case .sqrt: Tensors.sqrt(x)
        case .softplus: Tensors.softplus(x)
        case .log1p: Tensors.log1p(x)
        case .expm1: Tensors.expm1(x)
        case .silu: Tensors.silu(x)
        case .erf: Tensors.erf(x)
        case .gelu: Tensors.gelu(x, approximation: .none)
        case .geluTanh: Tensors.gelu(x, approximation: .tanh)
        }
    }

    /// x̄ from ȳ, the input x and the output y: the derivative rule, one line per op.
    /// `x` and `y` are read only by the rules that use them (no copy of an unused tensor).
    @inline(__always)
    func pullback<A: DerivativeAlgebra>(_ g: inout A, x: @autoclosure () -> A, y: @autoclosure () -> A) -> A {
        switch self {
        case .negate: -g                                             // x̄ = −ȳ
        case .exp: A.masked(reusing: &g, y())                           // x̄ = ȳ ⊙ y
        case .log: A.binaryOp(.maskedDivide, reusing: &g, x())          // x̄ = ȳ / x
        case .sigmoid: A.binaryOp(.sigmoidBackward, reusing: &g, y())   // x̄ = ȳ ⊙ (y ⊙ (1 − y))
        case .tanh: A.binaryOp(.tanhBackward, reusing: &g, y())         // x̄ = ȳ ⊙ (1 − y²)
        case .relu: A.binaryOp(.reluBackward, reusing: &g, x())         // x̄ = ȳ where x > 0
        case .abs: A.binaryOp(.absBackward, reusing: &g, x())           // x̄ = ȳ ⊙ sign(x)
        case .sin: A.masked(reusing: &g, A.unaryOp(.cos, x()))          // x̄ = ȳ ⊙ cos x
        case .cos: A.masked(reusing: &g, -A.unaryOp(.sin, x()))         // x̄ = −ȳ ⊙ sin x
        case .square: A.masked(reusing: &g, x() * 2)                    // x̄ = ȳ ⊙ 2x
        case .sqrt: A.binaryOp(.maskedDivide, reusing: &g, y() * 2)     // x̄ = ȳ / (2y)
        case .softplus: A.masked(reusing: &g, A.unaryOp(.sigmoid, x())) // x̄ = ȳ ⊙ σ(x)
        case .log1p: A.binaryOp(.maskedDivide, reusing: &g, x() + 1)    // x̄ = ȳ / (1 + x)
        case .expm1: A.masked(reusing: &g, y() + 1)                     // x̄ = ȳ ⊙ eˣ = ȳ ⊙ (y + 1)
        case .silu: A.masked(reusing: &g, Self.siluSlope(x()))          // x̄ = ȳ ⊙ (s + x ⊙ s(1 − s)), s = σ(x)
        case .erf: A.masked(reusing: &g, Self.erfSlope(x()))            // x̄ = ȳ ⊙ (2/√π)·e^(−x²)
        case .gelu: A.masked(reusing: &g, Self.geluSlope(x()))          // x̄ = ȳ ⊙ (Φ(x) + x·φ(x))
        case .geluTanh: A.masked(reusing: &g, Self.geluTanhSlope(x()))  // x̄ = ȳ ⊙ (½(1 + t) + ½x(1 − t²)·c(1 + 3kx²))
        }
    }
}

extension UnaryFunction {
    // The local derivatives the newer activations' rules multiply by, composed from ops with
    // rules of their own (so differentiable again).
    static func siluSlope<A: DerivativeAlgebra>(_ x: A) -> A {
        let s = A.unaryOp(.sigmoid, x)
        return s + A.binaryOp(.sigmoidBackward, x, s)
    }
    static func erfSlope<A: DerivativeAlgebra>(_ x: A) -> A { A.unaryOp(.exp, -(x * x)) * A.Scalar(1.1283791670955126) }
    static func geluSlope<A: DerivativeAlgebra>(_ x: A) -> A {
        let cdf = (A.unaryOp(.erf, x * A.Scalar(0.7071067811865476)) + 1) * A.Scalar(0.5)
        let pdf = A.unaryOp(.exp, x * x * A.Scalar(-0.5)) * A.Scalar(0.3989422804014327)
        return cdf + x * pdf
    }
    static func geluTanhSlope<A: DerivativeAlgebra>(_ x: A) -> A {
        let c = A.Scalar(0.7978845608028654), k = A.Scalar(0.044715)
        let t = A.unaryOp(.tanh, (x + x * x * x * k) * c)
        return (t + 1) * A.Scalar(0.5) + A.binaryOp(.tanhBackward, x, t) * ((x * x * (3 * k) + 1) * (c / 2))
    }

    /// The rule in op form, for traces (`tape.trace`).
    var formula: String {
        switch self {
        case .negate: "x̄ = −ȳ"
        case .exp: "x̄ = ȳ ⊙ y"
        case .log: "x̄ = ȳ / x"
        case .sigmoid: "x̄ = ȳ ⊙ y ⊙ (1 − y)"
        case .tanh: "x̄ = ȳ ⊙ (1 − y²)"
        case .relu: "x̄ = ȳ ⊙ [x > 0]"
        case .abs: "x̄ = ȳ ⊙ sign(x)"
        case .sin: "x̄ = ȳ ⊙ cos x"
        case .cos: "x̄ = −ȳ ⊙ sin x"
        case .square: "x̄ = ȳ ⊙ 2x"
        case .sqrt: "x̄ = ȳ / (2y)"
        case .softplus: "x̄ = ȳ ⊙ σ(x)"
        case .log1p: "x̄ = ȳ / (1 + x)"
        case .expm1: "x̄ = ȳ ⊙ (y + 1)"
        case .silu: "x̄ = ȳ ⊙ (σ(x) + x·σ(x)(1 − σ(x)))"
        case .erf: "x̄ = ȳ ⊙ (2/√π)·e^(−x²)"
        case .gelu: "x̄ = ȳ ⊙ (Φ(x) + x·φ(x))"
        case .geluTanh: "x̄ = ȳ ⊙ (½(1 + t) + ½x(1 − t²)·c(1 + 3kx²))"
        }
    }
}

extension Variable {
    /// Records a unary element-wise operation.
    @inline(__always)
    func unary(_ f: UnaryFunction, file: StaticString, line: UInt) -> Variable {
        if let x = unboxedScalar {  // Note [Rank-0 path]
            return tape.recordScalar(.unary(f, index), f.forward(scalar: x), needsGradient: needsGradient)
        }
        return tape.record(.unary(f, index), value: f.forward(value), needsGradient: needsGradient, file: file, line: line)
    }
}

/// eˣ element-wise.
///
///     y = eˣ;   x̄ = ȳ ⊙ y
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func exp<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.unary(.exp, file: file, line: line)
}

/// The natural logarithm element-wise.
///
///     y = ln x;   x̄ = ȳ / x
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func log<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.unary(.log, file: file, line: line)
}

/// The logistic sigmoid element-wise, computed stably (σ(±1000) is exactly 1 or 0).
///
///     y = σ(x) = 1 / (1 + e^−x);   x̄ = ȳ ⊙ (y ⊙ (1 − y))   (the op `sigmoidBackward`)
///
/// The derivative y(1 − y) is formed first and then multiplied by ȳ, in the order of the
/// textbook δ = (t − y)·f′(z), so the tape reproduces the δ rules bit for bit. Where y is
/// exactly 0 or 1 the gradient is exactly 0, never NaN.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func sigmoid<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.unary(.sigmoid, file: file, line: line)
}

/// The hyperbolic tangent element-wise.
///
///     y = tanh x;   x̄ = ȳ ⊙ (1 − y²)   (the op `tanhBackward`)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func tanh<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.unary(.tanh, file: file, line: line)
}

/// The rectified linear unit element-wise.
///
///     y = max(x, 0);   x̄ = ȳ where x > 0, else 0 (the subgradient 0 at x = 0)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func relu<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.unary(.relu, file: file, line: line)
}

/// The absolute value element-wise.
///
///     y = |x|;   x̄ = ȳ ⊙ sign(x)   (the subgradient 0 at x = 0, as PyTorch and JAX)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func abs<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.unary(.abs, file: file, line: line)
}

/// The sine element-wise (radians).
///
///     y = sin x;   x̄ = ȳ ⊙ cos x
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func sin<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.unary(.sin, file: file, line: line)
}

/// The cosine element-wise (radians).
///
///     y = cos x;   x̄ = −ȳ ⊙ sin x
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func cos<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.unary(.cos, file: file, line: line)
}

/// The square element-wise.
///
///     y = x²;   x̄ = ȳ ⊙ 2x
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func square<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.unary(.square, file: file, line: line)
}

/// The square root element-wise.
///
///     y = √x;   x̄ = ȳ / (2y)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func sqrt<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.unary(.sqrt, file: file, line: line)
}

/// The softplus element-wise, computed stably (no overflow for large x).
///
///     y = ln(1 + eˣ) = max(x, 0) + ln(1 + e^−|x|);   x̄ = ȳ ⊙ σ(x)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func softplus<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.unary(.softplus, file: file, line: line)
}

/// ln(1 + x) element-wise, accurate for small x.
///
///     y = ln(1 + x);   x̄ = ȳ / (1 + x)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func log1p<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.unary(.log1p, file: file, line: line)
}

/// eˣ − 1 element-wise, accurate for small x.
///
///     y = eˣ − 1;   x̄ = ȳ ⊙ eˣ = ȳ ⊙ (y + 1)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func expm1<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.unary(.expm1, file: file, line: line)
}

/// SiLU (swish) element-wise.
///
///     y = x·σ(x);   x̄ = ȳ ⊙ (σ(x) + x·σ(x)(1 − σ(x)))
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func silu<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.unary(.silu, file: file, line: line)
}

/// The error function element-wise.
///
///     y = erf x;   x̄ = ȳ ⊙ (2/√π)·e^(−x²)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func erf<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.unary(.erf, file: file, line: line)
}

/// GELU element-wise: exact (erf, the default) or with the tanh approximation (op `geluTanh`).
///
///     y = x·Φ(x);   x̄ = ȳ ⊙ (Φ(x) + x·φ(x))
///     y = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³);   x̄ = ȳ ⊙ (½(1 + tanh u) + ½x(1 − tanh²u)·u′)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func gelu<S>(_ x: Variable<S>, approximation: GELUApproximation = .none,
                    file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.unary(approximation == .none ? .gelu : .geluTanh, file: file, line: line)
}
