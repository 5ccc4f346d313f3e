import Foundation
import Testing
import Autodiff
import NeuralNetworks
import Tensors

/// One case of `Fixtures/torch_recurrent_fixtures.json` (written by `torch_recurrent_fixtures.py`).
struct TorchRecurrentCase: CustomTestStringConvertible, Sendable {
    let name: String, kind: String, nonlinearity: String
    let inputSize: Int, hidden: Int, layers: Int, bias: Bool
    /// x, h0, c0, output, r, h, rh, c, rc, gx, gh0, gc0 (those the case has).
    let tensors: [String: Tensor<Double>]
    /// torch's `state_dict()` keys, in order, and values.
    let stateDictKeys: [String]
    let stateDict: [String: Tensor<Double>]
    /// ∂L/∂p for every named parameter.
    let gradients: [String: Tensor<Double>]
    var testDescription: String { name }

    static func tensor(_ any: Any?) throws -> Tensor<Double> {
        let t = try #require(any as? [String: Any])
        return Tensor(shape: try #require(t["shape"] as? [Int]), scalars: try #require(t["data"] as? [Double]))
    }

    static func load() throws -> [TorchRecurrentCase] {
        let url = try #require(Bundle.module.url(forResource: "torch_recurrent_fixtures", withExtension: "json",
                                                 subdirectory: "Fixtures"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return try #require(root["cases"] as? [[String: Any]]).map { c in
            var tensors = [String: Tensor<Double>]()
            for key in ["x", "h0", "c0", "output", "r", "h", "rh", "c", "rc", "gx", "gh0", "gc0"] where c[key] != nil {
                tensors[key] = try tensor(c[key])
            }
            let sd = try #require(c["stateDict"] as? [String: Any]), gs = try #require(c["gradients"] as? [String: Any])
            return TorchRecurrentCase(
                name: try #require(c["name"] as? String), kind: try #require(c["kind"] as? String),
                nonlinearity: try #require(c["nonlinearity"] as? String), inputSize: try #require(c["inputSize"] as? Int),
                hidden: try #require(c["hidden"] as? Int), layers: try #require(c["layers"] as? Int),
                bias: try #require(c["bias"] as? Bool), tensors: tensors,
                stateDictKeys: try #require(c["stateDictKeys"] as? [String]),
                stateDict: try sd.mapValues(tensor), gradients: try gs.mapValues(tensor))
        }
    }

    /// A layer of the case's kind and sizes, with seeded (not torch's) weights.
    func makeLayer() -> any Layer<Double> {
        var g = SeededGenerator(seed: 1)
        let g1: RNNNonlinearity = nonlinearity == "relu" ? .relu : .tanh
        switch kind {
        case "RNN": return RNN<Double>(inputSize: inputSize, hiddenSize: hidden, layerCount: layers, nonlinearity: g1, bias: bias,
                                       using: &g)
        case "LSTM": return LSTM<Double>(inputSize: inputSize, hiddenSize: hidden, layerCount: layers, bias: bias, using: &g)
        case "GRU": return GRU<Double>(inputSize: inputSize, hiddenSize: hidden, layerCount: layers, bias: bias, using: &g)
        case "RNNCell": return RNNCell<Double>(inputSize: inputSize, hiddenSize: hidden, bias: bias, nonlinearity: g1, using: &g)
        case "LSTMCell": return LSTMCell<Double>(inputSize: inputSize, hiddenSize: hidden, bias: bias, using: &g)
        default: return GRUCell<Double>(inputSize: inputSize, hiddenSize: hidden, bias: bias, using: &g)
        }
    }

    /// The case's forward pass: (output sequence or nil, h, c or nil).
    func run(_ layer: any Layer<Double>, x: Variable<Double>, h0: Variable<Double>?, c0: Variable<Double>?)
        -> (output: Variable<Double>?, h: Variable<Double>, c: Variable<Double>?) {
        let lstmState = h0.flatMap { h in c0.map { LSTMState(hidden: h, cell: $0) } }
        switch layer {
        case let l as RNN<Double>: let (y, h) = l(x, initialState: h0); return (y, h, nil)
        case let l as LSTM<Double>: let (y, s) = l(x, initialState: lstmState); return (y, s.hidden, s.cell)
        case let l as GRU<Double>: let (y, h) = l(x, initialState: h0); return (y, h, nil)
        case let l as RNNCell<Double>: return (nil, l(x, state: h0), nil)
        case let l as LSTMCell<Double>: let s = l(x, state: lstmState); return (nil, s.hidden, s.cell)
        case let l as GRUCell<Double>: return (nil, l(x, state: h0), nil)
        default: fatalError("not a recurrent layer")
        }
    }
}

