import Foundation
import Testing
import Autodiff
import NeuralNetworks
import Tensors

/// The three sequence layers behind one call: (output [B, T, H], final states [layers, B, H]).
enum SequenceLayer {
    case rnn(RNN<Double>), lstm(LSTM<Double>), gru(GRU<Double>)

    static func all(inputSize: Int, hidden: Int, layers: Int, seed: UInt64) -> [SequenceLayer] {
        var g = SeededGenerator(seed: seed)
        return [.rnn(RNN(inputSize: inputSize, hiddenSize: hidden, layerCount: layers, using: &g)),
                .lstm(LSTM(inputSize: inputSize, hiddenSize: hidden, layerCount: layers, using: &g)),
                .gru(GRU(inputSize: inputSize, hiddenSize: hidden, layerCount: layers, using: &g))]
    }

    var layer: any Layer<Double> {
        switch self {
        case .rnn(let l): l
        case .lstm(let l): l
        case .gru(let l): l
        }
    }

    /// The output and the final states (h, and c for the LSTM) from `initial` (nil: zeros).
    func run(_ x: Variable<Double>, _ initial: [Variable<Double>]?) -> (Variable<Double>, [Variable<Double>]) {
        switch self {
        case .rnn(let l): let (y, h) = l(x, initialState: initial?[0]); return (y, [h])
        case .gru(let l): let (y, h) = l(x, initialState: initial?[0]); return (y, [h])
        case .lstm(let l):
            let (y, s) = l(x, initialState: initial.map { LSTMState(hidden: $0[0], cell: $0[1]) })
            return (y, [s.hidden, s.cell])
        }
    }
}

/// Σ output ⊙ r + Σ h_n ⊙ r_h (+ Σ c_n ⊙ r_c), with seeded r's.
func sequenceLoss(_ layer: SequenceLayer, _ x: Variable<Double>) -> Variable<Double> {
    let (y, states) = layer.run(x, nil)
    var loss = (y * Tensor<Double>(randomNormal: y.shape, seed: 11)).sum()
    for (k, s) in states.enumerated() { loss = loss + (s * Tensor<Double>(randomNormal: s.shape, seed: 12 + UInt64(k))).sum() }
    return loss
}

