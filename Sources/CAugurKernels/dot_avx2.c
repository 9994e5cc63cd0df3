/* dot_avx2.c — AVX2 dot products weight row × quantized activation row, ggml style: quants are
 * unpacked to bytes, multiplied with maddubs (u8 × s8 → pairs of i16) and madd (→ i32), and each
 * block's integer sum is scaled and accumulated in float with FMA. */
#include "blocks.h"
#include <math.h>
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))

/* half → float. Written in asm because clang turns _cvtsh_ss into a vpinsrw that merges into
 * whatever register it likes (often a loop accumulator), chaining every block onto the previous
 * one; vpbroadcastw writes the whole register, so each conversion is independent. */
static inline AVX2 float h2f_at(const half_t *p) {
    __m128 r;
    __asm__("vpbroadcastw %1, %0\n\tvcvtph2ps %0, %0" : "=x"(r) : "m"(*p));
    return _mm_cvtss_f32(r);
}
#define h2f(field) h2f_at(&(field))

static inline AVX2 float hsum8(__m256 x) {
    __m128 r = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
    r = _mm_add_ps(r, _mm_movehl_ps(r, r));
    r = _mm_add_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

static inline AVX2 __m256i nibbles32(const uint8_t *p) {
    const __m128i t = _mm_loadu_si128((const __m128i *)p);
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), _mm256_set1_epi8(0x0F));
}

static inline AVX2 __m256i bits32(const uint8_t *p) {
    uint32_t x; memcpy(&x, p, 4);
    const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
    __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32((int)x), shuf);
    bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
    return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
}

/* Σ pairs of unsigned × signed bytes → 8 × i32. */
static inline AVX2 __m256i dot_us8(__m256i ux, __m256i sy) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(ux, sy), _mm256_set1_epi16(1));
}

/* Σ pairs of signed × signed bytes → 8 × i32 (sign moved onto y, as ggml does). */
static inline AVX2 __m256i dot_s8(__m256i x, __m256i y) {
    return dot_us8(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}

/* Generic two-chain loop for the Q8_0-activation types: QX(i) yields block i's signed quants. */
#define DOT_Q8_0_LOOP(QX)                                                                          \
    __m256 acc = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps();                                \
    size_t i = 0;                                                                                \
    for (; i + 2 <= nb; i += 2) {                                                                \
        const __m256i p0 = dot_s8(QX(i), _mm256_loadu_si256((const __m256i *)y[i].qs));         \
        const __m256i p1 = dot_s8(QX(i + 1), _mm256_loadu_si256((const __m256i *)y[i + 1].qs)); \
        acc = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p0), acc);            \
        acc2 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i + 1].d) * h2f(y[i + 1].d)), _mm256_cvtepi32_ps(p1), acc2);  \
    }                                                                                            \
    for (; i < nb; ++i) {                                                                        \
        const __m256i p0 = dot_s8(QX(i), _mm256_loadu_si256((const __m256i *)y[i].qs));         \
        acc = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p0), acc);            \
    }                                                                                            \
    return hsum8(_mm256_add_ps(acc, acc2));

/* [x.d, x.m] · [y.d, y.ds] in lanes 0 and 1 (two adjacent halves converted at once). */
static inline AVX2 __m128 dm_scales(const half_t *dm, const block_q8_1 *y) {
    uint32_t u; memcpy(&u, dm, 4);
    const __m128 xs = _mm_cvtph_ps(_mm_cvtsi32_si128((int)u));
    return _mm_mul_ps(xs, _mm_castpd_ps(_mm_load_sd((const double *)&y->d)));
}

/* [x.d · y.d, x.d · y.ds] in lanes 0 and 1. */
static inline AVX2 __m128 d_scales(const half_t *d, const block_q8_1 *y) {
    __m128 xs;
    __asm__("vpbroadcastw %1, %0\n\tvcvtph2ps %0, %0" : "=x"(xs) : "m"(*d));
    return _mm_mul_ps(xs, _mm_castpd_ps(_mm_load_sd((const double *)&y->d)));
}

/* Q4_0 and Q5_0 against Q8_1: Σ (q − off)·a = Σ q·a − off·Σa, so the unsigned quants go straight
 * into maddubs and the offset is paid once per block through ds = d·Σa. QX(i): block i's quants. */
