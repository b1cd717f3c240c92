#include "CKernels.h"
#include "vector_exp.h"

#include <string.h>

// One clone per vector width: the channel loops below are what the compiler vectorises.
#define MULTIVERSION __attribute__((target_clones("avx512f", "arch=haswell", "default")))

// The depthwise output channel oc = c * m + j reads input channel c, so for the usual m = 1 the
// kernel's tap [ky][kx] is a vector of c weights that lines up with the input pixel's channels.

// Sixteen channels as one value: a register under AVX-512, two under AVX2, four under SSE.
typedef float v16 __attribute__((vector_size(64), aligned(4), may_alias));

// One output pixel, m = 1: its channels in blocks of 64 whose four sums stay in registers over
// all taps (summing into the output in memory costs a load and a store per tap), then blocks of
// 16. Returns the first channel not done (the rest, fewer than 16, go the scalar way).
static inline __attribute__((always_inline)) int dw_pixel(const float *image, int h, int w, int c,
                                                          const float *kernel, int kh, int kw, const float *bias,
                                                          int iy0, int ix0, float *o) {
    int c0 = 0;
    for (; c0 + 64 <= c; c0 += 64) {
        v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        if (bias) {
            a0 = *(const v16 *)(bias + c0), a1 = *(const v16 *)(bias + c0 + 16);
            a2 = *(const v16 *)(bias + c0 + 32), a3 = *(const v16 *)(bias + c0 + 48);
        }
        for (int ky = 0; ky < kh; ky++) {
            const int iy = iy0 + ky;
            if (iy < 0 || iy >= h) continue;
            for (int kx = 0; kx < kw; kx++) {
                const int ix = ix0 + kx;
                if (ix < 0 || ix >= w) continue;
                const float *p = image + ((ptrdiff_t)iy * w + ix) * c + c0;
                const float *k = kernel + ((ptrdiff_t)ky * kw + kx) * c + c0;
                a0 += *(const v16 *)p * *(const v16 *)k;
                a1 += *(const v16 *)(p + 16) * *(const v16 *)(k + 16);
                a2 += *(const v16 *)(p + 32) * *(const v16 *)(k + 32);
                a3 += *(const v16 *)(p + 48) * *(const v16 *)(k + 48);
            }
        }
        *(v16 *)(o + c0) = a0, *(v16 *)(o + c0 + 16) = a1, *(v16 *)(o + c0 + 32) = a2, *(v16 *)(o + c0 + 48) = a3;
    }
    for (; c0 + 16 <= c; c0 += 16) {
        v16 a = {0};
        if (bias) a = *(const v16 *)(bias + c0);
        for (int ky = 0; ky < kh; ky++) {
            const int iy = iy0 + ky;
            if (iy < 0 || iy >= h) continue;
            for (int kx = 0; kx < kw; kx++) {
                const int ix = ix0 + kx;
                if (ix < 0 || ix >= w) continue;
                a += *(const v16 *)(image + ((ptrdiff_t)iy * w + ix) * c + c0) *
                     *(const v16 *)(kernel + ((ptrdiff_t)ky * kw + kx) * c + c0);
            }
        }
        *(v16 *)(o + c0) = a;
    }
    return c0;
}

MULTIVERSION
void zoo_depthwise_forward(const float *x, int h, int w, int c, int m, const float *kernel, int kh, int kw,
                           const float *bias, int stride_y, int stride_x, int pad_top, int pad_left, int oh, int ow,
                           ptrdiff_t row0, ptrdiff_t row1, float *out) {
    const int oc = c * m;
    for (ptrdiff_t r = row0; r < row1; r++) {
        const ptrdiff_t n = r / oh;
        const int oy = (int)(r % oh);
        const float *image = x + n * (ptrdiff_t)h * w * c;
        float *orow = out + r * (ptrdiff_t)ow * oc;
        for (int ox = 0; ox < ow; ox++) {
            float *restrict o = orow + (ptrdiff_t)ox * oc;
            const int done = m == 1 ? dw_pixel(image, h, w, c, kernel, kh, kw, bias, oy * stride_y - pad_top,
                                               ox * stride_x - pad_left, o) : 0;
            if (done == oc) continue;
            if (bias)
                memcpy(o + done, bias + done, sizeof(float) * (oc - done));
            else
                memset(o + done, 0, sizeof(float) * (oc - done));
            for (int ky = 0; ky < kh; ky++) {
                const int iy = oy * stride_y - pad_top + ky;
                if (iy < 0 || iy >= h) continue;
                for (int kx = 0; kx < kw; kx++) {
                    const int ix = ox * stride_x - pad_left + kx;
                    if (ix < 0 || ix >= w) continue;
                    const float *restrict p = image + ((ptrdiff_t)iy * w + ix) * c;
                    const float *restrict k = kernel + ((ptrdiff_t)ky * kw + kx) * oc;
                    if (m == 1) {
                        for (int i = done; i < c; i++) o[i] += p[i] * k[i];
                    } else {
                        for (int i = 0; i < c; i++)
                            for (int j = 0; j < m; j++) o[i * m + j] += p[i] * k[i * m + j];
                    }
                }
            }
        }
    }
}

