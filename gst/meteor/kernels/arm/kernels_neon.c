/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: NEON kernels (aarch64, where NEON is always there).
 *
 * Every entry works on whole vectors and hands the last n % width pixels
 * to the C reference: the tail then is the spec itself, and nothing is
 * read or written past n. NEON loads and stores need no alignment. */
#include <arm_neon.h>
#include <string.h>

#include "kernels_priv.h"

#define C_REF (&meteor_kernels_c_table)

/* (w0 c0 + 150 g + w2 c2 + 128) >> 8 for 16 pixels: the sum fits uint16
 * (at most 65280) and rshrn rounds in wider precision. The _high forms
 * take the upper halves in place (umull2), without extra moves. */
static inline uint8x16_t
luma16 (
    uint8x16_t c0, uint8x16_t g, uint8x16_t c2, uint8x16_t w0, uint8x16_t w2)
{
  const uint8x16_t wg = vdupq_n_u8 (150);
  uint16x8_t lo, hi;

  lo = vmull_u8 (vget_low_u8 (c0), vget_low_u8 (w0));
  hi = vmull_high_u8 (c0, w0);
  lo = vmlal_u8 (lo, vget_low_u8 (g), vget_low_u8 (wg));
  hi = vmlal_high_u8 (hi, g, wg);
  lo = vmlal_u8 (lo, vget_low_u8 (c2), vget_low_u8 (w2));
  hi = vmlal_high_u8 (hi, c2, w2);
  return vrshrn_high_n_u16 (vrshrn_n_u16 (lo, 8), hi, 8);
}

static void
luma_rgb24_neon (const uint8_t *src, uint8_t *dst, int n, MeteorRgbOrder order)
{
  const int rgb = order == METEOR_RGB_ORDER_RGB;
  const uint8x16_t w0 = vdupq_n_u8 (rgb ? 77 : 29);
  const uint8x16_t w2 = vdupq_n_u8 (rgb ? 29 : 77);
  int i;

  for (i = 0; i + 16 <= n; i += 16) {
    uint8x16x3_t px = vld3q_u8 (src + 3 * i);

    vst1q_u8 (dst + i, luma16 (px.val[0], px.val[1], px.val[2], w0, w2));
  }
  if (i < n)
    C_REF->luma_rgb24 (src + 3 * i, dst + i, n - i, order);
}

static void
luma_rgb32_neon (const uint8_t *src, uint8_t *dst, int n, MeteorRgbOrder order)
{
  const int rgb = order == METEOR_RGB_ORDER_RGB;
  const uint8x16_t w0 = vdupq_n_u8 (rgb ? 77 : 29);
  const uint8x16_t w2 = vdupq_n_u8 (rgb ? 29 : 77);
  int i;

  for (i = 0; i + 16 <= n; i += 16) {
    uint8x16x4_t px = vld4q_u8 (src + 4 * i);

    vst1q_u8 (dst + i, luma16 (px.val[0], px.val[1], px.val[2], w0, w2));
  }
  if (i < n)
    C_REF->luma_rgb32 (src + 4 * i, dst + i, n - i, order);
}

static void
luma_yuy2_neon (const uint8_t *src, uint8_t *dst, int n)
{
  int i;

  for (i = 0; i + 32 <= n; i += 32) {
    uint8x16x2_t a = vld2q_u8 (src + 2 * i);
    uint8x16x2_t b = vld2q_u8 (src + 2 * i + 32);

    vst1q_u8 (dst + i, a.val[0]);
    vst1q_u8 (dst + i + 16, b.val[0]);
  }
  if (i + 16 <= n) {
    vst1q_u8 (dst + i, vld2q_u8 (src + 2 * i).val[0]);
    i += 16;
  }
  if (i < n)
    C_REF->luma_yuy2 (src + 2 * i, dst + i, n - i);
}

static void
luma_gray16_neon (const uint16_t *src, uint8_t *dst, int n)
{
  int i;

  /* shrn on 16-bit lanes, not vld2 on bytes: the same as the C >> 8 on
   * either byte order */
  for (i = 0; i + 16 <= n; i += 16) {
    uint16x8x2_t v = vld1q_u16_x2 (src + i);

    vst1q_u8 (
        dst + i, vshrn_high_n_u16 (vshrn_n_u16 (v.val[0], 8), v.val[1], 8));
  }
  if (i < n)
    C_REF->luma_gray16 (src + i, dst + i, n - i);
}

/* 8 pixels, in registers. Every value fits int16: mean, dev and y7 are in
 * [0, 32640], so d and |d| - dev are in [-32640, 32640], and the updated
 * mean and dev stay between their old value and y7 (resp. |d|). vshl by
 * -shift is an arithmetic shift right. */
