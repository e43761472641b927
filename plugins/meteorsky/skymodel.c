/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: synthetic sky: settings, objects and their truth (pure C) */
#include "skyrender-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ names */

static const char *const kind_names[SKY_N_KINDS] = { "meteor", "fireball",
  "plane", "satellite", "cloud", "flash", "hot-pixel" };

const char *
sky_kind_name (SkyKind kind)
{
  return kind < SKY_N_KINDS ? kind_names[kind] : "unknown";
}

int
sky_kind_from_name (const char *name)
{
  int k;

  for (k = 0; k < SKY_N_KINDS; k++)
    if (strcmp (name, kind_names[k]) == 0)
      return k;
  return -1;
}

/* ----------------------------------------------------------- config */

void
sky_config_init (SkyConfig *c)
{
  memset (c, 0, sizeof (*c));
  c->seed = 1;
  c->width = 640;
  c->height = 480;
  c->fps = 30.0;
  c->plate_scale = 4.0;
  c->sky_level = 20.0;
  c->noise = 2.0;
  c->star_density = 30.0;
  c->twinkle = 0.15;
  c->vignetting = 0.3;
  c->hot_pixels = 10;
  c->meteor_rate = 20.0;
  c->fireball_rate = 0.5;
  c->plane_rate = 4.0;
  c->satellite_rate = 8.0;
  c->flash_rate = 0.5;
  c->cloud_cover = 0.0;
  c->transparency = 1.0;
  c->blur = 0.0;
}

int
sky_config_check (const SkyConfig *c, char *error, size_t error_len)
{
  const struct {
    const char *name;
    double value;
  } rates[] = {
    { "meteor-rate", c->meteor_rate },
    { "fireball-rate", c->fireball_rate },
    { "plane-rate", c->plane_rate },
    { "satellite-rate", c->satellite_rate },
    { "flash-rate", c->flash_rate },
  };
  size_t i;

  METEOR_CHECK (c->width >= 16 && c->height >= 16,
      "a %dx%d sky is too small: at least 16x16", c->width, c->height);
  METEOR_CHECK (c->width <= 16384 && c->height <= 16384 &&
                    (double)c->width * c->height <= 64.0 * 1024 * 1024,
      "a %dx%d sky is too large: at most 16384 on a side and 64 Mpixel",
      c->width, c->height);
  METEOR_CHECK (
      c->fps > 0 && c->fps <= 1000, "framerate %g is not in (0, 1000]", c->fps);
  for (i = 0; i < sizeof (rates) / sizeof (rates[0]); i++)
    METEOR_CHECK (rates[i].value >= 0 && rates[i].value <= 1e6,
        "%s=%g: a rate per hour must be in [0, 1e6]", rates[i].name,
        rates[i].value);
  METEOR_CHECK (c->plate_scale > 0 && c->plate_scale <= 600,
      "plate-scale=%g: arcmin per pixel must be in (0, 600]", c->plate_scale);
  METEOR_CHECK (c->sky_level >= 0 && c->sky_level <= 255,
      "sky-level=%g: must be in [0, 255] DN", c->sky_level);
  METEOR_CHECK (c->noise >= 0 && c->noise <= 100,
      "noise=%g: sigma must be in [0, 100] DN", c->noise);
  METEOR_CHECK (c->star_density >= 0 && c->star_density <= 1000,
      "star-density=%g: must be in [0, 1000] per 10,000 px", c->star_density);
  METEOR_CHECK (c->twinkle >= 0 && c->twinkle <= 1,
      "twinkle=%g: must be in [0, 1]", c->twinkle);
  METEOR_CHECK (c->vignetting >= 0 && c->vignetting <= 1,
      "vignetting=%g: must be in [0, 1]", c->vignetting);
  METEOR_CHECK (c->hot_pixels >= 0 && c->hot_pixels <= 100000,
      "hot-pixels=%d: must be in [0, 100000]", c->hot_pixels);
  METEOR_CHECK (c->cloud_cover >= 0 && c->cloud_cover <= 1,
      "cloud-cover=%g: must be in [0, 1]", c->cloud_cover);
  METEOR_CHECK (c->transparency >= 0 && c->transparency <= 1,
      "transparency=%g: must be in [0, 1]", c->transparency);
  METEOR_CHECK (
      c->blur >= 0 && c->blur <= 16, "blur=%g: must be in [0, 16] px", c->blur);
  return 0;
}

