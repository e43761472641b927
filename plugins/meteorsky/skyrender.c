/* gst-meteor: synthetic night sky renderer (pure C, no GStreamer)
 *
 * Each frame is composed in float DN: a static background map (sky level,
 * horizon glow, vignetting) times a slow sky drift and any flash, plus the
 * signal of stars and moving objects (dimmed by clouds), plus noise whose
 * sigma grows with the signal (shot noise), plus hot pixels; then it is
 * quantized to the output format. Objects are rendered into a small
 * scratch box first, scaled so their brightest pixel is exactly the
 * amplitude their light curve asks for, which makes the ground truth
 * (peak, SNR, visible span) a measurement of what was drawn.
 */
#include "skyrender.h"

#include "coreutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define GAUSS_TABLE_BITS 16
#define GAUSS_TABLE_SIZE (1u << GAUSS_TABLE_BITS)
#define STAR_PSF_SIGMA 0.9
#define STAR_STAMP_RADIUS 3
#define SHOT_NOISE_DN_PER_DN 0.25 /* variance added per DN of signal */
#define HORIZON_GLOW 0.15         /* background brighter toward the bottom */
#define SKY_DRIFT 0.03            /* slow background change ... */
#define SKY_DRIFT_PERIOD_S 900.0  /* ... over this period */
#define VISIBLE_SIGMA 1.0         /* an object counts as visible above this */
#define CLOUD_CELL 8              /* px per cloud-field grid cell */

/* ----------------------------------------------------------- random */

static uint64_t
splitmix64 (uint64_t *state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t
hash3 (uint64_t a, uint64_t b, uint64_t c)
{
  uint64_t s = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull);

  s = splitmix64 (&s) ^ c;
  return splitmix64 (&s);
}

/* uniform in [0, 1) */
static double
uniform (uint64_t *state)
{
  return (splitmix64 (state) >> 11) * (1.0 / 9007199254740992.0);
}

static double
uniform_in (uint64_t *state, double lo, double hi)
{
  return lo + (hi - lo) * uniform (state);
}

static double
log_uniform_in (uint64_t *state, double lo, double hi)
{
  return exp (uniform_in (state, log (lo), log (hi)));
}

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
  return 0;
}

/* ------------------------------------------------------------ model */

typedef struct {
  double x, y; /* position at t = 0 */
  double amp;  /* peak pixel amplitude, DN */
} Star;

typedef struct {
  int x, y;
  double amp;
} HotPixel;

/* An object in flight and what has been measured of it so far. */
typedef struct {
  SkyKind kind;
  uint32_t id;
  uint64_t start_frame, end_frame; /* scheduled life, inclusive */
  double x, y, dx, dy;             /* start (px), unit direction */
  double speed;                    /* px/s at start */
  double decel;                    /* fraction of speed lost over the life */
  double amp;                      /* peak amplitude, DN */
  double width;                    /* cross-section sigma, px */
  double phase;                    /* plane strobe phase, s */
  double period;                   /* plane strobe period, s */
  int style;                       /* flash: 0 lightning, 1 headlights */
  /* truth */
  int seen;
  SkyTruth truth;
} SkyObject;

struct SkyModel {
  SkyConfig config;
  int w, h;
  float *base;   /* static background, DN */
  float *vig;    /* vignetting factor */
  float *signal; /* per-frame object signal, DN */
  float *cloud;  /* per-frame cloud transmission on the coarse grid */
  int cloud_w, cloud_h;
  float gauss[GAUSS_TABLE_SIZE];
  Star *stars;
  size_t n_stars;
  double star_vx, star_vy; /* sky rotation, px/s */
  HotPixel *hot;
  size_t n_hot;
  double wind_x, wind_y; /* cloud drift, px/s */
  double cloud_peak;

  uint64_t rng[SKY_N_KINDS]; /* one event stream per kind */
  double next_event_s[SKY_N_KINDS];
  SkyEvent *pending; /* scheduled by hand, not started yet */
  size_t n_pending, pending_cap;
  SkyObject *objects;
  size_t n_objects, objects_cap;
  SkyTruth *done;
  size_t n_done, done_cap;
  uint32_t next_id;
  uint64_t last_frame;
  int rendered_any;
  int finished;
  float *scratch;
  size_t scratch_cap;
};

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
  free (m);
}

