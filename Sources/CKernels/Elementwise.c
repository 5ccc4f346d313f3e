// Vectorised element-wise functions (exp, expm1, log, log1p, tanh, σ) for AVX2+FMA and
// AVX-512F, and a one-element FMA version for scalars: ElementwiseBody.h included once per
// (element type, instruction set). The constants below are the ones
// Sources/Tensors/Transcendentals.swift uses, digit for digit (Note [One polynomial]).
#include "CKernels.h"

#if defined(__x86_64__) || defined(_M_X64)

// Taylor coefficients 1/n! (n = 2 …) of eʳ − 1 = r + r²·(1/2 + r/6 + …), and 2/(2n + 1)
// (n = 1 …) of ln((1 + s)/(1 − s)) = 2s + s·Σ 2s²ⁿ/(2n + 1), each rounded to the type.
static const double bp_exp_c64[12] = {
    0x1.0000000000000p-1, 0x1.5555555555555p-3, 0x1.5555555555555p-5, 0x1.1111111111111p-7,
    0x1.6c16c16c16c17p-10, 0x1.a01a01a01a01ap-13, 0x1.a01a01a01a01ap-16, 0x1.71de3a556c734p-19,
    0x1.27e4fb7789f5cp-22, 0x1.ae64567f544e4p-26, 0x1.1eed8eff8d898p-29, 0x1.6124613a86d09p-33,
};
static const double bp_log_c64[10] = {
    0x1.5555555555555p-1, 0x1.999999999999ap-2, 0x1.2492492492492p-2, 0x1.c71c71c71c71cp-3,
    0x1.745d1745d1746p-3, 0x1.3b13b13b13b14p-3, 0x1.1111111111111p-3, 0x1.e1e1e1e1e1e1ep-4,
    0x1.af286bca1af28p-4, 0x1.8618618618618p-4,
};
static const float bp_exp_c32[7] = {
    0x1.000000p-1f, 0x1.555556p-3f, 0x1.555556p-5f, 0x1.111112p-7f,
    0x1.6c16c2p-10f, 0x1.a01a02p-13f, 0x1.a01a02p-16f,
};
static const float bp_log_c32[5] = {
    0x1.555556p-1f, 0x1.99999ap-2f, 0x1.24924ap-2f, 0x1.c71c72p-3f, 0x1.745d18p-3f,
};

// ---- Double ----
#define T double
#define U unsigned long long
#define I long long
#define TNAME f64
#define AVX2_LANES 4
#define AVX512_LANES 8
#define C_BIAS 1023
#define C_MANT 52
#define C_LOG2E 0x1.71547652b82fep+0
#define C_MAGIC 0x1.8p52
#define C_LN2HI 0x1.62e42fee00000p-1
#define C_LN2LO 0x1.a39ef35793c76p-33
#define C_EXP bp_exp_c64
#define C_EXP_N 12
#define C_LOG bp_log_c64
#define C_LOG_N 10
#define C_EXP_HI 709.8
#define C_EXP_LO -746.0
#define C_EXPM1_LO -40.0
#define C_TANH_HI 20.0
#define C_SQRT_HALF 0x1.6a09e667f3bcdp-1
#define C_MIN_NORMAL 0x1p-1022
#define C_SUBNORMAL_SCALE 0x1p54
#define C_SUBNORMAL_SHIFT 54
#define C_INF __builtin_inf()
#define C_NAN __builtin_nan("")
#include "ElementwiseInstances.h"

// ---- Float ----
#define T float
#define U unsigned int
#define I int
#define TNAME f32
#define AVX2_LANES 8
#define AVX512_LANES 16
#define C_BIAS 127
#define C_MANT 23
#define C_LOG2E 0x1.715476p+0f
#define C_MAGIC 0x1.8p23f
#define C_LN2HI 0x1.62e400p-1f
#define C_LN2LO 0x1.7f7d1cp-20f
#define C_EXP bp_exp_c32
#define C_EXP_N 7
#define C_LOG bp_log_c32
#define C_LOG_N 5
#define C_EXP_HI 89.0f
#define C_EXP_LO -104.0f
#define C_EXPM1_LO -18.0f
#define C_TANH_HI 10.0f
#define C_SQRT_HALF 0x1.6a09e6p-1f
#define C_MIN_NORMAL 0x1p-126f
#define C_SUBNORMAL_SCALE 0x1p25f
#define C_SUBNORMAL_SHIFT 25
#define C_INF __builtin_inff()
#define C_NAN __builtin_nanf("")
#include "ElementwiseInstances.h"

#else

// Off x86-64 the Swift version serves every call (Sources/Tensors/ElementwiseKernels.swift).
typedef int bp_elementwise_unused;

#endif