static inline void
bg_update8 (
    uint16x8_t y7, uint16x8_t *mean, uint16x8_t *dev, int16x8_t neg_shift)
{
  int16x8_t m = vreinterpretq_s16_u16 (*mean);
  int16x8_t v = vreinterpretq_s16_u16 (*dev);
  int16x8_t d = vsubq_s16 (vreinterpretq_s16_u16 (y7), m);

  m = vaddq_s16 (m, vshlq_s16 (d, neg_shift));
  v = vaddq_s16 (v, vshlq_s16 (vsubq_s16 (vabsq_s16 (d), v), neg_shift));
  *mean = vreinterpretq_u16_s16 (m);
  *dev = vreinterpretq_u16_s16 (v);
}

static void
bg_update_neon (
    const uint8_t *y, uint16_t *mean, uint16_t *dev, int n, int shift)
{
  const int16x8_t neg_shift = vdupq_n_s16 ((int16_t)-shift);
  int i;

  for (i = 0; i + 16 <= n; i += 16) {
    uint8x16_t yv = vld1q_u8 (y + i);
    /* all loads before the stores: one ld1/st1 of two registers each */
    uint16x8x2_t m = vld1q_u16_x2 (mean + i), v = vld1q_u16_x2 (dev + i);

    bg_update8 (
        vshll_n_u8 (vget_low_u8 (yv), 7), &m.val[0], &v.val[0], neg_shift);
    bg_update8 (vshll_high_n_u8 (yv, 7), &m.val[1], &v.val[1], neg_shift);
    vst1q_u16_x2 (mean + i, m);
    vst1q_u16_x2 (dev + i, v);
  }
  if (i < n)
    C_REF->bg_update (y + i, mean + i, dev + i, n - i, shift);
}

/* 8 pixels: all ones where y7 > level. The saturating adds of
 * non-negative terms give min (sum, 65535) in any order; the high halves
 * of the 32-bit products are exactly (d << 4) * k_mul >> 16. */
static inline uint16x8_t
hit8 (uint16x8_t y7, uint16x8_t mean, uint16x8_t dev, uint16x8_t floor,
    uint16x8_t k_mul, uint16x8_t j1)
{
  const uint16x8_t cap = vdupq_n_u16 (METEOR_DEV_MAX_Q7);
  uint16x8_t v = vshlq_n_u16 (vminq_u16 (vmaxq_u16 (dev, floor), cap), 4);
  uint32x4_t lo = vmull_u16 (vget_low_u16 (v), vget_low_u16 (k_mul));
  uint32x4_t hi = vmull_high_u16 (v, k_mul);
  uint16x8_t level = vshrn_high_n_u32 (vshrn_n_u32 (lo, 16), hi, 16);

  level = vqaddq_u16 (vqaddq_u16 (mean, level), j1);
  return vcgtq_u16 (y7, level);
}

static uint32_t
threshold_neon (const uint8_t *y, const uint16_t *mean, const uint16_t *dev,
    const uint16_t *floor, uint16_t k_mul, uint16_t j1, uint8_t *mask, int n)
{
  const uint16x8_t kv = vdupq_n_u16 (k_mul), jv = vdupq_n_u16 (j1);
  uint32_t count = 0;
  int i = 0;

  while (i + 16 <= n) {
    /* hits counted per byte lane: flush before a lane can pass 255 */
    int end = n - i > 255 * 16 ? i + 255 * 16 : n;
    uint8x16_t hits = vdupq_n_u8 (0);

    for (; i + 16 <= end; i += 16) {
      uint8x16_t yv = vld1q_u8 (y + i);
      uint16x8x2_t m = vld1q_u16_x2 (mean + i), v = vld1q_u16_x2 (dev + i);
      uint16x8x2_t f = vld1q_u16_x2 (floor + i);
      uint16x8_t lo = hit8 (vshll_n_u8 (vget_low_u8 (yv), 7), m.val[0],
          v.val[0], f.val[0], kv, jv);
      uint16x8_t hi =
          hit8 (vshll_high_n_u8 (yv, 7), m.val[1], v.val[1], f.val[1], kv, jv);
      uint8x16_t hit = vmovn_high_u16 (vmovn_u16 (lo), hi);

      vst1q_u8 (mask + i, hit);
      hits = vsubq_u8 (hits, hit); /* hit is 0 or -1 */
    }
    count += vaddlvq_u8 (hits);
  }
  if (i < n)
    count += C_REF->threshold (
        y + i, mean + i, dev + i, floor + i, k_mul, j1, mask + i, n - i);
  return count;
}

static void
max_accumulate_neon (
    const uint8_t *y, uint8_t *max, uint8_t *max_frame, uint8_t frame, int n)
{
  const uint8x16_t fv = vdupq_n_u8 (frame);
  int i;

  for (i = 0; i + 16 <= n; i += 16) {
    uint8x16_t yv = vld1q_u8 (y + i), m = vld1q_u8 (max + i);
    uint8x16_t gt = vcgtq_u8 (yv, m);

    /* writes back the same bytes where y <= max */
    vst1q_u8 (max + i, vmaxq_u8 (yv, m));
    vst1q_u8 (max_frame + i, vbslq_u8 (gt, fv, vld1q_u8 (max_frame + i)));
  }
  if (i < n)
    C_REF->max_accumulate (y + i, max + i, max_frame + i, frame, n - i);
}

