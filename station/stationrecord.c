/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's record of a night from its pipeline. */
#include "stationrecord.h"

#include "stationbytes.h"

#include "stationcalib.h"
#include "stationecsv.h"
#include "stationff.h"
#include "stationnight.h"

#include "ffblock.h"
#include "ftpdetection.h"

#include <errno.h>
#include <gst/meteor/meteordetection.h>
#include <gst/meteor/meteorframemeta.h>
#include <gst/meteor/meteorstatsfields.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#define CLIP_SAVED "tieredsink-clip-saved"

typedef struct {
  StationDetection d;
  gchar *clip;
} Detection;

struct StationRecord {
  StationNight *night;
  gchar *dir, *jsonl;
  GstElement *pipeline;
  GArray *detections; /* Detection */
  guint64 clips_written, clips_failed;
  StationClockState clock_start;
  gboolean ever_unsynchronized;
  GstVideoInfo info; /* of the frames the probe sees */
  gboolean have_info;
  gchar *station;     /* the id, in RMS's file names */
  MeteorFtpFile *ftp; /* the night's FTPdetectinfo, rewritten a meteor */
  StationFF *ff;      /* the saved clips as FF blocks, in ff/ */
  gchar *ftp_path;
  StationCalib *calib; /* its own calibrations, or NULL */
  GstElement *detect;
};

/* Frames into the night image (streaming thread). */
static GstPadProbeReturn
on_frame (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  StationRecord *r = data;
  GstVideoFrame frame;

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *e = GST_PAD_PROBE_INFO_EVENT (info);
    GstCaps *caps;

    if (GST_EVENT_TYPE (e) == GST_EVENT_CAPS) {
      gst_event_parse_caps (e, &caps);
      r->have_info = gst_video_info_from_caps (&r->info, caps);
    }
    return GST_PAD_PROBE_OK;
  }
  if (r->have_info && gst_video_frame_map (&frame, &r->info,
                          GST_PAD_PROBE_INFO_BUFFER (info), GST_MAP_READ)) {
    station_night_add_frame (r->night, GST_VIDEO_FRAME_COMP_DATA (&frame, 0),
        GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0),
        GST_VIDEO_FRAME_COMP_WIDTH (&frame, 0),
        GST_VIDEO_FRAME_COMP_HEIGHT (&frame, 0),
        GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, 0));
    if (r->calib) {
      GstMeteorFrameMeta *meta =
          gst_buffer_get_meteor_frame_meta (GST_PAD_PROBE_INFO_BUFFER (info));
      if (meta && GST_CLOCK_TIME_IS_VALID (meta->capture_time_utc))
        station_calib_frame (r->calib, GST_VIDEO_FRAME_COMP_DATA (&frame, 0),
            GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0),
            GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, 0),
            GST_VIDEO_FRAME_COMP_WIDTH (&frame, 0),
            GST_VIDEO_FRAME_COMP_HEIGHT (&frame, 0),
            meta->capture_time_utc / 1e9);
    }
    gst_video_frame_unmap (&frame);
  }
  return GST_PAD_PROBE_OK;
}

/* A calibration the station made (the solver's thread): meteordetect
 * takes it at its next meteor. */
static void
calibrated (const gchar *wcs_path, const MeteorCalibration *cal,
    const MeteorPhotometry *phot, gpointer data)
{
  StationRecord *r = data;

  g_object_set (r->detect, "calibration", wcs_path, NULL);
}

