import Autodiff
import Tensors

/// A differentiable building block: callable on variables, with parameters found by reflection.
///
/// Define your own by composing others; the tape records whatever the body does, and the
/// parameters of every stored sub-layer are found without being listed:
///
///     final class Residual: Layer {
///         let inner: Dense<Double>, outer: Dense<Double>
///         init(width: Int, seed: UInt64) { … }
///         func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { x + outer(inner(x)) }
///     }
///     // parameters: inner.weight, inner.bias, outer.weight, outer.bias
///
/// List `parameters` yourself only to train a subset (the others stay frozen).
public protocol Layer<Scalar>: AnyObject {
    /// The scalar type of the layer's parameters and inputs.
    associatedtype Scalar: TensorScalar
    /// Applies the layer, recording it on the input's tape.
    func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar>
    /// The trainable parameters, in a fixed order (optimisers rely on it), each once.
    ///
    /// By default, those found among the stored properties (see ``namedParameters``).
    var parameters: [Parameter<Scalar>] { get }
    /// The parameters with names qualified by where they are, e.g. `"0.weight"`, `"inner.bias"`.
    ///
    /// By default: a ``Parameter`` in a stored property is named by its own name, one in an
    /// array or struct by its path (`"gates.0"`), a sub-layer's by the property's name and its
    /// own names (`"inner.weight"`; a ``Sequential`` numbers its layers: `"0.weight"`). Repeated
    /// names get `_1`, `_2`, …. The order is ``parameters``' order.
    var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { get }
    /// The buffers (running statistics: saved, never trained) with names, found as parameters are.
    var namedBuffers: [(name: String, buffer: Buffer<Scalar>)] { get }
    /// How many modules of a PyTorch `nn.Sequential` this layer is: 1, or 2 for a ``Dense``
    /// with an activation (`nn.Linear` then `nn.ReLU`). Fixes the numbering of
    /// ``Layer/pyTorchStateDict()``.
    var pyTorchModuleCount: Int { get }
}

extension Layer {
    /// The parameters found among the stored properties, each once, in declaration order.
    public var parameters: [Parameter<Scalar>] { discoveredNamedParameters().map(\.parameter) }

    /// The ``parameters``, in their order, under the names reflection finds for them (a
    /// hand-listed parameter that no stored property holds keeps its own name, made unique).
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        let discovered = discoveredNamedParameters()
        var names = [ObjectIdentifier: String]()
        for (name, p) in discovered { names[ObjectIdentifier(p)] = name }
        return uniquelyNamed(parameters.map { p in (names[ObjectIdentifier(p)] ?? p.name, p) })
    }

    /// The buffers found among the stored properties (none for most layers).
    public var namedBuffers: [(name: String, buffer: Buffer<Scalar>)] { discoveredNamedBuffers() }

    /// One module.
    public var pyTorchModuleCount: Int { 1 }

    /// The parameters whose role is ``ParameterRole/weight`` (what L2 regularisation penalises).
    public var weights: [Parameter<Scalar>] { parameters.filter { $0.role == .weight } }

    /// The parameter count: Σ over parameters of their element counts.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Applies the layer to a plain tensor, without recording gradients (inference).
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let tape = Tape<Scalar>()
        return tape.withoutGradients { self(tape.constant(input)) }.value
    }
}

/// An element-wise (or, for softmax, row-wise) activation function g.
public enum Activation: Sendable, Equatable {
    /// g(z) = z.
    case identity
    /// g(z) = σ(z) = 1 / (1 + e^−z);  g′ = g(1 − g).
    case sigmoid
    /// g(z) = tanh z;  g′ = 1 − g².
    case tanh
    /// g(z) = max(z, 0);  g′ = 1 for z > 0, else 0.
    case relu
    /// g(z)ᵢ = e^zᵢ / Σⱼ e^zⱼ along the last axis.
    case softmax

