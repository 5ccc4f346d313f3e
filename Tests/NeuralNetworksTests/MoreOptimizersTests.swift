import Testing
import Autodiff
import NeuralNetworks
import Tensors

@Suite("AdamW, RMSprop, AdaGrad, gradient clipping and learning-rate schedules")
struct MoreOptimizersTests {
    func close(_ a: [Double], _ b: [Double]) -> Bool { zip(a, b).allSatisfy { Swift.abs($0 - $1) <= 1e-12 } && a.count == b.count }

    @Test("one or two steps by hand, in PyTorch's formulations")
    func stepsByHand() {
        let g = Tensor<Double>([0.5, 0.25])
        let p1 = Parameter(name: "w", role: .weight, value: Tensor([1, -2]))
        var adamW = AdamW<Double>(learningRate: 0.1, weightDecay: 0.1)
        adamW.update([p1], along: [g])
        // θ(1 − ηλ), then Adam's first step η·m̂/(√v̂ + ε) with m̂ = g, v̂ = g².
        #expect(close(p1.value.scalars, [0.99 - 0.1 * 0.5 / (0.5 + 1e-8), -1.98 - 0.1 * 0.25 / (0.25 + 1e-8)]))

        let p2 = Parameter(name: "w", role: .weight, value: Tensor([1, -2]))
        var rms = RMSprop<Double>(learningRate: 0.1)
        rms.update([p2], along: [g])
        let v = [0.01 * 0.25, 0.01 * 0.0625]
        #expect(close(p2.value.scalars, [1 - 0.1 * 0.5 / (v[0].squareRoot() + 1e-8), -2 - 0.1 * 0.25 / (v[1].squareRoot() + 1e-8)]))

        let p3 = Parameter(name: "w", role: .weight, value: Tensor([1, -2]))
        var ada = AdaGrad<Double>(learningRate: 0.1)
        ada.update([p3], along: [g])
        ada.update([p3], along: [g])
        let first = [1 - 0.1 * 0.5 / (0.5 + 1e-10), -2 - 0.1 * 0.25 / (0.25 + 1e-10)]
        let second = [first[0] - 0.1 * 0.5 / ((2 * 0.25).squareRoot() + 1e-10), first[1] - 0.1 * 0.25 / ((2 * 0.0625).squareRoot() + 1e-10)]
        #expect(close(p3.value.scalars, second))
    }

    @Test("each minimises a quadratic from the same start")
    func minimise() {
        func run<O: Optimizer>(_ optimizer: inout O) -> Double where O.Scalar == Double {
            let p = Parameter(name: "w", role: .weight, value: Tensor([3, -2]))
            for _ in 0..<300 {
                let grads = gradient(at: [p.value]) { w in ((w[0] - w[0].tape.constant(Tensor([1, 1]))) * (w[0] - w[0].tape.constant(Tensor([1, 1])))).sum() }
                optimizer.update([p], along: grads)
            }
            return p.value.scalars.map { ($0 - 1) * ($0 - 1) }.reduce(0, +)
        }
        var a = AdamW<Double>(learningRate: 0.05, weightDecay: 0)
        var r = RMSprop<Double>(learningRate: 0.01)
        var d = AdaGrad<Double>(learningRate: 0.5)
        let (ea, er, ed) = (run(&a), run(&r), run(&d))
        // From an error of 13: RMSprop's constant-size steps (≈ η near the optimum) leave it hovering.
        #expect(ea < 1e-3 && er < 0.1 && ed < 1e-3, "AdamW \(ea), RMSprop \(er), AdaGrad \(ed)")
    }

    @Test("clipping by the global norm scales every gradient by the same factor, only when above")
    func clipping() {
        let (clipped, norm) = clippedByGlobalNorm([Tensor<Double>([3]), Tensor([[4]])], maxNorm: 1)
        #expect(norm == 5 && close(clipped[0].scalars + clipped[1].scalars, [0.6, 0.8]) && clipped[1].shape == [1, 1])
        let (kept, _) = clippedByGlobalNorm([Tensor<Double>([3, 4])], maxNorm: 10)
        #expect(kept[0] == Tensor([3, 4]))
    }

    @Test("schedules: step, cosine, linear warm-up")
    func schedules() {
        #expect(LearningRateSchedule.constant.multiplier(atStep: 7) == 1)
        let step = LearningRateSchedule.step(every: 10, factor: 0.5)
        #expect([0, 9, 10, 25].map(step.multiplier) == [1, 1, 0.5, 0.25])
        let cosine = LearningRateSchedule.cosine(steps: 100, floor: 0.1)
        #expect(cosine.multiplier(atStep: 0) == 1 && Swift.abs(cosine.multiplier(atStep: 50) - 0.55) < 1e-15)
        #expect(Swift.abs(cosine.multiplier(atStep: 100) - 0.1) < 1e-15 && cosine.multiplier(atStep: 500) == cosine.multiplier(atStep: 100))
        let warm = LearningRateSchedule.warmup(steps: 4, then: .step(every: 2, factor: 0.1))
        #expect(warm.multiplier(atStep: 0) == 0.25 && warm.multiplier(atStep: 3) == 1 && warm.multiplier(atStep: 4) == 1)
        #expect(Swift.abs(warm.multiplier(atStep: 6) - 0.1) < 1e-16)
    }
}
