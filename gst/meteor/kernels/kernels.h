/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: per-pixel kernels of the meteor detector (pure C, no
 * GStreamer)
 *
 * One function table per instruction set (C reference, SSE2, AVX2, NEON),
 * chosen at run time for the CPU (METEOR_SIMD=c|sse2|avx2|neon forces a
 * lower one). Every variant gives bit-exact the same results as the C
 * reference, for any width and any alignment: kernels work on one row of
 * n pixels, the caller walks the strides.
 *
 * Background model, in fixed point "q7" (DN x 128, so 255 DN fits in a
 * signed 16-bit lane): mean and mean absolute deviation per pixel, both
 * running averages with weight 1/2^shift.
 */
#ifndef __METEOR_KERNELS_H__
#define __METEOR_KERNELS_H__

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define METEOR_Q7(dn) ((uint16_t)((dn)*128))
/* the largest deviation the threshold scales: 31.99 DN */
#define METEOR_DEV_MAX_Q7 4095

typedef enum {
  METEOR_RGB_ORDER_RGB = 0, /* R first (RGB, RGBx) */
  METEOR_RGB_ORDER_BGR = 1, /* B first (BGR, BGRx) */
} MeteorRgbOrder;

typedef struct {
  /* "c", "sse2", "avx2" or "neon" */
  const char *name;

  /* Luma of packed 8-bit RGB: Y = (77 R + 150 G + 29 B + 128) >> 8.
   * rgb24: 3 bytes a pixel (RGB, BGR); rgb32: 4 (RGBx, BGRx; x ignored). */
  void (*luma_rgb24) (
      const uint8_t *src, uint8_t *dst, int n, MeteorRgbOrder order);
  void (*luma_rgb32) (
      const uint8_t *src, uint8_t *dst, int n, MeteorRgbOrder order);
  /* Y of YUY2 (Y0 U Y1 V): every other byte */
  void (*luma_yuy2) (const uint8_t *src, uint8_t *dst, int n);
  /* the high byte of GRAY16_LE */
  void (*luma_gray16) (const uint16_t *src, uint8_t *dst, int n);

  /* Running background, for every pixel:
   *   d = (y << 7) - mean                    (int32)
   *   mean += d >> shift                     (arithmetic shift)
   *   dev += (|d| - dev) >> shift
   * with mean in [0, 32640] and dev in [0, 32640]; shift in [1, 15]. */
  void (*bg_update) (
      const uint8_t *y, uint16_t *mean, uint16_t *dev, int n, int shift);

  /* Candidates: mask[i] = 255 when
   *   (y << 7) > mean + ((min (max (dev, floor), 4095) << 4) * k_mul >> 16)
   *              + j1
   * (all unsigned; the sum saturating at 65535), else 0. floor is the
   * least deviation a pixel is judged with (its tile's noise), k_mul the
   * k1 factor x 4096, j1 the offset in q7. Returns how many are 255. */
  uint32_t (*threshold) (const uint8_t *y, const uint16_t *mean,
      const uint16_t *dev, const uint16_t *floor, uint16_t k_mul, uint16_t j1,
      uint8_t *mask, int n);

  /* Max-pixel accumulation (RMS "maxpixel"/"maxframe"): where y > max,
   * max = y and max_frame = frame. */
  void (*max_accumulate) (
      const uint8_t *y, uint8_t *max, uint8_t *max_frame, uint8_t frame, int n);

  /* 2x2 binning: dst[x] = (row0[2x] + row0[2x+1] + row1[2x] + row1[2x+1]
   * + 2) >> 2 for x < n: two rows averaged 2x2 into n pixels (2n bytes
   * read from each row). */
  void (*bin2x2) (
      const uint8_t *row0, const uint8_t *row1, uint8_t *dst, int n);

  /* Blocks that changed since the last frame (a codec's skipped blocks do
   * not): changed[i >> bshift] |= row[i] != prev[i] (1 or 0) for i < n,
   * blocks of 2^bshift pixels from the row's start; bshift in [0, 4]. */
  void (*block_changes) (const uint8_t *row, const uint8_t *prev,
      uint8_t *changed, int n, int bshift);

  /* A row's sums, of y and of its q7 background: *sum_y = sum of y[i],
   * *sum_mean = sum of mean[i], i < n; n at most 65536. */
  void (*row_sums) (const uint8_t *y, const uint16_t *mean, int n,
      uint64_t *sum_y, uint64_t *sum_mean);
} MeteorKernels;

/* CPU features, a bit each */
enum {
  METEOR_CPU_SSE2 = 1 << 0,
  METEOR_CPU_AVX2 = 1 << 1,
  METEOR_CPU_NEON = 1 << 2,
};
unsigned meteor_cpu_flags (void);

/* The C reference: always there. */
const MeteorKernels *meteor_kernels_c (void);

/* The best set this CPU runs, or the one METEOR_SIMD names (a set the CPU
 * cannot run, or an unknown name, falls back to the best, with a message
 * on stderr). */
const MeteorKernels *meteor_kernels_get (void);

/* A set by name, or NULL when it is not built in or the CPU cannot run it. */
const MeteorKernels *meteor_kernels_by_name (const char *name);

/* Every set this build has and this CPU runs, C first, NULL-terminated. */
const MeteorKernels *const *meteor_kernels_all (void);

#ifdef __cplusplus
}
#endif

#endif /* __METEOR_KERNELS_H__ */
