import Testing
import Tensors
@testable import Autodiff

// The benchmark's scalar chain, checked for its value so that a faster tape is still right.

@Suite("Scalar chain (the tape-overhead benchmark's workload)")
struct ScalarChainTests {
    @Test("y = ((x·c + d)·c + d)…: ∂y/∂x = cⁿ")
    func chainGradient() {
        let tape = Tape<Double>()
        let x = tape.variable(Tensor(1.5))
        var y = x
        for _ in 0..<10 { y = y * 0.5 + 0.25 }
        let g = tape.gradient(of: y, wrt: [x])
        #expect(g[0].scalar == 1.0 / 1024)
    }
}
