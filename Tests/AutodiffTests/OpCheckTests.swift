import Testing
import Autodiff
import Tensors

/// One differentiable function of the op set, with inputs drawn from its domain.
struct OpCase: CustomTestStringConvertible, Sendable {
    let name: String
    let shapes: [[Int]]
    /// Inputs are uniform in this range (positive for log, sqrt, pow; away from 0 for divide).
    let range: ClosedRange<Double>
    let f: @Sendable ([Variable<Double>]) -> Variable<Double>

    var testDescription: String { "\(name) \(shapes)" }

    func inputs(seed: UInt64) -> [Tensor<Double>] {
        var g = SeededGenerator(seed: seed)
        return shapes.map { Tensor(randomUniform: $0, lower: range.lowerBound, upper: range.upperBound, using: &g) }
    }
}

let positive = 0.5...2.0

/// x³ as a user-defined operation whose VJP is written on variables (differentiable again).
func cube(_ x: Variable<Double>) -> Variable<Double> {
    CustomOperation<Double>(
        name: "cube", forward: { x in x[0] * x[0] * x[0] },
        differentiableVJP: { x, _, g in [g * x[0] * x[0] * 3] })(x)
}
let anywhere = -2.0...2.0

/// Element-wise unary ops again on rank 0, rank 1 and rank 3, so every op sees several shapes.
let unaryShapeCases: [OpCase] = [[], [6], [2, 3, 2]].flatMap { shape -> [OpCase] in
    [
        OpCase(name: "exp", shapes: [shape], range: anywhere) { exp($0[0]) },
        OpCase(name: "log", shapes: [shape], range: positive) { log($0[0]) },
        OpCase(name: "sigmoid", shapes: [shape], range: -4...4) { sigmoid($0[0]) },
        OpCase(name: "tanh", shapes: [shape], range: anywhere) { tanh($0[0]) },
        OpCase(name: "relu", shapes: [shape], range: anywhere) { relu($0[0]) },
        OpCase(name: "abs", shapes: [shape], range: 0.25...2) { abs($0[0]) * abs(-$0[0]) },
        OpCase(name: "sin", shapes: [shape], range: -3...3) { sin($0[0]) },
        OpCase(name: "cos", shapes: [shape], range: -3...3) { cos($0[0]) },
        OpCase(name: "square", shapes: [shape], range: anywhere) { square($0[0]) },
        OpCase(name: "sqrt", shapes: [shape], range: positive) { sqrt($0[0]) },
        OpCase(name: "pow 2.5", shapes: [shape], range: positive) { pow($0[0], 2.5) },
        OpCase(name: "negate", shapes: [shape], range: anywhere) { -$0[0] },
        OpCase(name: "scalar arithmetic", shapes: [shape], range: positive) { 3 / (1 + $0[0] * 2) - $0[0] / 4 },
        OpCase(name: "multiply broadcast", shapes: [shape, [1]], range: anywhere) { $0[0] * $0[1] },
        OpCase(name: "divide broadcast", shapes: [[1], shape], range: positive) { $0[0] / $0[1] },
        OpCase(name: "sum", shapes: [shape], range: anywhere) { $0[0].sum() },
        OpCase(name: "mean", shapes: [shape], range: anywhere) { $0[0].mean() },
        OpCase(name: "softplus", shapes: [shape], range: -3...3) { softplus($0[0]) },
        OpCase(name: "log1p", shapes: [shape], range: -0.5...2) { log1p($0[0]) },
        OpCase(name: "expm1", shapes: [shape], range: anywhere) { expm1($0[0]) },
        OpCase(name: "silu", shapes: [shape], range: -3...3) { silu($0[0]) },
        OpCase(name: "erf", shapes: [shape], range: anywhere) { erf($0[0]) },
        OpCase(name: "gelu", shapes: [shape], range: -3...3) { gelu($0[0]) },
        OpCase(name: "gelu tanh", shapes: [shape], range: -3...3) { gelu($0[0], approximation: .tanh) },
        OpCase(name: "elu", shapes: [shape], range: anywhere) { elu($0[0], alpha: 1.5) },
        OpCase(name: "leakyRelu", shapes: [shape], range: anywhere) { leakyRelu($0[0], alpha: 0.1) },
    ]
}

