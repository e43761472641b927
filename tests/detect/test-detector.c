/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tests of the detector core on the synthetic sky, without
 * GStreamer. Prints one line per test and "N passed, N failed". */
#include "detector.h"
#include "skyrender.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minitest.h"

#define W 320
#define H 240

typedef struct {
  SkyTruth truth[256];
  size_t n_truth;
  DetectorMeteor meteors[32];
  size_t n_meteors;
  DetectorStats stats;
  double sky_noise;
  int flashes;
} Run;

static void
quiet_sky (SkyConfig *c, uint64_t seed)
{
  sky_config_init (c);
  c->seed = seed;
  c->width = W;
  c->height = H;
  c->meteor_rate = c->fireball_rate = c->plane_rate = 0;
  c->satellite_rate = c->flash_rate = 0;
}

/* Speed limits on the sky for run(): set by the tests of them, with the
 * sky's scale (deg a px) given to the detector as a calibration would */
static double sky_min_deg, sky_max_deg, sky_deg_per_px;

/* Renders @frames of @sky as @format and runs the detector on it. */
static void
run (const SkyConfig *sky, const char *schedule, int frames,
    MeteorFormat format, MeteorFormat luma, int bin, const uint8_t *mask,
    Run *r)
{
  int bpp = format == METEOR_FORMAT_RGB         ? 3
            : format == METEOR_FORMAT_BGRx      ? 4
            : format == METEOR_FORMAT_GRAY16_LE ? 2
                                                : 1;
  int stride = W * bpp + 13; /* padded rows */
  uint8_t *buf = calloc ((size_t)stride * H + 2 * (W + 1) * H, 1);
  SkyImage img = { format,
    { buf, buf + (size_t)stride * H,
        buf + (size_t)stride * H + (W / 2 + 3) * H },
    { stride, W + 1, W / 2 + 3 } };
  SkyModel *m = sky_model_new (sky);
  DetectorConfig dc;
  Detector *d;
  SkyEvent *events = NULL;
  char error[256];
  int n, f, i;

  detector_config_init (&dc);
  dc.width = W;
  dc.height = H;
  dc.fps = sky->fps;
  dc.bin = bin;
  dc.mask = mask;
  dc.min_speed_deg = sky_min_deg;
  dc.max_speed_deg = sky_max_deg;
  d = detector_new (&dc, meteor_kernels_get ());
  if (sky_deg_per_px > 0) {
    float grid[4] = { sky_deg_per_px, sky_deg_per_px, sky_deg_per_px,
      sky_deg_per_px };

    detector_set_sky_scale (d, grid, 2, 2);
  }
  n = sky_parse_schedule (schedule, &events, error, sizeof (error));
  for (i = 0; i < n; i++)
    sky_model_add_event (m, &events[i]);
  free (events);
  memset (r, 0, sizeof (*r));
  for (f = 0; f < frames; f++) {
    DetectorFlash flash;

    sky_model_render (m, f, &img);
    r->flashes += detector_process (d, f, buf, stride, luma, &flash);
    r->n_meteors +=
        detector_take_meteors (d, r->meteors + r->n_meteors, 32 - r->n_meteors);
  }
  sky_model_finish (m);
  detector_flush (d);
  r->n_meteors +=
      detector_take_meteors (d, r->meteors + r->n_meteors, 32 - r->n_meteors);
  r->n_truth = sky_model_take_truth (m, r->truth, 256);
  detector_get_stats (d, &r->stats);
  r->sky_noise = detector_sky_noise (d);
  detector_free (d);
  sky_model_free (m);
  free (buf);
}

static const SkyTruth *
truth_of (const Run *r, SkyKind kind)
{
  size_t i;

  for (i = 0; i < r->n_truth; i++)
    if (r->truth[i].kind == kind)
      return &r->truth[i];
  return NULL;
}

static double
off_line (double px, double py, const SkyTruth *t)
{
  double dx = t->x1 - t->x0, dy = t->y1 - t->y0;

  return fabs ((px - t->x0) * dy - (py - t->y0) * dx) / hypot (dx, dy);
}

#define METEOR "meteor@40,x=60,y=50,angle=20,speed=15,duration=0.7,snr=10"

