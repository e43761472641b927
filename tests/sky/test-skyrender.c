/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tests of the sky renderer core, without GStreamer.
 * Prints one line per test and a final "N passed, N failed". */
#include "skyrender.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minitest.h"

typedef struct {
  int w, h;
  MeteorFormat format;
  uint8_t *data;
  size_t size;
  SkyImage img;
} Frame;

static void
frame_init (Frame *f, int w, int h, MeteorFormat format)
{
  int bpp = (int)meteor_format_info (format)->pixel_bytes;
  /* odd stride: the renderer must honour it */
  int stride = w * bpp + 7;
  int cw = (w + 1) / 2, ch = (h + 1) / 2;

  memset (f, 0, sizeof (*f));
  f->w = w;
  f->h = h;
  f->format = format;
  f->size = (size_t)stride * h + (size_t)(2 * cw + 5) * ch * 2;
  f->data = calloc (1, f->size);
  f->img.format = format;
  f->img.planes[0] = f->data;
  f->img.strides[0] = stride;
  if (format == METEOR_FORMAT_I420) {
    f->img.planes[1] = f->data + (size_t)stride * h;
    f->img.strides[1] = cw + 3;
    f->img.planes[2] = f->img.planes[1] + (size_t)(cw + 3) * ch;
    f->img.strides[2] = cw + 3;
  } else if (format == METEOR_FORMAT_NV12) {
    f->img.planes[1] = f->data + (size_t)stride * h;
    f->img.strides[1] = 2 * cw + 5;
  }
}

/* the value of pixel (x, y) in DN (8-bit scale) */
static double
frame_value (const Frame *f, int x, int y)
{
  const uint8_t *row = f->img.planes[0] + (size_t)y * f->img.strides[0];

  switch (f->format) {
    case METEOR_FORMAT_GRAY16_LE:
      return (row[2 * x] | row[2 * x + 1] << 8) / 256.0;
    case METEOR_FORMAT_YUY2:
      return row[2 * x];
    case METEOR_FORMAT_RGB:
    case METEOR_FORMAT_BGR:
      return row[3 * x + 1];
    case METEOR_FORMAT_RGBx:
    case METEOR_FORMAT_BGRx:
      return row[4 * x + 1];
    default:
      return row[x];
  }
}

static void
empty_sky (SkyConfig *c, int w, int h)
{
  sky_config_init (c);
  c->width = w;
  c->height = h;
  c->star_density = 0;
  c->hot_pixels = 0;
  c->vignetting = 0;
  c->twinkle = 0;
  c->meteor_rate = c->fireball_rate = c->plane_rate = 0;
  c->satellite_rate = c->flash_rate = 0;
}

/* ------------------------------------------------------------ tests */

static void
test_same_seed_same_frames (void)
{
  SkyConfig c;
  SkyModel *a, *b, *other;
  Frame fa, fb, fo;
  int frame, differs = 0;

  sky_config_init (&c);
  c.width = 160;
  c.height = 120;
  c.meteor_rate = 3600;
  c.plane_rate = 600;
  c.flash_rate = 100;
  c.cloud_cover = 0.3;
  a = sky_model_new (&c);
  b = sky_model_new (&c);
  c.seed = 2;
  other = sky_model_new (&c);
  frame_init (&fa, 160, 120, METEOR_FORMAT_GRAY8);
  frame_init (&fb, 160, 120, METEOR_FORMAT_GRAY8);
  frame_init (&fo, 160, 120, METEOR_FORMAT_GRAY8);
  for (frame = 0; frame < 60; frame++) {
    sky_model_render (a, frame, &fa.img);
    sky_model_render (b, frame, &fb.img);
    sky_model_render (other, frame, &fo.img);
    EXPECT (memcmp (fa.data, fb.data, fa.size) == 0, "frame %d differs", frame);
    differs += memcmp (fa.data, fo.data, fa.size) != 0;
  }
  EXPECT (
      differs == 60, "another seed gave %d of 60 different frames", differs);
  sky_model_free (a);
  sky_model_free (b);
  sky_model_free (other);
  free (fa.data);
  free (fb.data);
  free (fo.data);
}

