import Foundation
import Testing
import Autodiff
import Tensors

/// 0, 1, 2, … in row-major order: every element's value is its flat offset, so a selection's
/// expected values can be read off by hand.
func arange(_ shape: [Int]) -> Tensor<Double> {
    Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map(Double.init))
}

@Suite("NumPy-style subscripts, multi-axis padding and comparison masks")
struct SlicingTests {
    @Test("subscripts select what NumPy selects (values worked out by hand on arange)")
    func numpySemantics() {
        let x = arange([2, 3, 4])   // x[i, j, k] = 12i + 4j + k
        #expect(x[1, ...] == Tensor([[12, 13, 14, 15], [16, 17, 18, 19], [20, 21, 22, 23]]))
        #expect(x[0..<2, ..., 1] == Tensor([[1, 5, 9], [13, 17, 21]]))           // NumPy x[0:2, ..., 1]
        #expect(x[..., 3] == Tensor([[3, 7, 11], [15, 19, 23]]))
        #expect(x[1, ..., 2...] == Tensor([[14, 15], [18, 19], [22, 23]]))
        #expect(x[-1, -1, .ellipsis] == Tensor([20, 21, 22, 23]))
        #expect(x[0, .stride(by: -1), 0] == Tensor([8, 4, 0]))                  // x[0, ::-1, 0]
        #expect(x[0, 0, .stride(from: 3, to: 0, by: -2)] == Tensor([3, 1]))        // x[0, 0, 3:0:-2]
        #expect(x[0, 0, .stride(from: 1, by: 2)] == Tensor([1, 3]))                // x[0, 0, 1::2]
        #expect(x[.all, 1...2, ..<1].shape == [2, 2, 1] && x[.all, 1...2, ..<1].scalars == [4, 8, 16, 20])
        #expect(x[0, 0, ...2] == Tensor([0, 1, 2]) && x[0, 0, -3...(-1)] == Tensor([1, 2, 3]))
        #expect(x[.newAxis, 1, .ellipsis, .newAxis].shape == [1, 3, 4, 1])
        #expect(x[0, 5..<9].shape == [0, 4])                                      // clamped, as in Python
        #expect(x[0, 1, 2] == 6)                                                 // all Ints: one scalar
    }

    @Test("a variable's subscript records slices and gathers: the gradient puts ȳ back where it was taken")
    func gradientScattersBack() {
        let tape = Tape<Double>()
        let x = tape.variable(arange([3, 4]))
        let y = x[.stride(from: 2, by: -2), 1...]     // rows 2, 0; columns 1, 2, 3
        #expect(y.value == Tensor([[9, 10, 11], [1, 2, 3]]))
        let g = tape.gradient(of: (y * tape.constant(Tensor([[1, 2, 3], [4, 5, 6]]))).sum(), wrt: [x])[0]
        #expect(g == Tensor([[0, 4, 5, 6], [0, 0, 0, 0], [0, 1, 2, 3]]))
    }

    @Test("padded(with:) pads several axes with a constant; its adjoint is the block where x sits")
    func multiAxisPadding() {
        let x = Tensor<Double>([[1, 2], [3, 4]])
        #expect(x.padded(with: [(1, 0), (0, 2)], value: 9) == Tensor([[9, 9, 9, 9], [1, 2, 9, 9], [3, 4, 9, 9]]))
        let tape = Tape<Double>()
        let v = tape.variable(x)
        let p = v.padded(with: [(1, 0), (0, 2)], value: 9)
        #expect(p.value == x.padded(with: [(1, 0), (0, 2)], value: 9))
        let g = tape.gradient(of: (p * tape.constant(arange([3, 4]))).sum(), wrt: [v])[0]
        #expect(g == Tensor([[4, 5], [8, 9]]))
    }

    @Test("comparisons give 0/1 masks with broadcasting; NaN compares false; masks drive select")
    func comparisons() {
        let a = Tensor<Double>([[1, 2, 3], [4, 5, 6]]), b = Tensor<Double>([3, 2, 1])
        #expect((a .> b) == Tensor([[0, 0, 1], [1, 1, 1]]))
        #expect((a .<= 2) == Tensor([[1, 1, 0], [0, 0, 0]]) && (2 .< a) == Tensor([[0, 0, 1], [1, 1, 1]]))
        #expect((a .== b) == Tensor([[0, 1, 0], [0, 0, 0]]) && (a .!= b).nonzeroCount == 5)
        let n = Tensor<Double>([.nan, 1])
        #expect((n .== n) == Tensor([0, 1]) && (n .!= n) == Tensor([1, 0]) && (n .> 0) == Tensor([0, 1]))
        // Docs/Operators.md's example: a finite gradient at 0 and below.
        let tape = Tape<Double>()
        let x = tape.variable(Tensor([0, 2, -1]))
        let y = select(x .> 0, log(x), 0).sum()
        let g = tape.gradient(of: y, wrt: [x])[0]
        #expect(y.value.scalar == Double.log(2) && g == Tensor([0, 0.5, 0]))
    }

