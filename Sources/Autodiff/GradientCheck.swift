import Tensors

/// One entry compared by a gradient check.
public struct GradientCheckEntry: Sendable, CustomStringConvertible {
    /// Which input (position in the `inputs` array).
    public let input: Int
    /// The element's multi-index in that input.
    public let index: [Int]
    /// The central finite difference (f(x + h) − f(x − h)) / 2h, in Double.
    public let numerical: Double
    /// The tape's adjoint.
    public let analytical: Double

    /// |numerical − analytical|.
    public var absoluteDifference: Double { Swift.abs(numerical - analytical) }

    /// One line: the input, the index, both values and their difference.
    public var description: String {
        "input \(input) \(index): numerical \(numerical), tape \(analytical), |diff| \(absoluteDifference)"
    }
}

/// The result of ``checkGradients(at:step:seed:_:)``.
public struct GradientCheckReport: Sendable, CustomStringConvertible {
    /// The textbook relative difference over all entries of all inputs:
    ///
    ///     ‖n − a‖ / ‖n + a‖   (0 when both are 0)
    public let relativeDifference: Double
    /// The entries with the largest absolute differences, worst first (at most five).
    public let worst: [GradientCheckEntry]
    /// The number of entries compared.
    public let count: Int
    /// The finite-difference step used, relative to max(1, |x|).
    public let step: Double

    /// Whether ``relativeDifference`` is at most `tolerance`.
    public func passes(tolerance: Double) -> Bool { relativeDifference <= tolerance }

    /// The relative difference and the worst entries, one per line.
    public var description: String {
        "gradient check over \(count) entries (step \(step)): relative difference \(relativeDifference)"
            + worst.map { "\n  \($0)" }.joined()
    }
}

/// The finite-difference step for a scalar type: ε^(1/3), which balances the O(h²)
/// truncation error of a central difference against the O(ε/h) rounding error.
///
///     Double: ≈ 6.1e-6;   Float: ≈ 4.9e-3
public func finiteDifferenceStep<S: TensorScalar>(for _: S.Type) -> Double {
    let eps = Double(S.ulpOfOne)
    var h = 1.0
    // h = ∛ε by bisection-free Newton steps, to stay independent of the C library.
    for _ in 0..<60 { h -= (h * h * h - eps) / (3 * h * h) }
    return h
}

/// The scalar ⟨v, f⟩ in Double for a seeded direction v (v = 1 for a one-element output).
func projected<S>(_ y: Tensor<S>, _ v: Tensor<S>?) -> Double {
    guard let v else { return Double(y.scalars[0]) }
    var s = 0.0
    for (a, b) in Swift.zip(y.scalars, v.scalars) { s += Double(a) * Double(b) }
    return s
}

/// Evaluates f on a fresh tape at `inputs` (as trainable variables).
func evaluate<S>(_ f: ([Variable<S>]) -> Variable<S>, _ inputs: [Tensor<S>]) -> (Tape<S>, [Variable<S>], Variable<S>) {
    let tape = Tape<S>()
    let xs = inputs.map { tape.variable($0) }
    return (tape, xs, f(xs))
}

