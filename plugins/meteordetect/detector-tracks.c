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
  if (t->n <= 2 || det_median_pixels (t) < 3)
    return;
  while (t->n > 2 && t->points[0].pixels == 1)
    drop_point (t, 0);
  while (t->n > 2 && t->points[t->n - 1].pixels == 1)
    drop_point (t, t->n - 1);
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
  DetectorMeteor *m;
  double sig[DETECTOR_MAX_POINTS], sigma, half = f->step / 2;
  int i, j;

  d->done = meteor_grow (
      d->done, &d->done_cap, d->n_done + 1, sizeof (DetectorMeteor));
  m = &d->done[d->n_done++];
  m->id = t->id ? t->id : d->next_id++;
  m->first_frame = t->points[0].frame;
  m->last_frame = t->points[t->n - 1].frame;
  /* centroids are mid-streak: the track reaches half a frame's motion
   * beyond them */
  m->x0 = to_frame (d, f->cx + f->ux * (f->along0 - half));
  m->y0 = to_frame (d, f->cy + f->uy * (f->along0 - half));
  m->x1 = to_frame (d, f->cx + f->ux * (f->along1 + half));
  m->y1 = to_frame (d, f->cy + f->uy * (f->along1 + half));
  m->speed = f->step * d->config.fps * d->bin;
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
      "speed=%.1f px/s snr=%.1f: %s\n",
      (unsigned long long)a->frame, (unsigned long long)b->frame, t->n,
      to_frame (d, a->x), to_frame (d, a->y), to_frame (d, b->x),
      to_frame (d, b->y), f.step * d->config.fps * d->bin, det_track_snr (t),
      why == DETECTOR_REJECT_N ? "meteor" : detector_reject_name (why));
  if (d->trace_points) {
    int i;

    for (i = 0; i < t->n; i++)
      fprintf (d->trace, "  frame %llu (%.1f,%.1f) peak %.1f px %d box %dx%d\n",
          (unsigned long long)t->points[i].frame, to_frame (d, t->points[i].x),
          to_frame (d, t->points[i].y), t->points[i].peak, t->points[i].pixels,
          t->box[i][2], t->box[i][3]);
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
  if (det_judge (d, t, &f, &why))
    emit_meteor (d, t, &f);
  else
    d->stats.rejected[why]++;
  if ((why == DETECTOR_REJECT_SLOW || why == DETECTOR_REJECT_LONG) &&
      f.step > 0)
    det_remember_slow (d, t, &f);
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

static void
add_point (Track *t, uint64_t frame, const Cluster *c)
{
  DetectorPoint *p = &t->points[t->n];

  p->frame = frame;
  p->x = c->sx / c->sw;
  p->y = c->sy / c->sw;
  p->peak = c->peak;
  p->pixels = c->pixels;
  t->sigma[t->n] = c->sigma;
  t->box[t->n][0] = c->x0;
  t->box[t->n][1] = c->y0;
  t->box[t->n][2] = c->x1 - c->x0 + 1;
  t->box[t->n][3] = c->y1 - c->y0 + 1;
  t->busy[t->n] = c->busy;
  det_blob_streak (c, &t->streak[t->n]);
  t->n++;
}

void
det_link_clusters (Detector *d, uint64_t frame)
{
  const DetectorConfig *cfg = &d->config;
  size_t i, j;
  int pass;

  /* established tracks pick first, nearest cluster in their gate */
  for (pass = 0; pass < 2; pass++) {
    for (i = 0; i < d->n_tracks; i++) {
      Track *t = &d->tracks[i];
      double px, py, gate, best = 1e30;
      long pick = -1;

      if ((pass == 0) != (t->n >= 2) || t->points[t->n - 1].frame >= frame)
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
      if (pick >= 0 && t->n < DETECTOR_MAX_POINTS) {
        d->clusters[pick].used = 1;
        add_point (t, frame, &d->clusters[pick]);
      }
    }
  }
  for (j = 0; j < d->n_clusters; j++) {
    Track *t;

    if (d->clusters[j].used)
      continue;
    d->tracks = meteor_grow (
        d->tracks, &d->tracks_cap, d->n_tracks + 1, sizeof (Track));
    t = &d->tracks[d->n_tracks++];
    t->id = 0;
    t->n = 0;
    t->qualified = 0;
    add_point (t, frame, &d->clusters[j]);
    d->stats.tracks++;
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
    /* an id once a track may be reported, so boxes and message agree */
    if (t->qualified && t->id == 0)
      t->id = d->next_id++;
    i++;
  }
}
