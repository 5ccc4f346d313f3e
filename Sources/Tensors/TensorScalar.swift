#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A floating-point type a ``Tensor`` can hold: `Float` or `Double`.
///
/// The elementary functions are requirements rather than free generic code so that every
/// kernel calls the C library's concrete `exp`, `log`, … for its type: generic code dispatches
/// once per operation, and the inner loops are concrete.
public protocol TensorScalar: BinaryFloatingPoint, SIMDScalar, Sendable, LosslessStringConvertible, Codable
where RawSignificand: FixedWidthInteger {
    /// eˣ.
    static func exp(_ x: Self) -> Self
    /// The natural logarithm ln x.
    static func log(_ x: Self) -> Self
    /// ln(1 + x), accurate for small x.
    static func log1p(_ x: Self) -> Self
    /// The hyperbolic tangent.
    static func tanh(_ x: Self) -> Self
    /// xʸ.
    static func pow(_ x: Self, _ y: Self) -> Self
    /// A short name for messages: `"Float"` or `"Double"`.
    static var typeName: String { get }
}

extension Float: TensorScalar {
    @inlinable @inline(__always) public static func exp(_ x: Float) -> Float { expf(x) }
    @inlinable @inline(__always) public static func log(_ x: Float) -> Float { logf(x) }
    @inlinable @inline(__always) public static func log1p(_ x: Float) -> Float { log1pf(x) }
    @inlinable @inline(__always) public static func tanh(_ x: Float) -> Float { tanhf(x) }
    @inlinable @inline(__always) public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    public static var typeName: String { "Float" }
}

extension Double: TensorScalar {
    @inlinable @inline(__always) public static func exp(_ x: Double) -> Double {
        #if canImport(Darwin)
        Darwin.exp(x)
        #elseif canImport(Glibc)
        Glibc.exp(x)
        #else
        Musl.exp(x)
        #endif
    }
    @inlinable @inline(__always) public static func log(_ x: Double) -> Double {
        #if canImport(Darwin)
        Darwin.log(x)
        #elseif canImport(Glibc)
        Glibc.log(x)
        #else
        Musl.log(x)
        #endif
    }
    @inlinable @inline(__always) public static func log1p(_ x: Double) -> Double {
        #if canImport(Darwin)
        Darwin.log1p(x)
        #elseif canImport(Glibc)
        Glibc.log1p(x)
        #else
        Musl.log1p(x)
        #endif
    }
    @inlinable @inline(__always) public static func tanh(_ x: Double) -> Double {
        #if canImport(Darwin)
        Darwin.tanh(x)
        #elseif canImport(Glibc)
        Glibc.tanh(x)
        #else
        Musl.tanh(x)
        #endif
    }
    @inlinable @inline(__always) public static func pow(_ x: Double, _ y: Double) -> Double {
        #if canImport(Darwin)
        Darwin.pow(x, y)
        #elseif canImport(Glibc)
        Glibc.pow(x, y)
        #else
        Musl.pow(x, y)
        #endif
    }
    public static var typeName: String { "Double" }
}
