/* dot_ref.c — reference dot products of a weight row with a quantized activation row: integer
 * sums per block in plain scalar C, as ggml's generic vec_dot_*_q8_* code does. */
#include "blocks.h"
#include <math.h>

static float dot_q4_0(size_t nb, const block_q4_0 *x, const block_q8_1 *y) {
    float sumf = 0;
    for (size_t i = 0; i < nb; ++i) {
        int sumi = 0;
        for (int j = 0; j < QK / 2; ++j) {
            sumi += ((x[i].qs[j] & 0x0F) - 8) * y[i].qs[j];
            sumi += ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + QK / 2];
        }
        sumf += sumi * (FP16(x[i].d) * y[i].d);
    }
    return sumf;
}

static float dot_q4_1(size_t nb, const block_q4_1 *x, const block_q8_1 *y) {
    float sumf = 0;
    for (size_t i = 0; i < nb; ++i) {
        int sumi = 0;
        for (int j = 0; j < QK / 2; ++j) {
            sumi += (x[i].qs[j] & 0x0F) * y[i].qs[j];
            sumi += (x[i].qs[j] >> 4) * y[i].qs[j + QK / 2];
        }
        sumf += sumi * (FP16(x[i].d) * y[i].d) + FP16(x[i].m) * y[i].ds;
    }
    return sumf;
}

static float dot_q5_0(size_t nb, const block_q5_0 *x, const block_q8_1 *y) {
    float sumf = 0;
    for (size_t i = 0; i < nb; ++i) {
        uint32_t qh; memcpy(&qh, x[i].qh, 4);
        int sumi = 0;
        for (int j = 0; j < QK / 2; ++j) {
            const int x0 = ((x[i].qs[j] & 0x0F) | (((qh >> j) << 4) & 0x10)) - 16;
            const int x1 = ((x[i].qs[j] >> 4) | ((qh >> (j + 12)) & 0x10)) - 16;
            sumi += x0 * y[i].qs[j] + x1 * y[i].qs[j + QK / 2];
        }
        sumf += sumi * (FP16(x[i].d) * y[i].d);
    }
    return sumf;
}

static float dot_q5_1(size_t nb, const block_q5_1 *x, const block_q8_1 *y) {
    float sumf = 0;
    for (size_t i = 0; i < nb; ++i) {
        uint32_t qh; memcpy(&qh, x[i].qh, 4);
        int sumi = 0;
        for (int j = 0; j < QK / 2; ++j) {
            const int x0 = (x[i].qs[j] & 0x0F) | (((qh >> j) << 4) & 0x10);
            const int x1 = (x[i].qs[j] >> 4) | ((qh >> (j + 12)) & 0x10);
            sumi += x0 * y[i].qs[j] + x1 * y[i].qs[j + QK / 2];
        }
        sumf += sumi * (FP16(x[i].d) * y[i].d) + FP16(x[i].m) * y[i].ds;
    }
    return sumf;
}

static float dot_q8_0(size_t nb, const block_q8_0 *x, const block_q8_0 *y) {
    float sumf = 0;
    for (size_t i = 0; i < nb; ++i) {
        int sumi = 0;
        for (int j = 0; j < QK; ++j) sumi += x[i].qs[j] * y[i].qs[j];
        sumf += sumi * (FP16(x[i].d) * FP16(y[i].d));
    }
    return sumf;
}

static float dot_q4_K(size_t nb, const block_q4_K *x, const block_q8_K *y) {
    float sumf = 0;
    for (size_t i = 0; i < nb; ++i) {
        uint8_t sc[8], mn[8];
        unpack_scales_k4(x[i].scales, sc, mn);
        int sumi = 0, summ = 0;
        for (int j = 0; j < 4; ++j) {
            const uint8_t *q = x[i].qs + 32 * j;
            const int8_t *a = y[i].qs + 64 * j;
            int lo = 0, hi = 0;
            for (int l = 0; l < 32; ++l) { lo += (q[l] & 0xF) * a[l]; hi += (q[l] >> 4) * a[l + 32]; }
            sumi += sc[2 * j] * lo + sc[2 * j + 1] * hi;
        }
        for (int j = 0; j < 8; ++j) summ += mn[j] * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
        sumf += (FP16(x[i].d) * y[i].d) * sumi - (FP16(x[i].dmin) * y[i].d) * summ;
    }
    return sumf;
}

static float dot_q5_K(size_t nb, const block_q5_K *x, const block_q8_K *y) {
    float sumf = 0;
    for (size_t i = 0; i < nb; ++i) {
        uint8_t sc[8], mn[8];
        unpack_scales_k4(x[i].scales, sc, mn);
        int sumi = 0, summ = 0;
        for (int j = 0; j < 4; ++j) {
            const uint8_t *q = x[i].qs + 32 * j, *qh = x[i].qh;
            const int8_t *a = y[i].qs + 64 * j;
            int lo = 0, hi = 0;
            for (int l = 0; l < 32; ++l) {
                lo += ((q[l] & 0xF) | (((qh[l] >> (2 * j)) & 1) << 4)) * a[l];
                hi += ((q[l] >> 4) | (((qh[l] >> (2 * j + 1)) & 1) << 4)) * a[l + 32];
            }
            sumi += sc[2 * j] * lo + sc[2 * j + 1] * hi;
        }
        for (int j = 0; j < 8; ++j) summ += mn[j] * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
        sumf += (FP16(x[i].d) * y[i].d) * sumi - (FP16(x[i].dmin) * y[i].d) * summ;
    }
    return sumf;
}

static float dot_q6_K(size_t nb, const block_q6_K *x, const block_q8_K *y) {
    float sumf = 0;
    for (size_t i = 0; i < nb; ++i) {
        int sumi = 0;
        for (int n = 0; n < 2; ++n) {
            const uint8_t *ql = x[i].ql + 64 * n, *qh = x[i].qh + 32 * n;
            const int8_t *sc = x[i].scales + 8 * n, *a = y[i].qs + 128 * n;
            int s[8] = {0};
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                s[is + 0] += (((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32) * a[l];
                s[is + 2] += (((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32) * a[l + 32];
                s[is + 4] += (((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32) * a[l + 64];
                s[is + 6] += (((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32) * a[l + 96];
            }
            for (int k = 0; k < 8; ++k) sumi += sc[k] * s[k];
        }
        sumf += (FP16(x[i].d) * y[i].d) * sumi;
    }
    return sumf;
}

float augur_vec_dot_ref(uint32_t type, size_t n, const void *w, const void *act) {
    switch (type) {
    case T_F32: case T_F16: case T_BF16: {
        const float *a = act;
        double s = 0;
        for (size_t i = 0; i < n; ++i) {
            const float wi = type == T_F32 ? ((const float *)w)[i]
                           : type == T_F16 ? augur_f16_to_f32(((const uint16_t *)w)[i])
                                           : augur_bf16_to_f32(((const uint16_t *)w)[i]);
            s += (double)wi * a[i];
        }
        return (float)s;
    }
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
