/* gst-meteor: tieredsink
 *
 * SECTION:element-tieredsink
 * @title: tieredsink
 *
 * Keeps the recent frames of a stream in three tiers and writes event
 * clips around meteors:
 *
 * - hot: the GstBuffers themselves, held by reference (no copy, no map),
 *   at most `hot-frames` / `hot-max-bytes`, least recently used first out.
 *   The allocation query is answered with min-buffers = hot-frames, so the
 *   pool upstream (meteorpool) grows by that many frames instead of
 *   starving.
 * - warm: a fixed-size ring (`warm-max-bytes`) in memory (a memfd: nothing
 *   is written to disk), or in a file at `warm-location` for frames that
 *   survive a restart, at the cost of writing every frame to disk (a
 *   warning when that file is on the store's device). A frame leaving hot
 *   is copied there once (counted in stats); it is read back without a
 *   copy (a GstMemory over the mapping, whose slot is pinned while the
 *   memory lives).
 * - cold: zstd-compressed segment files with an index under
 *   `location`/cold, bounded by `cold-max-bytes` (oldest segments deleted
 *   first, each deletion a warning). What goes there: frames a pending
 *   clip needs that warm cannot keep, frames evicted under high memory
 *   pressure while a clip may still need them (within pre-trigger +
 *   post-trigger of the newest frame), and with `cold-all` every frame.
 *   Anything else that leaves the warm ring is gone, counted as dropped or
 *   warm-evictions.
 *
 * Clips: a `meteor-detected` custom downstream event (from meteordetect;
 * first-frame and last-frame fields) or the `save-clip` action signal
 * (first and last frame id) asks for a clip: for an event, first-frame -
 * pre-trigger to last-frame + post-trigger (converted to frames with the
 * caps' frame rate), for the signal exactly the frames given. Clips are
 * written by a thread of their own, never by the streaming thread: it
 * fetches each frame from whichever tier holds it (a buffer reference
 * from hot, a pinned slot from warm, a read from cold) and appends it to
 * the clip's directory under `location`/clips (see meteor-clip). A
 * meteor whose window reaches a clip still being written extends it; the
 * clip is committed (fsync, rename) once its last frame is written, and a
 * `tieredsink-clip-saved` element message is posted (path, name, frames,
 * bytes, raw-bytes, first-frame, last-frame, missing-frames, detections,
 * continues). A committed clip is never written again: a later window
 * that overlaps it gets a clip of the frames after it, whose sidecar and
 * message name the clip it `continues`; so does the rest of a window
 * after a caps change. Each frame goes into one clip, once. A frame no
 * tier holds any more when the writer gets to it (the writer fell
 * behind) is missing from the clip and counted (clip-missing-frames): the
 * stream never waits for the writer.
 *
 * Frame ids are those of the GstMeteorFrameMeta (meteorpool upstream),
 * else the buffer offset, else frames counted from 0 by this element. The
 * frame meta (and the plane layout of a GstVideoMeta) is stored with each
 * frame and put back on frames read from warm or cold.
 *
 * `get-frame` (frame id) returns a GstSample (caps, buffer with its frame
 * meta, info structure `tieredsink-frame` with tier and frame-id) from the
 * first tier that holds it and puts it into hot (a promotion); %NULL when
 * none does.
 *
 * Memory pressure: every `pressure-interval` the cgroup v2 memory.current
 * / memory.max, /proc/meminfo and /proc/pressure/memory (under
 * `memory-root`, or the environment variable METEOR_MEMORY_ROOT, for
 * tests) are read and the memory in use compared with `memory-limit`
 * (0: the cgroup's limit, else MemTotal). At or above `pressure-low` hot
 * keeps half its frames; at or above `pressure-high` hot is emptied
 * straight to cold (no warm) and the warm ring's pages are dropped from
 * memory. Each change of level posts a `tieredsink-pressure` element
 * message (level, usage, limit, in-use, hot-frames).
 *
 * Frames still in hot when the element stops were never copied and are
 * not kept (the clips that need them are written first).
 *
 * Pool sizing: the allocation query gets min-buffers = hot-frames. Behind
 * a tee it reaches the pool only if every branch answers the query
 * (fakesink and appsink do not); when the pool upstream is smaller than
 * hot-frames + 2, hot keeps fewer frames (a warning), so the stream never
 * waits for a buffer only hot could give back.
 *
 * On start the cold index and the warm ring left by an earlier run are
 * recovered; what the stores report (a discarded half-written record, a
 * deleted segment) is posted as a warning. Write errors (a full disk) are
 * warnings too: the frame in question is not stored, nothing stored before
 * is touched, the stream goes on. `stats` counts everything, and is posted
 * as a `tieredsink-stats` element message at EOS.
 *
 * |[
 * gst-launch-1.0 meteorsky is-live=true schedule="meteor@60,snr=10" \
 *   num-buffers=300 ! video/x-raw,format=GRAY8,width=640,height=480 ! \
 *   meteorpool ! queue ! meteordetect ! queue ! \
 *   tieredsink location=/var/lib/meteor hot-frames=30
 * meteor-clip list /var/lib/meteor/clips
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gsttieredsink.h"
#include "clipper.h"
#include "coldstore.h"
#include "memwatch.h"
#include "storespace.h"
#include "warmring.h"

#include <gst/meteor/meteor.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC (tieredsink_debug);
#define GST_CAT_DEFAULT tieredsink_debug

#define DEFAULT_HOT_FRAMES 30
#define DEFAULT_HOT_MAX_BYTES (256 * 1024 * 1024ull)
#define DEFAULT_WARM_MAX_BYTES (256 * 1024 * 1024ull)
#define DEFAULT_COLD_MAX_BYTES (1024 * 1024 * 1024ull)
#define DEFAULT_MAX_BYTES 0
#define DEFAULT_MIN_FREE_BYTES (300 * 1024 * 1024ull)
/* how often the room on the disk is checked */
#define ROOM_INTERVAL_US (500 * 1000)
/* deleting clips for room is said once an episode: an hour without */
#define CLIPS_WARNING_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define DEFAULT_COMPRESSION_LEVEL 1
#define DEFAULT_PRE_TRIGGER (2 * GST_SECOND)
#define DEFAULT_POST_TRIGGER (1 * GST_SECOND)
#define DEFAULT_PRESSURE_HIGH 0.8
#define DEFAULT_PRESSURE_LOW 0.6
#define DEFAULT_PRESSURE_INTERVAL GST_SECOND
/* frames assumed per second when neither the caps nor the buffers say */
#define FALLBACK_FPS 30
/* longest clip window, in frames (an hour at 30 fps) */
#define MAX_CLIP_FRAMES 108000u
/* the lock file in the store: one tieredsink at a time */
#define TIER_STORE_LOCK ".lock"

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_HOT_FRAMES,
  PROP_HOT_MAX_BYTES,
  PROP_WARM_LOCATION,
  PROP_WARM_MAX_BYTES,
  PROP_COLD_MAX_BYTES,
  PROP_MAX_BYTES,
  PROP_MIN_FREE_BYTES,
  PROP_COLD_ALL,
  PROP_COMPRESSION_LEVEL,
  PROP_PRE_TRIGGER,
  PROP_POST_TRIGGER,
  PROP_MEMORY_LIMIT,
  PROP_PRESSURE_HIGH,
  PROP_PRESSURE_LOW,
  PROP_PRESSURE_INTERVAL,
  PROP_MEMORY_ROOT,
  PROP_TEST_IO_FAULT,
  PROP_STATS,
};

enum {
  SIGNAL_GET_FRAME,
  SIGNAL_SAVE_CLIP,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

typedef enum { LEVEL_NORMAL, LEVEL_LOW, LEVEL_HIGH } PressureLevel;

static const gchar *const level_names[] = { "normal", "low", "high" };

typedef enum { ORIGIN_STREAM, ORIGIN_WARM, ORIGIN_COLD } Origin;

/* A caps and what follows from it; shared by the frames that have it. */
typedef struct {
  gint ref;
  GstCaps *caps;
  gchar *str;
  GstVideoInfo info;
  gboolean video;
} FormatRef;

/* A frame held in hot. */
typedef struct {
  GList link; /* in self->hot */
  guint64 frame_id;
  GstBuffer *buf;
  gsize size;
  FormatRef *fmt;
  Origin origin;
} HotEntry;

/* The warm ring and the lock around it: shared with the GstMemory of every
 * frame read from it, so the mapping outlives the element's use of it. */
typedef struct {
  gint ref;
  GMutex lock;
  TierWarm *warm;
  guint epoch; /* bumped on reformat: pins taken before are void */
} WarmHolder;

typedef struct {
  WarmHolder *holder;
  guint32 slot;
  guint epoch;
} WarmPin;

typedef struct {
  guint64 frames, bytes_in;
  guint64 hot_hits, hot_misses, warm_hits, warm_misses, cold_hits, cold_misses;
  guint64 promotions, hot_evictions, pressure_evictions, pressure_to_cold;
  guint64 dropped, merge_copies;
  guint64 warm_copies, warm_bytes_written, warm_put_failures;
  guint64 cold_writes, cold_bytes_written;
  guint64 detections;
  guint64 write_errors, pressure_changes;
  guint64 room_deleted_segments, room_deleted_clips, room_deleted_bytes;
} Counters;

/* The properties, copied at once under the object lock. */
typedef struct {
  guint hot_frames;
  guint64 hot_max_bytes, warm_max_bytes, cold_max_bytes;
  guint64 max_bytes, min_free_bytes;
  gboolean cold_all;
  gint level;
  GstClockTime pre_trigger, post_trigger, pressure_interval;
  guint64 memory_limit;
  gdouble pressure_high, pressure_low;
} Settings;

struct _GstTieredSink {
  GstBaseSink parent;

  /* properties: object lock */
  Settings settings;
  gchar *location, *warm_location, *memory_root;
  gint io_fault; /* atomic */

