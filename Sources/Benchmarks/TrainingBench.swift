import Autodiff
import Tensors

// The three networks of ../shared/peers/mlp.py, one full training step each (forward, loss,
// backward, SGD update) on our tape: same shapes, dtype, loss, penalty and update. When a python
// with NumPy is found, every step starts from mlp.py's own seeded start (its `make_data`, saved as
// .npy files and read here: Note [Same start]), so the first and fifth losses can be compared with
// the peers'; otherwise from our own seeded draws of the same distributions.

// Note [Same start]
// The peers print the loss of their 1st and 5th step from one seeded start (loss0, loss4). Our
// generator cannot reproduce NumPy's, so the benchmark asks mlp.py for that start instead: a small
// python snippet calls `mlp.make_data(net)` and `np.save`s X, Y, W1, b1, W2, b2 into a temporary
// folder, which `Tensor(contentsOfNPY:)` reads. From the same start, the same step must give the
// same losses up to rounding (summation orders differ), so a peer whose loss0 or loss4 differs from
// ours by more than `lossTolerance` is reported with a warning: one of the two steps is not the
// same computation. The cost of a step does not depend on the values, so the timings are those of
// the same work either way.

/// A network's starting point: data and initial parameters (W input-major, b a vector).
struct MLPStart<S: TensorScalar> {
    var w1: Tensor<S>, b1: Tensor<S>, w2: Tensor<S>, b2: Tensor<S>
    var x: Tensor<S>, y: Tensor<S>
}

/// One peer's figures for one step at one thread count, as mlp.py printed them.
struct PeerStep {
    let impl: String
    let msBest: Double, msMedian: Double
    /// The losses of the 1st and the 5th step from mlp.py's start.
    let loss0: Double, loss4: Double
}

struct TrainResult {
    let net: String, layers: [Int], batch: Int, dtype: String, threads: Int
    let msBest: Double, msMedian: Double
    /// Our losses of the 1st and 5th step.
    let firstLoss: Double, fifthLoss: Double
    /// Minor page faults per step, in steady state (after the timed steps; Note [Reused pages]).
    let faultsPerStep: Double
    /// Whether we started from mlp.py's start (Note [Same start]), so the losses are comparable.
    var sameStart = false
    /// The peers measured for this row, in mlp.py's `--impl` order.
    var peers: [PeerStep] = []
    /// The fastest peer (least best time).
    var fastest: PeerStep? { peers.min { $0.msBest < $1.msBest } }
    /// Our best time over the fastest peer's best (≤ 1 means we are at least as fast as all of them).
    var ratio: Double? { fastest.map { msBest / $0.msBest } }
    func peer(_ impl: String) -> PeerStep? { peers.first { $0.impl == impl } }

    /// The relative difference accepted between two implementations' losses from the same start:
    /// rounding only (different summation orders), a few hundred ulps of the loss at most.
    var lossTolerance: Double { dtype == "float32" ? 1e-4 : 1e-9 }
    /// One line per peer whose loss0 or loss4 differs from ours by more than `lossTolerance`.
    var lossMismatches: [String] {
        guard sameStart else { return [] }
        func rel(_ a: Double, _ b: Double) -> Double { Swift.abs(a - b) / Swift.max(Swift.abs(a), Swift.abs(b), .leastNormalMagnitude) }
        return peers.compactMap { p in
            let d0 = rel(p.loss0, firstLoss), d4 = rel(p.loss4, fifthLoss)
            guard !(d0 <= lossTolerance && d4 <= lossTolerance) else { return nil }
            return "\(net) (\(threads) thread\(threads == 1 ? "" : "s")): \(p.impl)'s losses differ from ours from the same start: "
                + String(format: "loss0 %.10g vs %.10g, loss4 %.10g vs %.10g (relative %.1e, %.1e; tolerance %.0e)",
                         p.loss0, firstLoss, p.loss4, fifthLoss, d0, d4, lossTolerance)
        }
    }
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

    init(_ start: MLPStart<S>, lr: S, step: @escaping (inout Net<S>) -> S) {
        (w1, b1, w2, b2, x, y) = (start.w1, start.b1, start.w2, start.b2, start.x, start.y)
        self.lr = lr
        self.step = step
    }
}

/// Our own seeded start for 400-25-10, from mlp.py's distributions.
func ngStart() -> MLPStart<Double> {
    let (n0, n1, n2, m) = (400, 25, 10, 5000)
    return MLPStart(w1: Tensor(randomUniform: [n0, n1], lower: -0.12, upper: 0.12, seed: 11), b1: Tensor(zeros: [n1]),
                    w2: Tensor(randomUniform: [n1, n2], lower: -0.12, upper: 0.12, seed: 12), b2: Tensor(zeros: [n2]),
                    x: Tensor(randomUniform: [m, n0], lower: -1, upper: 1, seed: 13), y: oneHot(rows: m, classes: n2, seed: 14))
}

