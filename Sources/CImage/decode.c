// Image decoding for zoo through the libraries TensorFlow itself uses (libjpeg-turbo, libpng) with
// tf.image.decode_image's settings, and stb_image for BMP and GIF. Each library reports fatal
// errors by longjmp, which Swift cannot catch, hence this C layer.
#include "zoo_image.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <stb/stb_image.h>

zoo_image_format zoo_image_sniff(const uint8_t *d, size_t n) {
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return ZOO_IMAGE_JPEG;
    if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) return ZOO_IMAGE_PNG;
    if (n >= 4 && memcmp(d, "GIF8", 4) == 0) return ZOO_IMAGE_GIF;
    if (n >= 2 && d[0] == 'B' && d[1] == 'M') return ZOO_IMAGE_BMP;
    return ZOO_IMAGE_UNKNOWN;
}

void zoo_image_free(zoo_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}

static zoo_image_status fail(zoo_image *out, zoo_image_status status, const char *message) {
    snprintf(out->message, sizeof out->message, "%s", message);
    return status;
}

static int too_large(uint64_t width, uint64_t height, uint64_t max_pixels, zoo_image *out) {
    if (width == 0 || height == 0) {
        snprintf(out->message, sizeof out->message, "header claims an empty %llux%llu image",
                 (unsigned long long)width, (unsigned long long)height);
        return 1;
    }
    if (width * height > max_pixels) {
        snprintf(out->message, sizeof out->message, "header claims %llux%llu = %llu pixels, over the limit of %llu (--max-pixels)",
                 (unsigned long long)width, (unsigned long long)height, (unsigned long long)(width * height),
                 (unsigned long long)max_pixels);
        return 1;
    }
    return 0;
}

// ---- JPEG: tf.io.decode_jpeg's defaults: dct_method "" is JDCT_IFAST (jpeg_mem.h), fancy upsampling, no scaling ----

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int truncated;
    char message[JMSG_LENGTH_MAX];
} jpeg_error;

static void jpeg_fail(j_common_ptr cinfo) {
    jpeg_error *err = (jpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

// Warnings are tolerated as TensorFlow tolerates them, except running out of data: TF refuses a
// truncated file (try_recover_truncated is off), and so does zoo.
static void jpeg_warn(j_common_ptr cinfo, int level) {
    jpeg_error *err = (jpeg_error *)cinfo->err;
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) err->truncated = 1;
}

// A progressive file can carry thousands of tiny scans that take minutes to decode; real
// encoders write at most a few dozen.
static void jpeg_progress(j_common_ptr cinfo) {
    if (cinfo->is_decompressor && ((j_decompress_ptr)cinfo)->input_scan_number > 1000) {
        jpeg_error *err = (jpeg_error *)cinfo->err;
        snprintf(err->message, sizeof err->message, "more than 1000 progressive scans");
        longjmp(err->jump, 1);
    }
}

static zoo_image_status decode_jpeg(const uint8_t *data, size_t size, int channels, uint64_t max_pixels, zoo_image *out) {
    struct jpeg_decompress_struct cinfo;
    jpeg_error err;
    struct jpeg_progress_mgr progress;
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile row = NULL;
    memset(&err, 0, sizeof err);
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = jpeg_fail;
    err.pub.emit_message = jpeg_warn;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        free(row);
        return fail(out, ZOO_IMAGE_ERR_CORRUPT, err.message);
    }
    jpeg_create_decompress(&cinfo);
    progress.progress_monitor = jpeg_progress;
    cinfo.progress = &progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (too_large(cinfo.image_width, cinfo.image_height, max_pixels, out)) {
        jpeg_destroy_decompress(&cinfo);
        return cinfo.image_width == 0 || cinfo.image_height == 0 ? ZOO_IMAGE_ERR_CORRUPT : ZOO_IMAGE_ERR_TOO_LARGE;
    }
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = channels == 1 ? JCS_GRAYSCALE : cmyk ? JCS_CMYK : JCS_RGB;
    cinfo.dct_method = JDCT_IFAST;
    cinfo.do_fancy_upsampling = TRUE;
    cinfo.scale_num = 1;
    cinfo.scale_denom = 1;
    jpeg_start_decompress(&cinfo);
    size_t width = cinfo.output_width, height = cinfo.output_height;
    int got = cinfo.output_components;
    pixels = malloc(width * height * (size_t)channels);
    row = malloc(width * (size_t)got);
    if (!pixels || !row) longjmp(err.jump, 1);
    while (cinfo.output_scanline < cinfo.output_height && !err.truncated) {
        JSAMPROW rows[1] = {row};
        size_t y = cinfo.output_scanline;
        if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) break;
        uint8_t *dst = pixels + y * width * (size_t)channels;
        for (size_t x = 0; x < width; x++) {
            const uint8_t *s = row + x * (size_t)got;
            uint8_t r, g, b;
            if (got == 1) {
                r = g = b = s[0];
            } else if (got == 4) {
                // TensorFlow's CMYK conversion: Adobe files store inverted ink.
                int c = s[0], m = s[1], yy = s[2], k = s[3];
                if (cinfo.saw_Adobe_marker) {
                    r = (uint8_t)(k * c / 255); g = (uint8_t)(k * m / 255); b = (uint8_t)(k * yy / 255);
                } else {
                    r = (uint8_t)((255 - k) * (255 - c) / 255); g = (uint8_t)((255 - k) * (255 - m) / 255);
                    b = (uint8_t)((255 - k) * (255 - yy) / 255);
                }
            } else {
                r = s[0]; g = s[1]; b = s[2];
            }
            if (channels == 1) {
                dst[x] = r;
            } else {
                dst[x * channels] = r; dst[x * channels + 1] = g; dst[x * channels + 2] = b;
                if (channels == 4) dst[x * channels + 3] = 255;
            }
        }
    }
    if (err.truncated || cinfo.output_scanline < cinfo.output_height) {
        snprintf(err.message, sizeof err.message, "truncated JPEG data (%u of %u rows)", cinfo.output_scanline, cinfo.output_height);
        longjmp(err.jump, 1);
    }
    jpeg_abort_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    out->pixels = pixels;
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    return ZOO_IMAGE_OK;
}