static void
check_found (const Run *r, const char *what)
{
  const SkyTruth *t = truth_of (r, SKY_METEOR);
  const DetectorMeteor *m = &r->meteors[0];

  EXPECT (t != NULL, "%s: no truth", what);
  EXPECT (r->n_meteors == 1, "%s: %zu detections", what, r->n_meteors);
  if (t == NULL || r->n_meteors != 1)
    return;
  EXPECT (m->first_frame + 2 >= t->first_frame &&
              m->last_frame <= t->last_frame + 2,
      "%s: frames %llu-%llu, truth %llu-%llu", what,
      (unsigned long long)m->first_frame, (unsigned long long)m->last_frame,
      (unsigned long long)t->first_frame, (unsigned long long)t->last_frame);
  EXPECT (off_line (m->x0, m->y0, t) < 5 && off_line (m->x1, m->y1, t) < 5,
      "%s: track %.1f,%.1f-%.1f,%.1f off the truth %.1f,%.1f-%.1f,%.1f", what,
      m->x0, m->y0, m->x1, m->y1, t->x0, t->y0, t->x1, t->y1);
  {
    /* the detection is the part of the track bright enough to see: inside
     * the truth's (which runs down to 1 sigma), and most of it */
    double dx = t->x1 - t->x0, dy = t->y1 - t->y0, len2 = dx * dx + dy * dy;
    double a0 = ((m->x0 - t->x0) * dx + (m->y0 - t->y0) * dy) / len2;
    double a1 = ((m->x1 - t->x1) * dx + (m->y1 - t->y1) * dy) / len2 + 1;

    EXPECT (a0 > -0.1 && a1 < 1.1 && a1 - a0 > 0.5,
        "%s: covers %.2f-%.2f of the truth's track", what, a0, a1);
  }
  EXPECT (fabs (m->speed - t->speed) < 0.3 * t->speed,
      "%s: speed %.0f px/s, truth %.0f", what, m->speed, t->speed);
}

static void
test_finds_a_meteor (void)
{
  SkyConfig c;
  Run r;

  quiet_sky (&c, 5);
  run (&c, METEOR, 120, METEOR_FORMAT_GRAY8, METEOR_FORMAT_GRAY8, 2, NULL, &r);
  check_found (&r, "gray8 bin 2");
  run (&c, METEOR, 120, METEOR_FORMAT_GRAY8, METEOR_FORMAT_GRAY8, 1, NULL, &r);
  check_found (&r, "gray8 bin 1");
}

static void
test_layouts_agree (void)
{
  static const struct {
    MeteorFormat format;
    MeteorFormat luma;
    const char *name;
  } layouts[] = {
    { METEOR_FORMAT_RGB, METEOR_FORMAT_RGB, "rgb" },
    { METEOR_FORMAT_BGRx, METEOR_FORMAT_BGRx, "bgrx" },
    { METEOR_FORMAT_I420, METEOR_FORMAT_GRAY8, "i420" },
  };
  SkyConfig c;
  Run gray, r;
  size_t i;

  quiet_sky (&c, 6);
  run (&c, METEOR, 120, METEOR_FORMAT_GRAY8, METEOR_FORMAT_GRAY8, 2, NULL,
      &gray);
  for (i = 0; i < sizeof (layouts) / sizeof (layouts[0]); i++) {
    run (&c, METEOR, 120, layouts[i].format, layouts[i].luma, 2, NULL, &r);
    check_found (&r, layouts[i].name);
    /* 8-bit RGB of a gray sky converts back to the same luma */
    /* the same sky reaches the detector as the same luma */
    EXPECT (r.n_meteors == gray.n_meteors && r.n_meteors > 0 &&
                r.meteors[0].first_frame == gray.meteors[0].first_frame &&
                fabs (r.meteors[0].x0 - gray.meteors[0].x0) < 0.01,
        "%s differs from gray8", layouts[i].name);
  }
}

static void
test_gray16 (void)
{
  SkyConfig c;
  Run r;

  /* 16-bit frames: the detector works on their high byte */
  quiet_sky (&c, 6);
  run (&c, METEOR, 120, METEOR_FORMAT_GRAY16_LE, METEOR_FORMAT_GRAY16_LE, 2,
      NULL, &r);
  check_found (&r, "gray16");
}

