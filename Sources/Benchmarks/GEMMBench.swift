import Tensors

struct GEMMResult {
    let dtype: String, n: Int, threads: Int
    let gflopsBest: Double, gflopsMedian: Double
    var numpyBest: Double? = nil
    var ratio: Double? { numpyBest.map { gflopsBest / $0 } }
}

/// C = A·B for n × n matrices through the library's `gemm`, counted as 2n³ flops like the
/// NumPy peer.
func benchGEMM<S: TensorScalar>(_: S.Type, n: Int, threads: Int, quick: Bool) -> GEMMResult {
    let saved = Parallelism.threads
    Parallelism.threads = threads
    defer { Parallelism.threads = saved }
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
                      gflopsBest: flops / t.best / 1e9, gflopsMedian: flops / t.median / 1e9)
}
