/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: C reference of the detector kernels. The SIMD variants must
 * match these bit for bit. */
#include "kernels.h"

#include "kernels_priv.h"

static void
luma_rgb24_c (const uint8_t *src, uint8_t *dst, int n, MeteorRgbOrder order)
{
  int r = order == METEOR_RGB_ORDER_RGB ? 0 : 2, b = 2 - r, i;

  for (i = 0; i < n; i++, src += 3)
    dst[i] = (uint8_t)((77 * src[r] + 150 * src[1] + 29 * src[b] + 128) >> 8);
}

static void
luma_rgb32_c (const uint8_t *src, uint8_t *dst, int n, MeteorRgbOrder order)
{
  int r = order == METEOR_RGB_ORDER_RGB ? 0 : 2, b = 2 - r, i;

  for (i = 0; i < n; i++, src += 4)
    dst[i] = (uint8_t)((77 * src[r] + 150 * src[1] + 29 * src[b] + 128) >> 8);
}

static void
luma_yuy2_c (const uint8_t *src, uint8_t *dst, int n)
{
  int i;

  for (i = 0; i < n; i++)
    dst[i] = src[2 * i];
}

static void
luma_gray16_c (const uint16_t *src, uint8_t *dst, int n)
{
  int i;

  for (i = 0; i < n; i++)
    dst[i] = (uint8_t)(src[i] >> 8);
}

static void
bg_update_c (const uint8_t *y, uint16_t *mean, uint16_t *dev, int n, int shift)
{
  int i;

  for (i = 0; i < n; i++) {
    int32_t d = ((int32_t)y[i] << 7) - mean[i];
    int32_t ad = d < 0 ? -d : d;

    mean[i] = (uint16_t)(mean[i] + (d >> shift));
    dev[i] = (uint16_t)(dev[i] + ((ad - dev[i]) >> shift));
  }
}

static uint32_t
threshold_c (const uint8_t *y, const uint16_t *mean, const uint16_t *dev,
    const uint16_t *floor, uint16_t k_mul, uint16_t j1, uint8_t *mask, int n)
{
  uint32_t count = 0;
  int i;

  for (i = 0; i < n; i++) {
    uint32_t d = dev[i] > floor[i] ? dev[i] : floor[i];
    uint32_t level;
    int hit;

    d = d < METEOR_DEV_MAX_Q7 ? d : METEOR_DEV_MAX_Q7;
    level = mean[i] + ((d << 4) * k_mul >> 16) + j1;
    hit = ((uint32_t)y[i] << 7) > (level > 65535 ? 65535 : level);

    mask[i] = hit ? 255 : 0;
    count += hit;
  }
  return count;
}

static void
max_accumulate_c (
    const uint8_t *y, uint8_t *max, uint8_t *max_frame, uint8_t frame, int n)
{
  int i;

  for (i = 0; i < n; i++)
    if (y[i] > max[i]) {
      max[i] = y[i];
      max_frame[i] = frame;
    }
}

static void
bin2x2_c (const uint8_t *row0, const uint8_t *row1, uint8_t *dst, int n)
{
  int i;

  for (i = 0; i < n; i++)
    dst[i] = (uint8_t)((row0[2 * i] + row0[2 * i + 1] + row1[2 * i] +
                           row1[2 * i + 1] + 2) >>
                       2);
}

static void
block_changes_c (const uint8_t *row, const uint8_t *prev, uint8_t *changed,
    int n, int bshift)
{
  int i;

  for (i = 0; i < n; i++)
    changed[i >> bshift] |= row[i] != prev[i];
}

static void
row_sums_c (const uint8_t *y, const uint16_t *mean, int n, uint64_t *sum_y,
    uint64_t *sum_mean)
{
  uint64_t sy = 0, sm = 0;
  int i;

  for (i = 0; i < n; i++) {
    sy += y[i];
    sm += mean[i];
  }
  *sum_y = sy;
  *sum_mean = sm;
}

const MeteorKernels meteor_kernels_c_table = {
  .name = "c",
  .luma_rgb24 = luma_rgb24_c,
  .luma_rgb32 = luma_rgb32_c,
  .luma_yuy2 = luma_yuy2_c,
  .luma_gray16 = luma_gray16_c,
  .bg_update = bg_update_c,
  .threshold = threshold_c,
  .max_accumulate = max_accumulate_c,
  .bin2x2 = bin2x2_c,
  .block_changes = block_changes_c,
  .row_sums = row_sums_c,
};

const MeteorKernels *
meteor_kernels_c (void)
{
  return &meteor_kernels_c_table;
}
