/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a small PNG writer shared by the tools. */
#include "pngwrite.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void
put_be32 (uint8_t *p, uint32_t v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static int
chunk (FILE *f, const char *type, const uint8_t *data, size_t len)
{
  uint8_t head[8], tail[4];
  uLong crc = crc32 (0, (const Bytef *)type, 4);

  put_be32 (head, (uint32_t)len);
  memcpy (head + 4, type, 4);
  if (len)
    crc = crc32 (crc, data, (uInt)len);
  put_be32 (tail, (uint32_t)crc);
  return fwrite (head, 8, 1, f) == 1 &&
                 (len == 0 || fwrite (data, len, 1, f) == 1) &&
                 fwrite (tail, 4, 1, f) == 1
             ? 0
             : -1;
}

int
meteor_png_write (const char *path, uint32_t width, uint32_t height,
    int channels, int depth, const uint8_t *pixels, size_t stride, char *error,
    size_t error_len)
{
  static const uint8_t sig[8] = { 137, 'P', 'N', 'G', '\r', '\n', 26, '\n' };
  size_t row = (size_t)width * channels * (depth / 8), y;
  size_t raw_len = (row + 1) * height;
  uLongf comp_len = compressBound (raw_len);
  uint8_t *raw, *comp, ihdr[13];
  FILE *f;
  int ok;

  if ((channels != 1 && channels != 3) || (depth != 8 && depth != 16) ||
      width == 0 || height == 0) {
    snprintf (error, error_len,
        "PNG %s: unsupported %ux%u, %d channels, %d bits", path, width, height,
        channels, depth);
    return -1;
  }
  raw = malloc (raw_len);
  comp = malloc (comp_len);
  if (raw == NULL || comp == NULL)
    abort ();
  for (y = 0; y < height; y++) {
    raw[y * (row + 1)] = 0; /* filter: none */
    memcpy (raw + y * (row + 1) + 1, pixels + y * stride, row);
  }
  if (compress2 (comp, &comp_len, raw, raw_len, 6) != Z_OK) {
    snprintf (error, error_len, "PNG %s: zlib failed", path);
    free (raw);
    free (comp);
    return -1;
  }
  free (raw);
  put_be32 (ihdr, width);
  put_be32 (ihdr + 4, height);
  ihdr[8] = (uint8_t)depth;
  ihdr[9] = channels == 1 ? 0 : 2;
  ihdr[10] = ihdr[11] = ihdr[12] = 0;
  f = fopen (path, "wb");
  if (f == NULL) {
    snprintf (error, error_len, "cannot create %s: %s", path, strerror (errno));
    free (comp);
    return -1;
  }
  ok = fwrite (sig, 8, 1, f) == 1 && chunk (f, "IHDR", ihdr, 13) == 0 &&
       chunk (f, "IDAT", comp, comp_len) == 0 &&
       chunk (f, "IEND", NULL, 0) == 0;
  free (comp);
  if (fclose (f) != 0)
    ok = 0;
  if (!ok) {
    snprintf (error, error_len, "cannot write %s: %s", path, strerror (errno));
    return -1;
  }
  return 0;
}
