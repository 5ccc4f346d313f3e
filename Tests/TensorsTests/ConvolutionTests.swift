import Testing
import Tensors

/// conv2d by its definition, one subscript at a time (no im2col, no GEMM, no shared helper).
func naiveConv2d(_ x: Tensor<Double>, _ w: Tensor<Double>, stride s: (Int, Int), padding t: (Int, Int, Int, Int),
                 dilation d: (Int, Int), groups: Int) -> Tensor<Double> {
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    let ho = (h + t.0 + t.1 - d.0 * (kh - 1) - 1) / s.0 + 1, wo = (wd + t.2 + t.3 - d.1 * (kw - 1) - 1) / s.1 + 1
    var y = [Double](repeating: 0, count: n * o * ho * wo)
    for b in 0..<n { for oc in 0..<o { for i in 0..<ho { for j in 0..<wo {
        var acc = 0.0
        for cc in 0..<cg { for p in 0..<kh { for q in 0..<kw {
            let r = i * s.0 - t.0 + p * d.0, col = j * s.1 - t.2 + q * d.1
            if r >= 0 && r < h && col >= 0 && col < wd { acc += x[b, (oc / (o / groups)) * cg + cc, r, col] * w[oc, cc, p, q] }
        } } }
        y[((b * o + oc) * ho + i) * wo + j] = acc
    } } } }
    return Tensor(shape: [n, o, ho, wo], scalars: y)
}

