import Testing
import DeltaRule
import Tensors

@Suite("DeltaRuleActivation")
struct ActivationTests {
    @Test("sigmoid: f(z) = σ(z) and f′ = y·(1 − y), the derivative of σ by central differences")
    func sigmoid() {
        let f = DeltaRuleActivation.sigmoid
        for z in [-3.0, -0.5, 0, 0.7, 4] {
            let y: Double = f.value(z)
            #expect(y == sigmoidScalar(z))
            #expect(f.derivative(z: z, y: y) == y * (1 - y))
            let h = 1e-6
            let numerical = (f.value(z + h) - f.value(z - h)) / (2 * h)
            #expect(abs(numerical - f.derivative(z: z, y: y)) < 1e-9)
        }
    }

    @Test("relu: f(z) = max(z, 0) and f′ = 1 for z > 0, 0 otherwise (0 at the kink)")
    func relu() {
        let f = DeltaRuleActivation.relu
        #expect(f.value(-2.0) == 0 && f.value(0.0) == 0 && f.value(1.5) == 1.5)
        #expect(f.derivative(z: -2.0, y: 0) == 0 && f.derivative(z: 0.0, y: 0) == 0)
        #expect(f.derivative(z: 1.5, y: 1.5) == 1)
    }
}
