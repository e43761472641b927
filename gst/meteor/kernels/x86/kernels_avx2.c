/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: AVX2 kernels (built with -mavx2, this file only).
 *
 * Every entry works on whole vectors and hands the last n % width pixels
 * to the C reference: the tail then is the spec itself, and nothing is
 * read or written past n. Loads and stores are unaligned. */
#include <immintrin.h>

#include "kernels_priv.h"

#define C_REF (&meteor_kernels_c_table)

/* Luma of 8 pixels laid out as 4 per 128-bit lane (3 or 4 bytes apart):
 * shuffle each to (c0, c2, G, 0), then maddubs with (w0, w2, 75, 0) gives
 * the 16-bit pairs (w0 c0 + w2 c2, 75 G) (at most 27030 and 19125: no
 * saturation) and madd with (1, 2) their sum w0 c0 + w2 c2 + 150 G. */
static inline __m256i
luma8 (__m256i px, __m256i shuf, __m256i w)
{
  const __m256i pair = _mm256_set1_epi32 (1 | 2 << 16);
  const __m256i round = _mm256_set1_epi32 (128);
  __m256i sum;

  sum = _mm256_madd_epi16 (
      _mm256_maddubs_epi16 (_mm256_shuffle_epi8 (px, shuf), w), pair);
  return _mm256_srli_epi32 (_mm256_add_epi32 (sum, round), 8);
}

/* 4 x 8 luma values (32-bit) in pixel order to 32 bytes. The in-lane packs
 * leave the 4-pixel groups as 0 2 4 6 | 1 3 5 7. */
static inline __m256i
pack32 (__m256i a, __m256i b, __m256i c, __m256i d)
{
  const __m256i order = _mm256_setr_epi32 (0, 4, 1, 5, 2, 6, 3, 7);

  return _mm256_permutevar8x32_epi32 (
      _mm256_packus_epi16 (
          _mm256_packs_epi32 (a, b), _mm256_packs_epi32 (c, d)),
      order);
}

static inline __m256i
luma_weights (MeteorRgbOrder order)
{
  /* bytes (w0, w2, 75, 0): 150 G is 2 x 75 G, as 150 is no int8 */
  return order == METEOR_RGB_ORDER_RGB
             ? _mm256_set1_epi32 (77 | 29 << 8 | 75 << 16)
             : _mm256_set1_epi32 (29 | 77 << 8 | 75 << 16);
}

static void
luma_rgb24_avx2 (const uint8_t *src, uint8_t *dst, int n, MeteorRgbOrder order)
{
  /* 8 pixels (24 bytes) from a 32-byte load: 12 bytes to each lane. The
   * last block of 32 pixels is loaded 8 bytes early (at 64, not 72) so
   * that no load goes past the 96 bytes. */
  const __m256i to_lanes = _mm256_setr_epi32 (0, 1, 2, 0, 3, 4, 5, 0);
  const __m256i to_lanes_last = _mm256_setr_epi32 (2, 3, 4, 0, 5, 6, 7, 0);
  const __m256i shuf = _mm256_setr_epi8 (0, 2, 1, -1, 3, 5, 4, -1, 6, 8, 7, -1,
      9, 11, 10, -1, 0, 2, 1, -1, 3, 5, 4, -1, 6, 8, 7, -1, 9, 11, 10, -1);
  const __m256i w = luma_weights (order);
  int i;

  for (i = 0; i + 32 <= n; i += 32) {
    const uint8_t *s = src + 3 * i;
    __m256i a = _mm256_loadu_si256 ((const __m256i *)s);
    __m256i b = _mm256_loadu_si256 ((const __m256i *)(s + 24));
    __m256i c = _mm256_loadu_si256 ((const __m256i *)(s + 48));
    __m256i d = _mm256_loadu_si256 ((const __m256i *)(s + 64));

    a = luma8 (_mm256_permutevar8x32_epi32 (a, to_lanes), shuf, w);
    b = luma8 (_mm256_permutevar8x32_epi32 (b, to_lanes), shuf, w);
    c = luma8 (_mm256_permutevar8x32_epi32 (c, to_lanes), shuf, w);
    d = luma8 (_mm256_permutevar8x32_epi32 (d, to_lanes_last), shuf, w);
    _mm256_storeu_si256 ((__m256i *)(dst + i), pack32 (a, b, c, d));
  }
  if (i < n)
    C_REF->luma_rgb24 (src + 3 * i, dst + i, n - i, order);
}

