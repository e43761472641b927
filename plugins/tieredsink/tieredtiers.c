/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tieredsink: the hot tier (held buffers), what happens to a
 * frame leaving it (warm, cold or gone), memory pressure, and get-frame
 * (a lookup through the tiers, promoting what it finds). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gsttieredsink-priv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

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

/* A frame from upstream leaves hot: to warm (or, when a clip needs it and
 * warm cannot keep it, or under high pressure, or with cold-all, to cold),
 * else it is gone. Called with the lock. */
static void
store_leaving (GstTieredSink *self, HotEntry *e, const Settings *s)
{
  TierLeaving f = {
    .has_warm = self->warm != NULL,
    .has_cold = self->cold != NULL,
    .level = self->level,
    .cold_all = s->cold_all,
    .needed = tier_clipper_wants (self->clipper, e->frame_id),
    .have_newest = self->have_newest,
    .frame_id = e->frame_id,
    .newest = self->newest_id,
    .window = time_to_frames (self, s->pre_trigger + s->post_trigger),
    .cold_yields = self->cold_yields,
  };
  gboolean in_warm = FALSE, kept = FALSE;
  MappedFrame m;

  if (!map_frame (self, e, &m)) {
    self->c.dropped++;
    return;
  }
  if (tier_policy_to_warm (&f))
    kept = in_warm = tiered_warm.put (self, &m.rec, e->fmt);
  switch (tier_policy_to_cold (&f, in_warm)) {
    case TIER_COLD_YIELD:
      self->c.cold_yielded_frames++;
      break;
    case TIER_COLD_WRITE:
      if (tiered_cold.put (self, &m.rec, e->fmt)) {
        kept = TRUE;
        if (f.level == TIER_LEVEL_HIGH && !s->cold_all)
          self->c.pressure_to_cold++;
      }
      break;
    case TIER_COLD_SKIP:
      break;
  }
  if (!kept)
    self->c.dropped++;
  unmap_frame (&m);
}

void
hot_entry_free (HotEntry *e)
{
  gst_buffer_unref (e->buf);
  format_unref (e->fmt);
  g_free (e);
}

void
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

void
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

/* What hot may hold at @level (tierpolicy.h). */
static TierHotLimit
hot_limit_at (GstTieredSink *self, const Settings *s, TierLevel level)
{
  return tier_policy_hot_limit (
      s->hot_frames, s->hot_max_bytes, self->pool_max, level);
}

guint
hot_limit (GstTieredSink *self, const Settings *s)
{
  return hot_limit_at (self, s, TIER_LEVEL_NORMAL).frames;
}

/* Evicts the least recently used frames until hot is within its limits
 * at the pressure level; those over the normal limits count as hot
 * evictions, the rest as pressure's. */
void
enforce_hot (GstTieredSink *self, const Settings *s)
{
  TierHotLimit now = hot_limit_at (self, s, self->level);
  TierHotLimit normal = hot_limit_at (self, s, TIER_LEVEL_NORMAL);

  while (
      self->hot.length > 0 && (self->hot.length > now.frames ||
                                  (now.bytes && self->hot_bytes > now.bytes))) {
    HotEntry *e = self->hot.head->data;

    if (self->hot.length > normal.frames ||
        (normal.bytes && self->hot_bytes > normal.bytes))
      self->c.hot_evictions++;
    else
      self->c.pressure_evictions++;
    evict (self, e, s);
  }
}

/* ------------------------------------------------------- pressure */

void
check_pressure (GstTieredSink *self, const Settings *s)
{
  gint64 now = g_get_monotonic_time ();
  TierMemInfo info;
  TierLevel level;
  gdouble usage;

  if (self->checked_at_us &&
      now - self->checked_at_us < (gint64)(s->pressure_interval / 1000))
    return;
  self->checked_at_us = now;
  tier_mem_read (self->mem_root, &info);
  usage = tier_mem_usage (&info, s->memory_limit);
  self->usage = usage;
  level = tier_policy_level (usage, s->pressure_low, s->pressure_high);
  if (level == self->level)
    return;

  GST_INFO_OBJECT (self, "memory pressure %s -> %s (%.3f of the limit)",
      tier_level_name (self->level), tier_level_name (level), usage);
  self->level = level;
  self->c.pressure_changes++;
  enforce_hot (self, s);
  if (level == TIER_LEVEL_HIGH && self->warm) {
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
                tier_level_name (level), "usage", G_TYPE_DOUBLE, usage, "limit",
                G_TYPE_UINT64, limit, "in-use", G_TYPE_INT64, in_use,
                "psi-some-avg10", G_TYPE_DOUBLE, info.psi_some_avg10,
                "hot-frames", G_TYPE_UINT, self->hot.length, NULL)));
  }
}

/* ------------------------------------------------- the tiers, lookups */

static gboolean
hot_hold (GstTieredSink *self, guint64 id, guint flags, TierHold *h)
{
  HotEntry *e = g_hash_table_lookup (self->hot_index, &id);

  if (e == NULL)
    return FALSE;
  if (flags & TIER_HOLD_TOUCH) { /* most recently used now */
    g_queue_unlink (&self->hot, &e->link);
    g_queue_push_tail_link (&self->hot, &e->link);
  }
  h->buf = gst_buffer_ref (e->buf);
  h->fmt = format_ref (e->fmt);
  return TRUE;
}

