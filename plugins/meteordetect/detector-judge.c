/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor detector core: whether a track is a meteor (pure C) */
#include "detector-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- judging */

/* brightest point over its background sigma */
double
det_track_snr (const Track *t)
{
  double best = 0;
  int i;

  for (i = 0; i < t->n; i++)
    if (t->sigma[i] > 0 && t->points[i].peak / t->sigma[i] > best)
      best = t->points[i].peak / t->sigma[i];
  return best;
}

/* Whether a step of @step px a frame is odd on a track whose median step
 * is @median: far from it, or standing still (blobs flickering in one
 * place, joined to a moving one, are not a meteor, which moves every
 * frame). A slow meteor's steps are under a pixel, where its centroid's
 * jitter is as large: standing still is then a pixel short of the
 * median. */
int
det_odd_step (double step, double median)
{
  return fabs (step - median) > 0.6 * fabs (median) + 1.0 ||
         (step < STANDSTILL_SHARE * median && median - step > 1.0);
}

/* The steps of @t along @f, px a frame, into @steps; returns how many
 * (t->n - 1). */
int
det_steps (const Track *t, const LineFit *f, double *steps)
{
  int i;

  for (i = 0; i + 1 < t->n; i++) {
    const DetectorPoint *a = &t->points[i], *b = &t->points[i + 1];

    steps[i] = ((b->x - a->x) * f->ux + (b->y - a->y) * f->uy) /
               (double)(b->frame - a->frame);
  }
  return t->n - 1;
}

/* How far a blob's centroid may sit from its streak's middle: a streak
 * lying along the motion @f is a meteor's smear over a frame, about the
 * @step long; when only part of it rose over the threshold, its centroid
 * is that part's. Other blobs: none. */
static double
smear_slack (const Track *t, int i, const LineFit *f, double step)
{
  const Streak *s = &t->streak[i];

  if (s->len < PAIR_MIN_ELONGATION * s->across ||
      fabs (s->ux * f->ux + s->uy * f->uy) < PAIR_MIN_ALIGNMENT)
    return 0;
  return fmax (0.0, step - s->len) / 2;
}

/* Steady: every step close to the typical (median) one, but for what
 * the smear of its two blobs allows. Returns how many are not, and the
 * median step (px a frame) in @median. */
static int
unsteady_steps (const Track *t, const LineFit *f, double *median)
{
  double steps[DETECTOR_MAX_POINTS], raw[DETECTOR_MAX_POINTS];
  int i, j, n = t->n - 1, odd = 0;

  *median = 0;
  if (n < 1)
    return 0;
  det_steps (t, f, raw);
  for (i = 0; i < n; i++) {
    for (j = i; j > 0 && steps[j - 1] > raw[i]; j--)
      steps[j] = steps[j - 1];
    steps[j] = raw[i];
  }
  *median = steps[n / 2];
  for (i = 0; i < n; i++) {
    double gap = (double)(t->points[i + 1].frame - t->points[i].frame);
    double slack =
        (smear_slack (t, i, f, *median) + smear_slack (t, i + 1, f, *median)) /
        gap;
    double off = raw[i] - *median;

    /* the step as far from the median as the smear cannot explain */
    odd += det_odd_step (
        *median + copysign (fmax (0.0, fabs (off) - slack), off), *median);
  }
  return odd;
}

static int
along_edge (const Detector *d, const Track *t)
{
  double m = EDGE_MARGIN / d->bin;
  int i;

  for (i = 0; i < t->n; i++) {
    const DetectorPoint *p = &t->points[i];
    if (p->x > m && p->y > m && p->x < d->w - 1 - m && p->y < d->h - 1 - m)
      return 0;
  }
  return 1;
}

/* How a blob of a two-frame track looks against the motion @f: 2 a streak
 * along it about as long as the step, 1 too small to have a shape (a
 * faint end of the streak), 0 anything else. */
static int
pair_blob (const Track *t, int i, const LineFit *f)
{
  const Streak *s = &t->streak[i];
  int aligned = s->len >= PAIR_MIN_ELONGATION * s->across &&
                fabs (s->ux * f->ux + s->uy * f->uy) >= PAIR_MIN_ALIGNMENT;

  if (s->len > 2.0 * f->step + 2)
    return 0;
  if (aligned && t->points[i].pixels >= PAIR_MIN_PIXELS &&
      s->len >= fmax (PAIR_MIN_LENGTH, 0.6 * f->step))
    return 2;
  return s->len < PAIR_MIN_LENGTH || aligned ? 1 : 0;
}

/* A two-frame track is a meteor's when one blob is a streak along the
 * motion and the other one is too, or a fragment of one. */
