/* dequant_ref.c — reference dequantizers, plain scalar C straight from ggml's definitions
 * (ggml-quants.c dequantize_row_*). These define the meaning of every block format. */
#include "blocks.h"

static void deq_q4_0(const block_q4_0 *x, float *y, size_t nb) {
    for (size_t i = 0; i < nb; ++i) {
        const float d = FP16(x[i].d);
        for (int j = 0; j < QK / 2; ++j) {
            const int x0 = (x[i].qs[j] & 0x0F) - 8;
            const int x1 = (x[i].qs[j] >> 4) - 8;
            y[i * QK + j] = x0 * d;
            y[i * QK + j + QK / 2] = x1 * d;
        }
    }
}

static void deq_q4_1(const block_q4_1 *x, float *y, size_t nb) {
    for (size_t i = 0; i < nb; ++i) {
        const float d = FP16(x[i].d), m = FP16(x[i].m);
        for (int j = 0; j < QK / 2; ++j) {
            const int x0 = x[i].qs[j] & 0x0F;
            const int x1 = x[i].qs[j] >> 4;
            y[i * QK + j] = x0 * d + m;
            y[i * QK + j + QK / 2] = x1 * d + m;
        }
    }
}

static void deq_q5_0(const block_q5_0 *x, float *y, size_t nb) {
    for (size_t i = 0; i < nb; ++i) {
        const float d = FP16(x[i].d);
        uint32_t qh; memcpy(&qh, x[i].qh, 4);
        for (int j = 0; j < QK / 2; ++j) {
            const uint8_t xh_0 = ((qh >> (j + 0)) << 4) & 0x10;
            const uint8_t xh_1 = ((qh >> (j + 12))) & 0x10;
            const int32_t x0 = ((x[i].qs[j] & 0x0F) | xh_0) - 16;
            const int32_t x1 = ((x[i].qs[j] >> 4) | xh_1) - 16;
            y[i * QK + j] = x0 * d;
            y[i * QK + j + QK / 2] = x1 * d;
        }
    }
}

static void deq_q5_1(const block_q5_1 *x, float *y, size_t nb) {
    for (size_t i = 0; i < nb; ++i) {
        const float d = FP16(x[i].d), m = FP16(x[i].m);
        uint32_t qh; memcpy(&qh, x[i].qh, 4);
        for (int j = 0; j < QK / 2; ++j) {
            const uint8_t xh_0 = ((qh >> (j + 0)) << 4) & 0x10;
            const uint8_t xh_1 = ((qh >> (j + 12))) & 0x10;
            const int x0 = (x[i].qs[j] & 0x0F) | xh_0;
            const int x1 = (x[i].qs[j] >> 4) | xh_1;
            y[i * QK + j] = x0 * d + m;
            y[i * QK + j + QK / 2] = x1 * d + m;
        }
    }
}

static void deq_q8_0(const block_q8_0 *x, float *y, size_t nb) {
    for (size_t i = 0; i < nb; ++i) {
        const float d = FP16(x[i].d);
        for (int j = 0; j < QK; ++j) y[i * QK + j] = x[i].qs[j] * d;
    }
}

static void deq_q4_K(const block_q4_K *x, float *y, size_t nb) {
    for (size_t i = 0; i < nb; ++i) {
        const uint8_t *q = x[i].qs;
        const float d = FP16(x[i].d), min = FP16(x[i].dmin);
        int is = 0;
        uint8_t sc, m;
        for (int j = 0; j < QK_K; j += 64) {
            get_scale_min_k4(is + 0, x[i].scales, &sc, &m);
            const float d1 = d * sc, m1 = min * m;
            get_scale_min_k4(is + 1, x[i].scales, &sc, &m);
            const float d2 = d * sc, m2 = min * m;
            for (int l = 0; l < 32; ++l) *y++ = d1 * (q[l] & 0xF) - m1;
            for (int l = 0; l < 32; ++l) *y++ = d2 * (q[l] >> 4) - m2;
            q += 32; is += 2;
        }
    }
}

static void deq_q5_K(const block_q5_K *x, float *y, size_t nb) {
    for (size_t i = 0; i < nb; ++i) {
        const uint8_t *ql = x[i].qs, *qh = x[i].qh;
        const float d = FP16(x[i].d), min = FP16(x[i].dmin);
        int is = 0;
        uint8_t sc, m, u1 = 1, u2 = 2;
        for (int j = 0; j < QK_K; j += 64) {
            get_scale_min_k4(is + 0, x[i].scales, &sc, &m);
            const float d1 = d * sc, m1 = min * m;
            get_scale_min_k4(is + 1, x[i].scales, &sc, &m);
            const float d2 = d * sc, m2 = min * m;
            for (int l = 0; l < 32; ++l) *y++ = d1 * ((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
            for (int l = 0; l < 32; ++l) *y++ = d2 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
            ql += 32; is += 2;
            u1 <<= 2; u2 <<= 2;
        }
    }
}

static void deq_q6_K(const block_q6_K *x, float *y, size_t nb) {
    for (size_t i = 0; i < nb; ++i) {
        const float d = FP16(x[i].d);
        const uint8_t *ql = x[i].ql, *qh = x[i].qh;
        const int8_t *sc = x[i].scales;
        for (int n = 0; n < QK_K; n += 128) {
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                const int8_t q1 = (int8_t)((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int8_t q2 = (int8_t)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int8_t q3 = (int8_t)((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int8_t q4 = (int8_t)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l + 0] = d * sc[is + 0] * q1;
                y[l + 32] = d * sc[is + 2] * q2;
                y[l + 64] = d * sc[is + 4] * q3;
                y[l + 96] = d * sc[is + 6] * q4;
            }
            y += 128; ql += 64; qh += 32; sc += 8;
        }
    }
}

int augur_dequantize_row_ref(uint32_t type, const void *src, float *dst, size_t n) {
    switch (type) {
    case T_F32: memcpy(dst, src, n * sizeof(float)); return 0;
    case T_F16: { const uint16_t *h = src; for (size_t i = 0; i < n; ++i) dst[i] = augur_f16_to_f32(h[i]); return 0; }
    case T_BF16: { const uint16_t *h = src; for (size_t i = 0; i < n; ++i) dst[i] = augur_bf16_to_f32(h[i]); return 0; }
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
