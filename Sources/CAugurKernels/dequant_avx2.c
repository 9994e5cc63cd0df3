/* dequant_avx2.c — AVX2 dequantizers. Each computes exactly the float operations of its
 * reference in dequant_ref.c (same products and sums, no fused multiply-add), so the results are
 * bit-identical; only the unpacking of the quants is vectorised. */
#include "blocks.h"
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

/* 32 signed bytes → 32 floats q·d. */
static inline AVX2 void store_i8_mul(float *y, __m256i q, __m256 d) {
    const __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
    _mm256_storeu_ps(y + 0, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)), d));
    _mm256_storeu_ps(y + 8, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8))), d));
    _mm256_storeu_ps(y + 16, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)), d));
    _mm256_storeu_ps(y + 24, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8))), d));
}

/* 32 unsigned bytes → 32 floats q·d + m (add, not fma, to match the reference). */
static inline AVX2 void store_u8_mul_add(float *y, __m256i q, __m256 d, __m256 m) {
    const __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
    _mm256_storeu_ps(y + 0, _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(lo)), d), m));
    _mm256_storeu_ps(y + 8, _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8))), d), m));
    _mm256_storeu_ps(y + 16, _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(hi)), d), m));
    _mm256_storeu_ps(y + 24, _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8))), d), m));
}

/* 32 unsigned bytes → 32 floats d·q − m. */
static inline AVX2 void store_u8_mul_sub(float *y, __m256i q, __m256 d, __m256 m) {
    const __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
    _mm256_storeu_ps(y + 0, _mm256_sub_ps(_mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(lo))), m));
    _mm256_storeu_ps(y + 8, _mm256_sub_ps(_mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8)))), m));
    _mm256_storeu_ps(y + 16, _mm256_sub_ps(_mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(hi))), m));
    _mm256_storeu_ps(y + 24, _mm256_sub_ps(_mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8)))), m));
}

/* 16 packed bytes → 32 nibbles: low nibbles in bytes 0..15, high nibbles in bytes 16..31. */
static inline AVX2 __m256i nibbles32(const uint8_t *p) {
    const __m128i t = _mm_loadu_si128((const __m128i *)p);
    const __m256i b = _mm256_set_m128i(_mm_srli_epi16(t, 4), t);
    return _mm256_and_si256(b, _mm256_set1_epi8(0x0F));
}

/* 32 bits → 32 bytes, 0xFF where the bit is set. */
static inline AVX2 __m256i bits32(const uint8_t *p) {
    uint32_t x; memcpy(&x, p, 4);
    const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
    __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32((int)x), shuf);
    bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
    return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
}

AVX2 static void deq_q4_0(const block_q4_0 *x, float *y, size_t nb) {
    for (size_t i = 0; i < nb; ++i, y += QK) {
        const __m256i q = _mm256_sub_epi8(nibbles32(x[i].qs), _mm256_set1_epi8(8));
        store_i8_mul(y, q, _mm256_set1_ps(h2f(x[i].d)));
    }
}

AVX2 static void deq_q4_1(const block_q4_1 *x, float *y, size_t nb) {
    for (size_t i = 0; i < nb; ++i, y += QK)
        store_u8_mul_add(y, nibbles32(x[i].qs), _mm256_set1_ps(h2f(x[i].d)), _mm256_set1_ps(h2f(x[i].m)));
}

AVX2 static void deq_q5_0(const block_q5_0 *x, float *y, size_t nb) {
    for (size_t i = 0; i < nb; ++i, y += QK) {
        /* q − 16 as a signed byte: the nibble, or'ed with 0xF0 where the high bit is clear. */
        const __m256i hi = _mm256_andnot_si256(bits32(x[i].qh), _mm256_set1_epi8((char)0xF0));
        store_i8_mul(y, _mm256_or_si256(nibbles32(x[i].qs), hi), _mm256_set1_ps(h2f(x[i].d)));
    }
}

AVX2 static void deq_q5_1(const block_q5_1 *x, float *y, size_t nb) {
    for (size_t i = 0; i < nb; ++i, y += QK) {
        const __m256i hi = _mm256_and_si256(bits32(x[i].qh), _mm256_set1_epi8(0x10));
        store_u8_mul_add(y, _mm256_or_si256(nibbles32(x[i].qs), hi), _mm256_set1_ps(h2f(x[i].d)), _mm256_set1_ps(h2f(x[i].m)));
    }
}

AVX2 static void deq_q8_0(const block_q8_0 *x, float *y, size_t nb) {
    for (size_t i = 0; i < nb; ++i, y += QK)
        store_i8_mul(y, _mm256_loadu_si256((const __m256i *)x[i].qs), _mm256_set1_ps(h2f(x[i].d)));
}

AVX2 static void deq_q4_K(const block_q4_K *x, float *y, size_t nb) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (size_t i = 0; i < nb; ++i) {
        const float d = h2f(x[i].d), min = h2f(x[i].dmin);
        uint8_t sc[8], mn[8];
        unpack_scales_k4(x[i].scales, sc, mn);
        const uint8_t *q = x[i].qs;
        for (int j = 0; j < 4; ++j, q += 32, y += 64) {
            const __m256i b = _mm256_loadu_si256((const __m256i *)q);
            const float d1 = d * sc[2 * j], m1 = min * mn[2 * j];
            const float d2 = d * sc[2 * j + 1], m2 = min * mn[2 * j + 1];
            store_u8_mul_sub(y, _mm256_and_si256(b, m4), _mm256_set1_ps(d1), _mm256_set1_ps(m1));
            store_u8_mul_sub(y + 32, _mm256_and_si256(_mm256_srli_epi16(b, 4), m4), _mm256_set1_ps(d2), _mm256_set1_ps(m2));
        }
    }
}