static void
luma_rgb32_avx2 (const uint8_t *src, uint8_t *dst, int n, MeteorRgbOrder order)
{
  const __m256i shuf = _mm256_setr_epi8 (0, 2, 1, -1, 4, 6, 5, -1, 8, 10, 9, -1,
      12, 14, 13, -1, 0, 2, 1, -1, 4, 6, 5, -1, 8, 10, 9, -1, 12, 14, 13, -1);
  const __m256i w = luma_weights (order);
  int i;

  for (i = 0; i + 32 <= n; i += 32) {
    const __m256i *s = (const __m256i *)(src + 4 * i);
    __m256i a = luma8 (_mm256_loadu_si256 (s), shuf, w);
    __m256i b = luma8 (_mm256_loadu_si256 (s + 1), shuf, w);
    __m256i c = luma8 (_mm256_loadu_si256 (s + 2), shuf, w);
    __m256i d = luma8 (_mm256_loadu_si256 (s + 3), shuf, w);

    _mm256_storeu_si256 ((__m256i *)(dst + i), pack32 (a, b, c, d));
  }
  if (i < n)
    C_REF->luma_rgb32 (src + 4 * i, dst + i, n - i, order);
}

/* the in-lane pack of two registers leaves the quarters as 0 2 1 3 */
#define UNPACK_QUARTERS(v) _mm256_permute4x64_epi64 (v, 0xd8)

static void
luma_yuy2_avx2 (const uint8_t *src, uint8_t *dst, int n)
{
  const __m256i even = _mm256_set1_epi16 (0x00ff);
  int i;

  for (i = 0; i + 32 <= n; i += 32) {
    __m256i a = _mm256_loadu_si256 ((const __m256i *)(src + 2 * i));
    __m256i b = _mm256_loadu_si256 ((const __m256i *)(src + 2 * i + 32));

    a = _mm256_packus_epi16 (
        _mm256_and_si256 (a, even), _mm256_and_si256 (b, even));
    _mm256_storeu_si256 ((__m256i *)(dst + i), UNPACK_QUARTERS (a));
  }
  if (i < n)
    C_REF->luma_yuy2 (src + 2 * i, dst + i, n - i);
}

static void
luma_gray16_avx2 (const uint16_t *src, uint8_t *dst, int n)
{
  int i;

  for (i = 0; i + 32 <= n; i += 32) {
    __m256i a = _mm256_loadu_si256 ((const __m256i *)(src + i));
    __m256i b = _mm256_loadu_si256 ((const __m256i *)(src + i + 16));

    a = _mm256_packus_epi16 (
        _mm256_srli_epi16 (a, 8), _mm256_srli_epi16 (b, 8));
    _mm256_storeu_si256 ((__m256i *)(dst + i), UNPACK_QUARTERS (a));
  }
  if (i < n)
    C_REF->luma_gray16 (src + i, dst + i, n - i);
}

static inline __m256i
load_y7 (const uint8_t *y)
{
  return _mm256_slli_epi16 (
      _mm256_cvtepu8_epi16 (_mm_loadu_si128 ((const __m128i *)y)), 7);
}

/* 16 pixels. Every value fits int16: mean, dev and y7 are in [0, 32640],
 * so d and |d| - dev are in [-32640, 32640], and the updated mean and dev
 * stay between their old value and y7 (resp. |d|). */
static inline void
bg_update16 (const uint8_t *y, uint16_t *mean, uint16_t *dev, __m128i count)
{
  __m256i m = _mm256_loadu_si256 ((const __m256i *)mean);
  __m256i v = _mm256_loadu_si256 ((const __m256i *)dev);
  __m256i d = _mm256_sub_epi16 (load_y7 (y), m);

  m = _mm256_add_epi16 (m, _mm256_sra_epi16 (d, count));
  v = _mm256_add_epi16 (
      v, _mm256_sra_epi16 (_mm256_sub_epi16 (_mm256_abs_epi16 (d), v), count));
  _mm256_storeu_si256 ((__m256i *)mean, m);
  _mm256_storeu_si256 ((__m256i *)dev, v);
}

static void
bg_update_avx2 (
    const uint8_t *y, uint16_t *mean, uint16_t *dev, int n, int shift)
{
  const __m128i count = _mm_cvtsi32_si128 (shift);
  int i;

  for (i = 0; i + 32 <= n; i += 32) {
    bg_update16 (y + i, mean + i, dev + i, count);
    bg_update16 (y + i + 16, mean + i + 16, dev + i + 16, count);
  }
  if (i + 16 <= n) {
    bg_update16 (y + i, mean + i, dev + i, count);
    i += 16;
  }
  if (i < n)
    C_REF->bg_update (y + i, mean + i, dev + i, n - i, shift);
}