static void
measure_noise (double level, double noise, MeteorFormat format)
{
  const int w = 96, h = 64, n = 64;
  SkyConfig c;
  SkyModel *m;
  Frame f;
  double *sum = calloc ((size_t)w * h, sizeof (double));
  double *sum2 = calloc ((size_t)w * h, sizeof (double));
  double mean = 0, sigma = 0;
  int frame, i;

  empty_sky (&c, w, h);
  c.sky_level = level;
  c.noise = noise;
  m = sky_model_new (&c);
  frame_init (&f, w, h, format);
  for (frame = 0; frame < n; frame++) {
    sky_model_render (m, frame, &f.img);
    for (i = 0; i < w * h; i++) {
      double v = frame_value (&f, i % w, i / w);
      sum[i] += v;
      sum2[i] += v * v;
    }
  }
  /* per-pixel temporal mean and sigma, averaged over the frame */
  for (i = 0; i < w * h; i++) {
    double mu = sum[i] / n;
    mean += mu;
    sigma += sqrt ((sum2[i] / n - mu * mu) * n / (n - 1));
  }
  mean /= w * h;
  sigma /= w * h;
  EXPECT (fabs (mean - level) < 0.02 * level, "mean %.3f, configured %.3f",
      mean, level);
  /* sigma of n samples is biased low by ~1/(4n); quantization adds 1/12 */
  EXPECT (fabs (sigma - noise) < 0.04 * noise, "sigma %.3f, configured %.3f",
      sigma, noise);
  printf ("  level %.1f noise %.1f (%s): measured mean %.3f sigma %.3f\n",
      level, noise, format == METEOR_FORMAT_GRAY16_LE ? "16-bit" : "8-bit",
      mean, sigma);
  sky_model_free (m);
  free (f.data);
  free (sum);
  free (sum2);
}

static void
test_noise_statistics (void)
{
  measure_noise (20, 2, METEOR_FORMAT_GRAY8);
  measure_noise (40, 5, METEOR_FORMAT_GRAY8);
  measure_noise (20, 2, METEOR_FORMAT_GRAY16_LE);
  measure_noise (10, 0.5, METEOR_FORMAT_GRAY16_LE);
}

static void
test_16bit_same_physics (void)
{
  SkyConfig c;
  SkyModel *m8, *m16;
  Frame f8, f16;
  double s8 = 0, s16 = 0;
  int frame, x, y, bright = 0;

  sky_config_init (&c);
  c.width = 128;
  c.height = 96;
  c.star_density = 80;
  m8 = sky_model_new (&c);
  m16 = sky_model_new (&c);
  frame_init (&f8, 128, 96, METEOR_FORMAT_GRAY8);
  frame_init (&f16, 128, 96, METEOR_FORMAT_GRAY16_LE);
  for (frame = 0; frame < 5; frame++) {
    sky_model_render (m8, frame, &f8.img);
    sky_model_render (m16, frame, &f16.img);
  }
  for (y = 0; y < 96; y++)
    for (x = 0; x < 128; x++) {
      double a = frame_value (&f8, x, y), b = frame_value (&f16, x, y);
      s8 += a;
      s16 += b;
      /* the same star field: one rounding step apart below saturation */
      if (a < 250)
        bright += fabs (a - b) > 0.51;
    }
  EXPECT (fabs (s16 / s8 - 1) < 0.01, "16-bit mean %.3f vs 8-bit %.3f",
      s16 / (128 * 96), s8 / (128 * 96));
  EXPECT (bright == 0, "%d pixels differ beyond quantization", bright);
  sky_model_free (m8);
  sky_model_free (m16);
  free (f8.data);
  free (f16.data);
}

static double
dist_to_line (double px, double py, const SkyTruth *t)
{
  double dx = t->x1 - t->x0, dy = t->y1 - t->y0, len = hypot (dx, dy);

  return fabs ((px - t->x0) * dy - (py - t->y0) * dx) / len;
}

/* position of @p along the track, 0 at (x0,y0), 1 at (x1,y1) */
static double
along (double px, double py, const SkyTruth *t)
{
  double dx = t->x1 - t->x0, dy = t->y1 - t->y0;

  return ((px - t->x0) * dx + (py - t->y0) * dy) / (dx * dx + dy * dy);
}

