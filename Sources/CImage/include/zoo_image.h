#ifndef ZOO_IMAGE_H
#define ZOO_IMAGE_H
#include <stddef.h>
#include <stdint.h>

/// Formats recognised by their first bytes (never by file name).
typedef enum { ZOO_IMAGE_UNKNOWN = 0, ZOO_IMAGE_JPEG, ZOO_IMAGE_PNG, ZOO_IMAGE_BMP, ZOO_IMAGE_GIF } zoo_image_format;

/// Status of a decode: ZOO_IMAGE_OK, or why it failed (details in `message`).
typedef enum {
    ZOO_IMAGE_OK = 0, ZOO_IMAGE_ERR_FORMAT = 1, ZOO_IMAGE_ERR_CORRUPT = 2, ZOO_IMAGE_ERR_TOO_LARGE = 3, ZOO_IMAGE_ERR_MEMORY = 4
} zoo_image_status;

typedef struct {
    uint8_t *pixels;        /// height * width * channels bytes, row-major; free with zoo_image_free
    int width, height, channels;
    zoo_image_format format;
    char message[200];
} zoo_image;

zoo_image_format zoo_image_sniff(const uint8_t *data, size_t size);

/// Decodes the first image (GIF: first frame) of `data` to `channels` (1, 3 or 4) 8-bit channels,
/// as tf.image.decode_image(channels=...) does. Refuses before allocating when the header claims
/// more than `max_pixels` pixels.
zoo_image_status zoo_image_decode(const uint8_t *data, size_t size, int channels, uint64_t max_pixels, zoo_image *out);

void zoo_image_free(zoo_image *image);
#endif
