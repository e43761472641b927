/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteordetect's outputs: stats, the frames it remembers,
 * its meteor, flash and canary messages */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmeteordetect-private.h"
#include <gst/meteor/meteorstatsfields.h>

#include <gst/meteor/meteor.h>
#include <math.h>
#include <string.h>

#define GST_CAT_DEFAULT meteordetect_debug

/* ---------------------------------------------------------------- stats */

static void
add_stats (DetectorStats *sum, const DetectorStats *s)
{
  guint r;

  sum->frames += s->frames;
  sum->candidates += s->candidates;
  sum->clusters += s->clusters;
  sum->tracks += s->tracks;
  sum->detections += s->detections;
  sum->flashes += s->flashes;
  sum->redrawn += s->redrawn;
  sum->disturbed += s->disturbed;
  sum->disturbed_carried += s->disturbed_carried;
  for (r = 0; r < DETECTOR_REJECT_N; r++)
    sum->rejected[r] += s->rejected[r];
}

static void
add_canary_stats (DetectorCanaryStats *sum, const DetectorCanaryStats *s)
{
  guint b;

  sum->injected += s->injected;
  sum->judged += s->judged;
  sum->found += s->found;
  for (b = 0; b < DETECTOR_CANARY_BANDS; b++) {
    sum->band_injected[b] += s->band_injected[b];
    sum->band_judged[b] += s->band_judged[b];
    sum->band_found[b] += s->band_found[b];
  }
}

/* The canaries' counters: canary-injected, canary-found, canary-missed,
 * canary-recall (over the last canary-window), and per SNR band
 * canary-injected-snr3, canary-found-snr3, canary-missed-snr3,
 * canary-recall-snr3 (snr5, snr10); a recall is NaN until a canary of its
 * kind is over. */
static void
set_canary_stats (GstStructure *st, const DetectorCanaryStats *c)
{
  guint b;

  gst_structure_set (st, "canary-injected", G_TYPE_UINT64, c->injected,
      "canary-found", G_TYPE_UINT64, c->found, "canary-missed", G_TYPE_UINT64,
      c->judged - c->found, "canary-recall", G_TYPE_DOUBLE, c->window_recall,
      "canary-window", G_TYPE_INT, c->window_n, "canary-optics", G_TYPE_DOUBLE,
      c->optics, NULL);
  for (b = 0; b < DETECTOR_CANARY_BANDS; b++) {
    const gchar *band = detector_canary_band_name (b);
    gchar *injected = g_strdup_printf ("canary-injected-%s", band);
    gchar *found = g_strdup_printf ("canary-found-%s", band);
    gchar *missed = g_strdup_printf ("canary-missed-%s", band);
    gchar *recall = g_strdup_printf ("canary-recall-%s", band);

    gst_structure_set (st, injected, G_TYPE_UINT64, c->band_injected[b], found,
        G_TYPE_UINT64, c->band_found[b], missed, G_TYPE_UINT64,
        c->band_judged[b] - c->band_found[b], recall, G_TYPE_DOUBLE,
        c->band_judged[b] ? (gdouble)c->band_found[b] / c->band_judged[b] : NAN,
        NULL);
    g_free (injected);
    g_free (found);
    g_free (missed);
    g_free (recall);
  }
}

GstStructure *
md_make_stats (GstMeteorDetect *self)
{
  DetectorCanaryStats canary;
  DetectorStats s;
  guint64 shallow_copies, process_us, processed;
  GstStructure *st;
  gdouble limit, age;
  gboolean calibrated;
  guint r;

  GST_OBJECT_LOCK (self);
  s = self->retired;
  add_stats (&s, &self->current);
  canary = self->canary;
  add_canary_stats (&canary, &self->canary_retired);
  shallow_copies = self->shallow_copies;
  process_us = self->process_us;
  processed = self->processed;
  limit = self->limiting_mag;
  calibrated = self->calibrated;
  age = self->calibration_age;
  GST_OBJECT_UNLOCK (self);

  st = gst_structure_new (GST_METEOR_STATS_DETECT, GST_METEOR_STATS_FRAMES,
      G_TYPE_UINT64, (guint64)s.frames, GST_METEOR_STATS_CANDIDATES,
      G_TYPE_UINT64, (guint64)s.candidates, GST_METEOR_STATS_CLUSTERS,
      G_TYPE_UINT64, (guint64)s.clusters, GST_METEOR_STATS_TRACKS,
      G_TYPE_UINT64, (guint64)s.tracks, GST_METEOR_STATS_DETECTIONS,
      G_TYPE_UINT64, (guint64)s.detections, GST_METEOR_STATS_FLASHES,
      G_TYPE_UINT64, (guint64)s.flashes, "redrawn-frames", G_TYPE_UINT64,
      (guint64)s.redrawn, "disturbed-frames", G_TYPE_UINT64,
      (guint64)s.disturbed, "disturbed-tracks-carried", G_TYPE_UINT64,
      (guint64)s.disturbed_carried, NULL);
  for (r = 0; r < DETECTOR_REJECT_N; r++) {
    gchar *name = g_strconcat ("rejected-", detector_reject_name (r), NULL);

    gst_structure_set (st, name, G_TYPE_UINT64, (guint64)s.rejected[r], NULL);
    g_free (name);
  }
  gst_structure_set (st, "shallow-copies", G_TYPE_UINT64, shallow_copies,
      "ns-per-frame", G_TYPE_UINT64,
      processed ? process_us * 1000 / processed : (guint64)0, NULL);
  set_canary_stats (st, &canary);
  gst_structure_set (
      st, GST_METEOR_STATS_CALIBRATED, G_TYPE_BOOLEAN, calibrated, NULL);
  if (isfinite (limit))
    gst_structure_set (
        st, GST_METEOR_STATS_LIMITING_MAGNITUDE, G_TYPE_DOUBLE, limit, NULL);
  if (isfinite (age))
    gst_structure_set (
        st, GST_METEOR_STATS_CALIBRATION_AGE, G_TYPE_DOUBLE, age, NULL);
  return st;
}

