/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: SSE2 kernels (built with -msse2, this file only).
 *
 * Every entry works on whole vectors and hands the last n % width pixels
 * to the C reference: the tail then is the spec itself, and nothing is
 * read or written past n. Loads and stores are unaligned.
 *
 * SSE2 has no byte shuffle, no unsigned 16-bit compare or min, no 16-bit
 * abs: rgb24 is deinterleaved with unpacks (a perfect shuffle), the
 * compare is subs_epu16 != 0, min (dev, 4095) is a saturating add and
 * subtract, |d| is max (d, -d). */
#include <emmintrin.h>

#include "kernels_priv.h"

#define C_REF (&meteor_kernels_c_table)

/* One round of the perfect shuffle over the 96 bytes in v0..v5: byte p
 * moves to 2p mod 95 (95 stays). Five rounds move byte 3i + c (pixel i,
 * channel c) to 32 (3i + c) mod 95 = i + 32c: each channel of the 32
 * pixels ends up in a register pair, in pixel order. */
#define SHUFFLE_ROUND(v0, v1, v2, v3, v4, v5)                                  \
  do {                                                                         \
    __m128i t0 = _mm_unpacklo_epi8 (v0, v3), t1 = _mm_unpackhi_epi8 (v0, v3);  \
    __m128i t2 = _mm_unpacklo_epi8 (v1, v4), t3 = _mm_unpackhi_epi8 (v1, v4);  \
    __m128i t4 = _mm_unpacklo_epi8 (v2, v5), t5 = _mm_unpackhi_epi8 (v2, v5);  \
    v0 = t0;                                                                   \
    v1 = t1;                                                                   \
    v2 = t2;                                                                   \
    v3 = t3;                                                                   \
    v4 = t4;                                                                   \
    v5 = t5;                                                                   \
  } while (0)

/* (w0 c0 + 150 g + w2 c2 + 128) >> 8 for 16 pixels, in 16-bit lanes: the
 * sum is at most 65408, so it fits unsigned and the shift is logical. */
static inline __m128i
luma16 (__m128i c0, __m128i g, __m128i c2, __m128i w0, __m128i w2)
{
  const __m128i zero = _mm_setzero_si128 ();
  const __m128i wg = _mm_set1_epi16 (150), round = _mm_set1_epi16 (128);
  __m128i lo, hi;

  lo = _mm_add_epi16 (_mm_mullo_epi16 (_mm_unpacklo_epi8 (c0, zero), w0),
      _mm_mullo_epi16 (_mm_unpacklo_epi8 (g, zero), wg));
  lo = _mm_add_epi16 (lo, _mm_mullo_epi16 (_mm_unpacklo_epi8 (c2, zero), w2));
  hi = _mm_add_epi16 (_mm_mullo_epi16 (_mm_unpackhi_epi8 (c0, zero), w0),
      _mm_mullo_epi16 (_mm_unpackhi_epi8 (g, zero), wg));
  hi = _mm_add_epi16 (hi, _mm_mullo_epi16 (_mm_unpackhi_epi8 (c2, zero), w2));
  lo = _mm_srli_epi16 (_mm_add_epi16 (lo, round), 8);
  hi = _mm_srli_epi16 (_mm_add_epi16 (hi, round), 8);
  return _mm_packus_epi16 (lo, hi);
}

