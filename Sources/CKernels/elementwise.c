// Inference-time elementwise passes (activations, BatchNormalization, squeeze-and-excitation's
// channel gate, global average pooling) compiled for AVX-512, AVX2 and baseline x86-64 like
// kernels.c. They are memory-bound except the exponential, which the scalar libm call makes
// compute-bound: a 16-lane polynomial does it at memory speed.
#include "CKernels.h"
#include "vector_exp.h"

#include <stdint.h>
#include <string.h>

// No fused multiply-adds: every clone (and the Swift loops these replace) rounds each product,
// so results are the same on every CPU.
#pragma clang fp contract(off)

#define MULTIVERSION __attribute__((target_clones("avx512f", "arch=haswell", "default")))

typedef float vf __attribute__((vector_size(64)));
typedef int32_t vi __attribute__((vector_size(64)));
enum { W = 16 };

// Macros, not functions: a 64-byte vector argument to a function compiled for AVX2 or baseline
// x86-64 has no stable ABI, and clang refuses it; inside each clone the code is the same.
#define SPLAT(v) ((vf){0} + (float)(v))
#define SELECT(mask, a, b) ((vf)(((vi)(mask) & (vi)(a)) | (~(vi)(mask) & (vi)(b))))
#define LOAD(dst, p) memcpy(&(dst), (p), sizeof(vf))
#define STORE(p, v) do { vf stored_ = (v); memcpy((p), &stored_, sizeof(vf)); } while (0)

// The scalar tail goes through the same lanes, so every element gets the same function.
#define TAIL(i, n, x, body)                                                                        \
    do {                                                                                           \
        float in_[W] = {0}, res_[W];                                                               \
        ptrdiff_t left_ = (n) - (i);                                                               \
        memcpy(in_, (x) + (i), sizeof(float) * left_);                                             \
        vf v;                                                                                      \
        LOAD(v, in_);                                                                              \
        vf y_;                                                                                     \
        body;                                                                                      \
        STORE(res_, y_);                                                                           \
        memcpy(y + (i), res_, sizeof(float) * left_);                                              \
    } while (0)

MULTIVERSION
void zoo_exp(const float *x, float *y, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + W <= n; i += W) {
        vf v, e;
        LOAD(v, x + i);
        ZOO_EXP16(e, v);
        STORE(y + i, e);
    }
    if (i < n) TAIL(i, n, x, ZOO_EXP16(y_, v));
}

MULTIVERSION
void zoo_sigmoid(const float *x, float *y, ptrdiff_t n, int swish) {
    ptrdiff_t i = 0;
    for (; i + W <= n; i += W) {
        vf v, e;
        LOAD(v, x + i);
        ZOO_EXP16(e, -v);
        vf s = SPLAT(1.0f) / (SPLAT(1.0f) + e);
        STORE(y + i, swish ? v * s : s);
    }
    if (i < n) TAIL(i, n, x, {
        vf e;
        ZOO_EXP16(e, -v);
        vf s = SPLAT(1.0f) / (SPLAT(1.0f) + e);
        y_ = swish ? v * s : s;
    });
}

// The loops below work on explicit 16-float vectors, not on plain loops left to the
// vectoriser: called in place (y == x), clang's run-time overlap check sends a plain loop to
// its scalar version.

MULTIVERSION
void zoo_hard_sigmoid(const float *x, float *y, ptrdiff_t n, int swish) {
    ptrdiff_t i = 0;
    for (; i + W <= n; i += W) {
        vf v;
        LOAD(v, x + i);
        vf t = v + SPLAT(3.0f);
        t = SELECT(t < SPLAT(0.0f), SPLAT(0.0f), t);  // NaN stays NaN, as Swift's max and min leave it
        t = SELECT(t > SPLAT(6.0f), SPLAT(6.0f), t);
        t = t / SPLAT(6.0f);
        STORE(y + i, swish ? v * t : t);
    }
    for (; i < n; i++) {
        float v = x[i], t = v + 3.0f;
        t = t < 0.0f ? 0.0f : t;
        t = t > 6.0f ? 6.0f : t;
        t = t / 6.0f;
        y[i] = swish ? v * t : t;
    }
}

MULTIVERSION
void zoo_relu(const float *x, float *y, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + W <= n; i += W) {
        vf v;
        LOAD(v, x + i);
        STORE(y + i, SELECT(v < SPLAT(0.0f), SPLAT(0.0f), v));  // NaN stays NaN, -0 stays -0
    }
    for (; i < n; i++) y[i] = x[i] < 0 ? 0 : x[i];
}

MULTIVERSION
void zoo_relu_general(const float *x, float *y, ptrdiff_t n, float top, float slope, float threshold) {
    ptrdiff_t i = 0;
    for (; i + W <= n; i += W) {
        vf v;
        LOAD(v, x + i);
        vf below = SPLAT(slope) * (v - SPLAT(threshold));
        STORE(y + i, SELECT(v >= SPLAT(top), SPLAT(top), SELECT(v >= SPLAT(threshold), v, below)));
    }
    for (; i < n; i++) {
        float v = x[i];
        y[i] = v >= top ? top : (v >= threshold ? v : slope * (v - threshold));
    }
}

MULTIVERSION
void zoo_scale_shift(const float *x, float *y, ptrdiff_t rows, int c, const float *scale, const float *shift, int relu) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *src = x + r * c;
        float *dst = y + r * c;
        int k = 0;
        for (; k + W <= c; k += W) {
            vf v, s, h;
            LOAD(v, src + k);
            LOAD(s, scale + k);
            LOAD(h, shift + k);
            vf out = v * s + h;
            STORE(dst + k, relu ? SELECT(out < SPLAT(0.0f), SPLAT(0.0f), out) : out);
        }
        for (; k < c; k++) {
            float v = src[k] * scale[k] + shift[k];
            dst[k] = relu && v < 0 ? 0 : v;
        }
    }
}

MULTIVERSION
void zoo_mul_rows(const float *x, const float *gate, float *y, ptrdiff_t rows, int c) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *src = x + r * c;
        float *dst = y + r * c;
        int k = 0;
        for (; k + W <= c; k += W) {
            vf v, g;
            LOAD(v, src + k);
            LOAD(g, gate + k);
            STORE(dst + k, v * g);
        }
        for (; k < c; k++) dst[k] = src[k] * gate[k];
    }
}

MULTIVERSION
void zoo_sum_rows_double(const float *x, ptrdiff_t rows, int c, double *acc) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *src = x + r * c;
        for (int k = 0; k < c; k++) acc[k] += (double)src[k];
    }
}

MULTIVERSION
void zoo_max_rows(const float *x, ptrdiff_t rows, int c, float *best) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *src = x + r * c;
        for (int k = 0; k < c; k++) best[k] = src[k] > best[k] ? src[k] : best[k];
    }
}