#define DOT_OFFSET_LOOP(QX, OFF)                                                                  \
    __m256 acc = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps();                                \
    __m128 accm = _mm_setzero_ps(), accm2 = _mm_setzero_ps();                                    \
    size_t i = 0;                                                                                \
    for (; i + 2 <= nb; i += 2) {                                                                \
        const __m256i p0 = dot_us8(QX(i), _mm256_loadu_si256((const __m256i *)y[i].qs));        \
        const __m256i p1 = dot_us8(QX(i + 1), _mm256_loadu_si256((const __m256i *)y[i + 1].qs)); \
        const __m128 s0 = d_scales(&x[i].d, &y[i]), s1 = d_scales(&x[i + 1].d, &y[i + 1]);      \
        accm = _mm_add_ps(accm, s0);                                                             \
        accm2 = _mm_add_ps(accm2, s1);                                                           \
        acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(s0), _mm256_cvtepi32_ps(p0), acc);          \
        acc2 = _mm256_fmadd_ps(_mm256_broadcastss_ps(s1), _mm256_cvtepi32_ps(p1), acc2);        \
    }                                                                                            \
    for (; i < nb; ++i) {                                                                        \
        const __m256i p0 = dot_us8(QX(i), _mm256_loadu_si256((const __m256i *)y[i].qs));        \
        const __m128 s0 = d_scales(&x[i].d, &y[i]);                                              \
        accm = _mm_add_ps(accm, s0);                                                             \
        acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(s0), _mm256_cvtepi32_ps(p0), acc);          \
    }                                                                                            \
    accm = _mm_add_ps(accm, accm2);                                                              \
    return hsum8(_mm256_add_ps(acc, acc2)) - (OFF) * _mm_cvtss_f32(_mm_movehdup_ps(accm));

AVX2 static float dot_q4_0(size_t nb, const block_q4_0 *x, const block_q8_1 *y) {
#define QX_Q4_0(k) nibbles32(x[k].qs)
    DOT_OFFSET_LOOP(QX_Q4_0, 8.0f)
}

AVX2 static float dot_q5_0(size_t nb, const block_q5_0 *x, const block_q8_1 *y) {
    const __m256i b4 = _mm256_set1_epi8(0x10);
#define QX_Q5_0(k) _mm256_or_si256(nibbles32(x[k].qs), _mm256_and_si256(bits32(x[k].qh), b4))
    DOT_OFFSET_LOOP(QX_Q5_0, 16.0f)
}

AVX2 static float dot_q4_1(size_t nb, const block_q4_1 *x, const block_q8_1 *y) {
    __m256 acc = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps();
    __m128 accm = _mm_setzero_ps(), accm2 = _mm_setzero_ps();   /* lane 1: Σ m·ds */
    size_t i = 0;
    for (; i + 2 <= nb; i += 2) { /* two independent chains hide the FMA latency */
        const __m256i p0 = dot_us8(nibbles32(x[i].qs), _mm256_loadu_si256((const __m256i *)y[i].qs));
        const __m256i p1 = dot_us8(nibbles32(x[i + 1].qs), _mm256_loadu_si256((const __m256i *)y[i + 1].qs));
        const __m128 s0 = dm_scales(&x[i].d, &y[i]), s1 = dm_scales(&x[i + 1].d, &y[i + 1]);
        accm = _mm_add_ps(accm, s0);
        accm2 = _mm_add_ps(accm2, s1);
        acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(s0), _mm256_cvtepi32_ps(p0), acc);
        acc2 = _mm256_fmadd_ps(_mm256_broadcastss_ps(s1), _mm256_cvtepi32_ps(p1), acc2);
    }
    for (; i < nb; ++i) {
        const __m256i p0 = dot_us8(nibbles32(x[i].qs), _mm256_loadu_si256((const __m256i *)y[i].qs));
        const __m128 s0 = dm_scales(&x[i].d, &y[i]);
        accm = _mm_add_ps(accm, s0);
        acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(s0), _mm256_cvtepi32_ps(p0), acc);
    }
    accm = _mm_add_ps(accm, accm2);
    return hsum8(_mm256_add_ps(acc, acc2)) + _mm_cvtss_f32(_mm_movehdup_ps(accm));
}

AVX2 static float dot_q5_1(size_t nb, const block_q5_1 *x, const block_q8_1 *y) {
    __m256 acc = _mm256_setzero_ps();
    __m128 accm = _mm_setzero_ps();
    for (size_t i = 0; i < nb; ++i) {
        const __m256i hi = _mm256_and_si256(bits32(x[i].qh), _mm256_set1_epi8(0x10));
        const __m256i qx = _mm256_or_si256(nibbles32(x[i].qs), hi);
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[i].qs);
        const __m128 s0 = dm_scales(&x[i].d, &y[i]);
        accm = _mm_add_ps(accm, s0);
        acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(s0), _mm256_cvtepi32_ps(dot_us8(qx, qy)), acc);
    }
    return hsum8(acc) + _mm_cvtss_f32(_mm_movehdup_ps(accm));
}

