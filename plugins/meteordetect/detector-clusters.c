/* gst-meteor: meteor detector core: candidates into clusters (pure C) */
#include "detector-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------- clustering */

static void
push (Detector *d, size_t *n, int v)
{
  d->stack = meteor_grow (d->stack, &d->stack_cap, *n + 1, sizeof (int));
  d->stack[(*n)++] = v;
}

/* Flood-fills the candidates connected to (x, y), clearing the mask. */
static void
fill_cluster (Detector *d, int x, int y, const uint8_t *plane, int stride,
    DetectorLuma luma, Cluster *c)
{
  size_t n = 0;

  memset (c, 0, sizeof (*c));
  c->x0 = c->x1 = x;
  c->y0 = c->y1 = y;
  d->mask[(size_t)y * d->w + x] = 0;
  push (d, &n, y * d->w + x);
  while (n > 0) {
    int p = d->stack[--n], px = p % d->w, py = p / d->w, dx, dy;
    const uint8_t *row = det_luma_row (d, plane, stride, py);
    double excess = row[px] - d->mean[p] / 128.0;
    double sigma = fmax (d->dev[p] * SIGMA_PER_MAD / 128.0, SIGMA_FLOOR_DN);

    c->sx += excess * px;
    c->sy += excess * py;
    c->sw += excess;
    c->sxx += excess * px * px;
    c->syy += excess * py * py;
    c->sxy += excess * px * py;
    c->pixels++;
    if (excess > c->peak) {
      c->peak = excess;
      c->sigma = sigma;
    }
    c->x0 = px < c->x0 ? px : c->x0;
    c->x1 = px > c->x1 ? px : c->x1;
    c->y0 = py < c->y0 ? py : c->y0;
    c->y1 = py > c->y1 ? py : c->y1;
    /* a faint streak breaks up above the threshold: pieces up to a pixel
     * apart are one cluster */
    for (dy = -CLUSTER_REACH; dy <= CLUSTER_REACH; dy++)
      for (dx = -CLUSTER_REACH; dx <= CLUSTER_REACH; dx++) {
        int nx = px + dx, ny = py + dy;
        size_t q;

        if (nx < 0 || ny < 0 || nx >= d->w || ny >= d->h)
          continue;
        q = (size_t)ny * d->w + nx;
        if (d->mask[q]) {
          d->mask[q] = 0;
          push (d, &n, (int)q);
        }
      }
  }
}

/* Stars twinkle and hot pixels flicker above the threshold again and again
 * at the same place; a meteor passes once. Counts the cluster at its
 * centroid and says whether the place has been busy. */
static int
sits_still (Detector *d, Cluster *c)
{
  int x = (int)(c->sx / c->sw + 0.5), y = (int)(c->sy / c->sw + 0.5);
  int i, j;
  uint8_t *v, busy = 0;

  if (x < 0 || y < 0 || x >= d->w || y >= d->h)
    return 0;
  /* around it too: a twinkling star's centroid wanders by a pixel, and a
   * plane's strobe lights up where its steady light has been sitting */
  for (j = y > 0 ? y - 1 : 0; j <= y + 1 && j < d->h; j++)
    for (i = x > 0 ? x - 1 : 0; i <= x + 1 && i < d->w; i++)
      busy = busy > d->static_map[(size_t)j * d->w + i]
                 ? busy
                 : d->static_map[(size_t)j * d->w + i];
  c->busy = busy;
  v = &d->static_map[(size_t)y * d->w + x];
  *v = *v > 255 - STATIC_HIT ? 255 : *v + STATIC_HIT;
  return *v >= STATIC_BUSY || busy >= STATIC_BUSY;
}

void
det_find_clusters (
    Detector *d, const uint8_t *plane, int stride, DetectorLuma luma)
{
  int x, y;

  d->n_clusters = 0;
  for (y = 0; y < d->h; y++) {
    uint8_t *m = d->mask + (size_t)y * d->w;

    if (d->row_count[y] == 0)
      continue;
    for (x = 0; x < d->w; x++) {
      Cluster c;
      double floor_snr;

      if (!m[x])
        continue;
      fill_cluster (d, x, y, plane, stride, luma, &c);
      floor_snr = c.sigma > 0 ? c.peak / c.sigma : 0;
      if (c.sw <= 0 || (c.pixels < CLUSTER_MIN_PIXELS &&
                           floor_snr < d->config.k1 + CLUSTER_BRIGHT_SIGMA))
        continue;
      if (d->n_clusters >= MAX_CLUSTERS || sits_still (d, &c))
        continue;
      d->clusters = meteor_grow (
          d->clusters, &d->clusters_cap, d->n_clusters + 1, sizeof (Cluster));
      d->clusters[d->n_clusters++] = c;
    }
  }
  d->stats.clusters += d->n_clusters;
}

/* The principal axes of a cluster's light: a uniform line of length L has
 * a variance of L^2/12 along it. */
void
det_blob_streak (const Cluster *c, Streak *s)
{
  double mx = c->sx / c->sw, my = c->sy / c->sw;
  double vxx = c->sxx / c->sw - mx * mx, vyy = c->syy / c->sw - my * my;
  double vxy = c->sxy / c->sw - mx * my;
  double half = (vxx + vyy) / 2,
         diff = sqrt ((vxx - vyy) * (vxx - vyy) / 4 + vxy * vxy);
  double angle = 0.5 * atan2 (2 * vxy, vxx - vyy);

  s->ux = cos (angle);
  s->uy = sin (angle);
  s->len = sqrt (12 * fmax (half + diff, 0) + 1);
  s->across = sqrt (12 * fmax (half - diff, 0) + 1);
}