/// 400-25-10 sigmoid/sigmoid, cross-entropy mean over m plus λ/(2m)·(|W₁|² + |W₂|²), λ = 1, lr 1.
func ngNet(_ start: MLPStart<Double> = ngStart()) -> Net<Double> {
    let lam = 1.0, m = Double(start.x.shape[0])
    return Net(start, lr: 1.0) { net in
        let tape = Tape<Double>()
        let w1 = tape.variable(net.w1), b1 = tape.variable(net.b1)
        let w2 = tape.variable(net.w2), b2 = tape.variable(net.b2)
        let x = tape.constant(net.x)
        let a2 = sigmoid(matmul(x, w1).addingBias(b1))
        let z3 = matmul(a2, w2).addingBias(b2)
        let j = sigmoidCrossEntropy(logits: z3, labels: net.y)
            + ((w1 * w1).sum() + (w2 * w2).sum()) * (lam / (2 * m))
        let g = tape.gradient(of: j, wrt: [w1, b1, w2, b2])
        sgd(&net.w1, g[0], net.lr); sgd(&net.b1, g[1], net.lr)
        sgd(&net.w2, g[2], net.lr); sgd(&net.b2, g[3], net.lr)
        return j.value.scalar
    }
}

/// Our own seeded start for 784-256-10 (He-scaled uniform weights, zero biases).
func mnistStart() -> MLPStart<Float> {
    let (n0, n1, n2, m) = (784, 256, 10, 128)
    let s1 = Float((2.0 / Double(n0)).squareRoot()), s2 = Float((2.0 / Double(n1)).squareRoot())
    return MLPStart(w1: Tensor(randomUniform: [n0, n1], lower: -s1, upper: s1, seed: 21), b1: Tensor(zeros: [n1]),
                    w2: Tensor(randomUniform: [n1, n2], lower: -s2, upper: s2, seed: 22), b2: Tensor(zeros: [n2]),
                    x: Tensor(randomUniform: [m, n0], lower: 0, upper: 1, seed: 23), y: oneHot(rows: m, classes: n2, seed: 24))
}

/// 784-256-10 ReLU, softmax cross-entropy (mean), Float, lr 0.01.
func mnistNet(_ start: MLPStart<Float> = mnistStart()) -> Net<Float> {
    Net(start, lr: 0.01) { net in
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

/// Our own seeded start for 2-2-1: the four xor examples.
func xorStart() -> MLPStart<Double> {
    MLPStart(w1: Tensor(randomUniform: [2, 2], lower: -0.12, upper: 0.12, seed: 31), b1: Tensor(zeros: [2]),
             w2: Tensor(randomUniform: [2, 1], lower: -0.12, upper: 0.12, seed: 32), b2: Tensor(zeros: [1]),
             x: Tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), y: Tensor([[0], [1], [1], [0]]))
}

/// 2-2-1 sigmoid/sigmoid, E = ½Σ(t − y)², lr 0.5.
func xorNet(_ start: MLPStart<Double> = xorStart()) -> Net<Double> {
    Net(start, lr: 0.5) { net in
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

/// One of mlp.py's networks: its name, layer sizes and dtype.
struct MLPNet {
    let name: String, layers: [Int], dtype: String
}

let mlpNets = [MLPNet(name: "ng", layers: [400, 25, 10], dtype: "float64"),
               MLPNet(name: "mnist", layers: [784, 256, 10], dtype: "float32"),
               MLPNet(name: "xor", layers: [2, 2, 1], dtype: "float64")]

/// Times one network's step at `threads` with the peers' protocol (losses of the 1st and 5th
/// step, warm-up, inner repetitions lasting `minTime`, best and median of `reps`).
func benchTrain<S>(_ spec: MLPNet, threads: Int, _ make: () -> Net<S>, quick: Bool) -> TrainResult {
    Parallelism.threads = threads
    var net = make()
    let first = net.step(&net)
    for _ in 0..<3 { blackHole(net.step(&net)) }
    let fifth = net.step(&net)
    let t = measure(minTime: quick ? 0.05 : 0.3, reps: quick ? 3 : 7) { blackHole(net.step(&net)) }
    let steps = quick ? 5 : 20
    let faults0 = minorPageFaults()
    for _ in 0..<steps { blackHole(net.step(&net)) }
    let faults = Double(minorPageFaults() - faults0) / Double(steps)
    return TrainResult(net: spec.name, layers: spec.layers, batch: net.x.shape[0], dtype: spec.dtype, threads: threads,
                       msBest: t.best * 1e3, msMedian: t.median * 1e3, firstLoss: Double(first), fifthLoss: Double(fifth),
                       faultsPerStep: faults)
}

/// Our step for `spec` at `threads`, from mlp.py's start when `peers` can provide it (Note [Same
/// start]); a start that cannot be had is reported through `note` and our own is used.
func benchTraining(_ spec: MLPNet, threads: Int, peers: MLPPeers, quick: Bool, note: (String) -> Void) -> TrainResult {
    func start<S>(_: S.Type) -> MLPStart<S>? {
        guard peers.canMakeStart else { return nil }
        switch peers.start(net: spec.name, as: S.self) {
        case .success(let s): return s
        case .failure(let e): note("\(spec.name): mlp.py's start not loaded, our own data instead: \(e)"); return nil
        }
    }
    var r: TrainResult
    switch spec.name {
    case "ng":
        let s = start(Double.self)
        r = benchTrain(spec, threads: threads, { ngNet(s ?? ngStart()) }, quick: quick); r.sameStart = s != nil
    case "mnist":
        let s = start(Float.self)
        r = benchTrain(spec, threads: threads, { mnistNet(s ?? mnistStart()) }, quick: quick); r.sameStart = s != nil
    default:
        let s = start(Double.self)
        r = benchTrain(spec, threads: threads, { xorNet(s ?? xorStart()) }, quick: quick); r.sameStart = s != nil
    }
    return r
}
