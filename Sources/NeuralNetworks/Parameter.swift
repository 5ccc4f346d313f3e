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
    /// How PyTorch stores the same tensor (``PyTorchLayout/transposed`` for a `Dense` weight,
    /// which is [in, out] here and [out, in] in `nn.Linear`).
    public let pyTorchLayout: PyTorchLayout

    private weak var recordedTape: Tape<Scalar>?
    private var recordedIndex = -1

    /// A parameter with a name, a role, an initial value and PyTorch's layout of it.
    public init(name: String, role: ParameterRole, value: Tensor<Scalar>, pyTorchLayout: PyTorchLayout = .identical) {
        self.name = name
        self.role = role
        self.value = value
        self.pyTorchLayout = pyTorchLayout
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

/// How PyTorch lays out a tensor that a layer here stores.
public enum PyTorchLayout: Sendable, Equatable {
    /// The same shape and element order.
    case identical
    /// The transpose of a rank-2 tensor (`Dense`'s W is [in, out]; `nn.Linear`'s is [out, in]).
    case transposed

    /// PyTorch's tensor for our `value`.
    public func pyTorchValue<S>(_ value: Tensor<S>) -> Tensor<S> {
        self == .transposed ? value.transposed() : value
    }

    /// Our tensor for PyTorch's `value`.
    public func value<S>(fromPyTorch value: Tensor<S>) -> Tensor<S> {
        self == .transposed ? value.transposed() : value
    }
}

/// State a layer keeps and saves with its parameters but never trains: batch norm's running
/// mean and variance (PyTorch's buffers). Found by reflection, like parameters
/// (``Layer/namedBuffers``), and stored in checkpoints.
public final class Buffer<Scalar: TensorScalar> {
    /// The name within its layer, e.g. `"running_mean"`.
    public let name: String
    /// The current value.
    public var value: Tensor<Scalar>

    /// A buffer with a name and an initial value.
    public init(name: String, value: Tensor<Scalar>) {
        self.name = name
        self.value = value
    }
}
