import Testing
@testable import Tensors

@Suite("Tensor: creation, access, shape")
struct TensorTests {
    @Test("nested arrays give row-major storage and the right shape")
    func nestedArrays() {
        let m = Tensor<Double>([[1, 2, 3], [4, 5, 6]])
        #expect(m.shape == [2, 3])
        #expect(m.scalars == [1, 2, 3, 4, 5, 6])
        #expect(m[1, 2] == 6)
        let c = Tensor<Float>([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])
        #expect(c.shape == [2, 2, 2])
        #expect(c[1, 0, 1] == 6)
        #expect(Tensor<Double>([1, 2]).shape == [2])
    }

    @Test("rank 0 holds one scalar")
    func rankZero() {
        let s = Tensor<Double>(3.5)
        #expect(s.shape == [])
        #expect(s.rank == 0)
        #expect(s.scalar == 3.5)
        #expect(s.description == "3.5")
    }

    @Test("zeros, ones, filled, identity")
    func factories() {
        #expect(Tensor<Double>(zeros: [2, 2]).scalars == [0, 0, 0, 0])
        #expect(Tensor<Float>(ones: [3]).scalars == [1, 1, 1])
        #expect(Tensor<Double>(repeating: 7, shape: [1, 2]).scalars == [7, 7])
        #expect(Tensor<Double>.identity(3).scalars == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(Tensor<Double>(zeros: [0, 3]).count == 0)
    }

    @Test("element writes copy on write: the original is untouched")
    func copyOnWrite() {
        let a = Tensor<Double>([[1, 2], [3, 4]])
        var b = a
        b[0, 1] = 9
        #expect(a[0, 1] == 2)
        #expect(b[0, 1] == 9)
    }

    @Test("reshaped keeps order; −1 is inferred")
    func reshape() {
        let a = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(a.reshaped(to: [3, 2]).scalars == a.scalars)
        #expect(a.reshaped(to: [-1]).shape == [6])
        #expect(a.reshaped(to: [3, -1]).shape == [3, 2])
    }

    @Test("transposed: 2-D and general permutations")
    func transpose() {
        let a = Tensor<Double>([[1, 2, 3], [4, 5, 6]])
        #expect(a.transposed() == Tensor([[1, 4], [2, 5], [3, 6]]))
        let t = Tensor<Double>(shape: [2, 3, 4], scalars: (0..<24).map(Double.init))
        let p = t.transposed(permutation: [1, 2, 0])
        #expect(p.shape == [3, 4, 2])
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { #expect(p[j, k, i] == t[i, j, k]) } } }
        // A large matrix exercises the blocked path.
        let big = Tensor<Float>(randomUniform: [67, 45], seed: 3)
        let bt = big.transposed()
        #expect(bt[44, 66] == big[66, 44] && bt[10, 3] == big[3, 10])
        #expect(bt.transposed() == big)
    }

    @Test("equality is IEEE; bitwise identity distinguishes −0 and matches NaN")
    func equality() {
        #expect(Tensor<Double>([0.0]) == Tensor([-0.0]))
        #expect(!Tensor<Double>([0.0]).isBitwiseIdentical(to: Tensor([-0.0])))
        #expect(Tensor<Double>([.nan]) != Tensor([.nan]))
        #expect(Tensor<Double>([.nan]).isBitwiseIdentical(to: Tensor([.nan])))
        #expect(Tensor<Double>([1, 2]) != Tensor([[1, 2]]))
    }

    @Test("description nests like NumPy for small tensors")
    func description() {
        #expect(Tensor<Double>([[1, 2], [3, 4]]).description == "[[1.0, 2.0],\n [3.0, 4.0]]")
        #expect(Tensor<Float>(zeros: [2000]).description.hasPrefix("Tensor<Float>(shape: [2000]"))
    }

    @Test("concatenate and slice are inverse")
    func concatenateSlice() {
        let a = Tensor<Double>([[1, 2], [3, 4]])
        let b = Tensor<Double>([[5], [6]])
        let c = concatenate([a, b], alongAxis: 1)
        #expect(c == Tensor([[1, 2, 5], [3, 4, 6]]))
        #expect(c.slice(0..<2, alongAxis: 1) == a)
        #expect(c.slice(2..<3, alongAxis: -1) == b)
        #expect(concatenate([a, a], alongAxis: 0).shape == [4, 2])
    }

    @Test("converted rounds to the other scalar type")
    func converted() {
        let a = Tensor<Double>([0.1, 2])
        #expect(a.converted(to: Float.self).scalars == [Float(0.1), 2])
    }
}