static void
test_meteor_truth_matches_pixels (void)
{
  const int w = 320, h = 240, n = 60;
  SkyConfig c;
  SkyModel *m;
  SkyEvent ev;
  SkyTruth truth[8];
  Frame f[60];
  size_t n_truth;
  int frame, x, y;

  empty_sky (&c, w, h);
  c.noise = 1.0;
  m = sky_model_new (&c);
  sky_event_init (&ev, SKY_METEOR, 10);
  ev.x = 60;
  ev.y = 50;
  ev.angle = 30;
  ev.speed = 20; /* deg/s: 300 px/s at 4'/px */
  ev.duration = 0.6;
  ev.snr = 12;
  sky_model_add_event (m, &ev);
  for (frame = 0; frame < n; frame++) {
    frame_init (&f[frame], w, h, METEOR_FORMAT_GRAY8);
    sky_model_render (m, frame, &f[frame].img);
  }
  sky_model_finish (m);
  n_truth = sky_model_take_truth (m, truth, 8);
  EXPECT (n_truth == 1, "%zu truth objects", n_truth);
  if (n_truth != 1)
    goto out;
  EXPECT (truth[0].kind == SKY_METEOR, "kind %d", truth[0].kind);
  EXPECT (truth[0].first_frame >= 10 && truth[0].last_frame < 10 + 18,
      "span %llu-%llu", (unsigned long long)truth[0].first_frame,
      (unsigned long long)truth[0].last_frame);
  EXPECT (fabs (truth[0].snr - 12) < 1.2, "snr %.2f", truth[0].snr);
  /* it is first visible (above 1 sigma) a little way along its path, on
   * the line from where it was placed, in the direction given */
  EXPECT (dist_to_line (60, 50, &truth[0]) < 1.0 &&
              along (60, 50, &truth[0]) <= 0.0 && truth[0].x1 > truth[0].x0 &&
              truth[0].y1 > truth[0].y0,
      "track %.1f,%.1f-%.1f,%.1f", truth[0].x0, truth[0].y0, truth[0].x1,
      truth[0].y1);

  for (frame = 0; frame < n; frame++) {
    int in_span =
        frame >= (int)truth[0].first_frame && frame <= (int)truth[0].last_frame;
    double best = -1, bx = 0, by = 0, near_max = 0;

    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++) {
        double v = frame_value (&f[frame], x, y);
        double a = along (x, y, &truth[0]);

        if (v > best)
          best = v, bx = x, by = y;
        if (dist_to_line (x, y, &truth[0]) < 3 && a > -0.05 && a < 1.05 &&
            v > near_max)
          near_max = v;
      }
    if (in_span && best >= 20 + 6) {
      /* the brightest pixel of a frame in the span is on the track */
      EXPECT (dist_to_line (bx, by, &truth[0]) < 2.0,
          "frame %d: brightest pixel %.0f,%.0f is %.1f px off the track", frame,
          bx, by, dist_to_line (bx, by, &truth[0]));
      EXPECT (
          along (bx, by, &truth[0]) > -0.05 && along (bx, by, &truth[0]) < 1.05,
          "frame %d: brightest pixel beyond the track's ends", frame);
    }
    if (!in_span)
      /* nothing bright on the track outside the span (noise is 1 DN) */
      EXPECT (near_max < 20 + 5.5, "frame %d: %.0f DN on the track", frame,
          near_max);
  }
out:
  for (frame = 0; frame < n; frame++)
    free (f[frame].data);
  sky_model_free (m);
}

static void
test_rates_and_kinds (void)
{
  SkyConfig c;
  SkyModel *m;
  Frame f;
  SkyTruth t[512];
  size_t n, i;
  int counts[SKY_N_KINDS] = { 0 };
  int frame;

  sky_config_init (&c);
  c.width = 160;
  c.height = 120;
  c.fps = 10;
  c.meteor_rate = 360; /* 2 s of video per 0.2 expected meteors ... */
  c.plane_rate = 60;
  c.satellite_rate = 60;
  c.flash_rate = 60;
  c.cloud_cover = 0.5;
  m = sky_model_new (&c);
  frame_init (&f, 160, 120, METEOR_FORMAT_GRAY8);
  /* 10 simulated minutes at 10 fps */
  for (frame = 0; frame < 6000; frame++)
    sky_model_render (m, frame, &f.img);
  sky_model_finish (m);
  n = sky_model_take_truth (m, t, 512);
  for (i = 0; i < n; i++)
    counts[t[i].kind]++;
  /* Poisson with mean 60 meteors, 10 of each distractor: wide bounds */
  EXPECT (counts[SKY_METEOR] >= 35 && counts[SKY_METEOR] <= 85,
      "%d meteors in 10 min at 360/h", counts[SKY_METEOR]);
  EXPECT (counts[SKY_PLANE] >= 2 && counts[SKY_PLANE] <= 20, "%d planes",
      counts[SKY_PLANE]);
  EXPECT (counts[SKY_SATELLITE] >= 2 && counts[SKY_SATELLITE] <= 20,
      "%d satellites", counts[SKY_SATELLITE]);
  EXPECT (counts[SKY_FLASH] >= 2 && counts[SKY_FLASH] <= 20, "%d flashes",
      counts[SKY_FLASH]);
  EXPECT (counts[SKY_CLOUD] == 1, "%d cloud objects", counts[SKY_CLOUD]);
  EXPECT (counts[SKY_HOT_PIXEL] == c.hot_pixels, "%d hot pixels",
      counts[SKY_HOT_PIXEL]);
  for (i = 0; i < n; i++) {
    EXPECT (t[i].first_frame <= t[i].last_frame && t[i].last_frame < 6000,
        "object %u span", t[i].id);
    EXPECT (t[i].snr > 0 && isfinite (t[i].snr), "object %u snr %g", t[i].id,
        t[i].snr);
  }
  printf ("  10 min: %d meteors, %d planes, %d satellites, %d flashes\n",
      counts[SKY_METEOR], counts[SKY_PLANE], counts[SKY_SATELLITE],
      counts[SKY_FLASH]);
  sky_model_free (m);
  free (f.data);
}

