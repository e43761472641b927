/* gst-meteor: meteor detector core (pure C, no GStreamer) */
#include "detector.h"

#include "coreutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* sigma of gaussian noise over its mean absolute deviation */
#define SIGMA_PER_MAD 1.2533
/* the least noise a pixel is judged against, DN: an 8-bit value carries at
 * least the rounding noise of its last bit (1/sqrt 12). Where the sky is
 * darker and flatter than that (a dark corner, a camera's noise
 * reduction, compression), the same value comes again and again, the
 * deviation learnt collapses towards 0 and a one-step change would look
 * like tens of sigma */
#define SIGMA_FLOOR_DN 0.29
/* initial deviation: a conservative 3 DN until the model has learnt it */
#define INITIAL_DEV_Q7 (3 * 128)
/* a cluster is kept when it has this many pixels, or is this much brighter
 * than the threshold (single noise pixels are everywhere at 3.5 sigma) */
#define CLUSTER_MIN_PIXELS 2
/* neighbours within this many pixels join a cluster */
#define CLUSTER_REACH 1
#define CLUSTER_BRIGHT_SIGMA 2.0
/* frames a track may miss before it ends */
#define TRACK_MAX_GAP 1
/* more clusters than this in one frame: the whole sky changed */
#define MAX_CLUSTERS 512
#define DISTURBED_CLUSTERS 40
/* the static map: a hit adds STATIC_HIT, the map halves every
 * STATIC_DECAY_FRAMES, a place at STATIC_BUSY is a star or a hot pixel */
#define STATIC_HIT 32
#define STATIC_BUSY 96
#define STATIC_DECAY_FRAMES 16
/* below this speed a track does not move at all */
#define STATIC_SPEED 3.0
/* a track of FEW_POINTS points or less must be this bright (peak / sigma) */
#define FEW_POINTS 3
#define MIN_FRAMES_SNR 7.0
/* tracks with fewer points must also show streaks as long as their steps */
#define SHORT_TRACK_POINTS 5
/* slow objects remembered, for how long (s), and up to what multiple of
 * min-speed a track is checked against them */
#define SLOW_TRAILS 16
#define SLOW_TRAIL_SECONDS 10.0
#define SLOW_TRAIL_SPEEDS 3.0
/* a two-frame track: streaks of at least this many pixels, this long
 * (analysis px), this much longer than wide, along the motion (cos) */
#define PAIR_MIN_PIXELS 3
#define PAIR_MIN_LENGTH 3.0
#define PAIR_MIN_ELONGATION 1.6
#define PAIR_MIN_ALIGNMENT 0.9
/* a track may have one odd step (away from its median step) in this many */
#define STEADY_ODD_STEPS 10
/* tracks wholly this close to the border (frame px) are edge effects */
#define EDGE_MARGIN 10.0
/* shortest track (centroid to centroid), frame px */
#define MIN_TRACK_LENGTH 8.0
/* flash frames in a row after which the background follows the new level */
#define FLASH_ADAPT_FRAMES 5
/* frames after a flash whose candidates are its afterglow, not objects */
#define FLASH_COOLDOWN 4
/* rows brighter than their background by this much (DN) are levelled */
#define ROW_LEVEL_MIN_DN 1
/* a sky brightened by this much (DN, mean) is reported as a flash even when
 * levelling keeps it trackable */
#define FLASH_LEVEL_DN 4.0

typedef struct {
  double sx, sy, sw;    /* excess-weighted sums for the centroid */
  double sxx, syy, sxy; /* and for its shape (second moments) */
  double peak, sigma;   /* brightest excess and the sigma there */
  int pixels;
  int x0, y0, x1, y1; /* bounding box */
  int used;
  int busy; /* the static map around it, before it counted */
} Cluster;

/* A blob's shape: its principal axis and extent along and across it. */
typedef struct {
  double ux, uy;      /* unit vector of the long axis */
  double len, across; /* extent along and across it, analysis px */
} Streak;

