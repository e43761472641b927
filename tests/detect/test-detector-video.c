/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tests of the detector core on video as cameras deliver it,
 * without GStreamer: compressed (blocks copied from the last frame, the
 * whole frame drawn anew at keyframes, compression noise on the 4x4 block
 * grid), a dark sky clipped at black, a frame too busy to track, and the
 * canaries that measure recall. Prints one line per test and "N passed, N
 * failed". */
#include "detector.h"
#include "skyrender.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minitest.h"

#define W 320
#define H 240
#define FPS 25.0

/* ------------------------------------------------------------- skies */

static uint64_t rng_state;

static double
uniform01 (void)
{
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return ((z ^ (z >> 31)) >> 11) * (1.0 / 9007199254740992.0);
}

static double
gaussian (void)
{
  double u = 1.0 - uniform01 (), v = uniform01 ();

  return sqrt (-2 * log (u)) * cos (2 * M_PI * v);
}

static uint8_t
clip8 (double v)
{
  return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)(v + 0.5);
}

/* A sky as a decoded H.264 stream shows it: each 8x8 block holds its draw
 * of the noise until the encoder codes it anew (a tenth of the blocks a
 * frame), every block is drawn anew at a keyframe (every @gop frames), and
 * a keyframe's blocks come out a little brighter or darker as a whole. */
typedef struct {
  double level, sigma;
  int gop;
  float noise[H][W];
  double dc;
} CodecSky;

static void
codec_sky_frame (CodecSky *s, int f, uint8_t *frame)
{
  int bx, by, x, y;

  if (f % s->gop == 0)
    s->dc = 0.4 * gaussian ();
  for (by = 0; by < H / 8; by++)
    for (bx = 0; bx < W / 8; bx++)
      if (f % s->gop == 0 || uniform01 () < 0.1)
        for (y = by * 8; y < by * 8 + 8; y++)
          for (x = bx * 8; x < bx * 8 + 8; x++)
            s->noise[y][x] = (float)(s->sigma * gaussian () + s->dc);
  for (y = 0; y < H; y++)
    for (x = 0; x < W; x++)
      frame[y * W + x] = clip8 (s->level + s->noise[y][x]);
}

/* Sensor noise on a flat sky, drawn anew every frame. */
static void
sensor_sky_frame (double level, double sigma, uint8_t *frame)
{
  int i;

  for (i = 0; i < W * H; i++)
    frame[i] = clip8 (level + sigma * gaussian ());
}

/* A streak of @len px along +x at (x, y), 3 px tall, @amp DN over the
 * frame. */
static void
draw_streak (uint8_t *frame, int x, int y, int len, double amp)
{
  int i, j;

  for (j = 0; j < 3; j++)
    for (i = 0; i < len; i++)
      if (x + i >= 0 && x + i < W && y + j >= 0 && y + j < H)
        frame[(y + j) * W + x + i] =
            clip8 (frame[(y + j) * W + x + i] + amp * (j == 1 ? 1 : 0.5));
}

/* --------------------------------------------------------- detector */

typedef struct {
  DetectorMeteor meteors[16];
  size_t n_meteors;
  DetectorStats stats;
  DetectorCanaryStats canary;
  int flashes;
} Run;

static Detector *
new_detector (double canary_rate)
{
  DetectorConfig dc;

  detector_config_init (&dc);
  dc.width = W;
  dc.height = H;
  dc.fps = FPS;
  dc.canary_rate = canary_rate;
  return detector_new (&dc, meteor_kernels_get ());
}

static void
take (Detector *d, Run *r)
{
  r->n_meteors +=
      detector_take_meteors (d, r->meteors + r->n_meteors, 16 - r->n_meteors);
}

static void
finish (Detector *d, Run *r)
{
  detector_flush (d);
  take (d, r);
  detector_get_stats (d, &r->stats);
  detector_get_canary_stats (d, &r->canary);
  detector_free (d);
}

/* Runs @frames frames, each made by @make and drawn on by @draw. */
static void
run_video (int frames, void (*make) (int f, uint8_t *frame),
    void (*draw) (int f, uint8_t *frame), Run *r)
{
  uint8_t *frame = malloc (W * H);
  Detector *d = new_detector (0);
  int f;

  memset (r, 0, sizeof (*r));
  for (f = 0; f < frames; f++) {
    DetectorFlash flash;

    make (f, frame);
    if (draw)
      draw (f, frame);
    r->flashes +=
        detector_process (d, f, frame, W, METEOR_FORMAT_GRAY8, &flash);
    take (d, r);
  }
  finish (d, r);
  free (frame);
}

/* ----------------------------------------------------- compressed video */

