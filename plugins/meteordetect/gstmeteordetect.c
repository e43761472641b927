/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteordetect
 *
 * SECTION:element-meteordetect
 * @title: meteordetect
 *
 * Finds meteors in raw video, in place: frames are only read, never
 * written or copied, so the buffer that leaves is the one that came in
 * (with the same GstMemory; only a frame with a meteor in flight that is
 * shared with another branch gets a new GstBuffer on the same memory for
 * its meta, counted as a shallow copy).
 *
 * Each frame's luma (plane 0 of GRAY8, I420 and NV12 as it is; the others
 * converted row by row) goes through the detector core: a running
 * background per pixel, candidate pixels above it, clusters, and tracks
 * over frames. A track that ends as a straight, fast enough line is a
 * meteor:
 *
 * - a `meteor-detected` element message (id, first-frame, last-frame,
 *   start-time, end-time, start-utc, end-utc when the frames carry a
 *   GstMeteorFrameMeta, x0, y0, x1, y1: the meteor's first and last
 *   positions, speed-px-s, peak, snr, score, points, and path: per frame
 *   < frame, x, y, intensity >, as RMS's FTPdetectinfo), and the same
 *   structure downstream as a serialized custom event, before the frame
 *   that ended the track;
 * - while in flight, from the frame it qualifies, each frame it is in
 *   carries a GstVideoRegionOfInterestMeta of type "meteor" around it.
 *
 * Frame numbers are the GstMeteorFrameMeta frame ids (meteorpool
 * upstream), else the buffer offsets, else frames counted from 0. Times
 * are running times of the frames' timestamps.
 *
 * Compressed video (an IP camera's H.264, decoded) is read as such: a
 * block the encoder copied from the last frame is no new sample, a
 * keyframe's noise drawn anew is judged at its own level, and a short
 * track counts only where noise lining up as well is rare in this video.
 *
 * A flash (lightning, headlights, the camera's exposure jumping) is a
 * `meteordetect-flash` element message on every flash frame (frame,
 * fraction of pixels above the background, mean-jump in DN, levelled), and
 * a warning on the bus (at most one per 10 s of stream). A smooth
 * brightening of the whole sky is levelled out row by row (when the
 * detector works on its own binned or converted copy of the frame) and
 * tracking goes on through it (levelled=true); a sudden one drops the
 * tracks in flight. At EOS the tracks
 * still open are judged, so their meteors come before the EOS.
 *
 * |[
 * gst-launch-1.0 -m meteorsky num-buffers=150 schedule="meteor@30,snr=10" ! \
 *   video/x-raw,format=GRAY8,width=640,height=480 ! meteorpool ! \
 *   meteordetect ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmeteordetect-private.h"

#include <gst/meteor/meteor.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

GST_DEBUG_CATEGORY (meteordetect_debug);
#define GST_CAT_DEFAULT meteordetect_debug

#define DETECT_FORMATS METEOR_FORMATS_CAPS
/* framerate 0/1 is let in, to be named in an error rather than refused
 * with a bare not-negotiated */
#define DETECT_CAPS GST_VIDEO_CAPS_MAKE (DETECT_FORMATS)

enum {
  PROP_0,
  PROP_K1,
  PROP_J1,
  PROP_MIN_FRAMES,
  PROP_MIN_SPEED,
  PROP_MAX_SPEED,
  PROP_MAX_DURATION,
  PROP_MIN_SPEED_DEG,
  PROP_MAX_SPEED_DEG,
  PROP_MASK,
  PROP_CANARY_RATE,
  PROP_CANARY_WINDOW,
  PROP_CANARY_MIN_RECALL,
  PROP_SIMD,
  PROP_STATS,
  PROP_CALIBRATION,
  PROP_LATITUDE,
  PROP_LONGITUDE,
  PROP_ELEVATION,
};

#define gst_meteor_detect_parent_class parent_class
G_DEFINE_TYPE (GstMeteorDetect, gst_meteor_detect, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (meteordetect, "meteordetect",
    GST_RANK_NONE, GST_TYPE_METEOR_DETECT, gst_meteor_init ());

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (DETECT_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (DETECT_CAPS));

/* The double properties are DetectorConfig fields. */
static gdouble *
config_double (DetectorConfig *config, guint prop_id)
{
  switch (prop_id) {
    case PROP_K1:
      return &config->k1;
    case PROP_J1:
      return &config->j1;
    case PROP_MIN_SPEED:
      return &config->min_speed;
    case PROP_MAX_SPEED:
      return &config->max_speed;
    case PROP_MAX_DURATION:
      return &config->max_duration;
    case PROP_MIN_SPEED_DEG:
      return &config->min_speed_deg;
    case PROP_MAX_SPEED_DEG:
      return &config->max_speed_deg;
    case PROP_CANARY_RATE:
      return &config->canary_rate;
    case PROP_CANARY_MIN_RECALL:
      return &config->canary_min_recall;
    default:
      return NULL;
  }
}

/* The kernel set METEOR_SIMD names when the element is made, else
 * meteor_kernels_get()'s choice. meteor_kernels_get() decides once per
 * process, so a METEOR_SIMD set after an earlier element would otherwise
 * be ignored; a name the CPU cannot run falls back there (and it says so
 * on stderr). */
static const MeteorKernels *
choose_kernels (void)
{
  const gchar *want = g_getenv ("METEOR_SIMD");
  const MeteorKernels *kernels = NULL;

  if (want != NULL && *want != '\0')
    kernels = meteor_kernels_by_name (want);
  return kernels ? kernels : meteor_kernels_get ();
}

/* ------------------------------------------------------- negotiation */

/* The settings are checked here, where the frame size and rate are known:
 * a bad value is an element error naming it, and not-negotiated. */
static gboolean
gst_meteor_detect_set_caps (
    GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps)
{
  GstMeteorDetect *self = GST_METEOR_DETECT (trans);
  DetectorConfig config;
  GstVideoInfo info;
  Detector *detector;
  gchar *mask_path;
  guint8 *mask = NULL;
  char error[256];
  gint luma;

  if (!gst_video_info_from_caps (&info, incaps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("invalid video caps %" GST_PTR_FORMAT, incaps), (NULL));
    return FALSE;
  }
  /* the same caps again (a reconfigure): the detector goes on */
  if (self->detector && gst_video_info_is_equal (&info, &self->info))
    return TRUE;

  luma = meteor_format_from_name (GST_VIDEO_INFO_NAME (&info));
  g_return_val_if_fail (luma >= 0, FALSE); /* the template allows no other */

  if (GST_VIDEO_INFO_FPS_N (&info) <= 0 || GST_VIDEO_INFO_FPS_D (&info) <= 0) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("framerate %d/%d: meteordetect needs a fixed framerate (speeds are "
         "in px/s, durations in s)",
            GST_VIDEO_INFO_FPS_N (&info), GST_VIDEO_INFO_FPS_D (&info)),
        ("set the framerate in the caps, e.g. video/x-raw,framerate=30/1"));
    return FALSE;
  }

  GST_OBJECT_LOCK (self);
  config = self->settings;
  mask_path = g_strdup (self->mask_location);
  GST_OBJECT_UNLOCK (self);
  config.width = GST_VIDEO_INFO_WIDTH (&info);
  config.height = GST_VIDEO_INFO_HEIGHT (&info);
  config.fps =
      (double)GST_VIDEO_INFO_FPS_N (&info) / GST_VIDEO_INFO_FPS_D (&info);
  config.mask = NULL;

  if (detector_config_check (&config, error, sizeof (error)) != 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error),
        ("settings rejected for %" GST_PTR_FORMAT, incaps));
    g_free (mask_path);
    return FALSE;
  }
  if (mask_path && *mask_path) {
    mask = md_load_mask (self, mask_path, config.width, config.height);
    if (mask == NULL) {
      g_free (mask_path);
      return FALSE;
    }
  }
  g_free (mask_path);
  config.mask = mask;

  detector = detector_new (&config, self->kernels);
  if (detector == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
        ("out of memory for a %dx%d detector", config.width, config.height),
        (NULL));
    g_free (mask);
    return FALSE;
  }

  /* New caps mid-stream: what was in flight ends here, and a new
   * background is learnt; frame indices go on. */
  md_retire_detector (self);
  self->detector = detector;
  self->mask = mask;
  self->luma = luma;
  self->info = info;
  md_sky_scale (self);
  GST_INFO_OBJECT (self, "detecting in %" GST_PTR_FORMAT " with %s kernels",
      incaps, self->kernels->name);
  return TRUE;
}