/* 16 pixels: all ones where y7 <= level (no hit). The saturating adds of
 * non-negative terms give min (sum, 65535) in any order; mulhi_epu16 is
 * exactly (d << 4) * k_mul >> 16 as d << 4 <= 65520. */
static inline __m256i
miss16 (const uint8_t *y, const uint16_t *mean, const uint16_t *dev,
    const uint16_t *floor, __m256i k_mul, __m256i j1)
{
  const __m256i cap = _mm256_set1_epi16 (METEOR_DEV_MAX_Q7);
  __m256i m = _mm256_loadu_si256 ((const __m256i *)mean);
  __m256i v = _mm256_loadu_si256 ((const __m256i *)dev);
  __m256i level;

  v = _mm256_max_epu16 (v, _mm256_loadu_si256 ((const __m256i *)floor));
  v = _mm256_slli_epi16 (_mm256_min_epu16 (v, cap), 4);
  level = _mm256_mulhi_epu16 (v, k_mul);
  level = _mm256_adds_epu16 (_mm256_adds_epu16 (m, level), j1);
  /* no unsigned 16-bit compare: y7 > level iff y7 - level does not
   * saturate to 0 */
  return _mm256_cmpeq_epi16 (
      _mm256_subs_epu16 (load_y7 (y), level), _mm256_setzero_si256 ());
}

static uint32_t
threshold_avx2 (const uint8_t *y, const uint16_t *mean, const uint16_t *dev,
    const uint16_t *floor, uint16_t k_mul, uint16_t j1, uint8_t *mask, int n)
{
  const __m256i zero = _mm256_setzero_si256 ();
  const __m256i ones = _mm256_set1_epi8 (-1);
  const __m256i kv = _mm256_set1_epi16 ((short)k_mul);
  const __m256i jv = _mm256_set1_epi16 ((short)j1);
  __m256i sum = _mm256_setzero_si256 ();
  uint64_t sums[4];
  uint32_t count;
  int i;

  for (i = 0; i + 32 <= n; i += 32) {
    __m256i lo = miss16 (y + i, mean + i, dev + i, floor + i, kv, jv);
    __m256i hi = miss16 (
        y + i + 16, mean + i + 16, dev + i + 16, floor + i + 16, kv, jv);
    /* packs keeps 0 / -1; the xor makes it 255 on a hit */
    __m256i hit =
        _mm256_xor_si256 (UNPACK_QUARTERS (_mm256_packs_epi16 (lo, hi)), ones);

    _mm256_storeu_si256 ((__m256i *)(mask + i), hit);
    /* 255 per hit, summed in four 64-bit lanes */
    sum = _mm256_add_epi64 (sum, _mm256_sad_epu8 (hit, zero));
  }
  _mm256_storeu_si256 ((__m256i *)sums, sum);
  count = (uint32_t)((sums[0] + sums[1] + sums[2] + sums[3]) / 255);
  if (i < n)
    count += C_REF->threshold (
        y + i, mean + i, dev + i, floor + i, k_mul, j1, mask + i, n - i);
  return count;
}

static void
max_accumulate_avx2 (
    const uint8_t *y, uint8_t *max, uint8_t *max_frame, uint8_t frame, int n)
{
  const __m256i fv = _mm256_set1_epi8 ((char)frame);
  int i;

  for (i = 0; i + 32 <= n; i += 32) {
    __m256i yv = _mm256_loadu_si256 ((const __m256i *)(y + i));
    __m256i m = _mm256_loadu_si256 ((const __m256i *)(max + i));
    __m256i f = _mm256_loadu_si256 ((const __m256i *)(max_frame + i));
    __m256i nm = _mm256_max_epu8 (yv, m);
    /* y <= max: keep the old frame (writing back the same bytes) */
    __m256i keep = _mm256_cmpeq_epi8 (nm, m);

    _mm256_storeu_si256 ((__m256i *)(max + i), nm);
    _mm256_storeu_si256 (
        (__m256i *)(max_frame + i), _mm256_blendv_epi8 (fv, f, keep));
  }
  if (i < n)
    C_REF->max_accumulate (y + i, max + i, max_frame + i, frame, n - i);
}

/* 16 pixels from 32 bytes of each row: maddubs with all ones sums each
 * byte pair into a 16-bit lane (at most 510, no saturation); the two rows
 * added, rounded and shifted fit easily (at most 1022). */