static CodecSky codec;

static void
make_codec (int f, uint8_t *frame)
{
  codec_sky_frame (&codec, f, frame);
}

/* a meteor of 12 frames from frame 300, 6 px a frame, 20 DN (SNR 10
 * against the codec's noise of 2 DN) */
static void
draw_codec_meteor (int f, uint8_t *frame)
{
  int k = f - 300;

  if (k >= 0 && k < 12)
    draw_streak (frame, 60 + 6 * k, 100 + 2 * k, 6, 20);
}

/* A decoded H.264 sky: its keyframes are no flashes, its copied blocks no
 * noise, and a meteor in it is found (before the noise model, every
 * keyframe was a flash and nothing was found). */
static void
test_codec_keyframes (void)
{
  Run r;

  rng_state = 1;
  memset (&codec, 0, sizeof (codec));
  codec.level = 20;
  codec.sigma = 2;
  codec.gop = 25;
  run_video (600, make_codec, draw_codec_meteor, &r);
  EXPECT (
      r.flashes == 0, "%d flash frames in a quiet compressed sky", r.flashes);
  EXPECT (r.stats.disturbed == 0, "%llu disturbed frames",
      (unsigned long long)r.stats.disturbed);
  EXPECT (r.n_meteors == 1, "%zu detections, one meteor", r.n_meteors);
  if (r.n_meteors == 1)
    EXPECT (r.meteors[0].first_frame <= 302 && r.meteors[0].last_frame >= 309,
        "frames %llu-%llu of 300-311",
        (unsigned long long)r.meteors[0].first_frame,
        (unsigned long long)r.meteors[0].last_frame);
}

/* Compression noise as real H.264 cameras leave it (RMS blocks): tens of
 * small blobs a frame on the 4x4 block grid, 3-10 sigma, some of them in
 * the same place for a few frames. Chance alignments of two or three of
 * them are no meteors; a real meteor of four points and more is found. */
static int blob_x[64], blob_y[64], blob_life[64];

static void
make_blobby (int f, uint8_t *frame)
{
  int i, x, y;

  sensor_sky_frame (20, 1.0, frame);
  for (i = 0; i < 64; i++) {
    if (blob_life[i] <= 0) {
      blob_x[i] = 4 * (int)(uniform01 () * (W / 4 - 1));
      blob_y[i] = 4 * (int)(uniform01 () * (H / 4 - 1));
      blob_life[i] = 1 + (int)(uniform01 () * 3);
    }
    blob_life[i]--;
    {
      /* 3 to 10 sigma of the sky's noise after binning (0.5 DN) */
      double amp = 1.5 + 3.5 * uniform01 ();
      int wide = uniform01 () < 0.5 ? 4 : 8;

      for (y = blob_y[i]; y < blob_y[i] + 4; y++)
        for (x = blob_x[i]; x < blob_x[i] + wide && x < W; x++)
          frame[y * W + x] = clip8 (frame[y * W + x] + amp);
    }
  }
  (void)f;
}

/* a meteor of 8 frames from frame 900, 8 px a frame, 15 DN */
static void
draw_blobby_meteor (int f, uint8_t *frame)
{
  int k = f - 900;

  if (k >= 0 && k < 8)
    draw_streak (frame, 40 + 8 * k, 180 - 3 * k, 8, 15);
}

static void
test_compression_blobs (void)
{
  Run r;
  size_t i;

  rng_state = 2;
  memset (blob_life, 0, sizeof (blob_life));
  run_video (1500, make_blobby, draw_blobby_meteor, &r);
  EXPECT (
      r.n_meteors == 1, "%zu detections: one meteor and no noise", r.n_meteors);
  for (i = 0; i < r.n_meteors; i++) {
    const DetectorMeteor *m = &r.meteors[i];

    EXPECT (m->first_frame >= 898 && m->last_frame <= 909 && m->n_points >= 4,
        "a detection at frames %llu-%llu with %d points, snr %.1f",
        (unsigned long long)m->first_frame, (unsigned long long)m->last_frame,
        m->n_points, m->snr);
  }
}

/* ---------------------------------------------------- a dark, clipped sky */

static void
make_dark (int f, uint8_t *frame)
{
  sensor_sky_frame (1.0, 2.0, frame);
  (void)f;
}

/* A sky a DN above black with 2 DN of noise: a third of the pixels are 0
 * (a low black level, or studio range read as full). No flash, no noise
 * meteor, and a meteor in it found. */
