import Dispatch

// The 2-D convolution's three kernels (forward, input gradient, weight gradient) by im2col and
// our GEMM, and the direct loops they are checked and measured against.
//
// Note [Convolution by im2col]: each kernel unrolls the input windows of a chunk of samples
// into a matrix col [C·kH·kW, n·H_out·W_out] (row (c, p, q), column (sample, i, j)) and does one
// GEMM per group over all the chunk's samples at once:
//
//     forward:          Y_g = W_g · col_g                     [O/G, n·HW_out]
//     input gradient:   col̄_g = W_gᵀ · Ȳ_g, then col2im adds col̄ back into the windows
//     weight gradient:  W̄_g += Ȳ_g · col_gᵀ                   (chunks in order, accumulating)
//
// Why im2col: measured (`swift run -c release Benchmarks --convolution`, Double, 1 thread, a
// shared 2-core machine), it beats the direct loops of ConvolutionReference.swift on every
// kernel: DigitCNN's conv2 [32, 8, 4, 4] ⊛ [16, 8, 3, 3] forward 0.24 ms against 5.2 ms (x̄ and
// w̄ alike), its conv1 14–16×, [16, 32, 32, 32] ⊛ [64, 32, 3, 3] 88 ms against 3.1 s, and a
// grouped stride-2 layer 12–16×. The direct loop is the plain scalar definition (it serves as the
// masked path and the reference); the GEMM's packed SIMD micro-kernel does im2col's
// multiply-adds, and the copy into col costs far less than it saves. Every element is still one fixed sequence of operations: im2col and col2im are
// copies and per-channel sums in a fixed order, the GEMM is deterministic (Note [Deterministic
// GEMM]) and chunks depend on shapes only, so the bits do not depend on the thread count.

/// The 2-D convolution kernels on NCHW tensors, after the caller has checked the shapes
/// (``Convolution2DGeometry/checked(_:input:weight:stride:padding:dilation:groups:file:line:)``).
///
/// With x [N, C, H, W], w [O, C/G, kH, kW] and y [N, O, H_out, W_out], group g = o / (O/G):
///
///     y[n, o, i, j] = Σ_{c', p, q} w[o, c', p, q] · x[n, g·C/G + c', i·s − t + p·d, j·s − l + q·d]
///
/// (zero outside the input). The input gradient and the weight gradient are its two adjoints.
public enum Convolution2D {
    // Note [Generic callers]: a generic caller that is not itself specialised (a layer such as
    // `Conv2D<Scalar>` called from another module, a `Sequential` of existential layers) reaches
    // the unspecialised body of a kernel, where every element copy of im2col goes through the
    // scalar type's value witnesses (a call and a `memmove` per element): measured, that made
    // LeNet-5's forward pass 60 % of its step. So each public kernel tests its scalar type —
    // a constant in its specialisations, one comparison per call otherwise — and calls the
    // Float or Double specialisation of its body; the arithmetic is the same code, bit for bit.

    /// `value` as a `Tensor<T>`, when its scalar type is `T` (checked by the caller).
    @inline(__always)
    static func cast<A: TensorScalar, T: TensorScalar>(_ value: Tensor<A>, _: T.Type) -> Tensor<T> { unsafeBitCast(value, to: Tensor<T>.self) }

    /// Samples per im2col chunk: the col matrix stays under 2²² elements (32 MiB in Double).
    static func chunk(rows: Int, spatial: Int, samples: Int) -> Int {
        Swift.max(1, Swift.min(samples, (1 << 22) / Swift.max(rows * spatial, 1)))
    }

