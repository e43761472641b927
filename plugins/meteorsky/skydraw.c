/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: synthetic sky: drawing a frame (pure C) */
#include "skyrender-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- drawing */

double
sky_path (double speed, double decel, double life_s, double t)
{
  if (decel > 0 && life_s > 0)
    return speed * (t - decel * t * t / (2 * life_s));
  return speed * t;
}

double
sky_meteor_light (double u)
{
  /* u^2 (1-u), rising to its peak at 2/3 of the life, fading fast */
  return u <= 0 || u >= 1 ? 0 : u * u * (1 - u) / (4.0 / 27.0);
}

double
sky_meteor_light_peak (uint64_t frames)
{
  double best = 0;
  uint64_t k;

  for (k = 0; k < frames; k++)
    best = fmax (best, sky_meteor_light ((k + 0.5) / frames));
  return best;
}

void
sky_meteor_frame (const SkyMeteor *m, uint64_t k, double *xa, double *ya,
    double *xb, double *yb, double *amp)
{
  double life_s = m->frames / m->fps, t0 = k / m->fps, t1 = t0 + 1 / m->fps;
  double sa = sky_path (m->speed, m->decel, life_s, t0);
  double sb = sky_path (m->speed, m->decel, life_s, t1);

  *xa = m->x + m->dx * sa, *ya = m->y + m->dy * sa;
  *xb = m->x + m->dx * sb, *yb = m->y + m->dy * sb;
  *amp = m->amp * sky_meteor_light ((k + 0.5) / m->frames);
}

/* distance travelled after t seconds */
static double
object_path (const SkyModel *m, const SkyObject *o, double t)
{
  double life_s = (o->end_frame - o->start_frame + 1) / m->config.fps;

  return sky_path (o->speed, o->decel, life_s, t);
}

/* Light curve of @o at @u (fraction of its life): 1 is the amplitude its
 * SNR asks for (a plane's strobe goes above it). */
double
sky_light_curve (const SkyModel *m, const SkyObject *o, double u, double t)
{
  switch (o->kind) {
    case SKY_METEOR:
    case SKY_FIREBALL:
      return sky_meteor_light (u);
    case SKY_PLANE: {
      /* steady navigation light, and a strobe four times as bright for
       * ~60 ms every period */
      double ph = fmod (t + o->phase, o->period);

      return ph < 0.06 ? 4.0 : 1.0;
    }
    case SKY_SATELLITE:
      return 1.0;
    default:
      return 0.0;
  }
}

float *
sky_scratch (SkyModel *m, size_t n)
{
  m->scratch = meteor_grow (m->scratch, &m->scratch_cap, n, sizeof (float));
  memset (m->scratch, 0, n * sizeof (float));
  return m->scratch;
}

int
sky_stamp_streak (SkyStamp *s, int width, int height, double xa, double ya,
    double xb, double yb, double sigma)
{
  int r = (int)ceil (3.5 * sigma);
  int x0 = (int)floor (fmin (xa, xb)) - r, x1 = (int)ceil (fmax (xa, xb)) + r;
  int y0 = (int)floor (fmin (ya, yb)) - r, y1 = (int)ceil (fmax (ya, yb)) + r;
  double len = hypot (xb - xa, yb - ya);
  int n_samples = (int)ceil (len / 0.5) + 1, i, x, y;
  double inv2s2 = 1.0 / (2 * sigma * sigma);
  size_t n;

  s->peak = 0;
  if (x1 < 0 || y1 < 0 || x0 >= width || y0 >= height)
    return 0;
  s->x0 = x0 = x0 < 0 ? 0 : x0;
  s->y0 = y0 = y0 < 0 ? 0 : y0;
  x1 = x1 >= width ? width - 1 : x1;
  y1 = y1 >= height ? height - 1 : y1;
  s->w = x1 - x0 + 1;
  s->h = y1 - y0 + 1;
  n = (size_t)s->w * s->h;
  s->pix = meteor_grow (s->pix, &s->cap, n, sizeof (float));
  memset (s->pix, 0, n * sizeof (float));

  for (i = 0; i < n_samples; i++) {
    double f = n_samples > 1 ? (double)i / (n_samples - 1) : 0.5;
    double sx = xa + f * (xb - xa), sy = ya + f * (yb - ya);
    int ax = (int)floor (sx) - r, bx = (int)ceil (sx) + r;
    int ay = (int)floor (sy) - r, by = (int)ceil (sy) + r;

    for (y = ay < y0 ? y0 : ay; y <= (by > y1 ? y1 : by); y++)
      for (x = ax < x0 ? x0 : ax; x <= (bx > x1 ? x1 : bx); x++) {
        double d2 = (x - sx) * (x - sx) + (y - sy) * (y - sy);
        s->pix[(size_t)(y - y0) * s->w + (x - x0)] += (float)exp (-d2 * inv2s2);
      }
  }
  for (i = 0; i < (int)n; i++)
    s->peak = s->pix[i] > s->peak ? s->pix[i] : s->peak;
  return s->peak > 0;
}