StationRecord *
station_record_new (const StationConfig *c, const gchar *night,
    const gchar *dir, GstElement *pipeline, const StationClockState *clock)
{
  StationRecord *r = g_new0 (StationRecord, 1);
  GstElement *detect = gst_bin_get_by_name (GST_BIN (pipeline), "detect");
  GstPad *pad = gst_element_get_static_pad (detect, "src");
  gchar *ff_dir;

  r->night =
      station_night_new (c->id, night, c->latitude, c->longitude, c->elevation);
  r->dir = g_strdup (dir);
  r->jsonl = g_build_filename (dir, "detections.jsonl", NULL);
  r->pipeline = gst_object_ref (pipeline);
  r->detections = g_array_new (FALSE, TRUE, sizeof (Detection));
  r->clock_start = *clock;
  r->ever_unsynchronized = !clock->synchronized;
  /* RMS's names split at '_' */
  r->station = g_strdelimit (g_strdup (c->id), "_/", '-');
  r->ftp = meteor_ftp_file_new (dir, dir);
  ff_dir = g_build_filename (dir, "ff", NULL);
  r->ff = station_ff_new (r->station, ff_dir);
  g_free (ff_dir);
  r->ftp_path =
      g_strdup_printf ("%s/FTPdetectinfo_%s_%s.txt", dir, r->station, night);
  gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_frame,
      r, NULL);
  gst_object_unref (pad);
  r->detect = detect;
  if (c->calibrate) {
    gchar *calib_dir = g_build_filename (c->store, "calibration", NULL);
    gchar *latest = station_calib_latest (calib_dir);

    /* the last night's until tonight's own */
    if (latest)
      g_object_set (detect, "calibration", latest, NULL);
    r->calib = station_calib_new (&c->calib, calib_dir, calibrated, r);
    g_free (latest);
    g_free (calib_dir);
  }
  return r;
}

void
station_record_free (StationRecord *r)
{
  guint i;

  if (r == NULL)
    return;
  for (i = 0; i < r->detections->len; i++)
    g_free (g_array_index (r->detections, Detection, i).clip);
  g_array_unref (r->detections);
  station_calib_free (r->calib); /* a solve under way ends first */
  gst_object_unref (r->detect);
  station_ff_free (r->ff); /* the clips queued are written first */
  station_night_free (r->night);
  meteor_ftp_file_free (r->ftp);
  g_free (r->ftp_path);
  g_free (r->station);
  gst_object_unref (r->pipeline);
  g_free (r->dir);
  g_free (r->jsonl);
  g_free (r);
}

void
station_record_clock (StationRecord *r, const StationClockState *clock)
{
  if (!clock->synchronized)
    r->ever_unsynchronized = TRUE;
}

static void
add_clock (JsonBuilder *b, const StationClockState *clock)
{
  json_builder_set_member_name (b, "clock");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "synchronized");
  json_builder_add_boolean_value (b, clock->synchronized);
  json_builder_set_member_name (b, "error_s");
  json_builder_add_double_value (b, clock->error_s);
  json_builder_set_member_name (b, "max_error_s");
  json_builder_add_double_value (b, clock->max_error_s);
  json_builder_set_member_name (b, "offset_s");
  json_builder_add_double_value (b, clock->offset_s);
  json_builder_end_object (b);
}

/* A field of the detection: strings, booleans, numbers, and the path (an
 * array of [frame, x, y, intensity, ...] arrays). */
static void
add_value (JsonBuilder *b, const GValue *v)
{
  if (G_VALUE_HOLDS_STRING (v)) {
    json_builder_add_string_value (b, g_value_get_string (v));
  } else if (G_VALUE_HOLDS_BOOLEAN (v)) {
    json_builder_add_boolean_value (b, g_value_get_boolean (v));
  } else if (G_VALUE_HOLDS_DOUBLE (v)) {
    /* JSON has no NaN: what is not known (an uncalibrated magnitude) */
    if (isfinite (g_value_get_double (v)))
      json_builder_add_double_value (b, g_value_get_double (v));
    else
      json_builder_add_null_value (b);
  } else if (GST_VALUE_HOLDS_ARRAY (v)) {
    guint i, n = gst_value_array_get_size (v);

    json_builder_begin_array (b);
    for (i = 0; i < n; i++)
      add_value (b, gst_value_array_get_value (v, i));
    json_builder_end_array (b);
  } else {
    GValue i64 = G_VALUE_INIT;

    g_value_init (&i64, G_TYPE_INT64);
    if (g_value_type_transformable (G_VALUE_TYPE (v), G_TYPE_INT64) &&
        g_value_transform (v, &i64))
      json_builder_add_int_value (b, g_value_get_int64 (&i64));
    else
      json_builder_add_null_value (b);
  }
}