/* Takes the detector's counters after a frame (or a flush). */
void
md_update_stats (GstMeteorDetect *self, gint64 process_us)
{
  DetectorCanaryStats c;
  DetectorStats s;
  double limit = NAN, age = NAN;

  detector_get_stats (self->detector, &s);
  detector_get_canary_stats (self->detector, &c);
  /* the sky's limiting magnitude, from its noise now and the calibration's
   * zero point (a median over the tiles: every LIMIT_PERIOD frames) */
  if (s.frames % LIMIT_PERIOD == 1 && process_us >= 0)
    md_sky_update (self, FALSE); /* a recalibration, between meteors too */
  if (self->wcs && s.frames % LIMIT_PERIOD == 1) {
    limit = meteor_photometry_limiting_magnitude (
        self->photometry.zero_point, detector_sky_noise (self->detector));
    if (self->next_index > 0)
      age = md_sky_age (self, md_lookup_frame (self, self->next_index - 1).utc);
  }
  GST_OBJECT_LOCK (self);
  self->current = s;
  self->canary = c;
  if (s.frames % LIMIT_PERIOD == 1) {
    self->limiting_mag = limit;
    self->calibrated = self->wcs != NULL;
    self->calibration_age = age;
  }
  if (process_us >= 0) {
    self->process_us += process_us;
    self->processed++;
  }
  GST_OBJECT_UNLOCK (self);
}

void
md_post_stats (GstMeteorDetect *self)
{
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), md_make_stats (self)));
}

/* ------------------------------------------------- frame bookkeeping */

void
md_remember_frame (GstMeteorDetect *self, GstBuffer *buf, guint64 index)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstMeteorFrameMeta *meta = gst_buffer_get_meteor_frame_meta (buf);
  FrameEntry *e = &self->ring[index % RING_SIZE];

  e->index = index;
  if (meta)
    e->frame_id = meta->frame_id;
  else if (GST_BUFFER_OFFSET_IS_VALID (buf))
    e->frame_id = GST_BUFFER_OFFSET (buf);
  else
    e->frame_id = index;
  e->running_time = GST_CLOCK_TIME_NONE;
  if (trans->segment.format == GST_FORMAT_TIME && GST_BUFFER_PTS_IS_VALID (buf))
    e->running_time = gst_segment_to_running_time (
        &trans->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buf));
  e->utc = meta ? meta->capture_time_utc : GST_CLOCK_TIME_NONE;
}

/* The entry of detector frame @index; when it is gone (it cannot be, see
 * RING_SIZE), one that says only what the index says. */
FrameEntry
md_lookup_frame (GstMeteorDetect *self, guint64 index)
{
  const FrameEntry *e = &self->ring[index % RING_SIZE];
  FrameEntry none = { index, index, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE };

  if (e->index == index && index < self->next_index)
    return *e;
  GST_WARNING_OBJECT (
      self, "frame %" G_GUINT64_FORMAT " is no longer remembered", index);
  return none;
}

/* Stream time of a frame, for rate limits: its running time, else its
 * place in the stream at the negotiated framerate. */
static GstClockTime
frame_stream_time (GstMeteorDetect *self, const FrameEntry *e)
{
  if (GST_CLOCK_TIME_IS_VALID (e->running_time))
    return e->running_time;
  return gst_util_uint64_scale (e->index,
      GST_VIDEO_INFO_FPS_D (&self->info) * GST_SECOND,
      GST_VIDEO_INFO_FPS_N (&self->info));
}

