import Tensors

/// The closed set of recorded operations, in families. Each case carries its inputs' tape
/// indices and the family's function; the function's enum (``UnaryFunction``,
/// ``BinaryFunction``, …) holds, in one file per family, each op's name, its forward kernel
/// and its derivative rule side by side. So `name`, `inputs` and the graph label below come
/// from the family, never from a per-op list.
///
/// Adding an operation means a case in its family's function enum, its forward kernel and its
/// rule beside it (both switches are in the family's file), the public function, a row in
/// `Docs/Operators.md` and a row in the op test table. Users add their own through
/// ``CustomOperation``.
///
/// The cases whose payload is wider than 24 bytes are `indirect` (boxed): every record holds
/// an `Op`, so the widest case sets the size of all of them, and those ops are rare and costly
/// enough for one box.
@usableFromInline
enum Op<Scalar: TensorScalar> {
    /// A variable or a constant: nothing to differentiate through.
    case leaf
    /// An element-wise function of one input.
    case unary(UnaryFunction, Int)
    /// An element-wise function of one input and a scalar constant.
    case scalar(ScalarFunction, Int, Scalar)
    /// An element-wise (broadcasting) function of two inputs, the fused backward ops included.
    case binary(BinaryFunction, Int, Int)
    /// The matrix product, with transposes and masking (Note [Zero upstream]) in its form.
    case matmul(Int, Int, MatmulForm)
    /// A reduction along axes.
    case reduction(Reduction, Int, axes: [Int], keepingDimensions: Bool)
    /// A normalisation along one axis (softmax, log-softmax).
    case axis(AxisFunction, Int, axis: Int)
    /// A linear change of shape or layout; the parameters are the function's (a permutation,
    /// a shape, or lower/upper/axis).
    case shape(ShapeFunction, Int, [Int])
    /// The max along an axis and its linear pair, scatter to and gather from the arg-max.
    indirect case argmax(ArgmaxFunction, Int, ArgmaxIndices)
    /// Element-wise choice between two inputs by a constant condition.
    indirect case select(Int, Int, condition: Tensor<Scalar>)
    /// A fused loss of its logits or predictions, or its fused backward op (inputs: the
    /// upstream, then the logits or predictions).
    indirect case loss(LossFunction, Int, upstream: Int?, LossParameters<Scalar>)
    /// A 2-D convolution or one of its two adjoints (inputs: (x, w), (u, w) or (x, u)).
    indirect case convolution(ConvolutionFunction, Int, Int, ConvolutionParameters)
    /// The average pool and its linear adjoint (the max pool is of the `argmax` family).
    indirect case pooling(PoolingFunction, Int, PoolingParameters)
    /// Any number of inputs: concatenation and user-defined operations.
    indirect case nary(NaryFunction<Scalar>, [Int])

    /// The operation's name, as in `Docs/Operators.md` and error messages.
    @usableFromInline var name: String {
        switch self {
        case .leaf: "leaf"
        case .unary(let f, _): f.rawValue
        case .scalar(let f, _, _): f.rawValue
        case .binary(let f, _, _): f.rawValue
        case .matmul: "matmul"
        case .reduction(let f, _, _, _): f.rawValue
        case .axis(let f, _, _): f.rawValue
        case .shape(let f, _, _): f.rawValue
        case .argmax(let f, _, _): f.rawValue
        case .select: "select"
        case .loss(let f, _, _, _): f.rawValue
        case .convolution(let f, _, _, _): f.rawValue
        case .pooling(let f, _, _): f.rawValue
        case .nary(let f, _): f.name
        }
    }

    /// The tape indices of the operation's inputs, in order: one per family shape.
    @usableFromInline var inputs: [Int] {
        switch self {
        case .leaf: []
        case .unary(_, let x), .scalar(_, let x, _), .reduction(_, let x, _, _), .axis(_, let x, _),
             .shape(_, let x, _), .argmax(_, let x, _), .pooling(_, let x, _):
            [x]
        case .binary(_, let a, let b), .matmul(let a, let b, _), .select(let a, let b, _),
             .convolution(_, let a, let b, _):
            [a, b]
        case .loss(_, let x, let upstream, _): upstream.map { [$0, x] } ?? [x]
        case .nary(_, let xs): xs
        }
    }
}