typedef struct {
  uint32_t id;
  int n;
  int qualified;
  DetectorPoint points[DETECTOR_MAX_POINTS];
  double sigma[DETECTOR_MAX_POINTS];
  int box[DETECTOR_MAX_POINTS][4];
  int busy[DETECTOR_MAX_POINTS];
  Streak streak[DETECTOR_MAX_POINTS];
} Track;

/* Where a slow object (satellite, plane) was last seen and how it moved:
 * a faint one breaks into pieces, and a later piece must not pass for a
 * meteor. Analysis px and px a frame. */
typedef struct {
  double x, y, vx, vy;
  uint64_t frame;
  int used;
} SlowTrail;

struct Detector {
  DetectorConfig config;
  const MeteorKernels *k;
  int w, h; /* analysis size: the frame's, or half of it when binning */
  int bin;
  int direct; /* the analysis rows are the frame's own luma rows */
  uint16_t *mean, *dev;
  uint8_t *mask, *luma, *amask, *rows;
  uint8_t *static_map; /* how often clusters sat on each pixel lately */
  uint32_t *row_count;
  uint16_t k_mul, j1;
  uint64_t frames_seen;
  int flash_run;
  uint64_t cooldown_until;

  Cluster *clusters;
  size_t n_clusters, clusters_cap;
  int *stack;
  size_t stack_cap;
  Track *tracks;
  size_t n_tracks, tracks_cap;
  DetectorMeteor *done;
  size_t n_done, done_cap;
  uint32_t next_id;
  DetectorStats stats;
  SlowTrail trails[SLOW_TRAILS]; /* slow objects seen lately, a ring */
  int next_trail;
  FILE *trace;      /* METEOR_DETECT_TRACE=1: every track's verdict on stderr */
  int trace_points; /* METEOR_DETECT_TRACE=2: and its points */
};

static const char *const reject_names[DETECTOR_REJECT_N] = { "short", "static",
  "slow", "fast", "crooked", "long", "flash" };

const char *
detector_reject_name (DetectorReject reason)
{
  return reason < DETECTOR_REJECT_N ? reject_names[reason] : "unknown";
}

void
detector_config_init (DetectorConfig *c)
{
  memset (c, 0, sizeof (*c));
  c->width = 640;
  c->height = 480;
  c->fps = 30;
  c->k1 = 3.5;
  c->j1 = 0.5;
  c->min_frames = 2;
  c->min_speed = 35;
  c->max_speed = 1500;
  c->max_duration = 4.0;
  c->bg_shift = 5;
  c->flash_fraction = 0.02;
  c->bin = 2;
}

int
detector_config_check (const DetectorConfig *c, char *error, size_t error_len)
{
  METEOR_CHECK (c->width >= 8 && c->height >= 8 && c->width <= 16384 &&
                    c->height <= 16384,
      "a %dx%d frame cannot be analysed (8x8 to 16384x16384)", c->width,
      c->height);
  METEOR_CHECK (
      c->fps > 0, "framerate %g: the detector needs a fixed framerate", c->fps);
  METEOR_CHECK (c->k1 > 0 && c->k1 <= 12, "k1=%g: must be in (0, 12]", c->k1);
  METEOR_CHECK (
      c->j1 >= 0 && c->j1 <= 255, "j1=%g: must be in [0, 255] DN", c->j1);
  METEOR_CHECK (c->min_frames >= 2 && c->min_frames <= 100,
      "min-frames=%d: must be in [2, 100]", c->min_frames);
  METEOR_CHECK (c->min_speed >= 0 && c->max_speed > c->min_speed,
      "min-speed=%g, max-speed=%g: need 0 <= min-speed < max-speed",
      c->min_speed, c->max_speed);
  METEOR_CHECK (
      c->max_duration > 0, "max-duration=%g: must be > 0", c->max_duration);
  METEOR_CHECK (c->bg_shift >= 1 && c->bg_shift <= 12,
      "background shift %d: must be in [1, 12]", c->bg_shift);
  METEOR_CHECK (c->bin == 1 || c->bin == 2, "bin=%d: must be 1 or 2", c->bin);
  METEOR_CHECK (c->flash_fraction > 0 && c->flash_fraction <= 1,
      "flash fraction %g: must be in (0, 1]", c->flash_fraction);
  return 0;
}

