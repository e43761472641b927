/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteorsky
 *
 * SECTION:element-meteorsky
 * @title: meteorsky
 *
 * A synthetic night-sky camera with ground truth: a star field with
 * twinkle, sky background, vignetting, sensor noise and hot pixels, with
 * meteors and fireballs and the things a detector must not report (planes,
 * satellites, clouds, flashes). Everything follows from the seed: the same
 * settings give the same frames, byte for byte.
 *
 * For every object it posts a `meteorsky-truth` element message when the
 * object is gone (kind, id, first-frame, last-frame, x0, y0, x1, y1, peak,
 * snr, speed-px-s) and, with truth-location set, writes it as a JSON line:
 * a `sky` header first, then one line per object, and an `end` line with
 * the number of frames at EOS.
 *
 * Frames are drawn into buffers from downstream's pool (honouring its
 * strides), so with meteorpool downstream they are drawn straight into the
 * frame ring. The luma is the sky's brightness in DN in every format: I420,
 * NV12 and YUY2 are full-range video, and their caps say so (colorimetry
 * 1:4:0:0).
 *
 * |[
 * gst-launch-1.0 meteorsky num-buffers=300 meteor-rate=600 \
 *   schedule="meteor@30,snr=8" truth-location=truth.jsonl ! \
 *   video/x-raw,format=GRAY8,width=640,height=480 ! meteorpool ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmeteorsky-private.h"

#include <gst/video/video.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

GST_DEBUG_CATEGORY (meteorsky_debug);

/* The sizes and rates the sky model renders (sky_config_check): 16 to
 * 16384 on a side (and at most 64 Mpixel, which caps cannot say), up to
 * 1000 frames a second. */
#define SKY_SIZES                                                              \
  "width = (int) [ 16, 16384 ], height = (int) [ 16, 16384 ], "                \
  "framerate = (fraction) [ 1/1, 1000/1 ]"
/* The sky's luma is its brightness in DN, 0-255, in every format: in I420,
 * NV12 and YUY2 that is full-range video, and the caps say so (colorimetry
 * 1:4:0:0, as JPEG's), or a converter taking them as studio range
 * (16-235, the default for HD sizes) would stretch the dark sky and clip
 * its noise at black */
#define SKY_YUV_COLORIMETRY "1:4:0:0"
#define SKY_CAPS                                                               \
  "video/x-raw, format = (string) { GRAY8, GRAY16_LE }, " SKY_SIZES "; "       \
  "video/x-raw, format = (string) { I420, NV12, YUY2 }, " SKY_SIZES ", "       \
  "colorimetry = (string) " SKY_YUV_COLORIMETRY "; "                           \
  "video/x-raw, format = (string) { RGB, BGR, RGBx, BGRx }, " SKY_SIZES

#define DEFAULT_WIDTH 640
#define DEFAULT_HEIGHT 480
#define DEFAULT_FPS_N 30
#define DEFAULT_FPS_D 1
#define DEFAULT_IS_LIVE FALSE

enum {
  PROP_0,
  PROP_SEED,
  PROP_METEOR_RATE,
  PROP_FIREBALL_RATE,
  PROP_PLANE_RATE,
  PROP_SATELLITE_RATE,
  PROP_FLASH_RATE,
  PROP_CLOUD_COVER,
  PROP_NOISE,
  PROP_SKY_LEVEL,
  PROP_PLATE_SCALE,
  PROP_STAR_DENSITY,
  PROP_TWINKLE,
  PROP_VIGNETTING,
  PROP_TRANSPARENCY,
  PROP_BLUR,
  PROP_HOT_PIXELS,
  PROP_SCHEDULE,
  PROP_TRUTH_LOCATION,
  PROP_IS_LIVE,
};

#define gst_meteor_sky_parent_class parent_class
G_DEFINE_TYPE (GstMeteorSky, gst_meteor_sky, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE (
    meteorsky, "meteorsky", GST_RANK_NONE, GST_TYPE_METEOR_SKY);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (SKY_CAPS));

/* The double properties are SkyConfig fields. */
static gdouble *
config_double (SkyConfig *config, guint prop_id)
{
  switch (prop_id) {
    case PROP_METEOR_RATE:
      return &config->meteor_rate;
    case PROP_FIREBALL_RATE:
      return &config->fireball_rate;
    case PROP_PLANE_RATE:
      return &config->plane_rate;
    case PROP_SATELLITE_RATE:
      return &config->satellite_rate;
    case PROP_FLASH_RATE:
      return &config->flash_rate;
    case PROP_CLOUD_COVER:
      return &config->cloud_cover;
    case PROP_NOISE:
      return &config->noise;
    case PROP_SKY_LEVEL:
      return &config->sky_level;
    case PROP_PLATE_SCALE:
      return &config->plate_scale;
    case PROP_STAR_DENSITY:
      return &config->star_density;
    case PROP_TWINKLE:
      return &config->twinkle;
    case PROP_VIGNETTING:
      return &config->vignetting;
    case PROP_TRANSPARENCY:
      return &config->transparency;
    case PROP_BLUR:
      return &config->blur;
    default:
      return NULL;
  }
}

static GstClockTime
frame_time (const GstVideoInfo *info, guint64 index)
{
  return gst_util_uint64_scale (index, GST_VIDEO_INFO_FPS_D (info) * GST_SECOND,
      GST_VIDEO_INFO_FPS_N (info));
}

/* ------------------------------------------------------- negotiation */

static GstCaps *
gst_meteor_sky_fixate (GstBaseSrc *src, GstCaps *caps)
{
  GstStructure *s;

  caps = gst_caps_truncate (gst_caps_make_writable (caps));
  s = gst_caps_get_structure (caps, 0);
  gst_structure_fixate_field_nearest_int (s, "width", DEFAULT_WIDTH);
  gst_structure_fixate_field_nearest_int (s, "height", DEFAULT_HEIGHT);
  gst_structure_fixate_field_nearest_fraction (
      s, "framerate", DEFAULT_FPS_N, DEFAULT_FPS_D);
  /* the format: the first one left, as gst_caps_fixate picks */
  return GST_BASE_SRC_CLASS (parent_class)->fixate (src, caps);
}

static gboolean
add_schedule (GstMeteorSky *self, SkyModel *model, const gchar *schedule)
{
  SkyEvent *events = NULL;
  char error[256];
  int i, n;

  if (schedule == NULL || *schedule == '\0')
    return TRUE;
  n = sky_parse_schedule (schedule, &events, error, sizeof (error));
  if (n < 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("schedule: %s", error),
        ("schedule=\"%s\"", schedule));
    return FALSE;
  }
  for (i = 0; i < n; i++)
    sky_model_add_event (model, &events[i]);
  free (events);
  return TRUE;
}

