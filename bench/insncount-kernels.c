/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: insncount-kernels, for counting executed instructions per
 * pixel of one kernel entry under qemu-user (bench/neon-insns.sh).
 *
 *   insncount-kernels SET ENTRY   runs ENTRY of SET ("c", "neon", ...) once
 *                                 over a 1280x720 frame, row by row
 *   insncount-kernels SET none    only the set-up and the look-up
 *   insncount-kernels list        the entries
 *
 * The set-up (synthetic noisy sky in every input) is the same in every
 * run and nothing is printed after it, so a run's count minus the "none"
 * count is the entry's, row loop and calls included. Plain C, no GStreamer;
 * built static for aarch64. */
#include "kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xorshift.h"

#define W 1280
#define H 720
#define PX ((size_t)W * H)

static uint8_t *rgb24, *rgb32, *yuy2, *luma, *dst, *mask, *max, *max_frame;
static uint16_t *gray16, *mean, *dev, *floor_q7;
static volatile uint32_t sink;

static uint32_t rng = 0x736b7931u;

static uint32_t
rnd (void)
{
  return meteor_xorshift32 (&rng);
}

/* about 20 DN, a few DN of noise, a star now and then */
static uint8_t
sky (void)
{
  uint32_t r = rnd ();
  int v = 16 + (r & 3) + (r >> 2 & 3) + (r >> 4 & 3);

  if ((r >> 8) % 800 == 0)
    v += 40 + (int)((r >> 20) % 200);
  return (uint8_t)(v > 255 ? 255 : v);
}

static void *
xcalloc (size_t size)
{
  void *p = calloc (1, size);

  if (!p)
    exit (2);
  return p;
}

static void
setup (void)
{
  size_t i;

  rgb24 = xcalloc (PX * 3);
  rgb32 = xcalloc (PX * 4);
  yuy2 = xcalloc (PX * 2);
  gray16 = xcalloc (PX * 2);
  luma = xcalloc (PX);
  dst = xcalloc (PX);
  mask = xcalloc (PX);
  max = xcalloc (PX);
  max_frame = xcalloc (PX);
  mean = xcalloc (PX * 2);
  dev = xcalloc (PX * 2);
  floor_q7 = xcalloc (PX * 2);
  for (i = 0; i < PX * 3; i++)
    rgb24[i] = sky ();
  for (i = 0; i < PX * 4; i++)
    rgb32[i] = sky ();
  for (i = 0; i < PX * 2; i++)
    yuy2[i] = i & 1 ? 128 : sky ();
  for (i = 0; i < PX; i++) {
    gray16[i] = (uint16_t)(sky () << 8 | (rnd () & 0xff));
    luma[i] = sky ();
    /* the background of an earlier frame of the same sky */
    mean[i] = METEOR_Q7 (sky ());
    dev[i] = METEOR_Q7 (2);
    /* a tile's noise floor, above some pixels' deviation */
    floor_q7[i] = METEOR_Q7 (2) + (uint16_t)(rnd () % 64);
    max[i] = sky ();
  }
}

/* noinline: one symbol per entry, and no set-up code moved into them */
static __attribute__ ((noinline)) void
run_luma_rgb24 (const MeteorKernels *k)
{
  int y;

  for (y = 0; y < H; y++)
    k->luma_rgb24 (rgb24 + (size_t)y * W * 3, dst + (size_t)y * W, W,
        METEOR_RGB_ORDER_RGB);
}

static __attribute__ ((noinline)) void
run_luma_rgb32 (const MeteorKernels *k)
{
  int y;

  for (y = 0; y < H; y++)
    k->luma_rgb32 (rgb32 + (size_t)y * W * 4, dst + (size_t)y * W, W,
        METEOR_RGB_ORDER_RGB);
}

static __attribute__ ((noinline)) void
run_luma_yuy2 (const MeteorKernels *k)
{
  int y;

  for (y = 0; y < H; y++)
    k->luma_yuy2 (yuy2 + (size_t)y * W * 2, dst + (size_t)y * W, W);
}