@Suite("RNN, LSTM, GRU and their cells agree with PyTorch (float64 fixtures)")
struct RecurrentFixtureTests {
    @Test("outputs, final states and ∂L/∂(x, state, every parameter) equal PyTorch's (relative ≤ 1e-10)",
          arguments: try TorchRecurrentCase.load())
    func matchesTorch(_ c: TorchRecurrentCase) throws {
        let layer = c.makeLayer()
        try layer.loadPyTorchStateDict(c.stateDict)
        let tape = Tape<Double>()
        let x = tape.variable(c.tensors["x"]!)
        let h0 = c.tensors["h0"].map { tape.variable($0) }, c0 = c.tensors["c0"].map { tape.variable($0) }
        let (output, h, cell) = c.run(layer, x: x, h0: h0, c0: c0)
        var loss = (h * tape.constant(c.tensors["rh"]!)).sum()
        if let output {
            #expect(output.shape == c.tensors["output"]!.shape)
            #expect(relativeErrorVersusTorch(output.value, c.tensors["output"]!) <= 1e-10, "output")
            loss = loss + (output * tape.constant(c.tensors["r"]!)).sum()
        }
        #expect(h.shape == c.tensors["h"]!.shape)
        #expect(relativeErrorVersusTorch(h.value, c.tensors["h"]!) <= 1e-10, "h")
        #expect((cell == nil) == (c.tensors["c"] == nil))
        if let cell {
            #expect(cell.shape == c.tensors["c"]!.shape)
            #expect(relativeErrorVersusTorch(cell.value, c.tensors["c"]!) <= 1e-10, "c")
            loss = loss + (cell * tape.constant(c.tensors["rc"]!)).sum()
        }
        let named = layer.namedParameters
        #expect(named.map(\.name).sorted() == c.gradients.keys.sorted())
        let wrt = [x] + [h0, c0].compactMap { $0 } + named.map { $0.parameter.variable(on: tape) }
        let grads = tape.gradient(of: loss, wrt: wrt)
        let expected = [("gx", c.tensors["gx"]!)] + [("gh0", c.tensors["gh0"]), ("gc0", c.tensors["gc0"])].compactMap { k, t in
            t.map { (k, $0) }
        } + named.map { ($0.name, c.gradients[$0.name]!) }
        for (g, (key, want)) in Swift.zip(grads, expected) {
            #expect(g.shape == want.shape, "\(key)")
            #expect(relativeErrorVersusTorch(g, want) <= 1e-10, "∂L/∂\(key)")
            // A cell's single step from h = 0 leaves W_hh out of the loss (its gradient is h = 0).
            let unused = c.kind.hasSuffix("Cell") && c.tensors["h0"] == nil && key == "weight_hh"
            #expect(want.scalars.contains { $0 != 0 } != unused, "∂L/∂\(key) = 0 tests nothing")
        }
    }

    @Test("pyTorchStateDict() has torch's state_dict keys, in order, with torch's shapes and the loaded values",
          arguments: try TorchRecurrentCase.load())
    func stateDictNames(_ c: TorchRecurrentCase) throws {
        let layer = c.makeLayer()
        let fresh = layer.pyTorchStateDict()
        #expect(fresh.map(\.name) == c.stateDictKeys)
        #expect(fresh.map(\.value.shape) == c.stateDictKeys.map { c.stateDict[$0]!.shape })
        #expect(layer.namedParameters.map(\.name) == c.stateDictKeys)
        try layer.loadPyTorchStateDict(c.stateDict)
        for (name, value) in layer.pyTorchStateDict() { #expect(value == c.stateDict[name]!, "\(name)") }
    }
}

/// max |a − b| / max |b|.
func relativeErrorVersusTorch(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
    let scale = b.scalars.map { Swift.abs($0) }.max() ?? 0
    return (Swift.zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) }.max() ?? 0) / Swift.max(scale, 1e-300)
}
