import Foundation
import Testing
import Tensors

/// A JSON fixture of `Fixtures/` (written by the Python script of the same name).
struct TorchFixture {
    let root: [String: Any]

    init(_ name: String) throws {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// A `{"shape": […], "data": […]}` entry as a tensor.
    static func tensor(_ value: Any?) throws -> Tensor<Double> {
        let t = try #require(value as? [String: Any])
        return Tensor(shape: try #require(t["shape"] as? [Int]), scalars: try #require(t["data"] as? [Double]))
    }
}

/// max |a − b| / max |b| (∞ when the shapes differ).
func relativeError(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
    guard a.shape == b.shape else { return .infinity }
    let scale = b.scalars.map { Swift.abs($0) }.max() ?? 0
    return (zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) }.max() ?? 0) / Swift.max(scale, 1e-300)
}