/* One line of detections.jsonl: the detection as meteordetect reported
 * it, and the clock state; on disk (fsync) before the next one. */
static void
append_jsonl (
    StationRecord *r, const GstStructure *s, const StationClockState *clock)
{
  JsonBuilder *b = json_builder_new ();
  JsonNode *root;
  gchar *line;
  gint i, n = gst_structure_n_fields (s);
  FILE *f;

  json_builder_begin_object (b);
  for (i = 0; i < n; i++) {
    const gchar *name = gst_structure_nth_field_name (s, i);

    json_builder_set_member_name (b, name);
    add_value (b, gst_structure_get_value (s, name));
  }
  add_clock (b, clock);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  line = json_to_string (root, FALSE);
  f = fopen (r->jsonl, "a");
  if (f == NULL || fprintf (f, "%s\n", line) < 0 || fflush (f) != 0 ||
      fsync (fileno (f)) != 0)
    g_printerr ("meteor-station: WARNING: %s: %s: the detection is in "
                "night.json only\n",
        r->jsonl, g_strerror (errno));
  else
    station_bytes_add (STATION_BYTES_RECORDS, strlen (line) + 1);
  if (f)
    fclose (f);
  g_free (line);
  json_node_unref (root);
  g_object_unref (b);
}

/* The meteor into the night's FTPdetectinfo (formats/ftpdetection.c),
 * rewritten whole (small), synced and renamed over: never half a file. */
static gboolean
add_ftp_meteor (
    StationRecord *r, const GstStructure *s, char *ff_name, gsize ff_name_size)
{
  gdouble fps = r->have_info && GST_VIDEO_INFO_FPS_N (&r->info) > 0
                    ? (gdouble)GST_VIDEO_INFO_FPS_N (&r->info) /
                          GST_VIDEO_INFO_FPS_D (&r->info)
                    : 0;
  GError *error = NULL;

  if (!meteor_ftp_add_detection (r->ftp, s, r->station, fps,
          GST_VIDEO_INFO_WIDTH (&r->info), GST_VIDEO_INFO_HEIGHT (&r->info),
          ff_name, ff_name_size, &error)) {
    g_printerr (
        "meteor-station: WARNING: %s: %s\n", r->ftp_path, error->message);
    g_error_free (error);
    return FALSE;
  }
  if (!meteor_ftp_write_file (r->ftp_path, r->ftp, &error)) {
    g_printerr ("meteor-station: WARNING: %s\n", error->message);
    g_error_free (error);
  } else
    station_bytes_add_file (STATION_BYTES_RECORDS, r->ftp_path);
  return TRUE;
}

static void
clip_saved (StationRecord *r, const GstStructure *s)
{
  guint64 first = 0, last = 0;
  const gchar *path = gst_structure_get_string (s, "path");
  guint i;

  r->clips_written++;
  if (path)
    station_ff_clip (r->ff, path);
  gst_structure_get_uint64 (s, "first-frame", &first);
  gst_structure_get_uint64 (s, "last-frame", &last);
  for (i = 0; path && i < r->detections->len; i++) {
    Detection *d = &g_array_index (r->detections, Detection, i);

    if (d->clip == NULL && d->d.first_frame >= first &&
        d->d.first_frame <= last) {
      d->clip = g_str_has_prefix (path, r->dir)
                    ? g_strdup (path + strlen (r->dir) + 1)
                    : g_strdup (path);
    }
  }
}