static inline __m256i
bin2x2_16 (const uint8_t *r0, const uint8_t *r1)
{
  const __m256i ones = _mm256_set1_epi8 (1), two = _mm256_set1_epi16 (2);
  __m256i a =
      _mm256_maddubs_epi16 (_mm256_loadu_si256 ((const __m256i *)r0), ones);
  __m256i b =
      _mm256_maddubs_epi16 (_mm256_loadu_si256 ((const __m256i *)r1), ones);

  return _mm256_srli_epi16 (_mm256_add_epi16 (_mm256_add_epi16 (a, b), two), 2);
}

static void
bin2x2_avx2 (const uint8_t *row0, const uint8_t *row1, uint8_t *dst, int n)
{
  int i;

  for (i = 0; i + 32 <= n; i += 32) {
    __m256i lo = bin2x2_16 (row0 + 2 * i, row1 + 2 * i);
    __m256i hi = bin2x2_16 (row0 + 2 * i + 32, row1 + 2 * i + 32);

    _mm256_storeu_si256 (
        (__m256i *)(dst + i), UNPACK_QUARTERS (_mm256_packus_epi16 (lo, hi)));
  }
  if (i < n)
    C_REF->bin2x2 (row0 + 2 * i, row1 + 2 * i, dst + i, n - i);
}

static void
block_changes_avx2 (const uint8_t *row, const uint8_t *prev, uint8_t *changed,
    int n, int bshift)
{
  int i;

  for (i = 0; i + 32 <= n; i += 32) {
    __m256i eq =
        _mm256_cmpeq_epi8 (_mm256_loadu_si256 ((const __m256i *)(row + i)),
            _mm256_loadu_si256 ((const __m256i *)(prev + i)));
    uint32_t diff = ~(uint32_t)_mm256_movemask_epi8 (eq);

    if (diff)
      meteor_fold_changes (diff, 32, changed + (i >> bshift), bshift);
  }
  if (i < n)
    C_REF->block_changes (
        row + i, prev + i, changed + (i >> bshift), n - i, bshift);
}

/* as in SSE2: psadbw sums of y, mean widened to 32-bit sums (a lane takes
 * at most 8192 means of 65535) */
static void
row_sums_avx2 (const uint8_t *y, const uint16_t *mean, int n, uint64_t *sum_y,
    uint64_t *sum_mean)
{
  const __m256i zero = _mm256_setzero_si256 ();
  __m256i sy = zero, sm = zero;
  uint64_t ty, tm, lanes[4];
  uint32_t m8[8];
  int i, k;

  for (i = 0; i + 32 <= n; i += 32) {
    __m256i m0 = _mm256_loadu_si256 ((const __m256i *)(mean + i));
    __m256i m1 = _mm256_loadu_si256 ((const __m256i *)(mean + i + 16));

    sy = _mm256_add_epi64 (sy,
        _mm256_sad_epu8 (_mm256_loadu_si256 ((const __m256i *)(y + i)), zero));
    sm = _mm256_add_epi32 (
        sm, _mm256_add_epi32 (_mm256_unpacklo_epi16 (m0, zero),
                _mm256_unpackhi_epi16 (m0, zero)));
    sm = _mm256_add_epi32 (
        sm, _mm256_add_epi32 (_mm256_unpacklo_epi16 (m1, zero),
                _mm256_unpackhi_epi16 (m1, zero)));
  }
  C_REF->row_sums (y + i, mean + i, n - i, &ty, &tm);
  _mm256_storeu_si256 ((__m256i *)lanes, sy);
  _mm256_storeu_si256 ((__m256i *)m8, sm);
  for (k = 0; k < 4; k++)
    ty += lanes[k];
  for (k = 0; k < 8; k++)
    tm += m8[k];
  *sum_y = ty;
  *sum_mean = tm;
}

const MeteorKernels meteor_kernels_avx2_table = {
  .name = "avx2",
  .luma_rgb24 = luma_rgb24_avx2,
  .luma_rgb32 = luma_rgb32_avx2,
  .luma_yuy2 = luma_yuy2_avx2,
  .luma_gray16 = luma_gray16_avx2,
  .bg_update = bg_update_avx2,
  .threshold = threshold_avx2,
  .max_accumulate = max_accumulate_avx2,
  .bin2x2 = bin2x2_avx2,
  .block_changes = block_changes_avx2,
  .row_sums = row_sums_avx2,
};
