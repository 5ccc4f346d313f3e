// The element-wise functions eˣ, eˣ − 1, ln x, ln(1 + x), tanh x and σ(x), written once for one
// element: the Swift version of Sources/CKernels/ElementwiseBody.h, operation for operation.
//
// Note [One polynomial]: every path — the AVX-512 and AVX2 kernels, the one-element FMA
// functions of Sources/CKernels and this Swift code — computes each element with the same
// operations in the same order: the same fused multiply-adds (`c.addingProduct(a, b)` is C's
// fma(a, b, c), one rounding), the same divisions, and the same choices (a C select is a Swift
// `?:` on the same comparison). Lanes never interact, so a 16-lane vector, one lane and this
// code give the same bits, for any tensor size and thread count, and the rank-0 path equals the
// tensor path. The constants are the same values, digit for digit (hexadecimal literals).
//
// The methods, accuracy measured against glibc's long-double functions over 2·10⁶ arguments
// each (Tests/TensorsTests/TranscendentalTests.swift tests the bounds):
//
//   eˣ        x = k·ln 2 + r (Cody–Waite, |r| ≤ ln 2 / 2), eʳ − 1 by its Taylor polynomial to
//             r¹³ (Double) or r⁸ (Float), 2ᵏ in two halves so overflow and underflow are reached
//             without an infinite factor. ≤ 1 ulp.
//   eˣ − 1    the same p = eʳ − 1, then 2ᵏ·p + (2ᵏ − 1) in one rounding. ≤ 2 ulp.
//   ln x      x = 2ᵉ·m, m ∈ [√½, √2), s = f/(2 + f) with f = m − 1, and
//             ln m = f − (f²/2 − s·(f²/2 + R(s²))) with R the series Σ 2zⁿ/(2n + 1) (fdlibm's
//             arrangement). ≤ 1 ulp.
//   ln(1 + x) the same on u = 1 + x, with u's rounding error carried as (x − (u − 1))/u. ≤ 3 ulp.
//   tanh x    sign(x)·u/(u + 2) with u = e^{2|x|} − 1. ≤ 3 ulp.
//   σ(x)      1/(1 + e^−|x|) for x ≥ 0, e^−|x|/(1 + e^−|x|) below (never an overflow). ≤ 3 ulp.
//
// Subnormal results of eˣ may be one unit off correct rounding (two roundings); ±0, ±∞ and NaN
// give what C99's Annex F asks of these functions.

/// A floating-point type with the bit-level constants of Note [One polynomial].
@usableFromInline
protocol PolynomialScalar: BinaryFloatingPoint {
    associatedtype Bits: FixedWidthInteger & UnsignedInteger
    associatedtype SignedBits: FixedWidthInteger & SignedInteger
    var bits: Bits { get }
    init(bits: Bits)
    static var bias: SignedBits { get }
    static var mantissaBits: Bits { get }
    static var magic: Self { get }
    static var log2e: Self { get }
    static var ln2hi: Self { get }
    static var ln2lo: Self { get }
    static var expHi: Self { get }
    static var expLo: Self { get }
    static var expm1Lo: Self { get }
    static var tanhHi: Self { get }
    static var sqrtHalf: Self { get }
    static var minNormal: Self { get }
    static var subnormalScale: Self { get }
    static var subnormalShift: SignedBits { get }
    /// q(r) with eʳ − 1 = r + r²·q(r): Horner from the highest coefficient down.
    static func expSeries(_ r: Self) -> Self
    /// q(z) with R(z) = z·q(z) = Σ 2zⁿ/(2n + 1).
    static func logSeries(_ z: Self) -> Self
}

extension Double: PolynomialScalar {
    @usableFromInline var bits: UInt64 { bitPattern }
    @usableFromInline init(bits: UInt64) { self.init(bitPattern: bits) }
    @usableFromInline static var bias: Int64 { 1023 }
    @usableFromInline static var mantissaBits: UInt64 { 52 }
    @usableFromInline static var magic: Double { 0x1.8p52 }
    @usableFromInline static var log2e: Double { 0x1.71547652b82fep+0 }
    @usableFromInline static var ln2hi: Double { 0x1.62e42fee00000p-1 }
    @usableFromInline static var ln2lo: Double { 0x1.a39ef35793c76p-33 }
    @usableFromInline static var expHi: Double { 709.8 }
    @usableFromInline static var expLo: Double { -746.0 }
    @usableFromInline static var expm1Lo: Double { -40.0 }
    @usableFromInline static var tanhHi: Double { 20.0 }
    @usableFromInline static var sqrtHalf: Double { 0x1.6a09e667f3bcdp-1 }
    @usableFromInline static var minNormal: Double { 0x1p-1022 }
    @usableFromInline static var subnormalScale: Double { 0x1p54 }
    @usableFromInline static var subnormalShift: Int64 { 54 }

