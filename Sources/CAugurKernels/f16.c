/* f16.c — exact scalar half/bfloat16 conversions and their row versions (reference + F16C). */
#include "blocks.h"
#include <immintrin.h>

static inline uint32_t f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

float augur_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1F;
    uint32_t mant = h & 0x3FF;
    if (exp == 0) {
        if (mant == 0) return bits_f32(sign);
        /* subnormal: normalise the mantissa */
        uint32_t e = 113;               /* 127 - 15 + 1 */
        while ((mant & 0x400) == 0) { mant <<= 1; e--; }
        mant &= 0x3FF;
        return bits_f32(sign | (e << 23) | (mant << 13));
    }
    if (exp == 31) {
        if (mant == 0) return bits_f32(sign | 0x7F800000);
        return bits_f32(sign | 0x7FC00000 | (mant << 13)); /* quiet NaN, payload kept */
    }
    return bits_f32(sign | ((exp + 112) << 23) | (mant << 13));
}

/* Round to nearest even, overflow to infinity, subnormals handled (ggml's fp32_to_fp16). */
uint16_t augur_f32_to_f16(float f) {
    const float scale_to_inf = 0x1.0p+112f;
    const float scale_to_zero = 0x1.0p-110f;
    float base = (__builtin_fabsf(f) * scale_to_inf) * scale_to_zero;
    const uint32_t w = f32_bits(f);
    const uint32_t shl1_w = w + w;
    const uint32_t sign = w & 0x80000000u;
    uint32_t bias = shl1_w & 0xFF000000u;
    if (bias < 0x71000000u) bias = 0x71000000u;
    base = bits_f32((bias >> 1) + 0x07800000u) + base;
    const uint32_t bits = f32_bits(base);
    const uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
    const uint32_t mantissa_bits = bits & 0x00000FFFu;
    const uint32_t nonsign = exp_bits + mantissa_bits;
    return (uint16_t)((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

float augur_bf16_to_f32(uint16_t h) { return bits_f32((uint32_t)h << 16); }

uint16_t augur_f32_to_bf16(float f) {
    uint32_t u = f32_bits(f);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 64); /* NaN stays NaN */
    return (uint16_t)((u + (0x7FFFu + ((u >> 16) & 1))) >> 16);
}

__attribute__((target("avx2,fma,f16c")))
void augur_f16_to_f32_row_avx2(const uint16_t *src, float *dst, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < n; ++i) dst[i] = augur_f16_to_f32(src[i]);
}

__attribute__((target("avx2,fma,f16c")))
void augur_f32_to_f16_row_avx2(const float *src, uint16_t *dst, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; ++i) dst[i] = augur_f32_to_f16(src[i]);
}

void augur_f16_to_f32_row(const uint16_t *src, float *dst, size_t n) {
    if (augur_has_avx2()) { augur_f16_to_f32_row_avx2(src, dst, n); return; }
    for (size_t i = 0; i < n; ++i) dst[i] = augur_f16_to_f32(src[i]);
}

void augur_f32_to_f16_row(const float *src, uint16_t *dst, size_t n) {
    if (augur_has_avx2()) { augur_f32_to_f16_row_avx2(src, dst, n); return; }
    for (size_t i = 0; i < n; ++i) dst[i] = augur_f32_to_f16(src[i]);
}

void augur_bf16_to_f32_row(const uint16_t *src, float *dst, size_t n) {
    for (size_t i = 0; i < n; ++i) dst[i] = augur_bf16_to_f32(src[i]); /* auto-vectorises */
}

void augur_f32_to_bf16_row(const float *src, uint16_t *dst, size_t n) {
    for (size_t i = 0; i < n; ++i) dst[i] = augur_f32_to_bf16(src[i]);
}
