#include "CLectorPDFShims.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

// ---- JPEG ----------------------------------------------------------------------------------------

// Rows [y0, y0 + count) of a cairo RGB24 image as grey into `strip` (rows of `padded` bytes, the last
// pixel repeated into the padding as libjpeg's own edge expansion would). 0 when some pixel has colour.
static int lector_grey_rows(const unsigned char *pixels, int width, int stride, int y0, int count,
                            unsigned char *strip, size_t padded) {
    uint32_t colour = 0;
    for (int i = 0; i < count; i++) {
        const uint32_t *row = (const uint32_t *)(pixels + (size_t)(y0 + i) * (size_t)stride);
        unsigned char *target = strip + (size_t)i * padded;
        for (int x = 0; x < width; x++) {
            uint32_t pixel = row[x];
            // R == G == B exactly when the pixel equals its blue byte copied into all three channels.
            uint32_t b = pixel & 0xFF;
            colour |= (pixel & 0xFFFFFF) ^ (b | b << 8 | b << 16);
            target[x] = (unsigned char)b;
        }
        memset(target + width, target[width - 1], padded - (size_t)width);
    }
    return colour == 0;
}

struct lector_jpeg_error {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    size_t message_size;
};

static void lector_jpeg_error_exit(j_common_ptr info) {
    struct lector_jpeg_error *error = (struct lector_jpeg_error *)info->err;
    char buffer[JMSG_LENGTH_MAX];
    (*info->err->format_message)(info, buffer);
    snprintf(error->message, error->message_size, "libjpeg: %s", buffer);
    longjmp(error->jump, 1);
}

// libjpeg prints warnings on stderr by default; an encoder has nothing useful to warn about.
static void lector_jpeg_output_message(j_common_ptr info) { (void)info; }

// A growing memory destination that this file owns (jpeg_mem_dest only hands its buffer over at the
// end, so an abandoned attempt could neither free nor reuse it).
struct lector_jpeg_sink {
    struct jpeg_destination_mgr base;
    unsigned char *data;
    size_t capacity;
    size_t length;
};

static void lector_jpeg_sink_init(j_compress_ptr info) {
    struct lector_jpeg_sink *sink = (struct lector_jpeg_sink *)info->dest;
    if (!sink->data) {
        sink->capacity = 1 << 16;
        sink->data = malloc(sink->capacity);
        if (!sink->data) ERREXIT1(info, JERR_OUT_OF_MEMORY, 0);
    }
    sink->base.next_output_byte = sink->data;
    sink->base.free_in_buffer = sink->capacity;
}

static boolean lector_jpeg_sink_grow(j_compress_ptr info) {
    struct lector_jpeg_sink *sink = (struct lector_jpeg_sink *)info->dest;
    unsigned char *grown = realloc(sink->data, sink->capacity * 2);
    if (!grown) ERREXIT1(info, JERR_OUT_OF_MEMORY, 1);
    sink->data = grown;
    sink->base.next_output_byte = grown + sink->capacity;
    sink->base.free_in_buffer = sink->capacity;
    sink->capacity *= 2;
    return TRUE;
}

static void lector_jpeg_sink_term(j_compress_ptr info) {
    struct lector_jpeg_sink *sink = (struct lector_jpeg_sink *)info->dest;
    sink->length = sink->capacity - sink->base.free_in_buffer;
}

