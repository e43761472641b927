/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor detector core: the analysis image (pure C) */
#include "detector-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Row @y of the frame as luma, converted into @dst unless the plane is. */
static const uint8_t *
frame_luma_row (Detector *d, const uint8_t *plane, int stride,
    MeteorFormat luma, int y, uint8_t *dst)
{
  const uint8_t *src = plane + (size_t)y * stride;
  int fw = d->config.width;

  switch (luma) {
    case METEOR_FORMAT_GRAY8:
    case METEOR_FORMAT_I420:
    case METEOR_FORMAT_NV12:
      return src;
    case METEOR_FORMAT_GRAY16_LE:
      d->k->luma_gray16 ((const uint16_t *)src, dst, fw);
      break;
    case METEOR_FORMAT_YUY2:
      d->k->luma_yuy2 (src, dst, fw);
      break;
    case METEOR_FORMAT_RGB:
    case METEOR_FORMAT_BGR:
      d->k->luma_rgb24 (src, dst, fw,
          luma == METEOR_FORMAT_RGB ? METEOR_RGB_ORDER_RGB
                                    : METEOR_RGB_ORDER_BGR);
      break;
    case METEOR_FORMAT_RGBx:
    case METEOR_FORMAT_BGRx:
      d->k->luma_rgb32 (src, dst, fw,
          luma == METEOR_FORMAT_RGBx ? METEOR_RGB_ORDER_RGB
                                     : METEOR_RGB_ORDER_BGR);
      break;
    default: /* not a format (the caps allow none other) */
      memset (dst, 0, (size_t)fw);
      break;
  }
  return dst;
}

/* Fills the analysis image (luma, 2x2-averaged when binning) unless the
 * frame's own luma plane is it. */
void
det_fill_analysis (
    Detector *d, const uint8_t *plane, int stride, MeteorFormat luma)
{
  int y;

  /* canaries need a copy to be drawn into */
  d->direct = d->bin == 1 && meteor_format_info (luma)->luma_plane &&
              d->config.canary_rate <= 0;
  if (d->direct)
    return;
  for (y = 0; y < d->h; y++) {
    uint8_t *out = d->luma + (size_t)y * d->w;

    if (d->bin == 1) {
      frame_luma_row (d, plane, stride, luma, y, out);
    } else {
      const uint8_t *a =
          frame_luma_row (d, plane, stride, luma, 2 * y, d->rows);
      const uint8_t *b = frame_luma_row (
          d, plane, stride, luma, 2 * y + 1, d->rows + d->config.width);

      d->k->bin2x2 (a, b, out, d->w);
    }
  }
}

/* Takes a whole-sky brightening (headlights, twilight, a flash's slow
 * ramp) out of the analysis image row by row: each row's excess over its
 * background is subtracted, so meteors stay visible while the sky
 * brightens and the noise estimate is not inflated by it. Returns the mean
 * excess removed, DN. Only possible on the detector's own copy of the
 * image (binned or converted), never on the frame. */
double
det_level_rows (Detector *d)
{
  double removed = 0;
  int y, x;

  if (d->direct || d->frames_seen == 0)
    return 0;
  for (y = 0; y < d->h; y++) {
    uint8_t *row = d->luma + (size_t)y * d->w;
    const uint16_t *mean = d->mean + (size_t)y * d->w;
    uint64_t sum_y, sum_mean;
    int excess;

    d->k->row_sums (row, mean, d->w, &sum_y, &sum_mean);
    excess = (int)(((int64_t)(sum_y << 7) - (int64_t)sum_mean) /
                   ((int64_t)d->w << 7));
    if (excess < ROW_LEVEL_MIN_DN)
      continue;
    for (x = 0; x < d->w; x++)
      row[x] = row[x] > excess ? (uint8_t)(row[x] - excess) : 0;
    removed += excess;
  }
  return removed / d->h;
}

/* Row @y of the analysis image. */
const uint8_t *
det_luma_row (Detector *d, const uint8_t *plane, int stride, int y)
{
  return d->direct ? plane + (size_t)y * stride : d->luma + (size_t)y * d->w;
}
