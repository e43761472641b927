/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tieredsink: what its parts share: messages posted once the
 * lock is released, the test-only I/O faults, formats, the frame meta blob
 * stored with each frame, the warm ring holder and its pins, settings. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gsttieredsink-priv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* ------------------------------------------------------------ messages */

/* Called with the lock: the message is posted once it is released. */
void
queue_message (GstTieredSink *self, GstMessage *msg)
{
  g_ptr_array_add (self->pending, msg);
}

void
queue_warning (GstTieredSink *self, gint code, const gchar *fmt, ...)
{
  va_list ap;
  gchar *text;
  GError *err;

  va_start (ap, fmt);
  text = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  GST_WARNING_OBJECT (self, "%s", text);
  err = g_error_new_literal (GST_RESOURCE_ERROR, code, text);
  queue_message (self, gst_message_new_warning (GST_OBJECT (self), err, NULL));
  g_error_free (err);
  g_free (text);
}

void
post_pending (GstTieredSink *self)
{
  GPtrArray *msgs;
  guint i;

  g_mutex_lock (&self->lock);
  if (self->pending->len == 0) {
    g_mutex_unlock (&self->lock);
    return;
  }
  msgs = self->pending;
  self->pending = g_ptr_array_new ();
  g_mutex_unlock (&self->lock);
  for (i = 0; i < msgs->len; i++)
    gst_element_post_message (GST_ELEMENT (self), msgs->pdata[i]);
  g_ptr_array_free (msgs, TRUE);
}

/* The stores' warnings (retention, recovery): called with the lock. */
void
store_warning (void *user_data, const char *message)
{
  GstTieredSink *self = user_data;

  queue_warning (self, GST_RESOURCE_ERROR_WRITE, "%s", message);
}

/* ------------------------------------------------------ test-only I/O */

static gboolean
io_fail (GstTieredSink *self)
{
  switch (g_atomic_int_get (&self->io_fault)) {
    case GST_TIERED_SINK_IO_FAULT_ENOSPC:
      errno = ENOSPC;
      return TRUE;
    case GST_TIERED_SINK_IO_FAULT_EIO:
      errno = EIO;
      return TRUE;
    case GST_TIERED_SINK_IO_FAULT_SLOW:
      g_usleep (100 * 1000);
      return FALSE;
    default:
      return FALSE;
  }
}

ssize_t
io_write (int fd, const void *buf, size_t len, void *user_data)
{
  return io_fail (user_data) ? -1 : write (fd, buf, len);
}

int
io_fsync (int fd, void *user_data)
{
  return io_fail (user_data) ? -1 : tier_io_fsync (NULL, fd);
}

int
io_fallocate (int fd, off_t len, void *user_data)
{
  return io_fail (user_data) ? -1 : tier_io_fallocate (NULL, fd, len);
}

/* ------------------------------------------------------------- formats */

FormatRef *
format_new (GstCaps *caps, const gchar *str)
{
  FormatRef *f = g_new0 (FormatRef, 1);

  f->ref = 1;
  if (caps)
    f->caps = gst_caps_ref (caps);
  else
    f->caps = gst_caps_from_string (str);
  if (f->caps == NULL)
    f->caps = gst_caps_new_empty_simple ("video/x-raw");
  f->str = str ? g_strdup (str) : gst_caps_to_string (caps);
  f->video = gst_caps_is_fixed (f->caps) &&
             gst_video_info_from_caps (&f->info, f->caps);
  return f;
}

FormatRef *
format_ref (FormatRef *f)
{
  g_atomic_int_inc (&f->ref);
  return f;
}

void
format_unref (FormatRef *f)
{
  if (f && g_atomic_int_dec_and_test (&f->ref)) {
    gst_caps_unref (f->caps);
    g_free (f->str);
    g_free (f);
  }
}

/* The format of frames stored as @str: the current one when it is. */
FormatRef *
format_for (GstTieredSink *self, const gchar *str)
{
  if (self->fmt && g_strcmp0 (self->fmt->str, str) == 0)
    return format_ref (self->fmt);
  return format_new (NULL, str);
}

/* ------------------------------------------------- frame meta blob */

/* The meta blob stored with a frame (little-endian):
 *   0 magic "MFM1", 4 flags (1: frame meta, 2: plane layout),
 *   8 frame_id, 16 capture utc, 24 exposure us, 32 gain (IEEE double),
 *   40 temperature (double), 48 duration, 56 n_planes,
 *   60 plane offsets (4 x u64), 92 strides (4 x u32), 108 camera id length,
 *   112 camera id (at most 144 bytes). */
#define BLOB_MAGIC 0x314d464du
#define BLOB_HAS_META 1u
#define BLOB_HAS_LAYOUT 2u
#define BLOB_FIXED 112
#define BLOB_CAMERA_MAX (TIER_META_MAX - BLOB_FIXED)

typedef struct {
  guint32 flags;
  guint64 frame_id, utc, exposure, duration;
  gdouble gain, temperature;
  guint32 n_planes;
  guint64 offset[4];
  guint32 stride[4];
  gchar camera[BLOB_CAMERA_MAX + 1];
} FrameBlob;