  /* the stores and the frames: lock (streaming and application threads) */
  GMutex lock;
  gboolean started;
  gchar *cold_dir, *clip_dir, *warm_path, *mem_root;
  TierIo io;
  TierCold *cold;
  WarmHolder *warm;
  FormatRef *fmt; /* the current caps */
  gint fps_n, fps_d;
  GstClockTime last_duration;
  guint n_planes; /* plane layout of the last frame's GstVideoMeta */
  guint64 offset[TIER_CLIP_MAX_PLANES];
  guint32 stride[TIER_CLIP_MAX_PLANES];
  GQueue hot;            /* HotEntry, least recently used first */
  GHashTable *hot_index; /* &frame_id -> HotEntry */
  guint64 hot_bytes;
  TierClipper *clipper; /* writes the clips, on its own thread */
  gboolean have_newest;
  guint64 newest_id, counter;
  PressureLevel level;
  gdouble usage;
  gint64 checked_at_us;
  gboolean write_failing, warm_failing, retention_warned;
  gboolean warm_off; /* its file was cut under it: never touched again */
  gint lock_fd;      /* the store's lock file, held while started */
  gchar *store_dir;  /* location, while started */
  guint64 clip_bytes; /* on disk under clips, kept up to date */
  gint64 room_checked_us;
  gboolean room_warned, cold_quota_noted;
  gint64 clips_warned_us; /* when deleting clips for room was last said */
  /* the pool upstream frames come from (compared, never dereferenced
   * after the frame that told it) and its max-buffers */
  gpointer seen_pool;
  guint pool_max;
  Counters c;
  GPtrArray *pending; /* GstMessage to post once the lock is released */
};

#define gst_tiered_sink_parent_class parent_class
G_DEFINE_TYPE (GstTieredSink, gst_tiered_sink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (tieredsink, "tieredsink", GST_RANK_NONE,
    GST_TYPE_TIERED_SINK, gst_meteor_init ());

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));

#define GST_TYPE_TIERED_SINK_IO_FAULT (gst_tiered_sink_io_fault_get_type ())
static GType
gst_tiered_sink_io_fault_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_TIERED_SINK_IO_FAULT_NONE, "File writes work", "none" },
    { GST_TIERED_SINK_IO_FAULT_ENOSPC, "Writes fail with ENOSPC (disk full)",
        "enospc" },
    { GST_TIERED_SINK_IO_FAULT_EIO, "Writes fail with EIO (I/O error)", "eio" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstTieredSinkIoFault", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ------------------------------------------------------------ messages */

/* Called with the lock: the message is posted once it is released. */
static void
queue_message (GstTieredSink *self, GstMessage *msg)
{
  g_ptr_array_add (self->pending, msg);
}

static void G_GNUC_PRINTF (3, 4)
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

static void
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
static void
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
    default:
      return FALSE;
  }
}

static ssize_t
io_write (int fd, const void *buf, size_t len, void *user_data)
{
  return io_fail (user_data) ? -1 : write (fd, buf, len);
}

static int
io_fsync (int fd, void *user_data)
{
  return io_fail (user_data) ? -1 : tier_io_fsync (NULL, fd);
}

static int
io_fallocate (int fd, off_t len, void *user_data)
{
  return io_fail (user_data) ? -1 : tier_io_fallocate (NULL, fd, len);
}

/* ------------------------------------------------------------- formats */

static FormatRef *
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

static FormatRef *
format_ref (FormatRef *f)
{
  g_atomic_int_inc (&f->ref);
  return f;
}

static void
format_unref (FormatRef *f)
{
  if (f && g_atomic_int_dec_and_test (&f->ref)) {
    gst_caps_unref (f->caps);
    g_free (f->str);
    g_free (f);
  }
}

/* The format of frames stored as @str: the current one when it is. */
static FormatRef *
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

static guint32
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
static void
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

/* ------------------------------------------------------------ warm */

static WarmHolder *
warm_holder_new (TierWarm *warm)
{
  WarmHolder *h = g_new0 (WarmHolder, 1);

  h->ref = 1;
  g_mutex_init (&h->lock);
  h->warm = warm;
  return h;
}

static void
warm_holder_unref (WarmHolder *h)
{
  if (h && g_atomic_int_dec_and_test (&h->ref)) {
    tier_warm_close (h->warm);
    g_mutex_clear (&h->lock);
    g_free (h);
  }
}

/* Called with h->lock. */
static WarmPin *
warm_pin (WarmHolder *h, const TierWarmRef *ref)
{
  WarmPin *pin;

  if (tier_warm_pin (h->warm, ref->slot, ref->generation) < 0)
    return NULL;
  pin = g_new (WarmPin, 1);
  g_atomic_int_inc (&h->ref);
  pin->holder = h;
  pin->slot = ref->slot;
  pin->epoch = h->epoch;
  return pin;
}

/* Any thread, without the element's lock (a GstMemory's notify). */
static void
warm_unpin (gpointer data)
{
  WarmPin *pin = data;

  g_mutex_lock (&pin->holder->lock);
  if (pin->epoch == pin->holder->epoch)
    tier_warm_unpin (pin->holder->warm, pin->slot);
  g_mutex_unlock (&pin->holder->lock);
  warm_holder_unref (pin->holder);
  g_free (pin);
}

/* ---------------------------------------------------------- settings */

static void
get_settings (GstTieredSink *self, Settings *s)
{
  GST_OBJECT_LOCK (self);
  *s = self->settings;
  GST_OBJECT_UNLOCK (self);
}

static guint64
time_to_frames (GstTieredSink *self, GstClockTime t)
{
  if (self->fps_n > 0 && self->fps_d > 0)
    return gst_util_uint64_scale_round (
        t, self->fps_n, (guint64)self->fps_d * GST_SECOND);
  if (GST_CLOCK_TIME_IS_VALID (self->last_duration) && self->last_duration > 0)
    return (t + self->last_duration / 2) / self->last_duration;
  return gst_util_uint64_scale_round (t, FALLBACK_FPS, GST_SECOND);
}

/* ------------------------------------------------------------ hot */

typedef struct {
  TierRecord rec;
  GstMapInfo map;
  GstBuffer *buf;
  guint8 blob[TIER_META_MAX];
} MappedFrame;

static gboolean
map_frame (GstTieredSink *self, HotEntry *e, MappedFrame *m)
{
  GstMeteorFrameMeta *meta = gst_buffer_get_meteor_frame_meta (e->buf);

  /* a buffer of several memories is merged by the map: a copy */
  if (gst_buffer_n_memory (e->buf) > 1)
    self->c.merge_copies++;
  if (!gst_buffer_map (e->buf, &m->map, GST_MAP_READ))
    return FALSE;
  m->buf = e->buf;
  m->rec.frame_id = e->frame_id;
  m->rec.pts_ns = GST_BUFFER_PTS (e->buf);
  m->rec.utc_ns = meta ? meta->capture_time_utc : TIER_TIME_NONE;
  m->rec.meta_len = blob_encode (e->buf, e->frame_id, m->blob);
  m->rec.meta = m->blob;
  m->rec.data = m->map.data;
  m->rec.size = m->map.size;
  return TRUE;
}

static void
unmap_frame (MappedFrame *m)
{
  gst_buffer_unmap (m->buf, &m->map);
}

/* Copies @rec into the warm ring (reformatting it for a new frame size or
 * format); pins it for @w. Called with the lock. */
static gboolean
put_warm (GstTieredSink *self, const TierRecord *rec, const FormatRef *fmt)
{
  WarmHolder *h = self->warm;
  TierWarmEviction ev;
  gchar err[512];
  gboolean ok = TRUE;

  if (self->warm_off)
    return FALSE;
  g_mutex_lock (&h->lock);
  if (tier_warm_intact (h->warm, err, sizeof err) < 0) {
    g_mutex_unlock (&h->lock);
    self->warm_off = TRUE;
    queue_warning (self, GST_RESOURCE_ERROR_WRITE, "%s", err);
    return FALSE;
  }
  if (tier_warm_frame_size (h->warm) != rec->size ||
      strcmp (tier_warm_format (h->warm), fmt->str) != 0) {
    TierWarmStats st;

    tier_warm_get_stats (h->warm, &st);
    if (tier_warm_reformat (h->warm, rec->size, fmt->str, err, sizeof err) <
        0) {
      ok = FALSE;
      if (!self->warm_failing)
        queue_warning (self, GST_RESOURCE_ERROR_SETTINGS,
            "warm ring unusable for %zu-byte frames: %s", rec->size, err);
      self->warm_failing = TRUE;
    } else {
      h->epoch++;
      GST_INFO_OBJECT (self,
          "warm ring reformatted for %zu-byte frames of %s (%" G_GUINT64_FORMAT
          " frames of the old format dropped)",
          rec->size, fmt->str, st.frames);
      self->c.dropped += st.frames;
    }
  }
  if (ok && tier_warm_put (h->warm, rec, &ev, err, sizeof err) < 0) {
    /* every slot holds a frame a pending clip needs: the frame goes to
     * cold if a clip needs it too, else it is dropped (both counted) */
    ok = FALSE;
    self->c.warm_put_failures++;
    GST_INFO_OBJECT (self, "warm ring: %s", err);
  }
  if (ok) {
    self->warm_failing = FALSE;
    self->c.warm_copies++;
    self->c.warm_bytes_written += rec->size;
  }
  g_mutex_unlock (&h->lock);
  return ok;
}

/* Called with the lock. */
static gboolean
put_cold (GstTieredSink *self, const TierRecord *rec, const gchar *format)
{
  gchar err[512];

  if (tier_cold_append (self->cold, rec, format, err, sizeof err) < 0) {
    self->c.write_errors++;
    if (!self->write_failing)
      queue_warning (self, GST_RESOURCE_ERROR_WRITE,
          "frame %" G_GUINT64_FORMAT " not stored: %s (further write errors "
          "are counted in stats until writes work again)",
          rec->frame_id, err);
    self->write_failing = TRUE;
    return FALSE;
  }
  self->write_failing = FALSE;
  self->c.cold_writes++;
  self->c.cold_bytes_written += rec->size;
  return TRUE;
}

/* A frame from upstream leaves hot: to warm (or, when a clip needs it and
 * warm cannot keep it, or under high pressure, or with cold-all, to cold),
 * else it is gone. Called with the lock. */