static void
test_dark_clipped_sky (void)
{
  Run r;

  rng_state = 3;
  run_video (600, make_dark, draw_codec_meteor, &r);
  EXPECT (r.flashes == 0, "%d flash frames", r.flashes);
  EXPECT (r.n_meteors == 1, "%zu detections, one meteor", r.n_meteors);
  EXPECT (r.stats.candidates < 600ull * (W / 2) * (H / 2) / 200,
      "%llu candidates in 600 frames", (unsigned long long)r.stats.candidates);
}

/* ------------------------------------------------------ a busy frame */

static void
make_sensor (int f, uint8_t *frame)
{
  sensor_sky_frame (20, 2.0, frame);
  (void)f;
}

/* a bright meteor from frame 100 to 139, 4 px a frame; frame 125 is
 * littered with 150 bright single-pixel specks (more than the 40 clusters
 * a frame that starts no tracks), no brighter than the sky on the whole */
static void
draw_busy (int f, uint8_t *frame)
{
  int k = f - 100, i;

  if (k >= 0 && k < 40)
    draw_streak (frame, 40 + 4 * k, 120, 6, 60);
  if (f == 125)
    for (i = 0; i < 150; i++) {
      int x = (int)(uniform01 () * W), y = (int)(uniform01 () * H);

      frame[y * W + x] = 255;
    }
}

/* A frame too busy to track never kills a meteor's track that already
 * qualified: it is carried through and reported with its whole span. */
static void
test_disturbed_frame_keeps_meteor (void)
{
  Run r;

  rng_state = 4;
  run_video (200, make_sensor, draw_busy, &r);
  EXPECT (r.stats.disturbed >= 1,
      "the busy frame was not disturbed (%llu redrawn, %d flashes)",
      (unsigned long long)r.stats.redrawn, r.flashes);
  EXPECT (r.stats.disturbed_carried >= 1, "no track carried through it");
  EXPECT (r.n_meteors == 1, "%zu detections of one meteor", r.n_meteors);
  if (r.n_meteors == 1)
    EXPECT (r.meteors[0].first_frame <= 102 && r.meteors[0].last_frame >= 137,
        "frames %llu-%llu of 100-139",
        (unsigned long long)r.meteors[0].first_frame,
        (unsigned long long)r.meteors[0].last_frame);
}

/* ------------------------------------------------ where it is reported */

/* a meteor 5 px a frame along y = 61 from x = 50, frames 50-79, fading
 * out; a static light just ahead of its end (a star) */
static void
draw_with_star (int f, uint8_t *frame)
{
  int k = f - 50;

  draw_streak (frame, 208, 58, 3, 40);
  if (k >= 0 && k < 30)
    draw_streak (frame, 50 + 5 * k, 60, 5, 50 - k);
}

/* The meteor's own ends are reported, and its path frame by frame. */
static void
test_positions_and_path (void)
{
  const DetectorMeteor *m;
  Run r;
  int i;

  rng_state = 5;
  run_video (150, make_sensor, draw_with_star, &r);
  EXPECT (r.n_meteors == 1, "%zu detections", r.n_meteors);
  if (r.n_meteors != 1)
    return;
  m = &r.meteors[0];
  /* the streak of frame k covers x 50+5k to 55+5k, centred on y 61 */
  EXPECT (fabs (m->x0 - (50 + 5.0 * (m->first_frame - 50))) < 6 &&
              fabs (m->y0 - 61) < 4,
      "start (%.1f,%.1f) in frame %llu", m->x0, m->y0,
      (unsigned long long)m->first_frame);
  EXPECT (fabs (m->x1 - (55 + 5.0 * (m->last_frame - 50))) < 6 &&
              fabs (m->y1 - 61) < 4,
      "end (%.1f,%.1f) in frame %llu", m->x1, m->y1,
      (unsigned long long)m->last_frame);
  EXPECT (m->n_points >= 20, "%d points", m->n_points);
  for (i = 0; i < m->n_points; i++) {
    const DetectorPoint *p = &m->points[i];

    EXPECT (p->frame >= m->first_frame && p->frame <= m->last_frame &&
                (i == 0 || p->frame > m->points[i - 1].frame),
        "point %d in frame %llu", i, (unsigned long long)p->frame);
    EXPECT (fabs (p->x - (52.5 + 5.0 * (p->frame - 50))) < 3 &&
                fabs (p->y - 61) < 2 && p->intensity > 0,
        "point %d (%.1f,%.1f) intensity %.0f in frame %llu", i, p->x, p->y,
        p->intensity, (unsigned long long)p->frame);
  }
}

/* --------------------------------------------------------- canaries */

/* Runs a quiet 640x480 sky of meteorsky's (no meteors) for @frames with
 * canaries at @rate an hour; from frame @fog_at on, the lens passes only
 * @transparency of the light. Checks every frame is left as it was. */
