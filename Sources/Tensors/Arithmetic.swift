// Arithmetic on plain tensors, with NumPy broadcasting. Each operation is one concrete loop
// per scalar type (see Kernels.swift); the Autodiff module records the same functions.

extension Tensor {
    /// Element-wise sum with broadcasting (NumPy's rules): zᵢ = xᵢ + yᵢ.
    /// - Precondition: the shapes broadcast; a mismatch stops with both shapes and the caller's line.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func adding(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        broadcastingZip(other, operation: "add", file: file, line: line, +)
    }
    /// Element-wise difference with broadcasting: zᵢ = xᵢ − yᵢ.
    /// - Precondition: the shapes broadcast.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func subtracting(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        broadcastingZip(other, operation: "subtract", file: file, line: line, -)
    }
    /// Element-wise (Hadamard) product with broadcasting: zᵢ = xᵢ·yᵢ.
    /// - Precondition: the shapes broadcast.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func multiplied(by other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        broadcastingZip(other, operation: "multiply", file: file, line: line, *)
    }
    /// Element-wise quotient with broadcasting: zᵢ = xᵢ / yᵢ.
    /// - Precondition: the shapes broadcast.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func divided(by other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        broadcastingZip(other, operation: "divide", file: file, line: line, /)
    }

    // Operators cannot take `#fileID`/`#line` defaults: they report "called through an
    // operator" and name the method to call for the caller's line (see ShapeError.message).

    /// Element-wise sum with broadcasting: zᵢ = xᵢ + yᵢ (see ``adding(_:file:line:)``).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.adding(rhs, file: "", line: 0) }
    /// Element-wise difference with broadcasting: zᵢ = xᵢ − yᵢ (see ``subtracting(_:file:line:)``).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.subtracting(rhs, file: "", line: 0) }
    /// Element-wise (Hadamard) product with broadcasting: zᵢ = xᵢ·yᵢ (see ``multiplied(by:file:line:)``).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.multiplied(by: rhs, file: "", line: 0) }
    /// Element-wise quotient with broadcasting: zᵢ = xᵢ / yᵢ (see ``divided(by:file:line:)``).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.divided(by: rhs, file: "", line: 0) }
    /// Negation: zᵢ = −xᵢ.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static prefix func - (x: Tensor) -> Tensor { x.map { -$0 } }

    /// Adds a scalar to every element.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func + (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 + rhs } }
    /// Adds a scalar to every element.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func + (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.map { lhs + $0 } }
    /// Subtracts a scalar from every element.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func - (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 - rhs } }
    /// Subtracts every element from a scalar.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func - (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.map { lhs - $0 } }
    /// Multiplies every element by a scalar.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func * (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 * rhs } }
    /// Multiplies every element by a scalar.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func * (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }
    /// Divides every element by a scalar.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func / (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 / rhs } }
    /// Divides a scalar by every element.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public static func / (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.map { lhs / $0 } }

    /// A 0/1 tensor: 1 where `predicate` holds for the element, else 0. Serves as the
    /// condition of ``select(_:_:_:file:line:)`` (any non-zero element counts as true).
    public func mask(where predicate: (Scalar) -> Bool) -> Tensor {
        map { predicate($0) ? 1 : 0 }
    }
}

/// eˣ element-wise.
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func exp<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.applying(.exp) }

/// ln x element-wise.
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func log<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.applying(.log) }

/// ln(1 + x) element-wise, accurate for small x.
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func log1p<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.applying(.log1p) }

/// eˣ − 1 element-wise, accurate for small x.
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func expm1<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.applying(.expm1) }

/// The softplus ln(1 + eˣ) element-wise, computed without overflow:
///
///     softplus(x) = max(x, 0) + ln(1 + e^−|x|)
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func softplus<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    // Through the vectorised exp and log1p: the same bits as the element-wise formula.
    var tail = x.map { -Swift.abs($0) }
    tail.applyInPlace(.exp)
    tail.applyInPlace(.log1p)
    return x.zipSameShape(tail) { Swift.max($0, 0) + $1 }
}

/// tanh x element-wise.
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func tanh<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.applying(.tanh) }

/// √x element-wise (correctly rounded, IEEE 754).
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func sqrt<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.map { $0.squareRoot() } }

/// x² element-wise.
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func square<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.map { $0 * $0 } }

/// xᵖ element-wise for a constant exponent p (p = 2 is computed as x·x, exactly).
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func pow<Scalar>(_ x: Tensor<Scalar>, _ p: Scalar) -> Tensor<Scalar> {
    if p == 2 { return x.map { $0 * $0 } }
    if p == 1 { return x }
    return x.map { Scalar.pow($0, p) }
}

/// |x| element-wise.
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func abs<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.map { Swift.abs($0) } }

/// sin x element-wise (radians).
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func sin<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.map { Scalar.sin($0) } }

/// cos x element-wise (radians).
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func cos<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.map { Scalar.cos($0) } }

/// max(x, 0) element-wise (NaN propagates).
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func relu<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.map { $0 < 0 ? 0 : $0 } }

/// The logistic sigmoid, computed without overflow for any input:
///
///     σ(x) = 1 / (1 + e^−x)        for x ≥ 0
///     σ(x) = eˣ / (1 + eˣ)         for x < 0
///
/// so σ(±1000) is exactly 1 or 0, never NaN.
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func sigmoid<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.applying(.sigmoid) }

/// The stable scalar sigmoid: ``TensorScalar/sigmoid(_:)``, the same bits as ``sigmoid(_:)``
/// gives each element of a tensor.
@inlinable @inline(__always)
public func sigmoidScalar<Scalar: TensorScalar>(_ x: Scalar) -> Scalar { Scalar.sigmoid(x) }

/// Chooses element-wise between two tensors: zᵢ = aᵢ where conditionᵢ ≠ 0, else bᵢ.
/// All three broadcast to a common shape.
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func select<Scalar>(
    _ condition: Tensor<Scalar>, _ a: Tensor<Scalar>, _ b: Tensor<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> Tensor<Scalar> {
    guard let ab = Shape.broadcast(a.shape, b.shape), let shape = Shape.broadcast(ab, condition.shape) else {
        ShapeError.fail("select", shapes: [condition.shape, a.shape, b.shape], detail: "cannot broadcast",
                        file: file, line: line)
    }
    let c = condition.broadcast(to: shape, file: file, line: line)
    let x = a.broadcast(to: shape, file: file, line: line)
    let y = b.broadcast(to: shape, file: file, line: line)
    var out = x
    out.withUnsafeMutableBufferPointer { o in
        c.withUnsafeBufferPointer { c in
            y.withUnsafeBufferPointer { y in
                for i in 0..<o.count where c[i] == 0 { o[i] = y[i] }
            }
        }
    }
    return out
}

extension Tensor {
    /// This tensor repeated along broadcast axes to `shape` (NumPy's `broadcast_to`, copied).
    /// - Precondition: the shape broadcasts to `shape`.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func broadcast(to target: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if shape == target { return self }
        guard let b = Shape.broadcast(shape, target), b == target else {
            ShapeError.fail("broadcast", shapes: [shape, target], detail: "cannot broadcast the first to the second",
                            file: file, line: line)
        }
        // One element (the adjoint of a full sum): a fill, without a zero tensor to zip against.
        if count == 1 { return Tensor(uncheckedShape: target, scalars: [Scalar](repeating: scalars[0], count: Shape.count(target))) }
        return Tensor(zeros: target).broadcastingZip(self, operation: "broadcast", file: file, line: line) { $1 }
    }
}
