import Foundation
import Testing
@testable import Tensors

// Backprop's own eˣ, eˣ − 1, ln x, ln(1 + x), tanh x and σ(x) (Note [One polynomial],
// Sources/Tensors/Transcendentals.swift and Sources/CKernels/ElementwiseBody.h): every path
// gives the same bits, and each function is within its stated ulps of an independent
// reference (the C library in extended precision where the machine has it).

/// Arguments that reach every branch: random bit patterns (NaNs, infinities, subnormals and
/// all exponents), log-uniform magnitudes of both signs, the function's domain, and edges.
private func arguments<S: TensorScalar>(_ f: ElementwiseFunction, count: Int, seed: UInt64) -> [S] {
    var rng = SeededGenerator(seed: seed)
    var xs: [S] = [0, -0.0, 1, -1, 0.5, -0.5, 2, -2, .infinity, -.infinity, .nan, -.nan,
                   .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
                   .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .ulpOfOne, -.ulpOfOne]
    for edge: S in [709.78, 709.8, 710, -745.1, -746, 88.72, 89, -103.9, -104, 20, -20, 10, -10, 40, -40, 18, -18,
                    0.34657359, -0.34657359, 0.70710678, 1.41421356] {
        xs += [edge, edge.nextUp, edge.nextDown]
    }
    while xs.count < count {
        let u = S(Double(rng.next() >> 11) * 0x1p-53)
        switch xs.count % 4 {
        case 0:
            let bits = rng.next()
            if S.self == Double.self { xs.append(S(Double(bitPattern: bits))) } else { xs.append(S(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))) }
        case 1:
            let magnitude = S(Foundation.exp(Double(u) * 120 - 60))
            xs.append(rng.next() & 1 == 0 ? magnitude : -magnitude)
        default:
            let (lo, hi): (S, S) = switch f {
            case .exp, .expm1: S.self == Double.self ? (-750, 712) : (-106, 90)
            case .log: (0, 4)
            case .log1p: (-1, 3)
            case .tanh: (-12, 12)
            case .sigmoid: (-40, 40)
            }
            xs.append(lo + (hi - lo) * u)
        }
    }
    return xs
}

private func bits<S: TensorScalar>(_ x: S) -> UInt64 {
    if let d = x as? Double { return d.bitPattern }
    return UInt64((x as! Float).bitPattern)
}