void
sky_stamp_clear (SkyStamp *s)
{
  free (s->pix);
  memset (s, 0, sizeof (*s));
}

/* Adds a gaussian line from (xa,ya) to (xb,yb) with peak @amp into the
 * signal; returns the peak it reached in the frame (0 when off-frame). */
static double
draw_streak (SkyModel *m, double xa, double ya, double xb, double yb,
    double sigma, double amp)
{
  SkyStamp *s = &m->stamp;
  double peak = 0, scale;
  int x, y;

  if (amp <= 0 || !sky_stamp_streak (s, m->w, m->h, xa, ya, xb, yb, sigma))
    return 0;
  /* the brightest pixel is exactly @amp before the optics and the clouds
   * dim it; what is returned is the brightest as the camera records it */
  scale = amp / s->peak;
  for (y = 0; y < s->h; y++)
    for (x = 0; x < s->w; x++) {
      size_t i_sig = (size_t)(y + s->y0) * m->w + (x + s->x0);
      double v = s->pix[(size_t)y * s->w + x] * scale;
      double seen = v * m->vig[i_sig];

      m->signal[i_sig] += (float)v;
      if (m->config.cloud_cover > 0)
        seen *= sky_cloud_at (m, x + s->x0, y + s->y0);
      peak = seen > peak ? seen : peak;
    }
  return peak;
}

static void
clip_to_frame (const SkyModel *m, double *x, double *y)
{
  *x = fmin (fmax (*x, 0.0), m->w - 1.0);
  *y = fmin (fmax (*y, 0.0), m->h - 1.0);
}

static void
note_visible (SkyModel *m, SkyObject *o, uint64_t frame, double xa, double ya,
    double xb, double yb, double peak)
{
  clip_to_frame (m, &xa, &ya);
  clip_to_frame (m, &xb, &yb);
  if (!o->seen) {
    o->seen = 1;
    o->truth.first_frame = frame;
    o->truth.x0 = xa;
    o->truth.y0 = ya;
  }
  o->truth.last_frame = frame;
  o->truth.x1 = xb;
  o->truth.y1 = yb;
  if (peak > o->truth.peak)
    o->truth.peak = peak;
}

static int
inside (const SkyModel *m, double x, double y)
{
  return x >= 0 && y >= 0 && x <= m->w - 1 && y <= m->h - 1;
}

/* Flash gain over the background (0 = none) of @o at @t seconds in. */
static double
flash_gain (const SkyModel *m, const SkyObject *o, double t)
{
  double life = (o->end_frame - o->start_frame + 1) / m->config.fps;

  if (o->style == 0) {
    /* lightning: strokes at 0 and 40% of the life, fast decay */
    double a = exp (-t / 0.05) +
               (t > 0.4 * life ? 0.6 * exp (-(t - 0.4 * life) / 0.05) : 0);
    return a;
  }
  /* headlights sweeping: ramp up, hold, ramp down */
  return fmin (1.0, fmin (t / 0.5, (life - t) / 0.5));
}