AVX2 static float dot_q8_0(size_t nb, const block_q8_0 *x, const block_q8_0 *y) {
#define QX_Q8_0(k) _mm256_loadu_si256((const __m256i *)x[k].qs)
    DOT_Q8_0_LOOP(QX_Q8_0)
}

/* Σ_j mins[j] · (bsums[2j] + bsums[2j+1]) for a Q4_K/Q5_K block. */
static inline AVX2 int mins_dot(const uint8_t mn[8], const int16_t *bsums) {
    const __m128i b0 = _mm_loadu_si128((const __m128i *)bsums), b1 = _mm_loadu_si128((const __m128i *)(bsums + 8));
    const __m128i pairs = _mm_hadd_epi16(b0, b1); /* bsums[2j]+bsums[2j+1], j = 0..7 */
    const __m128i m = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)mn));
    __m128i p = _mm_madd_epi16(m, pairs);
    p = _mm_add_epi32(p, _mm_unpackhi_epi64(p, p));
    p = _mm_add_epi32(p, _mm_shuffle_epi32(p, 1));
    return _mm_cvtsi128_si32(p);
}

AVX2 static float dot_q4_K(size_t nb, const block_q4_K *x, const block_q8_K *y) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc = _mm256_setzero_ps();
    float accm = 0;
    for (size_t i = 0; i < nb; ++i) {
        uint8_t sc[8], mn[8];
        unpack_scales_k4(x[i].scales, sc, mn);
        const uint8_t *q4 = x[i].qs;
        const int8_t *q8 = y[i].qs;
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 4; ++j, q4 += 32, q8 += 64) {
            const __m256i b = _mm256_loadu_si256((const __m256i *)q4);
            const __m256i pl = _mm256_maddubs_epi16(_mm256_and_si256(b, m4), _mm256_loadu_si256((const __m256i *)q8));
            const __m256i ph = _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(b, 4), m4), _mm256_loadu_si256((const __m256i *)(q8 + 32)));
            sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_set1_epi16(sc[2 * j]), pl));
            sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_set1_epi16(sc[2 * j + 1]), ph));
        }
        const float dy = y[i].d;
        accm += (h2f(x[i].dmin) * dy) * (float)mins_dot(mn, y[i].bsums);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * dy), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum8(acc) - accm;
}

AVX2 static float dot_q5_K(size_t nb, const block_q5_K *x, const block_q8_K *y) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m16 = _mm256_set1_epi8(0x10);
    __m256 acc = _mm256_setzero_ps();
    float accm = 0;
    for (size_t i = 0; i < nb; ++i) {
        uint8_t sc[8], mn[8];
        unpack_scales_k4(x[i].scales, sc, mn);
        const uint8_t *q5 = x[i].qs;
        const int8_t *q8 = y[i].qs;
        const __m256i qh = _mm256_loadu_si256((const __m256i *)x[i].qh);
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 4; ++j, q5 += 32, q8 += 64) {
            const __m256i b = _mm256_loadu_si256((const __m256i *)q5);
            /* bit 2j of qh → 0x10 of the low quants, bit 2j+1 → the high ones */
            const __m256i hl = _mm256_and_si256(_mm256_slli_epi16(_mm256_srli_epi16(qh, 2 * j), 4), m16);
            const __m256i hh = _mm256_and_si256(_mm256_slli_epi16(_mm256_srli_epi16(qh, 2 * j + 1), 4), m16);
            const __m256i ql = _mm256_or_si256(_mm256_and_si256(b, m4), hl);
            const __m256i qhi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b, 4), m4), hh);
            const __m256i pl = _mm256_maddubs_epi16(ql, _mm256_loadu_si256((const __m256i *)q8));
            const __m256i ph = _mm256_maddubs_epi16(qhi, _mm256_loadu_si256((const __m256i *)(q8 + 32)));
            sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_set1_epi16(sc[2 * j]), pl));
            sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_set1_epi16(sc[2 * j + 1]), ph));
        }
        const float dy = y[i].d;
        accm += (h2f(x[i].dmin) * dy) * (float)mins_dot(mn, y[i].bsums);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * dy), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum8(acc) - accm;
}

