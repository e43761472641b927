/* SPDX-License-Identifier: LGPL-2.1-or-later */
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

/* Adds pixel (@px, @py), @excess over its background, to @c: its weight
 * in the centroid and shape, its peak and box. */
static void
cluster_add (const Detector *d, Cluster *c, int px, int py, double excess)
{
  c->sx += excess * px;
  c->sy += excess * py;
  c->sw += excess;
  c->sxx += excess * px * px;
  c->syy += excess * py * py;
  c->sxy += excess * px * py;
  c->pixels++;
  if (excess > c->peak) {
    c->peak = excess;
    c->sigma = det_noise_sigma (d, px, py);
  }
  c->x0 = px < c->x0 ? px : c->x0;
  c->x1 = px > c->x1 ? px : c->x1;
  c->y0 = py < c->y0 ? py : c->y0;
  c->y1 = py > c->y1 ? py : c->y1;
}

/* Flood-fills the candidates connected to (x, y), clearing the mask. */
static void
fill_cluster (Detector *d, int x, int y, const uint8_t *plane, int stride,
    MeteorFormat luma, Cluster *c)
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
    cluster_add (d, c, px, py, row[px] - d->mean[p] / 128.0);
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
  uint8_t v, busy = 0;

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
  /* counted once the frame's clusters are final (a frame judged again
   * finds them again) */
  d->hits = meteor_grow (d->hits, &d->hits_cap, d->n_hits + 1, sizeof (int));
  d->hits[d->n_hits++] = y * d->w + x;
  v = d->static_map[(size_t)y * d->w + x];
  return v + STATIC_HIT >= STATIC_BUSY || busy >= STATIC_BUSY;
}

/* The frame's clusters are final: the static map counts them. */
void
det_commit_clusters (Detector *d)
{
  size_t i;

  for (i = 0; i < d->n_hits; i++) {
    uint8_t *v = &d->static_map[d->hits[i]];

    *v = *v > 255 - STATIC_HIT ? 255 : *v + STATIC_HIT;
  }
  d->n_hits = 0;
  d->stats.clusters += d->n_clusters;
}

void
det_find_clusters (
    Detector *d, const uint8_t *plane, int stride, MeteorFormat luma)
{
  int x, y;

  d->n_clusters = 0;
  d->n_hits = 0;
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
      c.on_grid = det_chance_on_grid (d, &c);
      d->clusters = meteor_grow (
          d->clusters, &d->clusters_cap, d->n_clusters + 1, sizeof (Cluster));
      d->clusters[d->n_clusters++] = c;
    }
  }
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

/* The brightest blob near (@cx, @cy) in analysis image @img (rows of
 * @img_stride bytes) whose blocks @fresh says were coded anew: pixels
 * within @radius (analysis px) of it, not masked, at least @k sigma above
 * the background, with their 8-connected neighbours as bright (within a
 * box @radius + 4 around it). A track that already looks like a meteor is
 * followed into frames where its blob stayed under the threshold (the
 * faint start and end of a meteor, a frame an encoder coded poorly).
 * Returns 1 with @c filled when there is one. Needs the candidate mask
 * clear (after det_find_clusters). */
int
det_faint_cluster (Detector *d, const uint8_t *img, int img_stride,
    const uint8_t *fresh, double cx, double cy, double radius, double k,
    Cluster *c)
{
  const NoiseModel *nm = &d->noise;
  int r = (int)ceil (radius), reach = r + 4, best_x = -1, best_y = -1;
  int x, y, bx0, by0, bx1, by1;
  double best = 0;
  size_t n = 0;

#define EXCESS(px, py)                                                         \
  (img[(size_t)(py)*img_stride + (px)] -                                       \
      d->mean[(size_t)(py)*d->w + (px)] / 128.0)
#define USABLE(px, py)                                                         \
  ((px) >= 0 && (py) >= 0 && (px) < d->w && (py) < d->h &&                     \
      fresh[(size_t)((py) >> nm->bshift) * nm->bw + ((px) >> nm->bshift)] &&   \
      (!d->amask || d->amask[(size_t)(py)*d->w + (px)]))

  memset (c, 0, sizeof (*c));
  for (y = (int)floor (cy) - r; y <= (int)floor (cy) + r + 1; y++)
    for (x = (int)floor (cx) - r; x <= (int)floor (cx) + r + 1; x++) {
      double e;

      if (!USABLE (x, y) || hypot (x - cx, y - cy) > radius)
        continue;
      e = EXCESS (x, y) / det_noise_sigma (d, x, y);
      if (e >= k && e > best) {
        best = e;
        best_x = x;
        best_y = y;
      }
    }
  if (best_x < 0)
    return 0;
  bx0 = best_x - reach, by0 = best_y - reach;
  bx1 = best_x + reach, by1 = best_y + reach;
  c->x0 = c->x1 = best_x;
  c->y0 = c->y1 = best_y;
  d->mask[(size_t)best_y * d->w + best_x] = 1; /* visited */
  push (d, &n, best_y * d->w + best_x);
  while (n > 0) {
    int p = d->stack[--n], px = p % d->w, py = p / d->w, dx, dy;
    cluster_add (d, c, px, py, EXCESS (px, py));
    for (dy = -1; dy <= 1; dy++)
      for (dx = -1; dx <= 1; dx++) {
        int nx = px + dx, ny = py + dy;

        if (nx < bx0 || ny < by0 || nx > bx1 || ny > by1 || !USABLE (nx, ny) ||
            d->mask[(size_t)ny * d->w + nx] ||
            EXCESS (nx, ny) < k * det_noise_sigma (d, nx, ny))
          continue;
        d->mask[(size_t)ny * d->w + nx] = 1;
        push (d, &n, ny * d->w + nx);
      }
  }
#undef EXCESS
#undef USABLE
  /* the mask was clear: clear what was marked visited */
  for (y = c->y0; y <= c->y1; y++)
    memset (d->mask + (size_t)y * d->w + c->x0, 0, c->x1 - c->x0 + 1);
  c->on_grid = det_chance_on_grid (d, c);
  /* a blob that reached the edge of its box is the sky around, lit up
   * (a flash, a cloud's glow), not a faint meteor */
  if (c->x0 == bx0 || c->y0 == by0 || c->x1 == bx1 || c->y1 == by1)
    return 0;
  return c->sw > 0 &&
         (c->pixels >= CLUSTER_MIN_PIXELS || best >= k + CLUSTER_BRIGHT_SIGMA);
}
