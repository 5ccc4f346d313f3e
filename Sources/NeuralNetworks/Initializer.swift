import Tensors

/// How a weight matrix of fan-in L_in and fan-out L_out is initialised; every scheme draws
/// from a ``SeededGenerator``, so a seed fixes the network.
public enum Initializer: Sendable, Equatable {
    /// The cross-entropy text's symmetric uniform init: U(−ε, ε) with
    ///
    ///     ε = √6 / √(L_in + L_out)
    case epsilonUniform
    /// U(−ε, ε) with a given ε (the text's fixed choice is ε = 0.12).
    case uniform(epsilon: Double)
    /// Glorot (Xavier) uniform: U(−a, a), a = √(6 / (L_in + L_out)).
    case glorotUniform
    /// Glorot (Xavier) normal: N(0, 2 / (L_in + L_out)).
    case glorotNormal
    /// He normal, for ReLU: N(0, 2 / L_in).
    case heNormal
    /// He uniform, for ReLU: U(−a, a), a = √(6 / L_in).
    case heUniform
    /// All zeros (biases).
    case zeros

    /// A tensor of `shape` whose fan-in and fan-out are `fanIn` and `fanOut`.
    public func tensor<Scalar: TensorScalar>(
        shape: [Int], fanIn: Int, fanOut: Int, using generator: inout SeededGenerator
    ) -> Tensor<Scalar> {
        let sum = Double(fanIn + fanOut), inCount = Double(Swift.max(fanIn, 1))
        switch self {
        case .epsilonUniform, .glorotUniform:
            let a = (6.0).squareRoot() / sum.squareRoot()
            return Tensor(randomUniform: shape, lower: Scalar(-a), upper: Scalar(a), using: &generator)
        case .uniform(let epsilon):
            return Tensor(randomUniform: shape, lower: Scalar(-epsilon), upper: Scalar(epsilon), using: &generator)
        case .glorotNormal:
            return Tensor(randomNormal: shape, standardDeviation: Scalar((2 / sum).squareRoot()), using: &generator)
        case .heNormal:
            return Tensor(randomNormal: shape, standardDeviation: Scalar((2 / inCount).squareRoot()), using: &generator)
        case .heUniform:
            let a = (6 / inCount).squareRoot()
            return Tensor(randomUniform: shape, lower: Scalar(-a), upper: Scalar(a), using: &generator)
        case .zeros:
            return Tensor(zeros: shape)
        }
    }
}
