import Foundation
import Testing
import Tensors
@testable import Autodiff

// The rank-0 path (Note [Rank-0 path]): unboxed records and the scalar algebra must give the
// same bits as the tensor path for every element-wise op, at first and second order, and the
// peers' chain must match its closed form at any length.

/// The closed-form reverse sweep of y = tanh(y·a + b), S times: (y, ∂y/∂x0, ∂y/∂a, ∂y/∂b),
/// with Backprop's tanh (`Double.tanh`, Note [One polynomial]), the one the tape computes.
private func chainReference(steps: Int, x0: Double, a: Double, b: Double) -> [Double] {
    var ys = [x0]
    for _ in 0..<steps { ys.append(Double.tanh(ys[ys.count - 1] * a + b)) }
    var gy = 1.0, ga = 0.0, gb = 0.0
    for i in stride(from: steps, to: 0, by: -1) {
        let dz = gy * (1 - ys[i] * ys[i])
        ga += dz * ys[i - 1]
        gb += dz
        gy = dz * a
    }
    return [ys[steps], gy, ga, gb]
}

/// The chain on a tape: (y, ∂y/∂x0, ∂y/∂a, ∂y/∂b).
private func chainOnTape(steps: Int, x0: Double, a: Double, b: Double, detecting: Bool = false) -> [Double] {
    let tape = Tape<Double>()
    if detecting { tape.anomalyDetection = .collect }
    let x = tape.variable(Tensor(x0)), av = tape.variable(Tensor(a)), bv = tape.variable(Tensor(b))
    var y = x
    for _ in 0..<steps { y = tanh(y * av + bv) }
    let g = tape.gradient(of: y, wrt: [x, av, bv])
    return [y.value.scalar, g[0].scalar, g[1].scalar, g[2].scalar]
}

/// Values each op is tried at: ordinary, zero of both signs, large, and outside some domains.
private let probes: [Double] = [0.7, -1.3, 0, -0.0, 2.5, 40]

