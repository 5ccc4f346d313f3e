/// Backprop's own seedable random number generator: xoshiro256** seeded through SplitMix64.
///
/// Every bit it produces is fixed by the seed and by integer arithmetic alone, so the same
/// seed gives the same weights on every platform and Swift version (the standard library's
/// `SystemRandomNumberGenerator` is not seedable, and its algorithms may change).
///
///     var rng = SeededGenerator(seed: 42)
///     let w = Tensor<Double>(randomNormal: [3, 4], using: &rng)
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose whole stream is determined by `seed`.
    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The next 64 random bits (xoshiro256**, Blackman & Vigna 2018).
    @inlinable public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    @inlinable @inline(__always) func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    @inlinable public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A standard normal Double by Marsaglia's polar method.
    ///
    ///     u, v ~ U(−1, 1) until 0 < s = u² + v² < 1;   z = u·√(−2 ln s / s)
    ///
    /// The logarithm is ``portableLog(_:)``, not the C library's, so the value is the same on
    /// every platform. Each call uses one pair and discards the second normal: simpler state,
    /// and the stream stays a pure function of the number of draws.
    @inlinable public mutating func nextStandardNormal() -> Double {
        while true {
            let u = 2 * nextUnitDouble() - 1
            let v = 2 * nextUnitDouble() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return u * (-2 * portableLog(s) / s).squareRoot()
            }
        }
    }
}

/// The natural logarithm computed with +, −, ×, ÷ only, so its result is identical on every
/// platform (C libraries' `log` may differ in the last bit). Accurate to about 1 ulp.
///
///     x = m·2ᵉ with m ∈ [√½, √2);   ln m = 2·atanh(t) = 2(t + t³/3 + t⁵/5 + …),  t = (m−1)/(m+1)
///     ln x = e·ln 2 + ln m
///
/// - Precondition: `x` is positive and finite.
@inlinable public func portableLog(_ x: Double) -> Double {
    precondition(x > 0 && x.isFinite, "portableLog: argument \(x) is not positive and finite")
    var e = Double(x.exponent)
    var m = x.significand  // [1, 2)
    if m > 1.4142135623730951 {
        m /= 2
        e += 1
    }
    let t = (m - 1) / (m + 1)  // |t| ≤ 0.1716
    let t2 = t * t
    var term = t
    var sum = 0.0
    var k = 1.0
    while k < 40 {  // t^41 < 1e-31: the series has converged in Double
        sum += term / k
        term *= t2
        k += 2
    }
    // ln 2 split into a high part exact in Double products with small e, and a low part.
    let ln2Hi = 6.93147180369123816490e-01
    let ln2Lo = 1.90821492927058770002e-10
    return e * ln2Hi + (2 * sum + e * ln2Lo)
}

extension Tensor {
    /// A tensor of independent uniform samples in [lower, upper).
    ///
    ///     xᵢ = lower + (upper − lower)·uᵢ,   uᵢ = (next() >> 11)·2⁻⁵³   (computed in Double)
    public init(
        randomUniform shape: [Int], lower: Scalar = 0, upper: Scalar = 1,
        using generator: inout SeededGenerator
    ) {
        let lo = Double(lower), width = Double(upper) - Double(lower)
        var values = [Scalar]()
        values.reserveCapacity(Shape.count(shape))
        for _ in 0..<Shape.count(shape) {
            values.append(Scalar(lo + width * generator.nextUnitDouble()))
        }
        self.init(shape: shape, scalars: values)
    }

    /// A tensor of independent normal samples N(mean, standardDeviation²), by the polar method.
    public init(
        randomNormal shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1,
        using generator: inout SeededGenerator
    ) {
        let mu = Double(mean), sigma = Double(standardDeviation)
        var values = [Scalar]()
        values.reserveCapacity(Shape.count(shape))
        for _ in 0..<Shape.count(shape) {
            values.append(Scalar(mu + sigma * generator.nextStandardNormal()))
        }
        self.init(shape: shape, scalars: values)
    }

    /// Uniform samples from a fresh generator seeded with `seed`.
    public init(randomUniform shape: [Int], lower: Scalar = 0, upper: Scalar = 1, seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        self.init(randomUniform: shape, lower: lower, upper: upper, using: &g)
    }

    /// Normal samples from a fresh generator seeded with `seed`.
    public init(randomNormal shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1, seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        self.init(randomNormal: shape, mean: mean, standardDeviation: standardDeviation, using: &g)
    }
}
