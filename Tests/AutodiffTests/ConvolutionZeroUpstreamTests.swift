import Testing
import Autodiff
import Tensors

@Suite("Convolution rules keep Note [Zero upstream]")
struct ConvolutionZeroUpstreamTests {
    @Test("x̄ = conv2dTranspose(ȳ, w) is exactly 0 where ȳ = 0, even against an infinite weight (the masked direct path)")
    func zeroUpstreamAgainstInfinity() {
        let tape = Tape<Double>()
        var ws = [Double](repeating: 0.5, count: 2 * 1 * 3 * 3)
        ws[13] = .infinity  // channel 1, centre tap
        let x = tape.variable(Tensor<Double>(randomUniform: [1, 1, 4, 4], lower: 0.5, upper: 1, seed: 1))
        let w = tape.variable(Tensor(shape: [2, 1, 3, 3], scalars: ws))
        let y = conv2d(x, w, padding: 1)
        // ȳ is 1 on output channel 0 and exactly 0 on channel 1, whose weight holds the ∞.
        var mask = [Double](repeating: 0, count: 2 * 16)
        for i in 0..<16 { mask[i] = 1 }
        let grads = tape.gradient(of: (y * tape.constant(Tensor(shape: [1, 2, 4, 4], scalars: mask))).sum(), wrt: [x, w])
        #expect(grads[0].scalars.allSatisfy { $0.isFinite }, "x̄ \(grads[0])")
        #expect(grads[1].scalars.allSatisfy { $0.isFinite })
        // Against the same weight without the ∞ (channel 1 contributes nothing either way).
        ws[13] = 7
        let tape2 = Tape<Double>()
        let x2 = tape2.variable(x.value), w2 = tape2.variable(Tensor(shape: [2, 1, 3, 3], scalars: ws))
        let y2 = conv2d(x2, w2, padding: 1)
        let finite = tape2.gradient(of: (y2 * tape2.constant(Tensor(shape: [1, 2, 4, 4], scalars: mask))).sum(), wrt: [x2])[0]
        #expect(grads[0] == finite)
    }
}
