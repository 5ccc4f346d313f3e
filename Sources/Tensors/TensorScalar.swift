import Foundation

/// A floating-point type a ``Tensor`` can hold: `Float` or `Double`.
///
/// The elementary functions are requirements rather than free generic code so that every
/// kernel calls a concrete function for its type: generic code dispatches once per operation,
/// and the inner loops are concrete. For Float and Double, eˣ, eˣ − 1, ln x, ln(1 + x),
/// tanh x and σ(x) are Backprop's own (Note [One polynomial] in Transcendentals.swift: the same
/// bits for one element as for a tensor through any kernel, on every machine); the rest are the
/// C library's.
public protocol TensorScalar: BinaryFloatingPoint, SIMDScalar, Sendable, LosslessStringConvertible, Codable
where RawSignificand: FixedWidthInteger {
    /// eˣ.
    static func exp(_ x: Self) -> Self
    /// The natural logarithm ln x.
    static func log(_ x: Self) -> Self
    /// ln(1 + x), accurate for small x.
    static func log1p(_ x: Self) -> Self
    /// eˣ − 1, accurate for small x.
    static func expm1(_ x: Self) -> Self
    /// The error function erf x = (2/√π) ∫₀ˣ e^−t² dt.
    static func erf(_ x: Self) -> Self
    /// The hyperbolic tangent.
    static func tanh(_ x: Self) -> Self
    /// The logistic sigmoid σ(x) = 1 / (1 + e^−x), computed without overflow.
    static func sigmoid(_ x: Self) -> Self
    /// xʸ.
    static func pow(_ x: Self, _ y: Self) -> Self
    /// The sine of x (radians).
    static func sin(_ x: Self) -> Self
    /// The cosine of x (radians).
    static func cos(_ x: Self) -> Self
    /// A short name for messages: `"Float"` or `"Double"`.
    static var typeName: String { get }
}

extension Float: TensorScalar {
    /// eˣ (Backprop's own, Note [One polynomial]).
    @inlinable @inline(__always) public static func exp(_ x: Float) -> Float { ElementwiseFunction.exp(x) }
    /// ln x (Backprop's own, Note [One polynomial]).
    @inlinable @inline(__always) public static func log(_ x: Float) -> Float { ElementwiseFunction.log(x) }
    /// ln(1 + x) (Backprop's own, Note [One polynomial]).
    @inlinable @inline(__always) public static func log1p(_ x: Float) -> Float { ElementwiseFunction.log1p(x) }
    /// eˣ − 1 (Backprop's own, Note [One polynomial]).
    @inlinable @inline(__always) public static func expm1(_ x: Float) -> Float { ElementwiseFunction.expm1(x) }
    /// erf x (the C library's `erff`).
    @inlinable @inline(__always) public static func erf(_ x: Float) -> Float { Foundation.erf(x) }
    /// tanh x (Backprop's own, Note [One polynomial]).
    @inlinable @inline(__always) public static func tanh(_ x: Float) -> Float { ElementwiseFunction.tanh(x) }
    /// σ(x) = 1 / (1 + e^−x) (Backprop's own, Note [One polynomial]).
    @inlinable @inline(__always) public static func sigmoid(_ x: Float) -> Float { ElementwiseFunction.sigmoid(x) }
    /// xʸ (the C library's `powf`).
    @inlinable @inline(__always) public static func pow(_ x: Float, _ y: Float) -> Float { Foundation.pow(x, y) }
    /// sin x (the C library's `sinf`).
    @inlinable @inline(__always) public static func sin(_ x: Float) -> Float { Foundation.sin(x) }
    /// cos x (the C library's `cosf`).
    @inlinable @inline(__always) public static func cos(_ x: Float) -> Float { Foundation.cos(x) }
    /// `"Float"`.
    public static var typeName: String { "Float" }
}

extension Double: TensorScalar {
    /// eˣ (Backprop's own, Note [One polynomial]).
    @inlinable @inline(__always) public static func exp(_ x: Double) -> Double { ElementwiseFunction.exp(x) }
    /// ln x (Backprop's own, Note [One polynomial]).
    @inlinable @inline(__always) public static func log(_ x: Double) -> Double { ElementwiseFunction.log(x) }
    /// ln(1 + x) (Backprop's own, Note [One polynomial]).
    @inlinable @inline(__always) public static func log1p(_ x: Double) -> Double { ElementwiseFunction.log1p(x) }
    /// eˣ − 1 (Backprop's own, Note [One polynomial]).
    @inlinable @inline(__always) public static func expm1(_ x: Double) -> Double { ElementwiseFunction.expm1(x) }
    /// erf x (the C library's `erf`).
    @inlinable @inline(__always) public static func erf(_ x: Double) -> Double { Foundation.erf(x) }
    /// tanh x (Backprop's own, Note [One polynomial]).
    @inlinable @inline(__always) public static func tanh(_ x: Double) -> Double { ElementwiseFunction.tanh(x) }
    /// σ(x) = 1 / (1 + e^−x) (Backprop's own, Note [One polynomial]).
    @inlinable @inline(__always) public static func sigmoid(_ x: Double) -> Double { ElementwiseFunction.sigmoid(x) }
    /// xʸ (the C library's `pow`).
    @inlinable @inline(__always) public static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
    /// sin x (the C library's `sin`).
    @inlinable @inline(__always) public static func sin(_ x: Double) -> Double { Foundation.sin(x) }
    /// cos x (the C library's `cos`).
    @inlinable @inline(__always) public static func cos(_ x: Double) -> Double { Foundation.cos(x) }
    /// `"Double"`.
    public static var typeName: String { "Double" }
}
