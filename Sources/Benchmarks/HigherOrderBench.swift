import Autodiff
import Tensors

// The cost of differentiating twice, relative to one gradient measured in the same run, on the
// cross-entropy text's objective (400-25-10 sigmoid units, m = 5000, λ = 1): a gradient, a
// Hessian–vector product (reverse over reverse) and a Jacobian–vector product of the whole
// parameter set (double VJP), each from a fresh tape including the forward pass.

struct HigherOrderResult {
    let gradientMs: Double, hvpMs: Double, jvpMs: Double
    var hvpRatio: Double { hvpMs / gradientMs }
    var jvpRatio: Double { jvpMs / gradientMs }
}

/// J(W₁, b₁, W₂, b₂) of the ng network, on a given tape's variables.
func ngObjective(_ p: [Variable<Double>], x: Tensor<Double>, y: Tensor<Double>) -> Variable<Double> {
    let tape = p[0].tape
    let a2 = sigmoid(matmul(tape.constant(x), p[0]).addingBias(p[1]))
    let z3 = matmul(a2, p[2]).addingBias(p[3])
    return sigmoidCrossEntropy(logits: z3, labels: y) + ((p[0] * p[0]).sum() + (p[2] * p[2]).sum()) * (1.0 / 10_000)
}

func benchHigherOrder(quick: Bool) -> HigherOrderResult {
    let net = ngNet()
    let params = [net.w1, net.b1, net.w2, net.b2]
    let v = params.enumerated().map { k, p in Tensor<Double>(randomNormal: p.shape, seed: UInt64(40 + k)) }
    let f: ([Variable<Double>]) -> Variable<Double> = { ngObjective($0, x: net.x, y: net.y) }
    let (minTime, reps) = quick ? (0.05, 3) : (0.3, 7)
    let g = measure(minTime: minTime, reps: reps) { blackHole(gradient(at: params, of: f)) }
    let h = measure(minTime: minTime, reps: reps) { blackHole(hessianVectorProduct(at: params, along: v, of: f)) }
    let j = measure(minTime: minTime, reps: reps) {
        blackHole(valueWithDifferential(at: params, along: v, of: f))
    }
    return HigherOrderResult(gradientMs: g.best * 1e3, hvpMs: h.best * 1e3, jvpMs: j.best * 1e3)
}
