#include "CKernels.h"

#include <string.h>

#define MULTIVERSION __attribute__((target_clones("avx512f", "arch=haswell", "default")))
#define L 16  // channels per step: one AVX-512 register

// Bᵀ applied to six vectors p[0], p[s], ..., p[5s] of L channels, in place.
static inline __attribute__((always_inline)) void bt(float (*p)[L], int s) {
    for (int l = 0; l < L; l++) {
        float d0 = p[0][l], d1 = p[s][l], d2 = p[2 * s][l], d3 = p[3 * s][l], d4 = p[4 * s][l], d5 = p[5 * s][l];
        float a = d4 - 4 * d2, b = d3 - 4 * d1, c = d4 - d2, e = 2 * (d3 - d1);
        p[0][l] = 4 * d0 - 5 * d2 + d4;
        p[s][l] = a + b;
        p[2 * s][l] = a - b;
        p[3 * s][l] = c + e;
        p[4 * s][l] = c - e;
        p[5 * s][l] = 4 * d1 - 5 * d3 + d5;
    }
}

MULTIVERSION
void zoo_winograd_input(const float *x, int h, int w, int c, int iy0, int ix0, float *v, ptrdiff_t plane_stride) {
    float d[36][L];
    for (int c0 = 0; c0 < c; c0 += L) {
        for (int i = 0; i < 6; i++) {
            int iy = iy0 + i;
            for (int j = 0; j < 6; j++) {
                int ix = ix0 + j;
                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                    memcpy(d[i * 6 + j], x + ((ptrdiff_t)iy * w + ix) * c + c0, sizeof d[0]);
                else
                    memset(d[i * 6 + j], 0, sizeof d[0]);
            }
        }
        for (int j = 0; j < 6; j++) bt(d + j, 6);
        for (int i = 0; i < 6; i++) bt(d + i * 6, 1);
        for (int xi = 0; xi < 36; xi++) memcpy(v + xi * plane_stride + c0, d[xi], sizeof d[0]);
    }
}

// Aᵀ applied to six vectors p[0], p[s], ..., p[5s]; the four results replace p[0] ... p[3s].
static inline __attribute__((always_inline)) void at(float (*p)[L], int s) {
    for (int l = 0; l < L; l++) {
        float m0 = p[0][l], m1 = p[s][l], m2 = p[2 * s][l], m3 = p[3 * s][l], m4 = p[4 * s][l], m5 = p[5 * s][l];
        float a = m1 + m2, b = m1 - m2, c = m3 + m4, e = m3 - m4;
        p[0][l] = m0 + a + c;
        p[s][l] = b + 2 * e;
        p[2 * s][l] = a + 4 * c;
        p[3 * s][l] = b + 8 * e + m5;
    }
}

MULTIVERSION
void zoo_winograd_output(const float *m, ptrdiff_t plane_stride, int c, const float *bias, int relu, int rows,
                         int cols, float *out, ptrdiff_t row_stride) {
    float t[36][L];
    for (int c0 = 0; c0 < c; c0 += L) {
        for (int xi = 0; xi < 36; xi++) memcpy(t[xi], m + xi * plane_stride + c0, sizeof t[0]);
        for (int j = 0; j < 6; j++) at(t + j, 6);
        for (int i = 0; i < rows; i++) at(t + i * 6, 1);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float *y = out + i * row_stride + (ptrdiff_t)j * c + c0;
                for (int l = 0; l < L; l++) {
                    float s = t[i * 6 + j][l] + bias[c0 + l];
                    y[l] = relu && s < 0 ? 0 : s;
                }
            }
        }
    }
}

MULTIVERSION
void zoo_pool_pixel(const float *x, const ptrdiff_t *offsets, int count, int c, int average, float *out) {
    memcpy(out, x + offsets[0], sizeof(float) * c);
    for (int i = 1; i < count; i++) {
        const float *p = x + offsets[i];
        if (average) {
            for (int k = 0; k < c; k++) out[k] += p[k];
        } else {
            for (int k = 0; k < c; k++) out[k] = p[k] > out[k] ? p[k] : out[k];
        }
    }
    if (average) {
        float inv = 1.0f / count;
        for (int k = 0; k < c; k++) out[k] *= inv;
    }
}

// One output pixel, output channels [co0, co0 + 16 * B): B independent accumulators keep the
// FMA pipeline full.
#define CONV_BLOCK(B)                                                                        \
    do {                                                                                     \
        float acc[B][L];                                                                     \
        for (int b = 0; b < B; b++)                                                          \
            for (int l = 0; l < L; l++) acc[b][l] = bias[co0 + b * L + l];                   \
        for (int i = i0; i < i1; i++) {                                                      \
            for (int j = j0; j < j1; j++) {                                                  \
                const float *xp = x + ((ptrdiff_t)(iy + i) * w + ix + j) * cin;              \
                const float *kp = kernel + (ptrdiff_t)(i * kw + j) * cin * cout + co0;       \
                for (int ci = 0; ci < cin; ci++, kp += cout) {                               \
                    float v = xp[ci];                                                        \
                    for (int b = 0; b < B; b++)                                              \
                        for (int l = 0; l < L; l++) acc[b][l] += v * kp[b * L + l];          \
                }                                                                            \
            }                                                                                \
        }                                                                                    \
        for (int b = 0; b < B; b++)                                                          \
            for (int l = 0; l < L; l++) {                                                    \
                float s = acc[b][l];                                                         \
                y[co0 + b * L + l] = relu && s < 0 ? 0 : s;                                  \
            }                                                                                \
    } while (0)

MULTIVERSION
void zoo_conv_direct(const float *x, int h, int w, int cin, const float *kernel, int kh, int kw, int cout,
                     const float *bias, int relu, int stride_y, int stride_x, int pad_top, int pad_left, int ow,
                     int oy0, int oy1, float *out) {
    for (int oy = oy0; oy < oy1; oy++) {
        int iy = oy * stride_y - pad_top;
        int i0 = iy < 0 ? -iy : 0, i1 = h - iy < kh ? h - iy : kh;
        for (int ox = 0; ox < ow; ox++) {
            int ix = ox * stride_x - pad_left;
            int j0 = ix < 0 ? -ix : 0, j1 = w - ix < kw ? w - ix : kw;
            float *y = out + ((ptrdiff_t)oy * ow + ox) * cout;
            int co0 = 0;
            for (; co0 + 4 * L <= cout; co0 += 4 * L) CONV_BLOCK(4);
            for (; co0 < cout; co0 += L) CONV_BLOCK(1);
        }
    }
}

MULTIVERSION
void zoo_epilogue(float *c, ptrdiff_t rows, int cols, const float *bias, const float *residual, int relu) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        float *row = c + r * cols;
        if (bias)
            for (int o = 0; o < cols; o++) row[o] += bias[o];
        if (residual)
            for (int o = 0; o < cols; o++) row[o] += residual[r * cols + o];
        if (relu)
            for (int o = 0; o < cols; o++) row[o] = row[o] < 0 ? 0 : row[o];
    }
}

static _Thread_local int in_parallel_region;

int zoo_in_parallel_region(void) { return in_parallel_region; }

void zoo_set_in_parallel_region(int inside) { in_parallel_region = inside; }
