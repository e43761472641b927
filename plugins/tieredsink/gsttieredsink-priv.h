/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tieredsink's private parts, shared by the files of the
 * element: gsttieredsink.c (the GstBaseSink glue), tieredframes.c,
 * tieredtiers.c, tieredclips.c. */
#ifndef __GST_TIERED_SINK_PRIV_H__
#define __GST_TIERED_SINK_PRIV_H__

#include "gsttieredsink.h"
#include "clipper.h"
#include "coldstore.h"
#include "memwatch.h"
#include "storespace.h"
#include "tierpolicy.h"
#include "warmring.h"

#include <gst/meteor/meteor.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>

GST_DEBUG_CATEGORY_EXTERN (tieredsink_debug);
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

/* where a frame in hot came from; the tiers, in lookup order */
typedef enum { ORIGIN_STREAM, ORIGIN_WARM, ORIGIN_COLD, N_TIERS } Origin;

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
  guint64 hits[N_TIERS], misses[N_TIERS]; /* lookups, by tier */
  guint64 promotions, hot_evictions, pressure_evictions, pressure_to_cold;
  guint64 dropped, merge_copies;
  guint64 warm_copies, warm_bytes_written, warm_put_failures;
  guint64 cold_writes, cold_bytes_written;
  guint64 detections;
  guint64 write_errors, pressure_changes;
  guint64 room_deleted_segments, room_deleted_clips, room_deleted_bytes;
  guint64 cold_yielded_frames; /* not written: a clip needed the room */
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
  TierLevel level;
  gdouble usage;
  gint64 checked_at_us;
  gboolean write_failing, warm_failing, retention_warned;
  gboolean warm_off;  /* its file was cut under it: never touched again */
  gint lock_fd;       /* the store's lock file, held while started */
  gchar *store_dir;   /* location, while started */
  guint64 clip_bytes; /* on disk under clips, kept up to date */
  gint64 room_checked_us;
  guint64 room_checked_appended; /* cold's appended-bytes then */
  gboolean room_warned, cold_quota_noted;
  gboolean cold_yields;   /* short of room, the oldest cold frames a clip's */
  gint64 clips_warned_us; /* when deleting clips for room was last said */
  /* the pool upstream frames come from (compared, never dereferenced
   * after the frame that told it) and its max-buffers */
  gpointer seen_pool;
  guint pool_max;
  Counters c;
  GPtrArray *pending; /* GstMessage to post once the lock is released */
};

G_GNUC_INTERNAL void queue_message (GstTieredSink *self, GstMessage *msg);
G_GNUC_INTERNAL void queue_warning (
    GstTieredSink *self, gint code, const gchar *fmt, ...) G_GNUC_PRINTF (3, 4);
G_GNUC_INTERNAL void post_pending (GstTieredSink *self);
G_GNUC_INTERNAL void store_warning (void *user_data, const char *message);
G_GNUC_INTERNAL ssize_t io_write (
    int fd, const void *buf, size_t len, void *user_data);
G_GNUC_INTERNAL int io_fsync (int fd, void *user_data);
G_GNUC_INTERNAL int io_fallocate (int fd, off_t len, void *user_data);
G_GNUC_INTERNAL FormatRef *format_new (GstCaps *caps, const gchar *str);
G_GNUC_INTERNAL FormatRef *format_ref (FormatRef *f);
G_GNUC_INTERNAL void format_unref (FormatRef *f);
G_GNUC_INTERNAL FormatRef *format_for (GstTieredSink *self, const gchar *str);
G_GNUC_INTERNAL guint32 blob_encode (
    GstBuffer *buf, guint64 frame_id, guint8 *p);
G_GNUC_INTERNAL void blob_apply (GstBuffer *buf, const guint8 *meta,
    guint32 meta_len, guint64 frame_id, guint64 pts, const FormatRef *fmt);
G_GNUC_INTERNAL WarmHolder *warm_holder_new (TierWarm *warm);
G_GNUC_INTERNAL void warm_holder_unref (WarmHolder *h);
G_GNUC_INTERNAL WarmPin *warm_pin (WarmHolder *h, const TierWarmRef *ref);
G_GNUC_INTERNAL void warm_unpin (gpointer data);
G_GNUC_INTERNAL void get_settings (GstTieredSink *self, Settings *s);
G_GNUC_INTERNAL guint64 time_to_frames (GstTieredSink *self, GstClockTime t);
G_GNUC_INTERNAL void hot_entry_free (HotEntry *e);
G_GNUC_INTERNAL void hot_remove (GstTieredSink *self, HotEntry *e);
G_GNUC_INTERNAL void hot_insert (GstTieredSink *self, GstBuffer *buf,
    guint64 frame_id, FormatRef *fmt, Origin origin, const Settings *s);
