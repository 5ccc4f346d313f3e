import Testing
@testable import Tensors

@Suite("Reductions and softmax")
struct ReductionTests {
    let a = Tensor<Double>([[1, 2, 3], [4, 5, 6]])

    @Test("sum and mean: all elements and along axes, with and without kept dimensions")
    func sums() {
        #expect(a.sum() == Tensor(21))
        #expect(a.mean() == Tensor(3.5))
        #expect(a.sum(alongAxes: [0]) == Tensor([5, 7, 9]))
        #expect(a.sum(alongAxes: [1]) == Tensor([6, 15]))
        #expect(a.sum(alongAxes: [-1], keepingDimensions: true) == Tensor([[6], [15]]))
        #expect(a.sum(alongAxes: [0, 1]) == Tensor(21))
        #expect(a.mean(alongAxes: [0]) == Tensor([2.5, 3.5, 4.5]))
        let t = Tensor<Double>(shape: [2, 3, 2], scalars: (1...12).map(Double.init))
        #expect(t.sum(alongAxes: [1]) == Tensor([[9, 12], [27, 30]]))
        let expected: [Double] = [18, 26, 34]  // 1+2+7+8, 3+4+9+10, 5+6+11+12
        #expect(t.sum(alongAxes: [0, 2], keepingDimensions: true).scalars == expected)
        #expect(Tensor<Double>(2).sum(alongAxes: []) == Tensor(2))
    }

    @Test("sum(toShape:) undoes broadcasting")
    func sumToShape() {
        #expect(a.sum(toShape: [3]) == Tensor([5, 7, 9]))
        #expect(a.sum(toShape: [2, 1]) == Tensor([[6], [15]]))
        #expect(a.sum(toShape: []) == Tensor(21))
        #expect(a.sum(toShape: [1, 3]) == Tensor([[5, 7, 9]]))
    }

    @Test("max along an axis returns the first index of the maximum; NaN propagates")
    func maxima() {
        let m = Tensor<Double>([[1, 7, 7], [9, 2, 3]])
        let (v, i) = m.maxWithIndices(alongAxis: 1)
        #expect(v == Tensor([7, 9]))
        #expect(i == [1, 0])
        #expect(m.max(alongAxis: 0, keepingDimensions: true) == Tensor([[9, 7, 7]]))
        #expect(Tensor<Double>([1, .nan, 3]).max(alongAxis: 0).scalar.isNaN)
    }

    @Test("softmax and log-softmax are stable for huge logits")
    func softmaxStable() {
        let z = Tensor<Double>([[1000, 1000], [0, -1000]])
        let s = z.softmax(alongAxis: 1)
        #expect(s.scalars == [0.5, 0.5, 1, 0])
        let l = z.logSoftmax(alongAxis: 1)
        #expect(Swift.abs(l[0, 0] - (-0.6931471805599453)) < 1e-15)
        #expect(l[1, 1] == -1000)
        #expect(!l.scalars.contains { $0.isNaN })
        let rows = Tensor<Double>([[1, 2, 3]]).softmax().sum(alongAxes: [1])
        #expect(Swift.abs(rows.scalars[0] - 1) < 1e-15)
    }
}