    @Test("a bad subscript stops naming the subscript, the shape and the caller's line")
    func badSubscript() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = arange([2, 3])[0, 3, .ellipsis]
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("subscript: shape [2, 3]: index 3 is out of range for axis 1 of size 3 (at AutodiffTests/SlicingTests.swift:"), "\(text)")
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let tape = Tape<Double>()
            _ = tape.variable(arange([2, 3]))[.ellipsis, 0, .ellipsis]
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("more than one ellipsis"), "\(text)")
        }
    }
}

@Suite("Errors name the op the user called")
struct UserFacingErrorTests {
    @Test("softmax, logSoftmax and logSumExp with a bad axis name themselves, not max")
    func softmaxAxis() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let tape = Tape<Double>()
            _ = softmax(tape.variable(Tensor(zeros: [2, 3])), alongAxis: 2)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("softmax: shape [2, 3]: axis 2 is out of range for rank 2 (at AutodiffTests/SlicingTests.swift:"), "\(text)")
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = logSoftmax(Tensor<Double>(zeros: [4]), alongAxis: -2)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("logSoftmax: shape [4]: axis -2 is out of range for rank 1"), "\(text)")
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let tape = Tape<Double>()
            _ = logSumExp(tape.variable(Tensor(zeros: [2, 3])), alongAxis: 5)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("logSumExp: shape [2, 3]: axis 5 is out of range for rank 2"), "\(text)")
        }
    }

    @Test("the regression losses speak of predictions and targets")
    func regressionWords() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let tape = Tape<Double>()
            _ = halfSumOfSquares(predictions: tape.variable(Tensor(zeros: [2, 3])), targets: Tensor(zeros: [3, 2]))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("halfSumOfSquares: shapes [2, 3] and [3, 2]: targets must have the predictions' shape"), "\(text)")
        }
    }
}

@Suite("Slice adjoints are added into place (Note [Slice adjoints])")
struct SliceAdjointTests {
    /// L = Σₜ wₜ·Σ tanh(x[:, t, :]) + Σ x[:, 1..<3, :]² over overlapping and repeated slices of x.
    static func loss(_ x: Variable<Double>) -> Variable<Double> {
        var total = (x.slice(1..<3, alongAxis: 1) * x.slice(1..<3, alongAxis: 1)).sum()
        for t in 0..<x.shape[1] { total = total + tanh(x.slice(t..<(t + 1), alongAxis: 1)).sum() * Double(t + 1) }
        return total + x.slice(0..<2, alongAxis: 2).slice(2..<4, alongAxis: 1).sum() * 0.5
    }

    @Test("the eager pass equals the padded (recorded and anomaly-checked) passes and the closed form")
    func samePath() {
        let value = Tensor<Double>(randomNormal: [3, 5, 4], seed: 11)
        let tape = Tape<Double>()
        let x = tape.variable(value)
        let l = Self.loss(x)
        let eager = tape.gradient(of: l, wrt: [x])[0]
        let recorded = tape.gradient(of: l, wrt: [x], creatingGraph: true)[0].value
        #expect(eager == recorded)
        let checked = Tape<Double>()
        checked.anomalyDetection = .collect
        let y = checked.variable(value)
        #expect(checked.gradient(of: Self.loss(y), wrt: [y])[0] == eager)
        // By hand: ∂/∂x[b,t,c] = (t+1)(1 − tanh²) + 2x for t ∈ 1..<3 + 0.5 for t ∈ 2..<4, c < 2.
        var expected = [Double]()
        for (i, v) in value.scalars.enumerated() {
            let t = i / 4 % 5, c = i % 4
            let th = Foundation.tanh(v)
            expected.append(Double(t + 1) * (1 - th * th) + ((1..<3).contains(t) ? 2 * v : 0) + ((2..<4).contains(t) && c < 2 ? 0.5 : 0))
        }
        let hand = Tensor(shape: value.shape, scalars: expected)
        #expect(zip(eager.scalars, hand.scalars).allSatisfy { Swift.abs($0 - $1) <= 1e-14 })
    }

    @Test("first and second order pass finite differences through many slices")
    func finiteDifferences() {
        let x = Tensor<Double>(randomNormal: [2, 4, 3], seed: 12)
        #expect(checkGradients(at: [x]) { Self.loss($0[0]) }.passes(tolerance: 1e-7))
        let second = checkGradients(at: [x]) { v in
            let g = v[0].tape.gradient(of: Self.loss(v[0]), wrt: [v[0]], creatingGraph: true)[0]
            return (g * g).sum()
        }
        #expect(second.passes(tolerance: 1e-6), "\(second)")
    }

    @Test("addInPlace(_:atOffset:alongAxis:) adds into the region; a region that does not fit stops")
    func addIntoRegion() async {
        var x = Tensor<Double>(zeros: [2, 4])
        x.addInPlace(Tensor([[1, 2], [3, 4]]), atOffset: 1, alongAxis: 1)
        x.addInPlace(Tensor([[10], [20]]), atOffset: 2, alongAxis: 1)
        #expect(x == Tensor([[0, 1, 12, 0], [0, 3, 24, 0]]))
        x.addInPlace(Tensor<Double>(zeros: [2, 0]), atOffset: 4, alongAxis: 1)  // empty: nothing to add
        await #expect(processExitsWith: .failure) {
            var y = Tensor<Double>(zeros: [2, 4])
            y.addInPlace(Tensor<Double>(zeros: [2, 2]), atOffset: 3, alongAxis: 1)
        }
    }
}