static int
streak_pair (const Track *t, const LineFit *f)
{
  int a = pair_blob (t, 0, f), b = pair_blob (t, 1, f);

  return a && b && (a == 2 || b == 2);
}

/* Whether @t starts where a remembered slow object would be now, moving
 * the same way at about its speed: another piece of it. */
static int
continues_slow (const Detector *d, const Track *t, const LineFit *f)
{
  const DetectorPoint *first = &t->points[0];
  int i;

  for (i = 0; i < SLOW_TRAILS; i++) {
    const SlowTrail *s = &d->trails[i];
    double gap, v, dx, dy;

    /* a piece may begin a few frames before the object's last point: a
     * track is followed back into past frames */
    if (!s->used || first->frame + PAST_FRAMES < s->frame)
      continue;
    gap = (double)first->frame - (double)s->frame;
    v = hypot (s->vx, s->vy);
    if (gap > SLOW_TRAIL_SECONDS * d->config.fps || v <= 0 ||
        f->step < 0.5 * v || f->step > 2.0 * v ||
        (f->ux * s->vx + f->uy * s->vy) / v < 0.9)
      continue;
    dx = first->x - (s->x + s->vx * gap);
    dy = first->y - (s->y + s->vy * gap);
    if (hypot (dx, dy) <= 4.0 + 0.2 * v * fabs (gap))
      return 1;
  }
  return 0;
}

void
detector_set_sky_scale (
    Detector *d, const float *deg_per_px, int cols, int rows)
{
  float *copy = NULL;

  if (deg_per_px && cols > 0 && rows > 0) {
    copy = malloc ((size_t)cols * rows * sizeof (float));
    if (copy == NULL)
      return; /* the px/s limits stay */
    memcpy (copy, deg_per_px, (size_t)cols * rows * sizeof (float));
  }
  free (d->sky_scale);
  d->sky_scale = copy;
  d->scale_cols = copy ? cols : 0;
  d->scale_rows = copy ? rows : 0;
}

/* The speed limits for @t's track, px/s: min-speed and max-speed, or
 * where the sky's scale is known at the track's middle, min-speed-deg and
 * max-speed-deg (those set) turned into px/s there. */
static void
speed_limits (const Detector *d, const Track *t, double *lo, double *hi)
{
  const DetectorConfig *c = &d->config;
  const DetectorPoint *a = &t->points[0], *b = &t->points[t->n - 1];
  double scale = NAN;

  *lo = c->min_speed;
  *hi = c->max_speed;
  if (d->sky_scale) {
    int col = (int)((a->x + b->x) / 2 * d->scale_cols / d->w);
    int row = (int)((a->y + b->y) / 2 * d->scale_rows / d->h);

    col = col < 0 ? 0 : col >= d->scale_cols ? d->scale_cols - 1 : col;
    row = row < 0 ? 0 : row >= d->scale_rows ? d->scale_rows - 1 : row;
    scale = d->sky_scale[row * d->scale_cols + col];
  }
  if (!(scale > 0))
    return;
  if (c->min_speed_deg > 0)
    *lo = c->min_speed_deg / scale;
  if (c->max_speed_deg > 0)
    *hi = c->max_speed_deg / scale;
}

/* The slowest a meteor may move on @t's track, px/s: the lower speed
 * limit @lo, or less when the track looks like a slow meteor's
 * (SLOW_BRIGHT_*). */
static double
slowest_meteor (const Detector *d, const Track *t, double duration, double lo)
{
  double mx = SLOW_BRIGHT_INSIDE * d->w, my = SLOW_BRIGHT_INSIDE * d->h;
  int ends[2] = { 0, t->n - 1 }, i;

  if (det_track_snr (t) < SLOW_BRIGHT_SNR || duration > SLOW_BRIGHT_SECONDS)
    return lo;
  for (i = 0; i < 2; i++) {
    const DetectorPoint *p = &t->points[ends[i]];

    if (p->x < mx || p->y < my || p->x > d->w - 1 - mx || p->y > d->h - 1 - my)
      return lo;
  }
  return SLOW_BRIGHT_SHARE * lo;
}

