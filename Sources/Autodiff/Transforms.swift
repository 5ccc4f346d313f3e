import Tensors

// Functional transforms over the tape (compare JAX's grad, vjp, jvp, hessian, jacfwd/jacrev
// and mlx-swift's grad / valueAndGrad): each records `f` on a fresh tape, so the closure is
// ordinary Swift code over variables, and each comes for one tensor and for an array.

/// f's value and gradient at x: one forward recording and one reverse pass.
///
///     (f(x), ∇f(x))
///
/// - Precondition: f returns a one-element value.
public func valueWithGradient<S: TensorScalar>(
    at x: [Tensor<S>], of f: ([Variable<S>]) -> Variable<S>
) -> (value: Tensor<S>, gradient: [Tensor<S>]) {
    let tape = Tape<S>()
    let xs = x.map { tape.variable($0) }
    let y = f(xs)
    return (y.value, tape.gradient(of: y, wrt: xs))
}

/// f's value and gradient at one tensor x.
public func valueWithGradient<S: TensorScalar>(
    at x: Tensor<S>, of f: (Variable<S>) -> Variable<S>
) -> (value: Tensor<S>, gradient: Tensor<S>) {
    let (value, g) = valueWithGradient(at: [x]) { f($0[0]) }
    return (value, g[0])
}

/// ∇f(x) for a one-element f.
public func gradient<S: TensorScalar>(at x: [Tensor<S>], of f: ([Variable<S>]) -> Variable<S>) -> [Tensor<S>] {
    valueWithGradient(at: x, of: f).gradient
}

/// ∇f(x) for a one-element f of one tensor.
public func gradient<S: TensorScalar>(at x: Tensor<S>, of f: (Variable<S>) -> Variable<S>) -> Tensor<S> {
    valueWithGradient(at: x, of: f).gradient
}

/// f's value and its pullback, the vector–Jacobian product for any cotangent ȳ:
///
///     pullback(ȳ) = ȳᵀ·J_f(x)   (one reverse pass per call; the tape is kept by the closure)
public func valueWithPullback<S: TensorScalar>(
    at x: [Tensor<S>], of f: ([Variable<S>]) -> Variable<S>
) -> (value: Tensor<S>, pullback: (Tensor<S>) -> [Tensor<S>]) {
    let tape = Tape<S>()
    let xs = x.map { tape.variable($0) }
    let y = f(xs)
    return (y.value, { cotangent in tape.gradient(of: y, wrt: xs, seed: cotangent) })
}

/// f's value and pullback at one tensor.
public func valueWithPullback<S: TensorScalar>(
    at x: Tensor<S>, of f: (Variable<S>) -> Variable<S>
) -> (value: Tensor<S>, pullback: (Tensor<S>) -> Tensor<S>) {
    let (value, pullback) = valueWithPullback(at: [x]) { f($0[0]) }
    return (value, { pullback($0)[0] })
}

/// f's value and its differential along v — the Jacobian–vector product (forward mode):
///
///     J_f(x)·v = ∂/∂u ⟨ uᵀ·J_f(x), v ⟩
///
/// Note [JVP by double VJP]: the pullback u ↦ uᵀJ is linear in the cotangent u, so recording it
/// (`creatingGraph`, with u a variable) and pulling v back through *it* gives J·v, the transpose
/// of a transpose. No tangent table is needed and every op's JVP comes from its rule for free.
/// The cost is one forward recording, one recorded reverse pass and one reverse pass over that
/// record: about 1.5 to 2 gradients (measured in `Docs/Performance.md`). Because it
/// differentiates the recorded pullback, every custom operation on the way needs a
/// `differentiableVJP:` (Note [First-order custom VJPs]).
/// - Precondition: `v` has one tensor per input, each of its input's shape.
public func valueWithDifferential<S: TensorScalar>(
    at x: [Tensor<S>], along v: [Tensor<S>], of f: ([Variable<S>]) -> Variable<S>,
    file: StaticString = #fileID, line: UInt = #line
) -> (value: Tensor<S>, differential: Tensor<S>) {
    checkDirections(x, v, "valueWithDifferential", file: file, line: line)
    let tape = Tape<S>()
    let xs = x.map { tape.variable($0) }
    let y = f(xs)
    let u = tape.variable(Tensor(zeros: y.shape))
    let pulled = tape.gradient(of: y, wrt: xs, seed: u, file: file, line: line)
    return (y.value, tape.gradient(of: innerProduct(pulled, v), wrt: [u])[0])
}

/// f's value and differential J·v at one tensor.
public func valueWithDifferential<S: TensorScalar>(
    at x: Tensor<S>, along v: Tensor<S>, of f: (Variable<S>) -> Variable<S>,
    file: StaticString = #fileID, line: UInt = #line
) -> (value: Tensor<S>, differential: Tensor<S>) {
    valueWithDifferential(at: [x], along: [v], of: { f($0[0]) }, file: file, line: line)
}

