/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor detector core: clusters into tracks, tracks into
 * meteors (pure C) */
#include "detector-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------------- tracking */

/* Fits the points' line (principal axis) and measures how straight and how
 * steady the motion along it is. */
void
det_fit_line (const Track *t, LineFit *f)
{
  double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0, angle, c2 = 0;
  int i;

  for (i = 0; i < t->n; i++) {
    mx += t->points[i].x;
    my += t->points[i].y;
  }
  mx /= t->n;
  my /= t->n;
  for (i = 0; i < t->n; i++) {
    double dx = t->points[i].x - mx, dy = t->points[i].y - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  angle = 0.5 * atan2 (2 * sxy, sxx - syy);
  f->cx = mx;
  f->cy = my;
  f->ux = cos (angle);
  f->uy = sin (angle);
  /* point the direction the way the track went */
  if ((t->points[t->n - 1].x - t->points[0].x) * f->ux +
          (t->points[t->n - 1].y - t->points[0].y) * f->uy <
      0) {
    f->ux = -f->ux;
    f->uy = -f->uy;
  }
  f->backwards = 0;
  for (i = 0; i < t->n; i++) {
    double dx = t->points[i].x - mx, dy = t->points[i].y - my;
    double cross = -dx * f->uy + dy * f->ux;
    c2 += cross * cross;
    if (i > 0) {
      double a = dx * f->ux + dy * f->uy;
      double pa =
          (t->points[i - 1].x - mx) * f->ux + (t->points[i - 1].y - my) * f->uy;
      if (a < pa - 1.0)
        f->backwards++;
    }
  }
  f->cross_rms = sqrt (c2 / t->n);
  f->along0 = (t->points[0].x - mx) * f->ux + (t->points[0].y - my) * f->uy;
  f->along1 = (t->points[t->n - 1].x - mx) * f->ux +
              (t->points[t->n - 1].y - my) * f->uy;
  f->step = t->n > 1
                ? (f->along1 - f->along0) /
                      (double)(t->points[t->n - 1].frame - t->points[0].frame)
                : 0;
}

/* Removes point @i of @t. */
static void
drop_point (Track *t, int i)
{
  int rest = t->n - i - 1;

  memmove (&t->points[i], &t->points[i + 1], rest * sizeof (t->points[0]));
  memmove (&t->sigma[i], &t->sigma[i + 1], rest * sizeof (t->sigma[0]));
  memmove (&t->box[i], &t->box[i + 1], rest * sizeof (t->box[0]));
  memmove (&t->busy[i], &t->busy[i + 1], rest * sizeof (t->busy[0]));
  memmove (&t->streak[i], &t->streak[i + 1], rest * sizeof (t->streak[0]));
  memmove (&t->extra[i], &t->extra[i + 1], rest * sizeof (t->extra[0]));
  t->n--;
}

/* Median pixel count of @t's blobs. */
int
det_median_pixels (const Track *t)
{
  int px[DETECTOR_MAX_POINTS], i, j;

  for (i = 0; i < t->n; i++) {
    for (j = i; j > 0 && px[j - 1] > t->points[i].pixels; j--)
      px[j] = px[j - 1];
    px[j] = t->points[i].pixels;
  }
  return t->n > 0 ? px[t->n / 2] : 0;
}

/* A track's gate picks up a lone noise pixel just before or after a faint
 * meteor: single pixels at the ends of a body of streaks (blobs of 3
 * pixels or more, typically) are dropped. */
void
det_trim_track (Track *t)
{
  double steps[DETECTOR_MAX_POINTS], sorted[DETECTOR_MAX_POINTS], median;
  int n0 = t->n, i, j, n;
  LineFit f;

  if (t->n > 2 && det_median_pixels (t) >= 3) {
    while (t->n > 2 && t->points[0].pixels == 1)
      drop_point (t, 0);
    while (t->n > 2 && t->points[t->n - 1].pixels == 1)
      drop_point (t, t->n - 1);
  }
  /* a meteor's ends are faint and their centroids wander (noise next to
   * them, a blob coded late): odd steps at the ends go, a quarter of the
   * track at most */
  if (t->n < TRIM_MIN_POINTS)
    return;
  det_fit_line (t, &f);
  n = det_steps (t, &f, steps);
  for (i = 0; i < n; i++) {
    for (j = i; j > 0 && sorted[j - 1] > steps[i]; j--)
      sorted[j] = sorted[j - 1];
    sorted[j] = steps[i];
  }
  median = sorted[n / 2];
  while (t->n >= TRIM_MIN_POINTS && 4 * (n0 - t->n + 1) <= n0) {
    n = det_steps (t, &f, steps);
    if (det_odd_step (steps[0], median))
      drop_point (t, 0);
    else if (det_odd_step (steps[n - 1], median))
      drop_point (t, t->n - 1);
    else
      break;
  }
}

/* Remembers a slow object's track end and motion. */
void
det_remember_slow (Detector *d, const Track *t, const LineFit *f)
{
  SlowTrail *s = &d->trails[d->next_trail];
  const DetectorPoint *last = &t->points[t->n - 1];

  s->x = last->x;
  s->y = last->y;
  s->vx = f->ux * f->step;
  s->vy = f->uy * f->step;
  s->frame = last->frame;
  s->used = 1;
  d->next_trail = (d->next_trail + 1) % SLOW_TRAILS;
}

/* analysis coordinates to frame pixels (a binned pixel's centre) */
static double
to_frame (const Detector *d, double a)
{
  return a * d->bin + (d->bin - 1) / 2.0;
}

static void
emit_meteor (Detector *d, const Track *t, const LineFit *f)
{
  const DetectorPoint *first = &t->points[0], *last = &t->points[t->n - 1];
  DetectorMeteor *m;
  double sig[DETECTOR_MAX_POINTS], sigma, half = f->step / 2;
  int i, j;

  d->done = meteor_grow (
      d->done, &d->done_cap, d->n_done + 1, sizeof (DetectorMeteor));
  m = &d->done[d->n_done++];
  m->id = t->id ? t->id : d->next_id++;
  m->first_frame = t->points[0].frame;
  m->last_frame = t->points[t->n - 1].frame;
  /* the meteor's own ends, not the ends of a line fitted through its
   * points (a blob of something else at one end bends that line away
   * from the head): its first and last blobs, which are mid-streak, so
   * the track reaches half a frame's motion beyond them */
  m->x0 = to_frame (d, first->x - f->ux * half);
  m->y0 = to_frame (d, first->y - f->uy * half);
  m->x1 = to_frame (d, last->x + f->ux * half);
  m->y1 = to_frame (d, last->y + f->uy * half);
  m->speed = f->step * d->config.fps * d->bin;
  {
    double ends[4] = { m->x0, m->y0, m->x1, m->y1 };

    det_canary_note_meteor (d, m->last_frame, ends);
  }
  m->peak = 0;
  for (i = 0; i < t->n; i++) {
    m->peak = t->points[i].peak > m->peak ? t->points[i].peak : m->peak;
    /* insertion sort for the median sigma */
    for (j = i; j > 0 && sig[j - 1] > t->sigma[i]; j--)
      sig[j] = sig[j - 1];
    sig[j] = t->sigma[i];
  }
  sigma = sig[t->n / 2] > 0.1 ? sig[t->n / 2] : 0.1;
  m->snr = m->peak / sigma;
  m->score = m->snr * sqrt ((double)t->n);
  m->n_points = t->n;
  for (i = 0; i < t->n; i++) {
    m->points[i] = t->points[i];
    m->points[i].x = to_frame (d, t->points[i].x);
    m->points[i].y = to_frame (d, t->points[i].y);
    /* summed over frame pixels: an analysis pixel is bin x bin of them */
    m->points[i].intensity = t->points[i].intensity * d->bin * d->bin;
  }
  d->stats.detections++;
}

/* One line a finished track: where and when it was, what it was judged. */
static void
trace_track (
    Detector *d, const Track *t, const LineFit *judged, DetectorReject why)
{
  const DetectorPoint *a = &t->points[0], *b = &t->points[t->n - 1];
  LineFit f = *judged;

  det_fit_line (t, &f);
  fprintf (d->trace,
      "detector: track frames %llu-%llu n=%d (%.0f,%.0f)->(%.0f,%.0f) "
      "speed=%.1f px/s snr=%.1f chance=%.2g/night: %s%s\n",
      (unsigned long long)a->frame, (unsigned long long)b->frame, t->n,
      to_frame (d, a->x), to_frame (d, a->y), to_frame (d, b->x),
      to_frame (d, b->y), f.step * d->config.fps * d->bin, det_track_snr (t),
      det_chance_per_night (d, t, &f),
      why == DETECTOR_REJECT_N ? "meteor" : detector_reject_name (why),
      t->canary ? " (canary)" : "");
  if (d->trace_points) {
    int i;

    for (i = 0; i < t->n; i++)
      fprintf (d->trace,
          "  frame %llu (%.1f,%.1f) peak %.1f sigma %.2f px %d box %dx%d "
          "grid %d gate %.1f%s\n",
          (unsigned long long)t->points[i].frame, to_frame (d, t->points[i].x),
          to_frame (d, t->points[i].y), t->points[i].peak, t->sigma[i],
          t->points[i].pixels, t->box[i][2], t->box[i][3], t->extra[i].on_grid,
          t->extra[i].gate, t->extra[i].faint ? " faint" : "");
  }
}

void
det_close_track (Detector *d, size_t index)
{
  Track *t = &d->tracks[index];
  DetectorReject why;
  LineFit f;

  why = DETECTOR_REJECT_N;
  memset (&f, 0, sizeof (f));
  det_trim_track (t);
  if (t->canary) {
    /* a canary's track is judged as any, and never reported */
    det_canary_judged (d, t->canary, det_judge (d, t, &f, &why));
    if (d->trace && t->n >= 2)
      trace_track (d, t, &f, why);
    d->tracks[index] = d->tracks[--d->n_tracks];
    return;
  }
  if (det_judge (d, t, &f, &why))
    emit_meteor (d, t, &f);
  else
    d->stats.rejected[why]++;
  if ((why == DETECTOR_REJECT_SLOW || why == DETECTOR_REJECT_LONG) &&
      f.step > 0)
    det_remember_slow (d, t, &f);
  /* blobs that came to nothing: what noise looks like here */
  if (why == DETECTOR_REJECT_SHORT || why == DETECTOR_REJECT_CROOKED ||
      why == DETECTOR_REJECT_FAST)
    det_chance_learn (d, t);
  if (d->trace && t->n >= 2)
    trace_track (d, t, &f, why);
  d->tracks[index] = d->tracks[--d->n_tracks];
}

static void
predict (const Track *t, uint64_t frame, double fps, double max_speed,
    double *px, double *py, double *gate)
{
  const DetectorPoint *a = &t->points[t->n - 1];
  double gap = (double)(frame - a->frame);

  if (t->n >= 2) {
    const DetectorPoint *b = &t->points[t->n - 2];
    double df = (double)(a->frame - b->frame);
    double vx = (a->x - b->x) / df, vy = (a->y - b->y) / df;

    *px = a->x + vx * gap;
    *py = a->y + vy * gap;
    *gate = 4.0 + 0.5 * hypot (vx, vy) * gap;
  } else {
    /* one point: a meteor moves about its own streak length a frame, so
     * the gate is the streak's size, not max-speed (that would link
     * noise) */
    const int *box = t->box[t->n - 1];

    *px = a->x;
    *py = a->y;
    *gate = fmin (
        4.0 + 1.5 * hypot (box[2], box[3]) * gap, 4.0 + max_speed / fps * gap);
  }
}

/* Puts @c into @t as its point in @frame at index @at (moving later points
 * on), linked through a gate of @gate analysis px (0: the first point). */
static void
insert_point (Track *t, int at, uint64_t frame, const Cluster *c, double gate)
{
  int rest = t->n - at;
  DetectorPoint *p = &t->points[at];

  memmove (&t->points[at + 1], p, rest * sizeof (t->points[0]));
  memmove (&t->sigma[at + 1], &t->sigma[at], rest * sizeof (t->sigma[0]));
  memmove (&t->box[at + 1], &t->box[at], rest * sizeof (t->box[0]));
  memmove (&t->busy[at + 1], &t->busy[at], rest * sizeof (t->busy[0]));
  memmove (&t->streak[at + 1], &t->streak[at], rest * sizeof (t->streak[0]));
  memmove (&t->extra[at + 1], &t->extra[at], rest * sizeof (t->extra[0]));
  p->frame = frame;
  p->x = c->sx / c->sw;
  p->y = c->sy / c->sw;
  p->peak = c->peak;
  p->intensity = c->sw;
  p->pixels = c->pixels;
  t->sigma[at] = c->sigma;
  t->box[at][0] = c->x0;
  t->box[at][1] = c->y0;
  t->box[at][2] = c->x1 - c->x0 + 1;
  t->box[at][3] = c->y1 - c->y0 + 1;
  t->busy[at] = c->busy;
  t->extra[at].gate = gate;
  t->extra[at].on_grid = c->on_grid;
  t->extra[at].faint = 0;
  det_blob_streak (c, &t->streak[at]);
  t->n++;
}

/* A track whose newest blob lies on a canary's streak is the canary's. */
static void
mark_canary (const Detector *d, Track *t)
{
  const DetectorPoint *p = &t->points[t->n - 1];

  if (t->canary == 0)
    t->canary = det_canary_at (d, p->x, p->y);
}

static void
add_point (Track *t, uint64_t frame, const Cluster *c, double gate)
{
  insert_point (t, t->n, frame, c, gate);
}

static int
compare_pairs (const void *a, const void *b)
{
  double x = ((const Pair *)a)->score, y = ((const Pair *)b)->score;

  return x < y ? -1 : x > y ? 1 : 0;
}

/* Extends tracks with this frame's clusters and starts new ones; in a
 * disturbed frame only tracks that already look like meteors go on. */
void
det_link_clusters (Detector *d, uint64_t frame, int disturbed)
{
  const DetectorConfig *cfg = &d->config;
  size_t i, j, n_pairs = 0, k;

  /* established tracks pick first, nearest cluster in their gate */
  for (i = 0; i < d->n_tracks; i++) {
    Track *t = &d->tracks[i];
    double px, py, gate, best = 1e30;
    long pick = -1;

    if (t->n < 2 || t->points[t->n - 1].frame >= frame ||
        (disturbed && !t->qualified) || t->n >= DETECTOR_MAX_POINTS)
      continue;
    predict (t, frame, cfg->fps, cfg->max_speed / d->bin, &px, &py, &gate);
    for (j = 0; j < d->n_clusters; j++) {
      const Cluster *c = &d->clusters[j];
      double dist = hypot (c->sx / c->sw - px, c->sy / c->sw - py);

      if (!c->used && dist <= gate && dist < best) {
        best = dist;
        pick = (long)j;
      }
    }
    if (pick >= 0) {
      d->clusters[pick].used = 1;
      add_point (t, frame, &d->clusters[pick], gate);
      mark_canary (d, t);
    }
  }
  /* then one-point tracks, best pairs first (nearest for the gate): a
   * meteor's streak, whose gate is its length, is not taken by a noise
   * pixel next to it whose gate is small */
  for (i = 0; i < d->n_tracks && !disturbed; i++) {
    Track *t = &d->tracks[i];
    double px, py, gate;

    if (t->n != 1 || t->points[0].frame >= frame)
      continue;
    predict (t, frame, cfg->fps, cfg->max_speed / d->bin, &px, &py, &gate);
    for (j = 0; j < d->n_clusters; j++) {
      const Cluster *c = &d->clusters[j];
      double dist = hypot (c->sx / c->sw - px, c->sy / c->sw - py);

      if (c->used || dist > gate)
        continue;
      d->pairs =
          meteor_grow (d->pairs, &d->pairs_cap, n_pairs + 1, sizeof (Pair));
      d->pairs[n_pairs].track = i;
      d->pairs[n_pairs].cluster = j;
      d->pairs[n_pairs].gate = gate;
      d->pairs[n_pairs++].score = dist / gate;
    }
  }
  if (n_pairs > 0)
    qsort (d->pairs, n_pairs, sizeof (Pair), compare_pairs);
  for (k = 0; k < n_pairs; k++) {
    const Pair *p = &d->pairs[k];
    Track *t = &d->tracks[p->track];

    if (d->clusters[p->cluster].used || t->n != 1)
      continue;
    d->clusters[p->cluster].used = 1;
    add_point (t, frame, &d->clusters[p->cluster], p->gate);
    mark_canary (d, t);
  }
  for (j = 0; j < d->n_clusters && !disturbed; j++) {
    Track *t;

    if (d->clusters[j].used)
      continue;
    d->tracks = meteor_grow (
        d->tracks, &d->tracks_cap, d->n_tracks + 1, sizeof (Track));
    t = &d->tracks[d->n_tracks++];
    t->id = 0;
    t->canary = 0;
    t->n = 0;
    t->qualified = 0;
    add_point (t, frame, &d->clusters[j], 0);
    mark_canary (d, t);
    d->stats.tracks++;
  }
}

/* Follows tracks into frames where no blob above the threshold continued
 * them: a blob at FAINT_SIGMA close to where they should be now is
 * theirs; and a track that just got its second point is followed back
 * into the frames before its first, where a meteor's light was rising. */
void
det_follow_faint (Detector *d, uint64_t frame, const uint8_t *plane, int stride)
{
  const DetectorConfig *cfg = &d->config;
  const uint8_t *img = d->direct ? plane : d->luma;
  int img_stride = d->direct ? stride : d->w;
  size_t i;

  for (i = 0; i < d->n_tracks; i++) {
    Track *t = &d->tracks[i];
    double px, py, gate;
    Cluster c;

    if (t->n < FAINT_MIN_POINTS || t->n >= DETECTOR_MAX_POINTS)
      continue;
    if (t->points[t->n - 1].frame < frame) {
      predict (t, frame, cfg->fps, cfg->max_speed / d->bin, &px, &py, &gate);
      if (det_faint_cluster (d, img, img_stride, d->noise.fresh, px, py,
              FAINT_RADIUS, FAINT_SIGMA, &c)) {
        add_point (t, frame, &c, FAINT_RADIUS);
        t->extra[t->n - 1].faint = 1;
        mark_canary (d, t);
      }
    } else if (t->n == 2) {
      const DetectorPoint *a = &t->points[0], *b = &t->points[1];
      double vx = (b->x - a->x) / (double)(b->frame - a->frame);
      double vy = (b->y - a->y) / (double)(b->frame - a->frame);
      int k;

      for (k = 1; t->n < DETECTOR_MAX_POINTS && a->frame >= (uint64_t)k; k++) {
        const uint8_t *fresh;
        const uint8_t *past =
            det_noise_past (d, (int)(frame - (a->frame - k)), &fresh);

        if (past == NULL ||
            !det_faint_cluster (d, past, d->w, fresh, a->x - k * vx,
                a->y - k * vy, FAINT_RADIUS, FAINT_SIGMA, &c))
          break;
        insert_point (t, 0, a->frame - k, &c, FAINT_RADIUS);
        t->extra[0].faint = 1;
        t->extra[1].gate = FAINT_RADIUS;
        a = &t->points[k];
      }
    }
  }
}

/* Ends tracks that missed too many frames or grew too long; marks the
 * ones that already are meteors. */
void
det_update_tracks (Detector *d, uint64_t frame)
{
  size_t i = 0;

  while (i < d->n_tracks) {
    Track *t = &d->tracks[i];
    uint64_t last = t->points[t->n - 1].frame;
    double duration = (last - t->points[0].frame + 1) / d->config.fps;

    if (frame - last > TRACK_MAX_GAP || t->n == DETECTOR_MAX_POINTS ||
        duration > d->config.max_duration) {
      det_close_track (d, i);
      continue;
    }
    if (!t->qualified && t->n >= d->config.min_frames) {
      DetectorReject why;
      LineFit f;

      t->qualified = det_judge (d, t, &f, &why);
    }
    /* an id once a track may be reported, so boxes and message agree (a
     * canary's never is: the ids of meteors are the same with canaries) */
    if (t->qualified && t->id == 0 && !t->canary)
      t->id = d->next_id++;
    i++;
  }
}
