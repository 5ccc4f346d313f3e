// The element-wise functions, written once and included once per (element type, instruction
// set) through ElementwiseInstances.h, which defines before each inclusion:
//
//   T, U, I      the element type and the unsigned/signed integers of its width
//   V, UV, IV    vectors of LANES of them (clang's vector extensions; LANES may be 1)
//   TARGET       the target attribute ("fma", "avx2,fma", "avx512f,avx2,fma")
//   SUFFIX       the name's last part (f64_fma, f32_avx512, …)
//   C_*          the constants of Elementwise.c's precision section (the same values, in the same
//                order, as Sources/Tensors/Transcendentals.swift)
//
// Note [One polynomial]: every path computes each element with exactly these operations in
// exactly this order: the same fused multiply-adds (one rounding each), the same divisions, the
// same selects. Lanes never interact, so a vector of 16 and a vector of 1 give the same bits, and
// so does the Swift version, which is this code written out for one element.

#define BP_CAT3(a, b, c) a##_##b##_##c
#define BP_NAME3(a, b, c) BP_CAT3(a, b, c)
#define BP_FN(name) BP_NAME3(bp, name, SUFFIX)
#define BP_IN(name) BP_NAME3(bpi, name, SUFFIX)
#define BP_INLINE static inline __attribute__((target(TARGET), always_inline))

// Every lane c (a loop the compiler turns into one broadcast; `(V){} + c` would turn −0 into +0).
BP_INLINE V BP_IN(splat)(T c) {
    V v;
    for (int i = 0; i < LANES; i++) v[i] = c;
    return v;
}
BP_INLINE V BP_IN(fma)(V a, V b, V c) { return __builtin_elementwise_fma(a, b, c); }
// mask ? a : b, for a mask of all-ones or all-zeros lanes (a comparison's result).
BP_INLINE V BP_IN(select)(IV mask, V a, V b) { return (V)(((UV)mask & (UV)a) | (~(UV)mask & (UV)b)); }
// 2ᵏ for k + bias in 1 … 2·bias (a normal number).
BP_INLINE V BP_IN(pow2)(IV k) { return (V)(((UV)k + C_BIAS) << C_MANT); }

// x = k·ln 2 + r with k = round(x / ln 2) (ties to even) and |r| ≤ ln 2 / 2; returns
// p = eʳ − 1 (a Taylor polynomial in Horner form) and k.
BP_INLINE V BP_IN(reduce)(V x, IV *k) {
    const V t = BP_IN(fma)(x, BP_IN(splat)(C_LOG2E), BP_IN(splat)(C_MAGIC));
    const V kf = t - BP_IN(splat)(C_MAGIC);
    *k = (IV)((UV)t - (UV)BP_IN(splat)(C_MAGIC));
    V r = BP_IN(fma)(kf, BP_IN(splat)(-C_LN2HI), x);
    r = BP_IN(fma)(kf, BP_IN(splat)(-C_LN2LO), r);
    V q = BP_IN(splat)(C_EXP[C_EXP_N - 1]);
    for (int i = C_EXP_N - 2; i >= 0; i--) q = BP_IN(fma)(q, r, BP_IN(splat)(C_EXP[i]));
    return BP_IN(fma)(q, r * r, r);
}

// 2ᵏ·(1 + p) = 2^k₁·(1 + p)·2^k₂ with k₁ = ⌊k/2⌋, k₂ = k − k₁: two normal scale factors, so
// that the clamped range [C_EXP_LO, C_EXP_HI] reaches overflow and underflow without an
// infinite factor (and a normal result is rounded once).
BP_INLINE V BP_IN(scale)(V p, IV k) {
    const IV k1 = k >> 1;
    const V s1 = BP_IN(pow2)(k1), s2 = BP_IN(pow2)(k - k1);
    return BP_IN(fma)(s1, p, s1) * s2;
}

