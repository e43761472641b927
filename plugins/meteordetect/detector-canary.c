/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor detector core: canaries, a live measure of recall
 * (pure C)
 *
 * With canary-rate set, meteors drawn the way meteorsky draws them
 * (skyrender's sky_meteor_* and sky_stamp_streak) are added, at random
 * times, to the detector's own working copy of the frame: never to the
 * frame itself, which is only read. Each is a sporadic meteor as
 * meteorsky picks them (speed, duration, deceleration, a nominal SNR of
 * 3-30), at the camera's plate scale as meteorsky assumes it (4 arcmin a
 * pixel), its brightness that SNR times the noise of the frame's sky now
 * (the noise model's, per frame pixel), dimmed as much as the stars are
 * dimmer than they were at their brightest (a fogged lens, haze, thin
 * cloud: what would dim a real meteor). Its path keeps clear of tracks in
 * flight, of meteors found lately and of masked pixels.
 *
 * Tracks that take up a canary's blobs are the canary's: they are judged
 * as any track, and one judged a meteor finds the canary, but none is
 * reported (no meteor-detected, no event, no region of interest) and none
 * teaches the chance model what noise is. Found or missed, each canary is
 * counted by its SNR band (3-5, 5-10, 10 and more), and over the last
 * canary-window canaries the recall is compared with canary-min-recall.
 */
#include "detector-private.h"

#include "skyrender.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* meteorsky's plate scale: turns a canary's speed on the sky into px/s */
#define CANARY_PLATE_SCALE 4.0
/* a canary's cross-section, frame px (meteorsky's meteors') */
#define CANARY_WIDTH 0.9
/* a canary keeps this far (frame px) from tracks in flight and from
 * meteors found in the last CANARY_CLEAR_S seconds */
#define CANARY_CLEAR_PX 64.0
#define CANARY_CLEAR_S 2.0
/* a blob this close (analysis px) to a canary's streak is the canary's */
#define CANARY_NEAR 3.0
/* places tried for a canary before it waits for the next frame */
#define CANARY_TRIES 16
/* the stars' brightness is measured this often (s), on this share of
 * the tiles with the brightest stars */
#define OPTICS_PERIOD_S 1.0
#define OPTICS_TILES 0.1
/* and smoothed by this weight on each new measure */
#define OPTICS_SMOOTH 0.3

static const double band_low[DETECTOR_CANARY_BANDS] = { 3, 5, 10 };

static const char *const band_names[DETECTOR_CANARY_BANDS] = { "snr3", "snr5",
  "snr10" };

const char *
detector_canary_band_name (int band)
{
  return band >= 0 && band < DETECTOR_CANARY_BANDS ? band_names[band] : "";
}

static int
band_of (double snr)
{
  int b = 0;

  while (b + 1 < DETECTOR_CANARY_BANDS && snr >= band_low[b + 1])
    b++;
  return b;
}

/* uniform in [0, 1) from a splitmix64 stream */
static double
uniform (uint64_t *state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return ((z ^ (z >> 31)) >> 11) * (1.0 / 9007199254740992.0);
}

static double
next_interval (CanaryModel *cm, double rate_per_hour, double fps)
{
  return -log (1.0 - uniform (&cm->rng)) * 3600.0 / rate_per_hour * fps;
}

int
det_canary_init (Detector *d)
{
  CanaryModel *cm = &d->canary;

  cm->rng = DETECTOR_CANARY_SEED;
  cm->window = calloc ((size_t)d->config.canary_window, 1);
  if (cm->window == NULL)
    return -1;
  cm->next = d->config.canary_rate > 0
                 ? next_interval (cm, d->config.canary_rate, d->config.fps)
                 : INFINITY;
  return 0;
}

void
det_canary_free (Detector *d)
{
  free (d->canary.window);
  sky_stamp_clear (&d->canary.stamp);
}

/* Distance from (px, py) to the segment (ax, ay)-(bx, by). */
static double
segment_distance (
    double px, double py, double ax, double ay, double bx, double by)
{
  double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy, u = 0;

  if (len2 > 0)
    u = fmin (1, fmax (0, ((px - ax) * dx + (py - ay) * dy) / len2));
  return hypot (px - (ax + u * dx), py - (ay + u * dy));
}

/* Whether a canary's path (a, b; frame px) keeps clear of what is in the
 * sky now: tracks in flight, meteors found lately, other canaries, and
 * masked pixels. */
static int
path_clear (const Detector *d, uint64_t frame, double ax, double ay, double bx,
    double by)
{
  const CanaryModel *cm = &d->canary;
  double clear = CANARY_CLEAR_PX;
  size_t i;
  int k, j;

  for (i = 0; i < d->n_tracks; i++) {
    const Track *t = &d->tracks[i];

    for (k = 0; k<t->n; k += t->n> 1 ? t->n - 1 : 1)
      if (segment_distance (t->points[k].x * d->bin, t->points[k].y * d->bin,
              ax, ay, bx, by) < clear)
        return 0;
  }
  for (j = 0; j < CANARY_RECENT; j++) {
    const double *r = cm->recent[j];

    if (cm->recent_frame[j] + CANARY_CLEAR_S * d->config.fps >= frame &&
        cm->recent_frame[j] > 0 &&
        (segment_distance (r[0], r[1], ax, ay, bx, by) < clear ||
            segment_distance (r[2], r[3], ax, ay, bx, by) < clear))
      return 0;
  }
  for (j = 0; j < cm->n_active; j++) {
    const Canary *o = &cm->active[j];
    double ex = o->m.x + o->m.dx * o->length, ey = o->m.y + o->m.dy * o->length;

    if (segment_distance (o->m.x, o->m.y, ax, ay, bx, by) < clear ||
        segment_distance (ex, ey, ax, ay, bx, by) < clear)
      return 0;
  }
  if (d->amask)
    for (k = 0; k <= 8; k++) {
      int x = (int)((ax + (bx - ax) * k / 8) / d->bin);
      int y = (int)((ay + (by - ay) * k / 8) / d->bin);

      if (x < 0 || y < 0 || x >= d->w || y >= d->h ||
          !d->amask[(size_t)y * d->w + x])
        return 0;
    }
  return 1;
}

static int
compare_down (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? 1 : x > y ? -1 : 0;
}

/* The stars' brightness in the background: a star's light above its
 * tile's mean, summed over the tiles with the brightest stars. */
static double
star_light (const Detector *d)
{
  const NoiseModel *nm = &d->noise;
  size_t tiles = (size_t)nm->tw * nm->th, t, n = 0, top;
  double *peaks = malloc (tiles * sizeof (double)), sum = 0;
  int tx, ty, x, y;

  if (peaks == NULL)
    return 0;
  for (ty = 0; ty < nm->th; ty++)
    for (tx = 0; tx < nm->tw; tx++) {
      uint64_t total = 0, count = 0;
      uint16_t high = 0, second = 0;

      /* the second brightest: a star lights its neighbours, a hot pixel
       * (which no fog dims) does not */
      for (y = ty * nm->ts; y < (ty + 1) * nm->ts && y < d->h; y++)
        for (x = tx * nm->ts; x < (tx + 1) * nm->ts && x < d->w; x++) {
          uint16_t m = d->mean[(size_t)y * d->w + x];

          total += m;
          count++;
          if (m > high) {
            second = high;
            high = m;
          } else if (m > second) {
            second = m;
          }
        }
      peaks[n++] = count ? (second - (double)total / count) / 128.0 : 0;
    }
  /* the brightest few, above what a tile without a star shows (its
   * noise and its slope): sorted, the top share over the median */
  qsort (peaks, n, sizeof (double), compare_down);
  top = (size_t)fmax (5, OPTICS_TILES * n);
  top = top < n ? top : n;
  for (t = 0; t < top; t++)
    sum += fmax (0, peaks[t] - peaks[n / 2]);
  free (peaks);
  return sum;
}

/* The frame's sky noise per frame pixel: the tiles' median, as it would be
 * per pixel before binning averaged it down. */
static double
frame_noise (const Detector *d)
{
  const NoiseModel *nm = &d->noise;
  size_t tiles = (size_t)nm->tw * nm->th, t, below;
  uint16_t lo = 0xffff, hi = 0, mid;

  for (t = 0; t < tiles; t++) {
    lo = nm->spread[t] < lo ? nm->spread[t] : lo;
    hi = nm->spread[t] > hi ? nm->spread[t] : hi;
  }
  /* median by bisection on the value */
  while (hi - lo > 1) {
    mid = (uint16_t)((lo + hi) / 2);
    for (below = 0, t = 0; t < tiles; t++)
      below += nm->spread[t] < mid;
    if (2 * below > tiles)
      hi = mid;
    else
      lo = mid;
  }
  return lo / 128.0 * d->bin;
}

/* Starts a canary if one is due and a clear path is found. */
static void
spawn (Detector *d, uint64_t frame)
{
  CanaryModel *cm = &d->canary;
  const DetectorConfig *c = &d->config;
  double speed_deg, duration, snr, decel, fw = c->width, fh = c->height;
  Canary *k;
  int attempt;

  if (cm->n_active >= CANARY_ACTIVE)
    return;
  k = &cm->active[cm->n_active];
  memset (k, 0, sizeof (*k));
  sky_meteor_pick (&cm->rng, &speed_deg, &duration, &snr, &decel);
  k->m.speed = speed_deg * 60.0 / CANARY_PLATE_SCALE;
  k->m.decel = decel;
  k->m.fps = c->fps;
  k->m.frames = (uint64_t)fmax (1.0, ceil (duration * c->fps));
  k->m.width = CANARY_WIDTH;
  k->length =
      sky_path (k->m.speed, decel, k->m.frames / c->fps, k->m.frames / c->fps);
  for (attempt = 0; attempt < CANARY_TRIES; attempt++) {
    double angle = uniform (&cm->rng) * 2 * M_PI;
    double x = fw * (0.05 + 0.9 * uniform (&cm->rng));
    double y = fh * (0.05 + 0.9 * uniform (&cm->rng));
    double ex = x + cos (angle) * k->length, ey = y + sin (angle) * k->length;

    if (ex < 0.02 * fw || ex > 0.98 * fw || ey < 0.02 * fh || ey > 0.98 * fh ||
        !path_clear (d, frame, x, y, ex, ey))
      continue;
    k->m.x = x;
    k->m.y = y;
    k->m.dx = cos (angle);
    k->m.dy = sin (angle);
    break;
  }
  if (attempt == CANARY_TRIES)
    return; /* the sky is busy: the next frame tries again */
  k->snr = snr;
  k->band = band_of (snr);
  k->start = frame;
  k->id = ++cm->ids;
  /* its SNR against the sky's noise now, dimmed as the stars are */
  k->m.amp =
      snr * frame_noise (d) * cm->optics / sky_meteor_light_peak (k->m.frames);
  cm->n_active++;
  cm->stats.injected++;
  cm->stats.band_injected[k->band]++;
  cm->next = frame + next_interval (cm, c->canary_rate, c->fps);
}

/* Adds @k's streak of this frame to the working image (binned as the
 * frame is), dithered so that light under a DN adds up as it would. */
static void
draw (Detector *d, Canary *k, uint64_t frame)
{
  CanaryModel *cm = &d->canary;
  SkyStamp *s = &cm->stamp;
  double xa, ya, xb, yb, amp, scale;
  int ax, ay, b = d->bin, i, j;

  sky_meteor_frame (&k->m, frame - k->start, &xa, &ya, &xb, &yb, &amp);
  k->seg[0] = xa / b, k->seg[1] = ya / b;
  k->seg[2] = xb / b, k->seg[3] = yb / b;
  if (amp <= 0 || !sky_stamp_streak (s, d->config.width, d->config.height, xa,
                      ya, xb, yb, k->m.width))
    return;
  scale = amp / s->peak / (b * b);
  for (ay = s->y0 / b; ay <= (s->y0 + s->h - 1) / b && ay < d->h; ay++)
    for (ax = s->x0 / b; ax <= (s->x0 + s->w - 1) / b && ax < d->w; ax++) {
      uint8_t *p = &d->luma[(size_t)ay * d->w + ax];
      double v = 0, dither;
      int add;

      for (j = 0; j < b; j++)
        for (i = 0; i < b; i++) {
          int fx = ax * b + i - s->x0, fy = ay * b + j - s->y0;

          if (fx >= 0 && fy >= 0 && fx < s->w && fy < s->h)
            v += s->pix[(size_t)fy * s->w + fx];
        }
      dither = uniform (&cm->rng);
      add = (int)floor (v * scale + dither);
      *p = (uint8_t)(*p + add > 255 ? 255 : *p + add);
    }
}

/* The canaries in flight drawn into this frame's working image (after
 * det_fill_analysis); a new one started when due. */
void
det_canary_frame (Detector *d, uint64_t frame, int warm)
{
  CanaryModel *cm = &d->canary;
  int i;

  if (d->config.canary_rate <= 0)
    return;
  /* the stars' brightness, and the brightest it has been */
  if (warm && (cm->optics_at == 0 ||
                  frame >= cm->optics_at + OPTICS_PERIOD_S * d->config.fps)) {
    double light = star_light (d);

    /* smoothed over a few seconds: stars twinkle */
    cm->star_now = cm->optics_at == 0 ? light
                                      : (1 - OPTICS_SMOOTH) * cm->star_now +
                                            OPTICS_SMOOTH * light;
    cm->optics_at = frame;
    cm->star_best = fmax (cm->star_best, cm->star_now);
    cm->optics = cm->star_best > 0
                     ? fmin (1.0, fmax (0.0, cm->star_now / cm->star_best))
                     : 1;
  }
  if (warm && frame >= cm->next)
    spawn (d, frame);
  for (i = 0; i < cm->n_active; i++) {
    Canary *k = &cm->active[i];

    k->drawn = frame < k->start + k->m.frames;
    if (k->drawn)
      draw (d, k, frame);
  }
}

/* The canary (its id) whose streak in this frame lies by analysis pixel
 * (x, y), 0 for none. */
uint32_t
det_canary_at (const Detector *d, double x, double y)
{
  const CanaryModel *cm = &d->canary;
  int i;

  for (i = 0; i < cm->n_active; i++) {
    const Canary *k = &cm->active[i];

    if (k->drawn && segment_distance (x, y, k->seg[0], k->seg[1], k->seg[2],
                        k->seg[3]) <= CANARY_NEAR + k->m.width)
      return k->id;
  }
  return 0;
}

/* A track of canary @id was judged: a meteor finds it. */
void
det_canary_judged (Detector *d, uint32_t id, int meteor)
{
  CanaryModel *cm = &d->canary;
  int i;

  for (i = 0; i < cm->n_active; i++)
    if (cm->active[i].id == id && meteor)
      cm->active[i].found = 1;
}

/* A meteor was found (reported): canaries keep clear of where it was for
 * a while. */
void
det_canary_note_meteor (Detector *d, uint64_t frame, const double *ends)
{
  CanaryModel *cm = &d->canary;

  memcpy (cm->recent[cm->next_recent], ends, 4 * sizeof (double));
  cm->recent_frame[cm->next_recent] = frame;
  cm->next_recent = (cm->next_recent + 1) % CANARY_RECENT;
}

/* Canaries whose light is gone and whose tracks have all been judged are
 * counted, found or missed. */
void
det_canary_settle (Detector *d, uint64_t frame)
{
  CanaryModel *cm = &d->canary;
  DetectorCanaryStats *s = &cm->stats;
  int i = 0;

  while (i < cm->n_active) {
    Canary *k = &cm->active[i];
    size_t t;
    int open = 0, j, n = d->config.canary_window, found = 0;

    for (t = 0; t < d->n_tracks; t++)
      open |= d->tracks[t].canary == k->id;
    if (open || frame < k->start + k->m.frames + TRACK_MAX_GAP + 1) {
      i++;
      continue;
    }
    s->judged++;
    s->band_judged[k->band]++;
    if (k->found) {
      s->found++;
      s->band_found[k->band]++;
    }
    cm->window[cm->window_next] = (uint8_t)(k->found ? 2 : 1);
    cm->window_next = (cm->window_next + 1) % n;
    for (s->window_n = 0, j = 0; j < n; j++) {
      s->window_n += cm->window[j] != 0;
      found += cm->window[j] == 2;
    }
    s->window_recall = (double)found / s->window_n;
    s->low = s->window_n == n && s->window_recall < d->config.canary_min_recall;
    cm->active[i] = cm->active[--cm->n_active];
  }
}

void
detector_get_canary_stats (const Detector *d, DetectorCanaryStats *stats)
{
  *stats = d->canary.stats;
  stats->optics = d->canary.optics;
  if (stats->window_n == 0)
    stats->window_recall = NAN;
}