static void
test_rejects_distractors (void)
{
  SkyConfig c;
  Run r;

  /* planes and satellites cross the whole frame slowly; hot pixels and
   * twinkling stars stay put */
  quiet_sky (&c, 7);
  c.hot_pixels = 30;
  c.star_density = 60;
  c.twinkle = 0.3;
  run (&c,
      "plane@0,x=0,y=60,angle=10,speed=1.2,snr=10;"
      "satellite@0,x=319,y=200,angle=200,speed=1.5,snr=8;"
      "satellite@100,x=100,y=239,angle=-80,speed=0.8,snr=12",
      600, METEOR_FORMAT_GRAY8, METEOR_FORMAT_GRAY8, 2, NULL, &r);
  EXPECT (r.n_meteors == 0,
      "%zu detections, first %.0f,%.0f-%.0f,%.0f frames %llu-%llu, %.0f px/s",
      r.n_meteors, r.meteors[0].x0, r.meteors[0].y0, r.meteors[0].x1,
      r.meteors[0].y1, (unsigned long long)r.meteors[0].first_frame,
      (unsigned long long)r.meteors[0].last_frame, r.meteors[0].speed);
  EXPECT (r.stats.rejected[DETECTOR_REJECT_SLOW] +
                  r.stats.rejected[DETECTOR_REJECT_LONG] >
              0,
      "the slow movers were not rejected as slow or long");
}

static void
test_flash_is_reported (void)
{
  SkyConfig c;
  Run r;

  quiet_sky (&c, 8);
  run (&c, "flash@60", 120, METEOR_FORMAT_GRAY8, METEOR_FORMAT_GRAY8, 2, NULL,
      &r);
  EXPECT (r.flashes > 0 && r.stats.flashes > 0, "flash not reported");
  EXPECT (r.n_meteors == 0, "%zu detections in a flash", r.n_meteors);
}

/* Headlights brighten the whole sky smoothly for seconds: the detector
 * levels that out, reports the flash frames (levelled) and still finds a
 * meteor flying through it. */
static void
test_meteor_through_headlights (void)
{
  SkyConfig c;
  Run r;

  quiet_sky (&c, 5);
  run (&c, "flash@40,style=1,duration=3,snr=12;" METEOR, 150,
      METEOR_FORMAT_GRAY8, METEOR_FORMAT_GRAY8, 2, NULL, &r);
  EXPECT (r.flashes > 0, "headlights not reported as a flash");
  EXPECT (r.n_meteors == 1, "%zu detections, 1 meteor in the headlights",
      r.n_meteors);
  EXPECT (r.stats.rejected[DETECTOR_REJECT_FLASH] == 0,
      "%llu tracks dropped for a smooth brightening",
      (unsigned long long)r.stats.rejected[DETECTOR_REJECT_FLASH]);
}

/* A meteor of a tenth of a second is seen in two or three frames: its
 * blobs are streaks along the motion, which is what makes it believable. */
static void
test_brief_meteor (void)
{
  SkyConfig c;
  Run r;

  quiet_sky (&c, 6);
  run (&c, "meteor@60,x=80,y=60,angle=30,speed=30,duration=0.1,snr=10", 100,
      METEOR_FORMAT_GRAY8, METEOR_FORMAT_GRAY8, 2, NULL, &r);
  EXPECT (r.n_meteors == 1, "%zu detections of a 3-frame meteor", r.n_meteors);
  if (r.n_meteors == 1)
    EXPECT (r.meteors[0].n_points <= 3, "%d points", r.meteors[0].n_points);
}

static void
test_mask_hides (void)
{
  uint8_t *mask = malloc (W * H);
  SkyConfig c;
  Run r;

  /* the left half of the frame is masked out: the meteor there is gone */
  memset (mask, 255, W * H);
  for (int y = 0; y < H; y++)
    memset (mask + y * W, 0, W / 2 + 40);
  quiet_sky (&c, 5);
  run (&c, METEOR, 120, METEOR_FORMAT_GRAY8, METEOR_FORMAT_GRAY8, 2, mask, &r);
  EXPECT (r.n_meteors == 0, "%zu detections under the mask", r.n_meteors);
  free (mask);
}