/* Whether @t, as it stands, is a meteor; the reason when it is not. */
int
det_judge (const Detector *d, const Track *t, LineFit *f, DetectorReject *why)
{
  const DetectorConfig *c = &d->config;
  double duration, speed, lo, hi, slowest, allowed, chance;

  if (t->n < c->min_frames || 4 * t->n < 3 * (int)(t->points[t->n - 1].frame -
                                                   t->points[0].frame + 1)) {
    /* too few points, or too many frames missing among them */
    *why = DETECTOR_REJECT_SHORT;
    return 0;
  }
  det_fit_line (t, f);
  duration = (t->points[t->n - 1].frame - t->points[0].frame + 1) / c->fps;
  speed = f->step * c->fps * d->bin;
  speed_limits (d, t, &lo, &hi);
  slowest = slowest_meteor (d, t, duration, lo);
  if (speed < STATIC_SPEED) {
    *why = DETECTOR_REJECT_STATIC;
    return 0;
  }
  if (speed < slowest) {
    *why = DETECTOR_REJECT_SLOW;
    return 0;
  }
  if (speed > hi) {
    *why = DETECTOR_REJECT_FAST;
    return 0;
  }
  if (duration > c->max_duration) {
    *why = DETECTOR_REJECT_LONG;
    return 0;
  }
  /* a piece of a slow object seen before, moving on at its speed */
  if (speed < SLOW_TRAIL_SPEEDS * lo && continues_slow (d, t, f)) {
    *why = DETECTOR_REJECT_SLOW;
    return 0;
  }
  /* a light passing over a star drags the centroid of their merged blob:
   * a meteor is mostly seen where nothing has been lately */
  {
    int i, on_stars = 0;

    for (i = 0; i < t->n; i++)
      on_stars += t->busy[i] >= 2 * STATIC_HIT;
    if (2 * on_stars >= t->n) {
      *why = DETECTOR_REJECT_STATIC;
      return 0;
    }
  }
  /* an object entering or leaving the frame shows a growing or shrinking
   * part of itself, whose centroid races along the edge */
  if (along_edge (d, t)) {
    *why = DETECTOR_REJECT_CROOKED;
    return 0;
  }
  /* a jittering star can fake a few pixels of motion: a meteor's track is
   * longer than the blobs it is made of */
  if ((f->along1 - f->along0) * d->bin < MIN_TRACK_LENGTH) {
    *why = DETECTOR_REJECT_STATIC;
    return 0;
  }
  /* a short track must look like a meteor frame by frame: a meteor
   * smears over its own motion during the exposure, so its blobs are as
   * long as its steps; compact blobs a step apart are unrelated lights.
   * A faint meteor's smear is under the threshold but for its peak: when
   * noise of this video would line up like it far less than once a
   * night, its compact blobs are evidence enough */
  chance = det_chance_per_night (d, t, f);
  if (t->n < SHORT_TRACK_POINTS && f->step > 3 && chance >= CHANCE_SHAPELESS) {
    double extent = 0;
    int i;

    for (i = 0; i < t->n; i++)
      extent += t->box[i][2] > t->box[i][3] ? t->box[i][2] : t->box[i][3];
    if (extent / t->n < 0.5 * f->step) {
      *why = DETECTOR_REJECT_CROOKED;
      return 0;
    }
  }
  /* a flash's light changes unevenly over the sky for as long as it
   * lasts, and its edges make short tracks: a short track seen mostly in
   * flash frames is the flash's */
  if (t->n < SHORT_TRACK_POINTS) {
    int i, lit = 0;

    for (i = 0; i < t->n; i++)
      lit += det_lit_frame (d, t->points[i].frame);
    if (2 * lit > t->n) {
      *why = DETECTOR_REJECT_FLASH;
      return 0;
    }
  }
  /* two frames only: both blobs must be streaks lying along the motion,
   * each about as long as the step (the meteor smears over its own
   * motion during the exposure); noise, twinkle and slow lights are
   * round */
  if (t->n == 2 && !streak_pair (t, f)) {
    *why = DETECTOR_REJECT_SHORT;
    return 0;
  }
  /* noise blobs line up by chance: as many as this video makes, as
   * bright as they come in it, this track must be rare (detector-chance.c) */
  if (chance >= CHANCE_PER_NIGHT) {
    *why = DETECTOR_REJECT_SHORT;
    return 0;
  }
  /* steady: every step close to the typical one (a meteor slows a little;
   * a noise blob joined to a slow light makes one giant step). A long
   * track may have a few odd steps (a fireball's head flares and its
   * centroid jumps): up to one in STEADY_ODD_STEPS; its speed is then
   * judged by the median step, which odd steps cannot lift from a slow
   * light's to a meteor's */
  {
    double median;
    int odd = unsteady_steps (t, f, &median);

    if (odd > (t->n - 1) / STEADY_ODD_STEPS) {
      *why = DETECTOR_REJECT_CROOKED;
      return 0;
    }
    if (odd > 0 && median * c->fps * d->bin < slowest) {
      *why = DETECTOR_REJECT_SLOW;
      return 0;
    }
  }
  /* straight: centroids of a streak jitter by a pixel or so */
  allowed = 1.5 + 0.02 * (f->along1 - f->along0);
  if (f->cross_rms > allowed || f->backwards > t->n / 5) {
    *why = DETECTOR_REJECT_CROOKED;
    return 0;
  }
  return 1;
}
