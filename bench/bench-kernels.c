/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: bench-kernels
 *
 * Time per frame of the detector's per-pixel work with every kernel set
 * this CPU runs (meteor_kernels_all: C reference first), next to a plain
 * memcpy of the same frame measured in the same run:
 *
 *  detector:       luma (when the format needs it) + threshold +
 *                  bg_update, row by row, as the detector does per frame;
 *  max_accumulate: the max-pixel accumulation alone, over the luma.
 *
 * Frames are synthetic noisy sky (sky glow gradient, noise, stars), a ring
 * of a few different ones, from a fixed seed. GB/s is frame bytes (the
 * whole frame as captured: RGB 3 bytes a pixel, NV12 1.5) per second for
 * memcpy and detector, luma bytes for max_accumulate; "x memcpy" is the
 * time over memcpy's time. Each figure is the median of ROUNDS timed
 * rounds. Everything printed is measured in this run; nothing asserts.
 *
 * Plain C, no GStreamer. usage: bench-kernels [SECONDS_PER_FIGURE] */
#include "kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "xorshift.h"

#define SEED 0x736b7931u
#define RING 4
#define ROUNDS 5
#define DEFAULT_SECONDS 0.3
/* detector parameters: k1 = 3, j1 = 4 DN, background weight 1/32 */
#define K_MUL (3 * 4096)
#define J1 METEOR_Q7 (4)
#define SHIFT 5

typedef enum { FMT_RGB, FMT_GRAY8, FMT_NV12 } Format;

typedef struct {
  const char *label;
  Format format;
  int width, height;
} BenchFormat;

static const BenchFormat formats[] = {
  { "640x480 RGB", FMT_RGB, 640, 480 },
  { "1280x720 GRAY8", FMT_GRAY8, 1280, 720 },
  { "1920x1080 NV12", FMT_NV12, 1920, 1080 },
};

typedef struct {
  const BenchFormat *f;
  size_t frame_bytes, pixels;
  int stride; /* of the first plane */
  uint8_t *frames[RING];
  uint8_t *luma[RING];          /* RGB: the luma of each frame (C reference) */
  uint8_t *copy;                /* memcpy destination */
  uint8_t *row;                 /* RGB: one row of luma */
  uint16_t *mean, *dev, *floor; /* floor: a tile's noise, as the detector's */
  uint8_t *mask, *max, *max_frame;
  const MeteorKernels *k;
  unsigned next; /* frame counter */
  uint64_t sink; /* keeps results alive */
} Bench;

static uint32_t rng = SEED;

static uint32_t
rnd (void)
{
  return meteor_xorshift32 (&rng);
}

/* about normal, sigma 1: the sum of 4 uniforms, scaled */
static double
noise (void)
{
  double s = 0;
  int i;

  for (i = 0; i < 4; i++)
    s += (rnd () & 0xffff) / 65536.0;
  return (s - 2.0) * 1.732;
}

static uint8_t
clamp8 (double v)
{
  return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)(v + 0.5);
}

static void *
xmalloc (size_t size)
{
  void *p = malloc (size);

  if (!p) {
    fprintf (stderr, "bench-kernels: out of memory\n");
    exit (1);
  }
  memset (p, 0, size);
  return p;
}

/* sky glow rising towards the bottom (the horizon), 2 DN of noise, a star
 * every ~800 pixels; colour: a little more blue in the sky */
static void
render_sky (Bench *b, uint8_t *frame)
{
  int w = b->f->width, h = b->f->height, x, y;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      double level = 14.0 + 18.0 * y / h + 2.0 * noise ();

      if (rnd () % 800 == 0)
        level += 40 + rnd () % 200;
      if (b->f->format == FMT_RGB) {
        uint8_t *p = frame + (size_t)y * b->stride + 3 * x;

        p[0] = clamp8 (level * 0.9 + noise ());
        p[1] = clamp8 (level + noise ());
        p[2] = clamp8 (level * 1.2 + noise ());
      } else
        frame[(size_t)y * b->stride + x] = clamp8 (level);
    }
  if (b->f->format == FMT_NV12) {
    uint8_t *uv = frame + (size_t)w * h;
    size_t i;

    for (i = 0; i < (size_t)w * (h / 2); i++)
      uv[i] = clamp8 (128 + 1.5 * noise ());
  }
}

static void
bench_init (Bench *b, const BenchFormat *f)
{
  size_t px = (size_t)f->width * f->height, i;
  int r;

  memset (b, 0, sizeof (*b));
  b->f = f;
  b->pixels = px;
  b->stride = f->format == FMT_RGB ? 3 * f->width : f->width;
  b->frame_bytes = f->format == FMT_RGB    ? 3 * px
                   : f->format == FMT_NV12 ? px + px / 2
                                           : px;
  for (r = 0; r < RING; r++) {
    b->frames[r] = xmalloc (b->frame_bytes);
    render_sky (b, b->frames[r]);
    if (f->format == FMT_RGB) {
      int y;

      b->luma[r] = xmalloc (px);
      for (y = 0; y < f->height; y++)
        meteor_kernels_c ()->luma_rgb24 (b->frames[r] + (size_t)y * b->stride,
            b->luma[r] + (size_t)y * f->width, f->width, METEOR_RGB_ORDER_RGB);
    } else
      b->luma[r] = b->frames[r]; /* GRAY8, NV12: the first plane is Y */
  }
  b->copy = xmalloc (b->frame_bytes);
  b->row = xmalloc (f->width);
  b->mean = xmalloc (px * 2);
  b->dev = xmalloc (px * 2);
  b->floor = xmalloc (px * 2);
  b->mask = xmalloc (px);
  b->max = xmalloc (px);
  b->max_frame = xmalloc (px);
  for (i = 0; i < px; i++) {
    b->mean[i] = (uint16_t)(b->luma[0][i] << 7);
    b->dev[i] = METEOR_Q7 (2);
    b->floor[i] = METEOR_Q7 (2);
  }
}