static void
draw_objects (
    SkyModel *m, uint64_t frame, double *flash_add, double *flash_ramp)
{
  double fps = m->config.fps,
         noise = m->config.noise > 0 ? m->config.noise : 1.0;
  size_t i;

  *flash_add = 0;
  *flash_ramp = 0;
  for (i = 0; i < m->n_objects; i++) {
    SkyObject *o = &m->objects[i];
    double t0, t1, sa, sb, xa, ya, xb, yb, u, lc, amp, peak;

    if (frame < o->start_frame || frame > o->end_frame)
      continue;
    t0 = (frame - o->start_frame) / fps;
    t1 = t0 + 1.0 / fps;

    if (o->kind == SKY_FLASH) {
      double g = flash_gain (m, o, t0 + 0.5 / fps) * o->amp;

      if (o->style == 1)
        *flash_ramp += g;
      else
        *flash_add += g;
      if (g >= VISIBLE_SIGMA * noise)
        note_visible (m, o, frame, 0, 0, m->w - 1, m->h - 1, g);
      continue;
    }

    /* moving light: the segment it covers during this exposure */
    sa = object_path (m, o, t0);
    sb = object_path (m, o, t1);
    xa = o->x + o->dx * sa, ya = o->y + o->dy * sa;
    xb = o->x + o->dx * sb, yb = o->y + o->dy * sb;
    u = (frame - o->start_frame + 0.5) / (o->end_frame - o->start_frame + 1);
    lc = sky_light_curve (m, o, u, t0);
    amp = o->amp * lc;
    if (!inside (m, (xa + xb) / 2, (ya + yb) / 2))
      continue;
    /* through a fogged lens: dimmer, wider and as much fainter */
    if (m->config.blur > 0 || m->config.transparency < 1) {
      double width = hypot (o->width, m->config.blur);

      amp *= m->config.transparency * o->width / width;
      peak = draw_streak (m, xa, ya, xb, yb, width, amp);
    } else {
      peak = draw_streak (m, xa, ya, xb, yb, o->width, amp);
    }
    if (peak >= VISIBLE_SIGMA * noise)
      note_visible (m, o, frame, xa, ya, xb, yb, peak);
  }
}

static void
draw_stars (SkyModel *m, uint64_t frame)
{
  const SkyConfig *c = &m->config;
  double t = frame / c->fps, wrap_w = m->w + 16.0, wrap_h = m->h + 16.0;
  /* a blurred lens spreads a star's light: wider, and as much dimmer */
  double psf = hypot (STAR_PSF_SIGMA, c->blur);
  double gain =
      c->transparency * (STAR_PSF_SIGMA / psf) * (STAR_PSF_SIGMA / psf);
  double inv2s2 = 1.0 / (2 * psf * psf);
  int radius = c->blur > 0 ? (int)fmin (ceil (3.5 * psf), STAR_STAMP_MAX)
                           : STAR_STAMP_RADIUS;
  size_t i;

  for (i = 0; i < m->n_stars; i++) {
    const Star *s = &m->stars[i];
    double x = fmod (s->x + 8 + m->star_vx * t, wrap_w);
    double y = fmod (s->y + 8 + m->star_vy * t, wrap_h);
    double gx[2 * STAR_STAMP_MAX + 1], gy[2 * STAR_STAMP_MAX + 1];
    double tw = 1.0;
    int cx, cy, k, j;

    x = (x < 0 ? x + wrap_w : x) - 8;
    y = (y < 0 ? y + wrap_h : y) - 8;
    cx = (int)floor (x + 0.5);
    cy = (int)floor (y + 0.5);
    if (cx < -radius || cy < -radius || cx >= m->w + radius ||
        cy >= m->h + radius)
      continue;
    if (c->twinkle > 0) {
      uint64_t h = hash3 (c->seed, frame, i);

      tw = 1.0 + c->twinkle * m->gauss[h & (GAUSS_TABLE_SIZE - 1)];
      tw = tw < 0 ? 0 : tw;
    }
    for (k = -radius; k <= radius; k++) {
      gx[k + radius] = exp (-(cx + k - x) * (cx + k - x) * inv2s2);
      gy[k + radius] = exp (-(cy + k - y) * (cy + k - y) * inv2s2);
    }
    for (j = -radius; j <= radius; j++) {
      int py = cy + j;

      if (py < 0 || py >= m->h)
        continue;
      for (k = -radius; k <= radius; k++) {
        int px = cx + k;

        if (px < 0 || px >= m->w)
          continue;
        m->signal[(size_t)py * m->w + px] +=
            (float)(s->amp * tw * gx[k + radius] * gy[j + radius] * gain);
      }
    }
  }
}

/* smooth value noise in [0,1] on integer lattice coordinates */
static double
lattice (uint64_t seed, int64_t x, int64_t y)
{
  return (hash3 (seed, (uint64_t)x, (uint64_t)y) >> 11) *
         (1.0 / 9007199254740992.0);
}

