#ifndef EKTP_CJPEG_SHIM_H
#define EKTP_CJPEG_SHIM_H

// libjpeg-turbo, with decode and encode wrapped so that a corrupt file becomes an error
// code and a message instead of libjpeg's default error_exit(), which calls exit().
// libjpeg reports fatal errors by longjmp; Swift cannot set a jump target, so the
// setjmp lives here, in C, and never unwinds through a Swift frame.

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

struct ektp_jpeg_error {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    long damage;  // warnings that mean damaged pixels
};

static void ektp_jpeg_error_exit(j_common_ptr cinfo) {
    struct ektp_jpeg_error *err = (struct ektp_jpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

// Warnings are counted, not printed. "Extraneous bytes before marker" is common in
// camera files and harmless; any other warning (bad Huffman code, premature end of data)
// means rows of the picture are grey or garbled.
static void ektp_jpeg_emit(j_common_ptr cinfo, int level) {
    if (level >= 0) return;
    struct ektp_jpeg_error *err = (struct ektp_jpeg_error *)cinfo->err;
    cinfo->err->num_warnings++;
    if (cinfo->err->msg_code != JWRN_EXTRANEOUS_DATA && err->damage++ == 0) {
        (*cinfo->err->format_message)(cinfo, err->message);
    }
}

// Pixels in the memory order of a cairo CAIRO_FORMAT_RGB24 surface (a native-endian
// 32-bit 0x00RRGGBB word per pixel).
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define EKTP_JPEG_CAIRO_SPACE JCS_EXT_XRGB
#else
#define EKTP_JPEG_CAIRO_SPACE JCS_EXT_BGRX
#endif

/// Reads the header and returns the size the image decodes to with libjpeg's DCT scaling
/// (scale_denom 1, 2, 4 or 8 chosen as the largest that still gives at least min_width ×
/// min_height). Returns 0 on success, -1 with `message` filled on failure.
static int ektp_jpeg_decoded_size(const unsigned char *data, size_t length, int min_width,
                                  int min_height, int *denom, int *width, int *height,
                                  char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    struct ektp_jpeg_error err;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = ektp_jpeg_error_exit;
    err.base.emit_message = ektp_jpeg_emit;
    err.message[0] = 0;
    err.damage = 0;
    if (setjmp(err.jump)) {
        snprintf(message, message_size, "%s", err.message);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)length);
    jpeg_read_header(&cinfo, TRUE);
    int chosen = 1;
    for (int d = 8; d > 1; d /= 2) {
        int w = (int)((cinfo.image_width + d - 1) / d);
        int h = (int)((cinfo.image_height + d - 1) / d);
        if (w >= min_width && h >= min_height) { chosen = d; break; }
    }
    cinfo.scale_num = 1;
    cinfo.scale_denom = chosen;
    cinfo.out_color_space = EKTP_JPEG_CAIRO_SPACE;
    jpeg_calc_output_dimensions(&cinfo);
    *denom = chosen;
    *width = (int)cinfo.output_width;
    *height = (int)cinfo.output_height;
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

/// Decodes into `pixels` (cairo RGB24 layout, `stride` bytes a row) at 1/denom scale;
/// the buffer must hold the size ektp_jpeg_decoded_size returned. Returns 0 on success,
/// -1 with `message` filled on failure (corrupt or truncated data, unsupported colour space).
static int ektp_jpeg_decode(const unsigned char *data, size_t length, int denom,
                            unsigned char *pixels, int width, int height, int stride,
                            char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    struct ektp_jpeg_error err;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = ektp_jpeg_error_exit;
    err.base.emit_message = ektp_jpeg_emit;
    err.message[0] = 0;
    err.damage = 0;
    if (setjmp(err.jump)) {
        snprintf(message, message_size, "%s", err.message);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)length);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int)denom;
    cinfo.out_color_space = EKTP_JPEG_CAIRO_SPACE;
    cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&cinfo);
    if ((int)cinfo.output_width != width || (int)cinfo.output_height != height) {
        snprintf(message, message_size, "decoded size %ux%u differs from %dx%d",
                 cinfo.output_width, cinfo.output_height, width, height);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)cinfo.output_scanline * (size_t)stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    // Damaged data decodes to grey or garbled rows with only a warning; a card photo with
    // a grey band is a wasted blangko, so such a warning fails the decode.
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    if (err.damage > 0) {
        snprintf(message, message_size, "%s", err.message);
        return -1;
    }
    return 0;
}

/// Encodes cairo RGB24 pixels as a baseline JPEG. On success returns 0 and sets `*out`
/// (free it with ektp_jpeg_free) and `*out_length`.
static int ektp_jpeg_encode(const unsigned char *pixels, int width, int height, int stride,
                            int quality, unsigned char **out, unsigned long *out_length,
                            char *message, size_t message_size) {
    struct jpeg_compress_struct cinfo;
    struct ektp_jpeg_error err;
    memset(&cinfo, 0, sizeof cinfo);
    *out = NULL;
    *out_length = 0;
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = ektp_jpeg_error_exit;
    err.base.emit_message = ektp_jpeg_emit;
    err.message[0] = 0;
    err.damage = 0;
    if (setjmp(err.jump)) {
        snprintf(message, message_size, "%s", err.message);
        jpeg_destroy_compress(&cinfo);
        free(*out);
        *out = NULL;
        return -1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, out, out_length);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 4;
    cinfo.in_color_space = EKTP_JPEG_CAIRO_SPACE;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * (size_t)stride);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    return 0;
}

static void ektp_jpeg_free(unsigned char *buffer) { free(buffer); }

#endif