int lector_encode_jpeg_rgb24(const unsigned char *pixels, int width, int height, int stride, int quality,
                             unsigned char **out, size_t *out_length, char *error, size_t error_size) {
    struct jpeg_compress_struct compress;
    struct lector_jpeg_error jerr;
    struct lector_jpeg_sink sink = {
        .base = {.init_destination = lector_jpeg_sink_init,
                 .empty_output_buffer = lector_jpeg_sink_grow,
                 .term_destination = lector_jpeg_sink_term}};
    // volatile: read after longjmp.
    unsigned char *volatile strip = NULL;

    if (error_size > 0) error[0] = 0;
    compress.err = jpeg_std_error(&jerr.base);
    jerr.base.error_exit = lector_jpeg_error_exit;
    jerr.base.output_message = lector_jpeg_output_message;
    jerr.message = error;
    jerr.message_size = error_size;
    if (setjmp(jerr.jump)) {
        jpeg_destroy_compress(&compress);
        free(sink.data);
        free(strip);
        return -1;
    }
    jpeg_create_compress(&compress);
    compress.dest = &sink.base;
    size_t padded = ((size_t)width + DCTSIZE - 1) / DCTSIZE * DCTSIZE;
    strip = malloc(padded * DCTSIZE);
    if (!strip) {
        jpeg_destroy_compress(&compress);
        snprintf(error, error_size, "out of memory");
        return -1;
    }

    // Most contract pages are black text on white: encoded as one grey channel they take about a third
    // of the time and the bytes, and look the same to a vision model. The grey attempt converts eight
    // rows at a time and hands them to libjpeg as raw data (its own grey "conversion" is a byte-by-byte
    // copy that took a tenth of all render time); the first pixel with colour abandons it for colour.
    compress.image_width = (JDIMENSION)width;
    compress.image_height = (JDIMENSION)height;
    compress.in_color_space = JCS_GRAYSCALE;
    compress.input_components = 1;
    jpeg_set_defaults(&compress);
    jpeg_set_quality(&compress, quality, TRUE);
    // The fast integer DCT: a page image for a vision model does not need the last bit of accuracy.
    compress.dct_method = JDCT_IFAST;
    compress.raw_data_in = TRUE;
    jpeg_start_compress(&compress, TRUE);
    JSAMPROW rows[DCTSIZE];
    JSAMPARRAY planes[1] = {rows};
    int grey = 1;
    while (compress.next_scanline < compress.image_height) {
        int y0 = (int)compress.next_scanline;
        int count = height - y0 < DCTSIZE ? height - y0 : DCTSIZE;
        if (!lector_grey_rows(pixels, width, stride, y0, count, strip, padded)) {
            grey = 0;
            break;
        }
        // Rows past the bottom repeat the last one, as libjpeg's edge expansion does.
        for (int i = 0; i < DCTSIZE; i++) rows[i] = (JSAMPROW)(strip + (size_t)(i < count ? i : count - 1) * padded);
        jpeg_write_raw_data(&compress, planes, DCTSIZE);
    }
    free(strip);
    strip = NULL;
    if (grey) {
        jpeg_finish_compress(&compress);
    } else {
        // The sink's buffer stays for the second attempt, which starts writing at its beginning.
        jpeg_abort_compress(&compress);
        // cairo's RGB24 is a native-endian 32-bit xRGB word: B,G,R,x in memory on little-endian
        // machines. libjpeg-turbo reads that layout directly, which saves a conversion pass per page.
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        compress.in_color_space = JCS_EXT_BGRX;
#else
        compress.in_color_space = JCS_EXT_XRGB;
#endif
        compress.input_components = 4;
        jpeg_set_defaults(&compress);
        jpeg_set_quality(&compress, quality, TRUE);
        compress.dct_method = JDCT_IFAST;
        jpeg_start_compress(&compress, TRUE);
        while (compress.next_scanline < compress.image_height) {
            JSAMPROW row = (JSAMPROW)(pixels + (size_t)compress.next_scanline * (size_t)stride);
            jpeg_write_scanlines(&compress, &row, 1);
        }
        jpeg_finish_compress(&compress);
    }
    jpeg_destroy_compress(&compress);
    *out = sink.data;
    *out_length = sink.length;
    return 0;
}

// ---- PNG -----------------------------------------------------------------------------------------

struct lector_png_sink {
    unsigned char *data;
    size_t length;
    size_t capacity;
    int failed;
};

static void lector_png_write(png_structp png, png_bytep bytes, png_size_t count) {
    struct lector_png_sink *sink = (struct lector_png_sink *)png_get_io_ptr(png);
    if (sink->length + count > sink->capacity) {
        size_t capacity = sink->capacity ? sink->capacity : 65536;
        while (capacity < sink->length + count) capacity *= 2;
        unsigned char *grown = realloc(sink->data, capacity);
        if (!grown) {
            sink->failed = 1;
            png_error(png, "out of memory");
        }
        sink->data = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->data + sink->length, bytes, count);
    sink->length += count;
}

static void lector_png_flush(png_structp png) { (void)png; }

struct lector_png_error {
    char *message;
    size_t message_size;
};

static void lector_png_error_fn(png_structp png, png_const_charp message) {
    struct lector_png_error *error = (struct lector_png_error *)png_get_error_ptr(png);
    snprintf(error->message, error->message_size, "libpng: %s", message);
    png_longjmp(png, 1);
}

static void lector_png_warning_fn(png_structp png, png_const_charp message) { (void)png; (void)message; }

int lector_encode_png_rgb24(const unsigned char *pixels, int width, int height, int stride,
                            unsigned char **out, size_t *out_length, char *error, size_t error_size) {
    struct lector_png_error perr = {error, error_size};
    struct lector_png_sink sink = {NULL, 0, 0, 0};
    if (error_size > 0) error[0] = 0;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &perr, lector_png_error_fn, lector_png_warning_fn);
    if (!png) {
        snprintf(error, error_size, "libpng: cannot create write struct");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    // volatile: read after longjmp.
    unsigned char *volatile row = NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, info ? &info : NULL);
        free(sink.data);
        free(row);
        if (error[0] == 0) snprintf(error, error_size, "libpng: cannot encode");
        return -1;
    }
    png_set_write_fn(png, &sink, lector_png_write, lector_png_flush);
    // Page images are mostly flat text: a fast level loses little size and saves most of the time.
    png_set_compression_level(png, 3);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    row = malloc((size_t)width * 3);
    if (!row) png_error(png, "out of memory");
    for (int y = 0; y < height; y++) {
        const uint32_t *source = (const uint32_t *)(pixels + (size_t)y * (size_t)stride);
        unsigned char *target = row;
        for (int x = 0; x < width; x++) {
            uint32_t pixel = source[x];
            *target++ = (unsigned char)(pixel >> 16);
            *target++ = (unsigned char)(pixel >> 8);
            *target++ = (unsigned char)pixel;
        }
        png_write_row(png, row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);
    *out = sink.data;
    *out_length = sink.length;
    return 0;
}
