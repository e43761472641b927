/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tieredsink: the store (its lock, cold segment size, the
 * warm ring's backing), one quota over it, the clips (the writer thread's
 * fetch from the tiers, its reports), detections, stats. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gsttieredsink-priv.h"
#include <gst/meteor/meteorstatsfields.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* ------------------------------------------------------------ store */

/* Cold segments small enough that a small disk holds many: the oldest
 * goes whole to make room. A 16th of the filesystem, 1 to 64 MiB. */
guint64
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
gboolean
lock_store (GstTieredSink *self, const gchar *location)
{
  gchar *path = g_build_filename (location, TIER_STORE_LOCK, NULL), err[1024];
  gchar pid[32];
  gint fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

  if (fd < 0 || tier_lock_fd (fd, path, err, sizeof err) < 0) {
    if (fd < 0)
      g_snprintf (
          err, sizeof err, "cannot open %s: %s", path, g_strerror (errno));
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

void
unlock_store (GstTieredSink *self)
{
  if (self->lock_fd >= 0)
    close (self->lock_fd);
  self->lock_fd = -1;
}

/* ------------------------------------------------------- detections */

void
on_detection (GstTieredSink *self, const GstStructure *st)
{
  GstMeteorDetection d;
  TierWindow w;
  gchar *text;
  Settings s;

  get_settings (self, &s);
  if (!gst_meteor_detection_parse (st, &d)) {
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("meteor-detected event without first-frame/last-frame: ignored"),
        ("%" GST_PTR_FORMAT, st));
    return;
  }
  text = gst_structure_to_string (st);
  g_mutex_lock (&self->lock);
  self->c.detections++;
  w = tier_policy_clip_window (d.first_frame, d.last_frame,
      time_to_frames (self, s.pre_trigger),
      time_to_frames (self, s.post_trigger));
  GST_INFO_OBJECT (self,
      "meteor at frames %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
      ": clip %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT,
      d.first_frame, d.last_frame, w.first, w.last);
  clip_request (self, w.first, w.last, text);
  g_mutex_unlock (&self->lock);
  post_pending (self);
  g_free (text);
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
  GST_INFO_OBJECT (self,
      "deleted clip %s (%" G_GUINT64_FORMAT " bytes) to "
      "make room",
      path, bytes);
  self->clip_bytes -= MIN (bytes, self->clip_bytes);
  self->c.room_deleted_clips++;
  self->c.room_deleted_bytes += bytes;
  g_free (path);
  return TRUE;
}

/* Whether a clip still to be written needs a frame of the oldest cold
 * segment. Locked. */
static gboolean
clip_needs_oldest (GstTieredSink *self)
{
  guint64 first, last;

  return tier_cold_oldest_frames (self->cold, &first, &last) &&
         tier_clipper_wants_any (self->clipper, first, last);
}

/* One quota over everything the store holds, and free space kept on its
 * disk: raw cold frames go first, then the oldest clips. Checked every
 * ROOM_INTERVAL_US and every quarter of min-free-bytes cold takes (so the
 * stream never eats the room kept for clips between two checks), or at
 * once with @force (after a write error). TRUE if the store is within its
 * limits now. Locked. */
gboolean
keep_room (GstTieredSink *self, const Settings *s, gboolean force)
{
  gint64 now = g_get_monotonic_time ();
  TierColdStats cs = { 0 };
  gchar err[512];

  if (!self->started)
    return TRUE;
  if (self->cold)
    tier_cold_get_stats (self->cold, &cs);
  if (!force &&
      !tier_policy_room_due (now, self->room_checked_us, ROOM_INTERVAL_US,
          cs.appended_bytes, self->room_checked_appended, s->min_free_bytes))
    return TRUE;
  self->room_checked_us = now;
  self->room_checked_appended = cs.appended_bytes;
  for (;;) {
    TierRoom room = { .used = store_bytes (self),
      .max_bytes = s->max_bytes,
      .min_free_bytes = s->min_free_bytes };
    TierRoomAction action;
    guint64 short_by;

    room.have_free = tier_fs_free (self->store_dir, &room.free_bytes) == 0;
    if (self->cold) {
      room.oldest_cold = tier_cold_oldest_bytes (self->cold);
      if (room.oldest_cold == 0 &&
          tier_policy_room (&room, &short_by) != TIER_ROOM_OK) {
        /* only the open segment: it can go */
        tier_cold_seal (self->cold, err, sizeof err);
        room.oldest_cold = tier_cold_oldest_bytes (self->cold);
      }
    }
    action = tier_policy_room (&room, &short_by);
    /* (asked only when it matters: it looks through the pending clips) */
    if (action == TIER_ROOM_DROP_COLD && clip_needs_oldest (self)) {
      room.oldest_cold_needed = TRUE;
      action = tier_policy_room (&room, &short_by);
    }
    switch (action) {
      case TIER_ROOM_OK:
        self->room_warned = self->cold_yields = FALSE;
        return TRUE;
      case TIER_ROOM_YIELD:
        /* a clip not yet written needs those frames: they stay, and cold
         * takes no more frames (but a clip's) until the writer has them */
        if (!self->cold_yields)
          GST_INFO_OBJECT (self,
              "store %s short by %" G_GUINT64_FORMAT
              " bytes: cold yields the room to a clip being written",
              self->store_dir, short_by);
        self->cold_yields = TRUE;
        return FALSE;
      case TIER_ROOM_DROP_COLD:
        if (tier_cold_drop_oldest (self->cold, err, sizeof err) == 0) {
          self->c.room_deleted_segments++;
          self->c.room_deleted_bytes += room.oldest_cold;
          continue;
        }
        break; /* it cannot go: a clip, then */
      case TIER_ROOM_DELETE_CLIP:
        break;
    }
    if (!delete_oldest_clip (self, short_by)) {
      if (!self->room_warned)
        queue_warning (self, GST_RESOURCE_ERROR_NO_SPACE_LEFT,
            "store %s is full (%" G_GUINT64_FORMAT " bytes short of its "
            "quota or free space) and has nothing left to delete: frames "
            "and clips that cannot be written are counted",
            self->store_dir, short_by);
      self->room_warned = TRUE;
      return FALSE;
    }
  }
}

/* A routine note of the cold store (a quota deletion): a warning the
 * first time, then only counted. */
void
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
  TierHold hold;
  GstMapInfo map; /* of a hot frame's buffer */
  guint8 blob[TIER_META_MAX];
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

/* The clip writer's fetch: frame @id from the first tier that holds it,
 * with no copy from hot and warm (a buffer reference, a pinned slot) and
 * from cold the record as stored. Writer thread. */
int
clip_fetch (void *user_data, uint64_t id, TierClipSource *src)
{
  GstTieredSink *self = user_data;
  ClipHold *c = g_new0 (ClipHold, 1);
  TierHold *h = &c->hold;

  g_mutex_lock (&self->lock);
  layout_of (self, src);
  if (!tiers_hold (self, id, TIER_HOLD_RECORD, h)) {
    g_mutex_unlock (&self->lock);
    g_free (c);
    return 0;
  }
  /* a buffer of several memories is merged by the map: a copy */
  if (h->buf && gst_buffer_n_memory (h->buf) > 1)
    self->c.merge_copies++;
  g_mutex_unlock (&self->lock);
  src->format = h->fmt->str;
  src->handle = c;
  if (h->from == ORIGIN_WARM) {
    src->rec = (TierRecord){ id, h->ref.pts_ns, h->ref.utc_ns, h->ref.meta,
      h->ref.meta_len, h->ref.data, h->ref.size };
  } else if (h->from == ORIGIN_COLD) {
    const TierRecHeader *rh = &h->record.header;

    src->rec = (TierRecord){ id, rh->pts_ns, rh->utc_ns,
      h->record.record + TIER_REC_HEADER, rh->meta_len, NULL, rh->raw_len };
    src->record = h->record.record;
    src->record_len = h->record.len;
  } else if (gst_buffer_map (h->buf, &c->map, GST_MAP_READ)) {
    GstMeteorFrameMeta *meta = gst_buffer_get_meteor_frame_meta (h->buf);

    src->rec = (TierRecord){ id, GST_BUFFER_PTS (h->buf),
      meta ? meta->capture_time_utc : TIER_TIME_NONE, c->blob,
      blob_encode (h->buf, id, c->blob), c->map.data, c->map.size };
  } else {
    tier_hold_release (h);
    g_free (c);
    return 0;
  }
  return 1;
}

void
clip_release (void *user_data, TierClipSource *src)
{
  ClipHold *c = src->handle;

  if (c->hold.from == ORIGIN_STREAM)
    gst_buffer_unmap (c->hold.buf, &c->map);
  tier_hold_release (&c->hold);
  g_free (c);
}

/* A clip committed or given up: its message. Writer thread. */
void
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

/* The clip writer hit a write error: room now, if deleting can make it
 * (or the stream made it meanwhile); whether trying again makes sense. */
int
clip_make_room (void *user_data)
{
  GstTieredSink *self = user_data;
  guint64 before;
  Settings s;
  gboolean within, freed;

  get_settings (self, &s);
  g_mutex_lock (&self->lock);
  before = self->c.room_deleted_bytes;
  within = keep_room (self, &s, TRUE);
  freed = self->c.room_deleted_bytes > before;
  g_mutex_unlock (&self->lock);
  post_pending (self);
  return freed || within;
}

/* Asks the clip writer for frames @start..@end. */
gboolean
clip_request (
    GstTieredSink *self, guint64 start, guint64 end, const gchar *detection)
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

GstStructure *
make_stats (GstTieredSink *self)
{
  TierClipperStats ks = { 0 };
  GstStructure *st;
  Settings s;

  get_settings (self, &s);
  g_mutex_lock (&self->lock);
  if (self->clipper)
    tier_clipper_get_stats (self->clipper, &ks);
  st = gst_structure_new (GST_METEOR_STATS_TIERED, GST_METEOR_STATS_FRAMES,
      G_TYPE_UINT64, self->c.frames, "bytes-in", G_TYPE_UINT64,
      self->c.bytes_in, GST_METEOR_STATS_PROMOTIONS, G_TYPE_UINT64,
      self->c.promotions, "pressure-to-cold", G_TYPE_UINT64,
      self->c.pressure_to_cold, GST_METEOR_STATS_DROPPED, G_TYPE_UINT64,
      self->c.dropped, "copies", G_TYPE_UINT64,
      self->c.warm_copies + self->c.cold_writes + ks.frames +
          self->c.merge_copies,
      "merge-copies", G_TYPE_UINT64, self->c.merge_copies, "bytes-written",
      G_TYPE_UINT64,
      self->c.warm_bytes_written + self->c.cold_bytes_written +
          ks.bytes_written,
      "clips-saved", G_TYPE_UINT64, ks.clips, "clips-continued", G_TYPE_UINT64,
      ks.continuations, "clip-frames", G_TYPE_UINT64, ks.frames, "clip-bytes",
      G_TYPE_UINT64, ks.bytes_written, "clip-raw-bytes", G_TYPE_UINT64,
      ks.raw_bytes, "clip-missing-frames", G_TYPE_UINT64, ks.missing,
      "clip-records-copied", G_TYPE_UINT64, ks.records_copied, "clip-failures",
      G_TYPE_UINT64, ks.failures, "clip-writer-max-lag", G_TYPE_UINT64,
      ks.max_lag, "clips-pending", G_TYPE_UINT, (guint)ks.pending,
      GST_METEOR_STATS_DETECTIONS, G_TYPE_UINT64, self->c.detections,
      "write-errors", G_TYPE_UINT64, self->c.write_errors + ks.write_errors,
      GST_METEOR_STATS_PRESSURE_LEVEL, G_TYPE_STRING,
      tier_level_name (self->level), GST_METEOR_STATS_MEMORY_USAGE,
      G_TYPE_DOUBLE, self->usage, GST_METEOR_STATS_PRESSURE_HIGH, G_TYPE_DOUBLE,
      s.pressure_high, GST_METEOR_STATS_PRESSURE_LOW, G_TYPE_DOUBLE,
      s.pressure_low, "pressure-changes", G_TYPE_UINT64,
      self->c.pressure_changes, "store-bytes", G_TYPE_UINT64,
      self->started ? store_bytes (self) : 0, "room-deleted-segments",
      G_TYPE_UINT64, self->c.room_deleted_segments, "room-deleted-clips",
      G_TYPE_UINT64, self->c.room_deleted_clips, "room-deleted-bytes",
      G_TYPE_UINT64, self->c.room_deleted_bytes, NULL);
  /* and each tier's own */
  tiers_add_stats (self, &s, st);
  g_mutex_unlock (&self->lock);
  return st;
}
