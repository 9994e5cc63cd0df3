/*
 * Dense linear assignment: Jonker–Volgenant (LAPJV).
 *
 * Column reduction, reduction transfer and two rounds of augmenting row reduction (square problems),
 * then shortest augmenting paths for every row still free (Jonker & Volgenant 1987). Costs are f32,
 * row-major, read in place; duals and path lengths are kept in double. Extra memory is O(m).
 * Rectangular problems (n < m) skip the initialisation and run the shortest augmenting paths from
 * zero duals, which is exact for any n <= m.
 */
#include "augur_kernels.h"
#include <math.h>
#include <stdlib.h>
#include <float.h>

#define ROW(i) (cost + (size_t)(i) * ld)

/* Column reduction, reduction transfer and augmenting row reduction; fills `free_rows`, returns their count. */
static size_t lap_initialise(size_t n, const float *cost, size_t ld, double *v, int32_t *x, int32_t *y,
                             int32_t *free_rows, int32_t *scratch) {
    int32_t *matches = scratch;                 /* n */
    for (size_t i = 0; i < n; i++) { matches[i] = 0; x[i] = -1; }
    /* Column minima, one pass over rows (first minimum in row order, as the column scan would find). */
    int32_t *imin = y;                          /* reuse y as argmin storage */
    for (size_t j = 0; j < n; j++) { v[j] = (double)ROW(0)[j]; imin[j] = 0; }
    for (size_t i = 1; i < n; i++) {
        const float *c = ROW(i);
        for (size_t j = 0; j < n; j++) if ((double)c[j] < v[j]) { v[j] = (double)c[j]; imin[j] = (int32_t)i; }
    }
    for (size_t jj = n; jj-- > 0;) {
        int32_t i = imin[jj];
        if (++matches[i] == 1) { x[i] = (int32_t)jj; y[jj] = i; }
        else if (v[jj] < v[x[i]]) { int32_t j1 = x[i]; x[i] = (int32_t)jj; y[jj] = i; y[j1] = -1; }
        else y[jj] = -1;
    }
    /* y entries of columns not processed as winners were overwritten above only for jj >= current; fix
       any stale argmin left in y for unassigned columns. */
    for (size_t j = 0; j < n; j++) if (y[j] >= 0 && x[y[j]] != (int32_t)j) y[j] = -1;

    size_t nfree = 0;
    for (size_t i = 0; i < n; i++) {
        if (matches[i] == 0) { free_rows[nfree++] = (int32_t)i; }
        else if (matches[i] == 1) {
            int32_t j1 = x[i];
            const float *c = ROW(i);
            double mn = INFINITY;
            for (size_t j = 0; j < n; j++) if ((int32_t)j != j1) { double h = (double)c[j] - v[j]; if (h < mn) mn = h; }
            if (mn < INFINITY) v[j1] -= mn;
        }
    }
    /* Augmenting row reduction, two rounds; steps are capped so near-ties cannot stall it. */
    for (int round = 0; round < 2 && nfree > 0; round++) {
        size_t k = 0, prev = nfree, budget = 8 * n + 64;
        nfree = 0;
        while (k < prev) {
            int32_t i = free_rows[k++];
            if (budget-- == 0) { free_rows[nfree++] = i; continue; }
            const float *c = ROW(i);
            double umin = (double)c[0] - v[0], usub = INFINITY;
            int32_t j1 = 0, j2 = -1;
            for (size_t j = 1; j < n; j++) {
                double h = (double)c[j] - v[j];
                if (h < usub) {
                    if (h >= umin) { usub = h; j2 = (int32_t)j; }
                    else { usub = umin; umin = h; j2 = j1; j1 = (int32_t)j; }
                }
            }
            int32_t i0 = y[j1];
            if (umin < usub) v[j1] -= (usub - umin);
            else if (i0 >= 0 && j2 >= 0) { j1 = j2; i0 = y[j2]; }
            if (i0 >= 0) x[i0] = -1;
            x[i] = j1; y[j1] = i;
            if (i0 >= 0) {
                if (umin < usub) free_rows[--k] = i0;
                else free_rows[nfree++] = i0;
            }
        }
    }
    return nfree;
}

