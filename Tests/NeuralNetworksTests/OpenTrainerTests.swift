import Testing
import Tensors
import Autodiff
@testable import NeuralNetworks

/// A small seeded problem: 6 examples, 3 features, 2 classes, and a linear layer's start.
private func problem() -> (Dataset<Double>, Tensor<Double>) {
    var g = SeededGenerator(seed: 9)
    let x = Tensor<Double>(randomNormal: [6, 3], using: &g)
    return (Dataset(features: x, labels: [0, 1, 1, 0, 1, 0], classCount: 2), Tensor(randomNormal: [3, 2], using: &g))
}

/// The trainer's full-batch step t by hand: the gradient of the mean softmax cross-entropy on
/// the epoch's shuffle, for weight `w` and bias `b`.
private func handGradients(_ data: Dataset<Double>, epoch: Int, seed: UInt64, _ w: Tensor<Double>,
                           _ b: Tensor<Double>) -> [Tensor<Double>] {
    let batch = data.shuffled(seed: seed &+ UInt64(epoch))
    let tape = Tape<Double>()
    let wv = tape.variable(w), bv = tape.variable(b)
    let z = matmul(tape.constant(batch.features), wv).addingBias(bv)
    return tape.gradient(of: softmaxCrossEntropy(logits: z, labels: oneHot(batch.labels, classCount: 2)), wrt: [wv, bv])
}

@Suite("The open training loop: loss closures, learning-rate schedules, gradient clipping")
struct OpenTrainerTests {
    @Test("a loss closure trains bit for bit as the built-in loss it spells out")
    func closureEqualsEnum() throws {
        let (data, w0) = problem()
        let a = Dense(weight: w0, bias: Tensor(zeros: [2]), activation: .identity)
        let b = Dense(weight: w0, bias: Tensor(zeros: [2]), activation: .identity)
        var o1 = Adam<Double>(learningRate: 0.05), o2 = Adam<Double>(learningRate: 0.05)
        let trainer = Trainer<Double>(epochs: 4, batchSize: 4, seed: 3, progress: .silent)
        let r1 = try trainer.fit(a, loss: .softmaxCrossEntropy, optimizer: &o1, on: data)
        let r2 = try trainer.fit(b, loss: { softmaxCrossEntropy(logits: $0, labels: $1) }, optimizer: &o2, on: data)
        #expect(a.weight.value.isBitwiseIdentical(to: b.weight.value) && a.bias.value.isBitwiseIdentical(to: b.bias.value))
        #expect(r1.map(\.loss) == r2.map(\.loss) && r1.map(\.accuracy) == r2.map(\.accuracy))
    }

    @Test("fit trains in .training mode (batch norm's statistics move) and leaves the model in .evaluation")
    func modes() throws {
        let (data, w0) = problem()
        let norm = BatchNorm<Double>(featureCount: 2)
        let model = Sequential<Double>([Dense(weight: w0, bias: Tensor(zeros: [2]), activation: .identity), norm])
        var sgd = SGD<Double>(learningRate: 0.1)
        _ = try Trainer<Double>(epochs: 2, batchSize: 3, progress: .silent).fit(model, loss: .softmaxCrossEntropy,
                                                                                optimizer: &sgd, on: data)
        #expect(norm.batchesTracked.value == Tensor(4))  // 2 epochs × 2 batches, none during evaluation
        #expect(norm.mode == .evaluation)
        let frozen = norm.runningMean.value
        _ = evaluate(model, loss: .softmaxCrossEntropy, on: data)
        #expect(norm.runningMean.value == frozen)
    }

    @Test("any scalar loss of (outputs, labels) trains: a mean absolute error falls")
    func customLoss() throws {
        let (data, w0) = problem()
        let model = Dense(weight: w0, bias: Tensor(zeros: [2]), activation: .sigmoid)
        let meanAbsoluteError: (Variable<Double>, Tensor<Double>) -> Variable<Double> = { y, t in
            abs(y - y.tape.constant(t)).mean()
        }
        let before = evaluate(model, loss: meanAbsoluteError, on: data, predictionThreshold: 0.5).loss
        var sgd = SGD<Double>(learningRate: 2)
        let reports = try Trainer<Double>(epochs: 100, batchSize: 6, progress: .silent)
            .fit(model, loss: meanAbsoluteError, optimizer: &sgd, on: data, predictionThreshold: 0.5)
        #expect(reports.last!.loss < 0.8 * before, "\(before) → \(reports.last!.loss)")
    }