@Suite("Recurrent layers: names, state in and out, edge cases, second order, bad input")
struct RecurrentLayersTests {
    @Test("cells name their parameters weight_ih, weight_hh, bias_ih, bias_hh; stacked layers …_l0, …_l1; init in ±1/√H")
    func names() {
        var g = SeededGenerator(seed: 1)
        let cell = LSTMCell<Double>(inputSize: 3, hiddenSize: 4, using: &g)
        #expect(cell.namedParameters.map(\.name) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"])
        #expect(cell.parameters.map(\.role) == [.weight, .weight, .bias, .bias])
        #expect(cell.parameters.map(\.value.shape) == [[16, 3], [16, 4], [16], [16]])
        #expect(GRUCell<Double>(inputSize: 3, hiddenSize: 4, bias: false, using: &g).namedParameters.map(\.name)
                == ["weight_ih", "weight_hh"])
        let gru = GRU<Double>(inputSize: 5, hiddenSize: 4, layerCount: 2, using: &g)
        #expect(gru.namedParameters.map(\.name) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                                    "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"])
        #expect(gru.parameters.map(\.value.shape) == [[12, 5], [12, 4], [12], [12], [12, 4], [12, 4], [12], [12]])
        #expect(gru.weights.count == 4 && gru.parameterCount == 12 * 5 + 12 * 4 * 3 + 12 * 4)
        let bound = 1 / (4.0).squareRoot()
        #expect(gru.parameters.allSatisfy { $0.value.scalars.allSatisfy { Swift.abs($0) <= bound } })
        #expect(gru.parameters.allSatisfy { $0.value.scalars.map { Swift.abs($0) }.max()! > bound / 2 })
        let rnn = RNN<Double>(inputSize: 2, hiddenSize: 3, bias: false, using: &g)
        #expect(rnn.pyTorchStateDict().map(\.name) == ["weight_ih_l0", "weight_hh_l0"])
    }

    @Test("a sequence run in two halves, the state carried, equals the whole run, bit for bit",
          arguments: SequenceLayer.all(inputSize: 3, hidden: 4, layers: 2, seed: 2).indices)
    func halves(_ k: Int) {
        let layer = SequenceLayer.all(inputSize: 3, hidden: 4, layers: 2, seed: 2)[k]
        let tape = Tape<Double>()
        let x = tape.constant(Tensor(randomNormal: [2, 6, 3], seed: 3))
        let start = [tape.constant(Tensor(randomNormal: [2, 2, 4], seed: 4)), tape.constant(Tensor(randomNormal: [2, 2, 4], seed: 5))]
        let (whole, final) = layer.run(x, start)
        let (first, middle) = layer.run(x.slice(0..<4, alongAxis: 1), start)
        let (second, end) = layer.run(x.slice(4..<6, alongAxis: 1), middle)
        #expect(concatenate([first.value, second.value], alongAxis: 1) == whole.value)
        #expect(end.map(\.value) == final.map(\.value))
        #expect(whole.shape == [2, 6, 4] && final.allSatisfy { $0.shape == [2, 2, 4] })
    }

    @Test("the output's last step is the last layer's final h; a layer is its cell unrolled, bit for bit")
    func layerIsItsCells() {
        var g = SeededGenerator(seed: 6)
        let lstm = LSTM<Double>(inputSize: 3, hiddenSize: 5, using: &g)
        let tape = Tape<Double>()
        let x = tape.constant(Tensor(randomNormal: [4, 7, 3], seed: 7))
        let (y, final) = lstm(x, initialState: nil)
        #expect(y.value.slice(6..<7, alongAxis: 1).reshaped(to: [4, 5]) == final.hidden.value.reshaped(to: [4, 5]))
        var state: LSTMState<Double>? = nil
        for t in 0..<7 {
            let s = lstm.cells[0](x.slice(t..<(t + 1), alongAxis: 1).reshaped(to: [4, 3]), state: state)
            #expect(s.hidden.value == y.value.slice(t..<(t + 1), alongAxis: 1).reshaped(to: [4, 5]), "step \(t)")
            state = s
        }
        #expect(state!.cell.value == final.cell.value.reshaped(to: [4, 5]))
        // Inference on a tensor and the Layer conformance give the same output sequence.
        #expect(lstm(x.value) == y.value)
        let gru = GRU<Double>(inputSize: 3, hiddenSize: 5, using: &g)
        var h: Variable<Double>? = nil
        let yg = gru(x)
        for t in 0..<7 { h = gru.cells[0](x.slice(t..<(t + 1), alongAxis: 1).reshaped(to: [4, 3]), state: h) }
        #expect(h!.value == yg.value.slice(6..<7, alongAxis: 1).reshaped(to: [4, 5]))
    }

    @Test("edge cases: one step is one cell step; zero steps give an empty output and the initial state back; batch 1")
    func edges() {
        var g = SeededGenerator(seed: 8)
        let rnn = RNN<Double>(inputSize: 2, hiddenSize: 3, nonlinearity: .relu, using: &g)
        let tape = Tape<Double>()
        let x1 = tape.constant(Tensor(randomNormal: [2, 1, 2], seed: 9))
        let h0 = tape.constant(Tensor(randomNormal: [1, 2, 3], seed: 10))
        let (y, h) = rnn(x1, initialState: h0)
        let expected = rnn.cells[0](x1.reshaped(to: [2, 2]), state: h0.reshaped(to: [2, 3]))
        #expect(y.value == expected.value.reshaped(to: [2, 1, 3]) && h.value == expected.value.reshaped(to: [1, 2, 3]))
        #expect(y.value.scalars.allSatisfy { $0 >= 0 })
        for layer in SequenceLayer.all(inputSize: 2, hidden: 3, layers: 2, seed: 11) {
            let empty = tape.constant(Tensor<Double>(zeros: [2, 0, 2]))
            let start = [tape.constant(Tensor(randomNormal: [2, 2, 3], seed: 12)), tape.constant(Tensor(randomNormal: [2, 2, 3], seed: 13))]
            let (out, final) = layer.run(empty, start)
            #expect(out.shape == [2, 0, 3])
            #expect(final.map(\.value) == start.prefix(final.count).map(\.value))
            let one = layer.run(tape.constant(Tensor(randomNormal: [1, 4, 2], seed: 14)), nil)
            #expect(one.0.shape == [1, 4, 3] && one.1.allSatisfy { $0.shape == [2, 1, 3] })
        }
    }

    @Test("H·v through a 2-layer LSTM and GRU (inputs and every parameter) = central differences of the gradient (relative ≤ 1e-6)",
          arguments: [1, 2])
    func hessianVectorProduct(_ k: Int) {
        let layer = SequenceLayer.all(inputSize: 2, hidden: 3, layers: 2, seed: 15)[k]
        let x = Tensor<Double>(randomNormal: [2, 4, 2], seed: 16)
        let parameters = layer.layer.parameters
        var rng = SeededGenerator(seed: 17)
        let v = ([x] + parameters.map(\.value)).map { Tensor<Double>(randomNormal: $0.shape, using: &rng) }
        /// The gradient of the loss with respect to x and the parameters, on a fresh tape;
        /// with `v`, also H·v (the gradient recorded, then ⟨∇L, v⟩ differentiated).
        func gradient(at x: Tensor<Double>, along v: [Tensor<Double>]?) -> [Tensor<Double>] {
            let tape = Tape<Double>()
            let xv = tape.variable(x)
            let loss = sequenceLoss(layer, xv)
            let wrt = [xv] + parameters.map { $0.variable(on: tape) }
            guard let v else { return tape.gradient(of: loss, wrt: wrt) }
            let g = tape.gradient(of: loss, wrt: wrt, creatingGraph: true)
            let dot = Swift.zip(g, v).map { ($0 * $1).sum() }.reduce(tape.constant(0), +)
            return tape.gradient(of: dot, wrt: wrt)
        }
        let hv = gradient(at: x, along: v)
        let h = 1e-5
        let saved = parameters.map(\.value)
        func shifted(_ sign: Double) -> [Tensor<Double>] {
            for (p, (value, d)) in Swift.zip(parameters, Swift.zip(saved, v.dropFirst())) { p.value = value + sign * h * d }
            defer { for (p, value) in Swift.zip(parameters, saved) { p.value = value } }
            return gradient(at: x + sign * h * v[0], along: nil)
        }
        let plus = shifted(1), minus = shifted(-1)
        let fd = Swift.zip(plus, minus).map { ($0 - $1) / (2 * h) }
        func norm(_ ts: [Tensor<Double>]) -> Double { ts.flatMap(\.scalars).reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let diff = norm(Swift.zip(hv, fd).map { $0 - $1 }), scale = norm(hv) + norm(fd)
        #expect(norm(hv) > 1e-3, "a zero H·v tests nothing")
        #expect(diff / scale <= 1e-6, "H·v vs finite differences: relative \(diff / scale)")
    }

    @Test("first-order gradients of a 2-layer LSTM with an initial state pass the finite-difference check (≤ 1e-7)")
    func gradientCheck() {
        var g = SeededGenerator(seed: 18)
        let lstm = LSTM<Double>(inputSize: 2, hiddenSize: 3, layerCount: 2, using: &g)
        let inputs = [Tensor<Double>(randomNormal: [2, 3, 2], seed: 19), Tensor(randomNormal: [2, 2, 3], seed: 20),
                      Tensor(randomNormal: [2, 2, 3], seed: 21)]
        let report = checkGradients(at: inputs) { v in
            let (y, s) = lstm(v[0], initialState: LSTMState(hidden: v[1], cell: v[2]))
            return concatenate([y.reshaped(to: [-1]), s.hidden.reshaped(to: [-1]), s.cell.reshaped(to: [-1])], alongAxis: 0)
        }
        #expect(report.passes(tolerance: 1e-7), "\(report)")
    }

    @Test("a stacked LSTM's checkpoint and PyTorch-layout state_dict load into a differently seeded one, all tensors equal")
    func checkpointRoundTrip() throws {
        var g1 = SeededGenerator(seed: 22), g2 = SeededGenerator(seed: 23)
        let a = LSTM<Double>(inputSize: 3, hiddenSize: 4, layerCount: 2, using: &g1)
        let b = LSTM<Double>(inputSize: 3, hiddenSize: 4, layerCount: 2, using: &g2)
        #expect(a.parameters.map(\.value) != b.parameters.map(\.value))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lstm-\(getpid()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try a.saveCheckpoint(to: url)
        try b.loadCheckpoint(from: url)
        #expect(a.parameters.map(\.value) == b.parameters.map(\.value))
        let c = LSTM<Double>(inputSize: 3, hiddenSize: 4, layerCount: 2, using: &g2)
        try c.loadPyTorchStateDict(Dictionary(uniqueKeysWithValues: a.pyTorchStateDict().map { ($0.name, $0.value) }))
        #expect(a.parameters.map(\.value) == c.parameters.map(\.value))
        #expect(a.sublayers.isEmpty, "like nn.LSTM, no sub-modules: the cells' tensors are the layer's own")
    }

    @Test("a sequence of the wrong rank stops, naming RNN, the shape and this line")
    func wrongRank() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var g = SeededGenerator(seed: 1)
            let rnn = RNN<Double>(inputSize: 3, hiddenSize: 4, using: &g)
            let tape = Tape<Double>()
            _ = rnn(tape.constant(Tensor(zeros: [2, 3])), initialState: nil)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("RNN: shape [2, 3]: needs an input [batch, time, 3]"))
            #expect(text.contains("RecurrentLayersTests.swift:"))
        }
    }

    @Test("a wrong feature count stops, naming LSTM and the shape")
    func wrongFeatures() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var g = SeededGenerator(seed: 1)
            let lstm = LSTM<Double>(inputSize: 3, hiddenSize: 4, using: &g)
            let tape = Tape<Double>()
            _ = lstm(tape.constant(Tensor(zeros: [2, 5, 4])), initialState: nil)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("LSTM: shape [2, 5, 4]: needs an input [batch, time, 3]"))
            #expect(text.contains("RecurrentLayersTests.swift:"))
        }
    }

    @Test("an initial state of the wrong shape stops, naming GRU, the shape and the expected one")
    func wrongState() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var g = SeededGenerator(seed: 1)
            let gru = GRU<Double>(inputSize: 3, hiddenSize: 4, layerCount: 2, using: &g)
            let tape = Tape<Double>()
            _ = gru(tape.constant(Tensor(zeros: [2, 5, 3])), initialState: tape.constant(Tensor(zeros: [1, 2, 4])))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("GRU: shape [1, 2, 4]: needs an initial hidden state [layers, batch, hidden] = [2, 2, 4]"))
            #expect(text.contains("RecurrentLayersTests.swift:"))
        }
    }

    @Test("an LSTM cell state of the wrong shape stops, naming LSTMCell")
    func wrongCellState() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var g = SeededGenerator(seed: 1)
            let cell = LSTMCell<Double>(inputSize: 3, hiddenSize: 4, using: &g)
            let tape = Tape<Double>()
            let h = tape.constant(Tensor(zeros: [2, 4]))
            _ = cell(tape.constant(Tensor(zeros: [2, 3])), state: LSTMState(hidden: h, cell: tape.constant(Tensor(zeros: [2, 5]))))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("LSTMCell: shape [2, 5]: needs a cell state [batch, hidden] = [2, 4]"))
            #expect(text.contains("RecurrentLayersTests.swift:"))
        }
    }

    @Test("explicit weights of the wrong shapes stop, naming GRUCell and every shape")
    func wrongWeights() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = GRUCell<Double>(weightIH: Tensor(zeros: [12, 3]), weightHH: Tensor(zeros: [16, 4]), biasIH: nil, biasHH: nil)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("GRUCell: shapes [12, 3], [16, 4], [], []: needs weight_ih [3·H, in]"))
            #expect(text.contains("RecurrentLayersTests.swift:"))
        }
    }
}