const SkyConfig *
sky_model_config (const SkyModel *m)
{
  return &m->config;
}

static double
rate_of (const SkyConfig *c, SkyKind kind)
{
  switch (kind) {
    case SKY_METEOR:
      return c->meteor_rate;
    case SKY_FIREBALL:
      return c->fireball_rate;
    case SKY_PLANE:
      return c->plane_rate;
    case SKY_SATELLITE:
      return c->satellite_rate;
    case SKY_FLASH:
      return c->flash_rate;
    default:
      return 0.0;
  }
}

/* time to the next event of a Poisson process, s */
static double
next_interval (uint64_t *rng, double rate_per_hour)
{
  return -log (1.0 - uniform (rng)) * 3600.0 / rate_per_hour;
}

static void
build_gauss_table (SkyModel *m)
{
  uint64_t s = m->config.seed ^ 0x5eed6a055ull;
  double sum = 0, sum2 = 0, mean, sd;
  size_t i;

  for (i = 0; i < GAUSS_TABLE_SIZE; i += 2) {
    double u1 = 1.0 - uniform (&s), u2 = uniform (&s);
    double r = sqrt (-2.0 * log (u1));

    m->gauss[i] = (float)(r * cos (2 * M_PI * u2));
    m->gauss[i + 1] = (float)(r * sin (2 * M_PI * u2));
  }
  /* exactly mean 0, sigma 1: the configured noise is what is measured */
  for (i = 0; i < GAUSS_TABLE_SIZE; i++) {
    sum += m->gauss[i];
    sum2 += (double)m->gauss[i] * m->gauss[i];
  }
  mean = sum / GAUSS_TABLE_SIZE;
  sd = sqrt (sum2 / GAUSS_TABLE_SIZE - mean * mean);
  for (i = 0; i < GAUSS_TABLE_SIZE; i++)
    m->gauss[i] = (float)((m->gauss[i] - mean) / sd);
}

static void
build_background (SkyModel *m)
{
  const SkyConfig *c = &m->config;
  double cx = (m->w - 1) / 2.0, cy = (m->h - 1) / 2.0;
  double r2max = cx * cx + cy * cy;
  int x, y;

  for (y = 0; y < m->h; y++) {
    double glow = 1.0 + HORIZON_GLOW * ((double)y / (m->h - 1) - 0.5);

    for (x = 0; x < m->w; x++) {
      double r2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / r2max;
      double v = 1.0 - c->vignetting * r2;

      m->vig[(size_t)y * m->w + x] = (float)v;
      m->base[(size_t)y * m->w + x] = (float)(c->sky_level * glow * v);
    }
  }
}

/* Stars down to where they are 1.5 sigma, with N(<m) ~ 10^(0.35 m). */
static void
build_stars (SkyModel *m)
{
  const SkyConfig *c = &m->config;
  uint64_t s = hash3 (c->seed, 0x57a25, 0);
  double margin = 8.0;
  double area = (m->w + 2 * margin) * (m->h + 2 * margin);
  double b = 0.35 * log (10.0), span = 8.0;
  double faint = 1.5 * (c->noise > 0 ? c->noise : 1.0);
  double angle = uniform_in (&s, 0, 2 * M_PI);
  double speed = 0.25 / c->plate_scale; /* 15"/s at the equator */
  size_t i;

  m->n_stars = (size_t)(c->star_density * area / 10000.0);
  m->stars = calloc (m->n_stars ? m->n_stars : 1, sizeof (Star));
  for (i = 0; i < m->n_stars; i++) {
    double u = uniform (&s);
    /* magnitude below the limit, from the truncated exponential */
    double dm = -log (1.0 - u * (1.0 - exp (-b * span))) / b;

    m->stars[i].x = uniform_in (&s, -margin, m->w + margin);
    m->stars[i].y = uniform_in (&s, -margin, m->h + margin);
    m->stars[i].amp = faint * pow (10.0, 0.4 * dm);
  }
  m->star_vx = speed * cos (angle);
  m->star_vy = speed * sin (angle);
}

static void
build_hot_pixels (SkyModel *m)
{
  uint64_t s = hash3 (m->config.seed, 0x407, 0);
  size_t i;

  m->n_hot = (size_t)m->config.hot_pixels;
  m->hot = calloc (m->n_hot ? m->n_hot : 1, sizeof (HotPixel));
  for (i = 0; i < m->n_hot; i++) {
    m->hot[i].x = (int)uniform_in (&s, 0, m->w);
    m->hot[i].y = (int)uniform_in (&s, 0, m->h);
    m->hot[i].amp = uniform_in (&s, 30, 150);
  }
}