/* ISO 8601 UTC with microseconds, e.g. 2024-08-12T21:14:03.250000Z; NULL
 * when @utc is unknown. */
static gchar *
format_utc (GstClockTime utc)
{
  GDateTime *dt;
  gchar *date, *s;

  if (!GST_CLOCK_TIME_IS_VALID (utc))
    return NULL;
  dt = g_date_time_new_from_unix_utc ((gint64)(utc / GST_SECOND));
  if (dt == NULL)
    return NULL;
  date = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  s = g_strdup_printf (
      "%s.%06uZ", date, (guint)((utc % GST_SECOND) / GST_USECOND));
  g_free (date);
  g_date_time_unref (dt);
  return s;
}

/* ----------------------------------------------------------- outputs */

static void
set_utc_field (GstStructure *s, const gchar *field, GstClockTime utc)
{
  gchar *iso = format_utc (utc);

  if (iso)
    gst_structure_set (s, field, G_TYPE_STRING, iso, NULL);
  g_free (iso);
}

static void
append_double (GValue *array, gdouble value)
{
  GValue v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_DOUBLE);
  g_value_set_double (&v, value);
  gst_value_array_append_and_take_value (array, &v);
}

/* "path": the meteor's blob in each frame it was seen, as RMS's
 * FTPdetectinfo lists them: < frame, x, y, intensity > (frame id; the
 * blob's centroid, px; its light above the background summed, DN), all
 * doubles (a GstValueArray holds one type); calibrated, < ..., utc, ra,
 * dec, azimuth, elevation, magnitude >. */
static void
set_path_field (GstMeteorDetect *self, GstStructure *s, const DetectorMeteor *m)
{
  GValue path = G_VALUE_INIT;
  int i;

  gst_value_array_init (&path, m->n_points);
  for (i = 0; i < m->n_points; i++) {
    const DetectorPoint *p = &m->points[i];
    FrameEntry e = md_lookup_frame (self, p->frame);
    GValue point = G_VALUE_INIT;

    gst_value_array_init (&point, self->wcs ? 4 + MD_SKY_VALUES : 4);
    append_double (&point, (gdouble)e.frame_id);
    append_double (&point, p->x);
    append_double (&point, p->y);
    append_double (&point, p->intensity);
    if (self->wcs) {
      double sky[MD_SKY_VALUES];
      int k;
      md_sky_point (self, p->x, p->y, p->intensity, e.utc, sky);
      for (k = 0; k < MD_SKY_VALUES; k++)
        append_double (&point, sky[k]);
    }
    gst_value_array_append_and_take_value (&path, &point);
  }
  gst_structure_take_value (s, GST_METEOR_DETECTION_PATH, &path);
}

/* A meteor: an element message, and the same downstream as a serialized
 * custom event (ahead of the frame being processed). */
static void
report_meteor (GstMeteorDetect *self, const DetectorMeteor *m)
{
  FrameEntry first = md_lookup_frame (self, m->first_frame);
  FrameEntry last = md_lookup_frame (self, m->last_frame);
  GstMeteorDetection d;
  GstStructure *s;
  GstEvent *event;
  gdouble age;

  d.id = m->id;
  d.first_frame = first.frame_id;
  d.last_frame = last.frame_id;
  d.start_time = first.running_time;
  d.end_time = last.running_time;
  d.x0 = m->x0;
  d.y0 = m->y0;
  d.x1 = m->x1;
  d.y1 = m->y1;
  d.speed_px_s = m->speed;
  d.peak = m->peak;
  d.snr = m->snr;
  d.score = m->score;
  d.n_points = m->n_points;
  s = gst_meteor_detection_to_structure (&d);
  set_utc_field (s, GST_METEOR_DETECTION_START_UTC, first.utc);
  set_utc_field (s, GST_METEOR_DETECTION_END_UTC, last.utc);
  md_sky_update (self, FALSE);
  set_path_field (self, s, m);
  /* an uncalibrated detection says so (and has no sky fields) */
  gst_structure_set (s, GST_METEOR_DETECTION_CALIBRATED, G_TYPE_BOOLEAN,
      self->wcs != NULL, NULL);
  age = md_sky_age (self, first.utc);
  if (isfinite (age))
    gst_structure_set (
        s, GST_METEOR_DETECTION_CALIBRATION_AGE, G_TYPE_DOUBLE, age, NULL);
  if (self->wcs)
    md_sky_set_meteor_fields (self, s, m);
  GST_INFO_OBJECT (self, "%" GST_PTR_FORMAT, s);

  event = gst_meteor_detection_event_new (gst_structure_copy (s));
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
  if (!gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (self), event))
    GST_DEBUG_OBJECT (
        self, "meteor %u: downstream did not take the event", (guint)m->id);
}

