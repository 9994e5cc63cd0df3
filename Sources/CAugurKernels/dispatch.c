/* dispatch.c — type traits, run-time choice between the AVX2 and reference kernels, the
 * rows × tokens loop, and the per-thread scratch buffer. */
#include "blocks.h"
#include <math.h>
#include <stdlib.h>
#include <pthread.h>

static int detect_avx2(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#else
    return 0;
#endif
}

static int has_avx2_cached = -1;

int augur_has_avx2(void) {
    int v = __atomic_load_n(&has_avx2_cached, __ATOMIC_RELAXED);
    if (v < 0) {
        v = detect_avx2();
        __atomic_store_n(&has_avx2_cached, v, __ATOMIC_RELAXED);
    }
    return v;
}

int augur_type_supported(uint32_t type) {
    switch (type) {
    case T_F32: case T_F16: case T_BF16: case T_Q4_0: case T_Q4_1: case T_Q5_0: case T_Q5_1:
    case T_Q8_0: case T_Q4_K: case T_Q5_K: case T_Q6_K: return 1;
    default: return 0;
    }
}

size_t augur_block_size(uint32_t type) {
    switch (type) {
    case T_F32: case T_F16: case T_BF16: return 1;
    case T_Q4_0: case T_Q4_1: case T_Q5_0: case T_Q5_1: case T_Q8_0: case T_Q8_1: return QK;
    case T_Q4_K: case T_Q5_K: case T_Q6_K: case T_Q8_K: return QK_K;
    default: return 0;
    }
}

size_t augur_block_bytes(uint32_t type) {
    switch (type) {
    case T_F32: return 4;
    case T_F16: case T_BF16: return 2;
    case T_Q4_0: return sizeof(block_q4_0);
    case T_Q4_1: return sizeof(block_q4_1);
    case T_Q5_0: return sizeof(block_q5_0);
    case T_Q5_1: return sizeof(block_q5_1);
    case T_Q8_0: return sizeof(block_q8_0);
    case T_Q8_1: return sizeof(block_q8_1);
    case T_Q4_K: return sizeof(block_q4_K);
    case T_Q5_K: return sizeof(block_q5_K);
    case T_Q6_K: return sizeof(block_q6_K);
    case T_Q8_K: return sizeof(block_q8_K);
    default: return 0;
    }
}

uint32_t augur_activation_type(uint32_t type) {
    switch (type) {
    case T_Q8_0: return T_Q8_0;
    case T_Q4_0: case T_Q5_0: case T_Q4_1: case T_Q5_1: return T_Q8_1;
    case T_Q4_K: case T_Q5_K: case T_Q6_K: return T_Q8_K;
    default: return T_F32;
    }
}

size_t augur_activation_row_bytes(uint32_t type, size_t n) {
    const uint32_t a = augur_activation_type(type);
    return n / augur_block_size(a) * augur_block_bytes(a);
}

int augur_dequantize_row(uint32_t type, const void *src, float *dst, size_t n) {
    if (augur_has_avx2()) return augur_dequantize_row_avx2(type, src, dst, n);
    return augur_dequantize_row_ref(type, src, dst, n);
}

int augur_quantize_row(uint32_t act_type, const float *src, void *dst, size_t n) {
    if (augur_has_avx2()) return augur_quantize_row_avx2(act_type, src, dst, n);
    return augur_quantize_row_ref(act_type, src, dst, n);
}

float augur_vec_dot(uint32_t type, size_t n, const void *w, const void *act) {
    if (augur_has_avx2()) return augur_vec_dot_avx2(type, n, w, act);
    return augur_vec_dot_ref(type, n, w, act);
}

void augur_matmul_rows(uint32_t type, size_t n, const void *w, size_t w_row_bytes,
                       size_t row_start, size_t row_end,
                       const void *act, size_t act_row_bytes, size_t tokens,
                       float *y, size_t y_stride) {
    float (*dot)(uint32_t, size_t, const void *, const void *) =
        augur_has_avx2() ? augur_vec_dot_avx2 : augur_vec_dot_ref;
    const char *wb = (const char *)w;
    const char *ab = (const char *)act;
    if (tokens >= 2 && augur_has_avx2() && augur_vec_dot_multi_avx2(type, 0, w, act, 0, 0, NULL)) {
        /* Tiles of tokens whose activations fit in L1/L2 (~24 KB), so that each tile's activations
         * stay cached while all the rows stream past them four tokens at a time. */
        float out[4];
        size_t tile = act_row_bytes ? (24576 / act_row_bytes) & ~(size_t)3 : 4;
        if (tile < 4) tile = 4;
        for (size_t t0 = 0; t0 < tokens; t0 += tile) {
            const size_t t1 = t0 + tile < tokens ? t0 + tile : tokens;
            for (size_t r = row_start; r < row_end; ++r) {
                const void *wr = wb + r * w_row_bytes;
                for (size_t t = t0; t < t1; t += 4) {
                    const int nt = t1 - t < 4 ? (int)(t1 - t) : 4;
                    augur_vec_dot_multi_avx2(type, n, wr, ab + t * act_row_bytes, act_row_bytes, nt, out);
                    for (int k = 0; k < nt; ++k) y[(t + k) * y_stride + r] = out[k];
                }
            }
        }
        return;
    }
    for (size_t r = row_start; r < row_end; ++r) {
        const void *wr = wb + r * w_row_bytes;
        for (size_t t = 0; t < tokens; ++t)
            y[t * y_stride + r] = dot(type, n, wr, ab + t * act_row_bytes);
    }
}

/* ---- per-thread scratch ---- */

typedef struct { void *ptr; size_t cap; } scratch_t;
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p) {
    scratch_t *s = p;
    if (s) { free(s->ptr); free(s); }
}
static void scratch_init(void) { pthread_key_create(&scratch_key, scratch_free); }

void *augur_thread_scratch(size_t bytes) {
    pthread_once(&scratch_once, scratch_init);
    scratch_t *s = pthread_getspecific(scratch_key);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s) return NULL;
        pthread_setspecific(scratch_key, s);
    }
    if (s->cap < bytes) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < bytes) cap *= 2;
        void *p = NULL;
        if (posix_memalign(&p, 64, cap) != 0) return NULL;
        free(s->ptr);
        s->ptr = p;
        s->cap = cap;
    }
    return s->ptr;
}