AVX2 static float dot_q6_K(size_t nb, const block_q6_K *x, const block_q8_K *y) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3), m32 = _mm256_set1_epi8(32);
    __m256 acc = _mm256_setzero_ps();
    for (size_t i = 0; i < nb; ++i) {
        const uint8_t *ql = x[i].ql, *qh = x[i].qh;
        const int8_t *q8 = y[i].qs, *sc = x[i].scales;
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 2; ++j, ql += 64, qh += 32, q8 += 128, sc += 8) {
            const __m256i l0 = _mm256_loadu_si256((const __m256i *)ql);
            const __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            const __m256i h = _mm256_loadu_si256((const __m256i *)qh);
            const __m256i q0 = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(h, m3), 4));
            const __m256i q1 = _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2), m3), 4));
            const __m256i q2 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 4), m3), 4));
            const __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 6), m3), 4));
            const __m256i a0 = _mm256_loadu_si256((const __m256i *)q8);
            const __m256i a1 = _mm256_loadu_si256((const __m256i *)(q8 + 32));
            const __m256i a2 = _mm256_loadu_si256((const __m256i *)(q8 + 64));
            const __m256i a3 = _mm256_loadu_si256((const __m256i *)(q8 + 96));
            /* (q − 32)·a = q·a − 32·a, both through maddubs */
            const __m256i p0 = _mm256_sub_epi16(_mm256_maddubs_epi16(q0, a0), _mm256_maddubs_epi16(m32, a0));
            const __m256i p1 = _mm256_sub_epi16(_mm256_maddubs_epi16(q1, a1), _mm256_maddubs_epi16(m32, a1));
            const __m256i p2 = _mm256_sub_epi16(_mm256_maddubs_epi16(q2, a2), _mm256_maddubs_epi16(m32, a2));
            const __m256i p3 = _mm256_sub_epi16(_mm256_maddubs_epi16(q3, a3), _mm256_maddubs_epi16(m32, a3));
            /* 16 i16 lanes per 32 quants: lanes 0..7 take scale 2k, lanes 8..15 scale 2k+1 */
            const __m256i s0 = _mm256_set_m128i(_mm_set1_epi16(sc[1]), _mm_set1_epi16(sc[0]));
            const __m256i s1 = _mm256_set_m128i(_mm_set1_epi16(sc[3]), _mm_set1_epi16(sc[2]));
            const __m256i s2 = _mm256_set_m128i(_mm_set1_epi16(sc[5]), _mm_set1_epi16(sc[4]));
            const __m256i s3 = _mm256_set_m128i(_mm_set1_epi16(sc[7]), _mm_set1_epi16(sc[6]));
            sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(_mm256_madd_epi16(s0, p0), _mm256_madd_epi16(s1, p1)));
            sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(_mm256_madd_epi16(s2, p2), _mm256_madd_epi16(s3, p3)));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * y[i].d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum8(acc);
}

AVX2 static float dot_f32(size_t n, const float *w, const float *a) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(a + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(a + i + 8), s1);
    }
    float s = hsum8(_mm256_add_ps(s0, s1));
    for (; i < n; ++i) s += w[i] * a[i];
    return s;
}

AVX2 static float dot_f16(size_t n, const uint16_t *w, const float *a) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i))), _mm256_loadu_ps(a + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i + 8))), _mm256_loadu_ps(a + i + 8), s1);
    }
    float s = hsum8(_mm256_add_ps(s0, s1));
    for (; i < n; ++i) s += augur_f16_to_f32(w[i]) * a[i];
    return s;
}

AVX2 static float dot_bf16(size_t n, const uint16_t *w, const float *a) {
    __m256 s0 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i v = _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(w + i))), 16);
        s0 = _mm256_fmadd_ps(_mm256_castsi256_ps(v), _mm256_loadu_ps(a + i), s0);
    }
    float s = hsum8(s0);
    for (; i < n; ++i) s += augur_bf16_to_f32(w[i]) * a[i];
    return s;
}

float augur_vec_dot_avx2(uint32_t type, size_t n, const void *w, const void *act) {
    switch (type) {
    case T_F32: return dot_f32(n, w, act);
    case T_F16: return dot_f16(n, w, act);
    case T_BF16: return dot_bf16(n, w, act);
    case T_Q4_0: return dot_q4_0(n / QK, w, act);
    case T_Q4_1: return dot_q4_1(n / QK, w, act);
    case T_Q5_0: return dot_q5_0(n / QK, w, act);
    case T_Q5_1: return dot_q5_1(n / QK, w, act);
    case T_Q8_0: return dot_q8_0(n / QK, w, act);
    case T_Q4_K: return dot_q4_K(n / QK_K, w, act);
    case T_Q5_K: return dot_q5_K(n / QK_K, w, act);
    case T_Q6_K: return dot_q6_K(n / QK_K, w, act);
    default: return NAN;
    }
}