static void
run_canaries (int frames, double rate, int fog_at, double transparency, Run *r)
{
  const int w = 640, h = 480;
  uint8_t *frame = malloc ((size_t)w * h), *copy = malloc ((size_t)w * h);
  SkyImage img = { METEOR_FORMAT_GRAY8, { frame, NULL, NULL }, { w, 0, 0 } };
  DetectorConfig dc;
  SkyConfig sc;
  SkyModel *sky;
  Detector *d;
  int f, touched = 0;

  sky_config_init (&sc);
  sc.seed = 9;
  sc.width = w;
  sc.height = h;
  sc.fps = FPS;
  sc.meteor_rate = sc.fireball_rate = sc.plane_rate = 0;
  sc.satellite_rate = sc.flash_rate = 0;
  sky = sky_model_new (&sc);
  detector_config_init (&dc);
  dc.width = w;
  dc.height = h;
  dc.fps = FPS;
  dc.canary_rate = rate;
  dc.canary_window = 10;
  d = detector_new (&dc, meteor_kernels_get ());
  memset (r, 0, sizeof (*r));
  for (f = 0; f < frames; f++) {
    DetectorFlash flash;

    if (f == fog_at)
      sky_model_set_optics (sky, transparency, 1.0);
    sky_model_render (sky, f, &img);
    memcpy (copy, frame, (size_t)w * h);
    r->flashes +=
        detector_process (d, f, frame, w, METEOR_FORMAT_GRAY8, &flash);
    touched |= memcmp (copy, frame, (size_t)w * h) != 0;
    take (d, r);
  }
  EXPECT (!touched, "the detector wrote into a frame");
  finish (d, r);
  sky_model_free (sky);
  free (frame);
  free (copy);
}

/* Canaries are found about as often as meteors of their SNR, counted by
 * band, and never reported. */
static void
test_canaries (void)
{
  const DetectorCanaryStats *c;
  uint64_t sum = 0;
  Run r;
  int b;

  run_canaries (3000, 1800, -1, 1, &r);
  c = &r.canary;
  EXPECT (r.n_meteors == 0, "%zu detections on a sky with canaries only",
      r.n_meteors);
  EXPECT (c->injected >= 15, "%llu canaries in 2 minutes at 1800/h",
      (unsigned long long)c->injected);
  EXPECT (c->judged + 4 >= c->injected && c->found <= c->judged,
      "%llu injected, %llu judged, %llu found", (unsigned long long)c->injected,
      (unsigned long long)c->judged, (unsigned long long)c->found);
  EXPECT (c->judged > 0 && (double)c->found / c->judged >= 0.8,
      "%llu of %llu found", (unsigned long long)c->found,
      (unsigned long long)c->judged);
  for (b = 0; b < DETECTOR_CANARY_BANDS; b++)
    sum += c->band_injected[b];
  EXPECT (sum == c->injected, "bands add up to %llu of %llu",
      (unsigned long long)sum, (unsigned long long)c->injected);
  EXPECT (c->optics > 0.8, "optics %.2f on a clear sky", c->optics);
  EXPECT (!c->low, "recall low on a clear sky: %.2f", c->window_recall);
}

/* A lens that fogs up dims canaries as it dims meteors: their recall
 * falls and says so. */
static void
test_canaries_fog (void)
{
  Run r;

  run_canaries (4000, 2400, 1000, 0.15, &r);
  EXPECT (r.canary.optics < 0.4, "optics %.2f through a fogged lens",
      r.canary.optics);
  EXPECT (r.canary.low, "recall %.2f over %d canaries is not low",
      r.canary.window_recall, r.canary.window_n);
  EXPECT (r.n_meteors == 0, "%zu detections", r.n_meteors);
}

/* --quick: without the canaries (a 640x480 sky rendered for minutes),
 * for runs under an emulator */
int
main (int argc, char **argv)
{
  static const MiniTest tests[] = {
    { "codec_keyframes", test_codec_keyframes },
    { "compression_blobs", test_compression_blobs },
    { "dark_clipped_sky", test_dark_clipped_sky },
    { "disturbed_frame_keeps_meteor", test_disturbed_frame_keeps_meteor },
    { "positions_and_path", test_positions_and_path },
    { "canaries", test_canaries },
    { "canaries_fog", test_canaries_fog },
  };

  size_t n = sizeof (tests) / sizeof (tests[0]);

  if (argc > 1 && strcmp (argv[1], "--quick") == 0)
    n -= 2; /* the canary tests come last */
  printf ("kernels: %s\n", meteor_kernels_get ()->name);
  return minitest_run (tests, n);
}
