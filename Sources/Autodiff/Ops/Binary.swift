import Tensors

// Element-wise functions of two inputs — arithmetic with NumPy broadcasting, the bias add, and
// the fused backward ops that the rules of other ops are written with — each forward kernel
// and its rule, then the public arithmetic.

/// The element-wise functions of two inputs a and b.
@usableFromInline
enum BinaryFunction: String, CaseIterable, Sendable {
    case add, subtract, multiply, divide, addBias
    /// The larger (ties: a) and the smaller (ties: a), broadcasting.
    case maximum, minimum
    /// a ⊙ b with exactly 0 where a or b is 0, whatever the other (Note [Zero upstream]); a is
    /// an upstream adjoint.
    case maskedMultiply
    /// a / b with exactly 0 where a is 0.
    case maskedDivide
    /// σ's backward, fused: a ⊙ (b ⊙ (1 − b)) for upstream a and output b.
    case sigmoidBackward
    /// tanh's backward, fused: a ⊙ (1 − b²).
    case tanhBackward
    /// relu's backward: a where b > 0, else 0.
    case reluBackward
    /// abs's backward: a ⊙ sign(b), 0 at b = 0.
    case absBackward

    /// g·d with a strong zero on both sides: 0·x = x·0 = 0 for every x, ∞ and NaN included
    /// (Note [Zero upstream]); the same bits as g·d wherever both are finite.
    @inline(__always) static func maskedProduct<S: TensorScalar>(_ g: S, _ d: S) -> S {
        g == 0 || (d == 0 && !g.isFinite) ? 0 : g * d
    }
    @inline(__always) static func maskedQuotient<S: TensorScalar>(_ g: S, _ d: S) -> S { g == 0 ? 0 : g / d }
    @inline(__always) static func sigmoidDerivative<S: TensorScalar>(_ g: S, _ y: S) -> S { maskedProduct(g, y * (1 - y)) }
    @inline(__always) static func tanhDerivative<S: TensorScalar>(_ g: S, _ y: S) -> S { maskedProduct(g, 1 - y * y) }
    @inline(__always) static func reluDerivative<S: TensorScalar>(_ g: S, _ x: S) -> S { x > 0 ? g : 0 }
    @inline(__always) static func absDerivative<S: TensorScalar>(_ g: S, _ x: S) -> S { x > 0 ? g : (x < 0 ? -g : 0) }

    /// z = f(a, b); shape errors name the op and `file`/`line`.
    func forward<S>(_ a: Tensor<S>, _ b: Tensor<S>, file: StaticString, line: UInt) -> Tensor<S> {
        let name = rawValue
        switch self {
        case .add: return a.adding(b, file: file, line: line)
        case .subtract: return a.subtracting(b, file: file, line: line)
        case .multiply: return a.multiplied(by: b, file: file, line: line)
        case .divide: return a.divided(by: b, file: file, line: line)
        case .addBias: return a.addingBias(b, file: file, line: line)
        case .maximum: return Tensors.maximum(a, b, file: file, line: line)
        case .minimum: return Tensors.minimum(a, b, file: file, line: line)
        case .maskedMultiply: return a.broadcastingZip(b, operation: name, file: file, line: line, Self.maskedProduct)
        case .maskedDivide: return a.broadcastingZip(b, operation: name, file: file, line: line, Self.maskedQuotient)
        case .sigmoidBackward: return a.zip(b, operation: name, file: file, line: line, Self.sigmoidDerivative)
        case .tanhBackward: return a.zip(b, operation: name, file: file, line: line, Self.tanhDerivative)
        case .reluBackward: return a.zip(b, operation: name, file: file, line: line, Self.reluDerivative)
        case .absBackward: return a.zip(b, operation: name, file: file, line: line, Self.absDerivative)
        }
    }

    /// ``forward(_:_:file:line:)`` overwriting `a` when the shapes agree (the same closure, so
    /// the same bits); false when it did nothing.
    func forward<S>(inPlace a: inout Tensor<S>, _ b: Tensor<S>) -> Bool {
        switch self {
        case .add, .subtract, .multiply, .divide, .addBias, .maximum, .minimum: return false
        case .maskedMultiply, .maskedDivide:  // these broadcast: in place only for equal shapes
            guard a.shape == b.shape else { return false }
            if self == .maskedMultiply { a.zipInPlace(b, Self.maskedProduct) } else { a.zipInPlace(b, Self.maskedQuotient) }
        // The fused backward ops take equal shapes (zipInPlace checks them).
        case .sigmoidBackward: a.zipInPlace(b, operation: rawValue, Self.sigmoidDerivative)
        case .tanhBackward: a.zipInPlace(b, operation: rawValue, Self.tanhDerivative)
        case .reluBackward: a.zipInPlace(b, operation: rawValue, Self.reluDerivative)
        case .absBackward: a.zipInPlace(b, operation: rawValue, Self.absDerivative)
        }
        return true
    }

