import Testing
import Tensors
import Autodiff
@testable import NeuralNetworks

@Suite("Training loop")
struct TrainingTests {
    @Test("full-batch training with SGD is the hand-written loop, bit for bit")
    func fullBatchEqualsHandWritten() {
        var g = SeededGenerator(seed: 5)
        let x = Tensor<Double>(randomNormal: [6, 3], using: &g)
        let labels = [0, 1, 1, 0, 1, 0]
        let data = Dataset(features: x, labels: labels, classCount: 2)
        let w0 = Tensor<Double>(randomNormal: [3, 1], using: &g)
        let layer = Dense(weight: w0, bias: Tensor([0]), activation: .identity)
        var sgd = SGD<Double>(learningRate: 0.3)
        _ = Trainer<Double>(epochs: 3, batchSize: 100, lambda: 0.5, seed: 1, progress: .silent)
            .fit(layer, loss: .binaryCrossEntropy, optimizer: &sgd, on: data)
        // The same three steps by hand, replaying the trainer's seeded shuffles (the order of
        // the examples changes the order of the sums, hence the bits).
        var w = w0, b = Tensor<Double>([0])
        for epoch in 1...3 {
            let batch = data.shuffled(seed: 1 &+ UInt64(epoch))
            let tape = Tape<Double>()
            let wv = tape.variable(w), bv = tape.variable(b)
            let z = matmul(tape.constant(batch.features), wv).addingBias(bv)
            let y = Tensor<Double>(shape: [6, 1], scalars: batch.labels.map(Double.init))
            let j = sigmoidCrossEntropy(logits: z, labels: y) + (tape.constant(0.0) + (wv * wv).sum()) * (0.5 / 12)
            let grads = tape.gradient(of: j, wrt: [wv, bv])
            w = w.zip(grads[0]) { $0 - 0.3 * $1 }
            b = b.zip(grads[1]) { $0 - 0.3 * $1 }
        }
        #expect(layer.weight.value.isBitwiseIdentical(to: w))
        #expect(layer.bias.value.isBitwiseIdentical(to: b))
    }

    @Test("reports one entry per epoch; the loss falls; evaluation measures accuracy")
    func reports() {
        var g = SeededGenerator(seed: 2)
        let x = Tensor<Double>(randomNormal: [40, 2], using: &g)
        let labels = (0..<40).map { x[$0, 0] + x[$0, 1] > 0 ? 1 : 0 }
        let data = Dataset(features: x, labels: labels)
        let model = Dense<Double>(inputSize: 2, outputSize: 2, using: &g)
        var adam = Adam<Double>(learningRate: 0.05)
        let r = Trainer<Double>(epochs: 30, batchSize: 8, seed: 4, progress: .silent)
            .fit(model, loss: .softmaxCrossEntropy, optimizer: &adam, on: data, evaluatingOn: data)
        #expect(r.count == 30 && r.map(\.epoch) == Array(1...30))
        #expect(r.last!.loss < r.first!.loss)
        #expect(r.last!.accuracy >= 0.95)
        #expect(r.last!.evaluationLoss != nil && r.last!.examplesPerSecond > 0)
        #expect(evaluate(model, loss: .softmaxCrossEntropy, on: data).accuracy == r.last!.accuracy)
    }

    @Test("predicted classes: arg-max, or a threshold for one output")
    func predictions() {
        #expect(predictedClasses(Tensor<Double>([[0.1, 0.7, 0.2], [3, 1, 2]])) == [1, 0])
        #expect(predictedClasses(Tensor<Double>([[-0.5], [0.5]])) == [0, 1])
        #expect(predictedClasses(Tensor<Double>([[0.4], [0.6]]), threshold: 0.5) == [0, 1])
    }
}
