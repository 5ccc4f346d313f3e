import Tensors

/// A user-defined operation: a forward function and its vector–Jacobian product, recorded on
/// the tape like any built-in operation.
///
///     let softplus = CustomOperation<Double>(
///         name: "softplus",
///         forward: { x in log(exp(x[0]) + 1) },
///         vjp: { x, y, upstream in [upstream * sigmoid(x[0])] })
///     let y = softplus(z)          // recorded; tape.gradient flows through the VJP
///
/// The VJP receives the inputs' values, the output's value and the upstream adjoint ȳ, and
/// returns one adjoint per input, each of that input's shape (the reverse pass checks).
///
/// Note [First-order custom VJPs]: a VJP written on tensors records nothing, so it can be run
/// once but not differentiated: a pass with `creatingGraph: true` records its results as ops
/// without a rule, and differentiating one of them stops with a message naming the operation
/// and where it was defined. A VJP written on variables (``init(name:forward:differentiableVJP:file:line:)``)
/// is recorded like any rule and can be differentiated to any order.
public struct CustomOperation<Scalar: TensorScalar> {
    /// A name for messages and graph export.
    public let name: String
    /// The forward function of the inputs' values.
    public let forward: ([Tensor<Scalar>]) -> Tensor<Scalar>
    /// x̄ₖ for each input k, given (inputs, output, ȳ), on tensors.
    public let vjp: (_ inputs: [Tensor<Scalar>], _ output: Tensor<Scalar>, _ upstream: Tensor<Scalar>) -> [Tensor<Scalar>]
    /// The same VJP written on variables, when the operation was given one: then the backward
    /// pass is recorded and can be differentiated again.
    public let differentiableVJP:
        ((_ inputs: [Variable<Scalar>], _ output: Variable<Scalar>, _ upstream: Variable<Scalar>) -> [Variable<Scalar>])?
    /// Where the operation was defined: a VJP that returns the wrong number or shape of
    /// adjoints is reported there, since the reverse pass has no caller of its own.
    public let definedAt: (file: StaticString, line: UInt)

    /// An operation from its forward function and its VJP on tensors (first order only: see
    /// Note [First-order custom VJPs]).
    public init(
        name: String, forward: @escaping ([Tensor<Scalar>]) -> Tensor<Scalar>,
        vjp: @escaping (_ inputs: [Tensor<Scalar>], _ output: Tensor<Scalar>, _ upstream: Tensor<Scalar>) -> [Tensor<Scalar>],
        file: StaticString = #fileID, line: UInt = #line
    ) {
        self.name = name
        self.forward = forward
        self.vjp = vjp
        self.differentiableVJP = nil
        self.definedAt = (file, line)
    }

    /// An operation whose VJP is written on variables, so that it is differentiable to any
    /// order: inside a pass with `creatingGraph: true` the VJP records on the tape; in a plain
    /// first-order pass it runs on a scratch tape and only its values are kept.
    ///
    ///     let cube = CustomOperation<Double>(
    ///         name: "cube", forward: { x in x[0] * x[0] * x[0] },
    ///         differentiableVJP: { x, _, upstream in [upstream * 3 * x[0] * x[0]] })
    ///
    /// The VJP must build on its arguments only (constants through `x[0].tape.constant(…)`): in
    /// a first-order pass they live on a scratch tape, not on the tape the operation ran on.
    public init(
        name: String, forward: @escaping ([Tensor<Scalar>]) -> Tensor<Scalar>,
        differentiableVJP: @escaping (_ inputs: [Variable<Scalar>], _ output: Variable<Scalar>,
                                      _ upstream: Variable<Scalar>) -> [Variable<Scalar>],
        file: StaticString = #fileID, line: UInt = #line
    ) {
        self.name = name
        self.forward = forward
        self.differentiableVJP = differentiableVJP
        self.vjp = { inputs, output, upstream in
            let scratch = Tape<Scalar>()
            let adjoints = differentiableVJP(inputs.map { scratch.constant($0) }, scratch.constant(output),
                                             scratch.constant(upstream))
            return adjoints.map(\.value)
        }
        self.definedAt = (file, line)
    }

    /// Applies the operation to variables on one tape and records it.
    /// - Precondition: at least one input; all on the same tape.
    public func callAsFunction(_ inputs: [Variable<Scalar>], file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        guard let first = inputs.first else {
            ShapeError.fail("custom(\(name))", shapes: [], detail: "needs at least one input", file: file, line: line)
        }
        for x in inputs { checkSameTape(first, x, "custom(\(name))", file: file, line: line) }
        let value = forward(inputs.map(\.value))
        return first.tape.record(.nary(.custom(self), inputs.map(\.index)), value: value,
                                 needsGradient: inputs.contains(where: \.needsGradient), file: file, line: line)
    }

    /// Applies the operation to variables on one tape and records it.
    public func callAsFunction(_ inputs: Variable<Scalar>..., file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        callAsFunction(inputs, file: file, line: line)
    }
}