/* A rejected format is named once on the bus: upstream only reports
 * "not-negotiated". */
static gboolean
gst_meteor_detect_accept_caps (
    GstBaseTransform *trans, GstPadDirection direction, GstCaps *caps)
{
  GstMeteorDetect *self = GST_METEOR_DETECT (trans);
  GstStructure *s;
  const gchar *format;
  gboolean warn;

  if (GST_BASE_TRANSFORM_CLASS (parent_class)
          ->accept_caps (trans, direction, caps))
    return TRUE;
  if (direction != GST_PAD_SINK || !gst_caps_is_fixed (caps))
    return FALSE;
  s = gst_caps_get_structure (caps, 0);
  if (gst_structure_has_name (s, "video/x-raw")) {
    format = gst_structure_get_string (s, "format");
    /* a format of ours refused for another reason: not ours to name */
    if (meteor_format_from_name (format) >= 0)
      return FALSE;
  } else {
    format = gst_structure_get_name (s);
  }
  if (format == NULL)
    return FALSE;

  GST_OBJECT_LOCK (self);
  warn = g_strcmp0 (self->rejected_format, format) != 0;
  if (warn) {
    g_free (self->rejected_format);
    self->rejected_format = g_strdup (format);
  }
  GST_OBJECT_UNLOCK (self);
  if (warn)
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("unsupported format '%s': meteordetect takes raw video in GRAY8, "
         "GRAY16_LE, I420, NV12, YUY2, RGB, BGR, RGBx or BGRx",
            format),
        ("rejected caps %" GST_PTR_FORMAT, caps));
  return FALSE;
}

