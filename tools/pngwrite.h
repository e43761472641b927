/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the PNG writer the tools share (libpng, no GStreamer):
 * grey or RGB, 8 or 16 bits. */
#ifndef __METEOR_PNGWRITE_H__
#define __METEOR_PNGWRITE_H__

#include <stddef.h>
#include <stdint.h>

/* Writes @pixels (@height rows of @stride bytes, top row first; @channels
 * 1 = grey, 3 = RGB; @depth 8, or 16 with big-endian samples as PNG
 * stores them) to @path. Returns 0, or -1 with a message. */
int meteor_png_write (const char *path, uint32_t width, uint32_t height,
    int channels, int depth, const uint8_t *pixels, size_t stride, char *error,
    size_t error_len);

#endif /* __METEOR_PNGWRITE_H__ */
