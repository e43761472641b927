/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: synthetic night sky renderer (pure C, no GStreamer)
 *
 * A sky-camera model: star field with twinkle, sky background with a slow
 * drift, vignetting, sensor noise, hot pixels; meteors and fireballs;
 * distractors (planes, satellites, clouds, flashes). Everything follows
 * from the seed: the same config and frame index give the same pixels.
 * Brightness is in 8-bit DN; 16-bit output is the same physics scaled by
 * 256 with finer quantization.
 */
#ifndef __SKY_RENDER_H__
#define __SKY_RENDER_H__

#include "meteorformat.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  SKY_METEOR,
  SKY_FIREBALL,
  SKY_PLANE,
  SKY_SATELLITE,
  SKY_CLOUD,
  SKY_FLASH,
  SKY_HOT_PIXEL,
  SKY_N_KINDS
} SkyKind;

/* "meteor", "fireball", "plane", "satellite", "cloud", "flash", "hot-pixel" */
const char *sky_kind_name (SkyKind kind);
/* the kind of @name, or -1 */
int sky_kind_from_name (const char *name);

typedef struct {
  uint64_t seed;
  int width, height;
  double fps;
  double plate_scale;  /* arcmin per pixel */
  double sky_level;    /* background mean, DN */
  double noise;        /* background noise sigma, DN */
  double star_density; /* stars per 10,000 pixels */
  double twinkle;      /* relative scintillation of star flux, 0..1 */
  double vignetting;   /* relative darkening in the corners, 0..1 */
  int hot_pixels;
  double meteor_rate; /* events per hour ... */
  double fireball_rate;
  double plane_rate;
  double satellite_rate;
  double flash_rate;
  double cloud_cover;  /* fraction of the sky under cloud, 0..1 */
  double transparency; /* share of the light of stars and objects that
                        * reaches the sensor, 0..1 (a fogged lens) */
  double blur;         /* extra blur of the optics, gaussian sigma, px */
} SkyConfig;

void sky_config_init (SkyConfig *config);
/* 0 when @config is usable, else -1 with a message naming the field */
int sky_config_check (const SkyConfig *config, char *error, size_t error_len);

/* One object's ground truth: what a perfect detector would report. */
typedef struct {
  SkyKind kind;
  uint32_t id;
  uint64_t first_frame, last_frame; /* inclusive, frames it is visible in */
  double x0, y0, x1, y1;            /* visible start and end (px) */
  double peak;                      /* brightest pixel above background, DN */
  double snr;                       /* peak / noise */
  double speed;                     /* px/s, 0 for still objects */
} SkyTruth;

/* The lines of a truth file, each one JSON object without a newline,
 * newly allocated (free with g_free): the sky's settings
 * ({"kind":"sky","seed":...}), one object's truth
 * ({"kind":"meteor","id":3,...}, positions and levels to the hundredth)
 * and the end of a run ({"kind":"end","frames":N}). */
char *sky_config_to_json (const SkyConfig *config);
char *sky_truth_to_json (const SkyTruth *truth);
char *sky_end_to_json (uint64_t frames);

/* An event placed by hand; NAN fields are drawn from the seed. */
typedef struct {
  SkyKind kind;
  uint64_t frame;  /* first frame */
  double x, y;     /* start (px) */
  double angle;    /* direction of motion, degrees, 0 = +x, 90 = +y */
  double speed;    /* deg/s on the sky */
  double duration; /* s */
  double snr;      /* peak / noise at the brightest point */
  double style;    /* flash: 0 lightning (sudden), 1 headlights (ramps) */
} SkyEvent;

void sky_event_init (SkyEvent *event, SkyKind kind, uint64_t frame);

/* Parses "kind@frame[,key=value...][;...]" (keys: x, y, angle, speed,
 * duration, snr) into a newly allocated array (free()). Returns the count,
 * or -1 with a message naming the bad part. */
