import Autodiff
import Tensors

/// What a parameter is for: L2 regularisation penalises weights and, by default, not biases.
public enum ParameterRole: Sendable, Equatable {
    /// A weight (a connection strength): regularised.
    case weight
    /// A bias (the weight of a bias unit): not regularised.
    case bias
}

/// A trainable tensor owned by a layer, with a name and a role.
///
/// Parameters are reference types so that layers can share them and optimisers can update
/// them in place. During a forward pass a parameter is recorded on the tape once
/// (``variable(on:)`` returns the same variable for the same tape), so a parameter used twice
/// accumulates both contributions to its adjoint.
public final class Parameter<Scalar: TensorScalar> {
    /// The name within its layer, e.g. `"weight"`.
    public let name: String
    /// Weight or bias.
    public let role: ParameterRole
    /// The current value.
    public var value: Tensor<Scalar>

    private weak var recordedTape: Tape<Scalar>?
    private var recordedIndex = -1

    /// A parameter with a name, a role and an initial value.
    public init(name: String, role: ParameterRole, value: Tensor<Scalar>) {
        self.name = name
        self.role = role
        self.value = value
    }

    /// The parameter as a trainable variable on `tape`, recorded at the first call for that tape.
    ///
    /// A record made inside `tape.withoutGradients { … }` is a constant; once gradients are
    /// recorded again the parameter is recorded afresh, so evaluating and then training on the
    /// same tape still gives the parameter its adjoint.
    public func variable(on tape: Tape<Scalar>) -> Variable<Scalar> {
        if let recorded = recordedTape, recorded === tape {
            let v = tape.recordedVariable(at: recordedIndex)
            if v.needsGradient || !tape.isRecordingGradients { return v }
        }
        let v = tape.variable(value)
        recordedTape = tape
        recordedIndex = v.index
        return v
    }
}