SkyModel *
sky_model_new (const SkyConfig *config)
{
  char error[256];
  SkyModel *m;
  size_t n;
  int k;

  if (sky_config_check (config, error, sizeof (error)) != 0)
    return NULL;
  m = calloc (1, sizeof (SkyModel));
  if (m == NULL)
    return NULL;
  m->config = *config;
  m->w = config->width;
  m->h = config->height;
  n = (size_t)m->w * m->h;
  m->base = malloc (n * sizeof (float));
  m->vig = malloc (n * sizeof (float));
  m->signal = calloc (n, sizeof (float));
  m->cloud_w = m->w / CLOUD_CELL + 2;
  m->cloud_h = m->h / CLOUD_CELL + 2;
  m->cloud = malloc ((size_t)m->cloud_w * m->cloud_h * sizeof (float));
  if (!m->base || !m->vig || !m->signal || !m->cloud) {
    sky_model_free (m);
    return NULL;
  }
  build_gauss_table (m);
  build_background (m);
  build_stars (m);
  build_hot_pixels (m);
  {
    uint64_t s = hash3 (config->seed, 0xc10d, 0);
    double a = uniform_in (&s, 0, 2 * M_PI), v = uniform_in (&s, 3, 12);

    m->wind_x = v * cos (a);
    m->wind_y = v * sin (a);
  }
  for (k = 0; k < SKY_N_KINDS; k++) {
    m->rng[k] = hash3 (config->seed, 0xe7e47, (uint64_t)k);
    m->next_event_s[k] = rate_of (config, k) > 0
                             ? next_interval (&m->rng[k], rate_of (config, k))
                             : INFINITY;
  }
  m->next_id = 1;
  return m;
}

void
sky_model_free (SkyModel *m)
{
  if (m == NULL)
    return;
  free (m->base);
  free (m->vig);
  free (m->signal);
  free (m->cloud);
  free (m->stars);
  free (m->hot);
  free (m->pending);
  free (m->objects);
  free (m->done);
  free (m->scratch);
  sky_stamp_clear (&m->stamp);
  free (m);
}

void
sky_model_set_optics (SkyModel *m, double transparency, double blur)
{
  m->config.transparency = fmin (fmax (transparency, 0.0), 1.0);
  m->config.blur = fmin (fmax (blur, 0.0), 16.0);
}

void
sky_model_add_event (SkyModel *m, const SkyEvent *event)
{
  m->pending = meteor_grow (
      m->pending, &m->pending_cap, m->n_pending + 1, sizeof (SkyEvent));
  m->pending[m->n_pending++] = *event;
}

/* --------------------------------------------------- object spawning */

static double
pick (double given, double drawn)
{
  return isnan (given) ? drawn : given;
}

double
sky_deg_s_to_px_s (const SkyModel *m, double deg_s)
{
  return deg_s * 60.0 / m->config.plate_scale;
}

/* A start point on a random edge with a direction into the frame. */
static void
enter_from_edge (
    const SkyModel *m, uint64_t *rng, double *x, double *y, double *angle)
{
  int edge = (int)(uniform (rng) * 4);
  double spread = uniform_in (rng, -60, 60);

  switch (edge) {
    case 0:
      *x = 0, *y = uniform_in (rng, 0, m->h), *angle = 0 + spread;
      break;
    case 1:
      *x = m->w - 1, *y = uniform_in (rng, 0, m->h), *angle = 180 + spread;
      break;
    case 2:
      *x = uniform_in (rng, 0, m->w), *y = 0, *angle = 90 + spread;
      break;
    default:
      *x = uniform_in (rng, 0, m->w), *y = m->h - 1, *angle = 270 + spread;
      break;
  }
}

void
sky_meteor_pick (uint64_t *rng, double *speed_deg, double *duration,
    double *snr, double *decel)
{
  *speed_deg = uniform_in (rng, 2, 50);
  /* slow meteors last longer; 0.1-2 s */
  *duration = fmin (2.0,
      fmax (0.1, log_uniform_in (rng, 0.15, 1.2) * sqrt (20.0 / *speed_deg)));
  *snr = log_uniform_in (rng, 3, 30);
  *decel = uniform_in (rng, 0.05, 0.25);
}