int sky_parse_schedule (
    const char *text, SkyEvent **events, char *error, size_t error_len);

typedef struct SkyModel SkyModel;

/* NULL when the config does not pass sky_config_check() or memory runs out */
SkyModel *sky_model_new (const SkyConfig *config);
void sky_model_free (SkyModel *model);
const SkyConfig *sky_model_config (const SkyModel *model);

/* Changes the optics from the next frame on (a lens fogging up, mid-run):
 * transparency in [0, 1], blur in [0, 16] px; out of range is clamped. */
void sky_model_set_optics (SkyModel *model, double transparency, double blur);

/* Adds an event; with all rates 0 the schedule is exactly what is added. */
void sky_model_add_event (SkyModel *model, const SkyEvent *event);

typedef struct {
  MeteorFormat format;
  uint8_t *planes[3];
  int strides[3];
} SkyImage;

/* Renders frame @frame (frames must not go backwards). */
void sky_model_render (SkyModel *model, uint64_t frame, const SkyImage *image);

/* Moves out the truth of objects that are finished as of the last rendered
 * frame (all of them after sky_model_finish()); returns how many. */
size_t sky_model_take_truth (SkyModel *model, SkyTruth *out, size_t max);

/* Ends the run: objects still visible are closed at the last frame. */
void sky_model_finish (SkyModel *model);

/* ------------------------------------------------------ meteors alone
 *
 * What the sky draws a meteor with, for drawing one outside a sky
 * (meteordetect's canaries are meteors drawn this way). */

/* A sporadic meteor as the sky draws them: its speed on the sky (deg/s),
 * duration (s), SNR and deceleration (share of its speed lost over its
 * life), from @rng (any seed; advanced). */
void sky_meteor_pick (uint64_t *rng, double *speed_deg, double *duration,
    double *snr, double *decel);

/* Distance travelled @t s into a life of @life_s s, starting at @speed and
 * slowing steadily by @decel of it over the life. */
double sky_path (double speed, double decel, double life_s, double t);

/* A meteor's light at @u, the share of its life gone: rising to 1 at two
 * thirds, fading fast; 0 outside (0, 1). */
double sky_meteor_light (double u);

/* The brightest of a meteor's light sampled mid-frame over @frames
 * frames: what its light is divided by so that its brightest frame has
 * the amplitude asked for. */
double sky_meteor_light_peak (uint64_t frames);

/* A meteor alone: where it starts, how it moves and how bright it is. */
typedef struct {
  double x, y;     /* start, px */
  double dx, dy;   /* unit direction */
  double speed;    /* px/s at the start */
  double decel;    /* share of the speed lost over the life */
  double amp;      /* brightest pixel of its brightest frame, DN */
  double width;    /* cross-section sigma, px */
  double fps;      /* frames a second */
  uint64_t frames; /* frames it lasts */
} SkyMeteor;

/* Frame @k of @m's life (0 first): the segment it covers in that
 * exposure, (*xa, *ya) to (*xb, *yb), and the amplitude its streak has
 * there, DN. */
void sky_meteor_frame (const SkyMeteor *m, uint64_t k, double *xa, double *ya,
    double *xb, double *yb, double *amp);

/* A gaussian line drawn in a box of pixels, unscaled: the brightest of
 * them is @peak. */
typedef struct {
  float *pix;
  size_t cap;
  int x0, y0, w, h; /* the box, frame px */
  double peak;
} SkyStamp;

/* Draws the line (xa, ya)-(xb, yb) of cross-section @sigma into @s,
 * clipped to a @width x @height frame. Returns 0 when nothing of it is in
 * the frame. */
int sky_stamp_streak (SkyStamp *s, int width, int height, double xa, double ya,
    double xb, double yb, double sigma);
void sky_stamp_clear (SkyStamp *s);

#ifdef __cplusplus
}
#endif

#endif /* __SKY_RENDER_H__ */
