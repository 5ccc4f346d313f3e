// The direct loops of the three convolution kernels: the measured alternative to im2col
// (Note [Convolution by im2col]) and the masked path of Note [Zero upstream] — a term whose
// masked factor is exactly 0 is skipped, so 0·∞ contributes 0 instead of NaN.

extension Convolution2D {
    /// Which factors' exact zeros are skipped in the direct loops.
    public struct Skipping: Hashable, Sendable {
        /// Skip terms whose first operand (x, or ȳ for the input gradient) is exactly 0.
        public var first: Bool
        /// Skip terms whose second operand (w, or ȳ for the weight gradient) is exactly 0.
        public var second: Bool
        /// No term skipped.
        public static let none = Skipping(first: false, second: false)

        /// The skipping of each operand.
        public init(first: Bool, second: Bool) {
            self.first = first
            self.second = second
        }
    }

    /// Calls `body(n, o, i, j, c, p, q, h, w)` for every term x[n, c, h, w]·w[o, c', p, q] of
    /// y[n, o, i, j] that lies inside the input, in one fixed order.
    @inline(__always)
    static func forEachTerm(n: Int, c: Int, h: Int, w: Int, o: Int, kh: Int, kw: Int, ho: Int, wo: Int,
                            _ g: Convolution2DGeometry, _ body: (Int, Int, Int, Int, Int, Int, Int, Int, Int) -> Void) {
        let cg = c / g.groups, og = o / g.groups
        for b in 0..<n {
            for oc in 0..<o {
                let grp = oc / og
                for i in 0..<ho {
                    for j in 0..<wo {
                        for cc in 0..<cg {
                            for p in 0..<kh {
                                let hi = i * g.stride.height - g.top + p * g.dilation.height
                                if hi < 0 || hi >= h { continue }
                                for q in 0..<kw {
                                    let wj = j * g.stride.width - g.left + q * g.dilation.width
                                    if wj < 0 || wj >= w { continue }
                                    body(b, oc, i, j, grp * cg + cc, p, q, hi, wj)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// ``forward(_:_:_:)`` by the direct seven-deep loop (no im2col, no GEMM).
    @_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
    public static func directForward<S>(_ x: Tensor<S>, _ w: Tensor<S>, _ g: Convolution2DGeometry,
                                        skipping: Skipping = .none) -> Tensor<S> {
        let (xs, ws) = (x.shape, w.shape)
        let out = g.outputSize(height: xs[2], width: xs[3], kernel: Size2D(ws[2], ws[3]))
        let (n, c, h, wd, o, kh, kw, ho, wo) = (xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], out.height, out.width)
        let cg = c / g.groups
        var y = [S](repeating: 0, count: n * o * ho * wo)
        x.withUnsafeBufferPointer { px in w.withUnsafeBufferPointer { pw in
            forEachTerm(n: n, c: c, h: h, w: wd, o: o, kh: kh, kw: kw, ho: ho, wo: wo, g) { b, oc, i, j, ch, p, q, hi, wj in
                let xi: Int = ((b * c + ch) * h + hi) * wd + wj, yi: Int = ((b * o + oc) * ho + i) * wo + j
                let wi: Int = ((oc * cg + ch % cg) * kh + p) * kw + q
                let u = px[xi], v = pw[wi]
                if (skipping.first && u == 0) || (skipping.second && v == 0) { return }
                y[yi] += u * v
            }
        } }
        return Tensor(uncheckedShape: [n, o, ho, wo], scalars: y)
    }

    /// ``inputGradient(_:_:_:inputSize:)`` by the direct loop.
    @_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
    public static func directInputGradient<S>(_ gy: Tensor<S>, _ w: Tensor<S>, _ g: Convolution2DGeometry, inputSize: Size2D,
                                              skipping: Skipping = .none) -> Tensor<S> {
        let (ys, ws) = (gy.shape, w.shape)
        let (n, c, h, wd, o, kh, kw, ho, wo) = (ys[0], ws[1] * g.groups, inputSize.height, inputSize.width, ws[0], ws[2], ws[3],
                                                ys[2], ys[3])
        let cg = ws[1]
        var x = [S](repeating: 0, count: n * c * h * wd)
        gy.withUnsafeBufferPointer { py in w.withUnsafeBufferPointer { pw in
            forEachTerm(n: n, c: c, h: h, w: wd, o: o, kh: kh, kw: kw, ho: ho, wo: wo, g) { b, oc, i, j, ch, p, q, hi, wj in
                let xi: Int = ((b * c + ch) * h + hi) * wd + wj, yi: Int = ((b * o + oc) * ho + i) * wo + j
                let wi: Int = ((oc * cg + ch % cg) * kh + p) * kw + q
                let u = py[yi], v = pw[wi]
                if (skipping.first && u == 0) || (skipping.second && v == 0) { return }
                x[xi] += u * v
            }
        } }
        return Tensor(uncheckedShape: [n, c, h, wd], scalars: x)
    }

    /// ``weightGradient(_:_:_:kernel:)`` by the direct loop.
    @_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
    public static func directWeightGradient<S>(_ x: Tensor<S>, _ gy: Tensor<S>, _ g: Convolution2DGeometry, kernel: Size2D,
                                               skipping: Skipping = .none) -> Tensor<S> {
        let (xs, ys) = (x.shape, gy.shape)
        let (n, c, h, wd, o, kh, kw, ho, wo) = (xs[0], xs[1], xs[2], xs[3], ys[1], kernel.height, kernel.width, ys[2], ys[3])
        let cg = c / g.groups
        var wbar = [S](repeating: 0, count: o * cg * kh * kw)
        x.withUnsafeBufferPointer { px in gy.withUnsafeBufferPointer { py in
            forEachTerm(n: n, c: c, h: h, w: wd, o: o, kh: kh, kw: kw, ho: ho, wo: wo, g) { b, oc, i, j, ch, p, q, hi, wj in
                let xi: Int = ((b * c + ch) * h + hi) * wd + wj, yi: Int = ((b * o + oc) * ho + i) * wo + j
                let wi: Int = ((oc * cg + ch % cg) * kh + p) * kw + q
                let u = px[xi], v = py[yi]
                if (skipping.first && u == 0) || (skipping.second && v == 0) { return }
                wbar[wi] += u * v
            }
        } }
        return Tensor(uncheckedShape: [o, cg, kh, kw], scalars: wbar)
    }
}
