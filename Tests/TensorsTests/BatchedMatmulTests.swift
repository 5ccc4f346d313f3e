import Testing
@testable import Tensors

@Suite("matmul on stacks of matrices: batch axes broadcast, each batch the rank-2 product")
struct BatchedMatmulTests {
    /// Batch `t` (row-major over the leading axes) of a stack of matrices.
    func matrix(_ x: Tensor<Double>, _ t: Int) -> Tensor<Double> {
        let (r, c) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
        return Tensor(shape: [r, c], scalars: Array(x.scalars[(t * r * c)..<((t + 1) * r * c)]))
    }

    @Test("[2, 3, 4]·[2, 4, 5], [2, 3, 4]·[4, 5], [1, 3, 4]·[2, 4, 5] and transposes: bit for bit the per-batch products")
    func perBatch() {
        let a = Tensor<Double>(randomUniform: [2, 3, 4], lower: -1, upper: 1, seed: 1)
        let b = Tensor<Double>(randomUniform: [2, 4, 5], lower: -1, upper: 1, seed: 2)
        let c = matmul(a, b)
        #expect(c.shape == [2, 3, 5])
        for t in 0..<2 { #expect(matrix(c, t).isBitwiseIdentical(to: matmul(matrix(a, t), matrix(b, t)))) }
        let w = Tensor<Double>(randomUniform: [4, 5], lower: -1, upper: 1, seed: 3)
        let d = matmul(a, w)
        for t in 0..<2 { #expect(matrix(d, t).isBitwiseIdentical(to: matmul(matrix(a, t), w))) }
        let one = Tensor<Double>(randomUniform: [1, 3, 4], lower: -1, upper: 1, seed: 4)
        let e = matmul(one, b)
        #expect(e.shape == [2, 3, 5])
        for t in 0..<2 { #expect(matrix(e, t).isBitwiseIdentical(to: matmul(matrix(one, 0), matrix(b, t)))) }
        let k = Tensor<Double>(randomUniform: [2, 5, 4], lower: -1, upper: 1, seed: 5)
        let qk = matmul(a, k, transposingB: true)
        for t in 0..<2 { #expect(matrix(qk, t).isBitwiseIdentical(to: matmul(matrix(a, t), matrix(k, t), transposingB: true))) }
        #expect(broadcastOffsets(from: [1, 3], to: [2, 3], step: 10) == [0, 10, 20, 0, 10, 20])
    }

    @Test("batch axes that do not broadcast stop with both shapes")
    func mismatch() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = matmul(Tensor<Double>(zeros: [2, 3, 4]), Tensor<Double>(zeros: [3, 4, 5]))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("matmul: shapes [2, 3, 4] and [3, 4, 5]: the batch axes do not broadcast"), "\(text)")
        }
    }
}
