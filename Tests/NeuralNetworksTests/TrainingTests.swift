import Testing
import Tensors
import Autodiff
@testable import NeuralNetworks

@Suite("Training loop")
struct TrainingTests {
    @Test("full-batch training with SGD is the hand-written loop, bit for bit")
    func fullBatchEqualsHandWritten() throws {
        var g = SeededGenerator(seed: 5)
        let x = Tensor<Double>(randomNormal: [6, 3], using: &g)
        let labels = [0, 1, 1, 0, 1, 0]
        let data = Dataset(features: x, labels: labels, classCount: 2)
        let w0 = Tensor<Double>(randomNormal: [3, 1], using: &g)
        let layer = Dense(weight: w0, bias: Tensor([0]), activation: .identity)
        var sgd = SGD<Double>(learningRate: 0.3)
        _ = try Trainer<Double>(epochs: 3, batchSize: 100, lambda: 0.5, seed: 1, progress: .silent)
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
    func reports() throws {
        var g = SeededGenerator(seed: 2)
        let x = Tensor<Double>(randomNormal: [40, 2], using: &g)
        let labels = (0..<40).map { x[$0, 0] + x[$0, 1] > 0 ? 1 : 0 }
        let data = Dataset(features: x, labels: labels)
        let model = Dense<Double>(inputSize: 2, outputSize: 2, using: &g)
        var adam = Adam<Double>(learningRate: 0.05)
        let r = try Trainer<Double>(epochs: 30, batchSize: 8, seed: 4, progress: .silent)
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

    @Test("a loss that becomes infinite stops training with where it was born; no update is applied")
    func divergenceStops() throws {
        var g = SeededGenerator(seed: 3)
        let x = Tensor<Double>(randomNormal: [32, 4], using: &g)
        let data = Dataset(features: x, labels: (0..<32).map { $0 % 2 })
        let model = Dense<Double>(inputSize: 4, outputSize: 1, using: &g)
        var sgd = SGD<Double>(learningRate: 1e6)  // squared error: each step multiplies the weights by ~10⁶
        var stopped: TrainingError?
        do {
            _ = try Trainer<Double>(epochs: 50, batchSize: 8, seed: 1, progress: .silent)
                .fit(model, loss: .meanSquaredError, optimizer: &sgd, on: data)
        } catch let error as TrainingError {
            stopped = error
        }
        guard case .nonFinite(let epoch, let batch, let loss, let anomaly)? = stopped else {
            Issue.record("training went on: \(String(describing: stopped))")
            return
        }
        #expect(epoch >= 1 && batch >= 1 && !loss.isFinite)
        #expect(anomaly != nil, "the re-run with detection found no origin")
        #expect(model.parameters.allSatisfy { $0.value.firstNonFiniteOffset() == nil }, "a non-finite step was applied")
        #expect(stopped!.description.contains("training stopped at epoch \(epoch), batch \(batch)"))
    }

    @Test("a NaN feature stops training before the first step, naming its row and column")
    func nanFeature() {
        var features = Tensor<Double>(ones: [5, 3])
        features[flat: 3 * 3 + 1] = .nan
        let data = Dataset(features: features, labels: [0, 1, 0, 1, 0])
        let model = Dense<Double>(weight: Tensor(zeros: [3, 1]), bias: Tensor([0]), activation: .identity)
        var sgd = SGD<Double>(learningRate: 0.1)
        do {
            _ = try Trainer<Double>(epochs: 1, progress: .silent).fit(model, loss: .binaryCrossEntropy, optimizer: &sgd, on: data)
            Issue.record("training accepted a NaN feature")
        } catch let error as TrainingError {
            guard case .nonFiniteData("training", 3, 1, let value) = error else { Issue.record("\(error)"); return }
            #expect(value.isNaN)
            #expect(error.description == "the training data hold nan at row 4, column 2: training needs finite features")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("with anomaly detection, the first anomaly of any step stops training")
    func detectingAnomalies() throws {
        var g = SeededGenerator(seed: 3)
        let x = Tensor<Double>(randomNormal: [32, 4], using: &g)
        let data = Dataset(features: x, labels: (0..<32).map { $0 % 2 })
        let model = Dense<Double>(inputSize: 4, outputSize: 1, using: &g)
        var sgd = SGD<Double>(learningRate: 1e8)
        do {
            _ = try Trainer<Double>(epochs: 50, batchSize: 8, seed: 1, progress: .silent, detectingAnomalies: true)
                .fit(model, loss: .meanSquaredError, optimizer: &sgd, on: data)
            Issue.record("training did not stop")
        } catch TrainingError.nonFinite(_, _, _, let anomaly) {
            #expect(anomaly?.site != nil || anomaly?.description.contains("operator") == true)
        }
    }
}