G_GNUC_INTERNAL guint hot_limit (GstTieredSink *self, const Settings *s);
G_GNUC_INTERNAL void enforce_hot (GstTieredSink *self, const Settings *s);
G_GNUC_INTERNAL void check_pressure (GstTieredSink *self, const Settings *s);
G_GNUC_INTERNAL guint64 segment_bytes_for (const gchar *location);
/* tieredstart.c: the GstBaseSink start, stop, set_caps and
 * propose_allocation of the element */
G_GNUC_INTERNAL gboolean tiered_sink_start (GstBaseSink *sink);
G_GNUC_INTERNAL gboolean tiered_sink_stop (GstBaseSink *sink);
G_GNUC_INTERNAL gboolean tiered_sink_set_caps (
    GstBaseSink *sink, GstCaps *caps);
G_GNUC_INTERNAL gboolean tiered_sink_propose_allocation (
    GstBaseSink *sink, GstQuery *query);
G_GNUC_INTERNAL gboolean lock_store (
    GstTieredSink *self, const gchar *location);
G_GNUC_INTERNAL void unlock_store (GstTieredSink *self);
G_GNUC_INTERNAL void on_detection (GstTieredSink *self, const GstStructure *st);
G_GNUC_INTERNAL gboolean keep_room (
    GstTieredSink *self, const Settings *s, gboolean force);
G_GNUC_INTERNAL void cold_note (void *user_data, const char *message);
G_GNUC_INTERNAL int clip_fetch (
    void *user_data, uint64_t id, TierClipSource *src);
G_GNUC_INTERNAL void clip_release (void *user_data, TierClipSource *src);
G_GNUC_INTERNAL void clip_done (void *user_data, const TierClipReport *r);
G_GNUC_INTERNAL int clip_make_room (void *user_data);
G_GNUC_INTERNAL gboolean clip_request (
    GstTieredSink *self, guint64 start, guint64 end, const gchar *detection);
G_GNUC_INTERNAL GstStructure *make_stats (GstTieredSink *self);
/* A frame one tier holds for a reader: its bytes stay valid until
 * tier_hold_release (a buffer reference from hot, a pinned slot from warm,
 * a frame or record read back from cold). */
typedef struct {
  Origin from;
  const gchar *tier; /* its name */
  guint64 id;
  FormatRef *fmt;
  GstBuffer *buf; /* hot */
  WarmPin *pin;   /* warm: the slot of @ref */
  TierWarmRef ref;
  TierFrame *frame;      /* cold, decoded */
  TierColdRecord record; /* cold, as stored (TIER_HOLD_RECORD) */
} TierHold;

#define TIER_HOLD_TOUCH 1u  /* a hot frame becomes the most recently used */
#define TIER_HOLD_COUNT 2u  /* count hits and misses per tier */
#define TIER_HOLD_RECORD 4u /* from cold, the record as stored */

/* Frame @id from the first tier that has it (hot, warm, cold). Locked. */
G_GNUC_INTERNAL gboolean tiers_hold (
    GstTieredSink *self, guint64 id, guint flags, TierHold *h);
G_GNUC_INTERNAL void tier_hold_release (TierHold *h);

/* One tier of the element: a new tier (or another cold format) is a file
 * with one of these and a line in tieredtiers.c's table. Each function is
 * called with the element's lock. */
typedef struct {
  Origin origin;
  const gchar *name; /* of the tier, and of its stats fields */
  /* whether the element has the tier (misses count only then) */
  gboolean (*present) (GstTieredSink *self);
  /* holds frame @id for a reader: TRUE and @h filled if the tier has it;
   * what it holds stays valid (pinned, referenced) until
   * tier_hold_release */
  gboolean (*hold) (GstTieredSink *self, guint64 id, guint flags, TierHold *h);
  /* stores a frame leaving hot; FALSE if it could not (said and counted) */
  gboolean (*put) (
      GstTieredSink *self, const TierRecord *rec, const FormatRef *fmt);
  /* adds the tier's fields to the stats */
  void (*add_stats) (GstTieredSink *self, const Settings *s, GstStructure *st);
} TierBackend;

G_GNUC_INTERNAL extern const TierBackend tiered_hot, tiered_warm, tiered_cold;
G_GNUC_INTERNAL void tiers_add_stats (
    GstTieredSink *self, const Settings *s, GstStructure *st);
G_GNUC_INTERNAL GstSample *gst_tiered_sink_get_frame (
    GstTieredSink *self, guint64 id);
G_GNUC_INTERNAL gboolean gst_tiered_sink_save_clip (
    GstTieredSink *self, guint64 first, guint64 last);

#endif /* __GST_TIERED_SINK_PRIV_H__ */