    @Test("a step schedule halves η each step, as three hand-written steps; η is restored afterwards")
    func scheduleByHand() throws {
        let (data, w0) = problem()
        let model = Dense(weight: w0, bias: Tensor(zeros: [2]), activation: .identity)
        var sgd = SGD<Double>(learningRate: 0.4)
        _ = try Trainer<Double>(epochs: 3, batchSize: 100, seed: 7, progress: .silent,
                                learningRateSchedule: .step(every: 1, factor: 0.5))
            .fit(model, loss: .softmaxCrossEntropy, optimizer: &sgd, on: data)
        var w = w0, b = Tensor<Double>(zeros: [2])
        for (epoch, eta) in zip(1...3, [0.4, 0.2, 0.1]) {
            let g = handGradients(data, epoch: epoch, seed: 7, w, b)
            w = w.zip(g[0]) { $0 - eta * $1 }
            b = b.zip(g[1]) { $0 - eta * $1 }
        }
        #expect(model.weight.value.isBitwiseIdentical(to: w) && model.bias.value.isBitwiseIdentical(to: b))
        #expect(sgd.learningRate == 0.4)
    }

    @Test("clipping by the global norm: each SGD step moves θ by exactly η·c when ‖g‖ > c, and not at all otherwise")
    func clipping() throws {
        let (data, w0) = problem()
        let model = Dense(weight: w0 * 5, bias: Tensor(zeros: [2]), activation: .identity)
        var w = model.weight.value, b = model.bias.value
        let g = handGradients(data, epoch: 1, seed: 0, w, b)
        let norm = (g[0].scalars + g[1].scalars).reduce(0) { $0 + $1 * $1 }.squareRoot()
        let c = norm / 4
        var sgd = SGD<Double>(learningRate: 0.1)
        _ = try Trainer<Double>(epochs: 1, batchSize: 100, seed: 0, progress: .silent, maxGradientNorm: c)
            .fit(model, loss: .softmaxCrossEntropy, optimizer: &sgd, on: data)
        let step = zip(model.weight.value.scalars + model.bias.value.scalars, w.scalars + b.scalars)
            .reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        #expect(Swift.abs(step - 0.1 * c) <= 1e-12 * c, "moved \(step), expected \(0.1 * c)")
        // A bound above the norm changes nothing: the plain step, bit for bit.
        let plain = Dense(weight: w0 * 5, bias: Tensor(zeros: [2]), activation: .identity)
        var sgd2 = SGD<Double>(learningRate: 0.1)
        _ = try Trainer<Double>(epochs: 1, batchSize: 100, seed: 0, progress: .silent, maxGradientNorm: norm * 2)
            .fit(plain, loss: .softmaxCrossEntropy, optimizer: &sgd2, on: data)
        w = w.zip(g[0]) { $0 - 0.1 * $1 }
        b = b.zip(g[1]) { $0 - 0.1 * $1 }
        #expect(plain.weight.value.isBitwiseIdentical(to: w) && plain.bias.value.isBitwiseIdentical(to: b))
    }

    @Test("warm-up then cosine: the rate the optimiser sees at each step is η × the schedule's multiplier")
    func warmupCosine() throws {
        /// Records the rate of every update, then steps as SGD.
        struct Recording: Optimizer {
            var learningRate: Double
            var seen: [Double] = []
            mutating func update(_ parameters: [Parameter<Double>], along gradients: [Tensor<Double>]) {
                seen.append(learningRate)
            }
        }
        let (data, w0) = problem()
        let model = Dense(weight: w0, bias: Tensor(zeros: [2]), activation: .identity)
        var recorder = Recording(learningRate: 0.2)
        let schedule = LearningRateSchedule.warmup(steps: 2, then: .cosine(steps: 4, floor: 0.1))
        _ = try Trainer<Double>(epochs: 3, batchSize: 3, progress: .silent, learningRateSchedule: schedule)
            .fit(model, loss: .softmaxCrossEntropy, optimizer: &recorder, on: data)
        let expected = (0..<6).map { 0.2 * schedule.multiplier(atStep: $0) }
        #expect(recorder.seen == expected)
        #expect(expected[0] == 0.1 && expected[1] == 0.2 && Swift.abs(expected[5] - 0.2 * (0.1 + 0.9 * 0.5 * (1 + Double.cos(.pi * 3 / 4)))) < 1e-15)
        #expect(recorder.learningRate == 0.2)
    }
}