static void
luma_rgb24_sse2 (const uint8_t *src, uint8_t *dst, int n, MeteorRgbOrder order)
{
  const int rgb = order == METEOR_RGB_ORDER_RGB;
  const __m128i w0 = _mm_set1_epi16 (rgb ? 77 : 29);
  const __m128i w2 = _mm_set1_epi16 (rgb ? 29 : 77);
  int i;

  for (i = 0; i + 32 <= n; i += 32) {
    const uint8_t *s = src + 3 * i;
    __m128i v0 = _mm_loadu_si128 ((const __m128i *)s);
    __m128i v1 = _mm_loadu_si128 ((const __m128i *)(s + 16));
    __m128i v2 = _mm_loadu_si128 ((const __m128i *)(s + 32));
    __m128i v3 = _mm_loadu_si128 ((const __m128i *)(s + 48));
    __m128i v4 = _mm_loadu_si128 ((const __m128i *)(s + 64));
    __m128i v5 = _mm_loadu_si128 ((const __m128i *)(s + 80));

    SHUFFLE_ROUND (v0, v1, v2, v3, v4, v5);
    SHUFFLE_ROUND (v0, v1, v2, v3, v4, v5);
    SHUFFLE_ROUND (v0, v1, v2, v3, v4, v5);
    SHUFFLE_ROUND (v0, v1, v2, v3, v4, v5);
    SHUFFLE_ROUND (v0, v1, v2, v3, v4, v5);
    /* v0 v1: channel 0 of pixels 0-15, 16-31; v2 v3: G; v4 v5: channel 2 */
    _mm_storeu_si128 ((__m128i *)(dst + i), luma16 (v0, v2, v4, w0, w2));
    _mm_storeu_si128 ((__m128i *)(dst + i + 16), luma16 (v1, v3, v5, w0, w2));
  }
  if (i < n)
    C_REF->luma_rgb24 (src + 3 * i, dst + i, n - i, order);
}

/* 4 pixels of 4 bytes: the even bytes (c0, c2) and the odd ones (G, x) as
 * 16-bit pairs, weighted and summed pairwise by madd into 32-bit lanes. */
static inline __m128i
luma4_rgb32 (const uint8_t *s, __m128i w02)
{
  const __m128i even = _mm_set1_epi16 (0x00ff);
  const __m128i wg = _mm_set1_epi32 (150), round = _mm_set1_epi32 (128);
  __m128i p = _mm_loadu_si128 ((const __m128i *)s), sum;

  sum = _mm_add_epi32 (_mm_madd_epi16 (_mm_and_si128 (p, even), w02),
      _mm_madd_epi16 (_mm_srli_epi16 (p, 8), wg));
  return _mm_srli_epi32 (_mm_add_epi32 (sum, round), 8);
}

static void
luma_rgb32_sse2 (const uint8_t *src, uint8_t *dst, int n, MeteorRgbOrder order)
{
  const __m128i w02 = order == METEOR_RGB_ORDER_RGB
                          ? _mm_set1_epi32 (77 | 29 << 16)
                          : _mm_set1_epi32 (29 | 77 << 16);
  int i;

  for (i = 0; i + 16 <= n; i += 16) {
    const uint8_t *s = src + 4 * i;
    __m128i a =
        _mm_packs_epi32 (luma4_rgb32 (s, w02), luma4_rgb32 (s + 16, w02));
    __m128i b =
        _mm_packs_epi32 (luma4_rgb32 (s + 32, w02), luma4_rgb32 (s + 48, w02));

    _mm_storeu_si128 ((__m128i *)(dst + i), _mm_packus_epi16 (a, b));
  }
  if (i < n)
    C_REF->luma_rgb32 (src + 4 * i, dst + i, n - i, order);
}

static void
luma_yuy2_sse2 (const uint8_t *src, uint8_t *dst, int n)
{
  const __m128i even = _mm_set1_epi16 (0x00ff);
  int i;

  for (i = 0; i + 16 <= n; i += 16) {
    __m128i a = _mm_loadu_si128 ((const __m128i *)(src + 2 * i));
    __m128i b = _mm_loadu_si128 ((const __m128i *)(src + 2 * i + 16));

    _mm_storeu_si128 ((__m128i *)(dst + i),
        _mm_packus_epi16 (_mm_and_si128 (a, even), _mm_and_si128 (b, even)));
  }
  if (i < n)
    C_REF->luma_yuy2 (src + 2 * i, dst + i, n - i);
}