/* 16 pixels: uaddlp sums each byte pair of a row into a 16-bit lane, the
 * other row is pairwise added on top (uadalp); rshrn by 2 adds the 2 and
 * shifts in 16-bit precision (at most 1022), then narrows. */
static void
bin2x2_neon (const uint8_t *row0, const uint8_t *row1, uint8_t *dst, int n)
{
  int i;

  for (i = 0; i + 16 <= n; i += 16) {
    uint8x16x2_t a = vld1q_u8_x2 (row0 + 2 * i);
    uint8x16x2_t b = vld1q_u8_x2 (row1 + 2 * i);
    uint16x8_t lo = vpadalq_u8 (vpaddlq_u8 (a.val[0]), b.val[0]);
    uint16x8_t hi = vpadalq_u8 (vpaddlq_u8 (a.val[1]), b.val[1]);

    vst1q_u8 (dst + i, vrshrn_high_n_u16 (vrshrn_n_u16 (lo, 2), hi, 2));
  }
  if (i < n)
    C_REF->bin2x2 (row0 + 2 * i, row1 + 2 * i, dst + i, n - i);
}

/* Blocks of 4 (the detector's with 2x2 binning) and 8 pixels: one lane
 * compare per block (cmeq .4s or .2d), narrowed to a byte a block; other
 * block sizes go to the C reference. */
static void
block_changes_neon (const uint8_t *row, const uint8_t *prev, uint8_t *changed,
    int n, int bshift)
{
  const uint8x8_t one = vdup_n_u8 (1);
  int i = 0;

  if (bshift == 2)
    for (; i + 16 <= n; i += 16) {
      uint32x4_t eq = vceqq_u32 (vreinterpretq_u32_u8 (vld1q_u8 (row + i)),
          vreinterpretq_u32_u8 (vld1q_u8 (prev + i)));
      uint16x4_t eq16 = vmovn_u32 (eq);
      uint8x8_t ch = vbic_u8 (one, vmovn_u16 (vcombine_u16 (eq16, eq16)));
      uint32_t c;

      memcpy (&c, changed + (i >> 2), 4);
      c |= vget_lane_u32 (vreinterpret_u32_u8 (ch), 0);
      memcpy (changed + (i >> 2), &c, 4);
    }
  else if (bshift == 3)
    for (; i + 16 <= n; i += 16) {
      uint64x2_t eq = vceqq_u64 (vreinterpretq_u64_u8 (vld1q_u8 (row + i)),
          vreinterpretq_u64_u8 (vld1q_u8 (prev + i)));
      uint32x2_t eq32 = vmovn_u64 (eq);
      uint16x4_t eq16 = vmovn_u32 (vcombine_u32 (eq32, eq32));
      uint8x8_t ch = vbic_u8 (one, vmovn_u16 (vcombine_u16 (eq16, eq16)));
      uint16_t c;

      memcpy (&c, changed + (i >> 3), 2);
      c |= vget_lane_u16 (vreinterpret_u16_u8 (ch), 0);
      memcpy (changed + (i >> 3), &c, 2);
    }
  if (i < n)
    C_REF->block_changes (
        row + i, prev + i, changed + (i >> bshift), n - i, bshift);
}

/* uaddlp/uadalp into 32-bit lanes: a lane takes at most 16384 means of
 * 65535 (n <= 65536), uaddlv sums them into 64 bits */
static void
row_sums_neon (const uint8_t *y, const uint16_t *mean, int n, uint64_t *sum_y,
    uint64_t *sum_mean)
{
  uint32x4_t sy = vdupq_n_u32 (0), sm = vdupq_n_u32 (0);
  uint64_t ty, tm;
  int i;

  for (i = 0; i + 16 <= n; i += 16) {
    sy = vpadalq_u16 (sy, vpaddlq_u8 (vld1q_u8 (y + i)));
    sm = vpadalq_u16 (sm, vld1q_u16 (mean + i));
    sm = vpadalq_u16 (sm, vld1q_u16 (mean + i + 8));
  }
  C_REF->row_sums (y + i, mean + i, n - i, &ty, &tm);
  *sum_y = ty + vaddlvq_u32 (sy);
  *sum_mean = tm + vaddlvq_u32 (sm);
}

const MeteorKernels meteor_kernels_neon_table = {
  .name = "neon",
  .luma_rgb24 = luma_rgb24_neon,
  .luma_rgb32 = luma_rgb32_neon,
  .luma_yuy2 = luma_yuy2_neon,
  .luma_gray16 = luma_gray16_neon,
  .bg_update = bg_update_neon,
  .threshold = threshold_neon,
  .max_accumulate = max_accumulate_neon,
  .bin2x2 = bin2x2_neon,
  .block_changes = block_changes_neon,
  .row_sums = row_sums_neon,
};
