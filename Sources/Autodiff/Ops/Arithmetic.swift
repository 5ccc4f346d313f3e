import Tensors

// Note [Zero upstream]: where an element of the upstream adjoint is exactly 0, every VJP
// below contributes exactly 0 for it, even if the local derivative there is infinite or
// NaN (log at 0, division by 0, sqrt at 0). Without this, 0·∞ = NaN would leak into the
// adjoints of an untaken `select` branch (the classic `where(x > 0, log(x), 0)` trap).
// `masked(_:_:)` is the one place that implements it.

extension VJP {
    /// ȳ ⊙ d, with exactly 0 wherever ȳ is 0 (see Note [Zero upstream]).
    @inlinable @inline(__always)
    static func masked<S: TensorScalar>(_ g: S, _ d: S) -> S { g == 0 ? 0 : g * d }

    /// Broadcasting product's VJP: ā = Σ_broadcast(ȳ ⊙ b).
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func multiply<S>(_ g: Tensor<S>, other: Tensor<S>, toShape shape: [Int]) -> Tensor<S> {
        g.broadcastingZip(other, operation: "multiply VJP", file: #fileID, line: #line, masked).sum(toShape: shape)
    }

    /// Quotient's VJP for the numerator: ā = Σ_broadcast(ȳ / b).
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func divideNumerator<S>(_ g: Tensor<S>, denominator: Tensor<S>, toShape shape: [Int]) -> Tensor<S> {
        g.broadcastingZip(denominator, operation: "divide VJP", file: #fileID, line: #line) { masked($0, 1 / $1) }
            .sum(toShape: shape)
    }

    /// Quotient's VJP for the denominator: b̄ = Σ_broadcast(−ȳ ⊙ y / b), y = a / b.
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func divideDenominator<S>(_ g: Tensor<S>, output y: Tensor<S>, denominator: Tensor<S>) -> Tensor<S> {
        let gy = g.zip(y) { masked($0, -$1) }
        return gy.broadcastingZip(denominator, operation: "divide VJP", file: #fileID, line: #line) { masked($0, 1 / $1) }
            .sum(toShape: denominator.shape)
    }

    /// c / x's VJP: x̄ = −ȳ ⊙ y / x.
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func scalarDivide<S>(_ g: inout Tensor<S>, output y: Tensor<S>, x: Tensor<S>) {
        g.zipInPlace(y, x) { g, y, x in masked(g, -y / x) }
    }
}

extension Variable {
    /// Records a binary broadcasting operation after checking the tapes and shapes.
    @inlinable
    func binary(_ other: Variable, _ name: String, file: StaticString, line: UInt,
                _ forward: (Tensor<Scalar>, Tensor<Scalar>) -> Tensor<Scalar>,
                _ op: (Int, Int) -> Op<Scalar>) -> Variable {
        checkSameTape(self, other, name, file: file, line: line)
        if Shape.broadcast(shape, other.shape) == nil {
            ShapeError.fail(name, shapes: [shape, other.shape],
                            detail: "cannot broadcast (dimensions must be equal or 1, aligned at the last axis)",
                            file: file, line: line)
        }
        return tape.record(op(index, other.index), value: forward(value, other.value),
                           needsGradient: needsGradient || other.needsGradient)
    }

    /// Element-wise sum with NumPy broadcasting.
    ///
    ///     z = x + y;   x̄ = Σ_broadcast ȳ,   ȳ_y = Σ_broadcast ȳ
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func adding(_ other: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        binary(other, "add", file: file, line: line, +, Op.add)
    }

    /// Element-wise difference with NumPy broadcasting.
    ///
    ///     z = x − y;   x̄ = Σ_broadcast z̄,   ȳ = −Σ_broadcast z̄
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func subtracting(_ other: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        binary(other, "subtract", file: file, line: line, -, Op.subtract)
    }

    /// Element-wise product with NumPy broadcasting.
    ///
    ///     z = x ⊙ y;   x̄ = Σ_broadcast(z̄ ⊙ y),   ȳ = Σ_broadcast(z̄ ⊙ x)
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func multiplied(by other: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        binary(other, "multiply", file: file, line: line, *, Op.multiply)
    }

    /// Element-wise quotient with NumPy broadcasting.
    ///
    ///     z = x / y;   x̄ = Σ_broadcast(z̄ / y),   ȳ = −Σ_broadcast(z̄ ⊙ z / y)
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func divided(by other: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        binary(other, "divide", file: file, line: line, /, Op.divide)
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

    // The scalar-constant ops below compute their value with the inlinable `map` (the same
    // closure the Tensor operators run, so the same bits) rather than through the Tensor
    // operator: an opaque call would make the compiler retain and release the input's arrays,
    // read from the tape's buffer, around it — a tenth of a scalar op's cost.

    /// Negation.
    ///
    ///     y = −x;   x̄ = −ȳ
    public static prefix func - (x: Variable) -> Variable {
        x.tape.record(.negate(x.index), value: x.value.map { -$0 }, needsGradient: x.needsGradient)
    }

    /// Adds a scalar constant to every element.
    ///
    ///     y = x + c;   x̄ = ȳ
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func + (lhs: Variable, rhs: Scalar) -> Variable {
        lhs.tape.record(.addScalar(lhs.index), value: lhs.value.map { $0 + rhs }, needsGradient: lhs.needsGradient)
    }
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
    public static func * (lhs: Variable, rhs: Scalar) -> Variable {
        lhs.tape.record(.multiplyScalar(lhs.index, rhs), value: lhs.value.map { $0 * rhs }, needsGradient: lhs.needsGradient)
    }
    /// Multiplies every element by a scalar constant.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func * (lhs: Scalar, rhs: Variable) -> Variable { rhs * lhs }

    /// Divides every element by a scalar constant.
    ///
    ///     y = x / c;   x̄ = ȳ / c
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func / (lhs: Variable, rhs: Scalar) -> Variable {
        lhs.tape.record(.divideByScalar(lhs.index, rhs), value: lhs.value.map { $0 / rhs }, needsGradient: lhs.needsGradient)
    }

    /// Divides a scalar constant by every element.
    ///
    ///     y = c / x;   x̄ = −ȳ ⊙ y / x
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func / (lhs: Scalar, rhs: Variable) -> Variable {
        rhs.tape.record(.scalarDivide(lhs, rhs.index), value: lhs / rhs.value, needsGradient: rhs.needsGradient)
    }
}
