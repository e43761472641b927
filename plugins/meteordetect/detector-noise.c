/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor detector core: the noise model (pure C)
 *
 * What a pixel's noise is, from what this very video shows. Compressed
 * video (H.264 from an IP camera, decoded) is not sensor noise frame after
 * frame: a block the encoder skipped is a copy of the last frame's, a
 * keyframe draws every block anew, and between keyframes a pixel sits on
 * one draw of the noise, so its deviation over time collapses while the
 * next keyframe will move it by the full spatial noise. So:
 *
 * - A block (8x8 frame pixels, the codec's grid) is fresh when any of its
 *   pixels changed since the last frame. Only fresh pixels are samples:
 *   the background learns from them alone, and only they can be
 *   candidates (a copied block holds no new light). In sensor video every
 *   block is fresh every frame.
 * - Per tile (32x32 frame pixels), the distribution of the fresh pixels'
 *   excess over their background is tracked: its median, 84th and 97.7th
 *   percentiles, by stochastic approximation on every fourth row. No
 *   pixel is judged against less than what that distribution asks for:
 *   the median plus k1 times its spread (the larger of the median-to-84th
 *   distance and half the median-to-97.7th: the upper side only, so a
 *   noise floor clipped at black does not shrink it, and heavy tails, as
 *   compression leaves, widen it). Quantised, clipped and smoothed noise
 *   all show there; a star or a meteor is a few of a tile's pixels.
 * - A pixel's own deviation (stars twinkling, hot pixels, cloud edges) is
 *   still learnt, and the larger of the two counts.
 */
#include "detector-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* block side and tile side, frame pixels */
#define BLOCK_PX 8
#define TILE_PX 32
/* the tiles' distributions are sampled on one row in this many */
#define SAMPLE_ROWS 4
/* the quantiles tracked, the share of samples above each, and the normal
 * density there (per sigma): how fast that share changes as it moves */
#define ABOVE_Q50 0.5
#define ABOVE_Q84 0.158655
#define ABOVE_Q977 0.02275
#define DENSITY_Q50 0.3989
#define DENSITY_Q84 0.2420
#define DENSITY_Q977 0.0540
/* the share of its distance to the true quantile a quantile moves in a
 * frame with every sampled pixel of its tile fresh: fast while the model
 * starts, then steady */
#define GAIN_START 0.7
#define GAIN 0.15
/* a frame's own noise is measured from this many sampled fresh pixels or
 * more, and raises its threshold by at most this factor */
#define FRAME_SCALE_SAMPLES 2000
#define FRAME_SCALE_MAX 4.0

static void set_floors (Detector *d);

int
det_noise_init (Detector *d)
{
  NoiseModel *nm = &d->noise;
  size_t tiles, i;
  double sigma0 = INITIAL_DEV_Q7 * SIGMA_PER_MAD / 128.0;

  nm->bs = BLOCK_PX / d->bin;
  nm->bshift = d->bin == 1 ? 3 : 2;
  nm->tshift = d->bin == 1 ? 5 : 4;
  nm->bw = (d->w + nm->bs - 1) / nm->bs;
  nm->bh = (d->h + nm->bs - 1) / nm->bs;
  nm->ts = TILE_PX / d->bin;
  nm->tw = (d->w + nm->ts - 1) / nm->ts;
  nm->th = (d->h + nm->ts - 1) / nm->ts;
  tiles = (size_t)nm->tw * nm->th;
  for (i = 0; i <= PAST_FRAMES; i++) {
    nm->ring[i] = malloc ((size_t)d->w * d->h);
    nm->ring_fresh[i] = calloc ((size_t)nm->bw * nm->bh, 1);
    if (!nm->ring[i] || !nm->ring_fresh[i])
      return -1;
  }
  nm->fresh = nm->ring_fresh[0];
  nm->stale = calloc ((size_t)nm->bh, 1);
  nm->q = calloc (3 * tiles, sizeof (float));
  nm->count = calloc (4 * tiles, sizeof (uint32_t));
  nm->floor = calloc ((size_t)nm->th * d->w, sizeof (uint16_t));
  nm->spread = calloc (tiles, sizeof (uint16_t));
  nm->level = calloc (tiles, sizeof (int32_t));
  nm->save = malloc (2 * (size_t)d->w * sizeof (uint16_t));
  if (!nm->stale || !nm->q || !nm->count || !nm->floor || !nm->spread ||
      !nm->level || !nm->save)
    return -1;
  for (i = 0; i < tiles; i++) {
    nm->q[3 * i] = 0;
    nm->q[3 * i + 1] = (float)sigma0;
    nm->q[3 * i + 2] = (float)(2 * sigma0);
  }
  set_floors (d);
  nm->frame_scale = 1.0;
  nm->k_mul = d->k_mul;
  return 0;
}

void
det_noise_free (Detector *d)
{
  NoiseModel *nm = &d->noise;

  int i;

  for (i = 0; i <= PAST_FRAMES; i++) {
    free (nm->ring[i]);
    free (nm->ring_fresh[i]);
  }
  free (nm->stale);
  free (nm->q);
  free (nm->count);
  free (nm->floor);
  free (nm->spread);
  free (nm->level);
  free (nm->save);
}

/* Marks the blocks that changed since the last frame and keeps this one;
 * every block is fresh in the first frame. Returns how many are. */
size_t
det_noise_refresh (Detector *d, const uint8_t *plane, int stride)
{
  NoiseModel *nm = &d->noise;
  size_t fresh = 0, k, n = (size_t)nm->bw * nm->bh;
  int y, by;

  const uint8_t *last = nm->ring[nm->head];

  nm->head = (nm->head + 1) % (PAST_FRAMES + 1);
  nm->fresh = nm->ring_fresh[nm->head];
  memset (nm->fresh, d->frames_seen == 0, n);
  for (y = 0; y < d->h; y++) {
    const uint8_t *row = det_luma_row (d, plane, stride, y);
    uint8_t *fb = nm->fresh + (size_t)(y >> nm->bshift) * nm->bw;

    if (d->frames_seen > 0)
      d->k->block_changes (row, last + (size_t)y * d->w, fb, d->w, nm->bshift);
    memcpy (nm->ring[nm->head] + (size_t)y * d->w, row, d->w);
  }
  for (by = 0; by < nm->bh; by++) {
    const uint8_t *fb = nm->fresh + (size_t)by * nm->bw;
    size_t row_fresh = 0;

    for (k = 0; k < (size_t)nm->bw; k++)
      row_fresh += fb[k];
    nm->stale[by] = row_fresh < (size_t)nm->bw;
    fresh += row_fresh;
  }
  nm->last_fresh = fresh;
  nm->fresh_blocks += fresh;
  nm->all_blocks += n;
  return fresh;
}

/* Counts, into @c, the pixels of row span [x0, x1) at or below the
 * tile's detection level @q[3] and how many of them are above each of its
 * quantiles @q[0..2] (q7 excess over the background). What is above the
 * level is an object (a satellite crossing the tile for a second, a
 * meteor), not noise, or noise too rare to move a quantile. */
static void
count_span (const uint8_t *row, const uint16_t *mean, int x0, int x1,
    const int32_t *q, uint32_t *c)
{
  uint32_t n = 0, a0 = 0, a1 = 0, a2 = 0;
  int i;

  for (i = x0; i < x1; i++) {
    int32_t r = ((int32_t)row[i] << 7) - mean[i];
    uint32_t in = r <= q[3];

    n += in;
    a0 += in & (r > q[0]);
    a1 += in & (r > q[1]);
    a2 += in & (r > q[2]);
  }
  c[0] += n;
  c[1] += a0;
  c[2] += a1;
  c[3] += a2;
}

/* Counts the fresh pixels of row @y into their tiles' distributions. */
static void
sample_row (Detector *d, int y, const uint8_t *row, const uint16_t *mean)
{
  NoiseModel *nm = &d->noise;
  const uint8_t *fb = nm->fresh + (size_t)(y >> nm->bshift) * nm->bw;
  int stale = nm->stale[y >> nm->bshift], x;

  for (x = 0; x < d->w; x += nm->ts) {
    size_t t = (size_t)(y >> nm->tshift) * nm->tw + (x >> nm->tshift);
    int end = x + nm->ts < d->w ? x + nm->ts : d->w, b;
    const float *qf = nm->q + 3 * t;
    int32_t q[4];

    q[0] = (int32_t)floorf (qf[0] * 128);
    q[1] = (int32_t)floorf (qf[1] * 128);
    q[2] = (int32_t)floorf (qf[2] * 128);
    q[3] = nm->level[t];
    if (!stale) {
      count_span (row, mean, x, end, q, nm->count + 4 * t);
      continue;
    }
    for (b = x; b < end; b += nm->bs)
      if (fb[b >> nm->bshift])
        count_span (row, mean, b, b + nm->bs < end ? b + nm->bs : end, q,
            nm->count + 4 * t);
  }
}

/* z with P(X > z) = @above for a standard normal X */
static double
normal_quantile_above (double above)
{
  double lo = -8, hi = 8;
  int i;

  for (i = 0; i < 60; i++) {
    double mid = (lo + hi) / 2;

    if (0.5 * erfc (mid / M_SQRT2) > above)
      lo = mid;
    else
      hi = mid;
  }
  return (lo + hi) / 2;
}

/* Counts the sampled rows' fresh pixels into their tiles' distributions,
 * and measures this frame's noise against them: a frame whose fresh
 * pixels spread wider than the tiles expect (an encoder's keyframe draws
 * the noise anew over the whole frame, coarser than the blocks it
 * refreshes between keyframes) gets its threshold raised by as much, for
 * itself only. Returns that factor, at least 1. */
double
det_noise_frame_scale (Detector *d, const uint8_t *plane, int stride)
{
  NoiseModel *nm = &d->noise;
  uint64_t n = 0, above84 = 0, above977 = 0;
  size_t t, tiles = (size_t)nm->tw * nm->th;
  double scale = 1.0;
  int y;

  for (y = 0; y < d->h; y += SAMPLE_ROWS)
    sample_row (
        d, y, det_luma_row (d, plane, stride, y), d->mean + (size_t)y * d->w);
  for (t = 0; t < tiles; t++) {
    n += nm->count[4 * t];
    above84 += nm->count[4 * t + 2];
    above977 += nm->count[4 * t + 3];
  }
  /* enough samples to tell (a few blocks refreshed say little) */
  if (n >= FRAME_SCALE_SAMPLES) {
    double f84 = (above84 + 1.0) / (n + 2.0),
           f977 = (above977 + 1.0) / (n + 2.0);

    if (f84 > ABOVE_Q84)
      scale = fmax (scale, 1.0 / fmax (normal_quantile_above (f84), 0.25));
    if (f977 > ABOVE_Q977)
      scale = fmax (scale, 2.0 / fmax (normal_quantile_above (f977), 0.5));
  }
  nm->frame_scale = 1.0;
  det_noise_raise (d, fmin (scale, FRAME_SCALE_MAX));
  return nm->frame_scale;
}

/* This frame's threshold, @factor higher (its noise is worse than the
 * tiles said). */
void
det_noise_raise (Detector *d, double factor)
{
  NoiseModel *nm = &d->noise;
  double k;

  nm->frame_scale *= factor;
  k = d->config.k1 * SIGMA_PER_MAD * 4096.0 * nm->frame_scale;
  nm->k_mul = (uint16_t)(k > 65535 ? 65535 : k + 0.5);
}

/* Candidates of row @y against the larger of each pixel's deviation and
 * its tile's floor, in fresh blocks only; on sampled rows, counts the
 * fresh pixels into their tiles' distributions. Returns how many
 * candidates. */
uint32_t
det_noise_threshold_row (Detector *d, int y, const uint8_t *row)
{
  NoiseModel *nm = &d->noise;
  size_t o = (size_t)y * d->w;
  const uint16_t *mean = d->mean + o, *dev = d->dev + o;
  const uint16_t *floor = nm->floor + (size_t)(y >> nm->tshift) * d->w;
  uint8_t *mask = d->mask + o;
  uint32_t kept;
  int x;

  kept = d->k->threshold (row, mean, dev, floor, nm->k_mul, d->j1, mask, d->w);
  if (nm->stale[y >> nm->bshift]) {
    const uint8_t *fb = nm->fresh + (size_t)(y >> nm->bshift) * nm->bw;

    /* a copy of the last frame's block holds no new light */
    for (x = 0; x < d->w; x++)
      if (!fb[x >> nm->bshift] && mask[x]) {
        mask[x] = 0;
        kept--;
      }
  }
  return kept;
}

/* Each tile's floor, spread across its columns: the deviation (q7) whose
 * threshold is the tile's level. */
static void
set_floors (Detector *d)
{
  NoiseModel *nm = &d->noise;
  double k = d->config.k1;
  int tx, ty, x;

  for (ty = 0; ty < nm->th; ty++)
    for (tx = 0; tx < nm->tw; tx++) {
      size_t t = (size_t)ty * nm->tw + tx;
      const float *q = nm->q + 3 * t;
      double spread = fmax (q[1] - q[0], 0.5 * (q[2] - q[0]));
      double level, floor_q7;
      uint16_t f;
      int end = (tx + 1) * nm->ts < d->w ? (tx + 1) * nm->ts : d->w;

      spread = fmax (spread, SIGMA_FLOOR_DN);
      level = q[0] + k * spread;
      floor_q7 = (level * 128 - d->j1) / (k * SIGMA_PER_MAD);
      f = (uint16_t)fmin (fmax (floor_q7, 0), METEOR_DEV_MAX_Q7);
      nm->spread[t] = (uint16_t)fmin (spread * 128, 65535);
      nm->level[t] = (int32_t)(level * 128);
      for (x = tx * nm->ts; x < end; x++)
        nm->floor[(size_t)ty * d->w + x] = f;
    }
}

/* The quantiles move towards this frame's counts, and the floors follow. */
void
det_noise_end_frame (Detector *d, int settled)
{
  NoiseModel *nm = &d->noise;
  size_t t, tiles = (size_t)nm->tw * nm->th;
  double full = (double)nm->ts * nm->ts / SAMPLE_ROWS;
  double gain = settled ? GAIN : GAIN_START;

  for (t = 0; t < tiles; t++) {
    float *q = nm->q + 3 * t;
    uint32_t *c = nm->count + 4 * t;
    double g;

    if (c[0] == 0)
      continue;
    g = gain * (nm->spread[t] / 128.0) * fmin (c[0] / full, 1.0);
    q[0] += (float)(g * ((double)c[1] / c[0] - ABOVE_Q50) / DENSITY_Q50);
    q[1] += (float)(g * ((double)c[2] / c[0] - ABOVE_Q84) / DENSITY_Q84);
    q[2] += (float)(g * ((double)c[3] / c[0] - ABOVE_Q977) / DENSITY_Q977);
    /* in order: a percentile cannot pass the next one */
    if (q[1] < q[0])
      q[1] = q[0];
    if (q[2] < q[1])
      q[2] = q[1];
    memset (c, 0, 4 * sizeof (uint32_t));
  }
  set_floors (d);
  if (d->trace_noise &&
      d->frames_seen % (uint64_t)fmax (d->config.fps, 1) == 0) {
    size_t mid = (size_t)(nm->th / 2) * nm->tw + nm->tw / 2;

    fprintf (d->trace,
        "detector: noise frame %llu: scale %.2f, fresh blocks %.0f%%, middle "
        "tile median %.2f, 84%% %.2f, 97.7%% %.2f DN, noise %.2f DN\n",
        (unsigned long long)d->frames_seen, nm->frame_scale,
        100.0 * nm->last_fresh / ((double)nm->bw * nm->bh), nm->q[3 * mid],
        nm->q[3 * mid + 1], nm->q[3 * mid + 2], nm->spread[mid] / 128.0);
  }
}

/* The background learns row @y from its fresh blocks only. */
void
det_noise_learn_row (Detector *d, int y, const uint8_t *row, int shift)
{
  NoiseModel *nm = &d->noise;
  size_t o = (size_t)y * d->w;
  const uint8_t *fb = nm->fresh + (size_t)(y >> nm->bshift) * nm->bw;
  uint16_t *sm = nm->save, *sd = nm->save + d->w;
  int stale = nm->stale[y >> nm->bshift], x;

  if (stale) {
    memcpy (sm, d->mean + o, d->w * sizeof (uint16_t));
    memcpy (sd, d->dev + o, d->w * sizeof (uint16_t));
  }
  d->k->bg_update (row, d->mean + o, d->dev + o, d->w, shift);
  if (!stale)
    return;
  for (x = 0; x < d->w; x += nm->bs) {
    int n = x + nm->bs < d->w ? nm->bs : d->w - x;

    if (fb[x >> nm->bshift])
      continue;
    memcpy (d->mean + o + x, sm + x, n * sizeof (uint16_t));
    memcpy (d->dev + o + x, sd + x, n * sizeof (uint16_t));
  }
}

/* The noise a candidate at analysis pixel (x, y) is judged against, DN. */
double
det_noise_sigma (const Detector *d, int x, int y)
{
  const NoiseModel *nm = &d->noise;
  size_t t = (size_t)(y >> nm->tshift) * nm->tw + (x >> nm->tshift);
  double own = d->dev[(size_t)y * d->w + x] * SIGMA_PER_MAD / 128.0;
  double tile = nm->spread[t] / 128.0;

  return fmax (fmax (own, tile), SIGMA_FLOOR_DN) * nm->frame_scale;
}

/* Starts each pixel's deviation from its tile's, once the tiles have
 * learnt (a compressed video gives a pixel few samples a second: from a
 * conservative guess it would take a minute to learn). */
void
det_noise_seed_deviation (Detector *d)
{
  NoiseModel *nm = &d->noise;
  int x, y;

  for (y = 0; y < d->h; y++)
    for (x = 0; x < d->w; x++) {
      size_t t = (size_t)(y >> nm->tshift) * nm->tw + (x >> nm->tshift);
      uint16_t *dev = &d->dev[(size_t)y * d->w + x];
      double tile = nm->spread[t] / SIGMA_PER_MAD;

      if (*dev > tile)
        *dev = (uint16_t)tile;
    }
}

/* The analysis image @back frames ago (1 to PAST_FRAMES; before
 * levelling), and its fresh blocks in @fresh; NULL when the video is not
 * that old yet. */
const uint8_t *
det_noise_past (const Detector *d, int back, const uint8_t **fresh)
{
  const NoiseModel *nm = &d->noise;
  int i = (nm->head + PAST_FRAMES + 1 - back) % (PAST_FRAMES + 1);

  if (back < 1 || back > PAST_FRAMES || (uint64_t)back > d->frames_seen)
    return NULL;
  *fresh = nm->ring_fresh[i];
  return nm->ring[i];
}

static int
compare_u16 (const void *a, const void *b)
{
  return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* The sky's noise now: the median tile's, in DN of one frame pixel (the
 * analysis image averages bin x bin pixels, whose independent noise is
 * bin times the average's); NAN before the first frame. */
double
detector_sky_noise (const Detector *d)
{
  const NoiseModel *nm = &d->noise;
  size_t n = (size_t)nm->tw * nm->th;
  uint16_t *s;
  double sigma;

  if (d->frames_seen == 0 || n == 0)
    return NAN;
  s = malloc (n * sizeof *s);
  if (s == NULL)
    return NAN;
  memcpy (s, nm->spread, n * sizeof *s);
  qsort (s, n, sizeof *s, compare_u16);
  sigma = fmax (s[n / 2] / 128.0, SIGMA_FLOOR_DN) * nm->frame_scale * d->bin;
  free (s);
  return sigma;
}
