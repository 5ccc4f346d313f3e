// Generated from the ```swift blocks of README.md and Docs/*.md by DocSnippetTests.swift: do not edit.
// Regenerate: Tests/DocSnippetTests/regenerate.sh
// swift-format-ignore-file
import Backprop
import Foundation
import ReferenceModels

/// Each documented page's snippets, in order, as one function.
enum DocSnippets {
    /// The pages and their functions.
    static let pages: [(page: String, run: @Sendable () throws -> Void)] = [
        ("README.md", readme),
        ("Docs/DeltaRule.md", docsDeltaRule),
        ("Docs/FileFormats.md", docsFileFormats),
        ("Docs/GettingStarted.md", docsGettingStarted),
        ("Docs/Layers.md", docsLayers),
        ("Docs/Operators.md", docsOperators),
    ]

    /// README.md
    @Sendable static func readme() throws {
        do {
        // README.md:64

        let tape = Tape<Double>()
        let W = tape.variable(Tensor<Double>(shape: [2, 2], scalars: [0.5, -0.4, 0.3, 0.8]))
        let b = tape.variable(Tensor<Double>(shape: [1, 2], scalars: [0.1, -0.1]))
        let x = tape.constant(Tensor<Double>([[0, 1], [1, 0]]))
        let z = matmul(x, W) + b                         // broadcasting add (or .addingBias(b))
        let a = sigmoid(z)
        let loss = (a * a).sum() * 0.5 + log(a).mean()
        let g = tape.gradient(of: loss, wrt: [W, b, z])  // [∂L/∂W, ∂L/∂b, ∂L/∂z]
        print(loss.value.scalars, g[0].shape)            // [Double], [2, 2]

        // Check the tape against central finite differences:
        let report = checkGradients(at: [W.value, b.value]) { p in
            let z = matmul(p[0].tape.constant(x.value), p[0]) + p[1]
            return (sigmoid(z) * sigmoid(z)).sum() * 0.5
        }
        print(report.relativeDifference)                 // ≈ 1e-10: ‖n − a‖ / ‖n + a‖

        // Draw what the loss depends on: Graphviz DOT (render with `dot -Tsvg`), or a picture
        // laid out in Swift, with ‖∂loss/∂v‖ on the named variables; or read the chain rule as it ran:
        let dot = tape.graphviz(of: loss, naming: ["W": W, "b": b, "x": x])
        let svg = tape.svg(of: loss, naming: ["W": W, "b": b, "x": x])
        print(tape.trace(of: loss, naming: ["W": W, "z": z]))  // every adjoint, each consumer's rule, its value

        // Where was a NaN or ∞ born? The op, your file:line, the element, the inputs' ranges:
        tape.anomalyDetection = .collect                  // or .stop
        _ = log(x)                                        // x holds a 0: log produced -inf
        print(tape.firstAnomaly!)                         // "log at Example.swift:24 produced -inf at [0, 0] …"
        // README.md:98
        let gW = tape.gradient(of: loss, wrt: [W], creatingGraph: true)[0]  // ∂L/∂W, recorded
        let penalty = (gW * gW).sum()                                      // ‖∂L/∂W‖²
        let dPenalty = tape.gradient(of: penalty, wrt: [W])[0]              // ∂‖∂L/∂W‖²/∂W, [2, 2]

        let v = Tensor<Double>(ones: [2, 2])
        let hv = hessianVectorProduct(at: W.value, along: v) { W in        // H·v by reverse over reverse
            let z = matmul(W.tape.constant(x.value), W) + W.tape.constant(b.value)
            return (sigmoid(z) * sigmoid(z)).sum() * 0.5
        }
        let (y, jv) = valueWithDifferential(at: W.value, along: v) { W in sigmoid(W) }  // J·v (forward mode)
        // README.md:119
        let softplus = CustomOperation<Double>(
            name: "softplus", forward: { x in log(exp(x[0]) + 1) },
            vjp: { x, _, upstream in [upstream * sigmoid(x[0])] })
        let smooth = softplus(z).sum()                   // recorded like any other op
        }
    }