void
station_record_message (
    StationRecord *r, GstMessage *msg, const StationClockState *clock)
{
  const GstStructure *s = gst_message_get_structure (msg);
  GstMeteorDetection det;
  Detection d = { 0 };
  char ff_name[128];

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING &&
      g_strcmp0 (GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), "store") == 0) {
    r->clips_failed++; /* tieredsink warns only of what it could not write */
    return;
  }
  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT || s == NULL)
    return;
  if (gst_structure_has_name (s, CLIP_SAVED)) {
    clip_saved (r, s);
    return;
  }
  if (!gst_meteor_detection_is (s) || !gst_meteor_detection_parse (s, &det))
    return;
  append_jsonl (r, s, clock);
  if (r->calib)
    station_calib_interrupt (r->calib);
  d.d.id = det.id;
  d.d.start_utc = meteor_detection_utc (s, GST_METEOR_DETECTION_START_UTC);
  d.d.end_utc = meteor_detection_utc (s, GST_METEOR_DETECTION_END_UTC);
  d.d.first_frame = det.first_frame;
  d.d.last_frame = det.last_frame;
  d.d.x0 = det.x0;
  d.d.y0 = det.y0;
  d.d.x1 = det.x1;
  d.d.y1 = det.y1;
  d.d.snr = det.snr;
  d.d.peak = det.peak;
  d.d.speed_px_s = det.speed_px_s;
  d.d.n_points = det.n_points;
  d.d.clock = *clock;
  g_array_append_val (r->detections, d);
  if (add_ftp_meteor (r, s, ff_name, sizeof ff_name)) {
    GstElement *detect = gst_bin_get_by_name (GST_BIN (r->pipeline), "detect");
    g_free (station_ecsv_add (r->dir, r->station, detect, s, ff_name,
        GST_VIDEO_INFO_WIDTH (&r->info), GST_VIDEO_INFO_HEIGHT (&r->info)));
    gst_object_unref (detect);
  }
  g_print ("meteor-station: meteor %u: frames %" G_GUINT64_FORMAT
           "-%" G_GUINT64_FORMAT ", (%.0f,%.0f) to (%.0f,%.0f), snr %.1f\n",
      det.id, det.first_frame, det.last_frame, det.x0, det.y0, det.x1, det.y1,
      det.snr);
}

/* A numeric field of element @name's stats, 0 when there is none. */
static gdouble
stat (StationRecord *r, const gchar *name, const gchar *field)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (r->pipeline), name);
  GstStructure *s = NULL;
  const GValue *v;
  gdouble x = 0;

  if (e)
    g_object_get (e, "stats", &s, NULL);
  v = s ? gst_structure_get_value (s, field) : NULL;
  if (v && G_VALUE_HOLDS_DOUBLE (v))
    x = g_value_get_double (v);
  else if (v && G_VALUE_HOLDS_UINT64 (v))
    x = g_value_get_uint64 (v);
  else if (v && G_VALUE_HOLDS_INT (v))
    x = g_value_get_int (v);
  if (s)
    gst_structure_free (s);
  gst_clear_object (&e);
  return x;
}

gboolean
station_record_finish (StationRecord *r, gdouble start_utc, gdouble end_utc,
    const StationClockState *clock, GError **error)
{
  StationNightCounters c = { 0 };
  gdouble recall = stat (r, "detect", "canary-recall");
  guint i;

  c.start_utc = start_utc;
  c.end_utc = end_utc;
  c.frames = (guint64)stat (r, "pool", GST_METEOR_STATS_FRAMES);
  c.frames_dropped = (guint64)(stat (r, "pool", GST_METEOR_STATS_DROPPED) +
                               stat (r, "detect", GST_METEOR_STATS_DROPPED) +
                               stat (r, "store", GST_METEOR_STATS_DROPPED));
  c.reconnects = (guint)stat (r, "camera", GST_METEOR_STATS_RECONNECTS);
  c.dropped_seconds = stat (r, "camera", GST_METEOR_STATS_DROPPED_SECONDS);
  c.clips_written = r->clips_written;
  c.clips_failed = r->clips_failed;
  c.canary_recall = isfinite (recall) && recall > 0 ? recall : -1;
  c.clock_start = r->clock_start;
  c.clock_end = *clock;
  c.clock_ever_unsynchronized = r->ever_unsynchronized || !clock->synchronized;
  station_night_set_counters (r->night, &c);
  for (i = 0; i < r->detections->len; i++) {
    Detection *d = &g_array_index (r->detections, Detection, i);

    d->d.clip = d->clip;
    station_night_add_detection (r->night, &d->d);
  }
  return station_night_write (r->night, r->dir, error);
}