/// conv_transpose2d by its definition: every input element scatters w-weighted into the output.
func naiveConv2dTranspose(_ x: Tensor<Double>, _ w: Tensor<Double>, stride s: (Int, Int), padding t: (Int, Int, Int, Int),
                          outputPadding op: (Int, Int), dilation d: (Int, Int), groups: Int) -> Tensor<Double> {
    let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (coutg, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
    let cout = coutg * groups
    let ho = (h - 1) * s.0 - t.0 - t.1 + d.0 * (kh - 1) + op.0 + 1, wo = (wd - 1) * s.1 - t.2 - t.3 + d.1 * (kw - 1) + op.1 + 1
    var y = [Double](repeating: 0, count: n * cout * ho * wo)
    for b in 0..<n { for ci in 0..<cin { for i in 0..<h { for j in 0..<wd {
        let grp = ci / (cin / groups)
        for co in 0..<coutg { for p in 0..<kh { for q in 0..<kw {
            let r = i * s.0 - t.0 + p * d.0, col = j * s.1 - t.2 + q * d.1
            if r >= 0 && r < ho && col >= 0 && col < wo {
                y[((b * cout + grp * coutg + co) * ho + r) * wo + col] += x[b, ci, i, j] * w[ci, co, p, q]
            }
        } } }
    } } } }
    return Tensor(shape: [n, cout, ho, wo], scalars: y)
}

/// max |a − b| / max |b|: the error relative to the result's scale (elements near 0 after
/// cancellation would make an element-wise ratio meaningless).
func maxRelativeDifference(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
    let scale = b.scalars.map { abs($0) }.max() ?? 0
    return (zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0) / max(scale, 1e-300)
}

@Suite("conv2d, conv2dTranspose and pooling on tensors")
struct ConvolutionTests {
    @Test("conv2d and conv2dTranspose = their defining loops over 40 random geometries (relative ≤ 1e-12)")
    func randomGeometries() {
        var rng = SeededGenerator(seed: 2024)
        func pick(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(rng.next() % UInt64(r.count)) }
        for _ in 0..<40 {
            let groups = pick(1...3), cg = pick(1...2), og = pick(1...2)
            let (kh, kw) = (pick(1...3), pick(1...3)), s = (pick(1...3), pick(1...2)), d = (pick(1...2), pick(1...3))
            let t = (pick(0...2), pick(0...1), pick(0...1), pick(0...2))
            let h = max(d.0 * (kh - 1) + 1 - t.0 - t.1, 1) + pick(0...4), wd = max(d.1 * (kw - 1) + 1 - t.2 - t.3, 1) + pick(0...4)
            let n = pick(1...2)
            let x = Tensor<Double>(randomUniform: [n, cg * groups, h, wd], lower: -1, upper: 1, using: &rng)
            let w = Tensor<Double>(randomUniform: [og * groups, cg, kh, kw], lower: -1, upper: 1, using: &rng)
            let y = conv2d(x, w, stride: [s.0, s.1], padding: [t.0, t.1, t.2, t.3], dilation: [d.0, d.1], groups: groups)
            let ref = naiveConv2d(x, w, stride: s, padding: t, dilation: d, groups: groups)
            #expect(y.shape == ref.shape)
            #expect(maxRelativeDifference(y, ref) <= 1e-12, "conv2d \(x.shape) \(w.shape) s \(s) t \(t) d \(d) g \(groups)")
            // The transposed convolution of y's shape back, with a random output padding < stride.
            let op = (pick(0...(s.0 - 1)), pick(0...(s.1 - 1)))
            if (y.shape[2] - 1) * s.0 - t.0 - t.1 + d.0 * (kh - 1) + op.0 + 1 < 1
                || (y.shape[3] - 1) * s.1 - t.2 - t.3 + d.1 * (kw - 1) + op.1 + 1 < 1 { continue }
            let u = Tensor<Double>(randomUniform: y.shape, lower: -1, upper: 1, using: &rng)
            let z = conv2dTranspose(u, w, stride: [s.0, s.1], padding: [t.0, t.1, t.2, t.3], outputPadding: [op.0, op.1],
                                    dilation: [d.0, d.1], groups: groups)
            let zref = naiveConv2dTranspose(u, w, stride: s, padding: t, outputPadding: op, dilation: d, groups: groups)
            #expect(z.shape == zref.shape)
            #expect(maxRelativeDifference(z, zref) <= 1e-12, "conv2dTranspose \(u.shape) \(w.shape) s \(s) t \(t) d \(d)")
        }
    }

    @Test("im2col kernels = the direct loops (relative ≤ 1e-12), and the same bits for 1 and 2 threads")
    func threadsAndDirect() {
        let x = Tensor<Double>(randomUniform: [4, 8, 16, 16], lower: -1, upper: 1, seed: 1)
        let w = Tensor<Double>(randomUniform: [16, 4, 3, 3], lower: -1, upper: 1, seed: 2)
        let g = Convolution2DGeometry(stride: 1, top: 1, bottom: 1, left: 1, right: 1, groups: 2)
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        var results: [[Tensor<Double>]] = []
        for threads in [1, 2] {
            Parallelism.threads = threads
            let y = Convolution2D.forward(x, w, g)
            results.append([y, Convolution2D.inputGradient(y, w, g, inputSize: 16), Convolution2D.weightGradient(x, y, g, kernel: 3)])
        }
        for (a, b) in zip(results[0], results[1]) { #expect(a.isBitwiseIdentical(to: b)) }
        let y = results[0][0]
        #expect(maxRelativeDifference(y, Convolution2D.directForward(x, w, g)) <= 1e-12)
        #expect(maxRelativeDifference(results[0][1], Convolution2D.directInputGradient(y, w, g, inputSize: 16)) <= 1e-12)
        #expect(maxRelativeDifference(results[0][2], Convolution2D.directWeightGradient(x, y, g, kernel: 3)) <= 1e-12)
    }

    @Test("maxPool2d and avgPool2d by hand: ties go to the first, padding counts in the mean")
    func poolingByHand() {
        let x = Tensor<Double>(shape: [1, 1, 3, 3], scalars: [1, 5, 5, 2, 0, 3, 7, 7, 1])
        #expect(maxPool2d(x, kernelSize: 2, stride: 1).scalars == [5, 5, 7, 7])
        let g = Pool2DGeometry.checked("maxPool2d", shape: x.shape, kernel: 2, stride: 1, padding: 0, file: #fileID, line: #line)
        #expect(x.maxPooled(g).positions == [1, 1, 6, 7])
        // avg 2×2 stride 2 padding 1: corners see one element of four.
        #expect(avgPool2d(x, kernelSize: 2, padding: 1).scalars == [0.25, 2.5, 2.25, 2.75])
    }
}
