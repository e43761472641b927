/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tieredsink's start and stop (the store locked, its tiers
 * opened and recovered; all closed again), caps, and the allocation it
 * proposes. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gsttieredsink-priv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

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

gboolean
tiered_sink_start (GstBaseSink *sink)
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
  self->warm_path =
      warm_location && *warm_location ? g_strdup (warm_location) : NULL;
  self->mem_root = g_strdup (root);
  memset (&self->c, 0, sizeof self->c);
  self->level = TIER_LEVEL_NORMAL;
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
  self->room_checked_appended = 0;
  self->cold_yields = FALSE;
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

gboolean
tiered_sink_stop (GstBaseSink *sink)
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

gboolean
tiered_sink_set_caps (GstBaseSink *sink, GstCaps *caps)
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

gboolean
tiered_sink_propose_allocation (GstBaseSink *sink, GstQuery *query)
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