/* ---------------------------------------------------------- frames */

/* Runs the detector on @buf (mapped READ only) and keeps what it found
 * for transform_ip. */
static GstFlowReturn
analyse (GstMeteorDetect *self, GstBuffer *buf)
{
  guint64 index = self->next_index;
  GstVideoFrame frame;
  gint64 start, took;

  if (self->detector == NULL) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("no format negotiated"),
        ("a buffer before caps"));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (!gst_video_frame_map (&frame, &self->info, buf, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("a %" G_GSIZE_FORMAT "-byte buffer is too small for a %s %dx%d frame",
            gst_buffer_get_size (buf), GST_VIDEO_INFO_NAME (&self->info),
            GST_VIDEO_INFO_WIDTH (&self->info),
            GST_VIDEO_INFO_HEIGHT (&self->info)),
        (NULL));
    return GST_FLOW_ERROR;
  }
  md_remember_frame (self, buf, index);
  self->next_index = index + 1;

  start = g_get_monotonic_time ();
  self->is_flash = detector_process (self->detector, index,
      GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
      GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0), self->luma, &self->flash);
  took = g_get_monotonic_time () - start;
  gst_video_frame_unmap (&frame);
  md_update_stats (self, took);

  self->n_boxes =
      detector_live_boxes (self->detector, index, self->boxes, MAX_BOXES);
  return GST_FLOW_OK;
}