/* Shortest augmenting path from `freerow`; returns 0, or -1 if no unassigned column is reachable. */
static int lap_augment(size_t m, const float *cost, size_t ld, int32_t freerow, double *v, int32_t *x,
                       int32_t *y, double *d, int32_t *pred, int32_t *cols) {
    const float *cf = ROW(freerow);
    for (size_t j = 0; j < m; j++) { d[j] = (double)cf[j] - v[j]; pred[j] = freerow; cols[j] = (int32_t)j; }
    size_t low = 0, up = 0, last = 0;
    int32_t endofpath = -1;
    double mn = 0;
    while (endofpath < 0) {
        if (up == low) {
            if (low >= m) return -1;
            last = low;
            mn = d[cols[up++]];
            for (size_t k = up; k < m; k++) {
                int32_t j = cols[k];
                double h = d[j];
                if (h <= mn) {
                    if (h < mn) { up = low; mn = h; }
                    cols[k] = cols[up]; cols[up++] = j;
                }
            }
            for (size_t k = low; k < up; k++) if (y[cols[k]] < 0) { endofpath = cols[k]; break; }
            if (endofpath >= 0) break;
        }
        int32_t j1 = cols[low++];
        int32_t i = y[j1];
        const float *c = ROW(i);
        double h = (double)c[j1] - v[j1] - mn;
        for (size_t k = up; k < m; k++) {
            int32_t j = cols[k];
            double v2 = (double)c[j] - v[j] - h;
            if (v2 < d[j]) {
                pred[j] = i;
                if (v2 == mn) {
                    if (y[j] < 0) { endofpath = j; break; }
                    cols[k] = cols[up]; cols[up++] = j;
                }
                d[j] = v2;
            }
        }
    }
    /* Columns finished before this round (cols[0..last)) get their duals updated. */
    for (size_t k = 0; k < last; k++) { int32_t j = cols[k]; v[j] += d[j] - mn; }
    for (;;) {
        int32_t i = pred[endofpath];
        y[endofpath] = i;
        int32_t j1 = endofpath;
        endofpath = x[i];
        x[i] = j1;
        if (i == freerow) break;
    }
    return 0;
}

int augur_lap_solve(size_t n, size_t m, const float *cost, size_t ld, int32_t *row_to_col) {
    if (n == 0) return 0;
    if (n > m) return AUGUR_LAP_SHAPE;
    if (ld < m || m > (size_t)INT32_MAX) return AUGUR_LAP_SHAPE;
    for (size_t i = 0; i < n; i++) {
        const float *c = ROW(i);
        for (size_t j = 0; j < m; j++) if (!isfinite(c[j])) return AUGUR_LAP_NONFINITE;
    }
    double *v = malloc(m * sizeof(double)), *d = malloc(m * sizeof(double));
    int32_t *y = malloc(m * sizeof(int32_t)), *pred = malloc(m * sizeof(int32_t)), *cols = malloc(m * sizeof(int32_t));
    int32_t *free_rows = malloc(n * sizeof(int32_t)), *scratch = malloc(n * sizeof(int32_t));
    int status = 0;
    if (!v || !d || !y || !pred || !cols || !free_rows || !scratch) { status = AUGUR_LAP_MEMORY; goto done; }
    int32_t *x = row_to_col;
    size_t nfree;
    if (n == m) {
        nfree = lap_initialise(n, cost, ld, v, x, y, free_rows, scratch);
    } else {
        for (size_t j = 0; j < m; j++) { v[j] = 0; y[j] = -1; }
        for (size_t i = 0; i < n; i++) { x[i] = -1; free_rows[i] = (int32_t)i; }
        nfree = n;
    }
    for (size_t f = 0; f < nfree; f++) {
        if (lap_augment(m, cost, ld, free_rows[f], v, x, y, d, pred, cols) != 0) { status = AUGUR_LAP_SHAPE; goto done; }
    }
done:
    free(v); free(d); free(y); free(pred); free(cols); free(free_rows); free(scratch);
    return status;
}