static void
store_leaving (GstTieredSink *self, HotEntry *e, const Settings *s)
{
  gboolean needed = tier_clipper_wants (self->clipper, e->frame_id);
  gboolean high = self->level == LEVEL_HIGH;
  gboolean recent, in_warm = FALSE, kept = FALSE;
  MappedFrame m;

  recent = !self->have_newest || e->frame_id >= self->newest_id ||
           self->newest_id - e->frame_id <=
               time_to_frames (self, s->pre_trigger + s->post_trigger);
  if (!map_frame (self, e, &m)) {
    self->c.dropped++;
    return;
  }
  if (self->warm && !high)
    kept = in_warm = put_warm (self, &m.rec, e->fmt);
  if (self->cold &&
      (s->cold_all || (!in_warm && (needed || (high && recent))))) {
    if (put_cold (self, &m.rec, e->fmt->str)) {
      kept = TRUE;
      if (high && !s->cold_all)
        self->c.pressure_to_cold++;
    }
  }
  if (!kept)
    self->c.dropped++;
  unmap_frame (&m);
}

static void
hot_entry_free (HotEntry *e)
{
  gst_buffer_unref (e->buf);
  format_unref (e->fmt);
  g_free (e);
}

static void
hot_remove (GstTieredSink *self, HotEntry *e)
{
  g_queue_unlink (&self->hot, &e->link);
  g_hash_table_remove (self->hot_index, &e->frame_id);
  self->hot_bytes -= e->size;
}

static void
evict (GstTieredSink *self, HotEntry *e, const Settings *s)
{
  hot_remove (self, e);
  if (e->origin == ORIGIN_STREAM)
    store_leaving (self, e, s);
  hot_entry_free (e);
}

static void
hot_insert (GstTieredSink *self, GstBuffer *buf, guint64 frame_id,
    FormatRef *fmt, Origin origin, const Settings *s)
{
  HotEntry *old = g_hash_table_lookup (self->hot_index, &frame_id);
  HotEntry *e;

  if (old) /* the same id again (a restarted count): the newest wins */
    evict (self, old, s);
  e = g_new0 (HotEntry, 1);
  e->link.data = e;
  e->frame_id = frame_id;
  e->buf = buf;
  e->size = gst_buffer_get_size (buf);
  e->fmt = fmt;
  e->origin = origin;
  g_queue_push_tail_link (&self->hot, &e->link);
  g_hash_table_insert (self->hot_index, &e->frame_id, e);
  self->hot_bytes += e->size;
}

/* Evicts the least recently used frames until hot is within its limits
 * (halved at low pressure, none at high pressure). */
/* Frames hot may hold: hot-frames, but never the whole upstream pool (it
 * would wait for a buffer hot only gives back when the next frame comes). */
static guint
hot_limit (GstTieredSink *self, const Settings *s)
{
  guint cap;

  if (self->pool_max == 0)
    return s->hot_frames;
  cap = self->pool_max > 2 ? self->pool_max - 2 : 1;
  return MIN (s->hot_frames, cap);
}

static void
enforce_hot (GstTieredSink *self, const Settings *s)
{
  guint limit = hot_limit (self, s);
  guint64 bytes = s->hot_max_bytes;

  if (self->level == LEVEL_LOW) {
    limit /= 2;
    bytes /= 2;
  } else if (self->level == LEVEL_HIGH) {
    limit = 0;
  }
  while (self->hot.length > 0 &&
         (self->hot.length > limit || (bytes && self->hot_bytes > bytes))) {
    HotEntry *e = self->hot.head->data;

    if (self->hot.length > hot_limit (self, s) ||
        (s->hot_max_bytes && self->hot_bytes > s->hot_max_bytes))
      self->c.hot_evictions++;
    else
      self->c.pressure_evictions++;
    evict (self, e, s);
  }
}

/* ------------------------------------------------------- pressure */

static void
check_pressure (GstTieredSink *self, const Settings *s)
{
  gint64 now = g_get_monotonic_time ();
  TierMemInfo info;
  PressureLevel level;
  gdouble usage;

  if (self->checked_at_us &&
      now - self->checked_at_us < (gint64)(s->pressure_interval / 1000))
    return;
  self->checked_at_us = now;
  tier_mem_read (self->mem_root, &info);
  usage = tier_mem_usage (&info, s->memory_limit);
  self->usage = usage;
  if (usage < 0)
    level = LEVEL_NORMAL;
  else if (usage >= s->pressure_high)
    level = LEVEL_HIGH;
  else if (usage >= s->pressure_low)
    level = LEVEL_LOW;
  else
    level = LEVEL_NORMAL;
  if (level == self->level)
    return;

  GST_INFO_OBJECT (self, "memory pressure %s -> %s (%.3f of the limit)",
      level_names[self->level], level_names[level], usage);
  self->level = level;
  self->c.pressure_changes++;
  enforce_hot (self, s);
  if (level == LEVEL_HIGH && self->warm) {
    g_mutex_lock (&self->warm->lock);
    tier_warm_drop_pages (self->warm->warm);
    g_mutex_unlock (&self->warm->lock);
  }
  {
    guint64 limit = s->memory_limit;
    gint64 in_use = info.cgroup_current;

    if (!limit)
      limit = info.cgroup_max > 0  ? (guint64)info.cgroup_max
              : info.mem_total > 0 ? (guint64)info.mem_total
                                   : 0;
    if (in_use < 0 && info.mem_total > 0 && info.mem_available >= 0)
      in_use = info.mem_total - info.mem_available;
    queue_message (self,
        gst_message_new_element (GST_OBJECT (self),
            gst_structure_new ("tieredsink-pressure", "level", G_TYPE_STRING,
                level_names[level], "usage", G_TYPE_DOUBLE, usage, "limit",
                G_TYPE_UINT64, limit, "in-use", G_TYPE_INT64, in_use,
                "psi-some-avg10", G_TYPE_DOUBLE, info.psi_some_avg10,
                "hot-frames", G_TYPE_UINT, self->hot.length, NULL)));
  }
}

/* ------------------------------------------------------------ room */

/* Bytes the store takes: cold, clips and a warm ring file. Locked. */
static guint64
store_bytes (GstTieredSink *self)
{
  TierColdStats cs = { 0 };
  TierWarmStats ws = { 0 };

  if (self->cold)
    tier_cold_get_stats (self->cold, &cs);
  if (self->warm && !tier_warm_in_memory (self->warm->warm)) {
    g_mutex_lock (&self->warm->lock);
    tier_warm_get_stats (self->warm->warm, &ws);
    g_mutex_unlock (&self->warm->lock);
  }
  return cs.disk_bytes + self->clip_bytes + ws.file_bytes;
}

/* Deletes the store's oldest clip; FALSE if there is none. Locked. */
static gboolean
delete_oldest_clip (GstTieredSink *self, guint64 short_by)
{
  gchar name[512], *path;
  guint64 bytes;

  if (!tier_oldest_clip (self->clip_dir, name, sizeof name))
    return FALSE;
  path = g_build_filename (self->clip_dir, name, NULL);
  bytes = tier_tree_bytes (path);
  if (tier_remove_tree (path) < 0) {
    queue_warning (self, GST_RESOURCE_ERROR_WRITE,
        "clip %s cannot be deleted to make room: %s", path, g_strerror (errno));
    g_free (path);
    return FALSE;
  }
  if (!self->clips_warned_us ||
      g_get_monotonic_time () - self->clips_warned_us > CLIPS_WARNING_US)
    queue_warning (self, GST_RESOURCE_ERROR_NO_SPACE_LEFT,
        "store %s is full (%" G_GUINT64_FORMAT " bytes short of its quota or "
        "free space) and holds no more cold frames: deleting the oldest clips, "
        "%s first (counted in room-deleted-clips; said again after an hour "
        "without)",
        self->store_dir, short_by, name);
  self->clips_warned_us = g_get_monotonic_time ();
  GST_INFO_OBJECT (self, "deleted clip %s (%" G_GUINT64_FORMAT " bytes) to "
      "make room", path, bytes);
  self->clip_bytes -= MIN (bytes, self->clip_bytes);
  self->c.room_deleted_clips++;
  self->c.room_deleted_bytes += bytes;
  g_free (path);
  return TRUE;
}

/* One quota over everything the store holds, and free space kept on its
 * disk: raw cold frames go first, then the oldest clips. Every
 * ROOM_INTERVAL_US, or at once with @force (after a write error). Locked. */
static void
keep_room (GstTieredSink *self, const Settings *s, gboolean force)
{
  gint64 now = g_get_monotonic_time ();
  gchar err[512];

  if (!self->started ||
      (!force && now - self->room_checked_us < ROOM_INTERVAL_US))
    return;
  self->room_checked_us = now;
  for (;;) {
    guint64 used = store_bytes (self), avail = 0, short_by = 0, oldest;

    if (s->max_bytes && used > s->max_bytes)
      short_by = used - s->max_bytes;
    if (tier_fs_free (self->store_dir, &avail) == 0 &&
        avail < s->min_free_bytes)
      short_by = MAX (short_by, s->min_free_bytes - avail);
    if (short_by == 0) {
      self->room_warned = FALSE;
      return;
    }
    oldest = self->cold ? tier_cold_oldest_bytes (self->cold) : 0;
    if (oldest == 0 && self->cold) { /* only the open segment: it can go */
      tier_cold_seal (self->cold, err, sizeof err);
      oldest = tier_cold_oldest_bytes (self->cold);
    }
    if (oldest > 0 && tier_cold_drop_oldest (self->cold, err, sizeof err) == 0) {
      self->c.room_deleted_segments++;
      self->c.room_deleted_bytes += oldest;
      continue;
    }
    if (!delete_oldest_clip (self, short_by)) {
      if (!self->room_warned)
        queue_warning (self, GST_RESOURCE_ERROR_NO_SPACE_LEFT,
            "store %s is full (%" G_GUINT64_FORMAT " bytes short of its "
            "quota or free space) and has nothing left to delete: frames "
            "and clips that cannot be written are counted",
            self->store_dir, short_by);
      self->room_warned = TRUE;
      return;
    }
  }
}

/* A routine note of the cold store (a quota deletion): a warning the
 * first time, then only counted. */
static void
cold_note (void *user_data, const char *message)
{
  GstTieredSink *self = user_data;

  if (!self->cold_quota_noted)
    queue_warning (self, GST_RESOURCE_ERROR_NO_SPACE_LEFT,
        "%s (routine from now on: counted in cold-deleted-segments)", message);
  else
    GST_INFO_OBJECT (self, "%s", message);
  self->cold_quota_noted = TRUE;
}

/* ------------------------------------------------------------ clips */

/* What a frame handed to the clip writer holds on to until released. */
typedef struct {
  Origin from;
  GstBuffer *buf; /* hot */
  GstMapInfo map;
  FormatRef *fmt;
  guint8 blob[TIER_META_MAX];
  WarmPin *pin; /* warm */
  TierColdRecord record; /* cold: copied as stored */
  gchar *format;
} ClipHold;