/* In place: the buffer that came in goes on. Only a frame that gets a
 * meta (a meteor in flight) and is shared with another branch (tee) needs
 * a new GstBuffer for it, on the very same GstMemory (gst_buffer_copy
 * shares memory, it never copies pixels), counted as a shallow copy. Any
 * other frame goes on untouched, so the pool gets its buffer back whole
 * and reuses it. */
static GstFlowReturn
gst_meteor_detect_prepare_output_buffer (
    GstBaseTransform *trans, GstBuffer *inbuf, GstBuffer **outbuf)
{
  GstMeteorDetect *self = GST_METEOR_DETECT (trans);
  GstFlowReturn ret = analyse (self, inbuf);

  if (ret != GST_FLOW_OK)
    return ret;
  if (self->n_boxes == 0 || gst_buffer_is_writable (inbuf)) {
    *outbuf = inbuf;
    return GST_FLOW_OK;
  }
  *outbuf = gst_buffer_copy (inbuf);
  if (*outbuf == NULL)
    return GST_FLOW_ERROR;
  GST_OBJECT_LOCK (self);
  self->shallow_copies++;
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_meteor_detect_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GstMeteorDetect *self = GST_METEOR_DETECT (trans);
  size_t i;

  for (i = 0; i < self->n_boxes; i++) {
    const int *b = self->boxes + 4 * i;

    gst_buffer_add_video_region_of_interest_meta (
        buf, "meteor", (guint)b[0], (guint)b[1], (guint)b[2], (guint)b[3]);
  }
  self->n_boxes = 0;
  if (self->is_flash)
    md_report_flash (self, &self->flash);
  self->is_flash = 0;
  md_report_meteors (self);
  md_check_canaries (self);
  return GST_FLOW_OK;
}