Detector *
detector_new (const DetectorConfig *config, const MeteorKernels *kernels)
{
  char error[256];
  Detector *d;
  size_t n;
  double k;

  if (detector_config_check (config, error, sizeof (error)) != 0)
    return NULL;
  d = calloc (1, sizeof (Detector));
  if (d == NULL)
    return NULL;
  d->config = *config;
  d->k = kernels ? kernels : meteor_kernels_c ();
  if (getenv ("METEOR_DETECT_TRACE")) {
    int level = atoi (getenv ("METEOR_DETECT_TRACE"));

    d->trace = level > 0 ? stderr : NULL;
    d->trace_points = level > 1;
  }
  d->bin = config->bin;
  d->w = config->width / d->bin;
  d->h = config->height / d->bin;
  n = (size_t)d->w * d->h;
  d->mean = malloc (n * sizeof (uint16_t));
  d->dev = malloc (n * sizeof (uint16_t));
  d->mask = malloc (n);
  d->luma = malloc (n);
  d->rows = malloc (2 * (size_t)config->width);
  d->static_map = calloc (n, 1);
  d->row_count = calloc ((size_t)d->h, sizeof (uint32_t));
  if (!d->mean || !d->dev || !d->mask || !d->luma || !d->rows ||
      !d->row_count || !d->static_map) {
    detector_free (d);
    return NULL;
  }
  if (config->mask) {
    /* at the analysis size: a binned pixel is ignored if any of its own is */
    int x, y, i, j;

    d->amask = malloc (n);
    if (d->amask == NULL) {
      detector_free (d);
      return NULL;
    }
    for (y = 0; y < d->h; y++)
      for (x = 0; x < d->w; x++) {
        uint8_t keep = 0xff;
        for (j = 0; j < d->bin; j++)
          for (i = 0; i < d->bin; i++)
            if (!config->mask[(size_t)(y * d->bin + j) * config->width +
                              x * d->bin + i])
              keep = 0;
        d->amask[(size_t)y * d->w + x] = keep;
      }
  }
  k = config->k1 * SIGMA_PER_MAD * 4096.0;
  d->k_mul = (uint16_t)(k > 65535 ? 65535 : k + 0.5);
  d->j1 = (uint16_t)(config->j1 * 128 + 0.5);
  d->next_id = 1;
  return d;
}

void
detector_free (Detector *d)
{
  if (d == NULL)
    return;
  free (d->mean);
  free (d->dev);
  free (d->mask);
  free (d->luma);
  free (d->rows);
  free (d->amask);
  free (d->static_map);
  free (d->row_count);
  free (d->clusters);
  free (d->stack);
  free (d->tracks);
  free (d->done);
  free (d);
}

/* Row @y of the frame as luma, converted into @dst unless the plane is. */
static const uint8_t *
frame_luma_row (Detector *d, const uint8_t *plane, int stride,
    DetectorLuma luma, int y, uint8_t *dst)
{
  const uint8_t *src = plane + (size_t)y * stride;
  int fw = d->config.width;

  switch (luma) {
    case DETECTOR_LUMA_GRAY8:
      return src;
    case DETECTOR_LUMA_GRAY16:
      d->k->luma_gray16 ((const uint16_t *)src, dst, fw);
      break;
    case DETECTOR_LUMA_YUY2:
      d->k->luma_yuy2 (src, dst, fw);
      break;
    case DETECTOR_LUMA_RGB:
    case DETECTOR_LUMA_BGR:
      d->k->luma_rgb24 (src, dst, fw,
          luma == DETECTOR_LUMA_RGB ? METEOR_RGB_ORDER_RGB
                                    : METEOR_RGB_ORDER_BGR);
      break;
    case DETECTOR_LUMA_RGBX:
    case DETECTOR_LUMA_BGRX:
      d->k->luma_rgb32 (src, dst, fw,
          luma == DETECTOR_LUMA_RGBX ? METEOR_RGB_ORDER_RGB
                                     : METEOR_RGB_ORDER_BGR);
      break;
  }
  return dst;
}

