import Foundation
import Testing
import Autodiff
import Tensors

/// The breast-cancer fixture, standardised, with a bias column in front: X [569, 31], y [569, 1].
func breastCancer() throws -> (x: Tensor<Double>, y: Tensor<Double>) {
    let url = try #require(Bundle.module.url(forResource: "breast_cancer", withExtension: "csv", subdirectory: "Fixtures"))
    let rows = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst()
        .map { $0.split(separator: ",").map { Double($0)! } }
    let m = rows.count, d = rows[0].count - 1
    var x = [Double](repeating: 1, count: m * (d + 1))
    for j in 0..<d {
        let column = rows.map { $0[j] }
        let mean = column.reduce(0, +) / Double(m)
        let sd = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(m)).squareRoot()
        for i in 0..<m { x[i * (d + 1) + j + 1] = (rows[i][j] - mean) / sd }
    }
    return (Tensor(shape: [m, d + 1], scalars: x), Tensor(shape: [m, 1], scalars: rows.map { $0[d] }))
}

/// Solves A·z = b for a symmetric positive definite A by Cholesky, A = LLᵀ.
func choleskySolve(_ a: Tensor<Double>, _ b: [Double]) -> [Double] {
    let n = b.count
    var l = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
        for j in 0...i {
            var s = a[i, j]
            for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
            l[i * n + j] = i == j ? s.squareRoot() : s / l[j * n + j]
        }
    }
    var z = b
    for i in 0..<n { for k in 0..<i { z[i] -= l[i * n + k] * z[k] }; z[i] /= l[i * n + i] }
    for i in (0..<n).reversed() { for k in (i + 1)..<n { z[i] -= l[k * n + i] * z[k] }; z[i] /= l[i * n + i] }
    return z
}

@Suite("Newton's method with hessian(at:of:) on logistic regression (breast cancer, UCI)")
struct NewtonTests {
    @Test("converges to ‖∇J‖ < 1e-10 in ≤ 15 steps, at the optimum a long gradient-descent run reaches")
    func newton() throws {
        let (x, y) = try breastCancer()
        let d = x.shape[1], lambda = 0.01
        var mask = [Double](repeating: 1, count: d)
        mask[0] = 0  // the bias is not penalised
        let penaltyMask = Tensor(shape: [d, 1], scalars: mask)
        // J(w) = mean binary cross-entropy + (λ/2)·‖w without the bias‖²
        let objective: (Variable<Double>) -> Variable<Double> = { w in
            let tape = w.tape
            return sigmoidCrossEntropy(logits: matmul(tape.constant(x), w), labels: y)
                + (w * w * tape.constant(penaltyMask)).sum() * (lambda / 2)
        }
        var w = Tensor<Double>(zeros: [d, 1])
        var steps = 0
        while true {
            let g = gradient(at: w, of: objective)
            if g.scalars.map({ $0 * $0 }).reduce(0, +).squareRoot() < 1e-10 { break }
            let h = hessian(at: w, of: objective).reshaped(to: [d, d])
            let step = choleskySolve(h, g.scalars)
            w = w - Tensor(shape: [d, 1], scalars: step)
            steps += 1
            try #require(steps <= 15, "Newton did not converge in 15 steps")
        }
        #expect(steps >= 3, "a few steps at least: the optimum is not at 0")

        // Nesterov's accelerated gradient descent with step 1/L, L = λmax(XᵀX)/(4m) + λ (σ′ ≤ ¼).
        let xtx = matmul(x, x, transposingA: true) / Double(x.shape[0])
        var v = Tensor<Double>(ones: [d, 1])
        for _ in 0..<200 { let u = matmul(xtx, v); v = u / u.scalars.map { $0 * $0 }.reduce(0, +).squareRoot() }
        let lipschitz = (matmul(v, matmul(xtx, v), transposingA: true).scalar) / 4 + lambda
        var wGD = Tensor<Double>(zeros: [d, 1]), previous = wGD
        var iterations = 0, norm = Double.infinity
        while norm >= 1e-8 && iterations < 200_000 {
            let lookahead = wGD + (wGD - previous) * (Double(iterations) / Double(iterations + 3))
            let g = gradient(at: lookahead, of: objective)
            previous = wGD
            wGD = lookahead - g / lipschitz
            iterations += 1
            if iterations % 25 == 0 { norm = gradient(at: wGD, of: objective).scalars.map { $0 * $0 }.reduce(0, +).squareRoot() }
        }
        #expect(norm < 1e-8, "gradient descent stalled at ‖∇J‖ = \(norm) after \(iterations) iterations")
        // ‖w − w*‖ ≤ ‖∇J(w)‖ / μ with μ ≥ λ: within 1e-6.
        let distance = Swift.zip(w.scalars, wGD.scalars).map { Swift.abs($0 - $1) }.max()!
        #expect(distance <= 1e-6, "Newton and gradient descent disagree by \(distance)")
    }
}