/* The settings are checked here, where the frame size and rate are known:
 * a bad value is an element error naming it, and not-negotiated. */
static gboolean
gst_meteor_sky_set_caps (GstBaseSrc *src, GstCaps *caps)
{
  GstMeteorSky *self = GST_METEOR_SKY (src);
  GstVideoInfo info;
  SkyConfig config;
  SkyModel *model;
  gchar *schedule;
  char error[256];
  gint format;

  if (!gst_video_info_from_caps (&info, caps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("invalid video caps %" GST_PTR_FORMAT, caps), (NULL));
    return FALSE;
  }
  format = meteor_format_from_name (GST_VIDEO_INFO_NAME (&info));
  g_return_val_if_fail (format >= 0, FALSE); /* the template allows no other */

  GST_OBJECT_LOCK (self);
  config = self->settings;
  schedule = g_strdup (self->schedule);
  GST_OBJECT_UNLOCK (self);
  config.width = GST_VIDEO_INFO_WIDTH (&info);
  config.height = GST_VIDEO_INFO_HEIGHT (&info);
  config.fps =
      (double)GST_VIDEO_INFO_FPS_N (&info) / GST_VIDEO_INFO_FPS_D (&info);

  if (sky_config_check (&config, error, sizeof (error)) != 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error),
        ("settings rejected for %" GST_PTR_FORMAT, caps));
    g_free (schedule);
    return FALSE;
  }
  model = sky_model_new (&config);
  if (model == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
        ("out of memory for a %dx%d sky model", config.width, config.height),
        (NULL));
    g_free (schedule);
    return FALSE;
  }
  if (!add_schedule (self, model, schedule)) {
    sky_model_free (model);
    g_free (schedule);
    return FALSE;
  }
  g_free (schedule);

  /* New caps mid-stream: the old sky's objects end here and a new sky
   * (and schedule) starts at the next frame; frame numbers go on. */
  if (self->model) {
    sky_model_finish (self->model);
    sky_truth_emit (self);
    sky_model_free (self->model);
  }
  self->model = model;
  self->model_base = self->n_frames;
  self->format = format;
  GST_OBJECT_LOCK (self);
  self->info = info;
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "simulating %" GST_PTR_FORMAT, caps);
  return sky_truth_write_header (self, &config);
}

