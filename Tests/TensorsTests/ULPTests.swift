import Testing
import Tensors

@Suite("ulpDistance and ElementwiseDifference")
struct ULPTests {
    @Test("ulps: equal values and ±0 are 0 apart; neighbours are 1 apart")
    func basics() {
        #expect(ulpDistance(1.0, 1.0) == 0)
        #expect(ulpDistance(-0.0, 0.0) == 0)
        #expect(ulpDistance(0.0, -0.0) == 0)
        #expect(ulpDistance(1.0, 1.0.nextUp) == 1)
        #expect(ulpDistance(1.0.nextDown, 1.0) == 1)
        #expect(ulpDistance(Float(3), Float(3).nextUp.nextUp) == 2)
        #expect(ulpDistance(-2.5, (-2.5).nextDown) == 1)
    }

    @Test("ulps: symmetric, and counted across zero through both signs")
    func acrossZero() {
        let tiny = Double.leastNonzeroMagnitude
        #expect(ulpDistance(-tiny, tiny) == 2)
        #expect(ulpDistance(tiny, -tiny) == 2)
        #expect(ulpDistance(-tiny, 0.0) == 1)
        #expect(ulpDistance(1.0, -1.0) == 2 * ulpDistance(0.0, 1.0))
        #expect(ulpDistance(0.0, 1.0) == 0x3FF0_0000_0000_0000)
        #expect(ulpDistance(3.0, 7.0) == ulpDistance(7.0, 3.0))
    }

    @Test("ulps: infinities are one past the largest finite value; NaN is infinitely far")
    func specials() {
        #expect(ulpDistance(Double.greatestFiniteMagnitude, .infinity) == 1)
        #expect(ulpDistance(-Double.infinity, .infinity) == UInt64(0x7FF0_0000_0000_0000) * 2)
        #expect(ulpDistance(Double.nan, 1.0) == UInt64.max)
        #expect(ulpDistance(Float.nan, Float.nan) == UInt64.max)
    }

    @Test("difference: max |Δ|, ∞-norm relative and max ulps of a tensor from a reference")
    func tensorDifference() {
        let r = Tensor<Double>([[1, -4], [0, 2]])
        let x = Tensor<Double>([[1, -4.0.nextDown], [-0.0, 2.5]])
        let d = x.difference(from: r)
        #expect(d.maxAbsolute == 0.5)
        #expect(d.relative == 0.5 / 4)
        #expect(d.maxULPs == ulpDistance(2.5, 2.0))
        #expect(d.count == 4)
        #expect(!d.isExact)
        #expect(r.difference(from: r) == .zero(count: 4))
        #expect(Tensor<Double>([0.0]).difference(from: Tensor([-0.0])).isExact)
        #expect(Tensor<Double>([1e-300]).difference(from: Tensor([0.0])).relative == .infinity)
    }
}