static gboolean
hot_present (GstTieredSink *self)
{
  return TRUE;
}

/* Called with the lock. */
static void
hot_add_stats (GstTieredSink *self, const Settings *s, GstStructure *st)
{
  gst_structure_set (st, "hot-frames", G_TYPE_UINT64, (guint64)self->hot.length,
      "hot-limit", G_TYPE_UINT, hot_limit (self, s), "hot-bytes", G_TYPE_UINT64,
      self->hot_bytes, "hot-hits", G_TYPE_UINT64, self->c.hits[ORIGIN_STREAM],
      "hot-misses", G_TYPE_UINT64, self->c.misses[ORIGIN_STREAM],
      "hot-evictions", G_TYPE_UINT64, self->c.hot_evictions,
      "pressure-evictions", G_TYPE_UINT64, self->c.pressure_evictions, NULL);
}

/* hot holds the upstream buffers themselves (references, no copy): frames
 * come into it from the stream, never by put */
const TierBackend tiered_hot = {
  .origin = ORIGIN_STREAM,
  .name = "hot",
  .present = hot_present,
  .hold = hot_hold,
  .add_stats = hot_add_stats,
};

/* The tiers, in the order frames are looked for: a new tier is a file
 * with its TierBackend and a line here. */
static const TierBackend *const tiers[] = { &tiered_hot, &tiered_warm,
  &tiered_cold };

void
tiers_add_stats (GstTieredSink *self, const Settings *s, GstStructure *st)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (tiers); i++)
    tiers[i]->add_stats (self, s, st);
}

gboolean
tiers_hold (GstTieredSink *self, guint64 id, guint flags, TierHold *h)
{
  guint i;

  memset (h, 0, sizeof *h);
  h->id = id;
  for (i = 0; i < G_N_ELEMENTS (tiers); i++) {
    const TierBackend *t = tiers[i];
    gboolean found = t->hold (self, id, flags, h);

    /* misses count only for a tier the element has */
    if ((flags & TIER_HOLD_COUNT) && t->present (self))
      (found ? self->c.hits : self->c.misses)[t->origin]++;
    if (found) {
      h->from = t->origin;
      h->tier = t->name;
      return TRUE;
    }
  }
  return FALSE;
}

void
tier_hold_release (TierHold *h)
{
  g_clear_pointer (&h->buf, gst_buffer_unref);
  g_clear_pointer (&h->pin, warm_unpin);
  if (h->frame) {
    tier_frame_clear (h->frame);
    g_clear_pointer (&h->frame, g_free);
  }
  tier_cold_record_clear (&h->record);
  g_clear_pointer (&h->fmt, format_unref);
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

/* Frame @h read back from warm or cold: a buffer over the tier's memory
 * (the pinned slot, or the frame read back, which the memory now owns)
 * with its meta restored, hot again (most recently used); returns the
 * sample get-frame answers. Takes what @h held. Called with the lock. */
static GstSample *
promote (GstTieredSink *self, TierHold *h, const Settings *s)
{
  GstBuffer *buf = gst_buffer_new ();
  GstSample *sample;
  GstMemory *mem;

  if (h->from == ORIGIN_WARM) {
    mem = gst_memory_new_wrapped (GST_MEMORY_FLAG_READONLY,
        (gpointer)h->ref.data, h->ref.size, 0, h->ref.size, h->pin, warm_unpin);
    blob_apply (
        buf, h->ref.meta, h->ref.meta_len, h->id, h->ref.pts_ns, h->fmt);
    h->pin = NULL;
  } else {
    TierFrame *f = h->frame;

    mem = gst_memory_new_wrapped (GST_MEMORY_FLAG_READONLY, f->data, f->size, 0,
        f->size, f, free_tier_frame);
    blob_apply (buf, f->meta, f->meta_len, h->id, f->pts_ns, h->fmt);
    h->frame = NULL;
  }
  gst_buffer_append_memory (buf, mem);
  self->c.promotions++;
  sample = make_sample (buf, h->fmt, h->tier, h->id);
  hot_insert (self, buf, h->id, format_ref (h->fmt), h->from, s);
  enforce_hot (self, s);
  return sample;
}

GstSample *
gst_tiered_sink_get_frame (GstTieredSink *self, guint64 id)
{
  GstSample *sample = NULL;
  TierHold h;
  Settings s;

  get_settings (self, &s);
  g_mutex_lock (&self->lock);
  if (self->started &&
      tiers_hold (self, id, TIER_HOLD_TOUCH | TIER_HOLD_COUNT, &h)) {
    if (h.from == ORIGIN_STREAM)
      sample = make_sample (h.buf, h.fmt, "hot", id);
    else
      sample = promote (self, &h, &s);
    tier_hold_release (&h);
  }
  g_mutex_unlock (&self->lock);
  post_pending (self);
  return sample;
}

gboolean
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