static void
bench_free (Bench *b)
{
  int r;

  for (r = 0; r < RING; r++) {
    if (b->luma[r] != b->frames[r])
      free (b->luma[r]);
    free (b->frames[r]);
  }
  free (b->copy);
  free (b->row);
  free (b->mean);
  free (b->dev);
  free (b->floor);
  free (b->mask);
  free (b->max);
  free (b->max_frame);
}

static void
run_memcpy (Bench *b)
{
  memcpy (b->copy, b->frames[b->next++ % RING], b->frame_bytes);
  b->sink += b->copy[b->next % b->frame_bytes];
}

static void
run_detector (Bench *b)
{
  const MeteorKernels *k = b->k;
  const uint8_t *frame = b->frames[b->next++ % RING];
  int w = b->f->width, y;
  uint32_t hits = 0;

  for (y = 0; y < b->f->height; y++) {
    size_t o = (size_t)y * w;
    const uint8_t *luma = frame + (size_t)y * b->stride;

    if (b->f->format == FMT_RGB) {
      k->luma_rgb24 (luma, b->row, w, METEOR_RGB_ORDER_RGB);
      luma = b->row;
    }
    hits += k->threshold (
        luma, b->mean + o, b->dev + o, b->floor + o, K_MUL, J1, b->mask + o, w);
    k->bg_update (luma, b->mean + o, b->dev + o, w, SHIFT);
  }
  b->sink += hits;
}

static void
run_max (Bench *b)
{
  const MeteorKernels *k = b->k;
  const uint8_t *luma = b->luma[b->next % RING];
  int w = b->f->width, y;

  for (y = 0; y < b->f->height; y++) {
    size_t o = (size_t)y * w;

    k->max_accumulate (luma + (size_t)y * b->stride, b->max + o,
        b->max_frame + o, (uint8_t)b->next, w);
  }
  b->next++;
}

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

/* ns per frame: the median of ROUNDS rounds, each about seconds / ROUNDS
 * long after a calibration that also warms the caches */
static double
time_frames (Bench *b, void (*run) (Bench *), double seconds)
{
  double t0, t, per[ROUNDS];
  long reps = 0, n, r;

  t0 = now_s ();
  do {
    run (b);
    reps++;
  } while ((t = now_s ()) - t0 < 0.05);
  n = (long)(seconds / ROUNDS / ((t - t0) / reps)) + 1;
  for (r = 0; r < ROUNDS; r++) {
    long i;

    t0 = now_s ();
    for (i = 0; i < n; i++)
      run (b);
    per[r] = (now_s () - t0) / n * 1e9;
  }
  qsort (per, ROUNDS, sizeof (double), cmp_double);
  return per[ROUNDS / 2];
}

static void
print_row (const char *what, const char *set, double ns, size_t bytes,
    double memcpy_ns, double c_ns)
{
  printf ("  %-15s %-5s %11.0f %7.2f %9.2f", what, set, ns, bytes / ns,
      ns / memcpy_ns);
  if (c_ns > 0)
    printf (" %7.2f", c_ns / ns);
  printf ("\n");
}

int
main (int argc, char **argv)
{
  const MeteorKernels *const *all = meteor_kernels_all ();
  double seconds = argc > 1 ? atof (argv[1]) : DEFAULT_SECONDS;
  double t_start = now_s ();
  size_t fi;
  int s;

  if (seconds <= 0)
    seconds = DEFAULT_SECONDS;
  printf ("bench-kernels: detector kernels per frame on synthetic noisy sky "
          "(seed 0x%08x), median of %d rounds\n",
      SEED, ROUNDS);
  printf ("  detector = luma (RGB only) + threshold + bg_update per row; "
          "max_accumulate apart (over the luma)\n");
  printf ("  GB/s = frame bytes (max_accumulate: luma bytes) per second; "
          "x memcpy = time / memcpy time; x c = speed-up over C\n");
  printf ("sets:");
  for (s = 0; all[s]; s++)
    printf (" %s", all[s]->name);
  printf ("\n");

  for (fi = 0; fi < sizeof (formats) / sizeof (formats[0]); fi++) {
    Bench b;
    double memcpy_ns, c_det = 0, c_max = 0;

    bench_init (&b, &formats[fi]);
    printf ("\n%s (%zu bytes a frame)\n", formats[fi].label, b.frame_bytes);
    printf ("  %-15s %-5s %11s %7s %9s %7s\n", "work", "set", "ns/frame",
        "GB/s", "x memcpy", "x c");
    memcpy_ns = time_frames (&b, run_memcpy, seconds);
    print_row ("memcpy", "-", memcpy_ns, b.frame_bytes, memcpy_ns, 0);
    for (s = 0; all[s]; s++) {
      double ns;

      b.k = all[s];
      ns = time_frames (&b, run_detector, seconds);
      if (s == 0)
        c_det = ns;
      print_row ("detector", all[s]->name, ns, b.frame_bytes, memcpy_ns, c_det);
    }
    for (s = 0; all[s]; s++) {
      double ns;

      b.k = all[s];
      ns = time_frames (&b, run_max, seconds);
      if (s == 0)
        c_max = ns;
      print_row (
          "max_accumulate", all[s]->name, ns, b.pixels, memcpy_ns, c_max);
    }
    fflush (stdout);
    bench_free (&b);
    /* printed so that it does not get optimised away */
    if (b.sink == 42)
      printf ("\n");
  }
  printf ("\n(took %.1f s)\n", now_s () - t_start);
  return 0;
}