/* Frames go into downstream's pool (meteorpool's ring, for one), with
 * video meta when downstream reads it so that its strides are used; with
 * no pool downstream, into a video pool of our own. */
static gboolean
gst_meteor_sky_decide_allocation (GstBaseSrc *src, GstQuery *query)
{
  GstMeteorSky *self = GST_METEOR_SKY (src);
  GstBufferPool *pool = NULL;
  GstStructure *config;
  GstCaps *caps;
  guint size = 0, min = 0, max = 0;
  gboolean have_pool = gst_query_get_n_allocation_pools (query) > 0;

  gst_query_parse_allocation (query, &caps, NULL);
  if (have_pool)
    gst_query_parse_nth_allocation_pool (query, 0, &pool, &size, &min, &max);
  GST_OBJECT_LOCK (self);
  size = MAX (size, GST_VIDEO_INFO_SIZE (&self->info));
  GST_OBJECT_UNLOCK (self);
  if (pool == NULL)
    pool = gst_video_buffer_pool_new ();

  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, size, min, max);
  if (gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL))
    gst_buffer_pool_config_add_option (
        config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  /* may return FALSE with an adjusted config: the base class settles it */
  gst_buffer_pool_set_config (pool, config);

  if (have_pool)
    gst_query_set_nth_allocation_pool (query, 0, pool, size, min, max);
  else
    gst_query_add_allocation_pool (query, pool, size, min, max);
  gst_object_unref (pool);

  return GST_BASE_SRC_CLASS (parent_class)->decide_allocation (src, query);
}

static gboolean
gst_meteor_sky_query (GstBaseSrc *src, GstQuery *query)
{
  GstMeteorSky *self = GST_METEOR_SKY (src);

  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    GstClockTime latency = GST_CLOCK_TIME_NONE;

    /* a live camera delivers a frame one frame time after it starts */
    GST_OBJECT_LOCK (self);
    if (GST_VIDEO_INFO_FPS_N (&self->info) > 0)
      latency = frame_time (&self->info, 1);
    GST_OBJECT_UNLOCK (self);
    if (!GST_CLOCK_TIME_IS_VALID (latency))
      return FALSE;
    gst_query_set_latency (
        query, gst_base_src_is_live (src), latency, GST_CLOCK_TIME_NONE);
    return TRUE;
  }
  return GST_BASE_SRC_CLASS (parent_class)->query (src, query);
}

/* ---------------------------------------------------------- frames */

static void
gst_meteor_sky_get_times (
    GstBaseSrc *src, GstBuffer *buffer, GstClockTime *start, GstClockTime *end)
{
  /* live: wait for the clock to reach each frame's time, like a camera;
   * otherwise as fast as possible */
  if (gst_base_src_is_live (src) && GST_BUFFER_PTS_IS_VALID (buffer)) {
    *start = GST_BUFFER_PTS (buffer);
    if (GST_BUFFER_DURATION_IS_VALID (buffer))
      *end = *start + GST_BUFFER_DURATION (buffer);
  } else {
    *start = GST_CLOCK_TIME_NONE;
    *end = GST_CLOCK_TIME_NONE;
  }
}

/* A live sky that starts more than a second into a running pipeline
 * stamps its frames from the running time then, as a camera would;
 * otherwise from 0. */
static GstClockTime
late_start_offset (GstMeteorSky *self)
{
  GstClock *clock;
  GstClockTime now, base, running = 0;

  if (!gst_base_src_is_live (GST_BASE_SRC (self)))
    return 0;
  clock = gst_element_get_clock (GST_ELEMENT (self));
  if (clock == NULL)
    return 0;
  now = gst_clock_get_time (clock);
  base = gst_element_get_base_time (GST_ELEMENT (self));
  gst_object_unref (clock);
  if (now > base)
    running = now - base;
  return running > GST_SECOND ? running : 0;
}

