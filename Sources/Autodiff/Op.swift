import Tensors

/// The closed set of recorded operations: each case carries its inputs' tape indices and
/// whatever its VJP needs beyond the output value (which the record keeps anyway).
///
/// The cases whose payload is wider than 24 bytes are `indirect` (boxed): every record holds
/// an `Op`, so the widest case sets the size of all of them (a `custom` payload inline made
/// each record 88 bytes instead of 56), and those ops are rare and costly enough for one box.
///
/// Adding an operation means a case here, its forward and VJP side by side in `Ops/`, a line
/// in the reverse pass's `switch`, and a row in `Docs/Operators.md`. Users add their own
/// through ``CustomOperation`` instead.
@usableFromInline
enum Op<Scalar: TensorScalar> {
    /// A variable or a constant: nothing to differentiate through.
    case leaf
    case add(Int, Int)
    case subtract(Int, Int)
    case multiply(Int, Int)
    case divide(Int, Int)
    case negate(Int)
    case addScalar(Int)
    case multiplyScalar(Int, Scalar)
    case divideByScalar(Int, Scalar)
    /// c / x.
    case scalarDivide(Scalar, Int)
    case matmul(Int, Int)
    case addBias(Int, Int)
    case transpose(Int, permutation: [Int])
    case reshape(Int)
    case exp(Int)
    case log(Int)
    case sigmoid(Int)
    case tanh(Int)
    case relu(Int)
    case abs(Int)
    case sin(Int)
    case cos(Int)
    case square(Int)
    case sqrt(Int)
    case pow(Int, Scalar)
    case sum(Int, axes: [Int], keepingDimensions: Bool)
    case mean(Int, axes: [Int], keepingDimensions: Bool)
    indirect case max(Int, axis: Int, keepingDimensions: Bool, indices: [Int])
    case softmax(Int, axis: Int)
    case logSoftmax(Int, axis: Int)
    case concatenate([Int], axis: Int)
    indirect case select(condition: Tensor<Scalar>, Int, Int)
    /// `examples`: the divisor of the reduction (m for `.mean`, 1 for `.sum`).
    indirect case sigmoidCrossEntropy(Int, labels: Tensor<Scalar>, examples: Int)
    indirect case softmaxCrossEntropy(Int, labels: Tensor<Scalar>, probabilities: Tensor<Scalar>, examples: Int)
    case halfSumOfSquares(Int, targets: Tensor<Scalar>)
    case meanSquaredError(Int, targets: Tensor<Scalar>)
    indirect case custom([Int], CustomOperation<Scalar>)

    /// The operation's name, as in `Docs/Operators.md` and error messages.
    @usableFromInline var name: String {
        switch self {
        case .leaf: "leaf"
        case .add: "add"
        case .subtract: "subtract"
        case .multiply: "multiply"
        case .divide: "divide"
        case .negate: "negate"
        case .addScalar: "addScalar"
        case .multiplyScalar: "multiplyScalar"
        case .divideByScalar: "divideByScalar"
        case .scalarDivide: "scalarDivide"
        case .matmul: "matmul"
        case .addBias: "addBias"
        case .transpose: "transposed"
        case .reshape: "reshaped"
        case .exp: "exp"
        case .log: "log"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .relu: "relu"
        case .abs: "abs"
        case .sin: "sin"
        case .cos: "cos"
        case .square: "square"
        case .sqrt: "sqrt"
        case .pow: "pow"
        case .sum: "sum"
        case .mean: "mean"
        case .max: "max"
        case .softmax: "softmax"
        case .logSoftmax: "logSoftmax"
        case .concatenate: "concatenate"
        case .select: "select"
        case .sigmoidCrossEntropy: "sigmoidCrossEntropy"
        case .softmaxCrossEntropy: "softmaxCrossEntropy"
        case .halfSumOfSquares: "halfSumOfSquares"
        case .meanSquaredError: "meanSquaredError"
        case .custom(_, let op): "custom(\(op.name))"
        }
    }

    /// The tape indices of the operation's inputs, in order.
    @usableFromInline var inputs: [Int] {
        switch self {
        case .leaf: []
        case .add(let a, let b), .subtract(let a, let b), .multiply(let a, let b), .divide(let a, let b),
             .matmul(let a, let b), .addBias(let a, let b), .select(_, let a, let b):
            [a, b]
        case .negate(let x), .addScalar(let x), .multiplyScalar(let x, _), .divideByScalar(let x, _),
             .scalarDivide(_, let x), .transpose(let x, _), .reshape(let x), .exp(let x), .log(let x),
             .sigmoid(let x), .tanh(let x), .relu(let x), .abs(let x), .sin(let x), .cos(let x), .square(let x), .sqrt(let x), .pow(let x, _),
             .sum(let x, _, _), .mean(let x, _, _), .max(let x, _, _, _), .softmax(let x, _),
             .logSoftmax(let x, _), .sigmoidCrossEntropy(let x, _, _), .softmaxCrossEntropy(let x, _, _, _),
             .halfSumOfSquares(let x, _), .meanSquaredError(let x, _):
            [x]
        case .concatenate(let xs, _), .custom(let xs, _): xs
        }
    }
}
