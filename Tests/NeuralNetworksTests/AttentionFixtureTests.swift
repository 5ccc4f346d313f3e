import Foundation
import Testing
import Autodiff
import NeuralNetworks
import Tensors

/// One case of `Fixtures/torch_attention_fixtures.json` (written by `torch_attention_fixtures.py`).
struct TorchAttentionCase: CustomTestStringConvertible, Sendable {
    let name: String, kind: String
    let config: [String: Int], flags: [String: Bool], activation: String?
    let stateDictKeys: [String]
    let stateDict: [String: Tensor<Double>], inputs: [String: Tensor<Double>]
    let inputGradients: [String: Tensor<Double>], parameterGradients: [String: Tensor<Double>]
    let y: Tensor<Double>, r: Tensor<Double>
    let indices: [Int]?, indexShape: [Int]?, keyPaddingMask: Tensor<Double>?
    var testDescription: String { name }

    static func tensor(_ any: Any?) throws -> Tensor<Double> {
        let t = try #require(any as? [String: Any])
        return Tensor(shape: try #require(t["shape"] as? [Int]), scalars: try #require(t["data"] as? [Double]))
    }

    static func tensors(_ any: Any?) throws -> [String: Tensor<Double>] {
        try (try #require(any as? [String: Any])).mapValues { try tensor($0) }
    }

    static func load() throws -> [TorchAttentionCase] {
        let url = try #require(Bundle.module.url(forResource: "torch_attention_fixtures", withExtension: "json",
                                                 subdirectory: "Fixtures"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return try (try #require(root["cases"] as? [[String: Any]])).map { c in
            let config = try #require(c["config"] as? [String: Any])
            let idx = c["indices"] as? [String: Any]
            return TorchAttentionCase(
                name: try #require(c["name"] as? String), kind: try #require(c["kind"] as? String),
                config: config.compactMapValues { $0 as? Int }, flags: config.compactMapValues { $0 as? Bool },
                activation: config["activation"] as? String,
                stateDictKeys: try #require(c["state_dict_keys"] as? [String]),
                stateDict: try tensors(c["state_dict"]), inputs: try tensors(c["inputs"]),
                inputGradients: try tensors(c["input_gradients"]), parameterGradients: try tensors(c["parameter_gradients"]),
                y: try tensor(c["y"]), r: try tensor(c["r"]),
                indices: (idx?["data"] as? [Double])?.map { Int($0) } ?? idx?["data"] as? [Int],
                indexShape: idx?["shape"] as? [Int],
                keyPaddingMask: c["key_padding_mask"] == nil ? nil : try tensor(c["key_padding_mask"]))
        }
    }

    /// A layer of the case's kind and size (its values loaded afterwards from the state_dict).
    func makeLayer() -> any Layer<Double> {
        var g = SeededGenerator(seed: 1)
        switch kind {
        case "embedding": return Embedding<Double>(count: config["count"]!, dimension: config["dim"]!, using: &g)
        case "layernorm":
            let shape = stateDict["weight"]!.shape
            return LayerNorm<Double>(normalizedShape: shape)
        case "mha": return MultiHeadAttention<Double>(embeddingSize: config["embed_dim"]!, headCount: config["num_heads"]!, using: &g)
        default:
            return TransformerEncoderLayer<Double>(embeddingSize: config["d_model"]!, headCount: config["nhead"]!,
                                                   feedForwardSize: config["dim_feedforward"]!, dropout: 0,
                                                   activation: activation == "gelu" ? .gelu(.none) : .relu, using: &g)
        }
    }

    /// The layer on the recorded inputs, in the case's input order.
    func apply(_ layer: any Layer<Double>, _ v: [String: Variable<Double>], on tape: Tape<Double>) -> Variable<Double> {
        switch layer {
        case let e as Embedding<Double>: return e(indices!, shape: indexShape!, on: tape)
        case let a as MultiHeadAttention<Double>:
            let q = v["query"]!
            return a(query: q, key: v["key"] ?? q, value: v["value"] ?? q, causal: flags["causal"] ?? false,
                     keyPaddingMask: keyPaddingMask)
        default: return layer(v["x"]!)
        }
    }
}

/// max |a − b| / max |b|.
func attentionRelativeError(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
    let scale = b.scalars.map { Swift.abs($0) }.max() ?? 0
    return (Swift.zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) }.max() ?? .infinity) / Swift.max(scale, 1e-300)
}

@Suite("Embedding, LayerNorm, MultiHeadAttention, TransformerEncoderLayer agree with PyTorch (float64 fixtures)")
struct AttentionFixtureTests {
    @Test("state_dict keys and shapes are torch's; y and ∂(Σ y ⊙ r)/∂(inputs, parameters) equal PyTorch's (relative ≤ 1e-10)",
          arguments: try TorchAttentionCase.load())
    func matchesTorch(_ c: TorchAttentionCase) throws {
        let layer = c.makeLayer()
        #expect(layer.pyTorchStateDict().map(\.name) == c.stateDictKeys)
        #expect(layer.pyTorchStateDict().map(\.value.shape) == c.stateDictKeys.map { c.stateDict[$0]!.shape })
        try layer.loadPyTorchStateDict(c.stateDict)
        for (name, value) in layer.pyTorchStateDict() { #expect(value == c.stateDict[name]!, "\(name) loaded") }

        let tape = Tape<Double>()
        let names = c.inputs.keys.sorted()
        let inputs = Dictionary(uniqueKeysWithValues: names.map { ($0, tape.variable(c.inputs[$0]!)) })
        let y = c.apply(layer, inputs, on: tape)
        #expect(y.shape == c.y.shape)
        #expect(attentionRelativeError(y.value, c.y) <= 1e-10, "y")

        let parameters = layer.namedParameters
        #expect(Set(parameters.map(\.name)) == Set(c.parameterGradients.keys))
        let wrt = names.map { inputs[$0]! } + parameters.map { $0.parameter.variable(on: tape) }
        let grads = tape.gradient(of: (y * tape.constant(c.r)).sum(), wrt: wrt)
        for (k, name) in names.enumerated() {
            #expect(attentionRelativeError(grads[k], c.inputGradients[name]!) <= 1e-10, "∂/∂\(name)")
        }
        for (k, (name, p)) in parameters.enumerated() {
            let g = p.pyTorchLayout.pyTorchValue(grads[names.count + k])
            #expect(g.shape == c.parameterGradients[name]!.shape, "∂/∂\(name) shape")
            #expect(attentionRelativeError(g, c.parameterGradients[name]!) <= 1e-10, "∂/∂\(name)")
        }
    }
}