void
sky_event_init (SkyEvent *e, SkyKind kind, uint64_t frame)
{
  e->kind = kind;
  e->frame = frame;
  e->x = e->y = e->angle = e->speed = e->duration = e->snr = e->style = NAN;
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

static double
deg_s_to_px_s (const SkyModel *m, double deg_s)
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

static double light_curve (
    const SkyModel *m, const SkyObject *o, double u, double t);
static double cloud_at (const SkyModel *m, int x, int y);

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
      speed_deg = uniform_in (rng, 2, 50);
      /* slow meteors last longer; 0.1-2 s */
      duration = fmin (2.0, fmax (0.1, log_uniform_in (rng, 0.15, 1.2) *
                                           sqrt (20.0 / speed_deg)));
      snr = log_uniform_in (rng, 3, 30);
      o->decel = uniform_in (rng, 0.05, 0.25);
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
    double len = deg_s_to_px_s (m, speed_deg) * duration * (1 - o->decel / 2);
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
        len = deg_s_to_px_s (m, speed_deg) * duration * (1 - o->decel / 2);
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
  o->speed = deg_s_to_px_s (m, speed_deg);
  o->amp = snr * noise;
  o->end_frame =
      o->start_frame + (uint64_t)fmax (0.0, ceil (duration * c->fps) - 1);
  if (o->kind == SKY_METEOR || o->kind == SKY_FIREBALL) {
    /* the light curve is sampled once a frame: scale it so its brightest
     * sample, not its continuous peak, is the SNR asked for */
    uint64_t k, n = o->end_frame - o->start_frame + 1;
    double best = 0;

    for (k = 0; k < n; k++)
      best = fmax (best, light_curve (m, o, (k + 0.5) / n, 0));
    if (best > 0)
      o->amp /= best;
  }
  o->truth.kind = o->kind;
  o->truth.id = o->id;
  o->truth.speed = o->speed;
}

static void
spawn_due (SkyModel *m, uint64_t frame)
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

/* ---------------------------------------------------------- drawing */

/* distance travelled after t seconds: speed falls linearly by @decel over
 * the life */
static double
object_path (const SkyModel *m, const SkyObject *o, double t)
{
  double life_s = (o->end_frame - o->start_frame + 1) / m->config.fps;

  if (o->decel > 0 && life_s > 0)
    return o->speed * (t - o->decel * t * t / (2 * life_s));
  return o->speed * t;
}

/* Light curve of @o at @u (fraction of its life): 1 is the amplitude its
 * SNR asks for (a plane's strobe goes above it). */