static gboolean
gst_meteor_sky_is_seekable (GstBaseSrc *src)
{
  return FALSE; /* frames cannot go backwards */
}

static GstFlowReturn
gst_meteor_sky_fill (GstPushSrc *src, GstBuffer *buf)
{
  GstMeteorSky *self = GST_METEOR_SKY (src);
  guint64 index = self->n_frames;
  GstVideoFrame frame;
  SkyImage image;
  GstClockTime pts;
  gdouble transparency, blur;
  guint i;

  if (self->model == NULL) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("no format negotiated"),
        ("fill() before set_caps()"));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  /* through GstVideoFrame: strides and offsets from the buffer's video
   * meta (downstream's pool) when it has one */
  if (!gst_video_frame_map (&frame, &self->info, buf, GST_MAP_WRITE)) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("cannot map a %" G_GSIZE_FORMAT "-byte buffer for a %s %dx%d frame",
            gst_buffer_get_size (buf), GST_VIDEO_INFO_NAME (&self->info),
            GST_VIDEO_INFO_WIDTH (&self->info),
            GST_VIDEO_INFO_HEIGHT (&self->info)),
        (NULL));
    return GST_FLOW_ERROR;
  }
  memset (&image, 0, sizeof (image));
  image.format = self->format;
  for (i = 0; i < GST_VIDEO_FRAME_N_PLANES (&frame) && i < 3; i++) {
    image.planes[i] = GST_VIDEO_FRAME_PLANE_DATA (&frame, i);
    image.strides[i] = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, i);
  }
  /* the optics may change while playing (a lens fogging up) */
  GST_OBJECT_LOCK (self);
  transparency = self->settings.transparency;
  blur = self->settings.blur;
  GST_OBJECT_UNLOCK (self);
  sky_model_set_optics (self->model, transparency, blur);
  sky_model_render (self->model, index - self->model_base, &image);
  gst_video_frame_unmap (&frame);

  if (index == 0)
    self->live_offset = late_start_offset (self);
  pts = frame_time (&self->info, index);
  GST_BUFFER_PTS (buf) = self->live_offset + pts;
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = frame_time (&self->info, index + 1) - pts;
  GST_BUFFER_OFFSET (buf) = index;
  GST_BUFFER_OFFSET_END (buf) = index + 1;
  self->n_frames = index + 1;

  if (!sky_truth_emit (self))
    return GST_FLOW_ERROR;
  return GST_FLOW_OK;
}

/* ------------------------------------------------------ state, props */

static gboolean
gst_meteor_sky_start (GstBaseSrc *src)
{
  GstMeteorSky *self = GST_METEOR_SKY (src);
  gchar *path;

  self->n_frames = 0;
  self->model_base = 0;
  self->live_offset = 0;
  self->finished = FALSE;

  GST_OBJECT_LOCK (self);
  path = g_strdup (self->truth_location);
  gst_video_info_init (&self->info);
  GST_OBJECT_UNLOCK (self);

  if (path == NULL || *path == '\0') {
    g_free (path);
    return TRUE;
  }
  /* truncated: one file per run */
  self->truth_file = fopen (path, "w");
  if (self->truth_file == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("cannot open truth-location '%s' for writing: %s", path,
            g_strerror (errno)),
        (NULL));
    g_free (path);
    return FALSE;
  }
  self->truth_path = path;
  return TRUE;
}

static gboolean
gst_meteor_sky_stop (GstBaseSrc *src)
{
  GstMeteorSky *self = GST_METEOR_SKY (src);

  sky_truth_finish_run (self);
  g_clear_pointer (&self->model, sky_model_free);
  if (self->truth_file) {
    fclose (self->truth_file);
    self->truth_file = NULL;
  }
  g_clear_pointer (&self->truth_path, g_free);
  return TRUE;
}