MULTIVERSION
void zoo_depthwise_input_grad(const float *dy, int h, int w, int c, int m, const float *kernel, int kh, int kw,
                              int stride_y, int stride_x, int pad_top, int pad_left, int oh, int ow, ptrdiff_t row0,
                              ptrdiff_t row1, float *dx) {
    const int oc = c * m;
    for (ptrdiff_t r = row0; r < row1; r++) {
        const ptrdiff_t n = r / h;
        const int iy = (int)(r % h);
        const float *grad = dy + n * (ptrdiff_t)oh * ow * oc;
        float *drow = dx + r * (ptrdiff_t)w * c;
        for (int ix = 0; ix < w; ix++) {
            float *restrict d = drow + (ptrdiff_t)ix * c;
            memset(d, 0, sizeof(float) * c);
            // Gathering the outputs whose window covers (iy, ix) keeps each row's writes its own.
            for (int ky = 0; ky < kh; ky++) {
                const int ty = iy + pad_top - ky;
                if (ty < 0 || ty % stride_y) continue;
                const int oy = ty / stride_y;
                if (oy >= oh) continue;
                for (int kx = 0; kx < kw; kx++) {
                    const int tx = ix + pad_left - kx;
                    if (tx < 0 || tx % stride_x) continue;
                    const int ox = tx / stride_x;
                    if (ox >= ow) continue;
                    const float *restrict g = grad + ((ptrdiff_t)oy * ow + ox) * oc;
                    const float *restrict k = kernel + ((ptrdiff_t)ky * kw + kx) * oc;
                    if (m == 1) {
                        for (int i = 0; i < c; i++) d[i] += g[i] * k[i];
                    } else {
                        for (int i = 0; i < c; i++) {
                            float s = 0;
                            for (int j = 0; j < m; j++) s += g[i * m + j] * k[i * m + j];
                            d[i] += s;
                        }
                    }
                }
            }
        }
    }
}

