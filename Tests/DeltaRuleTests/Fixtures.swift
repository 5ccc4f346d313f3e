import DeltaRule
import Tensors

/// A network and a batch for the cross-entropy tests: Θ uniform in [−ε, ε), inputs uniform
/// in [0, 1), one-hot labels of uniformly drawn classes, all from one seed.
struct CrossEntropyCase: Sendable, CustomStringConvertible {
    let name: String
    let layerSizes: [Int]
    let m: Int
    let epsilon: Double
    let seed: UInt64

    var description: String { "\(name), m = \(m)" }

    var network: CrossEntropyNetwork<Double> {
        CrossEntropyNetwork(layerSizes: layerSizes, epsilon: epsilon, seed: seed)
    }

    /// (X, Y): X is [m, s(1)], Y is [m, s(L)] one-hot.
    var batch: (inputs: Tensor<Double>, labels: Tensor<Double>) {
        var rng = SeededGenerator(seed: seed &+ 1000)
        let x = Tensor<Double>(randomUniform: [m, layerSizes[0]], using: &rng)
        let k = layerSizes[layerSizes.count - 1]
        var y = Tensor<Double>(zeros: [m, k])
        for i in 0..<m { y[i, Int(rng.nextUnitDouble() * Double(k))] = 1 }
        return (x, y)
    }

    /// The text's four-layer network: s(1) = 3, s(2) = s(3) = 5, s(4) = 4.
    static func textFourLayer(m: Int) -> CrossEntropyCase {
        CrossEntropyCase(name: "text's 3-5-5-4", layerSizes: [3, 5, 5, 4], m: m, epsilon: 1, seed: 4)
    }
    /// The digit-recognition shape: 400 inputs, 25 hidden units, 10 outputs, ε = 0.12.
    static func digits(m: Int) -> CrossEntropyCase {
        CrossEntropyCase(name: "400-25-10", layerSizes: [400, 25, 10], m: m, epsilon: 0.12, seed: 25)
    }
    /// A small 3-5-3 network.
    static func small(m: Int) -> CrossEntropyCase {
        CrossEntropyCase(name: "3-5-3", layerSizes: [3, 5, 3], m: m, epsilon: 1, seed: 35)
    }

    /// The three networks with m a power of two (where even the mean cost's adjoints are exact).
    static let powerOfTwoBatches = [textFourLayer(m: 8), digits(m: 64), small(m: 4)]
    /// The three networks of the issue with arbitrary m.
    static let issueBatches = [textFourLayer(m: 10), digits(m: 100), small(m: 5)]
}