void
md_report_meteors (GstMeteorDetect *self)
{
  size_t n, i;

  do {
    n = detector_take_meteors (self->detector, self->taken, TAKE_BATCH);
    for (i = 0; i < n; i++)
      report_meteor (self, &self->taken[i]);
  } while (n == TAKE_BATCH);
}

/* A flash: an element message every flash frame, and a warning, the first
 * one and then at most one per FLASH_WARNING_PERIOD of stream time. */
void
md_report_flash (GstMeteorDetect *self, const DetectorFlash *flash)
{
  FrameEntry e = md_lookup_frame (self, flash->frame);
  GstClockTime now = frame_stream_time (self, &e);
  GstStructure *s;

  s = gst_structure_new ("meteordetect-flash", "frame", G_TYPE_UINT64,
      e.frame_id, "fraction", G_TYPE_DOUBLE, flash->fraction, "mean-jump",
      G_TYPE_DOUBLE, flash->mean_jump, "levelled", G_TYPE_BOOLEAN,
      (gboolean)flash->levelled, NULL);
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));

  self->flashes_unwarned++;
  /* (a stream time before the last warning's: a new segment) */
  if (GST_CLOCK_TIME_IS_VALID (self->flash_warned_at) &&
      now >= self->flash_warned_at &&
      now < self->flash_warned_at + FLASH_WARNING_PERIOD)
    return;
  GST_ELEMENT_WARNING (self, STREAM, FAILED,
      ("flash or overexposure at frame %" G_GUINT64_FORMAT ": %.1f%% of the "
       "pixels above the background, frame mean %+.1f DN; %s",
          e.frame_id, 100.0 * flash->fraction, flash->mean_jump,
          flash->levelled ? "a smooth brightening, levelled out and tracking "
                            "goes on"
                          : "tracks in flight were dropped"),
      ("%" G_GUINT64_FORMAT " flash frame(s) since the last warning; "
       "warnings come at most once per %u s of stream, every flash frame "
       "is a meteordetect-flash element message",
          self->flashes_unwarned, (guint)(FLASH_WARNING_PERIOD / GST_SECOND)));
  self->flash_warned_at = now;
  self->flashes_unwarned = 0;
}

/* The canaries' recall over the last canary-window fell below
 * canary-min-recall: once each time it falls, a "meteordetect-canary"
 * element message (recall, window, min-recall, and the canary counters of
 * stats) and a warning on the bus (its details: recall, window,
 * min-recall, optics). */
void
md_check_canaries (GstMeteorDetect *self)
{
  DetectorCanaryStats c;
  GstStructure *s;
  gdouble min_recall;

  if (self->detector == NULL)
    return;
  detector_get_canary_stats (self->detector, &c);
  if (!c.low || self->canary_low) {
    self->canary_low = c.low;
    return;
  }
  self->canary_low = TRUE;
  GST_OBJECT_LOCK (self);
  min_recall = self->settings.canary_min_recall;
  GST_OBJECT_UNLOCK (self);
  s = gst_structure_new ("meteordetect-canary", "recall", G_TYPE_DOUBLE,
      c.window_recall, "window", G_TYPE_INT, c.window_n, "min-recall",
      G_TYPE_DOUBLE, min_recall, NULL);
  set_canary_stats (s, &c);
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
  GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, FAILED,
      ("meteor detection is failing: %.0f%% of the last %d canary meteors "
       "found, below %.0f%% (the optics pass %.0f%% of the stars' light)",
          100 * c.window_recall, c.window_n, 100 * min_recall, 100 * c.optics),
      ("canaries drawn into the detector's working image and found by it; "
       "a fogged or dewed lens, cloud or a noisier camera lowers it"),
      ("recall", G_TYPE_DOUBLE, c.window_recall, "window", G_TYPE_INT,
          c.window_n, "min-recall", G_TYPE_DOUBLE, min_recall, "optics",
          G_TYPE_DOUBLE, c.optics, NULL));
}

/* Ends every open track and reports the meteors among them. */
void
md_flush_detector (GstMeteorDetect *self)
{
  if (self->detector == NULL)
    return;
  detector_flush (self->detector);
  md_report_meteors (self);
  md_update_stats (self, -1);
}

/* Flushes the detector and frees it, keeping its counters. */
void
md_retire_detector (GstMeteorDetect *self)
{
  DetectorStats s;

  if (self->detector == NULL)
    return;
  md_flush_detector (self);
  detector_get_stats (self->detector, &s);
  GST_OBJECT_LOCK (self);
  add_stats (&self->retired, &s);
  memset (&self->current, 0, sizeof (self->current));
  add_canary_stats (&self->canary_retired, &self->canary);
  memset (&self->canary, 0, sizeof (self->canary));
  self->canary.window_recall = NAN;
  GST_OBJECT_UNLOCK (self);
  g_clear_pointer (&self->detector, detector_free);
  g_clear_pointer (&self->mask, g_free);
}
