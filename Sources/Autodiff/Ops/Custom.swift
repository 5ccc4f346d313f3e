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
public struct CustomOperation<Scalar: TensorScalar> {
    /// A name for messages and graph export.
    public let name: String
    /// The forward function of the inputs' values.
    public let forward: ([Tensor<Scalar>]) -> Tensor<Scalar>
    /// x̄ₖ for each input k, given (inputs, output, ȳ).
    public let vjp: (_ inputs: [Tensor<Scalar>], _ output: Tensor<Scalar>, _ upstream: Tensor<Scalar>) -> [Tensor<Scalar>]
    /// Where the operation was defined: a VJP that returns the wrong number or shape of
    /// adjoints is reported there, since the reverse pass has no caller of its own.
    public let definedAt: (file: StaticString, line: UInt)

    /// An operation from its forward function and its VJP.
    public init(
        name: String, forward: @escaping ([Tensor<Scalar>]) -> Tensor<Scalar>,
        vjp: @escaping (_ inputs: [Tensor<Scalar>], _ output: Tensor<Scalar>, _ upstream: Tensor<Scalar>) -> [Tensor<Scalar>],
        file: StaticString = #fileID, line: UInt = #line
    ) {
        self.name = name
        self.forward = forward
        self.vjp = vjp
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
        return first.tape.record(.custom(inputs.map(\.index), self), value: value,
                                 needsGradient: inputs.contains(where: \.needsGradient))
    }

    /// Applies the operation to variables on one tape and records it.
    public func callAsFunction(_ inputs: Variable<Scalar>..., file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        callAsFunction(inputs, file: file, line: line)
    }
}