static void
layout_of (GstTieredSink *self, TierClipSource *src)
{
  guint i;

  src->n_planes = self->n_planes;
  for (i = 0; i < self->n_planes; i++) {
    src->offset[i] = self->offset[i];
    src->stride[i] = self->stride[i];
  }
}

/* The clip writer's fetch: frame @id from hot, warm or cold, with no copy
 * from hot and warm (a buffer reference, a pinned slot). Writer thread. */
static int
clip_fetch (void *user_data, uint64_t id, TierClipSource *src)
{
  GstTieredSink *self = user_data;
  ClipHold *h = g_new0 (ClipHold, 1);
  HotEntry *e;
  gchar err[512];

  g_mutex_lock (&self->lock);
  layout_of (self, src);
  e = g_hash_table_lookup (self->hot_index, &id);
  if (e) {
    GstMeteorFrameMeta *meta = gst_buffer_get_meteor_frame_meta (e->buf);

    h->from = ORIGIN_STREAM;
    h->buf = gst_buffer_ref (e->buf);
    h->fmt = format_ref (e->fmt);
    src->rec.utc_ns = meta ? meta->capture_time_utc : TIER_TIME_NONE;
    /* a buffer of several memories is merged by the map: a copy */
    if (gst_buffer_n_memory (h->buf) > 1)
      self->c.merge_copies++;
    g_mutex_unlock (&self->lock);
    if (!gst_buffer_map (h->buf, &h->map, GST_MAP_READ)) {
      gst_buffer_unref (h->buf);
      format_unref (h->fmt);
      g_free (h);
      return 0;
    }
    src->rec.frame_id = id;
    src->rec.pts_ns = GST_BUFFER_PTS (h->buf);
    src->rec.meta_len = blob_encode (h->buf, id, h->blob);
    src->rec.meta = h->blob;
    src->rec.data = h->map.data;
    src->rec.size = h->map.size;
    src->format = h->fmt->str;
    src->handle = h;
    return 1;
  }
  if (self->warm) {
    WarmHolder *wh = self->warm;
    TierWarmRef ref;

    g_mutex_lock (&wh->lock);
    if (tier_warm_lookup (wh->warm, id, &ref) &&
        (h->pin = warm_pin (wh, &ref)) != NULL) {
      h->from = ORIGIN_WARM;
      h->format = g_strdup (tier_warm_format (wh->warm));
      src->rec = (TierRecord){ ref.frame_id, ref.pts_ns, ref.utc_ns, ref.meta,
        ref.meta_len, ref.data, ref.size };
    }
    g_mutex_unlock (&wh->lock);
    if (h->pin) {
      g_mutex_unlock (&self->lock);
      src->format = h->format;
      src->handle = h;
      return 1;
    }
  }
  if (self->cold && tier_cold_contains (self->cold, id)) {
    if (tier_cold_get_record (self->cold, id, &h->record, err, sizeof err) ==
        0) {
      const TierRecHeader *rh = &h->record.header;

      g_mutex_unlock (&self->lock);
      h->from = ORIGIN_COLD;
      src->rec = (TierRecord){ rh->frame_id, rh->pts_ns, rh->utc_ns,
        h->record.record + TIER_REC_HEADER, rh->meta_len, NULL, rh->raw_len };
      src->record = h->record.record;
      src->record_len = h->record.len;
      src->format = h->record.format;
      src->handle = h;
      return 1;
    }
    GST_WARNING_OBJECT (self, "clip frame %" G_GUINT64_FORMAT ": %s", id, err);
  }
  g_mutex_unlock (&self->lock);
  g_free (h);
  return 0;
}

static void
clip_release (void *user_data, TierClipSource *src)
{
  ClipHold *h = src->handle;

  switch (h->from) {
    case ORIGIN_STREAM:
      gst_buffer_unmap (h->buf, &h->map);
      gst_buffer_unref (h->buf);
      format_unref (h->fmt);
      break;
    case ORIGIN_WARM:
      warm_unpin (h->pin);
      g_free (h->format);
      break;
    case ORIGIN_COLD:
      tier_cold_record_clear (&h->record);
      break;
  }
  g_free (h);
}

/* A clip committed or given up: its message. Writer thread. */
static void
clip_done (void *user_data, const TierClipReport *r)
{
  GstTieredSink *self = user_data;
  Settings s;

  if (!r->ok) {
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("clip of frames %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
         " not written: %s",
            r->first, r->last, r->error),
        (NULL));
    return;
  }
  GST_INFO_OBJECT (self,
      "clip %s: %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT " bytes",
      r->path, r->frames, r->disk_bytes);
  get_settings (self, &s);
  g_mutex_lock (&self->lock);
  self->clip_bytes += r->disk_bytes;
  keep_room (self, &s, TRUE);
  g_mutex_unlock (&self->lock);
  post_pending (self);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("tieredsink-clip-saved", "path", G_TYPE_STRING,
              r->path, "name", G_TYPE_STRING, r->name, "frames", G_TYPE_UINT64,
              r->frames, "bytes", G_TYPE_UINT64, r->disk_bytes, "raw-bytes",
              G_TYPE_UINT64, r->raw_bytes, "first-frame", G_TYPE_UINT64,
              r->first, "last-frame", G_TYPE_UINT64, r->last, "missing-frames",
              G_TYPE_UINT64, r->missing, "detections", G_TYPE_UINT,
              r->n_detections, "continues", G_TYPE_STRING, r->continues,
              NULL)));
}

/* The clip writer hit a write error: room now, if deleting can make it. */
static int
clip_make_room (void *user_data)
{
  GstTieredSink *self = user_data;
  guint64 before;
  Settings s;
  gboolean freed;

  get_settings (self, &s);
  g_mutex_lock (&self->lock);
  before = self->c.room_deleted_bytes;
  keep_room (self, &s, TRUE);
  freed = self->c.room_deleted_bytes > before;
  g_mutex_unlock (&self->lock);
  post_pending (self);
  return freed;
}

/* Asks the clip writer for frames @start..@end. */
static gboolean
clip_request (GstTieredSink *self, guint64 start, guint64 end,
    const gchar *detection)
{
  if (end < start || end - start >= MAX_CLIP_FRAMES) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("clip of frames %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
         " ignored: at most %u frames, first <= last",
            start, end, MAX_CLIP_FRAMES),
        (NULL));
    return FALSE;
  }
  tier_clipper_add (self->clipper, start, end, detection);
  return TRUE;
}

/* ------------------------------------------------------------ stats */

static GstStructure *
make_stats (GstTieredSink *self)
{
  TierWarmStats ws = { 0 };
  TierColdStats cs = { 0 };
  TierClipperStats ks = { 0 };
  GstStructure *st;
  Settings s;

  get_settings (self, &s);
  g_mutex_lock (&self->lock);
  if (self->clipper)
    tier_clipper_get_stats (self->clipper, &ks);
  if (self->warm) {
    g_mutex_lock (&self->warm->lock);
    tier_warm_get_stats (self->warm->warm, &ws);
    g_mutex_unlock (&self->warm->lock);
  }
  if (self->cold)
    tier_cold_get_stats (self->cold, &cs);
  st = gst_structure_new ("tieredsink-stats", "frames", G_TYPE_UINT64,
      self->c.frames, "bytes-in", G_TYPE_UINT64, self->c.bytes_in, "hot-frames",
      G_TYPE_UINT64, (guint64)self->hot.length, "hot-limit", G_TYPE_UINT,
      hot_limit (self, &s), "hot-bytes", G_TYPE_UINT64, self->hot_bytes,
      "warm-frames", G_TYPE_UINT64, ws.frames, "warm-bytes", G_TYPE_UINT64,
      ws.bytes, "warm-slots", G_TYPE_UINT64, (guint64)ws.slots,
      "warm-file-bytes", G_TYPE_UINT64, ws.file_bytes, "cold-frames",
      G_TYPE_UINT64, cs.frames, "cold-bytes", G_TYPE_UINT64, cs.disk_bytes,
      "cold-raw-bytes", G_TYPE_UINT64, cs.raw_bytes, "cold-segments",
      G_TYPE_UINT64, cs.segments, "compression-ratio", G_TYPE_DOUBLE,
      cs.stored_bytes ? (gdouble)cs.raw_bytes / (gdouble)cs.stored_bytes : 0.0,
      "hot-hits", G_TYPE_UINT64, self->c.hot_hits, "hot-misses", G_TYPE_UINT64,
      self->c.hot_misses, "warm-hits", G_TYPE_UINT64, self->c.warm_hits,
      "warm-misses", G_TYPE_UINT64, self->c.warm_misses, "cold-hits",
      G_TYPE_UINT64, self->c.cold_hits, "cold-misses", G_TYPE_UINT64,
      self->c.cold_misses, "promotions", G_TYPE_UINT64, self->c.promotions,
      "hot-evictions", G_TYPE_UINT64, self->c.hot_evictions,
      "pressure-evictions", G_TYPE_UINT64, self->c.pressure_evictions,
      "pressure-to-cold", G_TYPE_UINT64, self->c.pressure_to_cold,
      "warm-evictions", G_TYPE_UINT64, ws.overwrites, "warm-pinned-skips",
      G_TYPE_UINT64, ws.pinned_skips, "warm-reformats", G_TYPE_UINT64,
      ws.reformats, "warm-recovered", G_TYPE_UINT64, ws.recovered,
      "warm-dropped-page-bytes", G_TYPE_UINT64, ws.dropped_bytes,
      "cold-evictions", G_TYPE_UINT64, cs.deleted_frames,
      "cold-deleted-segments", G_TYPE_UINT64, cs.deleted_segments,
      "cold-discarded-records", G_TYPE_UINT64, cs.discarded_records, "dropped",
      G_TYPE_UINT64, self->c.dropped, "copies", G_TYPE_UINT64,
      self->c.warm_copies + self->c.cold_writes + ks.frames +
          self->c.merge_copies,
      "warm-copies", G_TYPE_UINT64, self->c.warm_copies, "merge-copies",
      G_TYPE_UINT64, self->c.merge_copies, "bytes-written", G_TYPE_UINT64,
      self->c.warm_bytes_written + self->c.cold_bytes_written +
          ks.bytes_written,
      "warm-bytes-written", G_TYPE_UINT64, self->c.warm_bytes_written,
      "cold-frames-written", G_TYPE_UINT64, self->c.cold_writes,
      "cold-bytes-written", G_TYPE_UINT64, self->c.cold_bytes_written,
      "clips-saved", G_TYPE_UINT64, ks.clips, "clips-continued", G_TYPE_UINT64,
      ks.continuations, "clip-frames", G_TYPE_UINT64, ks.frames, "clip-bytes",
      G_TYPE_UINT64, ks.bytes_written, "clip-raw-bytes", G_TYPE_UINT64,
      ks.raw_bytes, "clip-missing-frames", G_TYPE_UINT64, ks.missing,
      "clip-records-copied", G_TYPE_UINT64, ks.records_copied,
      "clip-failures", G_TYPE_UINT64, ks.failures, "clip-writer-max-lag",
      G_TYPE_UINT64, ks.max_lag, "clips-pending", G_TYPE_UINT,
      (guint)ks.pending, "detections", G_TYPE_UINT64,
      self->c.detections, "write-errors", G_TYPE_UINT64,
      self->c.write_errors + ks.write_errors,
      "warm-put-failures", G_TYPE_UINT64, self->c.warm_put_failures,
      "pressure-level", G_TYPE_STRING, level_names[self->level], "memory-usage",
      G_TYPE_DOUBLE, self->usage, "pressure-high", G_TYPE_DOUBLE,
      s.pressure_high, "pressure-low", G_TYPE_DOUBLE, s.pressure_low,
      "pressure-changes", G_TYPE_UINT64, self->c.pressure_changes,
      "store-bytes", G_TYPE_UINT64, self->started ? store_bytes (self) : 0,
      "room-deleted-segments", G_TYPE_UINT64, self->c.room_deleted_segments,
      "room-deleted-clips", G_TYPE_UINT64, self->c.room_deleted_clips,
      "room-deleted-bytes", G_TYPE_UINT64, self->c.room_deleted_bytes, NULL);
  g_mutex_unlock (&self->lock);
  return st;
}