static guint64
double_bits (gdouble d)
{
  guint64 u;

  memcpy (&u, &d, 8);
  return u;
}

static gdouble
bits_double (guint64 u)
{
  gdouble d;

  memcpy (&d, &u, 8);
  return d;
}

guint32
blob_encode (GstBuffer *buf, guint64 frame_id, guint8 *p)
{
  GstMeteorFrameMeta *meta = gst_buffer_get_meteor_frame_meta (buf);
  GstVideoMeta *vmeta = gst_buffer_get_video_meta (buf);
  guint32 flags = 0, cam_len = 0, i;

  memset (p, 0, BLOB_FIXED);
  tier_put_u32 (p, BLOB_MAGIC);
  tier_put_u64 (p + 8, frame_id);
  tier_put_u64 (p + 16, GST_CLOCK_TIME_NONE);
  tier_put_u64 (p + 48, GST_BUFFER_DURATION (buf));
  if (meta) {
    flags |= BLOB_HAS_META;
    tier_put_u64 (p + 16, meta->capture_time_utc);
    tier_put_u64 (p + 24, meta->exposure_time_us);
    tier_put_u64 (p + 32, double_bits (meta->gain));
    tier_put_u64 (p + 40, double_bits (meta->temperature_c));
    cam_len = MIN (strlen (meta->camera_id), BLOB_CAMERA_MAX);
    memcpy (p + BLOB_FIXED, meta->camera_id, cam_len);
  }
  if (vmeta && vmeta->n_planes <= 4) {
    flags |= BLOB_HAS_LAYOUT;
    tier_put_u32 (p + 56, vmeta->n_planes);
    for (i = 0; i < vmeta->n_planes; i++) {
      tier_put_u64 (p + 60 + 8 * i, vmeta->offset[i]);
      tier_put_u32 (p + 92 + 4 * i, (guint32)vmeta->stride[i]);
    }
  }
  tier_put_u32 (p + 4, flags);
  tier_put_u32 (p + 108, cam_len);
  return BLOB_FIXED + cam_len;
}

static gboolean
blob_decode (const guint8 *p, guint32 len, FrameBlob *b)
{
  guint32 cam_len, i;

  memset (b, 0, sizeof *b);
  if (len < BLOB_FIXED || tier_get_u32 (p) != BLOB_MAGIC)
    return FALSE;
  cam_len = tier_get_u32 (p + 108);
  if (cam_len > BLOB_CAMERA_MAX || BLOB_FIXED + cam_len > len)
    return FALSE;
  b->flags = tier_get_u32 (p + 4);
  b->frame_id = tier_get_u64 (p + 8);
  b->utc = tier_get_u64 (p + 16);
  b->exposure = tier_get_u64 (p + 24);
  b->gain = bits_double (tier_get_u64 (p + 32));
  b->temperature = bits_double (tier_get_u64 (p + 40));
  b->duration = tier_get_u64 (p + 48);
  b->n_planes = MIN (tier_get_u32 (p + 56), 4);
  for (i = 0; i < b->n_planes; i++) {
    b->offset[i] = tier_get_u64 (p + 60 + 8 * i);
    b->stride[i] = tier_get_u32 (p + 92 + 4 * i);
  }
  memcpy (b->camera, p + BLOB_FIXED, cam_len);
  b->camera[cam_len] = '\0';
  return TRUE;
}

/* Puts what @meta/@meta_len recorded back on @buf. */
void
blob_apply (GstBuffer *buf, const guint8 *meta, guint32 meta_len,
    guint64 frame_id, guint64 pts, const FormatRef *fmt)
{
  FrameBlob b;

  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_OFFSET (buf) = frame_id;
  if (!blob_decode (meta, meta_len, &b))
    return;
  GST_BUFFER_DURATION (buf) = b.duration;
  if (b.flags & BLOB_HAS_META)
    gst_buffer_add_meteor_frame_meta (
        buf, frame_id, b.utc, b.camera, b.exposure, b.gain, b.temperature);
  if ((b.flags & BLOB_HAS_LAYOUT) && fmt->video &&
      b.n_planes == GST_VIDEO_INFO_N_PLANES (&fmt->info)) {
    gsize offset[GST_VIDEO_MAX_PLANES] = { 0 };
    gint stride[GST_VIDEO_MAX_PLANES] = { 0 };
    guint i;

    for (i = 0; i < b.n_planes; i++) {
      offset[i] = b.offset[i];
      stride[i] = (gint)b.stride[i];
    }
    gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
        GST_VIDEO_INFO_FORMAT (&fmt->info), GST_VIDEO_INFO_WIDTH (&fmt->info),
        GST_VIDEO_INFO_HEIGHT (&fmt->info), b.n_planes, offset, stride);
  }
}

/* ---------------------------------------------------------- settings */

void
get_settings (GstTieredSink *self, Settings *s)
{
  GST_OBJECT_LOCK (self);
  *s = self->settings;
  GST_OBJECT_UNLOCK (self);
}

guint64
time_to_frames (GstTieredSink *self, GstClockTime t)
{
  return tier_policy_frames (t, self->fps_n, self->fps_d,
      GST_CLOCK_TIME_IS_VALID (self->last_duration) ? self->last_duration : 0,
      FALLBACK_FPS);
}