static void
test_formats (void)
{
  static const MeteorFormat formats[] = { METEOR_FORMAT_GRAY8,
    METEOR_FORMAT_GRAY16_LE, METEOR_FORMAT_I420, METEOR_FORMAT_NV12,
    METEOR_FORMAT_YUY2, METEOR_FORMAT_RGB, METEOR_FORMAT_BGR,
    METEOR_FORMAT_RGBx, METEOR_FORMAT_BGRx };
  SkyConfig c;
  size_t k;
  int x, y;

  sky_config_init (&c);
  c.width = 37; /* odd sizes: chroma planes round up */
  c.height = 21;
  for (k = 0; k < sizeof (formats) / sizeof (formats[0]); k++) {
    SkyModel *m = sky_model_new (&c);
    Frame f;
    int bad = 0;

    frame_init (&f, 37, 21, formats[k]);
    sky_model_render (m, 0, &f.img);
    for (y = 0; y < 21; y++) {
      const uint8_t *row = f.img.planes[0] + (size_t)y * f.img.strides[0];
      for (x = 0; x < 37; x++) {
        if (formats[k] == METEOR_FORMAT_RGB || formats[k] == METEOR_FORMAT_BGR)
          bad += row[3 * x] != row[3 * x + 1] || row[3 * x + 2] != row[3 * x];
        if (formats[k] == METEOR_FORMAT_RGBx ||
            formats[k] == METEOR_FORMAT_BGRx)
          bad += row[4 * x] != row[4 * x + 2] || row[4 * x + 3] != 0xff;
        if (formats[k] == METEOR_FORMAT_YUY2) /* neutral chroma */
          bad += row[2 * x + 1] != 128;
      }
      /* stride padding is never written */
      bad += row[f.img.strides[0] - 1] != 0;
    }
    if (formats[k] == METEOR_FORMAT_I420)
      for (y = 0; y < 11; y++)
        for (x = 0; x < 19; x++)
          bad += f.img.planes[1][y * f.img.strides[1] + x] != 128 ||
                 f.img.planes[2][y * f.img.strides[2] + x] != 128;
    if (formats[k] == METEOR_FORMAT_NV12)
      for (y = 0; y < 11; y++)
        for (x = 0; x < 38; x++)
          bad += f.img.planes[1][y * f.img.strides[1] + x] != 128;
    EXPECT (bad == 0, "format %d: %d wrong bytes", (int)formats[k], bad);
    sky_model_free (m);
    free (f.data);
  }
}

