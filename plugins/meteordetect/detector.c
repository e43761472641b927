/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor detector core (pure C, no GStreamer): settings, the
 * frame loop and its results */
#include "detector-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  c->canary_rate = 0;
  c->canary_window = 20;
  c->canary_min_recall = 0.5;
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
  METEOR_CHECK (
      c->min_speed_deg >= 0 && c->max_speed_deg >= 0 &&
          (c->max_speed_deg == 0 || c->max_speed_deg > c->min_speed_deg),
      "min-speed-deg=%g, max-speed-deg=%g: need 0 <= min-speed-deg < "
      "max-speed-deg (0: off)",
      c->min_speed_deg, c->max_speed_deg);
  METEOR_CHECK (c->bg_shift >= 1 && c->bg_shift <= 12,
      "background shift %d: must be in [1, 12]", c->bg_shift);
  METEOR_CHECK (c->bin == 1 || c->bin == 2, "bin=%d: must be 1 or 2", c->bin);
  METEOR_CHECK (c->flash_fraction > 0 && c->flash_fraction <= 1,
      "flash fraction %g: must be in (0, 1]", c->flash_fraction);
  METEOR_CHECK (c->canary_rate >= 0 && c->canary_rate <= 3600,
      "canary-rate=%g: must be in [0, 3600] an hour", c->canary_rate);
  METEOR_CHECK (c->canary_window >= 1 && c->canary_window <= 1000,
      "canary-window=%d: must be in [1, 1000]", c->canary_window);
  METEOR_CHECK (c->canary_min_recall >= 0 && c->canary_min_recall <= 1,
      "canary-min-recall=%g: must be in [0, 1]", c->canary_min_recall);
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
    d->trace_noise = level > 2;
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
  if (det_noise_init (d) != 0 || det_chance_init (d) != 0 ||
      det_canary_init (d) != 0) {
    detector_free (d);
    return NULL;
  }
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
  free (d->sky_scale);
  det_noise_free (d);
  det_chance_free (d);
  det_canary_free (d);
  free (d->clusters);
  free (d->hits);
  free (d->stack);
  free (d->tracks);
  free (d->pairs);
  free (d->done);
  free (d);
}

/* ------------------------------------------------------------ frame */

/* A flash ends what was in flight and mutes tracking while it fades: a
 * track that already looks like a meteor is judged and reported with what
 * it had (the flash may be its own burst), the others are dropped (the
 * flash's onset makes blobs everywhere). */
static void
end_open_tracks (Detector *d, uint64_t frame)
{
  size_t i = 0;

  while (i < d->n_tracks) {
    if (d->tracks[i].qualified) {
      det_close_track (d, i);
    } else {
      d->stats.rejected[DETECTOR_REJECT_FLASH]++;
      d->tracks[i] = d->tracks[--d->n_tracks];
    }
  }
  d->cooldown_until = frame + FLASH_COOLDOWN;
}

static void
report_flash (
    Detector *d, uint64_t frame, const FramePass *p, DetectorFlash *flash)
{
  d->stats.flashes++;
  if (flash) {
    flash->frame = frame;
    flash->fraction = (double)p->count / ((double)d->w * d->h);
    flash->mean_jump = p->jump;
    flash->levelled = 0;
  }
}

/* Candidates against the background as it was, at this frame's threshold,
 * and how much brighter than its background the frame is (on a sample of
 * rows, with what levelling took out). */
static void
find_candidates (Detector *d, const uint8_t *plane, int stride, double levelled,
    FramePass *p)
{
  double sum_y = 0, sum_mean = 0;
  size_t n_sampled = 0;
  int y, x;

  p->count = 0;
  for (y = 0; y < d->h; y++) {
    const uint8_t *row = det_luma_row (d, plane, stride, y);
    size_t o = (size_t)y * d->w;

    d->row_count[y] = det_noise_threshold_row (d, y, row);
    if (d->amask && d->row_count[y]) {
      uint32_t kept = 0;
      for (x = 0; x < d->w; x++) {
        d->mask[o + x] &= d->amask[o + x];
        kept += d->mask[o + x] != 0;
      }
      d->row_count[y] = kept;
    }
    p->count += d->row_count[y];
    if ((y & 7) == 0) {
      for (x = 0; x < d->w; x += 4) {
        sum_y += row[x];
        sum_mean += d->mean[o + x];
      }
      n_sampled += (size_t)(d->w + 3) / 4;
    }
  }
  p->jump = levelled + (sum_y - sum_mean / 128.0) / (double)n_sampled;
}

/* Pass 1: candidates and clusters. Too many of either in a frame that is
 * no brighter than its background is noise drawn anew (an encoder's
 * keyframe, a burst of compression noise), not light: the frame is judged
 * again at a higher threshold, a few times. A frame still that busy is
 * disturbed: tracks that already look like meteors go on through it, no
 * track starts. A frame brighter than its background with that many
 * candidates is a flash. */
