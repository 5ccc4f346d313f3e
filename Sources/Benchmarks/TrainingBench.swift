import Autodiff
import Tensors

// The three networks of ../shared/peers/numpy_mlp.py, one full training step each (forward,
// loss, backward, SGD update) on our tape: same shapes, dtype, loss, penalty and update.
// The data are our own seeded synthetic values drawn from the same distributions as the
// peer's (NumPy's generator cannot be reproduced here), so first losses agree only roughly;
// the xor data are the same four examples.

struct TrainResult {
    let net: String, layers: [Int], batch: Int, dtype: String
    let msBest: Double, msMedian: Double, firstLoss: Double
    var numpyBest: Double? = nil, numpyFirstLoss: Double? = nil
    /// Our time over NumPy's (≤ 1 means we are at least as fast).
    var ratio: Double? { numpyBest.map { msBest / $0 } }
}

/// p ← p − lr·g, in place.
@inline(__always)
func sgd<S: TensorScalar>(_ p: inout Tensor<S>, _ g: Tensor<S>, _ lr: S) {
    p.withUnsafeMutableBufferPointer { p in
        g.withUnsafeBufferPointer { g in
            for i in 0..<p.count { p[i] -= lr * g[i] }
        }
    }
}

func oneHot<S: TensorScalar>(rows m: Int, classes: Int, seed: UInt64) -> Tensor<S> {
    var rng = SeededGenerator(seed: seed)
    var y = [S](repeating: 0, count: m * classes)
    for i in 0..<m { y[i * classes + Int(rng.next() % UInt64(classes))] = 1 }
    return Tensor(shape: [m, classes], scalars: y)
}

/// A two-layer perceptron's parameters and data, and its training step on a fresh tape.
struct Net<S: TensorScalar> {
    var w1: Tensor<S>, b1: Tensor<S>, w2: Tensor<S>, b2: Tensor<S>
    let x: Tensor<S>, y: Tensor<S>
    let lr: S
    let step: (inout Net<S>) -> S
}

func ngNet() -> Net<Double> {
    let (n0, n1, n2, m) = (400, 25, 10, 5000)
    let lam = 1.0
    return Net(w1: Tensor(randomUniform: [n0, n1], lower: -0.12, upper: 0.12, seed: 11), b1: Tensor(zeros: [n1]),
               w2: Tensor(randomUniform: [n1, n2], lower: -0.12, upper: 0.12, seed: 12), b2: Tensor(zeros: [n2]),
               x: Tensor(randomUniform: [m, n0], lower: -1, upper: 1, seed: 13), y: oneHot(rows: m, classes: n2, seed: 14),
               lr: 1.0) { net in
        let tape = Tape<Double>()
        let w1 = tape.variable(net.w1), b1 = tape.variable(net.b1)
        let w2 = tape.variable(net.w2), b2 = tape.variable(net.b2)
        let x = tape.constant(net.x)
        let a2 = sigmoid(matmul(x, w1).addingBias(b1))
        let z3 = matmul(a2, w2).addingBias(b2)
        let j = sigmoidCrossEntropy(logits: z3, labels: net.y)
            + ((w1 * w1).sum() + (w2 * w2).sum()) * (lam / (2 * Double(m)))
        let g = tape.gradient(of: j, wrt: [w1, b1, w2, b2])
        sgd(&net.w1, g[0], net.lr); sgd(&net.b1, g[1], net.lr)
        sgd(&net.w2, g[2], net.lr); sgd(&net.b2, g[3], net.lr)
        return j.value.scalar
    }
}

func mnistNet() -> Net<Float> {
    let (n0, n1, n2, m) = (784, 256, 10, 128)
    let s1 = Float((2.0 / Double(n0)).squareRoot()), s2 = Float((2.0 / Double(n1)).squareRoot())
    return Net(w1: Tensor(randomUniform: [n0, n1], lower: -s1, upper: s1, seed: 21), b1: Tensor(zeros: [n1]),
               w2: Tensor(randomUniform: [n1, n2], lower: -s2, upper: s2, seed: 22), b2: Tensor(zeros: [n2]),
               x: Tensor(randomUniform: [m, n0], lower: 0, upper: 1, seed: 23), y: oneHot(rows: m, classes: n2, seed: 24),
               lr: 0.01) { net in
        let tape = Tape<Float>()
        let w1 = tape.variable(net.w1), b1 = tape.variable(net.b1)
        let w2 = tape.variable(net.w2), b2 = tape.variable(net.b2)
        let x = tape.constant(net.x)
        let h = relu(matmul(x, w1).addingBias(b1))
        let z2 = matmul(h, w2).addingBias(b2)
        let j = softmaxCrossEntropy(logits: z2, labels: net.y)
        let g = tape.gradient(of: j, wrt: [w1, b1, w2, b2])
        sgd(&net.w1, g[0], net.lr); sgd(&net.b1, g[1], net.lr)
        sgd(&net.w2, g[2], net.lr); sgd(&net.b2, g[3], net.lr)
        return Float(j.value.scalar)
    }
}

func xorNet() -> Net<Double> {
    Net(w1: Tensor(randomUniform: [2, 2], lower: -0.12, upper: 0.12, seed: 31), b1: Tensor(zeros: [2]),
        w2: Tensor(randomUniform: [2, 1], lower: -0.12, upper: 0.12, seed: 32), b2: Tensor(zeros: [1]),
        x: Tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), y: Tensor([[0], [1], [1], [0]]),
        lr: 0.5) { net in
        let tape = Tape<Double>()
        let w1 = tape.variable(net.w1), b1 = tape.variable(net.b1)
        let w2 = tape.variable(net.w2), b2 = tape.variable(net.b2)
        let x = tape.constant(net.x)
        let a1 = sigmoid(matmul(x, w1).addingBias(b1))
        let y = sigmoid(matmul(a1, w2).addingBias(b2))
        let e = halfSumOfSquares(predictions: y, targets: net.y)
        let g = tape.gradient(of: e, wrt: [w1, b1, w2, b2])
        sgd(&net.w1, g[0], net.lr); sgd(&net.b1, g[1], net.lr)
        sgd(&net.w2, g[2], net.lr); sgd(&net.b2, g[3], net.lr)
        return e.value.scalar
    }
}

/// Times one network's step with the peer's protocol (first step's loss, warm-up, inner
/// repetitions lasting `minTime`, best and median of `reps`).
func benchTrain<S>(_ name: String, layers: [Int], dtype: String, _ make: () -> Net<S>, quick: Bool) -> TrainResult {
    var net = make()
    let first = net.step(&net)
    let t = measure(minTime: quick ? 0.05 : 0.3, reps: quick ? 3 : 7) { blackHole(net.step(&net)) }
    return TrainResult(net: name, layers: layers, batch: net.x.shape[0], dtype: dtype,
                       msBest: t.best * 1e3, msMedian: t.median * 1e3, firstLoss: Double(first))
}

func benchTraining(quick: Bool) -> [TrainResult] {
    [benchTrain("ng", layers: [400, 25, 10], dtype: "float64", ngNet, quick: quick),
     benchTrain("mnist", layers: [784, 256, 10], dtype: "float32", mnistNet, quick: quick),
     benchTrain("xor", layers: [2, 2, 1], dtype: "float64", xorNet, quick: quick)]
}