/// The Hessian–vector product of a one-element f, reverse over reverse:
///
///     H·v = ∇ₓ ⟨∇f(x), v⟩   (one forward, one recorded reverse pass, one reverse pass)
public func hessianVectorProduct<S: TensorScalar>(
    at x: [Tensor<S>], along v: [Tensor<S>], of f: ([Variable<S>]) -> Variable<S>,
    file: StaticString = #fileID, line: UInt = #line
) -> [Tensor<S>] {
    checkDirections(x, v, "hessianVectorProduct", file: file, line: line)
    let tape = Tape<S>()
    let xs = x.map { tape.variable($0) }
    let g = tape.gradient(of: f(xs), wrt: xs, creatingGraph: true, file: file, line: line)
    return tape.gradient(of: innerProduct(g, v), wrt: xs)
}

/// H·v at one tensor.
public func hessianVectorProduct<S: TensorScalar>(
    at x: Tensor<S>, along v: Tensor<S>, of f: (Variable<S>) -> Variable<S>,
    file: StaticString = #fileID, line: UInt = #line
) -> Tensor<S> {
    hessianVectorProduct(at: [x], along: [v], of: { f($0[0]) }, file: file, line: line)[0]
}

/// The Hessian of a one-element f in blocks: `H[i][j]` = ∂²f/∂xᵢ∂xⱼ of shape
/// shape(xᵢ) + shape(xⱼ). The gradient is recorded once and pulled back along each basis
/// vector: n reverse passes over the recorded backward pass for n input elements.
public func hessian<S: TensorScalar>(at x: [Tensor<S>], of f: ([Variable<S>]) -> Variable<S>) -> [[Tensor<S>]] {
    let tape = Tape<S>()
    let xs = x.map { tape.variable($0) }
    let g = tape.gradient(of: f(xs), wrt: xs, creatingGraph: true)
    return (0..<xs.count).map { i in
        let rows = jacobianRows(of: g[i], wrt: xs, on: tape)
        return (0..<xs.count).map { j in Tensor(shape: x[i].shape + x[j].shape, scalars: rows.flatMap { $0[j].scalars }) }
    }
}

/// The Hessian of f at one tensor, of shape shape(x) + shape(x) ([n, n] for a vector).
public func hessian<S: TensorScalar>(at x: Tensor<S>, of f: (Variable<S>) -> Variable<S>) -> Tensor<S> {
    hessian(at: [x]) { f($0[0]) }[0][0]
}

/// The Jacobian of f in blocks, reverse mode: `J[j]` = ∂f/∂xⱼ of shape shape(f) + shape(xⱼ),
/// one reverse pass per element of f on a single recording.
public func jacobian<S: TensorScalar>(at x: [Tensor<S>], of f: ([Variable<S>]) -> Variable<S>) -> [Tensor<S>] {
    let tape = Tape<S>()
    let xs = x.map { tape.variable($0) }
    let y = f(xs)
    let rows = jacobianRows(of: y, wrt: xs, on: tape)
    return (0..<xs.count).map { j in Tensor(shape: y.shape + x[j].shape, scalars: rows.flatMap { $0[j].scalars }) }
}

/// The Jacobian of f at one tensor, of shape shape(f) + shape(x) ([m, n] for vectors).
public func jacobian<S: TensorScalar>(at x: Tensor<S>, of f: (Variable<S>) -> Variable<S>) -> Tensor<S> {
    jacobian(at: [x]) { f($0[0]) }[0]
}

/// eᵢᵀ·J for every element i of y: one reverse pass each (the tape is not consumed).
func jacobianRows<S>(of y: Variable<S>, wrt xs: [Variable<S>], on tape: Tape<S>) -> [[Tensor<S>]] {
    (0..<y.value.count).map { i in
        var e = Tensor<S>(zeros: y.shape)
        e[flat: i] = 1
        return tape.gradient(of: y, wrt: xs, seed: e)
    }
}

/// ⟨xs, vs⟩ = Σₖ Σ xₖ ⊙ vₖ, recorded (the directions are constants).
func innerProduct<S>(_ xs: [Variable<S>], _ vs: [Tensor<S>]) -> Variable<S> {
    var total = (xs[0] * xs[0].tape.constant(vs[0])).sum()
    for k in 1..<xs.count { total = total + (xs[k] * xs[k].tape.constant(vs[k])).sum() }
    return total
}

/// Stops unless there is one direction per input, each of its input's shape.
func checkDirections<S>(_ x: [Tensor<S>], _ v: [Tensor<S>], _ name: String, file: StaticString, line: UInt) {
    if x.isEmpty || x.count != v.count || Swift.zip(x, v).contains(where: { $0.shape != $1.shape }) {
        ShapeError.fail(name, shapes: x.map(\.shape) + v.map(\.shape),
                        detail: "needs at least one input and one direction per input, of that input's shape", file: file, line: line)
    }
}
