import Autodiff
import Tensors

/// Dropout as a layer (PyTorch's `nn.Dropout`): in training each element is kept with
/// probability 1 − p and scaled by 1/(1 − p), else zeroed; in evaluation the identity.
///
///     training:    y = x ⊙ m,  mᵢ = 1/(1 − p) with probability 1 − p, else 0;   x̄ = ȳ ⊙ m
///     evaluation:  y = x
///
/// The masks come from the layer's own ``SeededGenerator``: the same seed gives the same
/// sequence of masks on every platform. Starts in ``LayerMode/training``, as PyTorch's modules;
/// ``Layer/setMode(_:)`` on any model holding it switches it. Not safe to call from two threads
/// at once (each call advances the generator).
public final class Dropout<Scalar: TensorScalar>: Layer, ModeDependentLayer {
    /// p, the probability of dropping an element, in [0, 1).
    public let rate: Double
    /// Training (drops) or evaluation (the identity).
    public var mode: LayerMode = .training
    /// The generator the masks are drawn from; advanced by each call in training.
    public var generator: SeededGenerator

    /// A dropout layer of rate p whose masks are drawn from `seed`.
    /// - Precondition: 0 ≤ rate < 1.
    public init(rate: Double, seed: UInt64, file: StaticString = #fileID, line: UInt = #line) {
        if !(rate >= 0 && rate < 1) {
            ShapeError.fail("Dropout", shapes: [], detail: "rate \(rate) is outside [0, 1)", file: file, line: line)
        }
        self.rate = rate
        generator = SeededGenerator(seed: seed)
    }

    /// x ⊙ m in training (a fresh mask each call), x in evaluation.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> {
        if mode == .evaluation || rate == 0 { return x }
        return dropout(x, rate: rate, using: &generator)
    }

    /// None.
    public var parameters: [Parameter<Scalar>] { [] }
}