static double
value_noise (uint64_t seed, double x, double y)
{
  double fx = floor (x), fy = floor (y), tx = x - fx, ty = y - fy;
  int64_t ix = (int64_t)fx, iy = (int64_t)fy;
  double a = lattice (seed, ix, iy), b = lattice (seed, ix + 1, iy);
  double c = lattice (seed, ix, iy + 1), d = lattice (seed, ix + 1, iy + 1);

  tx = tx * tx * (3 - 2 * tx);
  ty = ty * ty * (3 - 2 * ty);
  return (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
}

/* Cloud transmission on the coarse grid: 1 clear, toward 0 under cloud. */
static void
update_clouds (SkyModel *m, uint64_t frame)
{
  double t = frame / m->config.fps, cover = m->config.cloud_cover;
  double lo = 1.0 - cover - 0.08, hi = 1.0 - cover + 0.08;
  int gx, gy;

  for (gy = 0; gy < m->cloud_h; gy++)
    for (gx = 0; gx < m->cloud_w; gx++) {
      double px = gx * CLOUD_CELL - m->wind_x * t;
      double py = gy * CLOUD_CELL - m->wind_y * t;
      double n = 0.65 * value_noise (m->config.seed, px / 160.0, py / 160.0) +
                 0.35 * value_noise (m->config.seed + 1, px / 50.0, py / 50.0);
      double s = (n - lo) / (hi - lo);

      s = s < 0 ? 0 : s > 1 ? 1 : s;
      /* dense cloud lets 5% through */
      m->cloud[gy * m->cloud_w + gx] =
          (float)(1.0 - 0.95 * s * s * (3 - 2 * s));
    }
}

double
sky_cloud_at (const SkyModel *m, int x, int y)
{
  double fx = (double)x / CLOUD_CELL, fy = (double)y / CLOUD_CELL;
  int ix = (int)fx, iy = (int)fy;
  double tx = fx - ix, ty = fy - iy;
  const float *r0 = m->cloud + iy * m->cloud_w + ix, *r1 = r0 + m->cloud_w;

  return (r0[0] + (r0[1] - r0[0]) * tx) * (1 - ty) +
         (r1[0] + (r1[1] - r1[0]) * tx) * ty;
}

void
sky_model_render (SkyModel *m, uint64_t frame, const SkyImage *img)
{
  const SkyConfig *c = &m->config;
  double t = frame / c->fps;
  double drift = 1.0 + SKY_DRIFT * sin (2 * M_PI * t / SKY_DRIFT_PERIOD_S);
  double flash_add, flash_ramp, cloud_glow;
  uint64_t rng = hash3 (c->seed, 0x40153, frame);
  float noise = (float)c->noise, *row;
  int x, y, clouds = c->cloud_cover > 0;
  size_t i;

  sky_spawn_due (m, frame);
  memset (m->signal, 0, (size_t)m->w * m->h * sizeof (float));
  draw_stars (m, frame);
  if (clouds)
    update_clouds (m, frame);
  draw_objects (m, frame, &flash_add, &flash_ramp);
  cloud_glow = 0.5 * c->sky_level;

  row = sky_scratch (m, (size_t)m->w);
  for (y = 0; y < m->h; y++) {
    const float *base = m->base + (size_t)y * m->w;
    const float *vig = m->vig + (size_t)y * m->w;
    float *sig = m->signal + (size_t)y * m->w;
    /* headlights light the frame from the bottom up */
    double ramp = flash_ramp * (0.3 + 0.7 * (double)y / (m->h - 1));
    uint64_t bits = 0;

    for (x = 0; x < m->w; x++) {
      double s = sig[x] * vig[x];
      double b = base[x] * drift + (flash_add + ramp) * vig[x];
      float sigma = noise;
      float g;

      if (clouds) {
        double tr = sky_cloud_at (m, x, y);

        s *= tr;
        b += (1.0 - tr) * cloud_glow * vig[x];
      }
      if (s > 0.5)
        sigma = sqrtf (noise * noise + (float)(SHOT_NOISE_DN_PER_DN * s));
      if ((x & 3) == 0)
        bits = splitmix64 (&rng);
      g = m->gauss[bits & (GAUSS_TABLE_SIZE - 1)];
      bits >>= GAUSS_TABLE_BITS;
      row[x] = (float)(b + s) + sigma * g;
    }
    sky_write_row (img, y, row, m->w);
  }
  /* hot pixels: sensor defects, fixed and unaffected by sky or cloud */
  for (i = 0; i < m->n_hot; i++) {
    const HotPixel *hp = &m->hot[i];
    float v = m->base[(size_t)hp->y * m->w + hp->x] + (float)hp->amp;

    sky_write_pixel (img, hp->x, hp->y, v);
  }
  sky_write_chroma (img, m->w, m->h);

  if (clouds) {
    double glow = cloud_glow;

    if (glow > m->cloud_peak)
      m->cloud_peak = glow;
  }
  m->last_frame = frame;
  m->rendered_any = 1;
  sky_retire_finished (m, frame, 0);
}
