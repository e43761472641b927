/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: synthetic sky: pixel formats and the truth as JSON (pure C) */
#include "skyrender-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------ composition */

static inline uint8_t
to8 (float v)
{
  v += 0.5f;
  return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)v;
}

static inline uint16_t
to16 (float v)
{
  v = v * 256.0f + 0.5f;
  return v <= 0 ? 0 : v >= 65535 ? 65535 : (uint16_t)v;
}

void
sky_write_row (const SkyImage *img, int y, const float *row, int w)
{
  int x;

  switch (img->format) {
    case SKY_FORMAT_GRAY8:
    case SKY_FORMAT_I420:
    case SKY_FORMAT_NV12: {
      uint8_t *d = img->planes[0] + (size_t)y * img->strides[0];
      for (x = 0; x < w; x++)
        d[x] = to8 (row[x]);
      break;
    }
    case SKY_FORMAT_GRAY16_LE: {
      uint8_t *d = img->planes[0] + (size_t)y * img->strides[0];
      for (x = 0; x < w; x++) {
        uint16_t v = to16 (row[x]);
        d[2 * x] = (uint8_t)(v & 0xff);
        d[2 * x + 1] = (uint8_t)(v >> 8);
      }
      break;
    }
    case SKY_FORMAT_RGB:
    case SKY_FORMAT_BGR: {
      uint8_t *d = img->planes[0] + (size_t)y * img->strides[0];
      for (x = 0; x < w; x++)
        d[3 * x] = d[3 * x + 1] = d[3 * x + 2] = to8 (row[x]);
      break;
    }
    case SKY_FORMAT_RGBX:
    case SKY_FORMAT_BGRX: {
      uint8_t *d = img->planes[0] + (size_t)y * img->strides[0];
      for (x = 0; x < w; x++) {
        d[4 * x] = d[4 * x + 1] = d[4 * x + 2] = to8 (row[x]);
        d[4 * x + 3] = 0xff;
      }
      break;
    }
  }
}

/* One pixel of @v DN (a hot pixel) at (x, y), over what the row wrote. */
void
sky_write_pixel (const SkyImage *img, int x, int y, float v)
{
  switch (img->format) {
    case SKY_FORMAT_GRAY16_LE: {
      uint16_t q = to16 (v);
      uint8_t *d = img->planes[0] + (size_t)y * img->strides[0] + 2 * x;
      d[0] = (uint8_t)(q & 0xff);
      d[1] = (uint8_t)(q >> 8);
      break;
    }
    default: {
      int bpp =
          img->format == SKY_FORMAT_RGB || img->format == SKY_FORMAT_BGR ? 3
          : img->format == SKY_FORMAT_RGBX || img->format == SKY_FORMAT_BGRX
              ? 4
              : 1;
      uint8_t *d =
          img->planes[0] + (size_t)y * img->strides[0] + (size_t)bpp * x;
      d[0] = to8 (v);
      if (bpp > 1)
        d[1] = d[2] = d[0];
      break;
    }
  }
}

/* A gray sky: neutral chroma. */
void
sky_write_chroma (const SkyImage *img, int w, int h)
{
  int cw = (w + 1) / 2, ch = (h + 1) / 2, y;

  if (img->format == SKY_FORMAT_I420) {
    for (y = 0; y < ch; y++) {
      memset (img->planes[1] + (size_t)y * img->strides[1], 128, cw);
      memset (img->planes[2] + (size_t)y * img->strides[2], 128, cw);
    }
  } else if (img->format == SKY_FORMAT_NV12) {
    for (y = 0; y < ch; y++)
      memset (img->planes[1] + (size_t)y * img->strides[1], 128, 2 * cw);
  }
}
/* ----------------------------------------------------- text formats */

/* "%.2f" whatever the locale: JSON wants a '.' */
typedef struct {
  char s[32];
} Fixed2;

static Fixed2
fixed2 (double v)
{
  Fixed2 f;
  long long c = llround (v * 100);

  snprintf (f.s, sizeof (f.s), "%s%lld.%02lld", c < 0 ? "-" : "",
      llabs (c) / 100, llabs (c) % 100);
  return f;
}

int
sky_truth_to_json (const SkyTruth *t, char *buf, size_t len)
{
  return snprintf (buf, len,
      "{\"kind\":\"%s\",\"id\":%u,\"first-frame\":%llu,\"last-frame\":%llu,"
      "\"x0\":%s,\"y0\":%s,\"x1\":%s,\"y1\":%s,\"peak\":%s,"
      "\"snr\":%s,\"speed-px-s\":%s}",
      sky_kind_name (t->kind), t->id, (unsigned long long)t->first_frame,
      (unsigned long long)t->last_frame, fixed2 (t->x0).s, fixed2 (t->y0).s,
      fixed2 (t->x1).s, fixed2 (t->y1).s, fixed2 (t->peak).s, fixed2 (t->snr).s,
      fixed2 (t->speed).s);
}