    /// (ā, b̄) from z̄ = `g`, the inputs and the output y (read only by the rules that use
    /// them); nil for an input that needs none.
    @inline(__always)
    func pullback<A: DerivativeAlgebra>(_ g: A, _ a: @autoclosure () -> A, _ b: @autoclosure () -> A,
                                        y: @autoclosure () -> A, needs: (Bool, Bool)) -> (A?, A?) {
        switch self {
        case .add:                        // ā = Σ_broadcast z̄,   b̄ = Σ_broadcast z̄
            return (needs.0 ? g.summed(toShape: a().shape) : nil, needs.1 ? g.summed(toShape: b().shape) : nil)
        case .subtract:                   // ā = Σ_broadcast z̄,   b̄ = −Σ_broadcast z̄
            return (needs.0 ? g.summed(toShape: a().shape) : nil, needs.1 ? (-g).summed(toShape: b().shape) : nil)
        case .multiply, .maskedMultiply:  // ā = Σ_broadcast(z̄ ⊙ b),   b̄ = Σ_broadcast(z̄ ⊙ a)
            let a = a(), b = b()
            return (needs.0 ? A.masked(g, b).summed(toShape: a.shape) : nil,
                    needs.1 ? A.masked(g, a).summed(toShape: b.shape) : nil)
        case .divide:                     // ā = Σ_broadcast(z̄ ⊙ (1/b)),   b̄ = Σ_broadcast(z̄ ⊙ (−z) ⊙ (1/b))
            let b = b(), reciprocal = A.scalarOp(.scalarDivide, b, 1)
            return (needs.0 ? A.masked(g, reciprocal).summed(toShape: a().shape) : nil,
                    needs.1 ? A.masked(A.masked(g, -y()), reciprocal).summed(toShape: b.shape) : nil)
        case .maskedDivide:               // ā = Σ_broadcast(z̄ / b),   b̄ = Σ_broadcast(z̄ ⊙ (−z / b))
            // −z / b masked too: exactly 0 where a (so z) is 0, even at b = 0.
            let b = b()
            return (needs.0 ? A.binaryOp(.maskedDivide, g, b).summed(toShape: a().shape) : nil,
                    needs.1 ? A.masked(g, A.binaryOp(.maskedDivide, -y(), b)).summed(toShape: b.shape) : nil)
        case .addBias:                    // x̄ = z̄,   b̄ⱼ = Σᵢ z̄ᵢⱼ
            return (needs.0 ? g : nil, needs.1 ? g.summed(toShape: b().shape) : nil)
        case .sigmoidBackward:            // ḡ = z̄ ⊙ y(1 − y),   ȳ = z̄ ⊙ g ⊙ (1 − 2y)
            let b = b()
            return (needs.0 ? A.binaryOp(.sigmoidBackward, g, b) : nil,
                    needs.1 ? A.masked(g, A.masked(a(), b * -2 + 1)) : nil)
        case .tanhBackward:               // ḡ = z̄ ⊙ (1 − y²),   ȳ = z̄ ⊙ g ⊙ (−2y)
            let b = b()
            return (needs.0 ? A.binaryOp(.tanhBackward, g, b) : nil, needs.1 ? A.masked(g, A.masked(a(), b * -2)) : nil)
        case .maximum, .minimum:          // ā = Σ_broadcast(ȳ where a won), b̄ = Σ_broadcast(ȳ where b won)
            let a = a(), b = b()
            let won = a.primal.broadcastingZip(b.primal, operation: rawValue, file: #fileID, line: #line) {
                (self == .maximum ? $0 >= $1 : $0 <= $1) ? 1 : 0
            }
            return Op<A.Scalar>.selectPullback(g, a, b, condition: won, needs: needs)  // select's rule, by the winner
        case .reluBackward, .absBackward: // ḡ = the same mask of z̄; the mask is piecewise constant in x
            return (needs.0 ? A.binaryOp(self, g, b()) : nil, nil)
        }
    }
}

extension Variable {
    /// Records a binary broadcasting operation after checking the tapes and shapes.
    @inline(__always)
    func binary(_ other: Variable, _ f: BinaryFunction, file: StaticString, line: UInt) -> Variable {
        checkSameTape(self, other, f.rawValue, file: file, line: line)
        if let a = unboxedScalar, let b = other.unboxedScalar {  // rank 0 broadcasts with rank 0 (Note [Rank-0 path])
            return tape.recordScalar(.binary(f, index, other.index), f.forward(scalar: a, b),
                                     needsGradient: needsGradient || other.needsGradient)
        }
        if Shape.broadcast(shape, other.shape) == nil {
            ShapeError.fail(f.rawValue, shapes: [shape, other.shape],
                            detail: "cannot broadcast (dimensions must be equal or 1, aligned at the last axis)",
                            file: file, line: line)
        }
        return recordBinary(f, other, file: file, line: line)
    }

    /// Element-wise sum with NumPy broadcasting.
    ///
    ///     z = x + y;   x̄ = Σ_broadcast z̄,   ȳ = Σ_broadcast z̄
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func adding(_ other: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        binary(other, .add, file: file, line: line)
    }