    /// Docs/DeltaRule.md
    @Sendable static func docsDeltaRule() throws {
        do {
        // Docs/DeltaRule.md:165
        var generator = SeededGenerator(seed: 4)
        let X = Tensor<Double>(randomNormal: [6, 3], using: &generator)
        let Y: Tensor<Double> = oneHot([0, 1, 2, 3, 1, 2], classCount: 4)

        let net = CrossEntropyNetwork<Double>(layerSizes: [3, 5, 5, 4], seed: 1)
        let agreement = compareTapeWithDeltaRule(thetas: net.thetas, inputs: X, labels: Y, lambda: 3,
                                                 form: .fusedSigmoidCrossEntropy, reference: .vectorised)
        agreement.layers[0].delta        // the tape's δ(2) = ∂(m·J)/∂z(2) vs the text's: maxAbsolute, relative, maxULPs
        agreement.layers[0].gradient     // ∂J/∂Θ(1) vs D(1)
        agreement.costRelativeDifference
        agreement.isBitwiseIdentical
        print(agreement)                 // one line per Θ(l), then J: the report for the command-line `check`
        }
    }

    /// Docs/FileFormats.md
    @Sendable static func docsFileFormats() throws {
        do {
        // Docs/FileFormats.md:23

        let x = Tensor<Float>(randomNormal: [2, 3], seed: 1)
        try x.writeNPY(to: FileManager.default.temporaryDirectory.appendingPathComponent("x.npy"))            // np.load("x.npy") in Python
        let y = try Tensor<Float>(contentsOfNPY: FileManager.default.temporaryDirectory.appendingPathComponent("x.npy"))
        let bytes: Data = x.npyData()                                 // the same bytes, in memory
        let z = try Tensor<Float>(npyData: bytes)
        // Docs/FileFormats.md:74
        let w = Tensor<Float>(randomNormal: [4, 3], seed: 2), b = Tensor<Float>(zeros: [4])
        let file = SafetensorsFile<Float>(tensors: ["encoder.weight": w, "encoder.bias": b],
                                          metadata: ["format": "pt"])
        try file.write(to: FileManager.default.temporaryDirectory.appendingPathComponent("weights.safetensors"))
        let back = try SafetensorsFile<Float>(contentsOf: FileManager.default.temporaryDirectory.appendingPathComponent("weights.safetensors"))
        back.tensors["encoder.weight"]   // w, bit for bit
        back.metadata                    // ["format": "pt"]
        let encoded = file.encoded()     // Data; SafetensorsFile<Float>(data: encoded) decodes it
        // Docs/FileFormats.md:134
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mnist.safetensors")
        var g = SeededGenerator(seed: 1)
        let model = Sequential<Float>([Dense(inputSize: 784, outputSize: 128, activation: .relu, using: &g),
                                       Dense(inputSize: 128, outputSize: 10, using: &g)])
        // … train …
        try model.saveCheckpoint(to: url, metadata: ["epoch": "10"])

        var other = SeededGenerator(seed: 99)                  // the same architecture, any initialisation
        let restored = Sequential<Float>([Dense(inputSize: 784, outputSize: 128, activation: .relu, using: &other),
                                          Dense(inputSize: 128, outputSize: 10, using: &other)])
        let metadata = try restored.loadCheckpoint(from: url)  // ["epoch": "10"]
        // restored(x) is bit-for-bit model(x)
        }
    }