private func sameBits(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Bool {
    a.count == b.count && zip(a.scalars, b.scalars).allSatisfy { $0.bitPattern == $1.bitPattern }
}

/// The same bits, except that any two NaNs agree (x86 propagates the sign and payload of one
/// operand, and shape [1] and shape [] reach 0/0 through different but equally valid sums).
private func sameBitsOrBothNaN(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Bool {
    a.count == b.count && zip(a.scalars, b.scalars).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
}

/// Runs `f` on leaves of shape `shape` (rank 0: the rank-0 path; [1] or anomaly detection on: the
/// tensor path) and returns the value, the gradient and a second-order gradient (of Σ gradient²).
private func evaluate(_ inputs: [Double], shape: [Int], detecting: Bool,
                      _ f: ([Variable<Double>]) -> Variable<Double>) -> [Tensor<Double>] {
    let tape = Tape<Double>()
    if detecting { tape.anomalyDetection = .collect }
    let xs = inputs.map { tape.variable(Tensor(shape: shape, scalars: [$0])) }
    let y = f(xs)
    let first = tape.gradient(of: y.sum(), wrt: xs, creatingGraph: true)
    var penalty = first[0] * first[0]
    for g in first.dropFirst() { penalty = penalty + g * g }
    let second = tape.gradient(of: penalty.sum(), wrt: xs)
    return [y.value] + first.map(\.value) + second
}

/// Checks that the rank-0 path gives the tensor path's bits for `f` at `inputs`: against rank-0
/// tensors on the general path (anomaly detection on), exactly; against shape [1], up to NaN's sign.
private func checkSameBits(_ name: String, _ inputs: [Double], _ f: ([Variable<Double>]) -> Variable<Double>) {
    let rank0 = evaluate(inputs, shape: [], detecting: false, f)
    let vector = evaluate(inputs, shape: [1], detecting: false, f)
    let detected = evaluate(inputs, shape: [], detecting: true, f)
    for k in rank0.indices {
        #expect(rank0[k].rank == 0, "\(name) at \(inputs): result \(k) has shape \(rank0[k].shape)")
        #expect(sameBitsOrBothNaN(rank0[k], vector[k]), "\(name) at \(inputs): result \(k) \(rank0[k]) vs shape [1] \(vector[k])")
        #expect(sameBits(rank0[k], detected[k]), "\(name) at \(inputs): result \(k) \(rank0[k]) vs tensor path \(detected[k])")
    }
}

@Suite("Rank-0 path (Note [Rank-0 path])")
struct ScalarPathTests {
    @Test("chain y = tanh(y·a + b): value and ∂y/∂(x0, a, b) equal the closed-form reverse sweep, bit for bit")
    func chainClosedForm() {
        for steps in [1, 2, 7, 334] {
            let ours = chainOnTape(steps: steps, x0: 0.5, a: 0.9, b: 0.1)
            let reference = chainReference(steps: steps, x0: 0.5, a: 0.9, b: 0.1)
            #expect(ours.map(\.bitPattern) == reference.map(\.bitPattern), "\(steps) steps: \(ours) vs \(reference)")
            #expect(ours.map(\.bitPattern) == chainOnTape(steps: steps, x0: 0.5, a: 0.9, b: 0.1, detecting: true).map(\.bitPattern))
        }
    }

    @Test("chain: ∂y/∂(x0, a, b) agree with central finite differences (relative 1e-7)")
    func chainFiniteDifferences() {
        let steps = 30, h = 1e-6
        let point = [0.5, 0.9, 0.1]
        let g = chainOnTape(steps: steps, x0: point[0], a: point[1], b: point[2])
        for k in 0..<3 {
            var up = point, down = point
            up[k] += h
            down[k] -= h
            let fd = (chainReference(steps: steps, x0: up[0], a: up[1], b: up[2])[0]
                      - chainReference(steps: steps, x0: down[0], a: down[1], b: down[2])[0]) / (2 * h)
            #expect(Swift.abs(fd - g[k + 1]) <= 1e-7 * Swift.max(1, Swift.abs(fd)), "input \(k): tape \(g[k + 1]), FD \(fd)")
        }
    }

    @Test("a 10⁶-op chain records, differentiates and is released (no recursion), matching its closed form")
    func millionOps() {
        let steps = 333_334
        let ours = chainOnTape(steps: steps, x0: 0.5, a: 0.9, b: 0.1)
        let reference = chainReference(steps: steps, x0: 0.5, a: 0.9, b: 0.1)
        #expect(ours.map(\.bitPattern) == reference.map(\.bitPattern))
    }

    @Test("every unary op: rank-0 path = tensor path, bit for bit (value, gradient, second order)")
    func unaryOps() {
        for f in UnaryFunction.allCases {
            for x in probes { checkSameBits(f.rawValue, [x]) { $0[0].unary(f, file: #fileID, line: #line) } }
        }
    }

    @Test("every op with a scalar constant: rank-0 path = tensor path, bit for bit")
    func scalarOps() {
        for f in ScalarFunction.allCases {
            for c in [2.0, 0.5, -3.0, 1.0, 0.0] {
                for x in probes { checkSameBits("\(f.rawValue)(c: \(c))", [x]) { Variable.scalarOp(f, $0[0], c) } }
            }
        }
    }

    @Test("every binary element-wise op: rank-0 path = tensor path, bit for bit")
    func binaryOps() {
        for f in BinaryFunction.allCases where f != .addBias {  // addBias takes a matrix
            for a in probes {
                for b in probes { checkSameBits(f.rawValue, [a, b]) { $0[0].binary($0[1], f, file: #fileID, line: #line) } }
            }
            checkSameBits("\(f.rawValue)(x, x)", [0.7]) { $0[0].binary($0[0], f, file: #fileID, line: #line) }
        }
    }

    @Test("scalar kernels: each equals its tensor kernel on a rank-0 tensor, bit for bit")
    func kernels() {
        let values = probes + [-40, .infinity, -.infinity, .nan, 1e-300]
        for x in values {
            for f in UnaryFunction.allCases {
                #expect(f.forward(scalar: x).bitPattern == f.forward(Tensor(x)).scalar.bitPattern, "\(f.rawValue)(\(x))")
            }
            for f in ScalarFunction.allCases {
                for c in [2.0, 0.5, -3.0, 1.0, 0.0] {
                    #expect(f.forward(scalar: x, c).bitPattern == f.forward(Tensor(x), c).scalar.bitPattern, "\(f.rawValue)(\(x), \(c))")
                }
            }
            for f in BinaryFunction.allCases where f != .addBias {
                for y in values {
                    let tensor = f.forward(Tensor(x), Tensor(y), file: #fileID, line: #line).scalar
                    #expect(f.forward(scalar: x, y).bitPattern == tensor.bitPattern, "\(f.rawValue)(\(x), \(y))")
                }
            }
        }
    }

    @Test("rank-0 variables mixed with tensors: unboxed adjoints meet the tensor rules (s·v, Σ, s²)")
    func mixedRanks() {
        let tape = Tape<Double>()
        let s = tape.variable(Tensor(1.5)), v = tape.variable(Tensor([0.5, -2, 3]))
        let y = (v * s).sum() * s + s * s
        let g = tape.gradient(of: y, wrt: [s, v])
        // y = s²·Σv + s²: ∂y/∂s = 2s·Σv + 2s, ∂y/∂v = s²
        #expect(Swift.abs(g[0].scalar - (2 * 1.5 * 1.5 + 2 * 1.5)) < 1e-12)
        #expect(g[1] == Tensor([2.25, 2.25, 2.25]))
        #expect(g[0].rank == 0 && y.value.rank == 0 && y.shape == [])
    }

    @Test("records: a rank-0 value is held unboxed, whichever op made it")
    func unboxedRecords() {
        let tape = Tape<Double>()
        let v = tape.variable(Tensor([1, 2, 3]))
        let s = v.sum()
        let t = tanh(s * tape.variable(Tensor(0.5)))
        let records = tape.records
        #expect(!records[v.index].isRank0)
        #expect(records[s.index].isRank0 && records[t.index].isRank0)
        #expect(s.value == Tensor(6.0) && s.shape == [])
    }
}
