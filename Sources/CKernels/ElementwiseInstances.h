// The three instances of ElementwiseBody.h for one element type (Elementwise.c defines T, U, I,
// TNAME, AVX2_LANES, AVX512_LANES and the C_* constants first; they are undefined at the end):
// one FMA lane for scalars, AVX2 and AVX-512.

#define BP_PASTE_(a, b, c) a##b##_##c
#define BP_PASTE(a, b, c) BP_PASTE_(a, b, c)

#define LANES 1
#define TARGET "fma"
#define SUFFIX BP_PASTE(TNAME, , fma)
typedef T BP_PASTE(bp_v1, , TNAME) __attribute__((vector_size(sizeof(T))));
typedef U BP_PASTE(bp_v1u, , TNAME) __attribute__((vector_size(sizeof(T))));
typedef I BP_PASTE(bp_v1i, , TNAME) __attribute__((vector_size(sizeof(T))));
#define V BP_PASTE(bp_v1, , TNAME)
#define UV BP_PASTE(bp_v1u, , TNAME)
#define IV BP_PASTE(bp_v1i, , TNAME)
#include "ElementwiseBody.h"

#define LANES AVX2_LANES
#define TARGET "avx2,fma"
#define SUFFIX BP_PASTE(TNAME, , avx2)
typedef T BP_PASTE(bp_vavx2, , TNAME) __attribute__((vector_size(sizeof(T) * AVX2_LANES)));
typedef U BP_PASTE(bp_vavx2u, , TNAME) __attribute__((vector_size(sizeof(T) * AVX2_LANES)));
typedef I BP_PASTE(bp_vavx2i, , TNAME) __attribute__((vector_size(sizeof(T) * AVX2_LANES)));
#define V BP_PASTE(bp_vavx2, , TNAME)
#define UV BP_PASTE(bp_vavx2u, , TNAME)
#define IV BP_PASTE(bp_vavx2i, , TNAME)
#include "ElementwiseBody.h"

#define LANES AVX512_LANES
#define TARGET "avx512f,avx2,fma"
#define SUFFIX BP_PASTE(TNAME, , avx512)
typedef T BP_PASTE(bp_vavx512, , TNAME) __attribute__((vector_size(sizeof(T) * AVX512_LANES)));
typedef U BP_PASTE(bp_vavx512u, , TNAME) __attribute__((vector_size(sizeof(T) * AVX512_LANES)));
typedef I BP_PASTE(bp_vavx512i, , TNAME) __attribute__((vector_size(sizeof(T) * AVX512_LANES)));
#define V BP_PASTE(bp_vavx512, , TNAME)
#define UV BP_PASTE(bp_vavx512u, , TNAME)
#define IV BP_PASTE(bp_vavx512i, , TNAME)
#include "ElementwiseBody.h"

#undef BP_PASTE
#undef BP_PASTE_
#undef T
#undef U
#undef I
#undef TNAME
#undef AVX2_LANES
#undef AVX512_LANES
#undef C_BIAS
#undef C_MANT
#undef C_LOG2E
#undef C_MAGIC
#undef C_LN2HI
#undef C_LN2LO
#undef C_EXP
#undef C_EXP_N
#undef C_LOG
#undef C_LOG_N
#undef C_EXP_HI
#undef C_EXP_LO
#undef C_EXPM1_LO
#undef C_TANH_HI
#undef C_SQRT_HALF
#undef C_MIN_NORMAL
#undef C_SUBNORMAL_SCALE
#undef C_SUBNORMAL_SHIFT
#undef C_INF
#undef C_NAN