static void
luma_gray16_sse2 (const uint16_t *src, uint8_t *dst, int n)
{
  int i;

  for (i = 0; i + 16 <= n; i += 16) {
    __m128i a = _mm_loadu_si128 ((const __m128i *)(src + i));
    __m128i b = _mm_loadu_si128 ((const __m128i *)(src + i + 8));

    _mm_storeu_si128 ((__m128i *)(dst + i),
        _mm_packus_epi16 (_mm_srli_epi16 (a, 8), _mm_srli_epi16 (b, 8)));
  }
  if (i < n)
    C_REF->luma_gray16 (src + i, dst + i, n - i);
}

/* 8 pixels; y7 = y << 7. Every value fits int16: mean, dev and y7 are in
 * [0, 32640], so d and |d| - dev are in [-32640, 32640], and the updated
 * mean and dev stay between their old value and y7 (resp. |d|). */
static inline void
bg_update8 (__m128i y7, uint16_t *mean, uint16_t *dev, __m128i count)
{
  __m128i m = _mm_loadu_si128 ((const __m128i *)mean);
  __m128i v = _mm_loadu_si128 ((const __m128i *)dev);
  __m128i d = _mm_sub_epi16 (y7, m);
  __m128i ad = _mm_max_epi16 (d, _mm_sub_epi16 (_mm_setzero_si128 (), d));

  m = _mm_add_epi16 (m, _mm_sra_epi16 (d, count));
  v = _mm_add_epi16 (v, _mm_sra_epi16 (_mm_sub_epi16 (ad, v), count));
  _mm_storeu_si128 ((__m128i *)mean, m);
  _mm_storeu_si128 ((__m128i *)dev, v);
}

static void
bg_update_sse2 (
    const uint8_t *y, uint16_t *mean, uint16_t *dev, int n, int shift)
{
  const __m128i zero = _mm_setzero_si128 ();
  const __m128i count = _mm_cvtsi32_si128 (shift);
  int i;

  for (i = 0; i + 16 <= n; i += 16) {
    __m128i yv = _mm_loadu_si128 ((const __m128i *)(y + i));

    bg_update8 (_mm_slli_epi16 (_mm_unpacklo_epi8 (yv, zero), 7), mean + i,
        dev + i, count);
    bg_update8 (_mm_slli_epi16 (_mm_unpackhi_epi8 (yv, zero), 7), mean + i + 8,
        dev + i + 8, count);
  }
  if (i < n)
    C_REF->bg_update (y + i, mean + i, dev + i, n - i, shift);
}

/* 8 pixels: all ones where y7 <= level (no hit). The saturating adds of
 * non-negative terms give min (sum, 65535) in any order; mulhi_epu16 is
 * exactly (d << 4) * k_mul >> 16 as d << 4 <= 65520. */
static inline __m128i
miss8 (__m128i y7, const uint16_t *mean, const uint16_t *dev,
    const uint16_t *floor, __m128i k_mul, __m128i j1)
{
  /* min (dev, 4095) without an unsigned min: saturate at 65535, step back;
   * the same for the floor, then a signed max of the two (both <= 4095) */
  const __m128i cap = _mm_set1_epi16 ((short)(65535 - METEOR_DEV_MAX_Q7));
  __m128i m = _mm_loadu_si128 ((const __m128i *)mean);
  __m128i v = _mm_loadu_si128 ((const __m128i *)dev);
  __m128i f = _mm_loadu_si128 ((const __m128i *)floor);
  __m128i level;

  v = _mm_sub_epi16 (_mm_adds_epu16 (v, cap), cap);
  f = _mm_sub_epi16 (_mm_adds_epu16 (f, cap), cap);
  v = _mm_max_epi16 (v, f);
  level = _mm_mulhi_epu16 (_mm_slli_epi16 (v, 4), k_mul);
  level = _mm_adds_epu16 (_mm_adds_epu16 (m, level), j1);
  /* y7 > level unsigned: y7 - level does not saturate to 0 */
  return _mm_cmpeq_epi16 (_mm_subs_epu16 (y7, level), _mm_setzero_si128 ());
}

