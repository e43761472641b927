/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the tools' PNG writer, over libpng. */
#include "pngwrite.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  char *error;
  size_t error_len;
  const char *path;
} PngErr;

static void
png_fail (png_structp png, png_const_charp msg)
{
  PngErr *e = png_get_error_ptr (png);

  snprintf (e->error, e->error_len, "PNG %s: %s", e->path, msg);
  png_longjmp (png, 1);
}

static void
png_warn (png_structp png, png_const_charp msg)
{
  (void)png;
  (void)msg; /* nothing we write can draw a warning that matters */
}

int
meteor_png_write (const char *path, uint32_t width, uint32_t height,
    int channels, int depth, const uint8_t *pixels, size_t stride, char *error,
    size_t error_len)
{
  PngErr e = { error, error_len, path };
  png_structp png;
  png_infop info = NULL;
  FILE *volatile f = NULL;
  uint32_t y;

  if ((channels != 1 && channels != 3) || (depth != 8 && depth != 16) ||
      width == 0 || height == 0) {
    snprintf (error, error_len,
        "PNG %s: unsupported %ux%u, %d channels, %d bits", path, width, height,
        channels, depth);
    return -1;
  }
  png = png_create_write_struct (PNG_LIBPNG_VER_STRING, &e, png_fail, png_warn);
  if (png == NULL || (info = png_create_info_struct (png)) == NULL) {
    snprintf (error, error_len, "PNG %s: out of memory", path);
    png_destroy_write_struct (&png, NULL);
    return -1;
  }
  if (setjmp (png_jmpbuf (png))) {
    png_destroy_write_struct (&png, &info);
    if (f)
      fclose (f);
    remove (path); /* no half-written image left behind */
    return -1;
  }
  f = fopen (path, "wb");
  if (f == NULL) {
    snprintf (error, error_len, "cannot create %s: %s", path, strerror (errno));
    png_destroy_write_struct (&png, &info);
    return -1;
  }
  png_init_io (png, f);
  png_set_IHDR (png, info, width, height, depth,
      channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
      PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
      PNG_FILTER_TYPE_DEFAULT);
  png_write_info (png, info);
  /* 16-bit samples come big-endian, as PNG stores them: no swapping */
  for (y = 0; y < height; y++)
    png_write_row (png, pixels + (size_t)y * stride);
  png_write_end (png, info);
  png_destroy_write_struct (&png, &info);
  if (ferror (f) | fclose (f)) {
    snprintf (error, error_len, "cannot write %s: %s", path, strerror (errno));
    remove (path);
    return -1;
  }
  return 0;
}
