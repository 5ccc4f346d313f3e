import Foundation
import Testing
import Autodiff
import Tensors

/// One case of `Fixtures/torch_conv_fixtures.json` (written by `torch_conv_fixtures.py`).
struct TorchConvolutionCase: CustomTestStringConvertible, Sendable {
    let name: String, op: String
    let params: [String: [Int]]
    let padSame: Bool
    let tensors: [String: Tensor<Double>]
    var testDescription: String { name }

    static func load() throws -> [TorchConvolutionCase] {
        let url = try #require(Bundle.module.url(forResource: "torch_conv_fixtures", withExtension: "json", subdirectory: "Fixtures"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let cases = try #require(root["cases"] as? [[String: Any]])
        return try cases.map { c in
            var tensors: [String: Tensor<Double>] = [:]
            for key in ["x", "w", "b", "r", "y", "gx", "gw", "gb"] {
                guard let t = c[key] as? [String: Any] else { continue }
                let shape = try #require(t["shape"] as? [Int]), data = try #require(t["data"] as? [Double])
                tensors[key] = Tensor(shape: shape, scalars: data)
            }
            let raw = try #require(c["params"] as? [String: Any])
            return TorchConvolutionCase(name: try #require(c["name"] as? String), op: try #require(c["op"] as? String),
                                        params: raw.compactMapValues { $0 as? [Int] }, padSame: raw["padding"] as? String == "same",
                                        tensors: tensors)
        }
    }

    func size(_ key: String) -> Size2D { Size2D(params[key]![0], params[key]![1]) }
    var padding: ConvolutionPadding { padSame ? .same : [params["padding"]![0], params["padding"]![1]] }

    /// The op on recorded variables [x, w?, b?].
    func apply(_ v: [Variable<Double>]) -> Variable<Double> {
        let bias = tensors["b"] == nil ? nil : v[2]
        switch op {
        case "conv2d":
            return conv2d(v[0], v[1], bias: bias, stride: size("stride"), padding: padding, dilation: size("dilation"),
                          groups: params["groups"]![0])
        case "conv2dTranspose":
            return conv2dTranspose(v[0], v[1], bias: bias, stride: size("stride"), padding: padding,
                                   outputPadding: size("outputPadding"), dilation: size("dilation"), groups: params["groups"]![0])
        case "maxPool2d": return v[0].maxPool2d(kernelSize: size("kernel"), stride: size("stride"), padding: size("padding"))
        default: return v[0].avgPool2d(kernelSize: size("kernel"), stride: size("stride"), padding: size("padding"))
        }
    }
}

/// max |a − b| / max |b|.
func fixtureRelativeError(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
    let scale = b.scalars.map { Swift.abs($0) }.max() ?? 0
    return (Swift.zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) }.max() ?? 0) / Swift.max(scale, 1e-300)
}

@Suite("Convolution and pooling agree with PyTorch (float64 fixtures)")
struct ConvolutionFixtureTests {
    @Test("y and ∂(Σ y ⊙ r)/∂(x, w, b) equal PyTorch's (relative ≤ 1e-10)", arguments: try TorchConvolutionCase.load())
    func matchesTorch(_ c: TorchConvolutionCase) {
        let tape = Tape<Double>()
        let inputs = ["x", "w", "b"].compactMap { c.tensors[$0] }.map { tape.variable($0) }
        let y = c.apply(inputs)
        #expect(y.shape == c.tensors["y"]!.shape)
        #expect(fixtureRelativeError(y.value, c.tensors["y"]!) <= 1e-10, "y")
        let grads = tape.gradient(of: (y * tape.constant(c.tensors["r"]!)).sum(), wrt: inputs)
        for (k, key) in ["gx", "gw", "gb"].prefix(inputs.count).enumerated() {
            #expect(grads[k].shape == c.tensors[key]!.shape)
            #expect(fixtureRelativeError(grads[k], c.tensors[key]!) <= 1e-10, "\(key)")
        }
    }
}