    /// Runs `body` over `0..<count` split into contiguous pieces across threads when the work is
    /// large; each index is handled by exactly one call, so the result is thread-count free.
    static func split(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let tasks = work < (1 << 16) ? 1 : Swift.min(Parallelism.threads, count)
        if tasks <= 1 { return body(0..<count) }
        withoutActuallyEscaping(body) { body in
            let task = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: tasks) { t in task.value((t * count / tasks)..<((t + 1) * count / tasks)) }
        }
    }

    /// A value handed to the threads of ``split(_:work:_:)``, which write disjoint ranges.
    struct UncheckedSendable<T>: @unchecked Sendable {
        let value: T
        init(_ value: T) { self.value = value }
    }

    /// A scratch buffer of `count` scalars left uninitialised: every use below (im2col, gather,
    /// a non-accumulating GEMM) writes each element it later reads, so zeroing it first was a
    /// wasted pass (≈ 5 % of LeNet-5's step in `memset`).
    static func scratch<S: TensorScalar>(_ count: Int) -> [S] {
        [S](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// The sizes of one convolution.
    struct Plan {
        let n: Int, c: Int, h: Int, w: Int, o: Int, kh: Int, kw: Int, ho: Int, wo: Int
        let g: Convolution2DGeometry
        var cg: Int { c / g.groups }
        var og: Int { o / g.groups }
        var taps: Int { kh * kw }
        var spatial: Int { ho * wo }
        var chunk: Int { Convolution2D.chunk(rows: c * taps, spatial: spatial, samples: n) }

        /// The output columns j whose input column j·s − l + q·d falls inside 0..<w, for the tap
        /// column q: one contiguous range (the rest read padding).
        func validColumns(_ q: Int) -> Range<Int> {
            func ceilDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -((-a) / b) }
            let shift = q * g.dilation.width - g.left, sw = g.stride.width
            let lo = Swift.min(wo, Swift.max(0, ceilDiv(-shift, sw)))
            return lo..<Swift.max(lo, Swift.min(wo, ceilDiv(w - shift, sw)))
        }

        /// col[(c, p, q), (s, i, j)] = x[n0 + s, c, i·s − t + p·d, j·s − l + q·d], 0 outside.
        ///
        /// Each output row is zeros, then the valid columns (one `memcpy` at stride 1), then zeros:
        /// the bounds are computed once per tap instead of tested per element.
        func im2col<S: TensorScalar>(_ x: UnsafePointer<S>, _ n0: Int, _ count: Int, _ col: UnsafeMutablePointer<S>) {
            let cols = count * spatial
            Convolution2D.split(c * taps, work: c * taps * cols) { rows in
                for r in rows {
                    let ch = r / taps, p = (r % taps) / kw, q = r % kw
                    let valid = validColumns(q), shift = q * g.dilation.width - g.left, sw = g.stride.width
                    var out = col + r * cols
                    for s in 0..<count {
                        let plane = x + ((n0 + s) * c + ch) * h * w
                        for i in 0..<ho {
                            let hi = i * g.stride.height - g.top + p * g.dilation.height
                            if hi < 0 || hi >= h || valid.isEmpty {
                                out.update(repeating: 0, count: wo)
                            } else {
                                let row = plane + hi * w + shift
                                out.update(repeating: 0, count: valid.lowerBound)
                                if sw == 1 {
                                    (out + valid.lowerBound).update(from: row + valid.lowerBound, count: valid.count)
                                } else {
                                    for j in valid { out[j] = row[j * sw] }
                                }
                                (out + valid.upperBound).update(repeating: 0, count: wo - valid.upperBound)
                            }
                            out += wo
                        }
                    }
                }
            }
        }

        /// The adjoint of ``im2col(_:_:_:_:)``: x̄ += col̄ at each window position, channel by
        /// channel (each channel's sums in a fixed order: taps, then samples, then positions).
        func col2im<S: TensorScalar>(_ col: UnsafePointer<S>, _ n0: Int, _ count: Int, _ x: UnsafeMutablePointer<S>) {
            let cols = count * spatial
            Convolution2D.split(c, work: c * taps * cols) { channels in
                for ch in channels {
                    for t in 0..<taps {
                        let p = t / kw, q = t % kw
                        let valid = validColumns(q), shift = q * g.dilation.width - g.left, sw = g.stride.width
                        var src = col + (ch * taps + t) * cols
                        for s in 0..<count {
                            let plane = x + ((n0 + s) * c + ch) * h * w
                            for i in 0..<ho {
                                let hi = i * g.stride.height - g.top + p * g.dilation.height
                                if hi >= 0 && hi < h {
                                    let row = plane + hi * w + shift
                                    if sw == 1 {
                                        for j in valid { row[j] += src[j] }
                                    } else {
                                        for j in valid { row[j * sw] += src[j] }
                                    }
                                }
                                src += wo
                            }
                        }
                    }
                }
            }
        }

        /// buf[o, (s, i, j)] = y[n0 + s, o, i, j]: the chunk's output channels as GEMM rows.
        func gather<S>(_ y: UnsafePointer<S>, into buf: UnsafeMutablePointer<S>, _ n0: Int, _ count: Int) {
            for s in 0..<count {
                for ch in 0..<o { (buf + (ch * count + s) * spatial).update(from: y + ((n0 + s) * o + ch) * spatial, count: spatial) }
            }
        }

        /// y[n0 + s, o, i, j] = buf[o, (s, i, j)]: the inverse of ``gather(_:into:_:_:)``.
        func scatter<S>(_ buf: UnsafePointer<S>, into y: UnsafeMutablePointer<S>, _ n0: Int, _ count: Int) {
            for s in 0..<count {
                for ch in 0..<o { (y + ((n0 + s) * o + ch) * spatial).update(from: buf + (ch * count + s) * spatial, count: spatial) }
            }
        }
    }

    /// y = conv2d(x, w): x [N, C, H, W], w [O, C/G, kH, kW] → [N, O, H_out, W_out].
    /// - Complexity: O(N·O·C/G·kH·kW·H_out·W_out) time; O(chunk) scratch.
    @_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
    public static func forward<S>(_ x: Tensor<S>, _ w: Tensor<S>, _ g: Convolution2DGeometry) -> Tensor<S> {
        // Note [Generic callers]
        if S.self == Float.self { return cast(forwardKernel(cast(x, Float.self), cast(w, Float.self), g), S.self) }
        if S.self == Double.self { return cast(forwardKernel(cast(x, Double.self), cast(w, Double.self), g), S.self) }
        return forwardKernel(x, w, g)
    }

    /// The body of ``forward(_:_:_:)``.
    static func forwardKernel<S: TensorScalar>(_ x: Tensor<S>, _ w: Tensor<S>, _ g: Convolution2DGeometry) -> Tensor<S> {
        let (xs, ws) = (x.shape, w.shape)
        let out = g.outputSize(height: xs[2], width: xs[3], kernel: Size2D(ws[2], ws[3]))
        let plan = Plan(n: xs[0], c: xs[1], h: xs[2], w: xs[3], o: ws[0], kh: ws[2], kw: ws[3],
                        ho: out.height, wo: out.width, g: g)
        var y = Tensor<S>.zeroedStorage(count: plan.n * plan.o * plan.spatial)
        let chunk = plan.chunk, k = plan.cg * plan.taps
        var col: [S] = scratch(plan.c * plan.taps * chunk * plan.spatial)
        var buf: [S] = scratch(plan.o * chunk * plan.spatial)
        x.withUnsafeBufferPointer { px in w.withUnsafeBufferPointer { pw in y.withUnsafeMutableBufferPointer { py in
            col.withUnsafeMutableBufferPointer { pc in buf.withUnsafeMutableBufferPointer { pb in
                guard let x = px.baseAddress, let w = pw.baseAddress, let y = py.baseAddress,
                      let col = pc.baseAddress, let buf = pb.baseAddress else { return }
                for n0 in stride(from: 0, to: plan.n, by: chunk) {
                    let count = Swift.min(chunk, plan.n - n0), cols = count * plan.spatial
                    plan.im2col(x, n0, count, col)
                    for grp in 0..<g.groups {
                        gemm(transposeA: false, transposeB: false, m: plan.og, n: cols, k: k,
                             a: w + grp * plan.og * k, lda: k, b: col + grp * k * cols, ldb: cols,
                             c: buf + grp * plan.og * cols, ldc: cols, accumulate: false)
                    }
                    plan.scatter(buf, into: y, n0, count)
                }
            } }
        } } }
        return Tensor(uncheckedShape: [plan.n, plan.o, plan.ho, plan.wo], scalars: y)
    }

    /// x̄ = conv2dᵀ(ȳ, w), the adjoint of ``forward(_:_:_:)`` in x (the transposed convolution):
    /// ȳ [N, O, H_out, W_out], w [O, C/G, kH, kW] → [N, C, size.height, size.width].
    ///
    ///     x̄[n, c, h, w] = Σ_{o, i, j : h = i·s − t + p·d, w = j·s − l + q·d} ȳ[n, o, i, j] · w[o, c', p, q]
    @_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
    public static func inputGradient<S>(_ gy: Tensor<S>, _ w: Tensor<S>, _ g: Convolution2DGeometry,
                                        inputSize size: Size2D) -> Tensor<S> {
        // Note [Generic callers]
        if S.self == Float.self {
            return cast(inputGradientKernel(cast(gy, Float.self), cast(w, Float.self), g, inputSize: size), S.self)
        }
        if S.self == Double.self {
            return cast(inputGradientKernel(cast(gy, Double.self), cast(w, Double.self), g, inputSize: size), S.self)
        }
        return inputGradientKernel(gy, w, g, inputSize: size)
    }

    /// The body of ``inputGradient(_:_:_:inputSize:)``.
    static func inputGradientKernel<S: TensorScalar>(_ gy: Tensor<S>, _ w: Tensor<S>, _ g: Convolution2DGeometry,
                                                     inputSize size: Size2D) -> Tensor<S> {
        let (ys, ws) = (gy.shape, w.shape)
        let plan = Plan(n: ys[0], c: ws[1] * g.groups, h: size.height, w: size.width, o: ws[0], kh: ws[2], kw: ws[3],
                        ho: ys[2], wo: ys[3], g: g)
        var x = [S](repeating: 0, count: plan.n * plan.c * plan.h * plan.w)
        let chunk = plan.chunk, k = plan.cg * plan.taps
        var col: [S] = scratch(plan.c * plan.taps * chunk * plan.spatial)
        var buf: [S] = scratch(plan.o * chunk * plan.spatial)
        gy.withUnsafeBufferPointer { py in w.withUnsafeBufferPointer { pw in x.withUnsafeMutableBufferPointer { px in
            col.withUnsafeMutableBufferPointer { pc in buf.withUnsafeMutableBufferPointer { pb in
                guard let gy = py.baseAddress, let w = pw.baseAddress, let x = px.baseAddress,
                      let col = pc.baseAddress, let buf = pb.baseAddress else { return }
                for n0 in stride(from: 0, to: plan.n, by: chunk) {
                    let count = Swift.min(chunk, plan.n - n0), cols = count * plan.spatial
                    plan.gather(gy, into: buf, n0, count)
                    for grp in 0..<g.groups {
                        gemm(transposeA: true, transposeB: false, m: k, n: cols, k: plan.og,
                             a: w + grp * plan.og * k, lda: k, b: buf + grp * plan.og * cols, ldb: cols,
                             c: col + grp * k * cols, ldc: cols, accumulate: false)
                    }
                    plan.col2im(col, n0, count, x)
                }
            } }
        } } }
        return Tensor(uncheckedShape: [plan.n, plan.c, plan.h, plan.w], scalars: x)
    }

    /// w̄ = the correlation of x with ȳ, the adjoint of ``forward(_:_:_:)`` in w:
    /// x [N, C, H, W], ȳ [N, O, H_out, W_out] → [O, C/G, kernel.height, kernel.width].
    ///
    ///     w̄[o, c', p, q] = Σ_{n, i, j} ȳ[n, o, i, j] · x[n, g·C/G + c', i·s − t + p·d, j·s − l + q·d]
    @_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
    public static func weightGradient<S>(_ x: Tensor<S>, _ gy: Tensor<S>, _ g: Convolution2DGeometry,
                                         kernel: Size2D) -> Tensor<S> {
        // Note [Generic callers]
        if S.self == Float.self {
            return cast(weightGradientKernel(cast(x, Float.self), cast(gy, Float.self), g, kernel: kernel), S.self)
        }
        if S.self == Double.self {
            return cast(weightGradientKernel(cast(x, Double.self), cast(gy, Double.self), g, kernel: kernel), S.self)
        }
        return weightGradientKernel(x, gy, g, kernel: kernel)
    }

    /// The body of ``weightGradient(_:_:_:kernel:)``.
    static func weightGradientKernel<S: TensorScalar>(_ x: Tensor<S>, _ gy: Tensor<S>, _ g: Convolution2DGeometry,
                                                      kernel: Size2D) -> Tensor<S> {
        let (xs, ys) = (x.shape, gy.shape)
        let plan = Plan(n: xs[0], c: xs[1], h: xs[2], w: xs[3], o: ys[1], kh: kernel.height, kw: kernel.width,
                        ho: ys[2], wo: ys[3], g: g)
        let chunk = plan.chunk, k = plan.cg * plan.taps
        var wbar = Tensor<S>.zeroedStorage(count: plan.o * k)
        var col: [S] = scratch(plan.c * plan.taps * chunk * plan.spatial)
        var buf: [S] = scratch(plan.o * chunk * plan.spatial)
        x.withUnsafeBufferPointer { px in gy.withUnsafeBufferPointer { py in wbar.withUnsafeMutableBufferPointer { pw in
            col.withUnsafeMutableBufferPointer { pc in buf.withUnsafeMutableBufferPointer { pb in
                guard let x = px.baseAddress, let gy = py.baseAddress, let wbar = pw.baseAddress,
                      let col = pc.baseAddress, let buf = pb.baseAddress else { return }
                for n0 in stride(from: 0, to: plan.n, by: chunk) {
                    let count = Swift.min(chunk, plan.n - n0), cols = count * plan.spatial
                    plan.im2col(x, n0, count, col)
                    plan.gather(gy, into: buf, n0, count)
                    for grp in 0..<g.groups {
                        gemm(transposeA: false, transposeB: true, m: plan.og, n: k, k: cols,
                             a: buf + grp * plan.og * cols, lda: cols, b: col + grp * k * cols, ldb: cols,
                             c: wbar + grp * plan.og * k, ldc: k, accumulate: n0 > 0)
                    }
                }
            } }
        } } }
        return Tensor(uncheckedShape: [plan.o, plan.cg, plan.kh, plan.kw], scalars: wbar)
    }
}