    /// Element-wise difference with NumPy broadcasting.
    ///
    ///     z = x − y;   x̄ = Σ_broadcast z̄,   ȳ = −Σ_broadcast z̄
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func subtracting(_ other: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        binary(other, .subtract, file: file, line: line)
    }

    /// Element-wise product with NumPy broadcasting.
    ///
    ///     z = x ⊙ y;   x̄ = Σ_broadcast(z̄ ⊙ y),   ȳ = Σ_broadcast(z̄ ⊙ x)
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func multiplied(by other: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        binary(other, .multiply, file: file, line: line)
    }

    /// Element-wise quotient with NumPy broadcasting.
    ///
    ///     z = x / y;   x̄ = Σ_broadcast(z̄ / y),   ȳ = −Σ_broadcast(z̄ ⊙ z / y)
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func divided(by other: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        binary(other, .divide, file: file, line: line)
    }

    /// Adds a bias row vector to every row of a matrix.
    ///
    ///     zᵢⱼ = xᵢⱼ + bⱼ;   x̄ = z̄,   b̄ⱼ = Σᵢ z̄ᵢⱼ (rows added in order)
    ///
    /// - Parameter bias: shape [n] or [1, n] for a self of shape [m, n].
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func addingBias(_ bias: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        checkSameTape(self, bias, "addBias", file: file, line: line)
        // The forward checks the shapes (Tensor.addingBias) and reports the caller's line.
        return recordBinary(.addBias, bias, file: file, line: line)
    }

    /// Element-wise sum (see ``adding(_:file:line:)``).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func + (lhs: Variable, rhs: Variable) -> Variable { lhs.adding(rhs, file: "", line: 0) }
    /// Element-wise difference (see ``subtracting(_:file:line:)``).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func - (lhs: Variable, rhs: Variable) -> Variable { lhs.subtracting(rhs, file: "", line: 0) }
    /// Element-wise product (see ``multiplied(by:file:line:)``).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func * (lhs: Variable, rhs: Variable) -> Variable { lhs.multiplied(by: rhs, file: "", line: 0) }
    /// Element-wise quotient (see ``divided(by:file:line:)``).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func / (lhs: Variable, rhs: Variable) -> Variable { lhs.divided(by: rhs, file: "", line: 0) }

    /// A constant tensor combined with a variable: the tensor is recorded as a constant.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func + (lhs: Variable, rhs: Tensor<Scalar>) -> Variable { lhs + lhs.tape.constant(rhs) }
    /// A constant tensor combined with a variable: the tensor is recorded as a constant.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func + (lhs: Tensor<Scalar>, rhs: Variable) -> Variable { rhs.tape.constant(lhs) + rhs }
    /// A constant tensor combined with a variable: the tensor is recorded as a constant.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func - (lhs: Variable, rhs: Tensor<Scalar>) -> Variable { lhs - lhs.tape.constant(rhs) }
    /// A constant tensor combined with a variable: the tensor is recorded as a constant.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func - (lhs: Tensor<Scalar>, rhs: Variable) -> Variable { rhs.tape.constant(lhs) - rhs }
    /// A constant tensor combined with a variable: the tensor is recorded as a constant.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func * (lhs: Variable, rhs: Tensor<Scalar>) -> Variable { lhs * lhs.tape.constant(rhs) }
    /// A constant tensor combined with a variable: the tensor is recorded as a constant.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func * (lhs: Tensor<Scalar>, rhs: Variable) -> Variable { rhs.tape.constant(lhs) * rhs }
    /// A constant tensor combined with a variable: the tensor is recorded as a constant.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func / (lhs: Variable, rhs: Tensor<Scalar>) -> Variable { lhs / lhs.tape.constant(rhs) }
    /// A constant tensor combined with a variable: the tensor is recorded as a constant.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func / (lhs: Tensor<Scalar>, rhs: Variable) -> Variable { rhs.tape.constant(lhs) / rhs }
}

/// The element-wise maximum with NumPy broadcasting; ties go to `a`.
///
///     z = max(a, b);   ā = Σ_broadcast(z̄ where a ≥ b),   b̄ = Σ_broadcast(z̄ where a < b)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func maximum<S>(_ a: Variable<S>, _ b: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    a.binary(b, .maximum, file: file, line: line)
}

/// The element-wise minimum with NumPy broadcasting; ties go to `a`.
///
///     z = min(a, b);   ā = Σ_broadcast(z̄ where a ≤ b),   b̄ = Σ_broadcast(z̄ where a > b)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func minimum<S>(_ a: Variable<S>, _ b: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    a.binary(b, .minimum, file: file, line: line)
}

/// Each element clamped to [lower, upper], composed as min(max(x, lower), upper) with constants:
/// the gradient flows where lower ≤ x ≤ upper (ties to x).
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func clamp<S>(_ x: Variable<S>, min lower: S, max upper: S, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    minimum(maximum(x, x.tape.constant(lower, file: file, line: line), file: file, line: line),
            x.tape.constant(upper, file: file, line: line), file: file, line: line)
}