/// Every primitive, on several shapes, broadcasting included.
let opCases: [OpCase] = unaryShapeCases + [
    OpCase(name: "add", shapes: [[3, 4], [3, 4]], range: anywhere) { $0[0] + $0[1] },
    OpCase(name: "add broadcast row", shapes: [[3, 4], [4]], range: anywhere) { $0[0] + $0[1] },
    OpCase(name: "add broadcast column", shapes: [[3, 1], [1, 4]], range: anywhere) { $0[0] + $0[1] },
    OpCase(name: "add scalar tensor", shapes: [[], [2, 3]], range: anywhere) { $0[0] + $0[1] },
    OpCase(name: "subtract broadcast", shapes: [[2, 3, 4], [3, 1]], range: anywhere) { $0[0] - $0[1] },
    OpCase(name: "multiply", shapes: [[5], [5]], range: anywhere) { $0[0] * $0[1] },
    OpCase(name: "multiply broadcast", shapes: [[2, 1, 3], [4, 1]], range: anywhere) { $0[0] * $0[1] },
    OpCase(name: "divide", shapes: [[3, 2], [3, 2]], range: positive) { $0[0] / $0[1] },
    OpCase(name: "divide broadcast", shapes: [[3, 2], [2]], range: positive) { $0[0] / $0[1] },
    OpCase(name: "negate", shapes: [[4]], range: anywhere) { -$0[0] },
    OpCase(name: "scalar arithmetic", shapes: [[2, 3]], range: positive) { (2 - $0[0]) * 3 + 1.5 / $0[0] - $0[0] / 4 },
    OpCase(name: "matmul", shapes: [[3, 4], [4, 2]], range: anywhere) { matmul($0[0], $0[1]) },
    OpCase(name: "matmul vector", shapes: [[1, 5], [5, 1]], range: anywhere) { $0[0].matmul($0[1]) },
    OpCase(name: "matmul batched", shapes: [[2, 3, 4], [2, 4, 2]], range: anywhere) { matmul($0[0], $0[1]) },
    OpCase(name: "matmul batch broadcast [B, T, d]·[d, k]", shapes: [[2, 3, 4], [4, 2]], range: anywhere) { matmul($0[0], $0[1]) },
    OpCase(name: "matmul batch broadcast [1, 3, 4]·[2, 4, 2]", shapes: [[1, 3, 4], [2, 4, 2]], range: anywhere) { matmul($0[0], $0[1]) },
    OpCase(name: "matmul Q·Kᵀ batched", shapes: [[2, 3, 4], [2, 5, 4]], range: anywhere) {
        softmax(matmul($0[0], $0[1], transposingB: true) * 0.5)
    },
    OpCase(name: "matmul Aᵀ·B", shapes: [[4, 3], [4, 2]], range: anywhere) { matmul($0[0], $0[1], transposingA: true) },
    OpCase(name: "matmul Aᵀ·Bᵀ batched", shapes: [[2, 4, 3], [2, 5, 4]], range: anywhere) {
        matmul($0[0], $0[1], transposingA: true, transposingB: true)
    },
    OpCase(name: "addBias [n]", shapes: [[4, 3], [3]], range: anywhere) { $0[0].addingBias($0[1]) },
    OpCase(name: "addBias [1, n]", shapes: [[4, 3], [1, 3]], range: anywhere) { $0[0].addingBias($0[1]) },
    OpCase(name: "transposed", shapes: [[3, 5]], range: anywhere) { $0[0].transposed() },
    OpCase(name: "transposed permutation", shapes: [[2, 3, 4]], range: anywhere) { $0[0].transposed(permutation: [2, 0, 1]) },
    OpCase(name: "reshaped", shapes: [[2, 6]], range: anywhere) { $0[0].reshaped(to: [3, -1]) },
    OpCase(name: "exp", shapes: [[3, 3]], range: anywhere) { exp($0[0]) },
    OpCase(name: "log", shapes: [[3, 3]], range: positive) { log($0[0]) },
    OpCase(name: "sigmoid", shapes: [[4, 3]], range: -4...4) { sigmoid($0[0]) },
    OpCase(name: "tanh", shapes: [[7]], range: anywhere) { tanh($0[0]) },
    OpCase(name: "relu", shapes: [[3, 4]], range: anywhere) { relu($0[0]) },
    OpCase(name: "logSumExp axis 1", shapes: [[3, 4]], range: anywhere) { logSumExp($0[0], alongAxis: 1) },
    OpCase(name: "logSumExp axis 0 kept", shapes: [[3, 4]], range: anywhere) {
        logSumExp($0[0], alongAxis: 0, keepingDimensions: true)
    },
    OpCase(name: "sin·cos", shapes: [[2, 3]], range: -3...3) { sin($0[0]) * cos($0[0]) },
    OpCase(name: "square", shapes: [[2, 2]], range: anywhere) { square($0[0]) },
    OpCase(name: "sqrt", shapes: [[5]], range: positive) { sqrt($0[0]) },
    OpCase(name: "pow 3", shapes: [[2, 3]], range: anywhere) { pow($0[0], 3) },
    OpCase(name: "pow −1.5", shapes: [[4]], range: positive) { pow($0[0], -1.5) },
    OpCase(name: "sum", shapes: [[3, 4]], range: anywhere) { $0[0].sum() },
    OpCase(name: "mean", shapes: [[3, 4]], range: anywhere) { $0[0].mean() },
    OpCase(name: "sum axis 0", shapes: [[3, 4]], range: anywhere) { $0[0].sum(alongAxes: [0]) },
    OpCase(name: "sum axes kept", shapes: [[2, 3, 4]], range: anywhere) { $0[0].sum(alongAxes: [0, 2], keepingDimensions: true) },
    OpCase(name: "mean axis −1", shapes: [[3, 5]], range: anywhere) { $0[0].mean(alongAxes: [-1]) },
    OpCase(name: "mean axis kept", shapes: [[2, 3, 2]], range: anywhere) { $0[0].mean(alongAxes: [1], keepingDimensions: true) },
    OpCase(name: "max axis 1", shapes: [[4, 5]], range: anywhere) { $0[0].max(alongAxis: 1) },
    OpCase(name: "max axis 0 kept", shapes: [[3, 2, 2]], range: anywhere) { $0[0].max(alongAxis: 0, keepingDimensions: true) },
    OpCase(name: "softmax", shapes: [[3, 4]], range: -3...3) { softmax($0[0]) },
    OpCase(name: "softmax axis 0", shapes: [[3, 4]], range: -3...3) { softmax($0[0], alongAxis: 0) },
    OpCase(name: "logSoftmax", shapes: [[2, 5]], range: -3...3) { logSoftmax($0[0]) },
    OpCase(name: "logSoftmax axis 0", shapes: [[4, 2]], range: -3...3) { logSoftmax($0[0], alongAxis: 0) },
    OpCase(name: "concatenate axis 1", shapes: [[2, 3], [2, 1], [2, 2]], range: anywhere) {
        concatenate($0, alongAxis: 1)
    },
    OpCase(name: "concatenate axis 0", shapes: [[1, 3], [2, 3]], range: anywhere) { concatenate($0, alongAxis: 0) },
    OpCase(name: "prependingOnes", shapes: [[3, 2]], range: anywhere) { $0[0].prependingOnes(alongAxis: 1) },
    OpCase(name: "select", shapes: [[2, 3], [2, 3]], range: anywhere) {
        select(Tensor([[1, 0, 1], [0, 0, 1]]), $0[0], $0[1])
    },
    OpCase(name: "select broadcast", shapes: [[3], [2, 1]], range: anywhere) {
        select(Tensor([[1, 0, 1], [0, 1, 1]]), $0[0], $0[1])
    },
    OpCase(name: "sigmoidCrossEntropy", shapes: [[4, 3]], range: -3...3) {
        sigmoidCrossEntropy(logits: $0[0], labels: Tensor(shape: [4, 3], scalars: [1, 0, 0, 1, 1, 0, 0.5, 0, 1, 0, 0, 1]))
    },
    OpCase(name: "softmaxCrossEntropy one-hot", shapes: [[3, 4]], range: -3...3) {
        softmaxCrossEntropy(logits: $0[0], labels: Tensor([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]))
    },
    OpCase(name: "softmaxCrossEntropy indices", shapes: [[3, 4]], range: -3...3) {
        softmaxCrossEntropy(logits: $0[0], classIndices: [2, 0, 3])
    },
    OpCase(name: "halfSumOfSquares", shapes: [[3, 2]], range: anywhere) {
        halfSumOfSquares(predictions: $0[0], targets: Tensor([[1, 0], [0, 1], [0.5, 0.5]]))
    },
    OpCase(name: "meanSquaredError", shapes: [[2, 3]], range: anywhere) {
        meanSquaredError(predictions: $0[0], targets: Tensor([[1, 0, 2], [0, 1, -1]]))
    },
    OpCase(name: "maximum broadcast", shapes: [[2, 3], [3]], range: anywhere) { maximum($0[0], $0[1]) * $0[0] },
    OpCase(name: "minimum", shapes: [[4], [4]], range: anywhere) { minimum($0[0], $0[1]) * $0[1] },
    OpCase(name: "clamp", shapes: [[6]], range: anywhere) { clamp($0[0], min: -0.7, max: 0.9) * $0[0] },
    OpCase(name: "variance axis 1", shapes: [[3, 4]], range: anywhere) { $0[0].variance(alongAxes: [1]) },
    OpCase(name: "standardDeviation kept", shapes: [[2, 5]], range: anywhere) {
        $0[0].standardDeviation(alongAxes: [0, 1], keepingDimensions: true)
    },
    OpCase(name: "gather axis 0 with repeats", shapes: [[4, 3]], range: anywhere) {
        $0[0].gathering(alongAxis: 0, indices: [2, 0, 2, 3]) * $0[0].gathering(alongAxis: 0, indices: [1, 1, 0, 3])
    },
    OpCase(name: "gather axis −1", shapes: [[2, 5]], range: anywhere) { sin($0[0].gathering(alongAxis: -1, indices: [4, 1])) },
    OpCase(name: "stacked, split", shapes: [[2, 3], [2, 3]], range: anywhere) {
        let parts = stacked([$0[0], $0[1] * $0[0]], alongAxis: 1).split(sizes: [1, 1], alongAxis: 1)
        return parts[0] * parts[1]
    },
    OpCase(name: "expandingShape, squeezingShape, flattened", shapes: [[3, 2]], range: anywhere) {
        tanh($0[0].expandingShape(at: 1).squeezingShape(at: 1).flattened()) * $0[0].flattened()
    },
    OpCase(name: "dropout", shapes: [[4, 5]], range: anywhere) {
        var rng = SeededGenerator(seed: 11)
        return dropout($0[0] * $0[0], rate: 0.4, using: &rng)
    },
    OpCase(name: "broadcast", shapes: [[3, 1]], range: anywhere) { $0[0].broadcast(toShape: [2, 3, 4]) },
    OpCase(name: "sum(toShape:)", shapes: [[2, 3, 4]], range: anywhere) { $0[0].sum(toShape: [3, 1]) },
    OpCase(name: "slice", shapes: [[3, 5]], range: anywhere) { $0[0].slice(1..<4, alongAxis: 1) },
    OpCase(name: "padded", shapes: [[2, 3]], range: anywhere) { $0[0].padded(alongAxis: 0, before: 1, after: 2) },
    OpCase(name: "subscript [1..., ..., ::−2] and newAxis", shapes: [[3, 2, 5]], range: anywhere) {
        $0[0][1..., ..., .stride(by: -2)][.newAxis, .ellipsis, 0] * $0[0][0, .all, 1..<4].sum()
    },
    OpCase(name: "subscript index and ellipsis", shapes: [[2, 3, 4]], range: anywhere) { sin($0[0][1, ..., 2...]) },
    OpCase(name: "padded(with:) two axes, constant 0.5", shapes: [[2, 3]], range: anywhere) {
        $0[0].padded(with: [(1, 0), (2, 1)], value: 0.5) * $0[0].padded(with: [(0, 1), (0, 3)])
    },
    OpCase(name: "select with a scalar branch", shapes: [[2, 3]], range: anywhere) {
        select($0[0] .> 0, $0[0] * $0[0], 0.25) + select($0[0] .<= 0.5, -1, sin($0[0]))
    },
    OpCase(name: "custom with a differentiable VJP", shapes: [[2, 3]], range: anywhere) { cube($0[0]) },
    OpCase(name: "composite: 2-layer network", shapes: [[4, 3], [3, 5], [5], [5, 2]], range: anywhere) {
        let h = tanh(matmul($0[0], $0[1]).addingBias($0[2]))
        return (sigmoid(matmul(h, $0[3])) * 2 + 1).sum(alongAxes: [1])
    },
] + convolutionCases

