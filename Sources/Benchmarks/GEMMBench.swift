import Tensors

struct GEMMResult {
    let dtype: String, n: Int, threads: Int
    let gflopsBest: Double, gflopsMedian: Double
    /// The micro-kernel that ran (``GEMMKernels/active`` during the measurement).
    var kernel = GEMMKernels.active
    var numpyBest: Double? = nil
    var ratio: Double? { numpyBest.map { gflopsBest / $0 } }
}

/// C = A·B for n × n matrices through the library's `gemm`, counted as 2n³ flops like the
/// NumPy peer, with the given micro-kernel (default: the best this machine has).
func benchGEMM<S: TensorScalar>(_: S.Type, n: Int, threads: Int, quick: Bool,
                                kernel: GEMMKernel = GEMMKernels.available.last!) -> GEMMResult {
    let saved = Parallelism.threads, savedKernel = GEMMKernels.active
    Parallelism.threads = threads
    GEMMKernels.active = kernel
    defer {
        Parallelism.threads = saved
        GEMMKernels.active = savedKernel
    }
    let a = Tensor<S>(randomUniform: [n, n], lower: -1, upper: 1, seed: 1)
    let b = Tensor<S>(randomUniform: [n, n], lower: -1, upper: 1, seed: 2)
    var c = [S](repeating: 0, count: n * n)
    let big = n >= 1024
    let t = a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                measure(minTime: quick ? 0.05 : (big ? 0.1 : 0.2), reps: quick ? 2 : (big ? 3 : 5)) {
                    gemm(transposeA: false, transposeB: false, m: n, n: n, k: n, a: pa.baseAddress!, lda: n,
                         b: pb.baseAddress!, ldb: n, c: pc.baseAddress!, ldc: n, accumulate: false)
                }
            }
        }
    }
    blackHole(c)
    let flops = 2 * Double(n) * Double(n) * Double(n)
    return GEMMResult(dtype: S.self == Float.self ? "float32" : "float64", n: n, threads: threads,
                      gflopsBest: flops / t.best / 1e9, gflopsMedian: flops / t.median / 1e9, kernel: kernel)
}

/// The narrower micro-kernels (every available one but the best) on the same products, at the
/// sizes where the slow ones finish quickly: how much each dispatch path is worth. On x86-64
/// the Swift kernel's `addingProduct` is a call to libm's `fma` (Note [Swift micro-kernel]),
/// so it runs only up to n = 256.
func benchGEMMPaths(quick: Bool, threads: Int) -> [GEMMResult] {
    var rows: [GEMMResult] = []
    for kernel in GEMMKernels.available.dropLast() {
        let sizes = kernel == .swift ? [64, 256] : (quick ? [256] : [256, 1024])
        for dtype in ["float32", "float64"] {
            for n in sizes {
                rows.append(dtype == "float32" ? benchGEMM(Float.self, n: n, threads: threads, quick: quick, kernel: kernel)
                                               : benchGEMM(Double.self, n: n, threads: threads, quick: quick, kernel: kernel))
            }
        }
    }
    return rows
}