/* -------------------------------------------------- start, stop, caps */

/* A warm ring file gets every frame: on the store's device (an SD card)
 * that is most of what the station writes. */
static void
warn_warm_on_store_device (GstTieredSink *self, gsize frame_size)
{
  gchar *dir;
  GStatBuf ring, store;
  gdouble fps = self->fps_n > 0 && self->fps_d > 0
                    ? (gdouble)self->fps_n / self->fps_d
                    : FALLBACK_FPS;

  if (self->warm_path == NULL)
    return;
  dir = g_path_get_dirname (self->cold_dir);
  if (g_stat (self->warm_path, &ring) == 0 && g_stat (dir, &store) == 0 &&
      ring.st_dev == store.st_dev)
    queue_warning (self, GST_RESOURCE_ERROR_SETTINGS,
        "warm ring file %s is on the same device as the store %s: every "
        "frame is written to it, %.1f GB an hour at %zu bytes and %.3g fps "
        "(unset warm-location to keep the ring in memory)",
        self->warm_path, dir, frame_size * fps * 3600 / 1e9, frame_size, fps);
  g_free (dir);
}

static gboolean
open_warm (GstTieredSink *self, gsize frame_size, const gchar *format,
    guint64 max_bytes, gchar *err, gsize err_len)
{
  TierWarmConfig wc = { 0 };
  TierWarm *warm;

  wc.path = self->warm_path;
  wc.max_bytes = max_bytes;
  wc.frame_size = frame_size;
  wc.format = format;
  wc.warn = store_warning;
  wc.user_data = self;
  wc.io = &self->io;
  warm = tier_warm_open (&wc, err, err_len);
  if (warm == NULL)
    return FALSE;
  self->warm = warm_holder_new (warm);
  warn_warm_on_store_device (self, frame_size);
  return TRUE;
}

/* Cold segments small enough that a small disk holds many: the oldest
 * goes whole to make room. A 16th of the filesystem, 1 to 64 MiB. */
static guint64
segment_bytes_for (const gchar *location)
{
  struct statvfs vfs;
  guint64 size;

  if (statvfs (location, &vfs) < 0)
    return 0;
  size = (guint64)vfs.f_blocks * vfs.f_frsize / 16;
  return CLAMP (size, 1 << 20, 64 << 20);
}

/* One tieredsink a store: a second one would take the first's open
 * segment and clip for a crash's leftovers. */
static gboolean
lock_store (GstTieredSink *self, const gchar *location)
{
  gchar *path = g_build_filename (location, TIER_STORE_LOCK, NULL), err[1024];
  gchar pid[32];
  gint fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

  if (fd < 0 || tier_lock_fd (fd, path, err, sizeof err) < 0) {
    if (fd < 0)
      g_snprintf (err, sizeof err, "cannot open %s: %s", path,
          g_strerror (errno));
    else
      close (fd);
    GST_ELEMENT_ERROR (self, RESOURCE, BUSY,
        ("store '%s' cannot be used: %s", location, err), (NULL));
    g_free (path);
    return FALSE;
  }
  /* for people: who holds it (tieredsink itself asks /proc/locks) */
  g_snprintf (pid, sizeof pid, "%ld\n", (long)getpid ());
  if (ftruncate (fd, 0) < 0 || write (fd, pid, strlen (pid)) < 0)
    GST_DEBUG_OBJECT (self, "cannot write the pid into %s", path);
  self->lock_fd = fd;
  g_free (path);
  return TRUE;
}

static void
unlock_store (GstTieredSink *self)
{
  if (self->lock_fd >= 0)
    close (self->lock_fd);
  self->lock_fd = -1;
}

static gboolean
gst_tiered_sink_start (GstBaseSink *sink)
{
  GstTieredSink *self = GST_TIERED_SINK (sink);
  Settings s;
  TierColdConfig cc = { 0 };
  gchar *location, *warm_location, *root, err[1024];
  const gchar *env_root = g_getenv ("METEOR_MEMORY_ROOT");

  get_settings (self, &s);
  gst_meteor_stats_register (GST_ELEMENT (self));
  GST_OBJECT_LOCK (self);
  location = g_strdup (self->location);
  warm_location = g_strdup (self->warm_location);
  root = g_strdup (self->memory_root ? self->memory_root : env_root);
  GST_OBJECT_UNLOCK (self);

  if (location == NULL || *location == '\0') {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("tieredsink: no location set"),
        ("set location to the directory for cold frames and clips"));
    goto fail;
  }
  if (s.pressure_low > s.pressure_high) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("pressure-low (%g) is above pressure-high (%g)", s.pressure_low,
            s.pressure_high),
        (NULL));
    goto fail;
  }
  if (g_mkdir_with_parents (location, 0755) < 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("location '%s' cannot be created: %s", location, g_strerror (errno)),
        (NULL));
    goto fail;
  }
  if (!lock_store (self, location))
    goto fail;

  g_mutex_lock (&self->lock);
  self->io.write = io_write;
  self->io.fsync = io_fsync;
  self->io.fallocate = io_fallocate;
  self->io.user_data = self;
  self->cold_dir = g_build_filename (location, "cold", NULL);
  self->clip_dir = g_build_filename (location, "clips", NULL);
  /* no warm-location: the ring lives in memory, never written to disk */
  self->warm_path = warm_location && *warm_location ? g_strdup (warm_location)
                                                    : NULL;
  self->mem_root = g_strdup (root);
  memset (&self->c, 0, sizeof self->c);
  self->level = LEVEL_NORMAL;
  self->usage = -1;
  self->checked_at_us = 0;
  self->have_newest = FALSE;
  self->counter = 0;
  self->seen_pool = NULL;
  self->pool_max = 0;
  self->write_failing = self->warm_failing = self->retention_warned = FALSE;
  self->warm_off = FALSE;
  self->last_duration = GST_CLOCK_TIME_NONE;

  cc.dir = self->cold_dir;
  cc.quota_bytes = s.cold_max_bytes;
  cc.segment_bytes = segment_bytes_for (location);
  cc.level = s.level;
  cc.warn = store_warning;
  cc.note = cold_note;
  cc.user_data = self;
  cc.io = &self->io;
  self->cold = tier_cold_open (&cc, err, sizeof err);
  if (self->cold == NULL) {
    g_mutex_unlock (&self->lock);
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("location '%s' is not usable: %s", location, err), (NULL));
    goto fail;
  }
  if (g_mkdir_with_parents (self->clip_dir, 0755) < 0) {
    gchar *dir = g_strdup (self->clip_dir);
    g_mutex_unlock (&self->lock);
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("clip directory '%s' cannot be created: %s", dir, g_strerror (errno)),
        (NULL));
    g_free (dir);
    goto fail;
  }
  tier_clip_recover (self->clip_dir, store_warning, self);
  self->store_dir = g_strdup (location);
  self->clip_bytes = tier_tree_bytes (self->clip_dir);
  self->room_checked_us = 0;
  self->room_warned = self->cold_quota_noted = FALSE;
  self->clips_warned_us = 0;
  {
    TierClipperConfig kc = { 0 };

    kc.location = self->clip_dir;
    kc.level = s.level;
    kc.max_frames = MAX_CLIP_FRAMES;
    kc.io = &self->io;
    kc.fetch = clip_fetch;
    kc.release = clip_release;
    kc.done = clip_done;
    kc.make_room = clip_make_room;
    kc.user_data = self;
    self->clipper = tier_clipper_new (&kc, err, sizeof err);
    if (self->clipper == NULL) {
      g_mutex_unlock (&self->lock);
      GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("%s", err), (NULL));
      goto fail;
    }
  }

  /* a ring left by an earlier run is reopened (recovered) now, so its
   * frames can be read before the caps are known */
  if (s.warm_max_bytes > 0 && self->warm_path) {
    gsize frame_size;
    gchar *format = NULL;
    guint64 max_bytes;

    if (tier_warm_peek (self->warm_path, &frame_size, &format, &max_bytes, err,
            sizeof err) == 0 &&
        max_bytes == s.warm_max_bytes &&
        !open_warm (self, frame_size, format, max_bytes, err, sizeof err))
      queue_warning (self, GST_RESOURCE_ERROR_OPEN_WRITE,
          "earlier warm ring not recovered: %s", err);
    g_free (format);
  }
  self->started = TRUE;
  g_mutex_unlock (&self->lock);
  post_pending (self);
  g_free (location);
  g_free (warm_location);
  g_free (root);
  return TRUE;

