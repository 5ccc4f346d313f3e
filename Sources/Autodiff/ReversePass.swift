import Tensors

extension Tape {
    /// The adjoints ∂output/∂v of the requested variables — trainable leaves, constants or
    /// intermediates alike — by one backwards pass over the tape.
    ///
    ///     ō = seed (1 for a one-element output);   for i = output … 0:  x̄ⱼ += VJPᵢ(ōᵢ) for each input j
    ///
    /// The tape is not consumed: calling `gradient` again gives the same bits. Records with a
    /// `nil` (zero) adjoint and records that depend only on constants are skipped; an adjoint
    /// is released as soon as its VJP has run, unless it was requested. A constant, or a
    /// variable the output does not depend on, gets a zero tensor.
    ///
    /// - Parameters:
    ///   - output: the value to differentiate.
    ///   - variables: the variables whose adjoints to return, in order.
    ///   - seed: the cotangent ō (shape of `output`); required when `output` has more than one
    ///     element — the result is then the vector–Jacobian product ōᵀ·J.
    /// - Returns: one tensor per requested variable, of that variable's shape.
    /// - Complexity: O(tape length) records visited, each VJP once; no recursion.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func gradient(
        of output: Variable<Scalar>, wrt variables: [Variable<Scalar>], seed: Tensor<Scalar>? = nil,
        file: StaticString = #fileID, line: UInt = #line
    ) -> [Tensor<Scalar>] {
        if output.tape !== self || variables.contains(where: { $0.tape !== self }) {
            ShapeError.fail("gradient", shapes: [output.shape], detail: "a variable belongs to a different tape",
                            file: file, line: line)
        }
        let seedValue: Tensor<Scalar>
        if let seed {
            if seed.shape != output.shape {
                ShapeError.fail("gradient", shapes: [output.shape, seed.shape],
                                detail: "the seed must have the output's shape", file: file, line: line)
            }
            seedValue = seed
        } else {
            if output.value.count != 1 {
                ShapeError.fail("gradient", shapes: [output.shape],
                                detail: "the output is not a scalar: pass `seed:` (the cotangent ō) for a vector–Jacobian product",
                                file: file, line: line)
            }
            seedValue = Tensor(ones: output.shape)
        }
        let top = output.index
        var wanted = [Bool](repeating: false, count: top + 1)
        var lowest = top
        for v in variables where v.index <= top {
            wanted[v.index] = true
            lowest = Swift.min(lowest, v.index)
        }
        var adjoints = [Tensor<Scalar>?](repeating: nil, count: top + 1)
        adjoints[top] = seedValue
        // Note [Borrowed records]: the loop reads records through one buffer pointer. Copying a
        // `Record` out of the array (`records[i]`) costs a generic value-witness call and
        // retains of its op's payload; a pointer projection reads just the fields it needs. The
        // pointer is valid because VJPs work on plain tensors and never record on this tape (a
        // custom VJP that did would be stopped by Swift's exclusivity check, not corrupt memory).
        records.withUnsafeBufferPointer { records in
            var i = top
            while i >= lowest {
                defer { i -= 1 }
                guard records[i].needsGradient, let upstream = adjoints[i] else { continue }
                if !wanted[i] { adjoints[i] = nil }
                backpropagate(records, i, upstream: upstream, into: &adjoints)
            }
        }
        return variables.map { v in
            guard v.index <= top, records[v.index].needsGradient, let a = adjoints[v.index] else {
                return Tensor(zeros: v.shape)
            }
            return a
        }
    }

    /// Adds `contribution` to the adjoint of record `j`, in place when possible, after checking
    /// that its shape is the input's (a wrong shape is a bug in a VJP, reported with its op).
    @inline(__always)
    func accumulate(_ contribution: Tensor<Scalar>, into j: Int, from op: Op<Scalar>,
                    _ records: UnsafeBufferPointer<Record<Scalar>>, _ adjoints: inout [Tensor<Scalar>?]) {
        guard records[j].needsGradient else { return }
        if contribution.shape != records[j].value.shape {
            ShapeError.fail(op.name, shapes: [records[j].value.shape, contribution.shape],
                            detail: "VJP returned an adjoint whose shape is not its input's", file: #fileID, line: #line)
        }
        if adjoints[j] == nil {
            adjoints[j] = contribution
        } else {
            adjoints[j]!.addInPlace(contribution)
        }
    }

    /// Applies one record's VJP and accumulates into its inputs' adjoints. The whole derivative
    /// inventory: each line calls the VJP written beside its forward in `Ops/`.
    func backpropagate(_ records: UnsafeBufferPointer<Record<Scalar>>, _ i: Int, upstream g: Tensor<Scalar>,
                       into adjoints: inout [Tensor<Scalar>?]) {
        let y = records[i].value
        let op = records[i].op
        @inline(__always) func x(_ j: Int) -> Tensor<Scalar> { records[j].value }
        @inline(__always) func needs(_ j: Int) -> Bool { records[j].needsGradient }
        @inline(__always) func add(_ t: Tensor<Scalar>, _ j: Int) { accumulate(t, into: j, from: op, records, &adjoints) }
        switch op {
        case .leaf: break
        case .add(let a, let b):
            if needs(a) { add(g.sum(toShape: x(a).shape), a) }
            if needs(b) { add(g.sum(toShape: x(b).shape), b) }
        case .subtract(let a, let b):
            if needs(a) { add(g.sum(toShape: x(a).shape), a) }
            if needs(b) { add((-g).sum(toShape: x(b).shape), b) }
        case .multiply(let a, let b):
            if needs(a) { add(VJP.multiply(g, other: x(b), toShape: x(a).shape), a) }
            if needs(b) { add(VJP.multiply(g, other: x(a), toShape: x(b).shape), b) }
        case .divide(let a, let b):
            if needs(a) { add(VJP.divideNumerator(g, denominator: x(b), toShape: x(a).shape), a) }
            if needs(b) { add(VJP.divideDenominator(g, output: y, denominator: x(b)), b) }
        case .negate(let a): add(-g, a)
        case .addScalar(let a): add(g, a)
        case .multiplyScalar(let a, let c): add(g * c, a)
        case .divideByScalar(let a, let c): add(g / c, a)
        case .scalarDivide(_, let a): add(VJP.scalarDivide(g, output: y, x: x(a)), a)
        case .matmul(let a, let b):
            if needs(a) { add(matmul(g, x(b), transposingB: true), a) }
            if needs(b) { add(matmul(x(a), g, transposingA: true), b) }
        case .addBias(let a, let b):
            if needs(a) { add(g, a) }
            if needs(b) { add(g.sum(toShape: x(b).shape), b) }
        case .transpose(let a, let p): add(VJP.transpose(g, permutation: p), a)
        case .reshape(let a): add(g.reshaped(to: x(a).shape), a)
        case .exp(let a): add(VJP.exp(g, output: y), a)
        case .log(let a): add(VJP.log(g, x: x(a)), a)
        case .sigmoid(let a): add(VJP.sigmoid(g, output: y), a)
        case .tanh(let a): add(VJP.tanh(g, output: y), a)
        case .relu(let a): add(VJP.relu(g, x: x(a)), a)
        case .square(let a): add(VJP.square(g, x: x(a)), a)
        case .sqrt(let a): add(VJP.sqrt(g, output: y), a)
        case .pow(let a, let p): add(VJP.pow(g, x: x(a), exponent: p), a)
        case .sum(let a, let axes, let keep): add(VJP.sum(g, inputShape: x(a).shape, axes: axes, keepingDimensions: keep), a)
        case .mean(let a, let axes, let keep): add(VJP.mean(g, inputShape: x(a).shape, axes: axes, keepingDimensions: keep), a)
        case .max(let a, let axis, let keep, let idx):
            add(VJP.max(g, inputShape: x(a).shape, axis: axis, keepingDimensions: keep, indices: idx), a)
        case .softmax(let a, let axis): add(VJP.softmax(g, output: y, axis: axis), a)
        case .logSoftmax(let a, let axis): add(VJP.logSoftmax(g, output: y, axis: axis), a)
        case .concatenate(let xs, let axis):
            var start = 0
            for j in xs {
                let width = x(j).shape[axis]
                if needs(j) { add(g.slice(start..<(start + width), alongAxis: axis), j) }
                start += width
            }
        case .select(let c, let a, let b):
            if needs(a) { add(VJP.select(g, condition: c, taken: true, toShape: x(a).shape), a) }
            if needs(b) { add(VJP.select(g, condition: c, taken: false, toShape: x(b).shape), b) }
        case .sigmoidCrossEntropy(let z, let labels): add(VJP.sigmoidCrossEntropy(g, logits: x(z), labels: labels), z)
        case .softmaxCrossEntropy(let z, let labels, let p): add(VJP.softmaxCrossEntropy(g, probabilities: p, labels: labels), z)
        case .halfSumOfSquares(let a, let t): add(VJP.halfSumOfSquares(g, predictions: x(a), targets: t), a)
        case .meanSquaredError(let a, let t): add(VJP.meanSquaredError(g, predictions: x(a), targets: t), a)
        case .custom(let xs, let custom):
            let grads = custom.vjp(xs.map(x), y, g)
            if grads.count != xs.count {
                fatalError("custom(\(custom.name)): VJP returned \(grads.count) adjoints for \(xs.count) inputs")
            }
            for (j, t) in Swift.zip(xs, grads) where needs(j) { add(t, j) }
        }
    }
}

/// The vector–Jacobian products, one static function per operation, each written in `Ops/`
/// beside its forward.
enum VJP {}
