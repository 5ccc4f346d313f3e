import Testing
@testable import Tensors

@Suite("Arithmetic and broadcasting")
struct ArithmeticTests {
    @Test("broadcast shapes follow NumPy's rules")
    func broadcastShapes() {
        #expect(Shape.broadcast([3, 1], [4]) == [3, 4])
        #expect(Shape.broadcast([2, 1, 3], [5, 1]) == [2, 5, 3])
        #expect(Shape.broadcast([], [2, 2]) == [2, 2])
        #expect(Shape.broadcast([2, 3], [3, 2]) == nil)
        #expect(Shape.broadcast([0], [1]) == [0])
    }

    @Test("element-wise ops with broadcasting, by hand")
    func broadcasting() {
        let a = Tensor<Double>([[1, 2, 3], [4, 5, 6]])
        let row = Tensor<Double>([10, 20, 30])
        let col = Tensor<Double>([[1], [2]])
        #expect(a + row == Tensor([[11, 22, 33], [14, 25, 36]]))
        #expect(a - col == Tensor([[0, 1, 2], [2, 3, 4]]))
        #expect(a * col == Tensor([[1, 2, 3], [8, 10, 12]]))
        #expect(row / Tensor(10) == Tensor([1, 2, 3]))
        #expect(col + row == Tensor([[11, 21, 31], [12, 22, 32]]))
        #expect(-a == Tensor([[-1, -2, -3], [-4, -5, -6]]))
        #expect(2 - a == Tensor([[1, 0, -1], [-2, -3, -4]]))
        #expect(a / 2 == Tensor([[0.5, 1, 1.5], [2, 2.5, 3]]))
        #expect(6 / Tensor<Double>([1, 2, 3]) == Tensor([6, 3, 2]))
        // A rank-3 broadcast against a middle axis exercises the general odometer.
        let t = Tensor<Double>(shape: [2, 1, 3], scalars: [1, 2, 3, 4, 5, 6])
        let u = Tensor<Double>(shape: [2, 1], scalars: [10, 20])
        let r = t + u
        #expect(r.shape == [2, 2, 3])
        #expect(r.scalars == [11, 12, 13, 21, 22, 23, 14, 15, 16, 24, 25, 26])
    }

    @Test("sigmoid is stable: σ(±1000) is exactly 1 and 0")
    func sigmoidStable() {
        let s = sigmoid(Tensor<Double>([-1000, 0, 1000]))
        #expect(s.scalars == [0, 0.5, 1])
        let f = sigmoid(Tensor<Float>([-1000, 1000]))
        #expect(f.scalars == [0, 1])
    }

    @Test("elementary functions, by hand")
    func elementary() {
        let x = Tensor<Double>([1, 4])
        #expect(sqrt(x) == Tensor([1, 2]))
        #expect(square(x) == Tensor([1, 16]))
        #expect(pow(x, 3) == Tensor([1, 64]))
        #expect(relu(Tensor<Double>([-1, 0, 2])) == Tensor([0, 0, 2]))
        #expect(log(exp(Tensor<Double>([0, 1]))) == Tensor([0, 1]))
        #expect(tanh(Tensor<Double>([0])) == Tensor([0]))
    }

    @Test("select takes a where the condition is non-zero")
    func selectValues() {
        let c = Tensor<Double>([1, 0, 1])
        #expect(select(c, Tensor<Double>([1, 2, 3]), Tensor<Double>(0)) == Tensor([1, 0, 3]))
        #expect(Tensor<Double>([-1, 2]).mask { $0 > 0 } == Tensor([0, 1]))
    }

    @Test("matmul, by hand, in all transposition modes")
    func matmulByHand() {
        let a = Tensor<Double>([[1, 2], [3, 4], [5, 6]])  // 3×2
        let b = Tensor<Double>([[1, 0, 2], [0, 1, 3]])  // 2×3
        let ab = Tensor<Double>([[1, 2, 8], [3, 4, 18], [5, 6, 28]])
        #expect(matmul(a, b) == ab)
        #expect(matmul(a.transposed(), b, transposingA: true) == ab)
        #expect(matmul(a, b.transposed(), transposingB: true) == ab)
        #expect(matmul(a.transposed(), b.transposed(), transposingA: true, transposingB: true) == ab)
    }

    @Test("in-place accumulation")
    func addInPlace() {
        var a = Tensor<Double>([1, 2])
        let shared = a
        a.addInPlace(Tensor([10, 20]))
        #expect(a == Tensor([11, 22]))
        #expect(shared == Tensor([1, 2]))
    }
}

@Suite("The forms DESIGN.md lists work on plain tensors")
struct TensorFormsTests {
    @Test("softmax/logSoftmax free functions equal the methods, bit for bit")
    func softmaxFree() {
        let x = Tensor<Double>([[1, 2, 3], [-1, 0, 1000]])
        #expect(softmax(x) == x.softmax(alongAxis: -1))
        #expect(logSoftmax(x, alongAxis: 0) == x.logSoftmax(alongAxis: 0))
        let p = softmax(x).scalars
        // e^0 / (e^−2 + e^−1 + e^0) for the largest entry of the first row, by hand.
        let expected: Double = 1 / (Double.exp(-2) + Double.exp(-1) + 1)
        #expect(Swift.abs(p[2] - expected) < 1e-15)
        #expect(p[5] == 1 && p[3] == 0)
    }

    @Test("x.matmul(W).addingBias(b): [[1, 2]]·[[1, 0], [0, 1], ] + [10, 20] by hand")
    func matmulAddingBias() {
        let x = Tensor<Double>([[1, 2], [3, 4]])
        let w = Tensor<Double>([[1, -1], [0.5, 2]])
        let z = x.matmul(w).addingBias(Tensor([10, 20]))
        #expect(z == Tensor([[12, 23], [15, 25]]))
        #expect(x.matmul(w).addingBias(Tensor([[10, 20]])) == z)
        #expect(x.adding(Tensor([1])) == x + Tensor([1]))
        #expect(x.subtracting(x) == Tensor(zeros: [2, 2]))
        #expect(x.multiplied(by: x) == Tensor([[1, 4], [9, 16]]))
        #expect(x.divided(by: Tensor([2])) == Tensor([[0.5, 1], [1.5, 2]]))
    }

    @Test("sum/mean take axes variadically as well as in an array: x.sum(alongAxes: 0)")
    func variadicAxes() {
        let x = Tensor<Double>([[1, 2, 3], [4, 5, 6]])
        #expect(x.sum(alongAxes: 0) == Tensor([5, 7, 9]))
        #expect(x.sum(alongAxes: 0) == x.sum(alongAxes: [0]))
        #expect(x.sum(alongAxes: 1, keepingDimensions: true) == Tensor([[6], [15]]))
        #expect(x.sum(alongAxes: 0, 1) == Tensor(21.0))
        #expect(x.mean(alongAxes: -1) == Tensor([2, 5]))
    }
}
