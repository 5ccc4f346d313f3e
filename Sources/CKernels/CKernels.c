// GEMM micro-kernels for AVX2+FMA and AVX-512F, and the run-time check that picks them.
// See include/CKernels.h for the contract and Note [Deterministic GEMM] in
// Sources/Tensors/GEMM.swift for why every element is one sequential FMA chain.
#include "CKernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#include <immintrin.h>

// XGETBV without the `xsave` target feature: the OS sets XCR0's bits for the register
// state it saves on a context switch (bit 1 SSE, 2 AVX, 5–7 AVX-512's opmask and zmm).
static unsigned long long bp_xgetbv0(void) {
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

static int bp_detect(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!(fma && osxsave && avx)) return 0;
    const unsigned long long xcr0 = bp_xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return 0;  // the OS does not save ymm
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    const int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1;
    if (!avx2) return 0;
    if (avx512f && (xcr0 & 0xE6) == 0xE6) return 2;
    return 1;
}

int bp_simd_level(void) {
    static int level = -1;  // a benign race: every thread computes the same value
    if (level < 0) level = bp_detect();
    return level;
}

// Every loop over r and v is unrolled completely so that the MR·NV accumulators live in
// registers (clang otherwise keeps a 12 × 2 array of zmm on the stack).
#define BP_UNROLL _Pragma("clang loop unroll(full)")

// One kernel: MR rows, NV vectors of LANES elements per row (nr = NV·LANES). Accumulator
// (r, v) holds C[r, v·LANES ..< (v+1)·LANES]; step p multiplies the broadcast A[r, p] by the
// vector B[p, v·LANES …] and adds it into the accumulator with one rounding (FMA).
#define BP_TILE_KERNEL(NAME, TARGET, T, V, LANES, MR, NV, LOAD, STORE, SET1, FMADD, ADD, ZERO)    \
    __attribute__((target(TARGET)))                                                             \
    void NAME(long kc, const T *a, long ars, long aps, const T *b, T *c, long ldc, int mode,    \
              const T *next) {                                                                    \
        V acc[MR][NV];                                                                          \
        if (next)                                                                               \
            BP_UNROLL for (int r = 0; r < MR; r++) {                                            \
                _mm_prefetch((const char *)(next + r * ldc), _MM_HINT_T0);                      \
                _mm_prefetch((const char *)(next + r * ldc + NV * LANES - 1), _MM_HINT_T0);     \
            }                                                                                   \
        BP_UNROLL for (int r = 0; r < MR; r++)                                                  \
            BP_UNROLL for (int v = 0; v < NV; v++)                                              \
                acc[r][v] = mode == 1 ? LOAD(c + r * ldc + v * LANES) : ZERO();                 \
        for (long p = 0; p < kc; p++) {                                                         \
            V bv[NV];                                                                           \
            BP_UNROLL for (int v = 0; v < NV; v++) bv[v] = LOAD(b + v * LANES);                 \
            BP_UNROLL for (int r = 0; r < MR; r++) {                                            \
                const V ar = SET1(a[r * ars]);                                                  \
                BP_UNROLL for (int v = 0; v < NV; v++) acc[r][v] = FMADD(ar, bv[v], acc[r][v]); \
            }                                                                                   \
            a += aps;                                                                           \
            b += NV * LANES;                                                                    \
        }                                                                                       \
        BP_UNROLL for (int r = 0; r < MR; r++)                                                  \
            BP_UNROLL for (int v = 0; v < NV; v++) {                                            \
                T *cp = c + r * ldc + v * LANES;                                                \
                STORE(cp, mode == 2 ? ADD(LOAD(cp), acc[r][v]) : acc[r][v]);                    \
            }                                                                                   \
    }

BP_TILE_KERNEL(bp_dgemm_tile_avx2, "avx2,fma", double, __m256d, 4, BP_AVX2_DOUBLE_MR, 2,
               _mm256_loadu_pd, _mm256_storeu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_add_pd,
               _mm256_setzero_pd)
BP_TILE_KERNEL(bp_sgemm_tile_avx2, "avx2,fma", float, __m256, 8, BP_AVX2_FLOAT_MR, 2,
               _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps,
               _mm256_setzero_ps)
BP_TILE_KERNEL(bp_dgemm_tile_avx512, "avx512f,avx2,fma", double, __m512d, 8, BP_AVX512_DOUBLE_MR, 2,
               _mm512_loadu_pd, _mm512_storeu_pd, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_add_pd,
               _mm512_setzero_pd)
BP_TILE_KERNEL(bp_sgemm_tile_avx512, "avx512f,avx2,fma", float, __m512, 16, BP_AVX512_FLOAT_MR, 2,
               _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps,
               _mm512_setzero_ps)

#else

int bp_simd_level(void) { return 0; }

#endif