/* A satellite a little faster than min-speed, seen for longer than a
 * meteor lasts, then hidden (a masked stripe, as a cloud or a tree would),
 * then seen again for under two seconds: that last piece moves on the
 * satellite's line at its speed and must not pass for a meteor. */
static void
test_satellite_pieces (void)
{
  uint8_t *mask = malloc (W * H);
  SkyConfig c;
  Run r;

  memset (mask, 255, W * H);
  for (int y = 0; y < H; y++)
    memset (mask + y * W + 200, 0, 30);
  quiet_sky (&c, 7);
  run (&c, "satellite@40,x=10,y=120,angle=0,speed=2.8,duration=20,snr=12", 300,
      METEOR_FORMAT_GRAY8, METEOR_FORMAT_GRAY8, 2, mask, &r);
  EXPECT (
      r.n_meteors == 0, "%zu detections of a satellite's pieces", r.n_meteors);
  EXPECT (r.stats.rejected[DETECTOR_REJECT_LONG] +
                  r.stats.rejected[DETECTOR_REJECT_SLOW] >=
              2,
      "%llu long, %llu slow: the pieces were not both seen",
      (unsigned long long)r.stats.rejected[DETECTOR_REJECT_LONG],
      (unsigned long long)r.stats.rejected[DETECTOR_REJECT_SLOW]);
  free (mask);
}

/* A meteor near its radiant moves slower than min-speed (35 px/s), as
 * satellites do: a bright one that lights up and dies out inside the
 * frame within seconds is a meteor; as faint, or coming in over the
 * edge, the same motion is a satellite's (rejected-slow). */
static void
test_slow_meteor (void)
{
  static const struct {
    const char *schedule;
    size_t meteors;
  } cases[] = {
    { "meteor@40,x=100,y=100,angle=30,speed=1.7,duration=1.5,snr=25", 1 },
    { "meteor@40,x=100,y=100,angle=30,speed=1.7,duration=1.5,snr=6", 0 },
    { "meteor@40,x=4,y=100,angle=0,speed=1.7,duration=1.5,snr=25", 0 },
    { "meteor@40,x=100,y=100,angle=30,speed=0.8,duration=1.5,snr=25", 0 },
  };
  SkyConfig c;
  Run r;
  size_t i;

  quiet_sky (&c, 8);
  for (i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
    run (&c, cases[i].schedule, 150, METEOR_FORMAT_GRAY8, METEOR_FORMAT_GRAY8,
        2, NULL, &r);
    EXPECT (r.n_meteors == cases[i].meteors, "%s: %zu detections, want %zu",
        cases[i].schedule, r.n_meteors, cases[i].meteors);
    if (cases[i].meteors == 1 && r.n_meteors == 1)
      EXPECT (r.meteors[0].speed < 35, "%s: %.1f px/s, not under min-speed",
          cases[i].schedule, r.meteors[0].speed);
    else if (cases[i].meteors == 0)
      EXPECT (r.stats.rejected[DETECTOR_REJECT_SLOW] > 0,
          "%s: not rejected as slow", cases[i].schedule);
  }
}

/* Calibrated, speed limits hold on the sky in deg/s: a meteor at
 * 1.7 deg/s (25 px/s at the sky's 4'/px, under min-speed) is found with
 * min-speed-deg=1; one at 20 deg/s is too fast for max-speed-deg=10; the
 * limits need the sky's scale, without it px/s hold. */