    @inlinable @inline(__always)
    static func expSeries(_ r: Double) -> Double {
        var q: Double = 0x1.6124613a86d09p-33
        q = Double(0x1.1eed8eff8d898p-29).addingProduct(q, r)
        q = Double(0x1.ae64567f544e4p-26).addingProduct(q, r)
        q = Double(0x1.27e4fb7789f5cp-22).addingProduct(q, r)
        q = Double(0x1.71de3a556c734p-19).addingProduct(q, r)
        q = Double(0x1.a01a01a01a01ap-16).addingProduct(q, r)
        q = Double(0x1.a01a01a01a01ap-13).addingProduct(q, r)
        q = Double(0x1.6c16c16c16c17p-10).addingProduct(q, r)
        q = Double(0x1.1111111111111p-7).addingProduct(q, r)
        q = Double(0x1.5555555555555p-5).addingProduct(q, r)
        q = Double(0x1.5555555555555p-3).addingProduct(q, r)
        return Double(0x1.0000000000000p-1).addingProduct(q, r)
    }

    @inlinable @inline(__always)
    static func logSeries(_ z: Double) -> Double {
        var q: Double = 0x1.8618618618618p-4
        q = Double(0x1.af286bca1af28p-4).addingProduct(q, z)
        q = Double(0x1.e1e1e1e1e1e1ep-4).addingProduct(q, z)
        q = Double(0x1.1111111111111p-3).addingProduct(q, z)
        q = Double(0x1.3b13b13b13b14p-3).addingProduct(q, z)
        q = Double(0x1.745d1745d1746p-3).addingProduct(q, z)
        q = Double(0x1.c71c71c71c71cp-3).addingProduct(q, z)
        q = Double(0x1.2492492492492p-2).addingProduct(q, z)
        q = Double(0x1.999999999999ap-2).addingProduct(q, z)
        return Double(0x1.5555555555555p-1).addingProduct(q, z)
    }
}

extension Float: PolynomialScalar {
    @usableFromInline var bits: UInt32 { bitPattern }
    @usableFromInline init(bits: UInt32) { self.init(bitPattern: bits) }
    @usableFromInline static var bias: Int32 { 127 }
    @usableFromInline static var mantissaBits: UInt32 { 23 }
    @usableFromInline static var magic: Float { 0x1.8p23 }
    @usableFromInline static var log2e: Float { 0x1.715476p+0 }
    @usableFromInline static var ln2hi: Float { 0x1.62e400p-1 }
    @usableFromInline static var ln2lo: Float { 0x1.7f7d1cp-20 }
    @usableFromInline static var expHi: Float { 89.0 }
    @usableFromInline static var expLo: Float { -104.0 }
    @usableFromInline static var expm1Lo: Float { -18.0 }
    @usableFromInline static var tanhHi: Float { 10.0 }
    @usableFromInline static var sqrtHalf: Float { 0x1.6a09e6p-1 }
    @usableFromInline static var minNormal: Float { 0x1p-126 }
    @usableFromInline static var subnormalScale: Float { 0x1p25 }
    @usableFromInline static var subnormalShift: Int32 { 25 }

    @inlinable @inline(__always)
    static func expSeries(_ r: Float) -> Float {
        var q: Float = 0x1.a01a02p-16
        q = Float(0x1.a01a02p-13).addingProduct(q, r)
        q = Float(0x1.6c16c2p-10).addingProduct(q, r)
        q = Float(0x1.111112p-7).addingProduct(q, r)
        q = Float(0x1.555556p-5).addingProduct(q, r)
        q = Float(0x1.555556p-3).addingProduct(q, r)
        return Float(0x1.000000p-1).addingProduct(q, r)
    }

    @inlinable @inline(__always)
    static func logSeries(_ z: Float) -> Float {
        var q: Float = 0x1.745d18p-3
        q = Float(0x1.c71c72p-3).addingProduct(q, z)
        q = Float(0x1.24924ap-2).addingProduct(q, z)
        q = Float(0x1.99999ap-2).addingProduct(q, z)
        return Float(0x1.555556p-1).addingProduct(q, z)
    }
}

/// The Swift version of the element-wise functions (Note [One polynomial]).
@usableFromInline
enum Polynomial {
    /// 2ᵏ for a k with k + bias in 1 … 2·bias.
    @inlinable @inline(__always)
    static func pow2<S: PolynomialScalar>(_ k: S.SignedBits) -> S {
        S(bits: (S.Bits(truncatingIfNeeded: k) &+ S.Bits(truncatingIfNeeded: S.bias)) << S.mantissaBits)
    }