/* ---- several activation rows at once ------------------------------------------------------ */
/* One weight row against up to 4 activation rows: each weight block is unpacked once and used
 * for every token (prefill and batched scoring). Same arithmetic per token as the single dots. */

#define MT 4

__attribute__((always_inline)) static inline AVX2 void dot4_q4_x(int has_min, size_t nb, const void *wrow, size_t wstride,
                           const char *act, size_t act_stride, int ntok, float *out) {
    __m256 acc[MT];
    __m128 accm[MT];
    for (int t = 0; t < MT; ++t) { acc[t] = _mm256_setzero_ps(); accm[t] = _mm_setzero_ps(); }
    const char *wb = wrow;
    for (size_t i = 0; i < nb; ++i) {
        const char *blk = wb + i * wstride;                       /* Q4_0: d, qs; Q4_1: d, m, qs */
        const uint8_t *qs = (const uint8_t *)blk + (has_min ? 4 : 2);
        const __m256i qx = nibbles32(qs);
        for (int t = 0; t < ntok; ++t) {
            const block_q8_1 *y = (const block_q8_1 *)(act + t * act_stride) + i;
            const __m256i p = dot_us8(qx, _mm256_loadu_si256((const __m256i *)y->qs));
            const __m128 s = has_min ? dm_scales((const half_t *)blk, y) : d_scales((const half_t *)blk, y);
            accm[t] = _mm_add_ps(accm[t], s);
            acc[t] = _mm256_fmadd_ps(_mm256_broadcastss_ps(s), _mm256_cvtepi32_ps(p), acc[t]);
        }
    }
    for (int t = 0; t < ntok; ++t) {
        const float m = _mm_cvtss_f32(_mm_movehdup_ps(accm[t]));
        out[t] = hsum8(acc[t]) + (has_min ? m : -8.0f * m);
    }
}

__attribute__((always_inline)) static inline AVX2 void dot4_q8_0(size_t nb, const block_q8_0 *x, const char *act, size_t act_stride, int ntok, float *out) {
    __m256 acc[MT];
    for (int t = 0; t < MT; ++t) acc[t] = _mm256_setzero_ps();
    for (size_t i = 0; i < nb; ++i) {
        const __m256i qx = _mm256_loadu_si256((const __m256i *)x[i].qs);
        const __m256i ax = _mm256_sign_epi8(qx, qx);
        const float dx = h2f(x[i].d);
        for (int t = 0; t < ntok; ++t) {
            const block_q8_0 *y = (const block_q8_0 *)(act + t * act_stride) + i;
            const __m256i p = dot_us8(ax, _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)y->qs), qx));
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(dx * h2f(y->d)), _mm256_cvtepi32_ps(p), acc[t]);
        }
    }
    for (int t = 0; t < ntok; ++t) out[t] = hsum8(acc[t]);
}

/* Instantiated for each constant token count, so the accumulators live in registers. */
#define DOT_MULTI_INSTANCES(NT)                                                                    \
    AVX2 static void dot_multi_##NT(uint32_t type, size_t n, const void *w, const char *act, size_t st, float *out) { \
        switch (type) {                                                                            \
        case T_Q4_0: dot4_q4_x(0, n / QK, w, sizeof(block_q4_0), act, st, NT, out); break;        \
        case T_Q4_1: dot4_q4_x(1, n / QK, w, sizeof(block_q4_1), act, st, NT, out); break;        \
        default: dot4_q8_0(n / QK, w, act, st, NT, out); break;                                    \
        }                                                                                          \
    }
DOT_MULTI_INSTANCES(2)
DOT_MULTI_INSTANCES(3)
DOT_MULTI_INSTANCES(4)

int augur_vec_dot_multi_avx2(uint32_t type, size_t n, const void *w, const void *act, size_t act_stride, int ntok, float *out) {
    if (type != T_Q4_0 && type != T_Q4_1 && type != T_Q8_0) return 0;
    if (ntok <= 0) return 1;
    switch (ntok) {
    case 1: out[0] = augur_vec_dot_avx2(type, n, w, act); break;
    case 2: dot_multi_2(type, n, w, act, act_stride, out); break;
    case 3: dot_multi_3(type, n, w, act, act_stride, out); break;
    default: dot_multi_4(type, n, w, act, act_stride, out); break;
    }
    return 1;
}