static void
test_speed_on_sky (void)
{
  static const struct {
    const char *schedule;
    double deg_per_px;
    size_t meteors;
    DetectorReject why;
  } cases[] = {
    { "meteor@40,x=100,y=100,angle=30,speed=1.7,duration=1.5,snr=8", 4.0 / 60,
        1, DETECTOR_REJECT_N },
    { "meteor@40,x=100,y=100,angle=30,speed=1.7,duration=1.5,snr=8", 0, 0,
        DETECTOR_REJECT_SLOW },
    { "meteor@40,x=60,y=60,angle=30,speed=20,duration=0.3,snr=12", 4.0 / 60, 0,
        DETECTOR_REJECT_FAST },
    { "meteor@40,x=60,y=60,angle=30,speed=20,duration=0.3,snr=12", 0, 1,
        DETECTOR_REJECT_N },
  };
  SkyConfig c;
  Run r;
  size_t i;

  quiet_sky (&c, 9);
  sky_min_deg = 1.0;
  sky_max_deg = 10.0;
  for (i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
    sky_deg_per_px = cases[i].deg_per_px;
    run (&c, cases[i].schedule, 150, METEOR_FORMAT_GRAY8, METEOR_FORMAT_GRAY8,
        2, NULL, &r);
    EXPECT (r.n_meteors == cases[i].meteors,
        "%s, %.4f deg/px: %zu detections, want %zu", cases[i].schedule,
        cases[i].deg_per_px, r.n_meteors, cases[i].meteors);
    if (cases[i].why != DETECTOR_REJECT_N)
      EXPECT (r.stats.rejected[cases[i].why] > 0, "%s: not rejected %s",
          cases[i].schedule, detector_reject_name (cases[i].why));
  }
  sky_min_deg = sky_max_deg = sky_deg_per_px = 0;
}

/* Runs the detector (25 fps, bin 2) on @frames hand-made GRAY8 frames: a
 * flat sky of @sky DN, drawn on by @draw. */
static void
run_drawn (
    int frames, int sky, void (*draw) (uint8_t *frame, int index), Run *r)
{
  uint8_t *frame = malloc (W * H);
  DetectorConfig dc;
  Detector *d;
  int f;

  detector_config_init (&dc);
  dc.width = W;
  dc.height = H;
  dc.fps = 25;
  d = detector_new (&dc, meteor_kernels_get ());
  memset (r, 0, sizeof (*r));
  for (f = 0; f < frames; f++) {
    DetectorFlash flash;

    memset (frame, sky, W * H);
    draw (frame, f);
    r->flashes +=
        detector_process (d, f, frame, W, METEOR_FORMAT_GRAY8, &flash);
    r->n_meteors +=
        detector_take_meteors (d, r->meteors + r->n_meteors, 32 - r->n_meteors);
  }
  detector_flush (d);
  r->n_meteors +=
      detector_take_meteors (d, r->meteors + r->n_meteors, 32 - r->n_meteors);
  detector_get_stats (d, &r->stats);
  detector_free (d);
  free (frame);
}

/* A dark corner flatter than one 8-bit step (the RMS UK0006 trees): in a
 * 64x48 patch, each 2x2 block is 1 DN up in one frame of 64, at random. */
static void
draw_flicker (uint8_t *frame, int f)
{
  static uint32_t state;
  int x, y;

  if (f == 0)
    state = 12345;
  for (y = 100; y < 148; y += 2)
    for (x = 100; x < 164; x += 2) {
      state = state * 1664525u + 1013904223u;
      if ((state >> 16) % 64 == 0) {
        frame[y * W + x] += 1;
        frame[y * W + x + 1] += 1;
        frame[(y + 1) * W + x] += 1;
        frame[(y + 1) * W + x + 1] += 1;
      }
    }
}

static void
test_flat_sky_flicker (void)
{
  Run r;

  /* the deviation learnt there is ~0: a 1 DN step must still not count
   * as tens of sigma, nor chance alignments of them as meteors */
  run_drawn (600, 10, draw_flicker, &r);
  EXPECT (r.n_meteors == 0, "%zu detections of a 1 DN flicker, snr %.1f",
      r.n_meteors, r.n_meteors ? r.meteors[0].snr : 0.0);
  EXPECT (r.flashes == 0, "%d flash frames", r.flashes);
}

/* A bright streak moving 4 px a frame for 30 frames from frame 100; in
 * frame 115 its head flares 6 px ahead of where it is (a fireball). */
static void
draw_flaring (uint8_t *frame, int f)
{
  int k = f - 100, x = 60 + 4 * k + (k == 15 ? 6 : 0), y = 120, i, j;

  if (k < 0 || k >= 30)
    return;
  for (j = 0; j < 3; j++)
    for (i = 0; i < 8; i++)
      frame[(y + j) * W + x + i] = 90;
}