static __attribute__ ((noinline)) void
run_luma_gray16 (const MeteorKernels *k)
{
  int y;

  for (y = 0; y < H; y++)
    k->luma_gray16 (gray16 + (size_t)y * W, dst + (size_t)y * W, W);
}

static __attribute__ ((noinline)) void
run_bg_update (const MeteorKernels *k)
{
  int y;

  for (y = 0; y < H; y++)
    k->bg_update (
        luma + (size_t)y * W, mean + (size_t)y * W, dev + (size_t)y * W, W, 5);
}

static __attribute__ ((noinline)) void
run_threshold (const MeteorKernels *k)
{
  uint32_t hits = 0;
  int y;

  for (y = 0; y < H; y++)
    hits += k->threshold (luma + (size_t)y * W, mean + (size_t)y * W,
        dev + (size_t)y * W, floor_q7 + (size_t)y * W, 3 * 4096, METEOR_Q7 (4),
        mask + (size_t)y * W, W);
  sink = hits;
}

static __attribute__ ((noinline)) void
run_max_accumulate (const MeteorKernels *k)
{
  int y;

  for (y = 0; y < H; y++)
    k->max_accumulate (luma + (size_t)y * W, max + (size_t)y * W,
        max_frame + (size_t)y * W, 7, W);
}

static __attribute__ ((noinline)) void
run_bin2x2 (const MeteorKernels *k)
{
  int y;

  for (y = 0; y < H / 2; y++)
    k->bin2x2 (luma + (size_t)2 * y * W, luma + (size_t)(2 * y + 1) * W,
        dst + (size_t)y * W / 2, W / 2);
}

/* against another noisy frame: every block changed, as on a live sky */
static __attribute__ ((noinline)) void
run_block_changes (const MeteorKernels *k)
{
  int y;

  for (y = 0; y < H; y++)
    k->block_changes (luma + (size_t)y * W, max + (size_t)y * W,
        mask + (size_t)(y / 4) * W / 4, W, 2);
}

static __attribute__ ((noinline)) void
run_row_sums (const MeteorKernels *k)
{
  uint64_t total = 0, sy, sm;
  int y;

  for (y = 0; y < H; y++) {
    k->row_sums (luma + (size_t)y * W, mean + (size_t)y * W, W, &sy, &sm);
    total += sy + sm;
  }
  sink = (uint32_t)total;
}

static const struct {
  const char *name;
  void (*run) (const MeteorKernels *k);
} entries[] = {
  { "luma_rgb24", run_luma_rgb24 },
  { "luma_rgb32", run_luma_rgb32 },
  { "luma_yuy2", run_luma_yuy2 },
  { "luma_gray16", run_luma_gray16 },
  { "bg_update", run_bg_update },
  { "threshold", run_threshold },
  { "max_accumulate", run_max_accumulate },
  { "bin2x2", run_bin2x2 },
  { "block_changes", run_block_changes },
  { "row_sums", run_row_sums },
};

int
main (int argc, char **argv)
{
  const MeteorKernels *k;
  size_t e;

  if (argc == 2 && strcmp (argv[1], "list") == 0) {
    for (e = 0; e < sizeof (entries) / sizeof (entries[0]); e++)
      printf ("%s\n", entries[e].name);
    return 0;
  }
  if (argc != 3 || !(k = meteor_kernels_by_name (argv[1]))) {
    fprintf (stderr, "usage: %s list | SET ENTRY | SET none\n", argv[0]);
    return 2;
  }
  setup ();
  if (strcmp (argv[2], "none") == 0)
    return 0;
  for (e = 0; e < sizeof (entries) / sizeof (entries[0]); e++)
    if (strcmp (entries[e].name, argv[2]) == 0) {
      entries[e].run (k);
      return 0;
    }
  fprintf (stderr, "%s: no entry %s\n", argv[0], argv[2]);
  return 2;
}