static uint32_t
threshold_sse2 (const uint8_t *y, const uint16_t *mean, const uint16_t *dev,
    const uint16_t *floor, uint16_t k_mul, uint16_t j1, uint8_t *mask, int n)
{
  const __m128i zero = _mm_setzero_si128 (), ones = _mm_set1_epi8 (-1);
  const __m128i kv = _mm_set1_epi16 ((short)k_mul);
  const __m128i jv = _mm_set1_epi16 ((short)j1);
  __m128i sum = _mm_setzero_si128 ();
  uint64_t sums[2];
  uint32_t count;
  int i;

  for (i = 0; i + 16 <= n; i += 16) {
    __m128i yv = _mm_loadu_si128 ((const __m128i *)(y + i));
    __m128i lo = miss8 (_mm_slli_epi16 (_mm_unpacklo_epi8 (yv, zero), 7),
        mean + i, dev + i, floor + i, kv, jv);
    __m128i hi = miss8 (_mm_slli_epi16 (_mm_unpackhi_epi8 (yv, zero), 7),
        mean + i + 8, dev + i + 8, floor + i + 8, kv, jv);
    /* packs keeps 0 / -1; the xor makes it 255 on a hit */
    __m128i hit = _mm_xor_si128 (_mm_packs_epi16 (lo, hi), ones);

    _mm_storeu_si128 ((__m128i *)(mask + i), hit);
    /* 255 per hit, summed in two 64-bit lanes */
    sum = _mm_add_epi64 (sum, _mm_sad_epu8 (hit, zero));
  }
  _mm_storeu_si128 ((__m128i *)sums, sum);
  count = (uint32_t)((sums[0] + sums[1]) / 255);
  if (i < n)
    count += C_REF->threshold (
        y + i, mean + i, dev + i, floor + i, k_mul, j1, mask + i, n - i);
  return count;
}

static void
max_accumulate_sse2 (
    const uint8_t *y, uint8_t *max, uint8_t *max_frame, uint8_t frame, int n)
{
  const __m128i fv = _mm_set1_epi8 ((char)frame);
  int i;

  for (i = 0; i + 16 <= n; i += 16) {
    __m128i yv = _mm_loadu_si128 ((const __m128i *)(y + i));
    __m128i m = _mm_loadu_si128 ((const __m128i *)(max + i));
    __m128i f = _mm_loadu_si128 ((const __m128i *)(max_frame + i));
    __m128i nm = _mm_max_epu8 (yv, m);
    /* y <= max: keep the old frame (writing back the same bytes) */
    __m128i keep = _mm_cmpeq_epi8 (nm, m);

    f = _mm_or_si128 (_mm_and_si128 (keep, f), _mm_andnot_si128 (keep, fv));
    _mm_storeu_si128 ((__m128i *)(max + i), nm);
    _mm_storeu_si128 ((__m128i *)(max_frame + i), f);
  }
  if (i < n)
    C_REF->max_accumulate (y + i, max + i, max_frame + i, frame, n - i);
}

/* 8 pixels from 16 bytes of each row: even and odd bytes widened to
 * 16-bit lanes and summed (at most 4 x 255 + 2 = 1022), rounded and
 * shifted; the caller packs back to bytes. */
static inline __m128i
bin2x2_8 (const uint8_t *r0, const uint8_t *r1)
{
  const __m128i even = _mm_set1_epi16 (0x00ff), two = _mm_set1_epi16 (2);
  __m128i a = _mm_loadu_si128 ((const __m128i *)r0);
  __m128i b = _mm_loadu_si128 ((const __m128i *)r1);
  __m128i sum = _mm_add_epi16 (
      _mm_add_epi16 (_mm_and_si128 (a, even), _mm_srli_epi16 (a, 8)),
      _mm_add_epi16 (_mm_and_si128 (b, even), _mm_srli_epi16 (b, 8)));

  return _mm_srli_epi16 (_mm_add_epi16 (sum, two), 2);
}

