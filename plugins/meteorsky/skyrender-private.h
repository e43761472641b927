/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: synthetic night sky renderer, what its parts share (pure C,
 * no GStreamer). The renderer is split by what it does: skymodel.c (the
 * sky's settings, its objects and their truth), skydraw.c (drawing a
 * frame), skyformat.c (pixel formats and the truth's JSON) and
 * skyschedule.c (events placed by hand). */
#ifndef __SKY_RENDER_PRIVATE_H__
#define __SKY_RENDER_PRIVATE_H__

#include "skyrender.h"

#include "coreutil.h"

#include <math.h>
#include <stdint.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define GAUSS_TABLE_BITS 16
#define GAUSS_TABLE_SIZE (1u << GAUSS_TABLE_BITS)
#define STAR_PSF_SIGMA 0.9
#define STAR_STAMP_RADIUS 3
#define STAR_STAMP_MAX                                                         \
  16 /* px, the largest radius a blurred star is drawn to */
#define SHOT_NOISE_DN_PER_DN 0.25 /* variance added per DN of signal */
#define HORIZON_GLOW 0.15         /* background brighter toward the bottom */
#define SKY_DRIFT 0.03            /* slow background change ... */
#define SKY_DRIFT_PERIOD_S 900.0  /* ... over this period */
#define VISIBLE_SIGMA 1.0         /* an object counts as visible above this */
#define CLOUD_CELL 8              /* px per cloud-field grid cell */

/* ----------------------------------------------------------- random */

static inline uint64_t
splitmix64 (uint64_t *state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline uint64_t
hash3 (uint64_t a, uint64_t b, uint64_t c)
{
  uint64_t s = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull);

  s = splitmix64 (&s) ^ c;
  return splitmix64 (&s);
}

/* uniform in [0, 1) */
static inline double
uniform (uint64_t *state)
{
  return (splitmix64 (state) >> 11) * (1.0 / 9007199254740992.0);
}

static inline double
uniform_in (uint64_t *state, double lo, double hi)
{
  return lo + (hi - lo) * uniform (state);
}

static inline double
log_uniform_in (uint64_t *state, double lo, double hi)
{
  return exp (uniform_in (state, log (lo), log (hi)));
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
  SkyStamp stamp; /* an object's streak, drawn before it is added */
};

/* skymodel.c */
double sky_deg_s_to_px_s (const SkyModel *m, double deg_s);
void sky_spawn_due (SkyModel *m, uint64_t frame);
void sky_retire_finished (SkyModel *m, uint64_t frame, int all);

/* skydraw.c */
double sky_light_curve (
    const SkyModel *m, const SkyObject *o, double u, double t);
double sky_cloud_at (const SkyModel *m, int x, int y);
float *sky_scratch (SkyModel *m, size_t n);

/* skyformat.c: one row of composed DN into the image; neutral chroma; one
 * pixel (a hot pixel) */
void sky_write_row (const SkyImage *img, int y, const float *row, int w);
void sky_write_chroma (const SkyImage *img, int w, int h);
void sky_write_pixel (const SkyImage *img, int x, int y, float v);

#endif /* __SKY_RENDER_PRIVATE_H__ */