    /// Applies g, recording it on the tape.
    @_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
    public func callAsFunction<S>(_ z: Variable<S>) -> Variable<S> {
        switch self {
        case .identity: z
        case .sigmoid: Autodiff.sigmoid(z)
        case .tanh: Autodiff.tanh(z)
        case .relu: Autodiff.relu(z)
        case .softmax: Autodiff.softmax(z, alongAxis: -1)
        }
    }
}

/// A fully connected layer on a batch of row vectors:
///
///     z = x·W + b,   a = g(z)      x: [m, in], W: [in, out], b: [out]
///
/// W is drawn by `initializer` (fan-in `in`, fan-out `out`); b starts at zero.
public final class Dense<Scalar: TensorScalar>: Layer {
    /// W, [in, out].
    public let weight: Parameter<Scalar>
    /// b, [out].
    public let bias: Parameter<Scalar>
    /// g.
    public let activation: Activation

    /// A layer from explicit values.
    /// - Precondition: `weight` is [in, out] and `bias` is [out].
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>, activation: Activation,
                file: StaticString = #fileID, line: UInt = #line) {
        if weight.rank != 2 || bias.shape != [weight.shape.last ?? -1] {
            ShapeError.fail("Dense", shapes: [weight.shape, bias.shape], detail: "needs a weight [in, out] and a bias [out]",
                            file: file, line: line)
        }
        self.weight = Parameter(name: "weight", role: .weight, value: weight, pyTorchLayout: .transposed)
        self.bias = Parameter(name: "bias", role: .bias, value: bias)
        self.activation = activation
    }

    /// A layer with seeded random weights and zero biases.
    public convenience init(inputSize: Int, outputSize: Int, activation: Activation = .identity,
                            initializer: Initializer = .glorotUniform, using generator: inout SeededGenerator) {
        let w: Tensor<Scalar> = initializer.tensor(shape: [inputSize, outputSize], fanIn: inputSize, fanOut: outputSize,
                                                   using: &generator)
        self.init(weight: w, bias: Tensor(zeros: [outputSize]), activation: activation)
    }

    /// z = x·W + b, recorded (the pre-activation, whose adjoint is the text's δ up to sign and scale).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func preactivation(_ x: Variable<Scalar>) -> Variable<Scalar> {
        matmul(x, weight.variable(on: x.tape)).addingBias(bias.variable(on: x.tape))
    }

    /// a = g(x·W + b).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> { activation(preactivation(x)) }

    /// W and b (listed: the hot path skips reflection).
    public var parameters: [Parameter<Scalar>] { [weight, bias] }

    /// `nn.Linear`, then the activation's module unless it is the identity.
    public var pyTorchModuleCount: Int { activation == .identity ? 1 : 2 }

    /// The cross-entropy text's Θ for this layer: out × (in + 1), the bias in column 0.
    ///
    ///     Θ = [b | Wᵀ]
    public var theta: Tensor<Scalar> {
        concatenate([bias.value.reshaped(to: [-1, 1]), weight.value.transposed()], alongAxis: 1)
    }
}

/// Layers applied in order: y = fₙ(… f₂(f₁(x))).
public final class Sequential<Scalar: TensorScalar>: Layer {
    /// The layers, first applied first.
    public var layers: [any Layer<Scalar>]

    /// A composition of the given layers.
    public init(_ layers: [any Layer<Scalar>]) { self.layers = layers }

    /// Applies every layer in order.
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> {
        var y = x
        for layer in layers { y = layer(y) }
        return y
    }

    /// Every layer's parameters, in order, each once.
    public var parameters: [Parameter<Scalar>] { namedParameters.map(\.parameter) }

    /// Names prefixed by the layer's position: `"0.weight"`, `"0.bias"`, `"1.weight"`, ….
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        uniquelyNamed(layers.enumerated().flatMap { i, layer in
            layer.namedParameters.map { ("\(i).\($0.name)", $0.parameter) }
        })
    }

    /// Buffers prefixed by the layer's position: `"1.running_mean"`, ….
    public var namedBuffers: [(name: String, buffer: Buffer<Scalar>)] {
        uniquelyNamed(layers.enumerated().flatMap { i, layer in
            layer.namedBuffers.map { ("\(i).\($0.name)", $0.buffer) }
        })
    }
}