static gboolean
gst_meteor_detect_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  GstMeteorDetect *self = GST_METEOR_DETECT (trans);

  /* the tracks still open are judged now, so their meteors (messages and
   * events) come before the EOS */
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS && self->detector) {
    md_flush_detector (self);
    md_post_stats (self);
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

/* ------------------------------------------------------ state, props */

static gboolean
gst_meteor_detect_start (GstBaseTransform *trans)
{
  GstMeteorDetect *self = GST_METEOR_DETECT (trans);

  self->next_index = 0;
  memset (self->ring, 0, sizeof (self->ring));
  self->flash_warned_at = GST_CLOCK_TIME_NONE;
  self->flashes_unwarned = 0;
  self->canary_low = FALSE;
  gst_video_info_init (&self->info);

  GST_OBJECT_LOCK (self);
  memset (&self->current, 0, sizeof (self->current));
  memset (&self->retired, 0, sizeof (self->retired));
  memset (&self->canary, 0, sizeof (self->canary));
  memset (&self->canary_retired, 0, sizeof (self->canary_retired));
  self->canary.window_recall = NAN;
  self->shallow_copies = 0;
  self->process_us = 0;
  self->processed = 0;
  self->limiting_mag = NAN;
  self->calibrated = FALSE;
  self->calibration_age = NAN;
  g_clear_pointer (&self->rejected_format, g_free);
  GST_OBJECT_UNLOCK (self);
  if (!md_sky_update (self, TRUE))
    return FALSE;
  gst_meteor_stats_register (GST_ELEMENT (self));
  return TRUE;
}

/* Stopped without an EOS: what was in flight is still reported; the
 * counters stay readable until the next start. */
static gboolean
gst_meteor_detect_stop (GstBaseTransform *trans)
{
  md_retire_detector (GST_METEOR_DETECT (trans));
  gst_meteor_stats_unregister (GST_ELEMENT (trans));
  return TRUE;
}

static void
gst_meteor_detect_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstMeteorDetect *self = GST_METEOR_DETECT (object);
  gdouble *field;

  GST_OBJECT_LOCK (self);
  field = config_double (&self->settings, prop_id);
  if (field) {
    *field = g_value_get_double (value);
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_MIN_FRAMES:
      self->settings.min_frames = g_value_get_int (value);
      break;
    case PROP_CANARY_WINDOW:
      self->settings.canary_window = g_value_get_int (value);
      break;
    case PROP_MASK:
      g_free (self->mask_location);
      self->mask_location = g_value_dup_string (value);
      break;
    case PROP_CALIBRATION:
      g_free (self->calibration);
      self->calibration = g_value_dup_string (value);
      self->sky_reload = TRUE;
      break;
    case PROP_LATITUDE:
      self->latitude = g_value_get_double (value);
      self->location_set = TRUE;
      break;
    case PROP_LONGITUDE:
      self->longitude = g_value_get_double (value);
      self->location_set = TRUE;
      break;
    case PROP_ELEVATION:
      self->elevation = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_meteor_detect_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstMeteorDetect *self = GST_METEOR_DETECT (object);
  gdouble *field;

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, md_make_stats (self));
    return;
  }
  if (prop_id == PROP_SIMD) {
    g_value_set_string (value, self->kernels->name);
    return;
  }

  GST_OBJECT_LOCK (self);
  field = config_double (&self->settings, prop_id);
  if (field) {
    g_value_set_double (value, *field);
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_MIN_FRAMES:
      g_value_set_int (value, self->settings.min_frames);
      break;
    case PROP_CANARY_WINDOW:
      g_value_set_int (value, self->settings.canary_window);
      break;
    case PROP_MASK:
      g_value_set_string (value, self->mask_location);
      break;
    case PROP_CALIBRATION:
      g_value_set_string (value, self->calibration);
      break;
    case PROP_LATITUDE:
      g_value_set_double (value, self->latitude);
      break;
    case PROP_LONGITUDE:
      g_value_set_double (value, self->longitude);
      break;
    case PROP_ELEVATION:
      g_value_set_double (value, self->elevation);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_meteor_detect_finalize (GObject *object)
{
  GstMeteorDetect *self = GST_METEOR_DETECT (object);

  g_clear_pointer (&self->detector, detector_free);
  g_free (self->mask);
  g_free (self->taken);
  g_free (self->mask_location);
  g_free (self->calibration);
  md_sky_clear (self);
  g_free (self->rejected_format);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_meteor_detect_init (GstMeteorDetect *self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);

  /* frames are only read; the buffer may get metas, so not passthrough */
  gst_base_transform_set_in_place (trans, TRUE);
  gst_base_transform_set_passthrough (trans, FALSE);

  detector_config_init (&self->settings);
  self->kernels = choose_kernels ();
  self->taken = g_new0 (DetectorMeteor, TAKE_BATCH);
  self->flash_warned_at = GST_CLOCK_TIME_NONE;
  self->canary.window_recall = NAN;
  self->photometry.zero_point = NAN;
  self->limiting_mag = NAN;
  self->calibration_age = NAN;
  gst_video_info_init (&self->info);
}

/* Settings take any value: a bad one is reported by the detector's
 * checker as an element error naming it, not as a GLib warning. */
static void
install_double (GObjectClass *gobject_class, guint prop_id, const gchar *name,
    const gchar *nick, const gchar *blurb, gdouble default_value)
{
  g_object_class_install_property (gobject_class, prop_id,
      g_param_spec_double (name, nick, blurb, -G_MAXDOUBLE, G_MAXDOUBLE,
          default_value,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
}

static void
gst_meteor_detect_class_init (GstMeteorDetectClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw_ready =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;
  const GParamFlags rw_playing =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING;
  DetectorConfig d;

  detector_config_init (&d);

  gobject_class->set_property = gst_meteor_detect_set_property;
  gobject_class->get_property = gst_meteor_detect_get_property;
  gobject_class->finalize = gst_meteor_detect_finalize;

  install_double (gobject_class, PROP_K1, "k1", "K1",
      "Detection threshold in sigma: a pixel is a candidate when it is this "
      "many standard deviations of its background noise (plus j1) above its "
      "background mean; in (0, 12]",
      d.k1);
  install_double (gobject_class, PROP_J1, "j1", "J1",
      "Fixed offset added to the threshold, in 8-bit DN (GRAY16_LE: its high "
      "byte); in [0, 255]",
      d.j1);
  g_object_class_install_property (gobject_class, PROP_MIN_FRAMES,
      g_param_spec_int ("min-frames", "Min frames",
          "Frames a meteor must be seen in; in [2, 100]. Tracks of two frames "
          "count only when their blobs are streaks along the motion, as long "
          "as a step; any track only when noise lining up that well, that "
          "bright and that shaped would be rare in this video (under one a "
          "night, from how its noise lines up as it runs)",
          G_MININT, G_MAXINT, d.min_frames, rw_ready));
  install_double (gobject_class, PROP_MIN_SPEED, "min-speed", "Min speed",
      "Slowest meteor, in px/s: slower moving tracks are planes or "
      "satellites (rejected-slow), but for bright ones (peak 12 sigma) "
      "that begin and end inside the frame within 2.5 s, down to half "
      "of it",
      d.min_speed);
  install_double (gobject_class, PROP_MAX_SPEED, "max-speed", "Max speed",
      "Fastest meteor, in px/s (above min-speed)", d.max_speed);
  install_double (gobject_class, PROP_MIN_SPEED_DEG, "min-speed-deg",
      "Min speed on the sky",
      "Slowest meteor, in degrees/s on the sky (meteors move at about 3-70, "
      "satellites under about 2): once calibrated (calibration=), it "
      "replaces min-speed, at each track's place in the field (a wide lens's "
      "scale changes over it); 0: min-speed only",
      d.min_speed_deg);
  install_double (gobject_class, PROP_MAX_SPEED_DEG, "max-speed-deg",
      "Max speed on the sky",
      "Fastest meteor, in degrees/s on the sky, likewise replacing "
      "max-speed once calibrated; 0: max-speed only",
      d.max_speed_deg);
  install_double (gobject_class, PROP_MAX_DURATION, "max-duration",
      "Max duration",
      "Longest meteor, in seconds: longer tracks are rejected "
      "(rejected-long)",
      d.max_duration);
  g_object_class_install_property (gobject_class, PROP_MASK,
      g_param_spec_string ("mask", "Mask",
          "Binary PGM file (P5, maxval 255) the size of the frames: pixels "
          "that are 0 are ignored (trees, buildings, the horizon); read when "
          "the caps are set. Unset: every pixel counts",
          NULL, rw_ready));
  install_double (gobject_class, PROP_CANARY_RATE, "canary-rate", "Canary rate",
      "Canary meteors an hour, to measure the detector's recall live: drawn "
      "as meteorsky draws meteors (SNR 3-30 against the sky's noise now, "
      "dimmed as the stars are dimmed) into the detector's working copy of "
      "the frame only, never into the frames that go downstream; each found "
      "or missed is counted in stats (canary-*) and never reported as a "
      "meteor. 0: none; in [0, 3600]",
      d.canary_rate);
  g_object_class_install_property (gobject_class, PROP_CANARY_WINDOW,
      g_param_spec_int ("canary-window", "Canary window",
          "The last canaries the recall (canary-recall in stats) is measured "
          "over, and compared with canary-min-recall; in [1, 1000]",
          G_MININT, G_MAXINT, d.canary_window, rw_ready));
  install_double (gobject_class, PROP_CANARY_MIN_RECALL, "canary-min-recall",
      "Canary min recall",
      "When the share of the last canary-window canaries found falls below "
      "this, a warning is posted (details: a meteordetect-canary structure); "
      "in [0, 1]",
      d.canary_min_recall);
  g_object_class_install_property (gobject_class, PROP_CALIBRATION,
      g_param_spec_string ("calibration", "Calibration",
          "The camera's WCS file (meteor-calibrate -o CAMERA.wcs: a FITS "
          "header, TAN with SIP, and its photometric zero point): each "
          "meteor-detected point then carries utc, ra, dec, azimuth, "
          "elevation and magnitude, and the meteor its begin and end on the "
          "sky and horizon, angular-speed and peak-magnitude. Read at start "
          "(an error when it cannot be) and again when set while playing (a "
          "recalibration; a warning when it cannot be, the last one stays). "
          "Unset: pixels only",
          NULL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_LATITUDE,
      g_param_spec_double ("latitude", "Latitude",
          "The station's latitude, degrees north (with longitude: azimuth "
          "and elevation of calibrated points)",
          -90, 90, 0, rw_playing));
  g_object_class_install_property (gobject_class, PROP_LONGITUDE,
      g_param_spec_double ("longitude", "Longitude",
          "The station's longitude, degrees east", -180, 180, 0, rw_playing));
  g_object_class_install_property (gobject_class, PROP_ELEVATION,
      g_param_spec_double ("elevation", "Elevation",
          "The station's height above sea level, metres (kept for the "
          "network's triangulation)",
          -500, 9000, 0, rw_playing));
  /* the reference (gst-inspect) shows no value: it depends on the CPU */
  g_object_class_install_property (gobject_class, PROP_SIMD,
      g_param_spec_string ("simd", "SIMD",
          "Kernel set in use: c, sse2, avx2 or neon; the best this CPU runs, "
          "or the one the METEOR_SIMD environment variable names when the "
          "element is made",
          NULL,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_DOC_SHOW_DEFAULT));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Counters since start: frames, candidates (pixels above the "
          "threshold), clusters, tracks, detections, flashes (frames), "
          "redrawn-frames (frames whose noise came drawn anew, as an "
          "encoder's keyframe: judged again at a higher threshold), "
          "disturbed-frames (frames too busy to start tracks even so), "
          "disturbed-tracks-carried (meteor tracks carried through them), "
          "rejected-short, rejected-static, rejected-slow, rejected-fast, "
          "rejected-crooked, rejected-long, rejected-flash (tracks), "
          "shallow-copies (shared buffers given a new GstBuffer on the same "
          "memory), ns-per-frame (mean wall time of the detector, ns), and "
          "the canaries: canary-injected, canary-found, canary-missed, "
          "canary-recall (over the last canary-window), canary-window, "
          "canary-optics (the stars' light against its best), and per SNR "
          "band canary-injected-snr3, canary-found-snr3, canary-missed-snr3, "
          "canary-recall-snr3 "
          "(SNR 3-5; snr5: 5-10, snr10: 10 and more; a recall is NaN until a "
          "canary of its kind is over); also posted as a meteordetect-stats "
          "message at EOS",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  trans_class->set_caps = gst_meteor_detect_set_caps;
  trans_class->accept_caps = gst_meteor_detect_accept_caps;
  trans_class->prepare_output_buffer = gst_meteor_detect_prepare_output_buffer;
  trans_class->transform_ip = gst_meteor_detect_transform_ip;
  trans_class->sink_event = gst_meteor_detect_sink_event;
  trans_class->start = gst_meteor_detect_start;
  trans_class->stop = gst_meteor_detect_stop;

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Meteor detector",
      "Filter/Analyzer/Video",
      "Finds meteors in raw video without copying or writing a frame: "
      "meteor-detected messages and events, regions of interest on frames",
      "gst-meteor developers");

  GST_DEBUG_CATEGORY_INIT (
      meteordetect_debug, "meteordetect", 0, "gst-meteor meteor detector");
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  return GST_ELEMENT_REGISTER (meteordetect, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, meteordetect,
    "Meteor detection in raw video, in place", plugin_init, VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