static double
light_curve (const SkyModel *m, const SkyObject *o, double u, double t)
{
  switch (o->kind) {
    case SKY_METEOR:
    case SKY_FIREBALL:
      /* u^2 (1-u), rising to its peak at 2/3 of the life, fading fast */
      return u <= 0 || u >= 1 ? 0 : u * u * (1 - u) / (4.0 / 27.0);
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

static float *
scratch (SkyModel *m, size_t n)
{
  m->scratch = meteor_grow (m->scratch, &m->scratch_cap, n, sizeof (float));
  memset (m->scratch, 0, n * sizeof (float));
  return m->scratch;
}

/* Adds a gaussian line from (xa,ya) to (xb,yb) with peak @amp into the
 * signal; returns the peak it reached in the frame (0 when off-frame). */
static double
draw_streak (SkyModel *m, double xa, double ya, double xb, double yb,
    double sigma, double amp)
{
  int r = (int)ceil (3.5 * sigma);
  int x0 = (int)floor (fmin (xa, xb)) - r, x1 = (int)ceil (fmax (xa, xb)) + r;
  int y0 = (int)floor (fmin (ya, yb)) - r, y1 = (int)ceil (fmax (ya, yb)) + r;
  double len = hypot (xb - xa, yb - ya);
  int n_samples = (int)ceil (len / 0.5) + 1, i, x, y, bw, bh;
  double inv2s2 = 1.0 / (2 * sigma * sigma), peak = 0, scale;
  float *box;

  if (x1 < 0 || y1 < 0 || x0 >= m->w || y0 >= m->h || amp <= 0)
    return 0;
  x0 = x0 < 0 ? 0 : x0;
  y0 = y0 < 0 ? 0 : y0;
  x1 = x1 >= m->w ? m->w - 1 : x1;
  y1 = y1 >= m->h ? m->h - 1 : y1;
  bw = x1 - x0 + 1;
  bh = y1 - y0 + 1;
  box = scratch (m, (size_t)bw * bh);

  for (i = 0; i < n_samples; i++) {
    double f = n_samples > 1 ? (double)i / (n_samples - 1) : 0.5;
    double sx = xa + f * (xb - xa), sy = ya + f * (yb - ya);
    int ax = (int)floor (sx) - r, bx = (int)ceil (sx) + r;
    int ay = (int)floor (sy) - r, by = (int)ceil (sy) + r;

    for (y = ay < y0 ? y0 : ay; y <= (by > y1 ? y1 : by); y++)
      for (x = ax < x0 ? x0 : ax; x <= (bx > x1 ? x1 : bx); x++) {
        double d2 = (x - sx) * (x - sx) + (y - sy) * (y - sy);
        box[(size_t)(y - y0) * bw + (x - x0)] += (float)exp (-d2 * inv2s2);
      }
  }
  for (i = 0; i < bw * bh; i++)
    peak = box[i] > peak ? box[i] : peak;
  if (peak <= 0)
    return 0;
  /* the brightest pixel is exactly @amp before the optics and the clouds
   * dim it; what is returned is the brightest as the camera records it */
  scale = amp / peak;
  peak = 0;
  for (y = 0; y < bh; y++)
    for (x = 0; x < bw; x++) {
      size_t i_sig = (size_t)(y + y0) * m->w + (x + x0);
      double v = box[(size_t)y * bw + x] * scale;
      double seen = v * m->vig[i_sig];

      m->signal[i_sig] += (float)v;
      if (m->config.cloud_cover > 0)
        seen *= cloud_at (m, x + x0, y + y0);
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
    lc = light_curve (m, o, u, t0);
    amp = o->amp * lc;
    if (!inside (m, (xa + xb) / 2, (ya + yb) / 2))
      continue;
    peak = draw_streak (m, xa, ya, xb, yb, o->width, amp);
    if (peak >= VISIBLE_SIGMA * noise)
      note_visible (m, o, frame, xa, ya, xb, yb, peak);
  }
}

static void
draw_stars (SkyModel *m, uint64_t frame)
{
  const SkyConfig *c = &m->config;
  double t = frame / c->fps, wrap_w = m->w + 16.0, wrap_h = m->h + 16.0;
  double inv2s2 = 1.0 / (2 * STAR_PSF_SIGMA * STAR_PSF_SIGMA);
  size_t i;

  for (i = 0; i < m->n_stars; i++) {
    const Star *s = &m->stars[i];
    double x = fmod (s->x + 8 + m->star_vx * t, wrap_w);
    double y = fmod (s->y + 8 + m->star_vy * t, wrap_h);
    double gx[2 * STAR_STAMP_RADIUS + 1], gy[2 * STAR_STAMP_RADIUS + 1];
    double tw = 1.0;
    int cx, cy, k, j;

    x = (x < 0 ? x + wrap_w : x) - 8;
    y = (y < 0 ? y + wrap_h : y) - 8;
    cx = (int)floor (x + 0.5);
    cy = (int)floor (y + 0.5);
    if (cx < -STAR_STAMP_RADIUS || cy < -STAR_STAMP_RADIUS ||
        cx >= m->w + STAR_STAMP_RADIUS || cy >= m->h + STAR_STAMP_RADIUS)
      continue;
    if (c->twinkle > 0) {
      uint64_t h = hash3 (c->seed, frame, i);

      tw = 1.0 + c->twinkle * m->gauss[h & (GAUSS_TABLE_SIZE - 1)];
      tw = tw < 0 ? 0 : tw;
    }
    for (k = -STAR_STAMP_RADIUS; k <= STAR_STAMP_RADIUS; k++) {
      gx[k + STAR_STAMP_RADIUS] = exp (-(cx + k - x) * (cx + k - x) * inv2s2);
      gy[k + STAR_STAMP_RADIUS] = exp (-(cy + k - y) * (cy + k - y) * inv2s2);
    }
    for (j = -STAR_STAMP_RADIUS; j <= STAR_STAMP_RADIUS; j++) {
      int py = cy + j;

      if (py < 0 || py >= m->h)
        continue;
      for (k = -STAR_STAMP_RADIUS; k <= STAR_STAMP_RADIUS; k++) {
        int px = cx + k;

        if (px < 0 || px >= m->w)
          continue;
        m->signal[(size_t)py * m->w + px] +=
            (float)(s->amp * tw * gx[k + STAR_STAMP_RADIUS] *
                    gy[j + STAR_STAMP_RADIUS]);
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

static double
cloud_at (const SkyModel *m, int x, int y)
{
  double fx = (double)x / CLOUD_CELL, fy = (double)y / CLOUD_CELL;
  int ix = (int)fx, iy = (int)fy;
  double tx = fx - ix, ty = fy - iy;
  const float *r0 = m->cloud + iy * m->cloud_w + ix, *r1 = r0 + m->cloud_w;

  return (r0[0] + (r0[1] - r0[0]) * tx) * (1 - ty) +
         (r1[0] + (r1[1] - r1[0]) * tx) * ty;
}

/* ------------------------------------------------------ composition */

static inline uint8_t
to8 (float v)
{
  v += 0.5f;
  return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)v;
}

static inline uint16_t
to16 (float v)
{
  v = v * 256.0f + 0.5f;
  return v <= 0 ? 0 : v >= 65535 ? 65535 : (uint16_t)v;
}

static void
write_row (const SkyImage *img, int y, const float *row, int w)
{
  int x;

  switch (img->format) {
    case SKY_FORMAT_GRAY8:
    case SKY_FORMAT_I420:
    case SKY_FORMAT_NV12: {
      uint8_t *d = img->planes[0] + (size_t)y * img->strides[0];
      for (x = 0; x < w; x++)
        d[x] = to8 (row[x]);
      break;
    }
    case SKY_FORMAT_GRAY16_LE: {
      uint8_t *d = img->planes[0] + (size_t)y * img->strides[0];
      for (x = 0; x < w; x++) {
        uint16_t v = to16 (row[x]);
        d[2 * x] = (uint8_t)(v & 0xff);
        d[2 * x + 1] = (uint8_t)(v >> 8);
      }
      break;
    }
    case SKY_FORMAT_RGB:
    case SKY_FORMAT_BGR: {
      uint8_t *d = img->planes[0] + (size_t)y * img->strides[0];
      for (x = 0; x < w; x++)
        d[3 * x] = d[3 * x + 1] = d[3 * x + 2] = to8 (row[x]);
      break;
    }
    case SKY_FORMAT_RGBX:
    case SKY_FORMAT_BGRX: {
      uint8_t *d = img->planes[0] + (size_t)y * img->strides[0];
      for (x = 0; x < w; x++) {
        d[4 * x] = d[4 * x + 1] = d[4 * x + 2] = to8 (row[x]);
        d[4 * x + 3] = 0xff;
      }
      break;
    }
  }
}

/* A gray sky: neutral chroma. */
static void
write_chroma (const SkyImage *img, int w, int h)
{
  int cw = (w + 1) / 2, ch = (h + 1) / 2, y;

  if (img->format == SKY_FORMAT_I420) {
    for (y = 0; y < ch; y++) {
      memset (img->planes[1] + (size_t)y * img->strides[1], 128, cw);
      memset (img->planes[2] + (size_t)y * img->strides[2], 128, cw);
    }
  } else if (img->format == SKY_FORMAT_NV12) {
    for (y = 0; y < ch; y++)
      memset (img->planes[1] + (size_t)y * img->strides[1], 128, 2 * cw);
  }
}

static void
retire_finished (SkyModel *m, uint64_t frame, int all)
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

  spawn_due (m, frame);
  memset (m->signal, 0, (size_t)m->w * m->h * sizeof (float));
  draw_stars (m, frame);
  if (clouds)
    update_clouds (m, frame);
  draw_objects (m, frame, &flash_add, &flash_ramp);
  cloud_glow = 0.5 * c->sky_level;

  row = scratch (m, (size_t)m->w);
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
        double tr = cloud_at (m, x, y);

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
    write_row (img, y, row, m->w);
  }
  /* hot pixels: sensor defects, fixed and unaffected by sky or cloud */
  for (i = 0; i < m->n_hot; i++) {
    const HotPixel *hp = &m->hot[i];
    float v = m->base[(size_t)hp->y * m->w + hp->x] + (float)hp->amp;

    switch (img->format) {
      case SKY_FORMAT_GRAY16_LE: {
        uint16_t q = to16 (v);
        uint8_t *d =
            img->planes[0] + (size_t)hp->y * img->strides[0] + 2 * hp->x;
        d[0] = (uint8_t)(q & 0xff);
        d[1] = (uint8_t)(q >> 8);
        break;
      }
      default: {
        int bpp =
            img->format == SKY_FORMAT_RGB || img->format == SKY_FORMAT_BGR ? 3
            : img->format == SKY_FORMAT_RGBX || img->format == SKY_FORMAT_BGRX
                ? 4
                : 1;
        uint8_t *d = img->planes[0] + (size_t)hp->y * img->strides[0] +
                     (size_t)bpp * hp->x;
        d[0] = to8 (v);
        if (bpp > 1)
          d[1] = d[2] = d[0];
        break;
      }
    }
  }
  write_chroma (img, m->w, m->h);

  if (clouds) {
    double glow = cloud_glow;

    if (glow > m->cloud_peak)
      m->cloud_peak = glow;
  }
  m->last_frame = frame;
  m->rendered_any = 1;
  retire_finished (m, frame, 0);
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
  retire_finished (m, m->last_frame, 1);
  for (i = 0; i < m->n_hot; i++)
    add_static_truth (m, SKY_HOT_PIXEL, m->hot[i].x, m->hot[i].y, m->hot[i].x,
        m->hot[i].y, m->hot[i].amp);
  if (m->config.cloud_cover > 0)
    add_static_truth (m, SKY_CLOUD, 0, 0, m->w - 1, m->h - 1, m->cloud_peak);
}

/* ----------------------------------------------------- text formats */

/* "%.2f" whatever the locale: JSON wants a '.' */
typedef struct {
  char s[32];
} Fixed2;

static Fixed2
fixed2 (double v)
{
  Fixed2 f;
  long long c = llround (v * 100);

  snprintf (f.s, sizeof (f.s), "%s%lld.%02lld", c < 0 ? "-" : "",
      llabs (c) / 100, llabs (c) % 100);
  return f;
}

int
sky_truth_to_json (const SkyTruth *t, char *buf, size_t len)
{
  return snprintf (buf, len,
      "{\"kind\":\"%s\",\"id\":%u,\"first-frame\":%llu,\"last-frame\":%llu,"
      "\"x0\":%s,\"y0\":%s,\"x1\":%s,\"y1\":%s,\"peak\":%s,"
      "\"snr\":%s,\"speed-px-s\":%s}",
      sky_kind_name (t->kind), t->id, (unsigned long long)t->first_frame,
      (unsigned long long)t->last_frame, fixed2 (t->x0).s, fixed2 (t->y0).s,
      fixed2 (t->x1).s, fixed2 (t->y1).s, fixed2 (t->peak).s, fixed2 (t->snr).s,
      fixed2 (t->speed).s);
}

/* strtod for "[-]digits[.digits][e[-]digits]" whatever the locale */
static double
parse_decimal (const char *text, char **end)
{
  const char *p = text;
  double v = 0, scale = 1;
  int sign = 1, digits = 0, exp_sign = 1, exponent = 0;

  if (*p == '-' || *p == '+')
    sign = *p++ == '-' ? -1 : 1;
  for (; *p >= '0' && *p <= '9'; p++, digits++)
    v = v * 10 + (*p - '0');
  if (*p == '.')
    for (p++; *p >= '0' && *p <= '9'; p++, digits++)
      v += (*p - '0') * (scale /= 10);
  if (digits == 0) {
    *end = (char *)text;
    return 0;
  }
  if ((*p == 'e' || *p == 'E') &&
      (p[1] == '-' || p[1] == '+' || (p[1] >= '0' && p[1] <= '9'))) {
    p++;
    if (*p == '-' || *p == '+')
      exp_sign = *p++ == '-' ? -1 : 1;
    for (; *p >= '0' && *p <= '9' && exponent < 400; p++)
      exponent = exponent * 10 + (*p - '0');
  }
  *end = (char *)p;
  return sign * v * pow (10.0, exp_sign * exponent);
}

static int
parse_event (char *entry, SkyEvent *ev, char *error, size_t error_len)
{
  char *at = strchr (entry, '@'), *end, *opt, *save = NULL;
  int kind;
  unsigned long long frame;

  METEOR_CHECK (at != NULL, "schedule entry '%s' is not kind@frame", entry);
  *at = '\0';
  kind = sky_kind_from_name (entry);
  METEOR_CHECK (kind >= 0 && kind != SKY_CLOUD && kind != SKY_HOT_PIXEL,
      "unknown kind '%s' in the schedule (meteor, fireball, plane, "
      "satellite, flash)",
      entry);
  frame = strtoull (at + 1, &end, 10);
  METEOR_CHECK (end != at + 1 && (*end == '\0' || *end == ','),
      "schedule entry '%s@%s': the frame is not a number", entry, at + 1);
  sky_event_init (ev, kind, frame);

  for (opt = strtok_r (*end ? end + 1 : end, ",", &save); opt;
       opt = strtok_r (NULL, ",", &save)) {
    char *eq = strchr (opt, '=');
    double v;

    METEOR_CHECK (eq != NULL, "schedule option '%s' is not key=value", opt);
    *eq = '\0';
    v = parse_decimal (eq + 1, &end);
    METEOR_CHECK (end != eq + 1 && *end == '\0' && isfinite (v),
        "schedule option %s=%s is not a number", opt, eq + 1);
    if (strcmp (opt, "x") == 0)
      ev->x = v;
    else if (strcmp (opt, "y") == 0)
      ev->y = v;
    else if (strcmp (opt, "angle") == 0)
      ev->angle = v;
    else if (strcmp (opt, "speed") == 0 && v >= 0)
      ev->speed = v;
    else if (strcmp (opt, "duration") == 0 && v > 0)
      ev->duration = v;
    else if (strcmp (opt, "snr") == 0 && v >= 0)
      ev->snr = v;
    else if (strcmp (opt, "style") == 0 && (v == 0 || v == 1))
      ev->style = v;
    else
      METEOR_CHECK (0,
          "schedule option '%s=%s' is unknown or out of range "
          "(x, y, angle, speed>=0, duration>0, snr>=0, style=0|1)",
          opt, eq + 1);
  }
  return 0;
}

int
sky_parse_schedule (
    const char *text, SkyEvent **events, char *error, size_t error_len)
{
  char *copy, *entry, *save = NULL;
  size_t n = 0, cap = 0;
  SkyEvent *list = NULL;

  *events = NULL;
  if (text == NULL)
    return 0;
  copy = strdup (text);
  if (copy == NULL)
    return -1;
  for (entry = strtok_r (copy, ";", &save); entry;
       entry = strtok_r (NULL, ";", &save)) {
    while (*entry == ' ')
      entry++;
    if (*entry == '\0')
      continue;
    list = meteor_grow (list, &cap, n + 1, sizeof (SkyEvent));
    if (parse_event (entry, &list[n], error, error_len) != 0) {
      free (list);
      free (copy);
      return -1;
    }
    n++;
  }
  free (copy);
  *events = list;
  return (int)n;
}