// ---- PNG: the transformations of TensorFlow's png_io.cc CommonInitDecode, in its order ----

typedef struct {
    const uint8_t *data;
    size_t size, offset;
    char message[160];
} png_source;

static void png_read(png_structp png, png_bytep dst, png_size_t length) {
    png_source *src = png_get_io_ptr(png);
    if (length > src->size - src->offset) png_error(png, "truncated PNG data");
    memcpy(dst, src->data + src->offset, length);
    src->offset += length;
}

static void png_fail(png_structp png, png_const_charp message) {
    png_source *src = png_get_error_ptr(png);
    snprintf(src->message, sizeof src->message, "%s", message);
    png_longjmp(png, 1);
}

static void png_warn(png_structp png, png_const_charp message) { (void)png; (void)message; }

static zoo_image_status decode_png(const uint8_t *data, size_t size, int channels, uint64_t max_pixels, zoo_image *out) {
    png_source src = {data, size, 0, "corrupt PNG"};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_fail, png_warn);
    if (!png) return fail(out, ZOO_IMAGE_ERR_MEMORY, "cannot start libpng");
    png_infop info = png_create_info_struct(png);
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    volatile zoo_image_status status = ZOO_IMAGE_ERR_CORRUPT;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return fail(out, ZOO_IMAGE_ERR_MEMORY, "cannot start libpng");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        if (status == ZOO_IMAGE_ERR_CORRUPT) snprintf(out->message, sizeof out->message, "%s", src.message);
        return status;
    }
    png_set_read_fn(png, &src, png_read);
    // Ancillary chunks (text, ICC profiles) cannot make libpng buffer without bound.
    png_set_chunk_malloc_max(png, 8u << 20);
    png_read_info(png, info);
    png_uint_32 width, height;
    int bit_depth, color_type;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
    if (too_large(width, height, max_pixels, out)) {
        status = ZOO_IMAGE_ERR_TOO_LARGE;
        png_longjmp(png, 1);
    }
    int has_trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    int has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) != 0;
    if ((channels & 1) == 0) {
        if (has_alpha) {
        } else if (has_trns) {
            png_set_tRNS_to_alpha(png);
        } else {
            png_set_add_alpha(png, (1 << bit_depth) - 1, PNG_FILLER_AFTER);
        }
    } else if (has_alpha || has_trns) {
        png_set_strip_alpha(png);
    }
    if (bit_depth > 8) png_set_strip_16(png);
    png_set_packing(png);
    png_set_interlace_handling(png);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    int want_gray = channels < 3, is_gray = !(color_type & PNG_COLOR_MASK_COLOR);
    if (is_gray && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (want_gray) {
        if (!is_gray) png_set_rgb_to_gray(png, 1, 0.299, 0.587);
    } else if (is_gray) {
        png_set_gray_to_rgb(png);
    }
    png_read_update_info(png, info);
    size_t stride = png_get_rowbytes(png, info);
    if (stride != (size_t)width * (size_t)channels) {
        snprintf(src.message, sizeof src.message, "libpng gives %zu bytes a row, expected %zu", stride, (size_t)width * channels);
        png_longjmp(png, 1);
    }
    pixels = malloc(stride * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) {
        status = ZOO_IMAGE_ERR_MEMORY;
        snprintf(out->message, sizeof out->message, "out of memory");
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + y * stride;
    png_read_image(png, rows);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    out->pixels = pixels;
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    return ZOO_IMAGE_OK;
}

// ---- BMP and GIF (first frame): stb_image ----

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

// stb_image fills what is missing of a short file with zeros; TensorFlow refuses such files (its
// BMP decoder checks the size, giflib needs the trailer), and so does zoo.
static const char *truncated_stb(const uint8_t *d, size_t n, zoo_image_format format) {
    if (format == ZOO_IMAGE_BMP && n >= 34) {
        uint32_t offset = le32(d + 10), header = le32(d + 14);
        if (header < 40) return NULL;  // OS/2 headers: left to stb
        int64_t width = (int32_t)le32(d + 18), height = (int32_t)le32(d + 22);
        uint32_t bpp = d[28] | d[29] << 8, compression = le32(d + 30);
        if (compression != 0 && compression != 3) return NULL;  // RLE: sizes not known up front
        if (height < 0) height = -height;
        uint64_t stride = ((uint64_t)(width < 0 ? -width : width) * bpp + 31) / 32 * 4;
        if ((uint64_t)offset + stride * (uint64_t)height > n) return "truncated BMP data";
    }
    if (format == ZOO_IMAGE_GIF) {
        while (n > 0 && d[n - 1] == 0) n--;
        if (n == 0 || d[n - 1] != 0x3B) return "truncated GIF data (no trailer)";
    }
    return NULL;
}

static zoo_image_status decode_stb(const uint8_t *data, size_t size, int channels, uint64_t max_pixels, zoo_image *out) {
    int w, h, n;
    if (size > 0x7fffffff) return fail(out, ZOO_IMAGE_ERR_TOO_LARGE, "file over 2 GiB");
    if (!stbi_info_from_memory(data, (int)size, &w, &h, &n)) {
        snprintf(out->message, sizeof out->message, "%s", stbi_failure_reason() ? stbi_failure_reason() : "corrupt image");
        return ZOO_IMAGE_ERR_CORRUPT;
    }
    if (too_large((uint64_t)w, (uint64_t)h, max_pixels, out)) return w == 0 || h == 0 ? ZOO_IMAGE_ERR_CORRUPT : ZOO_IMAGE_ERR_TOO_LARGE;
    const char *truncated = truncated_stb(data, size, out->format);
    if (truncated) return fail(out, ZOO_IMAGE_ERR_CORRUPT, truncated);
    // Transparent GIF pixels of the first frame come out black (stb leaves them 0), as in
    // TensorFlow's GIF decoder.
    uint8_t *pixels = stbi_load_from_memory(data, (int)size, &w, &h, &n, channels);
    if (!pixels) {
        snprintf(out->message, sizeof out->message, "%s", stbi_failure_reason() ? stbi_failure_reason() : "corrupt image");
        return ZOO_IMAGE_ERR_CORRUPT;
    }
    // Copied so that every decoder's pixels are released with free().
    out->pixels = malloc((size_t)w * (size_t)h * (size_t)channels);
    if (!out->pixels) {
        stbi_image_free(pixels);
        return fail(out, ZOO_IMAGE_ERR_MEMORY, "out of memory");
    }
    memcpy(out->pixels, pixels, (size_t)w * (size_t)h * (size_t)channels);
    stbi_image_free(pixels);
    out->width = w;
    out->height = h;
    out->channels = channels;
    return ZOO_IMAGE_OK;
}

zoo_image_status zoo_image_decode(const uint8_t *data, size_t size, int channels, uint64_t max_pixels, zoo_image *out) {
    memset(out, 0, sizeof *out);
    if (channels != 1 && channels != 3 && channels != 4) return fail(out, ZOO_IMAGE_ERR_FORMAT, "channels must be 1, 3 or 4");
    out->format = zoo_image_sniff(data, size);
    switch (out->format) {
    case ZOO_IMAGE_JPEG: return decode_jpeg(data, size, channels, max_pixels, out);
    case ZOO_IMAGE_PNG: return decode_png(data, size, channels, max_pixels, out);
    case ZOO_IMAGE_BMP:
    case ZOO_IMAGE_GIF: return decode_stb(data, size, channels, max_pixels, out);
    default: return fail(out, ZOO_IMAGE_ERR_FORMAT, "not a JPEG, PNG, BMP or GIF file (unknown first bytes)");
    }
}
