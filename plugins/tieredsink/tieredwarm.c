/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tieredsink's warm tier, as a backend (TierBackend): frames
 * copied into the warm ring (warmring.c), held for readers by pinning
 * their slot, and the ring shared with the memories read from it. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gsttieredsink-priv.h"

#include <string.h>

WarmHolder *
warm_holder_new (TierWarm *warm)
{
  WarmHolder *h = g_new0 (WarmHolder, 1);

  h->ref = 1;
  g_mutex_init (&h->lock);
  h->warm = warm;
  return h;
}

void
warm_holder_unref (WarmHolder *h)
{
  if (h && g_atomic_int_dec_and_test (&h->ref)) {
    tier_warm_close (h->warm);
    g_mutex_clear (&h->lock);
    g_free (h);
  }
}

/* Called with h->lock. */
WarmPin *
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
void
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

/* ----------------------------------------------------------- backend */

/* Copies @rec into the warm ring (reformatting it for a new frame size or
 * format). Called with the lock. */
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

static gboolean
warm_hold (GstTieredSink *self, guint64 id, guint flags, TierHold *h)
{
  WarmHolder *wh = self->warm;

  if (wh == NULL || self->warm_off)
    return FALSE;
  g_mutex_lock (&wh->lock);
  if (tier_warm_lookup (wh->warm, id, &h->ref) &&
      (h->pin = warm_pin (wh, &h->ref)) != NULL)
    h->fmt = format_for (self, tier_warm_format (wh->warm));
  g_mutex_unlock (&wh->lock);
  return h->pin != NULL;
}

/* Its fields of the stats. Called with the lock. */
static void
warm_add_stats (GstTieredSink *self, const Settings *s, GstStructure *st)
{
  TierWarmStats ws = { 0 };

  if (self->warm) {
    g_mutex_lock (&self->warm->lock);
    tier_warm_get_stats (self->warm->warm, &ws);
    g_mutex_unlock (&self->warm->lock);
  }
  gst_structure_set (st, "warm-frames", G_TYPE_UINT64, ws.frames, "warm-bytes",
      G_TYPE_UINT64, ws.bytes, "warm-slots", G_TYPE_UINT64, (guint64)ws.slots,
      "warm-file-bytes", G_TYPE_UINT64, ws.file_bytes, "warm-hits",
      G_TYPE_UINT64, self->c.hits[ORIGIN_WARM], "warm-misses", G_TYPE_UINT64,
      self->c.misses[ORIGIN_WARM], "warm-evictions", G_TYPE_UINT64,
      ws.overwrites, "warm-pinned-skips", G_TYPE_UINT64, ws.pinned_skips,
      "warm-reformats", G_TYPE_UINT64, ws.reformats, "warm-recovered",
      G_TYPE_UINT64, ws.recovered, "warm-dropped-page-bytes", G_TYPE_UINT64,
      ws.dropped_bytes, "warm-copies", G_TYPE_UINT64, self->c.warm_copies,
      "warm-bytes-written", G_TYPE_UINT64, self->c.warm_bytes_written,
      "warm-put-failures", G_TYPE_UINT64, self->c.warm_put_failures, NULL);
}

static gboolean
warm_present (GstTieredSink *self)
{
  return self->warm != NULL;
}

const TierBackend tiered_warm = {
  .origin = ORIGIN_WARM,
  .name = "warm",
  .present = warm_present,
  .hold = warm_hold,
  .put = put_warm,
  .add_stats = warm_add_stats,
};