    /// x = k·ln 2 + r; returns eʳ − 1 and k.
    @inlinable @inline(__always)
    static func reduce<S: PolynomialScalar>(_ x: S) -> (p: S, k: S.SignedBits) {
        let t = S.magic.addingProduct(x, S.log2e)
        let kf = t - S.magic
        let k = S.SignedBits(truncatingIfNeeded: t.bits &- S.magic.bits)
        var r = x.addingProduct(kf, -S.ln2hi)
        r = r.addingProduct(kf, -S.ln2lo)
        let q = S.expSeries(r)
        return (r.addingProduct(q, r * r), k)
    }

    /// 2ᵏ·(1 + p) as 2^k₁·(1 + p)·2^k₂ with k₁ = ⌊k/2⌋, k₂ = k − k₁ (two normal factors).
    @inlinable @inline(__always)
    static func scale<S: PolynomialScalar>(_ p: S, _ k: S.SignedBits) -> S {
        let k1 = k >> 1
        let s1: S = pow2(k1), s2: S = pow2(k &- k1)
        return s1.addingProduct(s1, p) * s2
    }

    /// eˣ.
    @inlinable @inline(__always)
    static func exp<S: PolynomialScalar>(_ x0: S) -> S {
        var x = x0 > S.expHi ? S.expHi : x0
        x = x < S.expLo ? S.expLo : x
        let (p, k) = reduce(x)
        return scale(p, k)
    }

    /// eˣ − 1.
    @inlinable @inline(__always)
    static func expm1<S: PolynomialScalar>(_ x0: S) -> S {
        var x = x0 > S.expHi ? S.expHi : x0
        x = x < S.expm1Lo ? S.expm1Lo : x
        let (p, k) = reduce(x)
        let big = scale(p, k)
        let s: S = pow2(k)
        var y = (s - 1).addingProduct(s, p)
        y = k > S.bias ? big : y
        return x0 == 0 ? x0 : y
    }

    /// tanh x.
    @inlinable @inline(__always)
    static func tanh<S: PolynomialScalar>(_ x: S) -> S {
        let sign = (-0.0 as S).bits
        var a = S(bits: x.bits & ~sign)
        a = a > S.tanhHi ? S.tanhHi : a
        let u = expm1(a + a)
        let t = u / (u + 2)
        return S(bits: t.bits | (x.bits & sign))
    }

    /// σ(x) = 1 / (1 + e^−x).
    @inlinable @inline(__always)
    static func sigmoid<S: PolynomialScalar>(_ x: S) -> S {
        let e = exp(S(bits: x.bits | (-0.0 as S).bits))
        let n: S = x >= 0 ? 1 : e
        return n / (1 + e)
    }

    /// e·ln 2 + ln m for m = 1 + f, with a correction c of the argument's rounding.
    @inlinable @inline(__always)
    static func logm<S: PolynomialScalar>(_ m: S, _ ef: S, _ c: S) -> S {
        let f = m - 1
        let s = f / (2 + f)
        let z = s * s
        let q = S.logSeries(z)
        let r = z * q
        let hfsq = 0.5 * f * f
        let t = c.addingProduct(ef, S.ln2lo).addingProduct(s, hfsq + r)
        return (f - (hfsq - t)).addingProduct(ef, S.ln2hi)
    }

    /// x = 2ᵉ·m with m ∈ [√½, √2).
    @inlinable @inline(__always)
    static func split<S: PolynomialScalar>(_ x: S) -> (m: S, e: S.SignedBits) {
        let ix = x.bits
        let e = S.SignedBits(truncatingIfNeeded: ix &- S.sqrtHalf.bits) >> S.SignedBits(S.mantissaBits)
        return (S(bits: ix &- (S.Bits(truncatingIfNeeded: e) << S.mantissaBits)), e)
    }

    @inlinable @inline(__always)
    static func specialLog<S: PolynomialScalar>(_ x: S, zeroAt: S, _ y0: S) -> S {
        var y = x == S.infinity ? x : y0
        y = x == zeroAt ? -S.infinity : y
        y = x < zeroAt ? S.nan : y
        return x != x ? x : y
    }

    /// ln x.
    @inlinable @inline(__always)
    static func log<S: PolynomialScalar>(_ x: S) -> S {
        let sub = x < S.minNormal
        let xs = sub ? x * S.subnormalScale : x
        var (m, e) = split(xs)
        e = sub ? e &- S.subnormalShift : e
        let y = logm(m, S(e), 0)
        return specialLog(x, zeroAt: 0, y)
    }

    /// ln(1 + x).
    @inlinable @inline(__always)
    static func log1p<S: PolynomialScalar>(_ x: S) -> S {
        let u = 1 + x
        let (m, e) = split(u)
        let c = (e > 0 ? 1 - (u - x) : x - (u - 1)) / u
        var y = logm(m, S(e), c)
        y = x == 0 ? x : y
        return specialLog(x, zeroAt: -1, y)
    }
}