static void
spawn (SkyModel *m, const SkyEvent *ev, uint64_t *rng)
{
  const SkyConfig *c = &m->config;
  double noise = c->noise > 0 ? c->noise : 1.0;
  double x, y, angle, speed_deg, duration, snr;
  SkyObject *o;

  m->objects = meteor_grow (
      m->objects, &m->objects_cap, m->n_objects + 1, sizeof (SkyObject));
  o = &m->objects[m->n_objects++];
  memset (o, 0, sizeof (*o));
  o->kind = ev->kind;
  o->id = m->next_id++;
  o->start_frame = ev->frame;
  o->width = STAR_PSF_SIGMA;

  x = uniform_in (rng, 0.05 * m->w, 0.95 * m->w);
  y = uniform_in (rng, 0.05 * m->h, 0.95 * m->h);
  angle = uniform_in (rng, 0, 360);
  switch (ev->kind) {
    case SKY_METEOR:
      sky_meteor_pick (rng, &speed_deg, &duration, &snr, &o->decel);
      break;
    case SKY_FIREBALL:
      speed_deg = uniform_in (rng, 5, 30);
      duration = uniform_in (rng, 1.0, 3.0);
      snr = uniform_in (rng, 300, 1500) / noise; /* saturates */
      o->decel = uniform_in (rng, 0.2, 0.5);
      o->width = 1.6;
      break;
    case SKY_PLANE:
      enter_from_edge (m, rng, &x, &y, &angle);
      speed_deg = uniform_in (rng, 0.3, 1.5);
      duration = uniform_in (rng, 40, 120);
      snr = uniform_in (rng, 4, 10);
      o->period = uniform_in (rng, 1.0, 1.5);
      o->phase = uniform_in (rng, 0, o->period);
      break;
    case SKY_SATELLITE:
      enter_from_edge (m, rng, &x, &y, &angle);
      speed_deg = uniform_in (rng, 0.5, 2.0);
      duration = uniform_in (rng, 10, 60);
      snr = uniform_in (rng, 3, 10);
      break;
    case SKY_FLASH:
      speed_deg = 0;
      o->style = uniform (rng) < 0.6 ? 0 : 1;
      if (!isnan (ev->style))
        o->style = ev->style > 0.5;
      duration = o->style == 0 ? uniform_in (rng, 0.15, 0.5)
                               : uniform_in (rng, 1.5, 3.5);
      /* amplitude as a multiple of the sky level */
      snr = uniform_in (rng, o->style == 0 ? 3 : 0.5, o->style == 0 ? 30 : 3) *
            fmax (c->sky_level, 10.0) / noise;
      break;
    default:
      speed_deg = 0, duration = 1, snr = 5;
      break;
  }
  speed_deg = pick (ev->speed, speed_deg);
  duration = pick (ev->duration, duration);
  snr = pick (ev->snr, snr);
  x = pick (ev->x, x);
  y = pick (ev->y, y);
  angle = pick (ev->angle, angle);
  if (ev->kind == SKY_METEOR || ev->kind == SKY_FIREBALL) {
    /* keep the whole track in view where the event leaves room: a meteor
     * that leaves the frame before its peak is not the one asked for */
    double len =
        sky_deg_s_to_px_s (m, speed_deg) * duration * (1 - o->decel / 2);
    int attempt;

    for (attempt = 0; attempt < 64; attempt++) {
      double ex = x + cos (angle * M_PI / 180.0) * len;
      double ey = y + sin (angle * M_PI / 180.0) * len;

      if (ex >= 0.02 * m->w && ex <= 0.98 * m->w && ey >= 0.02 * m->h &&
          ey <= 0.98 * m->h)
        break;
      /* too long for this field of view: shorten it, unless told */
      if (attempt % 8 == 7 && isnan (ev->duration) && duration > 0.1) {
        duration = fmax (0.1, duration * 0.7);
        len = sky_deg_s_to_px_s (m, speed_deg) * duration * (1 - o->decel / 2);
      }
      x = pick (ev->x, uniform_in (rng, 0.05 * m->w, 0.95 * m->w));
      y = pick (ev->y, uniform_in (rng, 0.05 * m->h, 0.95 * m->h));
      angle = pick (ev->angle, uniform_in (rng, 0, 360));
    }
  }
  angle *= M_PI / 180.0;

  o->x = x;
  o->y = y;
  o->dx = cos (angle);
  o->dy = sin (angle);
  o->speed = sky_deg_s_to_px_s (m, speed_deg);
  o->amp = snr * noise;
  o->end_frame =
      o->start_frame + (uint64_t)fmax (0.0, ceil (duration * c->fps) - 1);
  if (o->kind == SKY_METEOR || o->kind == SKY_FIREBALL) {
    /* the light curve is sampled once a frame: scale it so its brightest
     * sample, not its continuous peak, is the SNR asked for */
    double best = sky_meteor_light_peak (o->end_frame - o->start_frame + 1);

    if (best > 0)
      o->amp /= best;
  }
  o->truth.kind = o->kind;
  o->truth.id = o->id;
  o->truth.speed = o->speed;
}