/// Compares the tape's gradient of f with central finite differences, entry by entry.
///
///     nᵢ = (f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / 2hᵢ,   hᵢ = step·max(1, |xᵢ|)   (differences in Double)
///     report ‖n − a‖ / ‖n + a‖ and the worst entries
///
/// A non-scalar f is checked through ⟨v, f⟩ with a seeded normal direction v, which tests
/// the whole VJP (every output contributes).
///
/// - Parameters:
///   - inputs: the point x, one tensor per argument of f.
///   - step: the relative step; by default ``finiteDifferenceStep(for:)`` of the scalar type.
///   - seed: the seed of the direction v for non-scalar outputs.
///   - f: builds the function on the variables it is given (a fresh tape each call).
/// - Complexity: 2·(number of input elements) + 1 evaluations of f.
public func checkGradients<S: TensorScalar>(
    at inputs: [Tensor<S>], step: Double? = nil, seed: UInt64 = 0,
    _ f: ([Variable<S>]) -> Variable<S>
) -> GradientCheckReport {
    let h = step ?? finiteDifferenceStep(for: S.self)
    let (tape, xs, y) = evaluate(f, inputs)
    let v: Tensor<S>? = y.value.count == 1 ? nil : Tensor(randomNormal: y.shape, seed: seed)
    let analytical = tape.gradient(of: y, wrt: xs, seed: v ?? Tensor(ones: y.shape))
    var entries = [GradientCheckEntry]()
    var diff2 = 0.0, sum2 = 0.0
    for (k, x) in inputs.enumerated() {
        let strides = Shape.strides(x.shape)
        for i in 0..<x.count {
            let xi = x.scalars[i]
            let hi = S(h * Swift.max(1, Double(Swift.abs(xi))))
            var plus = inputs, minus = inputs
            plus[k][flat: i] = xi + hi
            minus[k][flat: i] = xi - hi
            let width = Double(plus[k].scalars[i]) - Double(minus[k].scalars[i])  // the step actually taken
            let fp = projected(evaluate(f, plus).2.value, v)
            let fm = projected(evaluate(f, minus).2.value, v)
            let n = (fp - fm) / width
            let a = Double(analytical[k].scalars[i])
            diff2 += (n - a) * (n - a)
            sum2 += (n + a) * (n + a)
            var index = [Int](), r = i
            for s in strides { index.append(r / s); r %= s }
            entries.append(GradientCheckEntry(input: k, index: index, numerical: n, analytical: a))
        }
    }
    let relative = diff2 == 0 ? 0 : (diff2 / sum2).squareRoot()
    let worst = entries.sorted { $0.absoluteDifference > $1.absoluteDifference }.prefix(5)
    return GradientCheckReport(relativeDifference: relative, worst: Array(worst), count: entries.count, step: h)
}

/// The result of ``checkAdjointIdentity(at:step:seed:_:)``.
public struct AdjointIdentityReport: Sendable, CustomStringConvertible {
    /// ⟨J·u, v⟩, with J·u by a central difference along u.
    public let forward: Double
    /// ⟨u, Jᵀ·v⟩, with Jᵀ·v from the tape.
    public let reverse: Double
    /// |forward − reverse| / max(|forward|, |reverse|) (0 when both are 0).
    public var relativeDifference: Double {
        let scale = Swift.max(Swift.abs(forward), Swift.abs(reverse))
        return scale == 0 ? 0 : Swift.abs(forward - reverse) / scale
    }

    /// Both inner products and their relative difference.
    public var description: String {
        "⟨J·u, v⟩ = \(forward), ⟨u, Jᵀ·v⟩ = \(reverse), relative difference \(relativeDifference)"
    }
}

/// The dot-product test of a VJP with seeded random directions u (inputs) and v (output):
///
///     ⟨J·u, v⟩ = ⟨u, Jᵀ·v⟩
///
/// J·u is the central difference (⟨v, f(x + hu)⟩ − ⟨v, f(x − hu)⟩) / 2h; Jᵀ·v is the tape's
/// pullback of v. For a linear f the two agree to rounding; otherwise to O(h²).
public func checkAdjointIdentity<S: TensorScalar>(
    at inputs: [Tensor<S>], step: Double? = nil, seed: UInt64 = 0,
    _ f: ([Variable<S>]) -> Variable<S>
) -> AdjointIdentityReport {
    var rng = SeededGenerator(seed: seed)
    let u = inputs.map { Tensor<S>(randomNormal: $0.shape, using: &rng) }
    let (tape, xs, y) = evaluate(f, inputs)
    let v = Tensor<S>(randomNormal: y.shape, using: &rng)
    let pulled = tape.gradient(of: y, wrt: xs, seed: v)
    var reverse = 0.0
    for (uk, gk) in Swift.zip(u, pulled) {
        for (a, b) in Swift.zip(uk.scalars, gk.scalars) { reverse += Double(a) * Double(b) }
    }
    let scale = inputs.flatMap(\.scalars).reduce(1.0) { Swift.max($0, Double(Swift.abs($1))) }
    let h = S((step ?? finiteDifferenceStep(for: S.self)) * scale)
    let plus = Swift.zip(inputs, u).map { $0 + h * $1 }
    let minus = Swift.zip(inputs, u).map { $0 - h * $1 }
    let forward = (projected(evaluate(f, plus).2.value, v) - projected(evaluate(f, minus).2.value, v)) / (2 * Double(h))
    return AdjointIdentityReport(forward: forward, reverse: reverse)
}
