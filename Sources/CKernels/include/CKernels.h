// The one place that is not Swift (../shared/DESIGN.md): GEMM micro-kernels compiled for
// AVX2+FMA and AVX-512F with per-function target attributes, and the CPUID/XGETBV check
// that says which of them this machine and its operating system can run. Packing, blocking,
// threading and dispatch stay in Swift (Sources/Tensors/GEMM.swift, GEMMKernels.swift).
//
// Every kernel computes one mr × nr tile of C from packed slivers of A (kc steps of mr values)
// and of B (kc steps of nr values). Each element of C is one sequential fused multiply-add
// chain over the kc steps, in increasing order (Note [Deterministic GEMM]):
//
//   mode 0 (store):  c = fma(a[kc-1], b[kc-1], … fma(a[0], b[0], 0))
//   mode 1 (resume): the chain starts from c instead of 0 (a previous k-block's partial sum)
//   mode 2 (add):    c = c + (the chain from 0)
#ifndef BACKPROP_CKERNELS_H
#define BACKPROP_CKERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// The widest instruction set this CPU and its OS support: 0 = none of ours (use the Swift
/// kernel), 1 = AVX2 with FMA, 2 = AVX-512F (with AVX2 and FMA). Computed by CPUID and, for
/// the OS's saving of the ymm/zmm registers, XGETBV. Always 0 off x86-64.
int bp_simd_level(void);

/// Tile shapes of the kernels below (rows mr, columns nr).
enum {
    BP_AVX2_DOUBLE_MR = 6, BP_AVX2_DOUBLE_NR = 8,
    BP_AVX2_FLOAT_MR = 6, BP_AVX2_FLOAT_NR = 16,
    BP_AVX512_DOUBLE_MR = 12, BP_AVX512_DOUBLE_NR = 16,
    BP_AVX512_FLOAT_MR = 12, BP_AVX512_FLOAT_NR = 32,
};

/// C tile ← packed A · packed B (see the modes above). `ldc` is C's row stride in elements.
/// A[r, p] is a[r·ars + p·aps] (a packed sliver: ars = 1, aps = mr; A in place: its strides).
/// `next` (or NULL) is the C tile the following call will touch: its rows are prefetched.
/// Only callable when bp_simd_level() ≥ 1 (AVX2) or ≥ 2 (AVX-512); absent off x86-64.
void bp_dgemm_tile_avx2(long kc, const double *a, long ars, long aps, const double *b, double *c, long ldc, int mode,
                          const double *next);
void bp_sgemm_tile_avx2(long kc, const float *a, long ars, long aps, const float *b, float *c, long ldc, int mode,
                          const float *next);
void bp_dgemm_tile_avx512(long kc, const double *a, long ars, long aps, const double *b, double *c, long ldc, int mode,
                          const double *next);
void bp_sgemm_tile_avx512(long kc, const float *a, long ars, long aps, const float *b, float *c, long ldc, int mode,
                          const float *next);

// Element-wise functions (Elementwise.c, ElementwiseBody.h): y[i] = f(x[i]) for i < n, x == y
// allowed, for f = exp, expm1, log, log1p, tanh and σ (sigmoid). Every element is computed by
// the same operations in the same order on every path — these kernels, the one-element FMA
// functions and the Swift version in Sources/Tensors/Transcendentals.swift (Note [One
// polynomial]) — so all of them give the same bits. The *_fma scalars need bp_simd_level() ≥ 1,
// the *_avx2 kernels ≥ 1, the *_avx512 kernels 2; all are absent off x86-64.
#define BP_ELEMENTWISE_DECLARE(name)                                     \
    double bp_##name##_f64_fma(double x);                                \
    float bp_##name##_f32_fma(float x);                                  \
    void bp_##name##_f64_avx2(long n, const double *x, double *y);       \
    void bp_##name##_f32_avx2(long n, const float *x, float *y);         \
    void bp_##name##_f64_avx512(long n, const double *x, double *y);     \
    void bp_##name##_f32_avx512(long n, const float *x, float *y);
BP_ELEMENTWISE_DECLARE(exp)
BP_ELEMENTWISE_DECLARE(expm1)
BP_ELEMENTWISE_DECLARE(log)
BP_ELEMENTWISE_DECLARE(log1p)
BP_ELEMENTWISE_DECLARE(tanh)
BP_ELEMENTWISE_DECLARE(sigmoid)
#undef BP_ELEMENTWISE_DECLARE

#ifdef __cplusplus
}
#endif

#endif