fail:
  unlock_store (self);
  g_free (location);
  g_free (warm_location);
  g_free (root);
  return FALSE;
}

static gboolean
gst_tiered_sink_stop (GstBaseSink *sink)
{
  GstTieredSink *self = GST_TIERED_SINK (sink);
  Settings s;
  HotEntry *e;

  get_settings (self, &s);
  gst_meteor_stats_unregister (GST_ELEMENT (self));
  /* the writer takes the lock to fetch frames: stopped without it */
  g_clear_pointer (&self->clipper, tier_clipper_free);
  g_mutex_lock (&self->lock);
  while ((e = g_queue_peek_head (&self->hot)) != NULL) {
    hot_remove (self, e);
    hot_entry_free (e);
  }
  g_hash_table_remove_all (self->hot_index);
  if (self->warm) {
    gchar err[512];

    g_mutex_lock (&self->warm->lock);
    if (tier_warm_sync (self->warm->warm, err, sizeof err) < 0)
      GST_WARNING_OBJECT (self, "%s", err);
    g_mutex_unlock (&self->warm->lock);
  }
  g_clear_pointer (&self->warm, warm_holder_unref);
  g_clear_pointer (&self->cold, tier_cold_close);
  g_clear_pointer (&self->fmt, format_unref);
  g_clear_pointer (&self->cold_dir, g_free);
  g_clear_pointer (&self->clip_dir, g_free);
  g_clear_pointer (&self->store_dir, g_free);
  g_clear_pointer (&self->warm_path, g_free);
  g_clear_pointer (&self->mem_root, g_free);
  self->started = FALSE;
  unlock_store (self);
  g_mutex_unlock (&self->lock);
  post_pending (self);
  return TRUE;
}

static gboolean
gst_tiered_sink_set_caps (GstBaseSink *sink, GstCaps *caps)
{
  GstTieredSink *self = GST_TIERED_SINK (sink);
  FormatRef *fmt = format_new (caps, NULL);
  Settings s;
  gchar err[1024];
  gboolean ok = TRUE;

  get_settings (self, &s);
  if (!fmt->video) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("tieredsink stores raw video of a fixed frame size: cannot use %s",
            fmt->str),
        (NULL));
    format_unref (fmt);
    return FALSE;
  }
  /* the warm ring drops the frames of the old format: a clip that wants
   * them gets them first (the writer takes the lock to fetch) */
  if (self->clipper)
    tier_clipper_drain (self->clipper);
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->fmt, format_unref);
  self->fmt = fmt;
  self->fps_n = GST_VIDEO_INFO_FPS_N (&fmt->info);
  self->fps_d = GST_VIDEO_INFO_FPS_D (&fmt->info);
  if (s.warm_max_bytes > 0) {
    gsize size = GST_VIDEO_INFO_SIZE (&fmt->info);

    if (self->warm == NULL) {
      ok = open_warm (self, size, fmt->str, s.warm_max_bytes, err, sizeof err);
    } else {
      g_mutex_lock (&self->warm->lock);
      if (tier_warm_frame_size (self->warm->warm) != size ||
          strcmp (tier_warm_format (self->warm->warm), fmt->str) != 0) {
        ok = tier_warm_reformat (
                 self->warm->warm, size, fmt->str, err, sizeof err) == 0;
        self->warm->epoch++;
      }
      g_mutex_unlock (&self->warm->lock);
    }
  }
  if (ok && !self->retention_warned) {
    guint64 need = time_to_frames (self, s.pre_trigger);
    guint64 have = s.hot_frames;

    if (self->warm)
      have += tier_warm_n_slots (self->warm->warm);
    if (have < need) {
      self->retention_warned = TRUE;
      queue_warning (self, GST_RESOURCE_ERROR_SETTINGS,
          "hot-frames + warm ring slots hold %" G_GUINT64_FORMAT
          " frames, pre-trigger needs %" G_GUINT64_FORMAT
          ": clips will miss their first frames (raise warm-max-bytes)",
          have, need);
    }
  }
  g_mutex_unlock (&self->lock);
  post_pending (self);
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("warm ring: %s", err),
        ("warm-max-bytes=%" G_GUINT64_FORMAT
         ", set it to 0 to run without warm tier",
            s.warm_max_bytes));
    return FALSE;
  }
  return TRUE;
}

static gboolean
gst_tiered_sink_propose_allocation (GstBaseSink *sink, GstQuery *query)
{
  GstTieredSink *self = GST_TIERED_SINK (sink);
  GstCaps *caps;
  GstVideoInfo info;
  guint size = 0, hot;

  GST_OBJECT_LOCK (self);
  hot = self->settings.hot_frames;
  GST_OBJECT_UNLOCK (self);
  gst_query_parse_allocation (query, &caps, NULL);
  if (caps && gst_video_info_from_caps (&info, caps))
    size = (guint)GST_VIDEO_INFO_SIZE (&info);
  /* no pool of our own: only how many buffers hot holds */
  gst_query_add_allocation_pool (query, NULL, size, hot, 0);
  gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  GST_DEBUG_OBJECT (self, "holding up to %u buffers", hot);
  return TRUE;
}

/* ------------------------------------------------------------ render */

static guint64
frame_id_of (GstTieredSink *self, GstBuffer *buf)
{
  GstMeteorFrameMeta *meta = gst_buffer_get_meteor_frame_meta (buf);

  if (meta)
    return meta->frame_id;
  if (GST_BUFFER_OFFSET_IS_VALID (buf))
    return GST_BUFFER_OFFSET (buf);
  return self->counter;
}

/* Reads the max-buffers of the pool @buf comes from when it is a new one;
 * warns when it cannot give hot its frames. Called with the lock. */
static void
check_pool (GstTieredSink *self, GstBuffer *buf, const Settings *s)
{
  GstStructure *config;
  guint max = 0;

  if (buf->pool == NULL || buf->pool == self->seen_pool)
    return;
  self->seen_pool = buf->pool;
  config = gst_buffer_pool_get_config (buf->pool);
  gst_buffer_pool_config_get_params (config, NULL, NULL, NULL, &max);
  gst_structure_free (config);
  self->pool_max = max;
  if (hot_limit (self, s) < s->hot_frames)
    queue_warning (self, GST_RESOURCE_ERROR_SETTINGS,
        "the pool upstream holds %u buffers, too few for hot-frames=%u: hot "
        "keeps %u (the allocation query asking for %u did not reach the pool: "
        "behind a tee, every branch must answer it, and fakesink and appsink "
        "do not; or raise the pool's max-buffers)",
        max, s->hot_frames, hot_limit (self, s), s->hot_frames);
}

static GstFlowReturn
gst_tiered_sink_render (GstBaseSink *sink, GstBuffer *buf)
{
  GstTieredSink *self = GST_TIERED_SINK (sink);
  GstVideoMeta *vmeta = gst_buffer_get_video_meta (buf);
  Settings s;
  guint64 id;

  get_settings (self, &s);
  g_mutex_lock (&self->lock);
  if (self->fmt == NULL) {
    g_mutex_unlock (&self->lock);
    GST_ELEMENT_ERROR (
        self, CORE, NEGOTIATION, ("no caps before a frame"), (NULL));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  check_pool (self, buf, &s);
  id = frame_id_of (self, buf);
  self->counter = id + 1;
  self->c.frames++;
  self->c.bytes_in += gst_buffer_get_size (buf);
  if (GST_BUFFER_DURATION_IS_VALID (buf))
    self->last_duration = GST_BUFFER_DURATION (buf);
  if (vmeta && vmeta->n_planes <= TIER_CLIP_MAX_PLANES) {
    guint i;

    self->n_planes = vmeta->n_planes;
    for (i = 0; i < vmeta->n_planes; i++) {
      self->offset[i] = vmeta->offset[i];
      self->stride[i] = (guint32)vmeta->stride[i];
    }
  } else {
    self->n_planes = 0;
  }
  self->have_newest = TRUE;
  self->newest_id = id;
  hot_insert (self, gst_buffer_ref (buf), id, format_ref (self->fmt),
      ORIGIN_STREAM, &s);
  check_pressure (self, &s);
  enforce_hot (self, &s);
  keep_room (self, &s, self->write_failing);
  tier_clipper_advance (self->clipper, id);
  g_mutex_unlock (&self->lock);
  post_pending (self);
  return GST_FLOW_OK;
}

/* ------------------------------------------------------------ events */

static gboolean
get_frame_field (const GstStructure *s, const gchar *field, guint64 *out)
{
  const GValue *v = gst_structure_get_value (s, field);
  GValue u = G_VALUE_INIT;

  if (v == NULL)
    return FALSE;
  if (G_VALUE_HOLDS_INT (v) && g_value_get_int (v) < 0)
    return FALSE;
  if (G_VALUE_HOLDS_INT64 (v) && g_value_get_int64 (v) < 0)
    return FALSE;
  g_value_init (&u, G_TYPE_UINT64);
  if (!g_value_type_transformable (G_VALUE_TYPE (v), G_TYPE_UINT64) ||
      G_VALUE_HOLDS_DOUBLE (v) || G_VALUE_HOLDS_STRING (v) ||
      !g_value_transform (v, &u)) {
    g_value_unset (&u);
    return FALSE;
  }
  *out = g_value_get_uint64 (&u);
  g_value_unset (&u);
  return TRUE;
}

static void
on_detection (GstTieredSink *self, const GstStructure *st)
{
  guint64 first, last, pre, post, start, end;
  gchar *text;
  Settings s;

  get_settings (self, &s);
  if (!get_frame_field (st, "first-frame", &first) ||
      !get_frame_field (st, "last-frame", &last)) {
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("meteor-detected event without first-frame/last-frame: ignored"),
        ("%" GST_PTR_FORMAT, st));
    return;
  }
  text = gst_structure_to_string (st);
  g_mutex_lock (&self->lock);
  self->c.detections++;
  pre = time_to_frames (self, s.pre_trigger);
  post = time_to_frames (self, s.post_trigger);
  if (last < first) {
    guint64 t = first;
    first = last;
    last = t;
  }
  start = first > pre ? first - pre : 0;
  end = last + post < last ? G_MAXUINT64 : last + post;
  GST_INFO_OBJECT (self,
      "meteor at frames %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
      ": clip %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT,
      first, last, start, end);
  clip_request (self, start, end, text);
  g_mutex_unlock (&self->lock);
  post_pending (self);
  g_free (text);
}

