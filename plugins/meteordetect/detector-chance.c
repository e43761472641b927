/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor detector core: how often noise lines up by chance
 * (pure C)
 *
 * A short track is a meteor only when noise that lines up as well, is as
 * bright and looks as much like a meteor would be rare in this very
 * video: under one such track a night. The tracker itself shows how noise
 * lines up: every frame its blobs start tracks, most end after a point or
 * two, some run to three, four, five points before they come to nothing.
 * Counted as the video runs (forgetting over about a minute), that is the
 * rate of noise tracks of each length, whatever makes them: independent
 * sensor noise seldom lines up, compression noise (blocks refreshed
 * frame after frame in the same place, an encoder's rows) and cloud edges
 * often do. One point beyond the lengths seen often enough, the rate falls
 * by the share of those that went on; beyond that, as noise blobs coming
 * up independently would take a track on (the density of blobs where its
 * points are, times the area of the gates they came through).
 *
 * Also measured, of the noise tracks and their blobs:
 * - how bright noise blobs are: the distribution of their peak over the
 *   noise, for the whole frame and per region of 128x128 frame pixels (a
 *   clipped or compressed noise floor makes blobs of 6-8 sigma common,
 *   where sensor noise makes them rare; a cloud edge makes brighter ones
 *   than clear sky);
 * - which way the noise tracks go (an encoder's rows line noise up
 *   horizontally), and how many of their blobs are streaks along their
 *   way (elongated, as a meteor's blob is, since it smears over its
 *   motion during the exposure; an encoder's blocks often are too);
 * - how many noise blobs sit on the codec's grid of 4x4-pixel blocks and
 *   how many are elongated (shown in the trace).
 * Stars, planes and satellites end as static, slow or long tracks and do
 * not count; nor do canaries.
 *
 * For a track of n points: the rate of noise tracks of n points, times
 * how much likelier noise tracks go its way than meteors (which go any
 * way), times for each point that is a streak along its way the share of
 * the blobs of noise tracks going that way that are, times the chance
 * that n noise blobs are at least as bright: each blob's brightness,
 * mapped through the measured distribution, is an exponential "surprise"
 * -ln P(brighter), and their sum over the track is gamma-distributed.
 * Over a night's frames (10 hours) that is the number of such tracks
 * noise would make; under 0.5 is a meteor. Until the video has shown its
 * noise (a few seconds), a pessimistic prior counts with it.
 */
#include "detector-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* regions for the brightness of noise blobs, frame pixels */
#define REGION_PX 128
/* the measurements forget over this many seconds */
#define CHANCE_MEMORY_S 60.0
/* brightness histogram: bins of this many sigma, up to this many */
#define SNR_BIN 0.25
#define SNR_BINS 256
/* and per region: bins of this many sigma above the threshold, so many,
 * and how many blobs of the whole frame's count as much as its own */
#define RSNR_BIN 1.0
#define RSNR_BINS 16
#define REGION_PRIOR 20.0
/* before the video has shown many blobs, the brightness distribution is
 * taken to be this many blobs above the threshold, a tenth of them
 * elongated, getting rarer by e every PRIOR_TAIL sigma (a heavier tail
 * than gaussian noise has: an unknown video is not believed to be clean) */
#define PRIOR_BLOBS 50.0
#define PRIOR_ELONGATED 0.1
/* and that many blobs of noise tracks before any was seen */
#define PRIOR_POINTS 20.0
#define PRIOR_TAIL 1.0
/* the share of random directions within PAIR_MIN_ALIGNMENT of a line:
 * 2 acos (0.9) / 180 degrees */
#define ALIGNED_SHARE 0.287
/* noise tracks by their direction */
#define ANGLE_BIN (180.0 / CHANCE_ANGLES)
/* noise tracks taken to have gone each way before any did */
#define DIRECTION_PRIOR 2.0
/* a length's rate is measured when at least this many noise tracks (in
 * the memory) were that long, else extrapolated */
#define LENGTH_SEEN 8.0
/* what has been measured takes over from the prior over this many
 * seconds */
#define TRUST_S 5.0
/* a night, s, and the chance tracks a night allowed */
#define NIGHT_S (10 * 3600.0)

int
det_chance_init (Detector *d)
{
  ChanceModel *cm = &d->chance;

  cm->rside = REGION_PX / d->bin;
  cm->rw = (d->w + cm->rside - 1) / cm->rside;
  cm->rh = (d->h + cm->rside - 1) / cm->rside;
  cm->rate = calloc ((size_t)cm->rw * cm->rh, sizeof (double));
  cm->count = calloc ((size_t)cm->rw * cm->rh, sizeof (uint32_t));
  cm->hist = calloc (SNR_BINS, sizeof (double));
  cm->rhist = calloc ((size_t)cm->rw * cm->rh * RSNR_BINS, sizeof (double));
  cm->grid = d->bin < 4 ? 4 / d->bin : 1;
  if (!cm->rate || !cm->count || !cm->hist || !cm->rhist)
    return -1;
  cm->keep = 1.0 - 1.0 / (CHANCE_MEMORY_S * d->config.fps);
  return 0;
}

void
det_chance_free (Detector *d)
{
  free (d->chance.rate);
  free (d->chance.count);
  free (d->chance.hist);
  free (d->chance.rhist);
}

static size_t
region_of (const ChanceModel *cm, double x, double y)
{
  int rx = (int)x / cm->rside, ry = (int)y / cm->rside;

  rx = rx < 0 ? 0 : rx >= cm->rw ? cm->rw - 1 : rx;
  ry = ry < 0 ? 0 : ry >= cm->rh ? cm->rh - 1 : ry;
  return (size_t)ry * cm->rw + rx;
}

/* Whether a cluster's box lies on the codec's 4x4 grid. */
int
det_chance_on_grid (const Detector *d, const Cluster *c)
{
  int g = d->chance.grid;

  return g > 1 && c->x0 % g == 0 && c->y0 % g == 0 &&
         (c->x1 - c->x0 + 1) % g == 0 && (c->y1 - c->y0 + 1) % g == 0;
}

/* A frame went by: everything measured forgets a little. */
void
det_chance_frame (Detector *d)
{
  ChanceModel *cm = &d->chance;
  size_t i, n = (size_t)cm->rw * cm->rh * RSNR_BINS;
  double k = cm->keep;

  cm->frames = cm->frames * k + 1;
  cm->seen++;
  for (i = 0; i < SNR_BINS; i++)
    cm->hist[i] *= k;
  for (i = 0; i < n; i++)
    cm->rhist[i] *= k;
  for (i = 0; i < CHANCE_LENGTHS; i++)
    cm->lengths[i] *= k;
  for (i = 0; i < CHANCE_ANGLES; i++) {
    cm->directions[i] *= k;
    cm->track_points[i] *= k;
    cm->track_streaks[i] *= k;
  }
  cm->blobs *= k;
  cm->elongated *= k;
  cm->on_grid *= k;
}

/* Takes this frame's blobs into the density of blobs, per region. */
void
det_chance_observe (Detector *d)
{
  ChanceModel *cm = &d->chance;
  size_t i, regions = (size_t)cm->rw * cm->rh;
  double keep = cm->keep;

  /* while young, an average over the frames so far */
  if (cm->observed < 1.0 / (1.0 - keep))
    keep = cm->observed / (cm->observed + 1.0);
  cm->observed++;
  memset (cm->count, 0, regions * sizeof (uint32_t));
  for (i = 0; i < d->n_clusters; i++) {
    const Cluster *c = &d->clusters[i];

    cm->count[region_of (cm, c->sx / c->sw, c->sy / c->sw)]++;
  }
  for (i = 0; i < regions; i++)
    cm->rate[i] = keep * cm->rate[i] + (1 - keep) * cm->count[i];
}

/* The bin of direction (dx, dy), 0 to 180 degrees. */
static int
direction_bin (double dx, double dy)
{
  double a = atan2 (dy, dx) * 180 / M_PI;

  a = a < 0 ? a + 180 : a;
  return (int)(a / ANGLE_BIN) % CHANCE_ANGLES;
}

/* Whether point @i of @t is elongated: a streak of a few pixels. */
static int
elongated (const Track *t, int i)
{
  const Streak *s = &t->streak[i];

  return t->points[i].pixels >= PAIR_MIN_PIXELS && s->len >= PAIR_MIN_LENGTH &&
         s->len >= PAIR_MIN_ELONGATION * s->across;
}

/* Whether point @i of @t is a streak along @f, the track's motion: what
 * a meteor's blob is and few noise blobs are. */
int
det_chance_streak (const Track *t, int i, const LineFit *f)
{
  const Streak *s = &t->streak[i];

  return elongated (t, i) &&
         fabs (s->ux * f->ux + s->uy * f->uy) >= PAIR_MIN_ALIGNMENT;
}

/* A track that ended as noise (too short, crooked, too fast): its length,
 * its way and its blobs are what noise does in this video. */
void
det_chance_learn (Detector *d, const Track *t)
{
  ChanceModel *cm = &d->chance;
  int i;

  cm->lengths[t->n < CHANCE_LENGTHS ? t->n : CHANCE_LENGTHS - 1] += 1;
  if (t->n >= 2) {
    /* which way it went, and how many of its blobs are streaks that way */
    int dir = direction_bin (t->points[t->n - 1].x - t->points[0].x,
        t->points[t->n - 1].y - t->points[0].y);
    LineFit f;

    det_fit_line (t, &f);
    cm->directions[dir] += 1;
    for (i = 0; i < t->n; i++) {
      cm->track_points[dir] += 1;
      cm->track_streaks[dir] +=
          !t->extra[i].faint && det_chance_streak (t, i, &f);
    }
  }
  for (i = 0; i < t->n; i++) {
    double snr = t->sigma[i] > 0 ? t->points[i].peak / t->sigma[i] : 0;
    double rbin = (snr - d->config.k1) / RSNR_BIN;
    int bin = (int)(snr / SNR_BIN);

    cm->hist[bin < SNR_BINS ? bin : SNR_BINS - 1] += 1;
    cm->rhist[region_of (cm, t->points[i].x, t->points[i].y) * RSNR_BINS +
              (size_t)fmin (fmax (rbin, 0), RSNR_BINS - 1)] += 1;
    cm->blobs += 1;
    cm->on_grid += t->extra[i].on_grid;
    cm->elongated += elongated (t, i);
  }
}

/* Noise tracks of @t's length or more a frame. Measured up to the
 * longest length seen often enough; one point more falls by the share of
 * those that went on to a point more; beyond, a track goes on as noise
 * blobs that come up independently would take it on: a blob in the gate
 * each later point of @t came through (the density of blobs there times
 * the gate's area), never more often than it went on before. */
static double
tracks_per_frame (const Detector *d, const Track *t)
{
  const ChanceModel *cm = &d->chance;
  double at_least[CHANCE_LENGTHS + 1], frames = fmax (cm->frames, 1.0), fall;
  double prior, trust, rate, area = (double)cm->rside * cm->rside;
  int m, seen = 1, n = t->n;

  at_least[CHANCE_LENGTHS] = 0;
  for (m = CHANCE_LENGTHS - 1; m >= 1; m--)
    at_least[m] = at_least[m + 1] + cm->lengths[m];
  /* until the video has shown enough, a prior: a blob a frame, half
   * going on a point more */
  prior = pow (0.5, n - 1);
  if (at_least[1] < LENGTH_SEEN)
    return prior;
  for (m = 2; m < CHANCE_LENGTHS && m <= n; m++)
    if (at_least[m] >= LENGTH_SEEN)
      seen = m;
  fall = (at_least[seen + 1 < CHANCE_LENGTHS ? seen + 1 : seen] + 1) /
         (at_least[seen] + 1);
  rate = at_least[seen] / frames;
  for (m = seen + 1; m <= n; m++) {
    const DetectorPoint *p = &t->points[m - 1];
    double density = cm->rate[region_of (cm, p->x, p->y)] / area;
    double gate = t->extra[m - 1].gate;
    double geometric = 1 - exp (-density * M_PI * gate * gate);

    rate *= m == seen + 1 ? fall : fmin (fall, geometric);
  }
  trust = fmin (1.0, cm->seen / (TRUST_S * d->config.fps));
  return trust * rate + (1 - trust) * prior;
}

/* P(a noise blob anywhere peaks above @snr sigma): the blobs seen, and
 * the prior. */
static double
brighter_anywhere (const Detector *d, double snr)
{
  const ChanceModel *cm = &d->chance;
  double k = d->config.k1, seen = 0, prior;
  int bin = (int)(snr / SNR_BIN), i;

  for (i = bin + 1 < SNR_BINS ? bin + 1 : SNR_BINS; i < SNR_BINS; i++)
    seen += cm->hist[i];
  /* the blob's own bin, in part */
  if (bin < SNR_BINS)
    seen += cm->hist[bin] * (bin + 1 - snr / SNR_BIN);
  prior = PRIOR_BLOBS * fmin (1.0, exp (-(snr - k) / PRIOR_TAIL));
  return fmax ((seen + prior) / (cm->blobs + PRIOR_BLOBS), 1e-300);
}

/* P(a noise blob in region @r peaks above @snr sigma): the region's own
 * blobs where it has many, the whole frame's where few. */
static double
brighter (const Detector *d, size_t r, double snr)
{
  const ChanceModel *cm = &d->chance;
  const double *h = cm->rhist + r * RSNR_BINS;
  double seen = 0, total = 0, x = (snr - d->config.k1) / RSNR_BIN;
  int bin = (int)floor (x), i;

  for (i = 0; i < RSNR_BINS; i++) {
    total += h[i];
    if (i > bin)
      seen += h[i];
    else if (i == bin)
      seen += h[i] * (bin + 1 - x);
  }
  return (seen + REGION_PRIOR * brighter_anywhere (d, snr)) /
         (total + REGION_PRIOR);
}

/* P(a blob of a noise track going @f's way is a streak along it): noise
 * tracks are made of the blobs that link up, and an encoder's blocks make
 * streaks along its rows. */
static double
noise_streak (const ChanceModel *cm, const LineFit *f)
{
  int bin = direction_bin (f->ux, f->uy), i;
  double points = 0, streaks = 0;

  for (i = -1; i <= 1; i++) {
    points += cm->track_points[(bin + i + CHANCE_ANGLES) % CHANCE_ANGLES];
    streaks += cm->track_streaks[(bin + i + CHANCE_ANGLES) % CHANCE_ANGLES];
  }
  return (streaks + PRIOR_POINTS * PRIOR_ELONGATED * ALIGNED_SHARE) /
         (points + PRIOR_POINTS);
}

/* How much likelier noise tracks go the way @f goes than meteors, which
 * go any way: an encoder's slices and rows make noise line up along them
 * (1 where noise goes any way too). */
static double
noise_direction (const ChanceModel *cm, const LineFit *f)
{
  int bin = direction_bin (f->ux, f->uy), i;
  double total = 0, near = 0;

  for (i = 0; i < CHANCE_ANGLES; i++) {
    double v = cm->directions[i] + DIRECTION_PRIOR;

    total += v;
    if (i == bin || i == (bin + 1) % CHANCE_ANGLES ||
        i == (bin + CHANCE_ANGLES - 1) % CHANCE_ANGLES)
      near += v;
  }
  return near / total * CHANCE_ANGLES / 3;
}

/* P(a sum of @n unit exponentials >= @u) */
static double
gamma_above (int n, double u)
{
  double term = 1, sum = 1;
  int k;

  if (u <= 0)
    return 1;
  for (k = 1; k < n; k++) {
    term *= u / k;
    sum += term;
  }
  return fmin (1.0, exp (-u) * sum);
}

/* Noise tracks as long, as bright and as much like streaks along their
 * motion as @t (@f: its line; NULL before it has one) a night. */
double
det_chance_per_night (const Detector *d, const Track *t, const LineFit *f)
{
  const ChanceModel *cm = &d->chance;
  double rate = tracks_per_frame (d, t), shaped = 1, surprise = 0;
  int i;

  for (i = 0; i < t->n; i++) {
    const DetectorPoint *p = &t->points[i];
    double snr = t->sigma[i] > 0 ? p->peak / t->sigma[i] : 0;

    surprise -= log (brighter (d, region_of (cm, p->x, p->y), snr));
    /* (a faint blob, grown at a lower threshold, is no streak to compare
     * with the noise blobs above it) */
    if (f && !t->extra[i].faint && det_chance_streak (t, i, f))
      shaped *= noise_streak (cm, f);
  }
  if (f && t->n >= 2)
    shaped *= noise_direction (cm, f);
  if (d->trace_points && f)
    fprintf (d->trace,
        "  chance: %.3g noise tracks of %d points a frame (of 1, 2, 3, 4: "
        "%.0f %.0f %.0f %.0f in %.0f frames), shaped %.3g, as bright %.3g "
        "(surprise %.1f); noise blobs %.0f%% on the 4x4 grid\n",
        rate, t->n, cm->lengths[1], cm->lengths[2], cm->lengths[3],
        cm->lengths[4], cm->frames, shaped, gamma_above (t->n, surprise),
        surprise, cm->blobs > 0 ? 100 * cm->on_grid / cm->blobs : 0.0);
  return rate * shaped * gamma_above (t->n, surprise) * NIGHT_S * d->config.fps;
}
