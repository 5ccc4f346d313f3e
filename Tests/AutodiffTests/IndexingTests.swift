import Testing
import Autodiff
import Tensors

@Suite("Gather, scatter-add, stack, split, reshaping helpers and dropout")
struct IndexingTests {
    @Test("gather picks slices in order with repeats; scatter-add is its adjoint (repeats add up)")
    func gatherScatter() {
        let table = Tensor<Double>([[1, 2], [3, 4], [5, 6]])
        #expect(table.gathering(alongAxis: 0, indices: [2, 0, 2]) == Tensor([[5, 6], [1, 2], [5, 6]]))
        #expect(table.gathering(alongAxis: 1, indices: [1]) == Tensor([[2], [4], [6]]))
        let back = Tensor<Double>([[1, 1], [10, 10], [100, 100]]).scatterAdding(alongAxis: 0, indices: [2, 0, 2], size: 3)
        #expect(back == Tensor([[10, 10], [0, 0], [101, 101]]))
        // ⟨gather(x), y⟩ = ⟨x, scatterAdd(y)⟩ exactly for these integers.
        let g = gradient(at: table) { ($0.gathering(alongAxis: 0, indices: [2, 0, 2]) * Tensor([[1, 1], [10, 10], [100, 100]])).sum() }
        #expect(g == back)
    }

    @Test("an index out of range stops with the op, the shape and the caller's line")
    func gatherOutOfRange() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Double>(zeros: [3, 2]).gathering(alongAxis: 0, indices: [0, 3])
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("gather: shape [3, 2]: index 3 is outside 0..<3 along axis 0 (at AutodiffTests/IndexingTests.swift:"), "\(text)")
        }
    }

    @Test("stacked adds an axis and joins; split undoes concatenate; expand, squeeze and flatten reshape")
    func stackSplit() {
        let tape = Tape<Double>()
        let a = tape.variable(Tensor([1, 2])), b = tape.variable(Tensor([3, 4]))
        let s = stacked([a, b])
        #expect(s.shape == [2, 2] && s.value == Tensor([[1, 2], [3, 4]]))
        #expect(stacked([a, b], alongAxis: -1).value == Tensor([[1, 3], [2, 4]]))
        let parts = concatenate([a, b], alongAxis: 0).split(sizes: [3, 1], alongAxis: 0)
        #expect(parts.map(\.value) == [Tensor([1, 2, 3]), Tensor([4])])
        #expect(a.expandingShape(at: 0).shape == [1, 2] && a.expandingShape(at: -1).shape == [2, 1])
        #expect(s.expandingShape(at: 1).squeezingShape(at: 1).shape == [2, 2] && s.flattened().shape == [4])
    }

    @Test("dropout: the same seed gives the same mask, kept elements scaled by 1/(1 − rate), about rate dropped")
    func dropoutMask() {
        let tape = Tape<Double>()
        let x = tape.variable(Tensor(ones: [100, 100]))
        var g1 = SeededGenerator(seed: 5), g2 = SeededGenerator(seed: 5), g3 = SeededGenerator(seed: 6)
        let y1 = dropout(x, rate: 0.3, using: &g1), y2 = dropout(x, rate: 0.3, using: &g2), y3 = dropout(x, rate: 0.3, using: &g3)
        #expect(y1.value.isBitwiseIdentical(to: y2.value) && !y1.value.isBitwiseIdentical(to: y3.value))
        let kept = y1.value.scalars.filter { $0 != 0 }
        #expect(kept.allSatisfy { $0 == 1 / 0.7 })
        #expect(Swift.abs(Double(kept.count) / 10_000 - 0.7) < 0.02)
        #expect(tape.gradient(of: y1.sum(), wrt: x) == y1.value)  // ∂/∂x is the mask itself
        var g4 = SeededGenerator(seed: 5)
        #expect(dropout(x, rate: 0, using: &g4).index == x.index)
    }
}