    /// Docs/GettingStarted.md
    @Sendable static func docsGettingStarted() throws {
        do {
        // Docs/GettingStarted.md:39

        /// y = x + W₂·relu(W₁·x + b₁) + b₂
        final class Residual: Layer {
            let inner: Dense<Double>, outer: Dense<Double>

            init(width: Int, seed: UInt64) {
                var g = SeededGenerator(seed: seed)
                inner = Dense(inputSize: width, outputSize: width, activation: .relu, initializer: .heNormal, using: &g)
                outer = Dense(inputSize: width, outputSize: width, using: &g)
            }

            func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { x + outer(inner(x)) }
        }

        var g = SeededGenerator(seed: 1)
        let model = Sequential<Double>([
            Dense(inputSize: 64, outputSize: 32, activation: .relu, initializer: .heNormal, using: &g),
            Residual(width: 32, seed: 2),
            Dense(inputSize: 32, outputSize: 10, using: &g),  // logits
        ])
        // Docs/GettingStarted.md:71
        let digits = try Digits.load(as: Double.self)          // 1,797 images, pixels in [0, 1]
        let (training, test) = digits.split(testEvery: 5)       // every fifth image to the test set
        var adam = Adam<Double>(learningRate: 0.005)            // or SGD, Momentum(nesterov:)
        let trainer = Trainer<Double>(epochs: 20, batchSize: 32, lambda: 0.1, seed: 3)
        let history = try trainer.fit(model, loss: .softmaxCrossEntropy, optimizer: &adam,
                                  on: training, evaluatingOn: test)
        print(evaluate(model, loss: .softmaxCrossEntropy, on: test).accuracy)
        try TrainingChart(history, title: "digits").write(to: URL(fileURLWithPath: "curves.svg"))  // the curves, as SVG
        // Docs/GettingStarted.md:99
        let smoothedCrossEntropy: (Variable<Double>, Tensor<Double>) -> Variable<Double> = { logits, labels in
            softmaxCrossEntropy(logits: logits, labels: labels * 0.9 + 0.01)   // label smoothing, 10 classes
        }
        var adamW = AdamW<Double>(learningRate: 0.005, weightDecay: 0.01)
        let steps = 3 * ((training.count + 31) / 32)
        let scheduled = Trainer<Double>(epochs: 3, batchSize: 32, seed: 3, progress: .silent,
                                        learningRateSchedule: .warmup(steps: 20, then: .cosine(steps: steps - 20, floor: 0.1)),
                                        maxGradientNorm: 5)
        _ = try scheduled.fit(model, loss: smoothedCrossEntropy, optimizer: &adamW, on: training, evaluatingOn: test)
        // Docs/GettingStarted.md:118
        let tape = Tape<Double>()
        let x = tape.constant(test.features)
        let z1 = matmul(x, model.parameters[0].variable(on: tape)).addingBias(model.parameters[1].variable(on: tape))
        let logits = Sequential(Array(model.layers.dropFirst()))(relu(z1))
        let loss = softmaxCrossEntropy(logits: logits, classIndices: test.labels)
        let grads = tape.gradient(of: loss, wrt: [z1] + model.parameters.map { $0.variable(on: tape) })
        // grads[0] is ∂L/∂z₁: the text's δ of the first layer, up to sign and scale.

        // What did the loss depend on? A Graphviz drawing of this tape:
        let dot = tape.graphviz(of: loss, naming: ["x": x, "z1": z1])   // dot -Tsvg > loss.svg
        // Docs/GettingStarted.md:137
        let net = DigitClassifier(seed: 7)                       // in ReferenceModels
        let batch = test.subset(Array(0..<50))
        let agreement = compareTapeWithDeltaRule(thetas: net.thetas, inputs: batch.features,
                                                 labels: batch.oneHotLabels, lambda: 0.3)
        print(agreement)            // per layer: max ulps and relative difference of δ(l) and D(l)
        agreement.isBitwiseIdentical  // true: the fused op on m·J does the text's arithmetic, for any m
        // Docs/GettingStarted.md:156
        let tape2 = Tape<Double>()
        let input = tape2.variable(test.features)                 // a variable: ∂/∂x exists
        let dx = tape2.gradient(of: model(input).sum(), wrt: [input], creatingGraph: true)[0]
        let penalty = (dx * dx).mean()                            // ‖∂f/∂x‖², mean over the elements
        let penaltyGrads = tape2.gradient(of: penalty, wrt: model.parameters.map { $0.variable(on: tape2) })

        // Logistic regression on two pixels' worth of features: its 3 × 3 Hessian in one call.
        let features = test.features.slice(0..<40, alongAxis: 0).slice(20..<23, alongAxis: 1)
        let isZero = Tensor<Double>(shape: [40, 1], scalars: test.labels.prefix(40).map { $0 == 0 ? 1 : 0 })
        let h = hessian(at: Tensor<Double>(zeros: [3, 1])) { w in
            sigmoidCrossEntropy(logits: matmul(w.tape.constant(features), w), labels: isZero)
        }                                                         // [3, 1, 3, 1]: Xᵀ·diag(p(1 − p))·X / m
        }
    }