void
sky_spawn_due (SkyModel *m, uint64_t frame)
{
  double t_end = (frame + 1) / m->config.fps;
  size_t i = 0;
  int k;

  /* hand-placed events */
  while (i < m->n_pending) {
    if (m->pending[i].frame <= frame) {
      uint64_t rng = hash3 (m->config.seed, 0x5c4ed, m->next_id);
      SkyEvent ev = m->pending[i];

      if (ev.frame < frame)
        ev.frame = frame;
      spawn (m, &ev, &rng);
      m->pending[i] = m->pending[--m->n_pending];
    } else {
      i++;
    }
  }
  /* random ones, in time order per kind */
  for (k = 0; k < SKY_N_KINDS; k++) {
    while (m->next_event_s[k] < t_end) {
      SkyEvent ev;
      uint64_t at = (uint64_t)(m->next_event_s[k] * m->config.fps);

      sky_event_init (&ev, k, at < frame ? frame : at);
      spawn (m, &ev, &m->rng[k]);
      m->next_event_s[k] += next_interval (&m->rng[k], rate_of (&m->config, k));
    }
  }
}

void
sky_retire_finished (SkyModel *m, uint64_t frame, int all)
{
  size_t i = 0;

  while (i < m->n_objects) {
    SkyObject *o = &m->objects[i];

    if (all || o->end_frame < frame) {
      if (o->seen) {
        o->truth.snr =
            o->truth.peak / (m->config.noise > 0 ? m->config.noise : 1.0);
        m->done = meteor_grow (
            m->done, &m->done_cap, m->n_done + 1, sizeof (SkyTruth));
        m->done[m->n_done++] = o->truth;
      }
      m->objects[i] = m->objects[--m->n_objects];
    } else {
      i++;
    }
  }
}

size_t
sky_model_take_truth (SkyModel *m, SkyTruth *out, size_t max)
{
  size_t n = m->n_done < max ? m->n_done : max;

  if (n == 0)
    return 0; /* nothing done yet: the list may not exist */
  memcpy (out, m->done, n * sizeof (SkyTruth));
  memmove (m->done, m->done + n, (m->n_done - n) * sizeof (SkyTruth));
  m->n_done -= n;
  return n;
}

static void
add_static_truth (SkyModel *m, SkyKind kind, double x0, double y0, double x1,
    double y1, double peak)
{
  SkyTruth t;

  memset (&t, 0, sizeof (t));
  t.kind = kind;
  t.id = m->next_id++;
  t.first_frame = 0;
  t.last_frame = m->last_frame;
  t.x0 = x0, t.y0 = y0, t.x1 = x1, t.y1 = y1;
  t.peak = peak;
  t.snr = peak / (m->config.noise > 0 ? m->config.noise : 1.0);
  m->done =
      meteor_grow (m->done, &m->done_cap, m->n_done + 1, sizeof (SkyTruth));
  m->done[m->n_done++] = t;
}

void
sky_model_finish (SkyModel *m)
{
  size_t i;

  if (m->finished || !m->rendered_any)
    return;
  m->finished = 1;
  sky_retire_finished (m, m->last_frame, 1);
  for (i = 0; i < m->n_hot; i++)
    add_static_truth (m, SKY_HOT_PIXEL, m->hot[i].x, m->hot[i].y, m->hot[i].x,
        m->hot[i].y, m->hot[i].amp);
  if (m->config.cloud_cover > 0)
    add_static_truth (m, SKY_CLOUD, 0, 0, m->w - 1, m->h - 1, m->cloud_peak);
}