static void
test_flaring_fireball (void)
{
  Run r;

  /* two odd steps in 29 do not make the track crooked */
  run_drawn (160, 20, draw_flaring, &r);
  EXPECT (r.n_meteors == 1, "%zu detections of one fireball", r.n_meteors);
  if (r.n_meteors == 1)
    EXPECT (r.meteors[0].first_frame <= 101 && r.meteors[0].last_frame >= 128,
        "frames %llu-%llu of 100-129",
        (unsigned long long)r.meteors[0].first_frame,
        (unsigned long long)r.meteors[0].last_frame);
}

/* A meteor moving 20 px a frame for 9 frames from frame 100, its blob a
 * 20 px streak along the motion; through a codec only part of a streak
 * may rise over the threshold: in frames 103 and 104 only its back 4 px
 * (B), in frame 105 only its front 4 px (P). Their centroids sit 8 px
 * behind and ahead of the streak's middle: the steps are 20, 20, 12, 20,
 * 36, 12, 20, 20 px. */
/* One meteor found; else why not, when it was found crooked */
static int
one_meteor (const Run *r)
{
  EXPECT (r->n_meteors == 1, "%zu detections of one meteor (%llu crooked)",
      r->n_meteors,
      (unsigned long long)r->stats.rejected[DETECTOR_REJECT_CROOKED]);
  return r->n_meteors == 1;
}

static void
draw_partial_streaks (uint8_t *frame, int f)
{
  static const char parts[] = "FFFBBPFFF";
  int k = f - 100, head = 60 + 20 * k, x0, x1, x, y;

  if (k < 0 || k >= 9)
    return;
  x0 = parts[k] == 'P' ? head - 4 : head - 20;
  x1 = parts[k] == 'B' ? head - 16 : head;
  for (y = 120; y < 122; y++)
    for (x = x0; x < x1; x++)
      frame[y * W + x] = 90;
}

static void
test_partial_streaks (void)
{
  Run r;

  /* the 36 px step is odd but for the smear of its two blobs: the
   * centroid of a part of a streak may sit anywhere along it */
  run_drawn (130, 20, draw_partial_streaks, &r);
  if (one_meteor (&r))
    EXPECT (r.meteors[0].first_frame == 100 && r.meteors[0].last_frame == 108,
        "frames %llu-%llu of 100-108",
        (unsigned long long)r.meteors[0].first_frame,
        (unsigned long long)r.meteors[0].last_frame);
}

/* A slow meteor (1 px a frame, 25 px/s, under min-speed: bright and
 * inside the frame) for 40 frames from frame 100, a 4x2 px blob whose
 * centroid jitters by a pixel, as much as it moves: a dozen of its steps
 * stand still (under 0.3 of the median, 0.5 analysis px), none a pixel
 * short of the median. Its brightness changes from frame to frame, as a
 * meteor's does (a block that did not change holds no new light for the
 * detector). */
static const char slow_jitter[] = "0010011000101101001100101000110100101001";

static void
draw_jittering (uint8_t *frame, int f)
{
  int k = f - 100, x0, x, y;

  if (k < 0 || k >= 40)
    return;
  x0 = 120 + k + (slow_jitter[k] - '0');
  for (y = 120; y < 122; y++)
    for (x = x0; x < x0 + 4; x++)
      frame[y * W + x] = 90 + 4 * (k % 3);
}

static void
test_slow_meteor_jitter (void)
{
  Run r;

  /* standing still is a pixel short of the median step: a slow meteor's
   * steps under a pixel are not */
  run_drawn (160, 20, draw_jittering, &r);
  if (one_meteor (&r))
    EXPECT (r.meteors[0].first_frame <= 101 && r.meteors[0].last_frame >= 138 &&
                r.meteors[0].speed < 35,
        "frames %llu-%llu of 100-139, %.1f px/s",
        (unsigned long long)r.meteors[0].first_frame,
        (unsigned long long)r.meteors[0].last_frame, r.meteors[0].speed);
}

/* A meteor seen in 5 frames from frame 100: 20 px streaks 20 px a frame,
 * the 4th ending at x=119; in its last frame a round 4x4 px blob, only
 * 4 px on from the 4th streak's middle (it stalls as it dies out, or
 * something else lit up in its gate). */