static void
finish_stream (GstTieredSink *self)
{
  Settings s;
  gchar err[512];

  get_settings (self, &s);
  /* the writer takes the lock to fetch frames: waited for without it */
  tier_clipper_finish (self->clipper);
  g_mutex_lock (&self->lock);
  if (self->cold && tier_cold_seal (self->cold, err, sizeof err) < 0) {
    self->c.write_errors++;
    queue_warning (self, GST_RESOURCE_ERROR_WRITE, "%s", err);
  }
  if (self->warm) {
    g_mutex_lock (&self->warm->lock);
    if (tier_warm_sync (self->warm->warm, err, sizeof err) < 0)
      queue_warning (self, GST_RESOURCE_ERROR_WRITE, "%s", err);
    g_mutex_unlock (&self->warm->lock);
  }
  g_mutex_unlock (&self->lock);
  post_pending (self);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), make_stats (self)));
}

static gboolean
gst_tiered_sink_event (GstBaseSink *sink, GstEvent *event)
{
  GstTieredSink *self = GST_TIERED_SINK (sink);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CUSTOM_DOWNSTREAM: {
      const GstStructure *st = gst_event_get_structure (event);

      if (st && gst_structure_has_name (st, "meteor-detected"))
        on_detection (self, st);
      break;
    }
    case GST_EVENT_EOS:
      finish_stream (self);
      break;
    default:
      break;
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (sink, event);
}

/* ------------------------------------------------------ action signals */

static GstSample *
make_sample (GstBuffer *buf, FormatRef *fmt, const gchar *tier, guint64 id)
{
  return gst_sample_new (buf, fmt->caps, NULL,
      gst_structure_new ("tieredsink-frame", "tier", G_TYPE_STRING, tier,
          "frame-id", G_TYPE_UINT64, id, NULL));
}

static void
free_tier_frame (gpointer data)
{
  TierFrame *f = data;

  tier_frame_clear (f);
  g_free (f);
}

/* Frame @id read back from warm or cold: a buffer over the tier's memory
 * (@data, released with @notify (@owner)) with its meta restored, hot
 * again (most recently used); returns the sample get-frame answers. */
static GstSample *
promote (GstTieredSink *self, gpointer data, gsize size, gpointer owner,
    GDestroyNotify notify, const guint8 *meta, guint32 meta_len, guint64 id,
    guint64 pts, FormatRef *fmt, Origin origin, const Settings *s)
{
  GstBuffer *buf = gst_buffer_new ();
  GstSample *sample;

  gst_buffer_append_memory (
      buf, gst_memory_new_wrapped (
               GST_MEMORY_FLAG_READONLY, data, size, 0, size, owner, notify));
  blob_apply (buf, meta, meta_len, id, pts, fmt);
  self->c.promotions++;
  sample = make_sample (buf, fmt, origin == ORIGIN_WARM ? "warm" : "cold", id);
  hot_insert (self, buf, id, fmt, origin, s);
  enforce_hot (self, s);
  return sample;
}

static GstSample *
gst_tiered_sink_get_frame (GstTieredSink *self, guint64 id)
{
  GstSample *sample = NULL;
  HotEntry *e;
  Settings s;
  gchar err[512];

  get_settings (self, &s);
  g_mutex_lock (&self->lock);
  if (!self->started)
    goto done;
  e = g_hash_table_lookup (self->hot_index, &id);
  if (e) {
    self->c.hot_hits++;
    /* most recently used now */
    g_queue_unlink (&self->hot, &e->link);
    g_queue_push_tail_link (&self->hot, &e->link);
    sample = make_sample (e->buf, e->fmt, "hot", id);
    goto done;
  }
  self->c.hot_misses++;

  if (self->warm) {
    WarmHolder *h = self->warm;
    TierWarmRef ref;
    WarmPin *pin = NULL;
    FormatRef *fmt = NULL;

    g_mutex_lock (&h->lock);
    if (tier_warm_lookup (h->warm, id, &ref) &&
        (pin = warm_pin (h, &ref)) != NULL)
      fmt = format_for (self, tier_warm_format (h->warm));
    g_mutex_unlock (&h->lock);
    if (pin) {
      self->c.warm_hits++;
      /* the slot itself, pinned until the memory is freed */
      sample = promote (self, (gpointer)ref.data, ref.size, pin, warm_unpin,
          ref.meta, ref.meta_len, id, ref.pts_ns, fmt, ORIGIN_WARM, &s);
      goto done;
    }
    self->c.warm_misses++;
  }

  if (self->cold && tier_cold_contains (self->cold, id)) {
    TierFrame *f = g_new0 (TierFrame, 1);

    if (tier_cold_get (self->cold, id, f, err, sizeof err) == 0) {
      self->c.cold_hits++;
      /* the frame read back, freed with the memory */
      sample = promote (self, f->data, f->size, f, free_tier_frame, f->meta,
          f->meta_len, id, f->pts_ns, format_for (self, f->format), ORIGIN_COLD,
          &s);
      goto done;
    }
    g_free (f);
    queue_warning (self, GST_RESOURCE_ERROR_READ,
        "frame %" G_GUINT64_FORMAT " in cold cannot be read: %s", id, err);
  }
  if (self->cold)
    self->c.cold_misses++;

done:
  g_mutex_unlock (&self->lock);
  post_pending (self);
  return sample;
}

static gboolean
gst_tiered_sink_save_clip (GstTieredSink *self, guint64 first, guint64 last)
{
  Settings s;
  gboolean ok = FALSE;

  get_settings (self, &s);
  g_mutex_lock (&self->lock);
  if (self->started)
    ok = clip_request (self, first, last, NULL);
  g_mutex_unlock (&self->lock);
  post_pending (self);
  return ok;
}

/* -------------------------------------------------------- properties */