@Suite("Backprop's transcendentals: one polynomial, the same bits on every path, accuracy in ulps")
struct TranscendentalTests {
    /// Every kernel this machine has, at every length up to 40 (each tail of every vector width)
    /// and over the whole array, and the one-element function, against the Swift version.
    private func checkPathsAgree<S: PolynomialScalar & TensorScalar>(_ f: ElementwiseFunction, _ xs: [S],
                                                                      scalar: (S) -> S,
                                                                      apply: (GEMMKernel, Int, UnsafePointer<S>, UnsafeMutablePointer<S>) -> Void) {
        let swift = xs.map { f.swift($0) }
        #expect(zip(swift, xs.map(scalar)).allSatisfy { $0.bits == $1.bits }, "\(f) \(S.self): one-element C vs Swift")
        for kernel in GEMMKernels.available {
            for n in Array(0...40) + [xs.count] {
                var y = [S](repeating: 7, count: n)
                xs.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { apply(kernel, n, x.baseAddress!, $0.baseAddress!) } }
                let bad = (0..<n).first { y[$0].bits != swift[$0].bits }
                #expect(bad == nil, "\(f) \(S.self) \(kernel) n=\(n): x=\(bad.map { xs[$0] } ?? 0) gives \(bad.map { y[$0] } ?? 0), Swift \(bad.map { swift[$0] } ?? 0)")
            }
        }
    }

    @Test("Every kernel, the one-element function and the Swift version agree bit for bit", arguments: ElementwiseFunction.allCases)
    func pathsAgree(f: ElementwiseFunction) {
        checkPathsAgree(f, arguments(f, count: 16_000, seed: 11) as [Double], scalar: { f($0) }, apply: { f.apply($0, $1, $2, $3) })
        checkPathsAgree(f, arguments(f, count: 16_000, seed: 12) as [Float], scalar: { f($0) }, apply: { f.apply($0, $1, $2, $3) })
    }

    @Test("In place (x and y the same buffer) gives the same bits")
    func inPlace() {
        let xs: [Double] = arguments(.tanh, count: 1000, seed: 3)
        for kernel in GEMMKernels.available {
            var y = xs
            y.withUnsafeMutableBufferPointer { ElementwiseFunction.tanh.apply(kernel, $0.count, UnsafePointer($0.baseAddress!), $0.baseAddress!) }
            #expect(zip(y, xs).allSatisfy { $0.bitPattern == Double.tanh($1).bitPattern }, "\(kernel)")
        }
    }

    @Test("The public tensor functions equal the scalar requirement element by element, any size")
    func tensorsEqualScalars() {
        for n in [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100] {
            let xs: [Double] = (0..<n).map { Double($0) * 0.37 - 9.1 }
            let t = Tensor(shape: [n], scalars: xs)
            let pairs: [(Tensor<Double>, (Double) -> Double)] = [
                (Tensors.exp(t), Double.exp), (Tensors.expm1(t), Double.expm1), (Tensors.tanh(t), Double.tanh),
                (Tensors.sigmoid(t), Double.sigmoid), (Tensors.log(Tensors.abs(t)), { Double.log(Swift.abs($0)) }),
                (Tensors.log1p(Tensors.abs(t)), { Double.log1p(Swift.abs($0)) }),
            ]
            for (k, (tensor, scalar)) in pairs.enumerated() {
                #expect(tensor.scalars.map(\.bitPattern) == xs.map { scalar($0).bitPattern }, "function \(k), n = \(n)")
            }
            let f = Tensor(shape: [n], scalars: xs.map(Float.init))
            #expect(Tensors.tanh(f).scalars.map(\.bitPattern) == xs.map { Float.tanh(Float($0)).bitPattern })
            #expect(sigmoidScalar(0.3) == Double.sigmoid(0.3))
        }
    }

    @Test("Exact values at zero, the infinities, NaN and the edges of each domain")
    func specialValues() {
        func same<S: TensorScalar>(_ a: S, _ b: S) -> Bool { a.isNaN ? b.isNaN : (a == b && a.sign == b.sign) }
        for f in ElementwiseFunction.allCases { #expect(f(Double.nan).isNaN && f(Float.nan).isNaN, "\(f)") }
        let cases: [(ElementwiseFunction, Double, Double)] = [
            (.exp, 0, 1), (.exp, -0.0, 1), (.exp, .infinity, .infinity), (.exp, -.infinity, 0), (.exp, 710, .infinity),
            (.exp, -746, 0), (.exp, -745.1, .leastNonzeroMagnitude),
            (.expm1, 0, 0), (.expm1, -0.0, -0.0), (.expm1, .infinity, .infinity), (.expm1, -.infinity, -1),
            (.expm1, -50, -1), (.expm1, 1e-300, 1e-300), (.expm1, 710, .infinity),
            (.log, 0, -.infinity), (.log, -0.0, -.infinity), (.log, 1, 0), (.log, .infinity, .infinity),
            (.log, -1, .nan), (.log, -.infinity, .nan),
            (.log1p, 0, 0), (.log1p, -0.0, -0.0), (.log1p, -1, -.infinity), (.log1p, -2, .nan),
            (.log1p, .infinity, .infinity), (.log1p, 1e-300, 1e-300), (.log1p, -.infinity, .nan),
            (.tanh, 0, 0), (.tanh, -0.0, -0.0), (.tanh, .infinity, 1), (.tanh, -.infinity, -1), (.tanh, 30, 1),
            (.tanh, -30, -1), (.tanh, 1e-300, 1e-300),
            (.sigmoid, 0, 0.5), (.sigmoid, .infinity, 1), (.sigmoid, -.infinity, 0), (.sigmoid, 800, 1), (.sigmoid, -800, 0),
        ]
        for (f, x, y) in cases { #expect(same(f(x), y), "\(f)(\(x)) = \(f(x)), expected \(y)") }
        let floatCases: [(ElementwiseFunction, Float, Float)] = [
            (.exp, 89, .infinity), (.exp, -104, 0), (.exp, -103.9, .leastNonzeroMagnitude), (.expm1, -20, -1),
            (.expm1, -0.0, -0.0), (.log, 0, -.infinity), (.log1p, -1, -.infinity), (.tanh, -0.0, -0.0), (.tanh, 12, 1),
            (.sigmoid, 200, 1), (.sigmoid, -200, 0),
        ]
        for (f, x, y) in floatCases { #expect(same(f(x), y), "Float \(f)(\(x)) = \(f(x)), expected \(y)") }
        // The subnormal path of ln: ln(2⁻¹⁰⁷⁴) = −1074·ln 2.
        #expect(Swift.abs(ElementwiseFunction.log(Double.leastNonzeroMagnitude) + 1074 * M_LN2) < 1e-12)
        #expect(Swift.abs(ElementwiseFunction.log(Float.leastNonzeroMagnitude) + 149 * Float(M_LN2)) < 1e-4)
    }

    #if arch(x86_64) && os(Linux)
    /// The reference in the C library's 64-bit-significand long double (Float80).
    private static func reference(_ f: ElementwiseFunction, _ x: Float80) -> Float80 {
        switch f {
        case .exp: Foundation.exp(x)
        case .expm1: Foundation.expm1(x)
        case .log: Foundation.log(x)
        case .log1p: Foundation.log1p(x)
        case .tanh: Foundation.tanh(x)
        case .sigmoid: 1 / (1 + Foundation.exp(-x))
        }
    }

    /// The largest error of `f` in units of the last place of the correctly rounded result,
    /// over `xs` (where the result is finite and normal).
    private static func maxULP<S: TensorScalar>(_ f: ElementwiseFunction, _ xs: [S], _ g: (S) -> S, wide: (S) -> Float80, narrow: (Float80) -> S) -> (Double, S) {
        var worst = (0.0, S.zero)
        for x in xs where x.isFinite {
            let r = reference(f, wide(x))
            let rounded = narrow(r)
            guard rounded.isFinite, rounded.isNormal || rounded == 0 else { continue }
            let y = g(x)
            let ulp = wide(rounded == 0 ? S.leastNormalMagnitude : rounded.magnitude.ulp)
            let e = Double(Swift.abs(wide(y) - r) / ulp)
            if e > worst.0 { worst = (e, x) }
        }
        return worst
    }

    /// Measured (Docs and Transcendentals.swift): exp 0.99, expm1 1.8, log 0.83, log1p 2.05,
    /// tanh 2.6, σ 2.3 ulp over 2·10⁶ arguments; the bounds leave half an ulp or less.
    static let bounds: [ElementwiseFunction: Double] = [.exp: 1, .expm1: 2, .log: 1, .log1p: 2.5, .tanh: 3, .sigmoid: 3]

    @Test("Within the stated ulps of the long-double C library (Double and Float)", arguments: ElementwiseFunction.allCases)
    func accuracy(f: ElementwiseFunction) {
        let bound = Self.bounds[f]!
        let xs: [Double] = arguments(f, count: 30_000, seed: 21)
        let (e, at) = Self.maxULP(f, xs, { f($0) }, wide: { Float80($0) }, narrow: { Double($0) })
        #expect(e <= bound, "\(f) Double: \(e) ulp at \(at)")
        #expect(e > 0.3, "\(f) Double: the measurement found no rounding error at all (\(e))")
        let xf: [Float] = arguments(f, count: 30_000, seed: 22)
        let (ef, atf) = Self.maxULP(f, xf, { f($0) }, wide: { Float80($0) }, narrow: { Float($0) })
        #expect(ef <= bound, "\(f) Float: \(ef) ulp at \(atf)")
        #expect(ef > 0.3, "\(f) Float: the measurement found no rounding error at all (\(ef))")
    }
    #endif
}
