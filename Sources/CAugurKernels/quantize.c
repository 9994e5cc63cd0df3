/* quantize.c — activation quantization f32 → Q8_0 / Q8_1 / Q8_K, reference and AVX2.
 *
 * Rounding is to nearest even (ggml's Q8_K reference does the same; its Q8_0 reference rounds
 * half away from zero, which differs only on exact ties). Both versions compute the same scale
 * and the same products, so they are bit-identical. */
#include "blocks.h"
#include <math.h>
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))

static inline int8_t rne_i8(float v) {
    float r = nearbyintf(v);
    if (r > 127.f) r = 127.f;
    if (r < -127.f) r = -127.f;
    return (int8_t)r;
}

/* One 32-block: returns d, fills q. */
static float q8_block_ref(const float *x, int8_t *q) {
    float amax = 0.f;
    for (int j = 0; j < QK; ++j) { const float a = fabsf(x[j]); if (a > amax) amax = a; }
    const float d = amax / 127.f;
    const float id = d != 0.f ? 1.0f / d : 0.0f;
    for (int j = 0; j < QK; ++j) q[j] = rne_i8(x[j] * id);
    return d;
}

static void q8_k_block_ref(const float *x, block_q8_K *y) {
    float amax = 0.f;
    for (int j = 0; j < QK_K; ++j) { const float a = fabsf(x[j]); if (a > amax) amax = a; }
    if (amax == 0.f) { memset(y, 0, sizeof *y); return; }
    const float iscale = 127.f / amax;
    for (int j = 0; j < QK_K; ++j) y->qs[j] = rne_i8(iscale * x[j]);
    for (int j = 0; j < QK_K / 16; ++j) {
        int sum = 0;
        for (int l = 0; l < 16; ++l) sum += y->qs[16 * j + l];
        y->bsums[j] = (int16_t)sum;
    }
    y->d = 1.0f / iscale;
}

int augur_quantize_row_ref(uint32_t act_type, const float *x, void *dst, size_t n) {
    switch (act_type) {
    case T_Q8_0: {
        block_q8_0 *y = dst;
        for (size_t i = 0; i < n / QK; ++i) y[i].d = augur_f32_to_f16(q8_block_ref(x + i * QK, y[i].qs));
        return 0;
    }
    case T_Q8_1: {
        block_q8_1 *y = dst;
        for (size_t i = 0; i < n / QK; ++i) {
            const float d = q8_block_ref(x + i * QK, y[i].qs);
            int sum = 0;
            for (int j = 0; j < QK; ++j) sum += y[i].qs[j];
            y[i].d = d;
            y[i].ds = d * (float)sum;
        }
        return 0;
    }
    case T_Q8_K: {
        block_q8_K *y = dst;
        for (size_t i = 0; i < n / QK_K; ++i) q8_k_block_ref(x + i * QK_K, &y[i]);
        return 0;
    }
    default: return -1;
    }
}

/* ---- AVX2 ---- */

static inline AVX2 float hmax_abs(const float *x, int n) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps();
    for (int j = 0; j < n; j += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)));
    __m128 r = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    r = _mm_max_ps(r, _mm_movehl_ps(r, r));
    r = _mm_max_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

/* 32 floats · scale → 32 int8 (round to nearest even, clamped to ±127), natural order. */
static inline AVX2 __m256i quant32(const float *x, __m256 s) {
#define RNE_MODE (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
    const __m256 lim = _mm256_set1_ps(127.f), nlim = _mm256_set1_ps(-127.f);
    __m256 v[4];
    for (int k = 0; k < 4; ++k) {
        __m256 r = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), s), RNE_MODE);
        v[k] = _mm256_max_ps(_mm256_min_ps(r, lim), nlim);
    }
    __m256i i0 = _mm256_packs_epi32(_mm256_cvtps_epi32(v[0]), _mm256_cvtps_epi32(v[1]));
    __m256i i2 = _mm256_packs_epi32(_mm256_cvtps_epi32(v[2]), _mm256_cvtps_epi32(v[3]));
    i0 = _mm256_packs_epi16(i0, i2);
    return _mm256_permutevar8x32_epi32(i0, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

static inline AVX2 int hsum_i8x32(__m256i q) {
    const __m256i s16 = _mm256_maddubs_epi16(_mm256_set1_epi8(1), q);
    const __m256i s32 = _mm256_madd_epi16(s16, _mm256_set1_epi16(1));
    __m128i r = _mm_add_epi32(_mm256_castsi256_si128(s32), _mm256_extracti128_si256(s32, 1));
    r = _mm_add_epi32(r, _mm_unpackhi_epi64(r, r));
    r = _mm_add_epi32(r, _mm_shuffle_epi32(r, 1));
    return _mm_cvtsi128_si32(r);
}

static inline AVX2 float q8_block_avx2(const float *x, int8_t *q, int *sum) {
    const float amax = hmax_abs(x, QK);
    const float d = amax / 127.f;
    const float id = d != 0.f ? 1.0f / d : 0.0f;
    const __m256i qi = quant32(x, _mm256_set1_ps(id));
    _mm256_storeu_si256((__m256i *)q, qi);
    if (sum) *sum = hsum_i8x32(qi);
    return d;
}

int augur_quantize_row_avx2(uint32_t act_type, const float *x, void *dst, size_t n) AVX2;
int augur_quantize_row_avx2(uint32_t act_type, const float *x, void *dst, size_t n) {
    switch (act_type) {
    case T_Q8_0: {
        block_q8_0 *y = dst;
        for (size_t i = 0; i < n / QK; ++i) y[i].d = (half_t)_cvtss_sh(q8_block_avx2(x + i * QK, y[i].qs, NULL), 0);
        return 0;
    }
    case T_Q8_1: {
        block_q8_1 *y = dst;
        for (size_t i = 0; i < n / QK; ++i) {
            int sum = 0;
            const float d = q8_block_avx2(x + i * QK, y[i].qs, &sum);
            y[i].d = d;
            y[i].ds = d * (float)sum;
        }
        return 0;
    }
    case T_Q8_K: {
        block_q8_K *y = dst;
        for (size_t i = 0; i < n / QK_K; ++i) {
            const float *xb = x + i * QK_K;
            const float amax = hmax_abs(xb, QK_K);
            if (amax == 0.f) { memset(&y[i], 0, sizeof y[i]); continue; }
            const float iscale = 127.f / amax;
            const __m256 s = _mm256_set1_ps(iscale);
            for (int j = 0; j < QK_K; j += 32) {
                const __m256i q = quant32(xb + j, s);
                _mm256_storeu_si256((__m256i *)(y[i].qs + j), q);
                /* sums of each 16 quants */
                const __m256i s16 = _mm256_maddubs_epi16(_mm256_set1_epi8(1), q);
                const __m256i s32 = _mm256_madd_epi16(s16, _mm256_set1_epi16(1));
                const __m256i h = _mm256_hadd_epi32(s32, s32);
                const __m256i h2 = _mm256_hadd_epi32(h, h);
                y[i].bsums[j / 16] = (int16_t)_mm256_extract_epi32(h2, 0);
                y[i].bsums[j / 16 + 1] = (int16_t)_mm256_extract_epi32(h2, 4);
            }
            y[i].d = 1.0f / iscale;
        }
        return 0;
    }
    default: return -1;
    }
}
