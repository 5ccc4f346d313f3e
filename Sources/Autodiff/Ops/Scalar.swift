import Tensors

// Element-wise functions of one input and a scalar constant: forward kernels, rules and the
// public operators.

/// The element-wise functions of an input x and a constant c.
@usableFromInline
enum ScalarFunction: String, CaseIterable, Sendable {
    case addScalar, multiplyScalar, divideByScalar, scalarDivide, pow
    /// ELU with α = c; leaky ReLU with slope c.
    case elu, leakyRelu

    /// y = f(x, c), element by element. The inlinable `map` (the same closure the Tensor
    /// operators run, so the same bits) avoids retain/release around an opaque call.
    @inline(__always)
    func forward<S>(_ x: Tensor<S>, _ c: S) -> Tensor<S> {
        switch self {
        case .addScalar: x.map { $0 + c }
        case .multiplyScalar: x.map { $0 * c }
        case .divideByScalar: x.map { $0 / c }
        case .scalarDivide: x.map { c / $0 }
        case .pow: Tensors.pow(x, c)
        case .elu: Tensors.elu(x, alpha: c)
        case .leakyRelu: Tensors.leakyRelu(x, alpha: c)
        }
    }

    /// ``forward(_:_:)`` overwriting x (an owned upstream in the reverse pass); false when the
    /// op has no in-place kernel.
    @inline(__always)
    func forward<S>(inPlace x: inout Tensor<S>, _ c: S) -> Bool {
        switch self {
        case .addScalar: x.mapInPlace { $0 + c }
        case .multiplyScalar: x.mapInPlace { $0 * c }
        case .divideByScalar: x.mapInPlace { $0 / c }
        case .scalarDivide, .pow, .elu, .leakyRelu: return false
        }
        return true
    }

    /// x̄ from ȳ, x, y and c.
    @inline(__always)
    func pullback<A: DerivativeAlgebra>(_ g: inout A, x: @autoclosure () -> A, y: @autoclosure () -> A,
                                        _ c: A.Scalar) -> A {
        switch self {
        case .addScalar: return g                                            // x̄ = ȳ
        case .multiplyScalar: return A.scalarOp(.multiplyScalar, reusing: &g, c)  // x̄ = c·ȳ
        case .divideByScalar: return A.scalarOp(.divideByScalar, reusing: &g, c)  // x̄ = ȳ / c
        case .scalarDivide: return A.masked(reusing: &g, -y() / x())             // x̄ = −ȳ ⊙ y / x
        case .pow:                                                            // x̄ = ȳ ⊙ p·xᵖ⁻¹
            if c == 0 { return g.lifted(Tensor(zeros: x().shape)) }  // y = 1: and 0·x⁻¹ would be NaN at 0
            if c == 1 { return g }
            if c == 2 { return A.masked(reusing: &g, x() * 2) }
            return A.masked(reusing: &g, A.scalarOp(.pow, x(), c - 1) * c)
        case .elu:                                                            // x̄ = ȳ where x > 0, ȳ ⊙ (y + α) elsewhere
            return A.selectOp(g, A.masked(g, y() + c), condition: x().primal.mask { $0 > 0 })
        case .leakyRelu:                                                      // x̄ = ȳ where x > 0, α·ȳ elsewhere
            return A.selectOp(g, g * c, condition: x().primal.mask { $0 > 0 })
        }
    }
}

extension ScalarFunction {
    /// The rule in op form for the constant c, for traces (`tape.trace`).
    func formula<S: TensorScalar>(_ c: S) -> String {
        switch self {
        case .addScalar: "x̄ = ȳ"
        case .multiplyScalar: "x̄ = \(c)·ȳ"
        case .divideByScalar: "x̄ = ȳ / \(c)"
        case .scalarDivide: "x̄ = −ȳ ⊙ y / x"
        case .pow: "x̄ = ȳ ⊙ \(c)·x^\(c - 1)"
        case .elu: "x̄ = ȳ where x > 0, ȳ ⊙ (y + \(c)) elsewhere"
        case .leakyRelu: "x̄ = ȳ where x > 0, \(c)·ȳ elsewhere"
        }
    }
}

extension Variable {
    /// Negation.
    ///
    ///     y = −x;   x̄ = −ȳ
    public static prefix func - (x: Variable) -> Variable { x.unary(.negate, file: "", line: 0) }

    /// Adds a scalar constant to every element.
    ///
    ///     y = x + c;   x̄ = ȳ
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func + (lhs: Variable, rhs: Scalar) -> Variable { scalarOp(.addScalar, lhs, rhs) }
    /// Adds a scalar constant to every element (c + x = x + c exactly).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func + (lhs: Scalar, rhs: Variable) -> Variable { rhs + lhs }
    /// Subtracts a scalar constant: x − c, recorded as x + (−c) (the same bits).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func - (lhs: Variable, rhs: Scalar) -> Variable { lhs + (-rhs) }
    /// A scalar minus every element: c − x, recorded as (−x) + c (the same bits).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func - (lhs: Scalar, rhs: Variable) -> Variable { (-rhs) + lhs }

    /// Multiplies every element by a scalar constant.
    ///
    ///     y = c·x;   x̄ = c·ȳ
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func * (lhs: Variable, rhs: Scalar) -> Variable { scalarOp(.multiplyScalar, lhs, rhs) }
    /// Multiplies every element by a scalar constant.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func * (lhs: Scalar, rhs: Variable) -> Variable { rhs * lhs }

    /// Divides every element by a scalar constant.
    ///
    ///     y = x / c;   x̄ = ȳ / c
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func / (lhs: Variable, rhs: Scalar) -> Variable { scalarOp(.divideByScalar, lhs, rhs) }

    /// Divides a scalar constant by every element.
    ///
    ///     y = c / x;   x̄ = −ȳ ⊙ y / x
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func / (lhs: Scalar, rhs: Variable) -> Variable { scalarOp(.scalarDivide, rhs, lhs) }
}

/// A constant power element-wise.
///
///     y = xᵖ;   x̄ = ȳ ⊙ p·xᵖ⁻¹   (p = 0: x̄ = 0; p = 1: x̄ = ȳ; p = 2: x̄ = ȳ ⊙ 2x)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func pow<S>(_ x: Variable<S>, _ exponent: S, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.tape.record(.scalar(.pow, x.index, exponent), value: ScalarFunction.pow.forward(x.value, exponent),
                  needsGradient: x.needsGradient, file: file, line: line)
}

/// ELU element-wise.
///
///     y = x (x > 0), α(eˣ − 1) otherwise;   x̄ = ȳ (x > 0), ȳ ⊙ (y + α) otherwise
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func elu<S>(_ x: Variable<S>, alpha: S = 1, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.tape.record(.scalar(.elu, x.index, alpha), value: ScalarFunction.elu.forward(x.value, alpha),
                  needsGradient: x.needsGradient, file: file, line: line)
}

/// Leaky ReLU element-wise.
///
///     y = x (x > 0), αx otherwise;   x̄ = ȳ (x > 0), α·ȳ otherwise
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func leakyRelu<S>(_ x: Variable<S>, alpha: S = 0.01, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.tape.record(.scalar(.leakyRelu, x.index, alpha), value: ScalarFunction.leakyRelu.forward(x.value, alpha),
                  needsGradient: x.needsGradient, file: file, line: line)
}