// eˣ.
BP_INLINE V BP_IN(exp)(V x) {
    x = BP_IN(select)(x > BP_IN(splat)(C_EXP_HI), BP_IN(splat)(C_EXP_HI), x);
    x = BP_IN(select)(x < BP_IN(splat)(C_EXP_LO), BP_IN(splat)(C_EXP_LO), x);
    IV k;
    const V p = BP_IN(reduce)(x, &k);
    return BP_IN(scale)(p, k);
}

// eˣ − 1 = 2ᵏ·p + (2ᵏ − 1), one rounding (2ᵏ − 1 is exact for the |k| that matter); above
// k = bias the result is eˣ itself.
BP_INLINE V BP_IN(expm1)(V x) {
    const V x0 = x;
    x = BP_IN(select)(x > BP_IN(splat)(C_EXP_HI), BP_IN(splat)(C_EXP_HI), x);
    x = BP_IN(select)(x < BP_IN(splat)(C_EXPM1_LO), BP_IN(splat)(C_EXPM1_LO), x);
    IV k;
    const V p = BP_IN(reduce)(x, &k);
    const V big = BP_IN(scale)(p, k);
    const V s = BP_IN(pow2)(k);
    V y = BP_IN(fma)(s, p, s - BP_IN(splat)(1));
    y = BP_IN(select)(k > C_BIAS, big, y);
    return BP_IN(select)(x0 == BP_IN(splat)(0), x0, y);  // ±0 keeps its sign
}

// tanh x = sign(x)·u / (u + 2) with u = e^{2|x|} − 1; |x| is clamped where tanh rounds to 1.
BP_INLINE V BP_IN(tanh)(V x) {
    const UV sign = (UV)BP_IN(splat)(-0.0);
    V a = (V)((UV)x & ~sign);
    a = BP_IN(select)(a > BP_IN(splat)(C_TANH_HI), BP_IN(splat)(C_TANH_HI), a);
    const V u = BP_IN(expm1)(a + a);
    const V t = u / (u + BP_IN(splat)(2));
    return (V)((UV)t | ((UV)x & sign));
}

// σ(x) = 1 / (1 + e^−|x|) for x ≥ 0 and e^−|x| / (1 + e^−|x|) below: never an overflow.
BP_INLINE V BP_IN(sigmoid)(V x) {
    const V e = BP_IN(exp)((V)((UV)x | (UV)BP_IN(splat)(-0.0)));
    const V n = BP_IN(select)(x >= BP_IN(splat)(0), BP_IN(splat)(1), e);
    return n / (BP_IN(splat)(1) + e);
}

// ln(1 + f) − f + f²/2 − c for m = 1 + f ∈ [√½, √2), m = x·2^−e, with s = f / (2 + f):
// ln m = f − (f²/2 − (s·(f²/2 + R(s²)) + e·ln2lo + c)), R(z) = Σ 2zⁿ/(2n + 1), and the
// result e·ln2hi + that in one fused multiply-add (fdlibm's arrangement).
BP_INLINE V BP_IN(logm)(V m, V ef, V c) {
    const V f = m - BP_IN(splat)(1);
    const V s = f / (BP_IN(splat)(2) + f);
    const V z = s * s;
    V q = BP_IN(splat)(C_LOG[C_LOG_N - 1]);
    for (int i = C_LOG_N - 2; i >= 0; i--) q = BP_IN(fma)(q, z, BP_IN(splat)(C_LOG[i]));
    const V r = z * q;
    const V hfsq = BP_IN(splat)(0.5) * f * f;
    const V t = BP_IN(fma)(s, hfsq + r, BP_IN(fma)(ef, BP_IN(splat)(C_LN2LO), c));
    return BP_IN(fma)(ef, BP_IN(splat)(C_LN2HI), f - (hfsq - t));
}

// x = 2ᵉ·m with m ∈ [√½, √2): e from the bits of x − bits(√½), m with e taken out.
BP_INLINE V BP_IN(split)(V x, IV *e) {
    const UV ix = (UV)x;
    *e = (IV)(ix - (UV)BP_IN(splat)(C_SQRT_HALF)) >> C_MANT;
    return (V)(ix - ((UV)*e << C_MANT));
}