static void
gst_meteor_sky_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstMeteorSky *self = GST_METEOR_SKY (object);
  gdouble *field;

  if (prop_id == PROP_IS_LIVE) {
    gst_base_src_set_live (GST_BASE_SRC (self), g_value_get_boolean (value));
    return;
  }

  GST_OBJECT_LOCK (self);
  field = config_double (&self->settings, prop_id);
  if (field) {
    *field = g_value_get_double (value);
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_SEED:
      self->settings.seed = g_value_get_uint64 (value);
      break;
    case PROP_HOT_PIXELS:
      self->settings.hot_pixels = g_value_get_int (value);
      break;
    case PROP_SCHEDULE:
      g_free (self->schedule);
      self->schedule = g_value_dup_string (value);
      break;
    case PROP_TRUTH_LOCATION:
      g_free (self->truth_location);
      self->truth_location = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_meteor_sky_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstMeteorSky *self = GST_METEOR_SKY (object);
  gdouble *field;

  if (prop_id == PROP_IS_LIVE) {
    g_value_set_boolean (value, gst_base_src_is_live (GST_BASE_SRC (self)));
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
    case PROP_SEED:
      g_value_set_uint64 (value, self->settings.seed);
      break;
    case PROP_HOT_PIXELS:
      g_value_set_int (value, self->settings.hot_pixels);
      break;
    case PROP_SCHEDULE:
      g_value_set_string (value, self->schedule);
      break;
    case PROP_TRUTH_LOCATION:
      g_value_set_string (value, self->truth_location);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_meteor_sky_finalize (GObject *object)
{
  GstMeteorSky *self = GST_METEOR_SKY (object);

  g_clear_pointer (&self->model, sky_model_free);
  if (self->truth_file)
    fclose (self->truth_file);
  g_free (self->truth_path);
  g_free (self->schedule);
  g_free (self->truth_location);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_meteor_sky_init (GstMeteorSky *self)
{
  GstBaseSrc *src = GST_BASE_SRC (self);

  sky_config_init (&self->settings);
  gst_video_info_init (&self->info);
  gst_base_src_set_format (src, GST_FORMAT_TIME);
  gst_base_src_set_live (src, DEFAULT_IS_LIVE);
  gst_pad_add_probe (GST_BASE_SRC_PAD (src),
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, sky_truth_eos_probe, self, NULL);
}

/* Rates and levels take any value: a bad one is reported by the sky
 * model's checker as an element error naming it, not as a GLib warning. */
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
gst_meteor_sky_class_init (GstMeteorSkyClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);
  const GParamFlags rw_ready =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;
  SkyConfig d;

  sky_config_init (&d);

  gobject_class->set_property = gst_meteor_sky_set_property;
  gobject_class->get_property = gst_meteor_sky_get_property;
  gobject_class->finalize = gst_meteor_sky_finalize;

  g_object_class_install_property (gobject_class, PROP_SEED,
      g_param_spec_uint64 ("seed", "Seed",
          "Random seed: the same seed and settings give the same frames and "
          "the same truth",
          0, G_MAXUINT64, d.seed, rw_ready));
  install_double (gobject_class, PROP_METEOR_RATE, "meteor-rate", "Meteor rate",
      "Sporadic meteors per hour, at random times and places", d.meteor_rate);
  install_double (gobject_class, PROP_FIREBALL_RATE, "fireball-rate",
      "Fireball rate",
      "Fireballs (bright, long-lasting meteors) per hour, at random",
      d.fireball_rate);
  install_double (gobject_class, PROP_PLANE_RATE, "plane-rate", "Plane rate",
      "Aircraft (slow tracks with blinking lights) per hour, at random",
      d.plane_rate);
  install_double (gobject_class, PROP_SATELLITE_RATE, "satellite-rate",
      "Satellite rate", "Satellites (slow, steady tracks) per hour, at random",
      d.satellite_rate);
  install_double (gobject_class, PROP_FLASH_RATE, "flash-rate", "Flash rate",
      "Flashes (brief brightening of the whole frame or a part) per hour, at "
      "random",
      d.flash_rate);
  install_double (gobject_class, PROP_CLOUD_COVER, "cloud-cover", "Cloud cover",
      "Fraction of the sky under drifting cloud, 0 to 1", d.cloud_cover);
  install_double (gobject_class, PROP_NOISE, "noise", "Noise",
      "Sensor noise of the background: standard deviation in 8-bit DN "
      "(x256 in GRAY16_LE)",
      d.noise);
  install_double (gobject_class, PROP_SKY_LEVEL, "sky-level", "Sky level",
      "Mean sky background in 8-bit DN (x256 in GRAY16_LE)", d.sky_level);
  install_double (gobject_class, PROP_PLATE_SCALE, "plate-scale", "Plate scale",
      "Angle one pixel sees, in arcminutes per pixel: turns speeds on the sky "
      "(deg/s) into px/s",
      d.plate_scale);
  install_double (gobject_class, PROP_STAR_DENSITY, "star-density",
      "Star density", "Stars per 10,000 pixels", d.star_density);
  install_double (gobject_class, PROP_TWINKLE, "twinkle", "Twinkle",
      "Scintillation: relative frame-to-frame variation of star flux, 0 to 1",
      d.twinkle);
  install_double (gobject_class, PROP_VIGNETTING, "vignetting", "Vignetting",
      "Relative darkening in the frame corners, 0 (none) to 1 (black)",
      d.vignetting);
  /* these two change while playing: a lens fogging up mid-run */
  g_object_class_install_property (gobject_class, PROP_TRANSPARENCY,
      g_param_spec_double ("transparency", "Transparency",
          "Share of the light of stars, meteors and other objects that reaches "
          "the sensor, 0 to 1 (a fogged or dewed lens, haze); may change "
          "while playing",
          -G_MAXDOUBLE, G_MAXDOUBLE, d.transparency,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_BLUR,
      g_param_spec_double ("blur", "Blur",
          "Extra blur of the optics, a gaussian of this sigma in px, 0 to 16: "
          "stars and objects spread their light over more pixels (a fogged "
          "lens, bad focus); may change while playing",
          -G_MAXDOUBLE, G_MAXDOUBLE, d.blur,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_HOT_PIXELS,
      g_param_spec_int ("hot-pixels", "Hot pixels",
          "Number of hot (always bright) pixels, each reported as a "
          "hot-pixel truth object",
          G_MININT, G_MAXINT, d.hot_pixels, rw_ready));
  g_object_class_install_property (gobject_class, PROP_SCHEDULE,
      g_param_spec_string ("schedule", "Schedule",
          "Events placed by hand, ';'-separated: kind@frame[,key=value...] "
          "with kind meteor, fireball, plane, satellite or flash, and keys x, "
          "y (start, px), angle (direction, degrees, "
          "0 = +x, 90 = +y), speed (deg/s on the sky), duration (s), snr "
          "(peak / noise), style (flash: 0 lightning, 1 headlights); keys "
          "left out are drawn from the seed. E.g. "
          "\"meteor@30,snr=8,speed=20;plane@0\"",
          NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_TRUTH_LOCATION,
      g_param_spec_string ("truth-location", "Truth location",
          "File to write the ground truth to, truncated at start: JSON lines, "
          "a \"sky\" header with the settings, one line per object as it "
          "ends (like the meteorsky-truth messages), an \"end\" line with "
          "the number of frames",
          NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_IS_LIVE,
      g_param_spec_boolean ("is-live", "Is live",
          "Behave like a camera: frames come at the frame rate, in time with "
          "the clock; otherwise as fast as downstream takes them",
          DEFAULT_IS_LIVE, rw_ready));

  basesrc_class->fixate = gst_meteor_sky_fixate;
  basesrc_class->set_caps = gst_meteor_sky_set_caps;
  basesrc_class->decide_allocation = gst_meteor_sky_decide_allocation;
  basesrc_class->query = gst_meteor_sky_query;
  basesrc_class->get_times = gst_meteor_sky_get_times;
  basesrc_class->is_seekable = gst_meteor_sky_is_seekable;
  basesrc_class->start = gst_meteor_sky_start;
  basesrc_class->stop = gst_meteor_sky_stop;
  pushsrc_class->fill = gst_meteor_sky_fill;

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Meteor sky simulator",
      "Source/Video",
      "Synthetic night-sky camera with meteors, distractors and ground truth, "
      "reproducible from a seed",
      "gst-meteor developers");

  GST_DEBUG_CATEGORY_INIT (
      meteorsky_debug, "meteorsky", 0, "gst-meteor sky simulator");
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  return GST_ELEMENT_REGISTER (meteorsky, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, meteorsky,
    "Synthetic night sky with ground truth, for testing meteor detection",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