/* Fills the analysis image (luma, 2x2-averaged when binning) unless the
 * frame's own luma plane is it. */
static void
fill_analysis (Detector *d, const uint8_t *plane, int stride, DetectorLuma luma)
{
  int y;

  d->direct = d->bin == 1 && luma == DETECTOR_LUMA_GRAY8;
  if (d->direct)
    return;
  for (y = 0; y < d->h; y++) {
    uint8_t *out = d->luma + (size_t)y * d->w;

    if (d->bin == 1) {
      frame_luma_row (d, plane, stride, luma, y, out);
    } else {
      const uint8_t *a =
          frame_luma_row (d, plane, stride, luma, 2 * y, d->rows);
      const uint8_t *b = frame_luma_row (
          d, plane, stride, luma, 2 * y + 1, d->rows + d->config.width);

      d->k->bin2x2 (a, b, out, d->w);
    }
  }
}

/* Takes a whole-sky brightening (headlights, twilight, a flash's slow
 * ramp) out of the analysis image row by row: each row's excess over its
 * background is subtracted, so meteors stay visible while the sky
 * brightens and the noise estimate is not inflated by it. Returns the mean
 * excess removed, DN. Only possible on the detector's own copy of the
 * image (binned or converted), never on the frame. */
static double
level_rows (Detector *d)
{
  double removed = 0;
  int y, x;

  if (d->direct || d->frames_seen == 0)
    return 0;
  for (y = 0; y < d->h; y++) {
    uint8_t *row = d->luma + (size_t)y * d->w;
    const uint16_t *mean = d->mean + (size_t)y * d->w;
    uint64_t sum_y = 0, sum_mean = 0;
    int excess;

    for (x = 0; x < d->w; x++) {
      sum_y += row[x];
      sum_mean += mean[x];
    }
    excess = (int)(((int64_t)(sum_y << 7) - (int64_t)sum_mean) /
                   ((int64_t)d->w << 7));
    if (excess < ROW_LEVEL_MIN_DN)
      continue;
    for (x = 0; x < d->w; x++)
      row[x] = row[x] > excess ? (uint8_t)(row[x] - excess) : 0;
    removed += excess;
  }
  return removed / d->h;
}

/* Row @y of the analysis image. */
static const uint8_t *
luma_row (Detector *d, const uint8_t *plane, int stride, int y)
{
  return d->direct ? plane + (size_t)y * stride : d->luma + (size_t)y * d->w;
}

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
    const uint8_t *row = luma_row (d, plane, stride, py);
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

static void
find_clusters (Detector *d, const uint8_t *plane, int stride, DetectorLuma luma)
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

/* --------------------------------------------------------- tracking */

typedef struct {
  double cx, cy; /* a point on the line */
  double ux, uy; /* unit direction, along the motion */
  double along0, along1;
  double cross_rms;
  double step;   /* mean motion per frame along the line, px */
  int backwards; /* steps going against the motion */
} LineFit;

/* Fits the points' line (principal axis) and measures how straight and how
 * steady the motion along it is. */
static void
fit_line (const Track *t, LineFit *f)
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

/* brightest point over its background sigma */
static double
track_snr (const Track *t)
{
  double best = 0;
  int i;

  for (i = 0; i < t->n; i++)
    if (t->sigma[i] > 0 && t->points[i].peak / t->sigma[i] > best)
      best = t->points[i].peak / t->sigma[i];
  return best;
}

/* Steady: every step close to the typical (median) one. Returns how many
 * are not, and the median step (px a frame) in @median. */
