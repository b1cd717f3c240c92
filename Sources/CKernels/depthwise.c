#include "CKernels.h"

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