static void
test_config_and_schedule_errors (void)
{
  SkyConfig c;
  SkyEvent *ev = NULL;
  char error[256];
  int n;

  sky_config_init (&c);
  EXPECT (sky_config_check (&c, error, sizeof (error)) == 0, "%s", error);
  c.meteor_rate = -1;
  EXPECT (sky_config_check (&c, error, sizeof (error)) != 0 &&
              strstr (error, "meteor-rate") != NULL,
      "error '%s'", error);
  EXPECT (sky_model_new (&c) == NULL, "model from a bad config");
  sky_config_init (&c);
  c.width = c.height = 4;
  EXPECT (sky_config_check (&c, error, sizeof (error)) != 0 &&
              strstr (error, "4x4") != NULL,
      "error '%s'", error);
  sky_config_init (&c);
  c.cloud_cover = 1.5;
  EXPECT (sky_config_check (&c, error, sizeof (error)) != 0 &&
              strstr (error, "cloud-cover") != NULL,
      "error '%s'", error);

  n = sky_parse_schedule ("meteor@30,snr=8,speed=20; plane@0;fireball@5,x=3",
      &ev, error, sizeof (error));
  EXPECT (n == 3, "parsed %d (%s)", n, n < 0 ? error : "");
  if (n == 3) {
    EXPECT (ev[0].kind == SKY_METEOR && ev[0].frame == 30 && ev[0].snr == 8 &&
                ev[0].speed == 20 && isnan (ev[0].x),
        "first event wrong");
    EXPECT (ev[1].kind == SKY_PLANE && ev[1].frame == 0, "second wrong");
    EXPECT (ev[2].kind == SKY_FIREBALL && ev[2].x == 3, "third wrong");
  }
  free (ev);
  EXPECT (sky_parse_schedule ("comet@5", &ev, error, sizeof (error)) < 0 &&
              strstr (error, "comet") != NULL,
      "error '%s'", error);
  EXPECT (sky_parse_schedule ("meteor@x", &ev, error, sizeof (error)) < 0,
      "a bad frame parsed");
  EXPECT (
      sky_parse_schedule ("meteor@3,snr=abc", &ev, error, sizeof (error)) < 0 &&
          strstr (error, "snr") != NULL,
      "error '%s'", error);
  EXPECT (sky_parse_schedule (
              "meteor@3,colour=red", &ev, error, sizeof (error)) < 0 &&
              strstr (error, "colour") != NULL,
      "error '%s'", error);
  EXPECT (sky_parse_schedule ("", &ev, error, sizeof (error)) == 0,
      "empty schedule");
}

static void
test_truth_json (void)
{
  SkyTruth t = { SKY_FIREBALL, 7, 100, 160, 1.5, 2.25, 300, 400, 255.5, 127.75,
    88 };
  SkyTruth u = { SKY_METEOR, 3, 22, 43, 172.5678, 0.004, -1.006, 240.749, 80,
    40, 375 };
  SkyConfig c;
  char *json = sky_truth_to_json (&t), *p;

  EXPECT (strcmp (json, "{\"kind\":\"fireball\",\"id\":7,\"first-frame\":100,"
                        "\"last-frame\":160,\"x0\":1.5,\"y0\":2.25,"
                        "\"x1\":300.0,\"y1\":400.0,\"peak\":255.5,"
                        "\"snr\":127.75,\"speed-px-s\":88.0}") == 0,
      "json %s", json);
  g_free (json);

  /* to the hundredth */
  json = sky_truth_to_json (&u);
  p = strstr (json, "\"x0\":");
  EXPECT (p && g_ascii_strtod (p + 5, NULL) == 172.57, "json %s", json);
  p = strstr (json, "\"y0\":");
  EXPECT (p && g_ascii_strtod (p + 5, NULL) == 0.0, "json %s", json);
  p = strstr (json, "\"x1\":");
  EXPECT (p && g_ascii_strtod (p + 5, NULL) == -1.01, "json %s", json);
  p = strstr (json, "\"y1\":");
  EXPECT (p && g_ascii_strtod (p + 5, NULL) == 240.75, "json %s", json);
  g_free (json);

  sky_config_init (&c);
  c.seed = 42;
  c.fps = 12.5;
  json = sky_config_to_json (&c);
  EXPECT (g_str_has_prefix (json, "{\"kind\":\"sky\",\"seed\":42,") &&
              strstr (json, ",\"fps\":12.5,") != NULL,
      "json %s", json);
  g_free (json);
  json = sky_end_to_json (90);
  EXPECT (
      strcmp (json, "{\"kind\":\"end\",\"frames\":90}") == 0, "json %s", json);
  g_free (json);
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "same_seed_same_frames", test_same_seed_same_frames },
    { "noise_statistics", test_noise_statistics },
    { "16bit_same_physics", test_16bit_same_physics },
    { "meteor_truth_matches_pixels", test_meteor_truth_matches_pixels },
    { "rates_and_kinds", test_rates_and_kinds },
    { "formats", test_formats },
    { "config_and_schedule_errors", test_config_and_schedule_errors },
    { "truth_json", test_truth_json },
  };

  return minitest_run (tests, sizeof (tests) / sizeof (tests[0]));
}
