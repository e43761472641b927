/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tieredsink's cold tier, as a backend (TierBackend): frames
 * compressed into segments on disk (coldstore.c), read back decoded or,
 * for a clip, as the records they are stored as. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gsttieredsink-priv.h"

#include <string.h>

/* Appends @rec to cold. Called with the lock. */
static gboolean
put_cold (GstTieredSink *self, const TierRecord *rec, const FormatRef *fmt)
{
  gchar err[512];

  if (tier_cold_append (self->cold, rec, fmt->str, err, sizeof err) < 0) {
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

static gboolean
cold_hold (GstTieredSink *self, guint64 id, guint flags, TierHold *h)
{
  gchar err[512];
  gint r;

  if (self->cold == NULL || !tier_cold_contains (self->cold, id))
    return FALSE;
  if (flags & TIER_HOLD_RECORD) {
    r = tier_cold_get_record (self->cold, id, &h->record, err, sizeof err);
    if (r == 0)
      h->fmt = format_for (self, h->record.format);
  } else {
    h->frame = g_new0 (TierFrame, 1);
    r = tier_cold_get (self->cold, id, h->frame, err, sizeof err);
    if (r == 0)
      h->fmt = format_for (self, h->frame->format);
    else
      g_clear_pointer (&h->frame, g_free);
  }
  if (r < 0)
    queue_warning (self, GST_RESOURCE_ERROR_READ,
        "frame %" G_GUINT64_FORMAT " in cold cannot be read: %s", id, err);
  return r == 0;
}

/* Its fields of the stats. Called with the lock. */
static void
cold_add_stats (GstTieredSink *self, const Settings *s, GstStructure *st)
{
  TierColdStats cs = { 0 };

  if (self->cold)
    tier_cold_get_stats (self->cold, &cs);
  gst_structure_set (st, "cold-frames", G_TYPE_UINT64, cs.frames, "cold-bytes",
      G_TYPE_UINT64, cs.disk_bytes, "cold-raw-bytes", G_TYPE_UINT64,
      cs.raw_bytes, "cold-segments", G_TYPE_UINT64, cs.segments,
      "compression-ratio", G_TYPE_DOUBLE,
      cs.stored_bytes ? (gdouble)cs.raw_bytes / (gdouble)cs.stored_bytes : 0.0,
      "cold-hits", G_TYPE_UINT64, self->c.hits[ORIGIN_COLD], "cold-misses",
      G_TYPE_UINT64, self->c.misses[ORIGIN_COLD], "cold-evictions",
      G_TYPE_UINT64, cs.deleted_frames, "cold-deleted-segments", G_TYPE_UINT64,
      cs.deleted_segments, "cold-discarded-records", G_TYPE_UINT64,
      cs.discarded_records, "cold-frames-written", G_TYPE_UINT64,
      self->c.cold_writes, "cold-bytes-written", G_TYPE_UINT64,
      self->c.cold_bytes_written, "cold-yielded-frames", G_TYPE_UINT64,
      self->c.cold_yielded_frames, NULL);
}

static gboolean
cold_present (GstTieredSink *self)
{
  return self->cold != NULL;
}

const TierBackend tiered_cold = {
  .origin = ORIGIN_COLD,
  .name = "cold",
  .present = cold_present,
  .hold = cold_hold,
  .put = put_cold,
  .add_stats = cold_add_stats,
};