MULTIVERSION
void zoo_depthwise_filter_grad(const float *x, int h, int w, int c, int m, const float *dy, int kh, int kw,
                               int stride_y, int stride_x, int pad_top, int pad_left, int oh, int ow, ptrdiff_t row0,
                               ptrdiff_t row1, float *dkernel, float *dbias) {
    const int oc = c * m;
    for (ptrdiff_t r = row0; r < row1; r++) {
        const ptrdiff_t n = r / oh;
        const int oy = (int)(r % oh);
        const float *image = x + n * (ptrdiff_t)h * w * c;
        const float *grow = dy + r * (ptrdiff_t)ow * oc;
        for (int ox = 0; ox < ow; ox++) {
            const float *restrict g = grow + (ptrdiff_t)ox * oc;
            if (dbias)
                for (int i = 0; i < oc; i++) dbias[i] += g[i];
            for (int ky = 0; ky < kh; ky++) {
                const int iy = oy * stride_y - pad_top + ky;
                if (iy < 0 || iy >= h) continue;
                for (int kx = 0; kx < kw; kx++) {
                    const int ix = ox * stride_x - pad_left + kx;
                    if (ix < 0 || ix >= w) continue;
                    const float *restrict p = image + ((ptrdiff_t)iy * w + ix) * c;
                    float *restrict k = dkernel + ((ptrdiff_t)ky * kw + kx) * oc;
                    if (m == 1) {
                        for (int i = 0; i < c; i++) k[i] += p[i] * g[i];
                    } else {
                        for (int i = 0; i < c; i++)
                            for (int j = 0; j < m; j++) k[i * m + j] += p[i] * g[i * m + j];
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Inference only: the depthwise convolution with its BatchNormalization already folded into the
// kernel and bias and the activation after it applied while the sums are still in registers, so
// a MobileNet / EfficientNet depthwise layer is one pass over its output instead of three.

typedef int vi16 __attribute__((vector_size(64), aligned(4), may_alias));

// Vectors pass between the helpers below by pointer: a v16 argument or result would have a
// different ABI in each target clone.
#define splat(v) ((v16){0} + (v))

// exp as the standalone sigmoid/swish passes compute it (vector_exp.h).
// Without fused multiply-adds, as there, whatever the clone (the sums elsewhere keep them).
static inline __attribute__((always_inline)) void v_exp(v16 *e) {
#pragma clang fp contract(off)
    v16 x = *e, y;
    ZOO_EXP16(y, x);
    *e = y;
}

// The activation codes of `zoo_activation_inplace`, applied to 16 channels.
static inline __attribute__((always_inline)) void act16(v16 *a, int act, float cap) {
    const v16 v = *a;
    v16 e = -v;
    switch (act) {
    case ZOO_ACT_RELU: *a = __builtin_elementwise_min(__builtin_elementwise_max(v, splat(0.0f)), splat(cap)); break;
    case ZOO_ACT_SWISH: v_exp(&e); *a = v * (1.0f / (1.0f + e)); break;
    case ZOO_ACT_HARD_SWISH:
        *a = v * (__builtin_elementwise_min(__builtin_elementwise_max(v + 3.0f, splat(0.0f)), splat(6.0f)) / 6.0f);
        break;
    case ZOO_ACT_SIGMOID: v_exp(&e); *a = 1.0f / (1.0f + e); break;
    default: break;
    }
}

// One value the vector way, so a channel tail gets exactly what its neighbours would.
static inline __attribute__((always_inline)) float act1(float v, int act, float cap) {
    v16 t = splat(v);
    act16(&t, act, cap);
    return t[0];
}

static inline __attribute__((always_inline)) void act_run(float *p, ptrdiff_t n, int act, float cap) {
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) act16((v16 *)(p + i), act, cap);
    for (; i < n; i++) p[i] = act1(p[i], act, cap);
}

MULTIVERSION
void zoo_activation_inplace(float *p, ptrdiff_t n, int act, float cap) {
    if (act != ZOO_ACT_LINEAR) act_run(p, n, act, cap);
}

// An input value as the kernels below read it: through a ReLU when `in_relu` (a ReLU before the
// convolution, as Xception and NASNet put one before each separable convolution, costs a max
// per load instead of a pass over its input).
#define IN16(ptr) (in_relu ? __builtin_elementwise_max(*(const v16 *)(ptr), splat(0.0f)) : *(const v16 *)(ptr))
#define IN1(v) (in_relu ? __builtin_elementwise_max((v), 0.0f) : (v))

// Up to 4 output pixels of one row whose taps all fall inside the image columns (rows outside
// the image are left out by ky0..ky1), 16 channels from c0: each kernel tap is loaded once for
// the 4 pixels, which then share it.
#define DW_BLOCK 4
static inline __attribute__((always_inline)) void dw_block16(const float *image, int w, int c, const float *kernel,
                                                             int kw, int ky0, int ky1, int iy0, int ix0, int sx,
                                                             int c0, const float *bias, int in_relu, int act, float cap,
                                                             float *o, ptrdiff_t ostride) {
    const v16 b = bias ? *(const v16 *)(bias + c0) : splat(0.0f);
    v16 a0 = b, a1 = b, a2 = b, a3 = b;
    for (int ky = ky0; ky < ky1; ky++) {
        const float *p = image + ((ptrdiff_t)(iy0 + ky) * w + ix0) * c + c0;
        const float *k = kernel + (ptrdiff_t)ky * kw * c + c0;
        for (int kx = 0; kx < kw; kx++) {
            const v16 kv = *(const v16 *)(k + (ptrdiff_t)kx * c);
            const float *q = p + (ptrdiff_t)kx * c;
            const ptrdiff_t step = (ptrdiff_t)sx * c;
            a0 += IN16(q) * kv;
            a1 += IN16(q + step) * kv;
            a2 += IN16(q + 2 * step) * kv;
            a3 += IN16(q + 3 * step) * kv;
        }
    }
    act16(&a0, act, cap), act16(&a1, act, cap), act16(&a2, act, cap), act16(&a3, act, cap);
    *(v16 *)(o + c0) = a0;
    *(v16 *)(o + ostride + c0) = a1;
    *(v16 *)(o + 2 * ostride + c0) = a2;
    *(v16 *)(o + 3 * ostride + c0) = a3;
}

// dw_block16 for 32 channels: 8 sums in flight, each pixel's 32 inputs two whole cache lines.
static inline __attribute__((always_inline)) void dw_block32(const float *image, int w, int c, const float *kernel,
                                                             int kw, int ky0, int ky1, int iy0, int ix0, int sx,
                                                             int c0, const float *bias, int in_relu, int act, float cap,
                                                             float *o, ptrdiff_t ostride) {
    const v16 b0 = bias ? *(const v16 *)(bias + c0) : splat(0.0f);
    const v16 b1 = bias ? *(const v16 *)(bias + c0 + 16) : splat(0.0f);
    v16 a0 = b0, a1 = b0, a2 = b0, a3 = b0, e0 = b1, e1 = b1, e2 = b1, e3 = b1;
    const ptrdiff_t step = (ptrdiff_t)sx * c;
    for (int ky = ky0; ky < ky1; ky++) {
        const float *p = image + ((ptrdiff_t)(iy0 + ky) * w + ix0) * c + c0;
        const float *k = kernel + (ptrdiff_t)ky * kw * c + c0;
        for (int kx = 0; kx < kw; kx++) {
            const v16 k0 = *(const v16 *)(k + (ptrdiff_t)kx * c), k1 = *(const v16 *)(k + (ptrdiff_t)kx * c + 16);
            const float *q = p + (ptrdiff_t)kx * c;
            a0 += IN16(q) * k0;
            e0 += IN16(q + 16) * k1;
            a1 += IN16(q + step) * k0;
            e1 += IN16(q + step + 16) * k1;
            a2 += IN16(q + 2 * step) * k0;
            e2 += IN16(q + 2 * step + 16) * k1;
            a3 += IN16(q + 3 * step) * k0;
            e3 += IN16(q + 3 * step + 16) * k1;
        }
    }
    act16(&a0, act, cap), act16(&a1, act, cap), act16(&a2, act, cap), act16(&a3, act, cap);
    act16(&e0, act, cap), act16(&e1, act, cap), act16(&e2, act, cap), act16(&e3, act, cap);
    *(v16 *)(o + c0) = a0, *(v16 *)(o + c0 + 16) = e0;
    *(v16 *)(o + ostride + c0) = a1, *(v16 *)(o + ostride + c0 + 16) = e1;
    *(v16 *)(o + 2 * ostride + c0) = a2, *(v16 *)(o + 2 * ostride + c0 + 16) = e2;
    *(v16 *)(o + 3 * ostride + c0) = a3, *(v16 *)(o + 3 * ostride + c0 + 16) = e3;
}

// The channels past the last multiple of 16 (NASNet's 11 and 22 in its stem cells, where they are
// all the channels) as one vector instead of one at a time: the weights and bias are padded with
// zeros to 16 lanes (`ktail`, `btail`), so the surplus lanes, read from the next pixel's channels,
// come to nothing and are never stored. Reads that would run past the image's end gather the
// lanes one by one. The sums are the scalar tail's, in the same order.
#define DW_TAIL_TAPS 64
static inline __attribute__((always_inline)) void dw_tail16(const float *image, const float *iend, int w, int c,
                                                            int c0, const float *ktail, int kw, int ky0, int ky1,
                                                            int iy0, int ix0, int kx0, int kx1, const float *btail,
                                                            int in_relu, int act, float cap, float *o) {
    const int t = c - c0;
    v16 a = *(const v16 *)btail;
    for (int ky = ky0; ky < ky1; ky++)
        for (int kx = kx0; kx < kx1; kx++) {
            const float *p = image + ((ptrdiff_t)(iy0 + ky) * w + ix0 + kx) * c + c0;
            v16 v;
            if (p + 16 <= iend) {
                v = *(const v16 *)p;
            } else {
                v = splat(0.0f);
                for (int i = 0; i < t; i++) v[i] = p[i];
            }
            if (in_relu) v = __builtin_elementwise_max(v, splat(0.0f));
            a += v * *(const v16 *)(ktail + ((ptrdiff_t)ky * kw + kx) * 16);
        }
    act16(&a, act, cap);
    for (int i = 0; i < t; i++) o[c0 + i] = a[i];
}

// One output pixel, any position: taps outside the image skipped, all channels.
static inline __attribute__((always_inline)) void dw_pixel_act(const float *image, int w, int c,
                                                               const float *kernel, int kw, int ky0, int ky1,
                                                               int iy0, int ix0, int kx0, int kx1, const float *bias,
                                                               int in_relu, int act, float cap, const float *ktail,
                                                               const float *btail, const float *iend, float *o) {
    int c0 = 0;
    for (; c0 + 64 <= c; c0 += 64) {
        v16 a0 = bias ? *(const v16 *)(bias + c0) : splat(0.0f), a1 = bias ? *(const v16 *)(bias + c0 + 16) : splat(0.0f);
        v16 a2 = bias ? *(const v16 *)(bias + c0 + 32) : splat(0.0f), a3 = bias ? *(const v16 *)(bias + c0 + 48) : splat(0.0f);
        for (int ky = ky0; ky < ky1; ky++)
            for (int kx = kx0; kx < kx1; kx++) {
                const float *p = image + ((ptrdiff_t)(iy0 + ky) * w + ix0 + kx) * c + c0;
                const float *k = kernel + ((ptrdiff_t)ky * kw + kx) * c + c0;
                a0 += IN16(p) * *(const v16 *)k;
                a1 += IN16(p + 16) * *(const v16 *)(k + 16);
                a2 += IN16(p + 32) * *(const v16 *)(k + 32);
                a3 += IN16(p + 48) * *(const v16 *)(k + 48);
            }
        act16(&a0, act, cap), act16(&a1, act, cap), act16(&a2, act, cap), act16(&a3, act, cap);
        *(v16 *)(o + c0) = a0, *(v16 *)(o + c0 + 16) = a1, *(v16 *)(o + c0 + 32) = a2, *(v16 *)(o + c0 + 48) = a3;
    }
    for (; c0 + 16 <= c; c0 += 16) {
        v16 a = bias ? *(const v16 *)(bias + c0) : splat(0.0f);
        for (int ky = ky0; ky < ky1; ky++)
            for (int kx = kx0; kx < kx1; kx++)
                a += IN16(image + ((ptrdiff_t)(iy0 + ky) * w + ix0 + kx) * c + c0) *
                     *(const v16 *)(kernel + ((ptrdiff_t)ky * kw + kx) * c + c0);
        act16(&a, act, cap);
        *(v16 *)(o + c0) = a;
    }
    if (ktail && c0 < c) {
        dw_tail16(image, iend, w, c, c0, ktail, kw, ky0, ky1, iy0, ix0, kx0, kx1, btail, in_relu, act, cap, o);
        return;
    }
    for (; c0 < c; c0++) {
        float a = bias ? bias[c0] : 0;
        for (int ky = ky0; ky < ky1; ky++)
            for (int kx = kx0; kx < kx1; kx++)
                a += IN1(image[((ptrdiff_t)(iy0 + ky) * w + ix0 + kx) * c + c0]) * kernel[((ptrdiff_t)ky * kw + kx) * c + c0];
        o[c0] = act1(a, act, cap);
    }
}

static inline __attribute__((always_inline)) void dw_rows(const float *x, int h, int w, int c, const float *kernel,
                                                          int kh, int kw, const float *bias, int stride_y, int stride_x,
                                                          int pad_top, int pad_left, int oh, int ow, int in_relu, int act,
                                                          float cap, ptrdiff_t row0, ptrdiff_t row1, float *out) {
    // Output columns [lo, hi) have every tap inside the image's columns.
    int lo = (pad_left + stride_x - 1) / stride_x, hi = w - kw + pad_left >= 0 ? (w - kw + pad_left) / stride_x + 1 : 0;
    if (hi > ow) hi = ow;
    // Strided blocks measured slower than single pixels (their inputs interleave less well).
    if (stride_x != 1) hi = lo;
    if (lo > hi) lo = hi;
    const int ct = c & ~15, taps = kh * kw;
    float ktail_buf[DW_TAIL_TAPS * 16], btail[16] = {0};
    const float *ktail = NULL;
    if (ct < c && taps <= DW_TAIL_TAPS) {
        for (int tap = 0; tap < taps; tap++)
            for (int i = 0; i < 16; i++) ktail_buf[tap * 16 + i] = ct + i < c ? kernel[(ptrdiff_t)tap * c + ct + i] : 0;
        for (int i = 0; bias && ct + i < c; i++) btail[i] = bias[ct + i];
        ktail = ktail_buf;
    }
    for (ptrdiff_t r = row0; r < row1; r++) {
        const ptrdiff_t n = r / oh;
        const int oy = (int)(r % oh), iy0 = oy * stride_y - pad_top;
        const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + kh > h ? h - iy0 : kh;
        const float *image = x + n * (ptrdiff_t)h * w * c, *iend = image + (ptrdiff_t)h * w * c;
        float *orow = out + r * (ptrdiff_t)ow * c;
        for (int ox = 0; ox < ow; ox++) {
            if (ox == lo) {
                // The interior: blocks of pixels, each over all its channels while their inputs
                // are in L1, 16 at a time, then the rest one by one.
                const int blocks = (hi - lo) / DW_BLOCK;
                for (int j = 0; j < blocks; j++) {
                    const int bx = lo + j * DW_BLOCK, ix0 = bx * stride_x - pad_left;
                    float *o = orow + (ptrdiff_t)bx * c;
                    int c0 = 0;
                    for (; c0 + 32 <= c; c0 += 32)
                        dw_block32(image, w, c, kernel, kw, ky0, ky1, iy0, ix0, stride_x, c0, bias, in_relu, act, cap, o, c);
                    for (; c0 + 16 <= c; c0 += 16)
                        dw_block16(image, w, c, kernel, kw, ky0, ky1, iy0, ix0, stride_x, c0, bias, in_relu, act, cap, o, c);
                    for (int p = 0; p < DW_BLOCK && c0 < c; p++) {
                        const int px = ix0 + p * stride_x;
                        if (ktail) {
                            dw_tail16(image, iend, w, c, c0, ktail, kw, ky0, ky1, iy0, px, 0, kw, btail, in_relu,
                                      act, cap, o + (ptrdiff_t)p * c);
                            continue;
                        }
                        for (int ci = c0; ci < c; ci++) {
                            float a = bias ? bias[ci] : 0;
                            for (int ky = ky0; ky < ky1; ky++)
                                for (int kx = 0; kx < kw; kx++)
                                    a += IN1(image[((ptrdiff_t)(iy0 + ky) * w + px + kx) * c + ci]) *
                                         kernel[((ptrdiff_t)ky * kw + kx) * c + ci];
                            o[(ptrdiff_t)p * c + ci] = act1(a, act, cap);
                        }
                    }
                }
                ox = lo + blocks * DW_BLOCK;
                if (ox >= ow) break;
            }
            const int ix0 = ox * stride_x - pad_left;
            const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + kw > w ? w - ix0 : kw;
            dw_pixel_act(image, w, c, kernel, kw, ky0, ky1, iy0, ix0, kx0, kx1, bias, in_relu, act, cap, ktail,
                         btail, iend, orow + (ptrdiff_t)ox * c);
        }
    }
}

MULTIVERSION
void zoo_depthwise_forward_act(const float *x, int h, int w, int c, const float *kernel, int kh, int kw,
                               const float *bias, int stride_y, int stride_x, int pad_top, int pad_left, int oh, int ow,
                               int in_relu, int act, float cap, ptrdiff_t row0, ptrdiff_t row1, float *out) {
    // One copy of the loops without the input ReLU's test and one with it.
    if (in_relu)
        dw_rows(x, h, w, c, kernel, kh, kw, bias, stride_y, stride_x, pad_top, pad_left, oh, ow, 1, act, cap, row0, row1, out);
    else
        dw_rows(x, h, w, c, kernel, kh, kw, bias, stride_y, stride_x, pad_top, pad_left, oh, ow, 0, act, cap, row0, row1, out);
}
