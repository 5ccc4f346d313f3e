import Testing
import TestSupport
import Autodiff
import Tensors

/// The README's example, verbatim in substance: if it stops compiling or its claims stop
/// holding, this test fails.
@Suite("README example")
struct ReadmeExampleTests {
    @Test("the README example runs and its gradient check passes")
    func readme() {
        let tape = Tape<Double>()
        let W = tape.variable(Tensor<Double>(shape: [2, 2], scalars: [0.5, -0.4, 0.3, 0.8]))
        let b = tape.variable(Tensor<Double>(shape: [1, 2], scalars: [0.1, -0.1]))
        let x = tape.constant(Tensor<Double>([[0, 1], [1, 0]]))
        let z = matmul(x, W) + b
        let a = sigmoid(z)
        let loss = (a * a).sum() * 0.5 + log(a).mean()
        let g = tape.gradient(of: loss, wrt: [W, b, z])
        #expect(loss.value.shape == [])
        #expect(g.map(\.shape) == [[2, 2], [1, 2], [2, 2]])
        let report = checkGradients(at: [W.value, b.value]) { p in
            let z = matmul(p[0].tape.constant(x.value), p[0]) + p[1]
            return (sigmoid(z) * sigmoid(z)).sum() * 0.5
        }
        #expect(report.relativeDifference < 1e-8)
        let whole = checkGradients(at: [W.value, b.value]) { p in
            let a = sigmoid(matmul(p[0].tape.constant(x.value), p[0]) + p[1])
            return (a * a).sum() * 0.5 + log(a).mean()
        }
        #expect(whole.passes(tolerance: 1e-8))
        let dot = tape.graphviz(of: loss, naming: ["W": W, "b": b, "x": x])
        let trace = tape.trace(of: loss, naming: ["W": W, "z": z])
        #expect(trace.contains("∂/∂W\n    ← matmul #") && trace.contains("∂/∂z\n    ← sigmoid #"), "\(trace)")
        tape.anomalyDetection = .collect
        _ = log(x)
        #expect(tape.firstAnomaly!.description.hasPrefix("log at AutodiffTests/ReadmeExampleTests.swift:"))
        #expect(tape.firstAnomaly!.description.contains("produced -inf at [0, 0]"))
        tape.anomalyDetection = .off
        #expect(dot.hasPrefix("digraph tape {") && dot.contains("label=\"W\\n#0 variable\\n[2, 2]\""))
        let svg = tape.svg(of: loss, naming: ["W": W, "b": b, "x": x])
        let drawing = XMLElements(svg)
        #expect(drawing.failure == nil)
        let boxes = drawing.all("g", class: "node").map { drawing.texts(of: "tspan", in: $0) }
        #expect(boxes.contains { $0.prefix(3) == ["W", "#0 variable", "[2, 2]"] && $0.last?.hasPrefix("‖adjoint‖ = ") == true })
        #expect(boxes.contains(["x", "#2 constant", "[2, 2]"]) && boxes.count == dot.components(separatedBy: "[label=").count - 1)
        let softplus = CustomOperation<Double>(
            name: "softplus", forward: { x in log(exp(x[0]) + 1) },
            vjp: { x, _, upstream in [upstream * sigmoid(x[0])] })
        let y = softplus(z).sum()
        #expect(tape.gradient(of: y, wrt: [z])[0] == sigmoid(z.value))

        // Higher order, as in the README.
        let gW = tape.gradient(of: loss, wrt: [W], creatingGraph: true)[0]
        let penalty = (gW * gW).sum()
        let dPenalty = tape.gradient(of: penalty, wrt: [W])[0]
        #expect(gW.value == g[0] && dPenalty.shape == [2, 2])
        let v = Tensor<Double>(ones: [2, 2])
        let hv = hessianVectorProduct(at: W.value, along: v) { W in
            let z = matmul(W.tape.constant(x.value), W) + W.tape.constant(b.value)
            return (sigmoid(z) * sigmoid(z)).sum() * 0.5
        }
        #expect(hv.shape == [2, 2] && hv.scalars.allSatisfy(\.isFinite))
        let (yValue, jv) = valueWithDifferential(at: W.value, along: v) { W in sigmoid(W) }
        #expect(yValue == sigmoid(W.value) && jv == sigmoid(W.value) * (1 - sigmoid(W.value)))
    }
}