static int
unsteady_steps (const Track *t, const LineFit *f, double *median)
{
  double steps[DETECTOR_MAX_POINTS];
  int i, j, n = t->n - 1, odd = 0;

  *median = 0;
  if (n < 1)
    return 0;
  for (i = 0; i < n; i++) {
    const DetectorPoint *a = &t->points[i], *b = &t->points[i + 1];
    double v = ((b->x - a->x) * f->ux + (b->y - a->y) * f->uy) /
               (double)(b->frame - a->frame);

    for (j = i; j > 0 && steps[j - 1] > v; j--)
      steps[j] = steps[j - 1];
    steps[j] = v;
  }
  *median = steps[n / 2];
  for (i = 0; i < n; i++)
    odd += fabs (steps[i] - *median) > 0.6 * fabs (*median) + 1.0;
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
static int
median_pixels (const Track *t)
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
static void
trim_track (Track *t)
{
  if (t->n <= 2 || median_pixels (t) < 3)
    return;
  while (t->n > 2 && t->points[0].pixels == 1)
    drop_point (t, 0);
  while (t->n > 2 && t->points[t->n - 1].pixels == 1)
    drop_point (t, t->n - 1);
}

/* Remembers a slow object's track end and motion. */
static void
remember_slow (Detector *d, const Track *t, const LineFit *f)
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

    if (!s->used || first->frame <= s->frame)
      continue;
    gap = (double)(first->frame - s->frame);
    v = hypot (s->vx, s->vy);
    if (gap > SLOW_TRAIL_SECONDS * d->config.fps || v <= 0 ||
        f->step < 0.5 * v || f->step > 2.0 * v ||
        (f->ux * s->vx + f->uy * s->vy) / v < 0.9)
      continue;
    dx = first->x - (s->x + s->vx * gap);
    dy = first->y - (s->y + s->vy * gap);
    if (hypot (dx, dy) <= 4.0 + 0.2 * v * gap)
      return 1;
  }
  return 0;
}