static void
bin2x2_sse2 (const uint8_t *row0, const uint8_t *row1, uint8_t *dst, int n)
{
  int i;

  for (i = 0; i + 16 <= n; i += 16) {
    __m128i lo = bin2x2_8 (row0 + 2 * i, row1 + 2 * i);
    __m128i hi = bin2x2_8 (row0 + 2 * i + 16, row1 + 2 * i + 16);

    _mm_storeu_si128 ((__m128i *)(dst + i), _mm_packus_epi16 (lo, hi));
  }
  if (i < n)
    C_REF->bin2x2 (row0 + 2 * i, row1 + 2 * i, dst + i, n - i);
}

static void
block_changes_sse2 (const uint8_t *row, const uint8_t *prev, uint8_t *changed,
    int n, int bshift)
{
  int i;

  for (i = 0; i + 16 <= n; i += 16) {
    __m128i eq = _mm_cmpeq_epi8 (_mm_loadu_si128 ((const __m128i *)(row + i)),
        _mm_loadu_si128 ((const __m128i *)(prev + i)));
    uint32_t diff = ~(uint32_t)_mm_movemask_epi8 (eq) & 0xffff;

    if (diff)
      meteor_fold_changes (diff, 16, changed + (i >> bshift), bshift);
  }
  if (i < n)
    C_REF->block_changes (
        row + i, prev + i, changed + (i >> bshift), n - i, bshift);
}

/* y summed by psadbw against 0 (two 64-bit sums), mean widened to four
 * 32-bit sums: a lane takes at most 16384 means of 65535 (n <= 65536) */
static void
row_sums_sse2 (const uint8_t *y, const uint16_t *mean, int n, uint64_t *sum_y,
    uint64_t *sum_mean)
{
  const __m128i zero = _mm_setzero_si128 ();
  __m128i sy = zero, sm = zero;
  uint64_t ty, tm, lanes[2];
  uint32_t m4[4];
  int i;

  for (i = 0; i + 16 <= n; i += 16) {
    __m128i m0 = _mm_loadu_si128 ((const __m128i *)(mean + i));
    __m128i m1 = _mm_loadu_si128 ((const __m128i *)(mean + i + 8));

    sy = _mm_add_epi64 (
        sy, _mm_sad_epu8 (_mm_loadu_si128 ((const __m128i *)(y + i)), zero));
    sm = _mm_add_epi32 (sm, _mm_add_epi32 (_mm_unpacklo_epi16 (m0, zero),
                                _mm_unpackhi_epi16 (m0, zero)));
    sm = _mm_add_epi32 (sm, _mm_add_epi32 (_mm_unpacklo_epi16 (m1, zero),
                                _mm_unpackhi_epi16 (m1, zero)));
  }
  C_REF->row_sums (y + i, mean + i, n - i, &ty, &tm);
  _mm_storeu_si128 ((__m128i *)lanes, sy);
  _mm_storeu_si128 ((__m128i *)m4, sm);
  *sum_y = ty + lanes[0] + lanes[1];
  *sum_mean = tm + (uint64_t)m4[0] + m4[1] + m4[2] + m4[3];
}

const MeteorKernels meteor_kernels_sse2_table = {
  .name = "sse2",
  .luma_rgb24 = luma_rgb24_sse2,
  .luma_rgb32 = luma_rgb32_sse2,
  .luma_yuy2 = luma_yuy2_sse2,
  .luma_gray16 = luma_gray16_sse2,
  .bg_update = bg_update_sse2,
  .threshold = threshold_sse2,
  .max_accumulate = max_accumulate_sse2,
  .bin2x2 = bin2x2_sse2,
  .block_changes = block_changes_sse2,
  .row_sums = row_sums_sse2,
};
