/*
 * augur_kernels.h — C kernels for Augur's quantized weights (ggml block formats).
 *
 * Type arguments are ggml's raw type ids (the same numbers as Swift's GGMLType.rawValue):
 *   F32=0 F16=1 Q4_0=2 Q4_1=3 Q5_0=6 Q5_1=7 Q8_0=8 Q8_1=9 Q4_K=12 Q5_K=13 Q6_K=14 Q8_K=15 BF16=30.
 * Counts are in elements and must be a multiple of the type's block size (32 or 256).
 * Every fast kernel has a plain scalar reference next to it ("_ref"), written straight from the
 * ggml definitions; the fast ones use AVX2/FMA/F16C when the CPU has them (checked at run time)
 * and fall back to the reference otherwise.
 */
#ifndef AUGUR_KERNELS_H
#define AUGUR_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- scalar and row conversions ---------------------------------------------------------- */

/** IEEE half → float, exact (NaNs come back quiet, as F16C does). */
float augur_f16_to_f32(uint16_t h);
/** float → IEEE half, round to nearest even (the same result as F16C's vcvtps2ph). */
uint16_t augur_f32_to_f16(float f);
/** bfloat16 → float, exact. */
float augur_bf16_to_f32(uint16_t h);
/** float → bfloat16, round to nearest even; NaNs stay NaN (ggml's rule). */
uint16_t augur_f32_to_bf16(float f);

/** Converts `n` halves to floats (F16C when available). */
void augur_f16_to_f32_row(const uint16_t *src, float *dst, size_t n);
/** Converts `n` floats to halves, round to nearest even (F16C when available). */
void augur_f32_to_f16_row(const float *src, uint16_t *dst, size_t n);
/** Converts `n` bfloat16 values to floats. */
void augur_bf16_to_f32_row(const uint16_t *src, float *dst, size_t n);
/** Converts `n` floats to bfloat16, round to nearest even. */
void augur_f32_to_bf16_row(const float *src, uint16_t *dst, size_t n);

/* ---- type traits -------------------------------------------------------------------------- */

/** 1 when `type` is a weight type these kernels dequantize and dot, else 0. */
int augur_type_supported(uint32_t type);
/** Elements per block of `type` (1 for plain float types), 0 when unsupported. */
size_t augur_block_size(uint32_t type);
/** Bytes per block of `type`, 0 when unsupported (Q8_1 is Augur's 40-byte activation block, see below). */
size_t augur_block_bytes(uint32_t type);
/**
 * The activation format a weight of `type` is dotted against: 8 (Q8_0) for Q8_0, 9 (Augur's Q8_1)
 * for Q4_0/Q5_0/Q4_1/Q5_1 (its Σq turns the −8/−16 offsets into one term per block, so the unsigned
 * quants go straight into maddubs), 15 (Q8_K) for the K-quants, 0 (F32, not quantized) for F32/F16/BF16.
 */
uint32_t augur_activation_type(uint32_t type);
/** Bytes of one activation row of `n` elements quantized for weights of `type`. */
size_t augur_activation_row_bytes(uint32_t type, size_t n);
/** 1 when the CPU runs the AVX2/FMA/F16C paths, else 0. */
int augur_has_avx2(void);

/* ---- dequantization ----------------------------------------------------------------------- */

/** Reference dequantizer: `n` elements of `type` at `src` → floats at `dst`. Returns 0, or -1 for an unsupported type. */
int augur_dequantize_row_ref(uint32_t type, const void *src, float *dst, size_t n);
/** Fast dequantizer, bit-identical to the reference. Returns 0, or -1 for an unsupported type. */
int augur_dequantize_row(uint32_t type, const void *src, float *dst, size_t n);

/* ---- activation quantization -------------------------------------------------------------- */

/**
 * Quantizes `n` floats into activation blocks of `act_type` (8 = Q8_0, 9 = Q8_1, 15 = Q8_K).
 * Q8_0/Q8_1: d = amax/127, q = round-to-nearest-even(x · (1/d)). Q8_0 is ggml's block (d as f16).
 * Q8_1 is Augur's own 40-byte block {f32 d; f32 ds = d·Σq; i8 q[32]} (ggml's stores d and s as f16;
 * activations are never saved, and f32 saves the conversions in the dot and keeps the min term exact). Q8_K: d = amax/127 stored as f32, q = rne(x · 127/amax) clamped to ±127,
 * plus the sums of each 16 quants. Returns 0, or -1 for another type.
 */
int augur_quantize_row_ref(uint32_t act_type, const float *src, void *dst, size_t n);
/** Fast activation quantizer, bit-identical to the reference. */
int augur_quantize_row(uint32_t act_type, const float *src, void *dst, size_t n);

/* ---- dot products ------------------------------------------------------------------------- */

/**
 * Dot product of one weight row (`n` elements of `type`) with one activation row in the format
 * `augur_activation_type(type)` (f32 for F32/F16/BF16 weights). Reference version: scalar integer
 * sums per block as in ggml's generic code. Returns NaN for an unsupported type.
 */
float augur_vec_dot_ref(uint32_t type, size_t n, const void *w, const void *act);
/** Fast (AVX2 integer maddubs/madd) dot product; equal to the reference up to float summation order. */
float augur_vec_dot(uint32_t type, size_t n, const void *w, const void *act);

/**
 * Rows [row_start, row_end) of W[rows][n] (`type`, each row `w_row_bytes` long, starting at `w`)
 * times `tokens` activation rows (format `augur_activation_type(type)`, each `act_row_bytes`
 * long): y[t·y_stride + r] = W[r] · act[t]. Each weight row is read once for all tokens.
 */
void augur_matmul_rows(uint32_t type, size_t n, const void *w, size_t w_row_bytes,
                       size_t row_start, size_t row_end,
                       const void *act, size_t act_row_bytes, size_t tokens,
                       float *y, size_t y_stride);

/* ---- scratch ------------------------------------------------------------------------------ */

/**
 * A buffer of at least `bytes` bytes owned by the calling thread, 64-byte aligned, reused (and grown)
 * across calls and freed when the thread exits. Returns NULL when out of memory.
 */
void *augur_thread_scratch(size_t bytes);

/* ==== linear assignment (lap.c) =========================================================== */

/** Status codes of `augur_lap_solve`. */
#define AUGUR_LAP_SHAPE (-1)     /* n > m, ld < m, or m too large for int32 indices */
#define AUGUR_LAP_NONFINITE (-2) /* a cost is NaN or infinite */
#define AUGUR_LAP_MEMORY (-3)    /* O(m) work arrays could not be allocated */

/**
 * Minimum-cost assignment of each of `n` rows to a distinct one of `m` columns (n <= m) for the dense
 * row-major f32 cost matrix `cost` (row stride `ld` elements), by Jonker–Volgenant. The matrix is
 * only read. Writes the column of row i to `row_to_col[i]`. Returns 0 or an AUGUR_LAP_* status.
 */
int augur_lap_solve(size_t n, size_t m, const float *cost, size_t ld, int32_t *row_to_col);

#ifdef __cplusplus
}
#endif
#endif