AVX2 static void deq_q5_K(const block_q5_K *x, float *y, size_t nb) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    for (size_t i = 0; i < nb; ++i) {
        const float d = h2f(x[i].d), min = h2f(x[i].dmin);
        uint8_t sc[8], mn[8];
        unpack_scales_k4(x[i].scales, sc, mn);
        const __m256i qh = _mm256_loadu_si256((const __m256i *)x[i].qh);
        const uint8_t *ql = x[i].qs;
        for (int j = 0; j < 4; ++j, ql += 32, y += 64) {
            const __m256i b = _mm256_loadu_si256((const __m256i *)ql);
            const __m256i h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * j), one), 4);
            const __m256i h2 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * j + 1), one), 4);
            const float d1 = d * sc[2 * j], m1 = min * mn[2 * j];
            const float d2 = d * sc[2 * j + 1], m2 = min * mn[2 * j + 1];
            store_u8_mul_sub(y, _mm256_or_si256(_mm256_and_si256(b, m4), h1), _mm256_set1_ps(d1), _mm256_set1_ps(m1));
            store_u8_mul_sub(y + 32, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b, 4), m4), h2), _mm256_set1_ps(d2), _mm256_set1_ps(m2));
        }
    }
}

/* 32 signed bytes → floats, the first 16 times s0, the last 16 times s1. */
static inline AVX2 void store_i8_mul2(float *y, __m256i q, float s0, float s1) {
    const __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
    const __m256 a = _mm256_set1_ps(s0), b = _mm256_set1_ps(s1);
    _mm256_storeu_ps(y + 0, _mm256_mul_ps(a, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo))));
    _mm256_storeu_ps(y + 8, _mm256_mul_ps(a, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8)))));
    _mm256_storeu_ps(y + 16, _mm256_mul_ps(b, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi))));
    _mm256_storeu_ps(y + 24, _mm256_mul_ps(b, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8)))));
}

AVX2 static void deq_q6_K(const block_q6_K *x, float *y, size_t nb) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3), m32 = _mm256_set1_epi8(32);
    for (size_t i = 0; i < nb; ++i) {
        const float d = h2f(x[i].d);
        const uint8_t *ql = x[i].ql, *qh = x[i].qh;
        const int8_t *sc = x[i].scales;
        for (int n = 0; n < 2; ++n, y += 128, ql += 64, qh += 32, sc += 8) {
            const __m256i l0 = _mm256_loadu_si256((const __m256i *)ql);
            const __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            const __m256i h = _mm256_loadu_si256((const __m256i *)qh);
            const __m256i h0 = _mm256_slli_epi16(_mm256_and_si256(h, m3), 4);
            const __m256i h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2), m3), 4);
            const __m256i h2 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 4), m3), 4);
            const __m256i h3 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 6), m3), 4);
            const __m256i q1 = _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(l0, m4), h0), m32);
            const __m256i q2 = _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(l1, m4), h1), m32);
            const __m256i q3 = _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), h2), m32);
            const __m256i q4 = _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4), h3), m32);
            store_i8_mul2(y + 0, q1, d * sc[0], d * sc[1]);
            store_i8_mul2(y + 32, q2, d * sc[2], d * sc[3]);
            store_i8_mul2(y + 64, q3, d * sc[4], d * sc[5]);
            store_i8_mul2(y + 96, q4, d * sc[6], d * sc[7]);
        }
    }
}

AVX2 static void deq_bf16(const uint16_t *x, float *y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(x + i)));
        _mm256_storeu_ps(y + i, _mm256_castsi256_ps(_mm256_slli_epi32(w, 16)));
    }
    for (; i < n; ++i) y[i] = augur_bf16_to_f32(x[i]);
}

int augur_dequantize_row_avx2(uint32_t type, const void *src, float *dst, size_t n) {
    switch (type) {
    case T_F32: memcpy(dst, src, n * sizeof(float)); return 0;
    case T_F16: augur_f16_to_f32_row_avx2(src, dst, n); return 0;
    case T_BF16: deq_bf16(src, dst, n); return 0;
    case T_Q4_0: deq_q4_0(src, dst, n / QK); return 0;
    case T_Q4_1: deq_q4_1(src, dst, n / QK); return 0;
    case T_Q5_0: deq_q5_0(src, dst, n / QK); return 0;
    case T_Q5_1: deq_q5_1(src, dst, n / QK); return 0;
    case T_Q8_0: deq_q8_0(src, dst, n / QK); return 0;
    case T_Q4_K: deq_q4_K(src, dst, n / QK_K); return 0;
    case T_Q5_K: deq_q5_K(src, dst, n / QK_K); return 0;
    case T_Q6_K: deq_q6_K(src, dst, n / QK_K); return 0;
    default: return -1;
    }
}
