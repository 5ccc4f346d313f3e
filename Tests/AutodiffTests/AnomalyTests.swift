import Testing
import Autodiff
import Tensors

@Suite("Anomaly detection: where a NaN or an infinity was born")
struct AnomalyTests {
    @Test("forward: the first op whose output is non-finite while its inputs are not, with the caller's line")
    func forwardBirth() {
        let tape = Tape<Double>()
        tape.anomalyDetection = .collect
        let x = tape.variable(Tensor([1, 0, 2]))
        let y = log(x); let line = #line
        _ = exp(y) * 2  // carries the -inf on: not a new anomaly
        let report = tape.firstAnomaly
        #expect(report?.phase == .forward && report?.operation == "log")
        #expect(report?.site == "AutodiffTests/AnomalyTests.swift:\(line)")
        #expect(report?.index == [1] && report?.value == -.infinity && report?.record == 1)
        #expect(report?.description == "log at AutodiffTests/AnomalyTests.swift:\(line) produced -inf at [1] (shape [3]) from input 0 in [0.0, 2.0]")
    }

    @Test("leaf: data holding a NaN is reported where it was recorded")
    func leafNaN() {
        let tape = Tape<Double>()
        tape.withAnomalyDetection(.collect) {
            _ = tape.constant(Tensor([[1, 2], [.nan, 4]])); let line = #line
            #expect(tape.firstAnomaly?.description == "constant #0 at AutodiffTests/AnomalyTests.swift:\(line) holds nan at [1, 0] (shape [2, 2])")
        }
        #expect(tape.anomalyDetection == .off)
    }

    @Test("backward: the first VJP whose contribution is non-finite while its upstream is finite")
    func backwardBirth() {
        let tape = Tape<Double>()
        tape.anomalyDetection = .collect
        let x = tape.variable(Tensor([0, 4]))
        let r = sqrt(x); let line = #line
        #expect(tape.firstAnomaly == nil, "√0 = 0 is finite")
        let g = tape.gradient(of: r.sum(), wrt: [x])[0]
        #expect(g[0] == .infinity)
        let report = tape.firstAnomaly
        #expect(report?.phase == .backward && report?.operation == "sqrt" && report?.input == 0)
        #expect(report?.description == "the VJP of sqrt at AutodiffTests/AnomalyTests.swift:\(line) (record #1) produced inf at [0] (shape [2]) in the adjoint of input 0 from an upstream = 1.0, input 0 in [0.0, 4.0]")
    }

    @Test("operators have no caller's line and say so; off reports nothing")
    func operatorsAndOff() {
        let tape = Tape<Double>()
        let a = tape.variable(Tensor([1.0])), b = tape.variable(Tensor([0.0]))
        _ = a / b
        #expect(tape.firstAnomaly == nil)
        tape.anomalyDetection = .collect
        _ = a / b
        #expect(tape.firstAnomaly?.site == nil)
        #expect(tape.firstAnomaly?.description.contains("divide (called through an operator) produced inf") == true)
    }

    @Test("the recorded backward pass is checked like any forward")
    func recordedPass() {
        let tape = Tape<Double>()
        tape.anomalyDetection = .collect
        let x = tape.variable(Tensor([0.0, 1]))
        let y = (x * x).sum()
        let g = tape.gradient(of: sqrt(y), wrt: [x], creatingGraph: true)[0]  // ∂√(x·x)/∂x at 0 and 1: finite
        #expect(tape.firstAnomaly == nil && g.value.scalars.allSatisfy(\.isFinite))
        let z = tape.variable(Tensor([0.0]))
        _ = tape.gradient(of: sqrt(z).sum(), wrt: [z], creatingGraph: true)  // ½/√0 = ∞, recorded by the rule
        #expect(tape.firstAnomaly?.operation == "maskedDivide" && tape.firstAnomaly?.site == nil)
    }

    @Test(".stop ends the program with the report")
    func stops() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let tape = Tape<Double>()
            tape.anomalyDetection = .stop
            _ = log(tape.variable(Tensor([0.0])))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("anomaly: log at AutodiffTests/AnomalyTests.swift:"), "\(text)")
        }
    }
}