/* Whether @t, as it stands, is a meteor; the reason when it is not. */
static int
judge (const Detector *d, const Track *t, LineFit *f, DetectorReject *why)
{
  const DetectorConfig *c = &d->config;
  double duration, speed, allowed;

  if (t->n < c->min_frames || 4 * t->n < 3 * (int)(t->points[t->n - 1].frame -
                                                   t->points[0].frame + 1)) {
    /* too few points, or too many frames missing among them */
    *why = DETECTOR_REJECT_SHORT;
    return 0;
  }
  fit_line (t, f);
  duration = (t->points[t->n - 1].frame - t->points[0].frame + 1) / c->fps;
  speed = f->step * c->fps * d->bin;
  if (speed < STATIC_SPEED) {
    *why = DETECTOR_REJECT_STATIC;
    return 0;
  }
  if (speed < c->min_speed) {
    *why = DETECTOR_REJECT_SLOW;
    return 0;
  }
  if (speed > c->max_speed) {
    *why = DETECTOR_REJECT_FAST;
    return 0;
  }
  if (duration > c->max_duration) {
    *why = DETECTOR_REJECT_LONG;
    return 0;
  }
  /* a piece of a slow object seen before, moving on at its speed */
  if (speed < SLOW_TRAIL_SPEEDS * c->min_speed && continues_slow (d, t, f)) {
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
   * long as its steps; compact blobs a step apart are unrelated lights */
  if (t->n < SHORT_TRACK_POINTS && f->step > 3) {
    double extent = 0;
    int i;

    for (i = 0; i < t->n; i++)
      extent += t->box[i][2] > t->box[i][3] ? t->box[i][2] : t->box[i][3];
    if (extent / t->n < 0.5 * f->step) {
      *why = DETECTOR_REJECT_CROOKED;
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
  /* the fewest points are only believed when bright: three faint blobs
   * in a row happen by chance over a night, and so do four specks of a
   * pixel or two */
  if ((t->n <= FEW_POINTS ||
          (t->n < 2 * SHORT_TRACK_POINTS && median_pixels (t) <= 2)) &&
      track_snr (t) < MIN_FRAMES_SNR) {
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
    if (odd > 0 && median * c->fps * d->bin < c->min_speed) {
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

  fit_line (t, &f);
  fprintf (d->trace,
      "detector: track frames %llu-%llu n=%d (%.0f,%.0f)->(%.0f,%.0f) "
      "speed=%.1f px/s snr=%.1f: %s\n",
      (unsigned long long)a->frame, (unsigned long long)b->frame, t->n,
      to_frame (d, a->x), to_frame (d, a->y), to_frame (d, b->x),
      to_frame (d, b->y), f.step * d->config.fps * d->bin, track_snr (t),
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

static void
close_track (Detector *d, size_t index)
{
  Track *t = &d->tracks[index];
  DetectorReject why;
  LineFit f;

  why = DETECTOR_REJECT_N;
  memset (&f, 0, sizeof (f));
  trim_track (t);
  if (judge (d, t, &f, &why))
    emit_meteor (d, t, &f);
  else
    d->stats.rejected[why]++;
  if ((why == DETECTOR_REJECT_SLOW || why == DETECTOR_REJECT_LONG) &&
      f.step > 0)
    remember_slow (d, t, &f);
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

/* The principal axes of a cluster's light: a uniform line of length L has
 * a variance of L^2/12 along it. */
static void
blob_streak (const Cluster *c, Streak *s)
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
  blob_streak (c, &t->streak[t->n]);
  t->n++;
}

static void
link_clusters (Detector *d, uint64_t frame)
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
static void
update_tracks (Detector *d, uint64_t frame)
{
  size_t i = 0;

  while (i < d->n_tracks) {
    Track *t = &d->tracks[i];
    uint64_t last = t->points[t->n - 1].frame;
    double duration = (last - t->points[0].frame + 1) / d->config.fps;

    if (frame - last > TRACK_MAX_GAP || t->n == DETECTOR_MAX_POINTS ||
        duration > d->config.max_duration) {
      close_track (d, i);
      continue;
    }
    if (!t->qualified && t->n >= d->config.min_frames) {
      DetectorReject why;
      LineFit f;

      t->qualified = judge (d, t, &f, &why);
    }
    /* an id once a track may be reported, so boxes and message agree */
    if (t->qualified && t->id == 0)
      t->id = d->next_id++;
    i++;
  }
}

/* ------------------------------------------------------------ frame */

/* A flash ends what was in flight (it may be the flash's own onset) and
 * mutes tracking while it fades. */
static void
reject_open_tracks (Detector *d, uint64_t frame)
{
  d->stats.rejected[DETECTOR_REJECT_FLASH] += d->n_tracks;
  d->n_tracks = 0;
  d->cooldown_until = frame + FLASH_COOLDOWN;
}

static void
report_flash (Detector *d, uint64_t frame, uint64_t count, double sum_y,
    double sum_mean, size_t n_sampled, double levelled, DetectorFlash *flash)
{
  d->stats.flashes++;
  if (flash) {
    flash->frame = frame;
    flash->fraction = (double)count / ((double)d->w * d->h);
    flash->mean_jump =
        levelled + (sum_y - sum_mean / 128.0) / (double)n_sampled;
    flash->levelled = 0;
  }
}

int
detector_process (Detector *d, uint64_t frame, const uint8_t *plane, int stride,
    DetectorLuma luma, DetectorFlash *flash)
{
  const DetectorConfig *c = &d->config;
  uint64_t count = 0;
  double sum_y = 0, sum_mean = 0, levelled;
  int y, shift, warm, is_flash = 0, bright = 0, x;
  size_t n_sampled = 0;

  d->stats.frames++;
  fill_analysis (d, plane, stride, luma);
  levelled = level_rows (d);
  if (d->frames_seen == 0) {
    /* first frame: the background is the frame */
    for (y = 0; y < d->h; y++) {
      const uint8_t *row = luma_row (d, plane, stride, y);
      for (x = 0; x < d->w; x++) {
        d->mean[(size_t)y * d->w + x] = (uint16_t)(row[x] << 7);
        d->dev[(size_t)y * d->w + x] = INITIAL_DEV_Q7;
      }
    }
    d->frames_seen = 1;
    return 0;
  }
  /* learn fast at first (an average of all frames so far), then settle */
  shift = 1;
  while (shift < c->bg_shift && (1ull << shift) <= d->frames_seen)
    shift++;
  warm = d->frames_seen >= (1ull << c->bg_shift) / 2;

  /* pass 1: candidates against the background as it was */
  for (y = 0; y < d->h; y++) {
    const uint8_t *row = luma_row (d, plane, stride, y);
    size_t o = (size_t)y * d->w;

    d->row_count[y] = d->k->threshold (
        row, d->mean + o, d->dev + o, d->k_mul, d->j1, d->mask + o, d->w);
    if (d->amask && d->row_count[y]) {
      uint32_t kept = 0;
      for (x = 0; x < d->w; x++) {
        d->mask[o + x] &= d->amask[o + x];
        kept += d->mask[o + x] != 0;
      }
      d->row_count[y] = kept;
    }
    count += d->row_count[y];
    if ((y & 7) == 0) {
      for (x = 0; x < d->w; x += 4) {
        sum_y += row[x];
        sum_mean += d->mean[o + x];
      }
      n_sampled += (size_t)(d->w + 3) / 4;
    }
  }
  d->stats.candidates += count;

  if (warm && count > c->flash_fraction * d->w * d->h) {
    is_flash = bright = 1;
    d->flash_run++;
    reject_open_tracks (d, frame);
    report_flash (d, frame, count, sum_y, sum_mean, n_sampled, levelled, flash);
  } else {
    d->flash_run = 0;
    if (warm && frame > d->cooldown_until) {
      find_clusters (d, plane, stride, luma);
      if (d->n_clusters > DISTURBED_CLUSTERS) {
        /* objects everywhere at once: the sky itself changed (the ramp or
         * afterglow of a flash, headlights): report it, track nothing */
        reject_open_tracks (d, frame);
        report_flash (
            d, frame, count, sum_y, sum_mean, n_sampled, levelled, flash);
        is_flash = 1;
        bright = 0;
      } else {
        link_clusters (d, frame);
      }
    }
    if (!is_flash && warm && levelled >= FLASH_LEVEL_DN) {
      /* levelled out and still tracked, but reported all the same */
      report_flash (
          d, frame, count, sum_y, sum_mean, n_sampled, levelled, flash);
      if (flash)
        flash->levelled = 1;
      is_flash = 1;
    }
  }
  update_tracks (d, frame);

  /* pass 2: the background learns the frame, unless it is a short flash
   * (lightning must not become the sky); a long one is the new sky */
  if (!bright || d->flash_run > FLASH_ADAPT_FRAMES) {
    int s = bright ? 2 : shift;
    for (y = 0; y < d->h; y++) {
      const uint8_t *row = luma_row (d, plane, stride, y);
      size_t o = (size_t)y * d->w;
      d->k->bg_update (row, d->mean + o, d->dev + o, d->w, s);
    }
  }
  if (d->frames_seen % STATIC_DECAY_FRAMES == 0) {
    size_t i, n = (size_t)d->w * d->h;
    for (i = 0; i < n; i++)
      d->static_map[i] >>= 1;
  }
  d->frames_seen++;
  return is_flash;
}

size_t
detector_take_meteors (Detector *d, DetectorMeteor *out, size_t max)
{
  size_t n = d->n_done < max ? d->n_done : max;

  if (n == 0)
    return 0; /* nothing done yet: the list may not exist */
  memcpy (out, d->done, n * sizeof (DetectorMeteor));
  memmove (d->done, d->done + n, (d->n_done - n) * sizeof (DetectorMeteor));
  d->n_done -= n;
  return n;
}

void
detector_flush (Detector *d)
{
  while (d->n_tracks > 0)
    close_track (d, d->n_tracks - 1);
}

size_t
detector_live_boxes (Detector *d, uint64_t frame, int *boxes, size_t max)
{
  size_t i, n = 0;
  int k;

  for (i = 0; i < d->n_tracks && n < max; i++) {
    const Track *t = &d->tracks[i];

    if (!t->qualified || t->points[t->n - 1].frame != frame)
      continue;
    for (k = 0; k < 4; k++)
      boxes[4 * n + k] = t->box[t->n - 1][k] * d->bin;
    n++;
  }
  return n;
}

void
detector_get_stats (const Detector *d, DetectorStats *stats)
{
  *stats = d->stats;
}