static void
gst_tiered_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstTieredSink *self = GST_TIERED_SINK (object);
  Settings *s = &self->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_free (self->location);
      self->location = g_value_dup_string (value);
      break;
    case PROP_HOT_FRAMES:
      s->hot_frames = g_value_get_uint (value);
      break;
    case PROP_HOT_MAX_BYTES:
      s->hot_max_bytes = g_value_get_uint64 (value);
      break;
    case PROP_WARM_LOCATION:
      g_free (self->warm_location);
      self->warm_location = g_value_dup_string (value);
      break;
    case PROP_WARM_MAX_BYTES:
      s->warm_max_bytes = g_value_get_uint64 (value);
      break;
    case PROP_COLD_MAX_BYTES:
      s->cold_max_bytes = g_value_get_uint64 (value);
      break;
    case PROP_MAX_BYTES:
      s->max_bytes = g_value_get_uint64 (value);
      break;
    case PROP_MIN_FREE_BYTES:
      s->min_free_bytes = g_value_get_uint64 (value);
      break;
    case PROP_COLD_ALL:
      s->cold_all = g_value_get_boolean (value);
      break;
    case PROP_COMPRESSION_LEVEL:
      s->level = g_value_get_int (value);
      break;
    case PROP_PRE_TRIGGER:
      s->pre_trigger = g_value_get_uint64 (value);
      break;
    case PROP_POST_TRIGGER:
      s->post_trigger = g_value_get_uint64 (value);
      break;
    case PROP_MEMORY_LIMIT:
      s->memory_limit = g_value_get_uint64 (value);
      break;
    case PROP_PRESSURE_HIGH:
      s->pressure_high = g_value_get_double (value);
      break;
    case PROP_PRESSURE_LOW:
      s->pressure_low = g_value_get_double (value);
      break;
    case PROP_PRESSURE_INTERVAL:
      s->pressure_interval = g_value_get_uint64 (value);
      break;
    case PROP_MEMORY_ROOT:
      g_free (self->memory_root);
      self->memory_root = g_value_dup_string (value);
      break;
    case PROP_TEST_IO_FAULT:
      g_atomic_int_set (&self->io_fault, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_tiered_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstTieredSink *self = GST_TIERED_SINK (object);
  Settings *s = &self->settings;

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, make_stats (self));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_HOT_FRAMES:
      g_value_set_uint (value, s->hot_frames);
      break;
    case PROP_HOT_MAX_BYTES:
      g_value_set_uint64 (value, s->hot_max_bytes);
      break;
    case PROP_WARM_LOCATION:
      g_value_set_string (value, self->warm_location);
      break;
    case PROP_WARM_MAX_BYTES:
      g_value_set_uint64 (value, s->warm_max_bytes);
      break;
    case PROP_COLD_MAX_BYTES:
      g_value_set_uint64 (value, s->cold_max_bytes);
      break;
    case PROP_MAX_BYTES:
      g_value_set_uint64 (value, s->max_bytes);
      break;
    case PROP_MIN_FREE_BYTES:
      g_value_set_uint64 (value, s->min_free_bytes);
      break;
    case PROP_COLD_ALL:
      g_value_set_boolean (value, s->cold_all);
      break;
    case PROP_COMPRESSION_LEVEL:
      g_value_set_int (value, s->level);
      break;
    case PROP_PRE_TRIGGER:
      g_value_set_uint64 (value, s->pre_trigger);
      break;
    case PROP_POST_TRIGGER:
      g_value_set_uint64 (value, s->post_trigger);
      break;
    case PROP_MEMORY_LIMIT:
      g_value_set_uint64 (value, s->memory_limit);
      break;
    case PROP_PRESSURE_HIGH:
      g_value_set_double (value, s->pressure_high);
      break;
    case PROP_PRESSURE_LOW:
      g_value_set_double (value, s->pressure_low);
      break;
    case PROP_PRESSURE_INTERVAL:
      g_value_set_uint64 (value, s->pressure_interval);
      break;
    case PROP_MEMORY_ROOT:
      g_value_set_string (value, self->memory_root);
      break;
    case PROP_TEST_IO_FAULT:
      g_value_set_enum (value, g_atomic_int_get (&self->io_fault));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_tiered_sink_finalize (GObject *object)
{
  GstTieredSink *self = GST_TIERED_SINK (object);

  g_free (self->location);
  g_free (self->warm_location);
  g_free (self->memory_root);
  g_hash_table_unref (self->hot_index);
  g_ptr_array_free (self->pending, TRUE);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_tiered_sink_init (GstTieredSink *self)
{
  Settings *s = &self->settings;

  s->hot_frames = DEFAULT_HOT_FRAMES;
  s->hot_max_bytes = DEFAULT_HOT_MAX_BYTES;
  s->warm_max_bytes = DEFAULT_WARM_MAX_BYTES;
  s->cold_max_bytes = DEFAULT_COLD_MAX_BYTES;
  s->max_bytes = DEFAULT_MAX_BYTES;
  s->min_free_bytes = DEFAULT_MIN_FREE_BYTES;
  s->level = DEFAULT_COMPRESSION_LEVEL;
  s->pre_trigger = DEFAULT_PRE_TRIGGER;
  s->post_trigger = DEFAULT_POST_TRIGGER;
  s->pressure_high = DEFAULT_PRESSURE_HIGH;
  s->pressure_low = DEFAULT_PRESSURE_LOW;
  s->pressure_interval = DEFAULT_PRESSURE_INTERVAL;
  g_mutex_init (&self->lock);
  g_queue_init (&self->hot);
  self->hot_index = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->pending = g_ptr_array_new ();
  self->usage = -1;
  self->lock_fd = -1;
  /* a store, like filesink: frames are kept as they come, and the last one
   * is not held a second time */
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
  gst_base_sink_set_last_sample_enabled (GST_BASE_SINK (self), FALSE);
}

static void
gst_tiered_sink_class_init (GstTieredSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *sink_class = GST_BASE_SINK_CLASS (klass);
  const GParamFlags rw_ready =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;
  const GParamFlags rw_playing =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_tiered_sink_set_property;
  gobject_class->get_property = gst_tiered_sink_get_property;
  gobject_class->finalize = gst_tiered_sink_finalize;

  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "Directory of the stored frames: cold segments in <location>/cold, "
          "clips in <location>/clips (meteor-clip list <location>/clips); "
          "created if missing; locked (one tieredsink a store)",
          NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_HOT_FRAMES,
      g_param_spec_uint ("hot-frames", "Hot frames",
          "Frames held in memory by reference (no copy); also asked of the "
          "upstream pool as min-buffers",
          0, G_MAXINT, DEFAULT_HOT_FRAMES, rw_playing));
  g_object_class_install_property (gobject_class, PROP_HOT_MAX_BYTES,
      g_param_spec_uint64 ("hot-max-bytes", "Hot max bytes",
          "Bytes of frames held in memory at most (0: no byte limit)", 0,
          G_MAXUINT64, DEFAULT_HOT_MAX_BYTES, rw_playing));
  g_object_class_install_property (gobject_class, PROP_WARM_LOCATION,
      g_param_spec_string ("warm-location", "Warm location",
          "A file for the warm ring, for frames that survive a restart (unset: "
          "the ring lives in memory and nothing is written to disk). Every "
          "frame leaving hot is written to it: frame bytes x fps x 3600 an "
          "hour (1280x720 GRAY8 at 25 fps: 83 GB), so keep it off an SD card",
          NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_WARM_MAX_BYTES,
      g_param_spec_uint64 ("warm-max-bytes", "Warm max bytes",
          "Size of the warm ring (memory, or its file), which holds as many "
          "frames as fit; "
          "0: no warm tier (frames leaving hot are gone unless cold needs "
          "them)",
          0, G_MAXUINT64, DEFAULT_WARM_MAX_BYTES, rw_ready));
  g_object_class_install_property (gobject_class, PROP_COLD_MAX_BYTES,
      g_param_spec_uint64 ("cold-max-bytes", "Cold max bytes",
          "Disk quota of the cold segments: the oldest are deleted to make "
          "room (counted; a warning the first time); 0: no quota of their "
          "own (max-bytes and min-free-bytes still hold)",
          0, G_MAXUINT64, DEFAULT_COLD_MAX_BYTES, rw_ready));
  g_object_class_install_property (gobject_class, PROP_MAX_BYTES,
      g_param_spec_uint64 ("max-bytes", "Max bytes",
          "Quota over everything written to the store (cold segments, "
          "clips, a warm ring file): past it the oldest cold segments go "
          "first, then the oldest clips (with a warning); 0: none",
          0, G_MAXUINT64, DEFAULT_MAX_BYTES, rw_playing));
  g_object_class_install_property (gobject_class, PROP_MIN_FREE_BYTES,
      g_param_spec_uint64 ("min-free-bytes", "Min free bytes",
          "Free space kept on the store's filesystem: below it the oldest "
          "cold segments go first, then the oldest clips (with a warning). "
          "The stream never stops for a full disk",
          0, G_MAXUINT64, DEFAULT_MIN_FREE_BYTES, rw_playing));
  g_object_class_install_property (gobject_class, PROP_COLD_ALL,
      g_param_spec_boolean ("cold-all", "Cold all",
          "Also record every frame leaving hot to cold (under the quota); by "
          "default cold gets only what clips and memory pressure need",
          FALSE, rw_playing));
  g_object_class_install_property (gobject_class, PROP_COMPRESSION_LEVEL,
      g_param_spec_int ("compression-level", "Compression level",
          "zstd level of cold segments and clips (negative: faster; 0: zstd's "
          "default of 3)",
          -7, 19, DEFAULT_COMPRESSION_LEVEL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_PRE_TRIGGER,
      g_param_spec_uint64 ("pre-trigger", "Pre-trigger",
          "Time before a detection's first frame a clip starts (ns)", 0,
          G_MAXUINT64, DEFAULT_PRE_TRIGGER, rw_playing));
  g_object_class_install_property (gobject_class, PROP_POST_TRIGGER,
      g_param_spec_uint64 ("post-trigger", "Post-trigger",
          "Time after a detection's last frame a clip ends (ns)", 0,
          G_MAXUINT64, DEFAULT_POST_TRIGGER, rw_playing));
  g_object_class_install_property (gobject_class, PROP_MEMORY_LIMIT,
      g_param_spec_uint64 ("memory-limit", "Memory limit",
          "Bytes the memory in use is compared with (0: the cgroup's "
          "memory.max, else MemTotal)",
          0, G_MAXUINT64, 0, rw_playing));
  g_object_class_install_property (gobject_class, PROP_PRESSURE_HIGH,
      g_param_spec_double ("pressure-high", "Pressure high",
          "Fraction of memory-limit in use above which hot is evicted "
          "straight to cold and the warm ring's pages are dropped",
          0.0, 10.0, DEFAULT_PRESSURE_HIGH, rw_playing));
  g_object_class_install_property (gobject_class, PROP_PRESSURE_LOW,
      g_param_spec_double ("pressure-low", "Pressure low",
          "Fraction of memory-limit in use above which hot keeps half its "
          "frames",
          0.0, 10.0, DEFAULT_PRESSURE_LOW, rw_playing));
  g_object_class_install_property (gobject_class, PROP_PRESSURE_INTERVAL,
      g_param_spec_uint64 ("pressure-interval", "Pressure interval",
          "How often memory use is read, at most (ns; 0: every frame)", 0,
          G_MAXUINT64, DEFAULT_PRESSURE_INTERVAL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_MEMORY_ROOT,
      g_param_spec_string ("memory-root", "Memory root",
          "For testing: directory standing for / when reading "
          "proc/self/cgroup, sys/fs/cgroup/..., proc/meminfo and "
          "proc/pressure/memory (unset: the environment variable "
          "METEOR_MEMORY_ROOT, else /)",
          NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_TEST_IO_FAULT,
      g_param_spec_enum ("test-io-fault", "Test I/O fault",
          "For testing: make the element's file writes fail as if the disk "
          "were full or broken",
          GST_TYPE_TIERED_SINK_IO_FAULT, GST_TIERED_SINK_IO_FAULT_NONE,
          rw_playing));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Counters since start (a tieredsink-stats structure, also posted "
          "at EOS): frames and bytes held per tier (hot-, warm-, cold-frames "
          "/ -bytes), hits and misses of get-frame per tier, promotions, "
          "hot-evictions, pressure-evictions, pressure-to-cold, "
          "warm-evictions (aged out of the ring), cold-evictions (deleted by "
          "the quota), dropped (frames kept by no tier), copies and "
          "bytes-written (warm, cold, clips), compression-ratio, clips-saved, "
          "clip-frames, clip-bytes, clip-missing-frames, write-errors, "
          "pressure-level, memory-usage",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstTieredSink::get-frame:
   * @sink: the tieredsink
   * @frame_id: the frame
   *
   * Returns: (transfer full) (nullable): the frame from the first tier that
   * holds it, promoted to hot; %NULL if none does.
   */
  signals[SIGNAL_GET_FRAME] = g_signal_new_class_handler ("get-frame",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_tiered_sink_get_frame), NULL, NULL, NULL, GST_TYPE_SAMPLE,
      1, G_TYPE_UINT64);
  /**
   * GstTieredSink::save-clip:
   * @sink: the tieredsink
   * @first: first frame id
   * @last: last frame id
   *
   * Writes a clip of frames @first to @last once @last has arrived
   * (merged with overlapping clips).
   *
   * Returns: %TRUE if the clip was accepted.
   */
  signals[SIGNAL_SAVE_CLIP] = g_signal_new_class_handler ("save-clip",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_tiered_sink_save_clip), NULL, NULL, NULL, G_TYPE_BOOLEAN,
      2, G_TYPE_UINT64, G_TYPE_UINT64);

  sink_class->start = gst_tiered_sink_start;
  sink_class->stop = gst_tiered_sink_stop;
  sink_class->set_caps = gst_tiered_sink_set_caps;
  sink_class->propose_allocation = gst_tiered_sink_propose_allocation;
  sink_class->render = gst_tiered_sink_render;
  sink_class->event = gst_tiered_sink_event;

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class, "Tiered frame store",
      "Sink/Video",
      "Keeps frames hot (held buffers), warm (mmap'd ring file) and cold "
      "(zstd segments under a quota); writes event clips around meteors",
      "gst-meteor developers");

  gst_type_mark_as_plugin_api (GST_TYPE_TIERED_SINK_IO_FAULT, 0);
  GST_DEBUG_CATEGORY_INIT (
      tieredsink_debug, "tieredsink", 0, "gst-meteor tiered frame store");
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  return GST_ELEMENT_REGISTER (tieredsink, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, tieredsink,
    "Hot/warm/cold frame storage and event clips", plugin_init, VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
