/* blocks.h — ggml block layouts and shared scalar helpers (internal to CAugurKernels). */
#ifndef AUGUR_BLOCKS_H
#define AUGUR_BLOCKS_H

#include <stdint.h>
#include <string.h>
#include <stddef.h>
#include "augur_kernels.h"

#pragma STDC FP_CONTRACT OFF

enum {
    T_F32 = 0, T_F16 = 1, T_Q4_0 = 2, T_Q4_1 = 3, T_Q5_0 = 6, T_Q5_1 = 7, T_Q8_0 = 8, T_Q8_1 = 9,
    T_Q4_K = 12, T_Q5_K = 13, T_Q6_K = 14, T_Q8_K = 15, T_BF16 = 30,
};

#define QK 32
#define QK_K 256
#define K_SCALE_SIZE 12

typedef uint16_t half_t;

typedef struct { half_t d; uint8_t qs[QK / 2]; } block_q4_0;                      /* 18 bytes */
typedef struct { half_t d; half_t m; uint8_t qs[QK / 2]; } block_q4_1;            /* 20 bytes */
typedef struct { half_t d; uint8_t qh[4]; uint8_t qs[QK / 2]; } block_q5_0;       /* 22 bytes */
typedef struct { half_t d; half_t m; uint8_t qh[4]; uint8_t qs[QK / 2]; } block_q5_1; /* 24 bytes */
typedef struct { half_t d; int8_t qs[QK]; } block_q8_0;                           /* 34 bytes */
/* Augur's Q8_1 activation block (not ggml's, whose d and s are f16): d and ds = d·Σqs as f32, so
 * the Q4_1/Q5_1 dot needs no half conversions on the activation side and the min term is exact
 * to f32 rounding. Activations are never stored, so the layout is free to differ. */
typedef struct { float d; float ds; int8_t qs[QK]; } block_q8_1;                   /* 40 bytes */
typedef struct {                                                                   /* 144 bytes */
    half_t d; half_t dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qs[QK_K / 2];
} block_q4_K;
typedef struct {                                                                   /* 176 bytes */
    half_t d; half_t dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qh[QK_K / 8]; uint8_t qs[QK_K / 2];
} block_q5_K;
typedef struct {                                                                   /* 210 bytes */
    uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; half_t d;
} block_q6_K;
typedef struct { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; } block_q8_K;  /* 292 bytes */

_Static_assert(sizeof(block_q4_0) == 18, "q4_0");
_Static_assert(sizeof(block_q4_1) == 20, "q4_1");
_Static_assert(sizeof(block_q5_0) == 22, "q5_0");
_Static_assert(sizeof(block_q5_1) == 24, "q5_1");
_Static_assert(sizeof(block_q8_0) == 34, "q8_0");
_Static_assert(sizeof(block_q8_1) == 40, "q8_1");
_Static_assert(sizeof(block_q4_K) == 144, "q4_K");
_Static_assert(sizeof(block_q5_K) == 176, "q5_K");
_Static_assert(sizeof(block_q6_K) == 210, "q6_K");
_Static_assert(sizeof(block_q8_K) == 292, "q8_K");

#define FP16(h) augur_f16_to_f32(h)

/* ggml's get_scale_min_k4: the j-th 6-bit scale and min of a Q4_K/Q5_K block. */
static inline void get_scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m) {
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4);
    }
}

/* Unpacks the 12 scale bytes of a Q4_K/Q5_K block into 8 scales and 8 mins. */
static inline void unpack_scales_k4(const uint8_t *scales, uint8_t sc[8], uint8_t mn[8]) {
    for (int j = 0; j < 8; ++j) get_scale_min_k4(j, scales, &sc[j], &mn[j]);
}

/* Reference (scalar) kernels, used by dispatch.c as the fallback. */
int augur_dequantize_row_avx2(uint32_t type, const void *src, float *dst, size_t n);
int augur_quantize_row_avx2(uint32_t act_type, const float *src, void *dst, size_t n);
float augur_vec_dot_avx2(uint32_t type, size_t n, const void *w, const void *act);
/* Dots of one weight row with ntok ≤ 4 activation rows (act_stride bytes apart) into out[0..ntok).
 * Returns 0 (and does nothing) for types without a multi-row kernel. */
int augur_vec_dot_multi_avx2(uint32_t type, size_t n, const void *w, const void *act, size_t act_stride, int ntok, float *out);
void augur_f16_to_f32_row_avx2(const uint16_t *src, float *dst, size_t n);
void augur_f32_to_f16_row_avx2(const float *src, uint16_t *dst, size_t n);

#endif