    /// Docs/Layers.md
    @Sendable static func docsLayers() throws {
        do {
        // Docs/Layers.md:15

        /// y = x + W₂·relu(W₁·x + b₁) + b₂, with a batch norm on the way out.
        final class Block: Layer {
            let inner: Dense<Double>
            let outer: Dense<Double>
            let norm = BatchNorm<Double>(featureCount: 4)

            init(seed: UInt64) {
                var g = SeededGenerator(seed: seed)
                inner = Dense(inputSize: 4, outputSize: 4, activation: .relu, using: &g)
                outer = Dense(inputSize: 4, outputSize: 4, using: &g)
            }

            func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { norm(x + outer(inner(x))) }
        }

        let block = Block(seed: 1)
        print(block.namedParameters.map(\.name))
        // ["inner.weight", "inner.bias", "outer.weight", "outer.bias", "norm.weight", "norm.bias"]
        print(block.namedBuffers.map(\.name))
        // ["norm.running_mean", "norm.running_var", "norm.num_batches_tracked"]
        // Docs/Layers.md:67
        let model = Sequential<Double>([Block(seed: 2), Dense(weight: Tensor(ones: [4, 2]), bias: Tensor(zeros: [2]), activation: .identity)])
        model.setMode(.evaluation)   // PyTorch's model.eval(): batch norm uses its running statistics
        let y = model(Tensor<Double>(ones: [3, 4]))
        model.setMode(.training)     // model.train()
        // Docs/Layers.md:102
        var g = SeededGenerator(seed: 3)
        let cnn = Sequential<Double>([
            Conv2D(inputChannels: 1, outputChannels: 4, kernelSize: 3, padding: 1, using: &g),
            BatchNorm(featureCount: 4),
            Lambda { relu($0) },
            MaxPool2D(kernelSize: 2),
            Flatten(),
            ResidualConnection(Sequential([Dense(inputSize: 64, outputSize: 64, activation: .relu, using: &g)])),
            Dense(inputSize: 64, outputSize: 10, using: &g),
        ])
        let logits = cnn(Tensor<Double>(randomUniform: [2, 1, 8, 8], seed: 4))   // [2, 10]
        // Docs/Layers.md:151
        do {
            var generator = SeededGenerator(seed: 1)
            let table = Embedding<Double>(count: 100, dimension: 16, using: &generator)
            let norm = LayerNorm<Double>(normalizedShape: [16])
            let drop = Dropout<Double>(rate: 0.1, seed: 2)
            let tape = Tape<Double>()
            let tokens = table([5, 9, 9, 1, 0, 42], shape: [2, 3], on: tape)   // [2, 3, 16]
            let h = drop(norm(tokens))                                          // training: masks drawn from seed 2
            let gW = tape.gradient(of: h.sum(), wrt: [table.weight.variable(on: tape)])[0]
            assert(h.shape == [2, 3, 16] && gW.shape == [100, 16])
            drop.mode = .evaluation                                             // or model.setMode(.evaluation)
            assert(drop(tokens).value == tokens.value)
        }
        // Docs/Layers.md:208
        var generator = SeededGenerator(seed: 1)
        let lstm = LSTM<Double>(inputSize: 8, hiddenSize: 16, layerCount: 2, using: &generator)
        let tape = Tape<Double>()
        let x = tape.variable(Tensor<Double>(randomNormal: [4, 10, 8], seed: 2))   // [B, T, in]
        let (output, final) = lstm(x, initialState: nil)   // [4, 10, 16]; h_n, c_n: [2, 4, 16]
        let loss = (output * output).mean() + final.cell.sum()
        let grads = tape.gradient(of: loss, wrt: [x] + lstm.parameters.map { $0.variable(on: tape) })
        assert(grads[0].shape == [4, 10, 8])
        assert(lstm.pyTorchStateDict().map(\.name).prefix(4) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"])
        // One step of a cell: the next h from x_t [B, in] and the previous h (nil: zeros).
        let cell = GRUCell<Double>(inputSize: 8, hiddenSize: 16, using: &generator)
        let h1 = cell(x.slice(0..<1, alongAxis: 1).reshaped(to: [4, 8]), state: nil)   // [4, 16]
        assert(h1.shape == [4, 16])
        // Docs/Layers.md:271
        do {
            var generator = SeededGenerator(seed: 3)
            let encoder = TransformerEncoderLayer<Double>(embeddingSize: 8, headCount: 2, feedForwardSize: 16,
                                                          dropout: 0.1, activation: .gelu(.none), using: &generator)
            let tape = Tape<Double>()
            let x = tape.variable(Tensor<Double>(randomNormal: [2, 5, 8], seed: 4))    // [B, T, E]
            let padding = Tensor<Double>(shape: [2, 5], scalars: [0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
            let y = encoder(x, causal: true, keyPaddingMask: padding)                 // [2, 5, 8]
            let gx = tape.gradient(of: y.sum(), wrt: [x])[0]
            assert(y.shape == [2, 5, 8] && gx.shape == [2, 5, 8])
            assert(encoder.pyTorchStateDict().first!.name == "self_attn.in_proj_weight")
            encoder.setMode(.evaluation)                                              // every dropout inside
        }
        // Docs/Layers.md:299
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cnn-torch.safetensors")
        try cnn.savePyTorchCheckpoint(to: url)
        print(cnn.pyTorchStateDict().map(\.name).prefix(4))
        // ["0.weight", "0.bias", "1.weight", "1.bias"]; the Dense layers are "5.body.0.weight" and "6.weight"
        try cnn.loadPyTorchCheckpoint(from: url)   // and, in Python:
        //   net.load_state_dict(safetensors.torch.load_file("cnn-torch.safetensors"))
        }
    }

    /// Docs/Operators.md
    @Sendable static func docsOperators() throws {
        do {
        // Docs/Operators.md:114
        let tape = Tape<Double>()
        let x = tape.variable(Tensor([0, 2, -1]))
        let y = select(x .> 0, log(x), 0).sum()      // finite at 0 and below (Note [Zero upstream])
        let g = tape.gradient(of: y, wrt: [x])[0]     // [0, 0.5, 0]
        let picked = x[.stride(by: -2)]               // [-1, 0]
        }
        do {
        // Docs/Operators.md:130
        var generator = SeededGenerator(seed: 1)
        let conv = Conv2D<Double>(inputChannels: 3, outputChannels: 4, kernelSize: 3, padding: 1, using: &generator)
        let tape = Tape<Double>()
        let x = tape.variable(Tensor<Double>(randomUniform: [2, 3, 8, 8], seed: 2))
        let y = relu(conv(x)).maxPool2d(kernelSize: 2)    // [2, 4, 4, 4]
        let g = tape.gradient(of: y.sum(), wrt: [x])       // x̄: [2, 3, 8, 8]
        }
    }
}