static void
draw_odd_end (uint8_t *frame, int f)
{
  int k = f - 100, x0 = 40 + 20 * k, x1 = x0 + 20, y0 = 120, y1 = 122, x, y;

  if (k < 0 || k >= 5)
    return;
  if (k == 4) {
    x0 = 112;
    x1 = 116;
    y0 = 119;
    y1 = 123;
  }
  for (y = y0; y < y1; y++)
    for (x = x0; x < x1; x++)
      frame[y * W + x] = 90;
}

static void
test_odd_end_trimmed (void)
{
  Run r;

  /* a track of 5 points loses its odd end step: the meteor is the 4
   * streaks, and ends where the 4th does */
  run_drawn (130, 20, draw_odd_end, &r);
  if (one_meteor (&r))
    EXPECT (r.meteors[0].last_frame == 103 && r.meteors[0].n_points == 4 &&
                fabs (r.meteors[0].x1 - 119.5) < 1 &&
                fabs (r.meteors[0].y1 - 120.5) < 1,
        "frames %llu-%llu, %d points, ends at %.1f,%.1f: not the 4th "
        "streak's head (frame 103, 119.5,120.5)",
        (unsigned long long)r.meteors[0].first_frame,
        (unsigned long long)r.meteors[0].last_frame, r.meteors[0].n_points,
        r.meteors[0].x1, r.meteors[0].y1);
}

static void
test_config_errors (void)
{
  DetectorConfig c;
  char error[256];

  detector_config_init (&c);
  EXPECT (detector_config_check (&c, error, sizeof (error)) == 0, "%s", error);
  c.k1 = 0;
  EXPECT (detector_config_check (&c, error, sizeof (error)) != 0 &&
              strstr (error, "k1") != NULL,
      "'%s'", error);
  EXPECT (detector_new (&c, NULL) == NULL, "a detector with k1=0");
  detector_config_init (&c);
  c.min_speed = 100;
  c.max_speed = 50;
  EXPECT (detector_config_check (&c, error, sizeof (error)) != 0 &&
              strstr (error, "min-speed") != NULL,
      "'%s'", error);
  detector_config_init (&c);
  c.fps = 0;
  EXPECT (detector_config_check (&c, error, sizeof (error)) != 0 &&
              strstr (error, "framerate") != NULL,
      "'%s'", error);
}

/* The sky's noise the detector reports (for the limiting magnitude) is
 * the sky's, in frame pixels, binned or not. */
static void
test_sky_noise (void)
{
  static const double sigmas[] = { 2, 5 };
  SkyConfig sky;
  Run r;
  size_t i;
  int bin;

  for (i = 0; i < sizeof (sigmas) / sizeof (sigmas[0]); i++)
    for (bin = 1; bin <= 2; bin++) {
      quiet_sky (&sky, 7 + i);
      sky.noise = sigmas[i];
      run (&sky, "", 60, METEOR_FORMAT_GRAY8, METEOR_FORMAT_GRAY8, bin, NULL,
          &r);
      printf ("  noise %.1f, bin %d: %.2f\n", sigmas[i], bin, r.sky_noise);
      EXPECT (fabs (r.sky_noise - sigmas[i]) < 0.25 * sigmas[i],
          "noise %.1f, bin %d: the detector says %.2f", sigmas[i], bin,
          r.sky_noise);
    }
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "finds_a_meteor", test_finds_a_meteor },
    { "layouts_agree", test_layouts_agree },
    { "gray16", test_gray16 },
    { "rejects_distractors", test_rejects_distractors },
    { "flash_is_reported", test_flash_is_reported },
    { "meteor_through_headlights", test_meteor_through_headlights },
    { "brief_meteor", test_brief_meteor },
    { "mask_hides", test_mask_hides },
    { "satellite_pieces", test_satellite_pieces },
    { "slow_meteor", test_slow_meteor },
    { "speed_on_sky", test_speed_on_sky },
    { "flat_sky_flicker", test_flat_sky_flicker },
    { "flaring_fireball", test_flaring_fireball },
    { "partial_streaks", test_partial_streaks },
    { "slow_meteor_jitter", test_slow_meteor_jitter },
    { "odd_end_trimmed", test_odd_end_trimmed },
    { "config_errors", test_config_errors },
    { "sky_noise", test_sky_noise },
  };

  printf ("kernels: %s\n", meteor_kernels_get ()->name);
  return minitest_run (tests, sizeof (tests) / sizeof (tests[0]));
}