BP_INLINE V BP_IN(special_log)(V x, V zero_at, V y) {
    y = BP_IN(select)(x == BP_IN(splat)(C_INF), x, y);
    y = BP_IN(select)(x == zero_at, BP_IN(splat)(-C_INF), y);
    y = BP_IN(select)(x < zero_at, BP_IN(splat)(C_NAN), y);
    return BP_IN(select)(x != x, x, y);
}

// ln x; a subnormal x is first scaled by 2^C_SUBNORMAL_SHIFT.
BP_INLINE V BP_IN(log)(V x) {
    const IV sub = x < BP_IN(splat)(C_MIN_NORMAL);
    const V xs = BP_IN(select)(sub, x * BP_IN(splat)(C_SUBNORMAL_SCALE), x);
    IV e;
    const V m = BP_IN(split)(xs, &e);
    e = e - (sub & C_SUBNORMAL_SHIFT);
    const V ef = __builtin_convertvector(e, V);
    const V y = BP_IN(logm)(m, ef, BP_IN(splat)(0));
    return BP_IN(special_log)(x, BP_IN(splat)(0), y);
}

// ln(1 + x): u = 1 + x, split as above, with the rounding error of u carried in
// c = (x − (u − 1)) / u (or (1 − (u − x)) / u once e > 0).
BP_INLINE V BP_IN(log1p)(V x) {
    const V one = BP_IN(splat)(1);
    const V u = one + x;
    IV e;
    const V m = BP_IN(split)(u, &e);
    const V ef = __builtin_convertvector(e, V);
    const V c = BP_IN(select)(e > 0, one - (u - x), x - (u - one)) / u;
    V y = BP_IN(logm)(m, ef, c);
    y = BP_IN(select)(x == BP_IN(splat)(0), x, y);  // ±0 keeps its sign
    return BP_IN(special_log)(x, BP_IN(splat)(-1), y);
}

// The exported kernels: y[i] = f(x[i]) for i < n (x == y allowed); the last n mod LANES
// elements run through one zero-padded vector. The one-element function serves scalars.
#define BP_KERNEL(name)                                                                  \
    __attribute__((target(TARGET))) void BP_FN(name)(long n, const T *x, T *y) {       \
        long i = 0;                                                                     \
        for (; i + LANES <= n; i += LANES) {                                            \
            V v;                                                                        \
            __builtin_memcpy(&v, x + i, sizeof v);                                      \
            v = BP_IN(name)(v);                                                         \
            __builtin_memcpy(y + i, &v, sizeof v);                                      \
        }                                                                               \
        if (i < n) {                                                                    \
            V v = {};                                                                   \
            __builtin_memcpy(&v, x + i, (unsigned long)(n - i) * sizeof(T));            \
            v = BP_IN(name)(v);                                                         \
            __builtin_memcpy(y + i, &v, (unsigned long)(n - i) * sizeof(T));            \
        }                                                                               \
    }

#if LANES == 1
#define BP_SCALAR(name) \
    __attribute__((target(TARGET))) T BP_FN(name)(T x) { return BP_IN(name)((V){x})[0]; }
BP_SCALAR(exp)
BP_SCALAR(expm1)
BP_SCALAR(log)
BP_SCALAR(log1p)
BP_SCALAR(tanh)
BP_SCALAR(sigmoid)
#undef BP_SCALAR
#else
BP_KERNEL(exp)
BP_KERNEL(expm1)
BP_KERNEL(log)
BP_KERNEL(log1p)
BP_KERNEL(tanh)
BP_KERNEL(sigmoid)
#endif

#undef BP_KERNEL
// The instance's own macros, so that the next inclusion can define them afresh.
#undef V
#undef UV
#undef IV
#undef LANES
#undef TARGET
#undef SUFFIX
#undef BP_INLINE
#undef BP_IN
#undef BP_FN
#undef BP_NAME3
#undef BP_CAT3