@Suite("Every op: central finite differences and the adjoint identity, in Double")
struct OpCheckTests {
    @Test("∇ tape = central finite differences (relative ≤ 1e-7)", arguments: opCases)
    func finiteDifferences(_ op: OpCase) {
        for seed: UInt64 in [1, 2] {
            let report = checkGradients(at: op.inputs(seed: seed), seed: seed, op.f)
            #expect(report.passes(tolerance: 1e-7), "\(report)")
            #expect(report.count == op.shapes.reduce(0) { $0 + $1.reduce(1, *) })
        }
    }

    @Test("⟨J·u, v⟩ = ⟨u, Jᵀ·v⟩ with seeded random directions (relative ≤ 1e-7)", arguments: opCases)
    func adjointIdentity(_ op: OpCase) {
        let report = checkAdjointIdentity(at: op.inputs(seed: 3), seed: 3, op.f)
        #expect(report.relativeDifference <= 1e-7, "\(report)")
        #expect(report.reverse != 0)
    }

    @Test("Float: the same checks hold with Float's step (relative ≤ 1e-2)")
    func float() {
        var g = SeededGenerator(seed: 4)
        let x = Tensor<Float>(randomUniform: [3, 4], lower: 0.5, upper: 2, using: &g)
        let w = Tensor<Float>(randomUniform: [4, 2], lower: -1, upper: 1, using: &g)
        let report = checkGradients(at: [x, w]) { v in (log(v[0]) * 2).matmul(v[1]).sum() }
        #expect(report.passes(tolerance: 1e-2), "\(report)")
    }

    @Test("a wrong VJP is caught: the check can fail")
    func checkCanFail() {
        let wrong = CustomOperation<Double>(
            name: "cube with a wrong VJP", forward: { x in x[0] * x[0] * x[0] },
            vjp: { x, _, g in [g * x[0] * x[0] * 2] })  // should be 3x²
        let report = checkGradients(at: [Tensor([0.5, 1.5])]) { v in wrong(v[0]).sum() }
        #expect(!report.passes(tolerance: 1e-3))
        #expect(report.worst.first.map { Swift.abs($0.numerical - $0.analytical) > 0.1 } == true)
        let identity = checkAdjointIdentity(at: [Tensor([0.5, 1.5])]) { v in wrong(v[0]) }
        #expect(identity.relativeDifference > 0.1)
    }
}