static void
frame_pass (Detector *d, uint64_t frame, const uint8_t *plane, int stride,
    MeteorFormat luma, double levelled, FramePass *p)
{
  const DetectorConfig *c = &d->config;
  int attempt;

  p->bright = p->disturbed = p->clustered = 0;
  for (attempt = 0;; attempt++) {
    int busy, bright;

    find_candidates (d, plane, stride, levelled, p);
    busy = p->count > c->flash_fraction * d->w * d->h;
    bright = p->jump >= FLASH_MIN_DN;
    if (busy && bright) {
      p->bright = 1;
      break;
    }
    if (!busy) {
      if (frame <= d->cooldown_until)
        break;
      det_find_clusters (d, plane, stride, luma);
      p->clustered = 1;
      if (d->n_clusters <= DISTURBED_CLUSTERS || bright)
        break;
    }
    if (attempt == REDRAW_ATTEMPTS) {
      p->disturbed = 1;
      break;
    }
    if (attempt == 0)
      d->stats.redrawn++;
    det_noise_raise (d, REDRAW_STEP);
  }
  d->stats.candidates += p->count;
  if (p->clustered)
    det_commit_clusters (d);
}

/* Remembers whether @frame was lit by a flash (det_lit_frame reads it). */
static void
note_lit (Detector *d, uint64_t frame, int lit)
{
  uint64_t shift = frame - d->lit_newest;

  d->lit_bits = shift >= 64 ? 0 : d->lit_bits << shift;
  d->lit_bits |= lit ? 1 : 0;
  d->lit_newest = frame;
}

int
det_lit_frame (const Detector *d, uint64_t frame)
{
  uint64_t age = d->lit_newest - frame;

  return frame <= d->lit_newest && age < 64 && ((d->lit_bits >> age) & 1);
}

int
detector_process (Detector *d, uint64_t frame, const uint8_t *plane, int stride,
    MeteorFormat luma, DetectorFlash *flash)
{
  const DetectorConfig *c = &d->config;
  FramePass p;
  double levelled;
  int y, shift, warm, is_flash = 0, x;

  d->stats.frames++;
  det_fill_analysis (d, plane, stride, luma);
  /* canaries go into the working image, never the frame */
  det_canary_frame (d, frame, d->frames_seen >= (1ull << c->bg_shift) / 2 + 1);
  det_noise_refresh (d, plane, stride);
  levelled = det_level_rows (d);
  if (d->frames_seen == 0) {
    /* first frame: the background is the frame */
    for (y = 0; y < d->h; y++) {
      const uint8_t *row = det_luma_row (d, plane, stride, y);
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

  det_noise_frame_scale (d, plane, stride);
  if (warm) {
    frame_pass (d, frame, plane, stride, luma, levelled, &p);
  } else {
    memset (&p, 0, sizeof (p));
    find_candidates (d, plane, stride, levelled, &p);
    d->stats.candidates += p.count;
  }
  det_noise_end_frame (d, d->frames_seen >= (1ull << c->bg_shift));
  /* the tiles have learnt: each pixel starts from its tile's noise */
  if (d->frames_seen == (1ull << c->bg_shift) / 2)
    det_noise_seed_deviation (d);

  note_lit (d, frame, p.bright || (warm && levelled >= FLASH_LEVEL_DN));
  if (p.bright) {
    d->flash_run++;
    end_open_tracks (d, frame);
    report_flash (d, frame, &p, flash);
    is_flash = 1;
  } else {
    d->flash_run = 0;
    if (p.disturbed) {
      size_t i;

      d->stats.disturbed++;
      for (i = 0; i < d->n_tracks; i++)
        d->stats.disturbed_carried += d->tracks[i].qualified;
    }
    if (p.clustered && !p.disturbed)
      det_chance_observe (d);
    if (p.clustered) {
      det_link_clusters (d, frame, p.disturbed);
      /* (not while a brightening is levelled out: its glow is faint light
       * everywhere) */
      if (!p.disturbed && levelled < FLASH_LEVEL_DN)
        det_follow_faint (d, frame, plane, stride);
    }
    if (warm && levelled >= FLASH_LEVEL_DN) {
      /* levelled out and still tracked, but reported all the same */
      report_flash (d, frame, &p, flash);
      if (flash)
        flash->levelled = 1;
      is_flash = 1;
    }
  }
  det_update_tracks (d, frame);
  det_canary_settle (d, frame);
  det_chance_frame (d);

  /* pass 2: the background learns the frame, unless it is a short flash
   * (lightning must not become the sky); a long one is the new sky */
  if (!p.bright || d->flash_run > FLASH_ADAPT_FRAMES) {
    int s = p.bright ? 2 : shift;
    for (y = 0; y < d->h; y++)
      det_noise_learn_row (d, y, det_luma_row (d, plane, stride, y), s);
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
    det_close_track (d, d->n_tracks - 1);
}

size_t
detector_live_boxes (Detector *d, uint64_t frame, int *boxes, size_t max)
{
  size_t i, n = 0;
  int k;

  for (i = 0; i < d->n_tracks && n < max; i++) {
    const Track *t = &d->tracks[i];

    /* (a canary is never marked: it is not in the frame) */
    if (!t->qualified || t->canary || t->points[t->n - 1].frame != frame)
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
