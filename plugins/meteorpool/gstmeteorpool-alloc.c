/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteorpool, the pool it offers upstream
 *
 * Sized for what downstream holds (the allocation query) plus frames in
 * flight, bounded by max-buffers, and activated by meteorpool itself when
 * upstream does not take it (ingress copies go into it).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmeteorpool-priv.h"

#include <unistd.h>

#define GST_CAT_DEFAULT meteorpool_debug

/* ----------------------------------------------------------- the pool */

static guint
effective_max_buffers (GstMeteorPool *self, guint min)
{
  guint max;

  GST_OBJECT_LOCK (self);
  max = self->max_buffers;
  GST_OBJECT_UNLOCK (self);

  if (max < min) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("max-buffers=%u is below the %u frames downstream holds plus %u in "
         "flight: using %u",
            max, min - POOL_SLACK, POOL_SLACK, min),
        ("raise max-buffers to at least %u", min));
    max = min;
  }
  return max;
}

/* Asks downstream how many buffers it holds and which metas it takes. */
void
gst_meteor_pool_query_downstream (
    GstMeteorPool *self, GstCaps *caps, GstQuery *upstream_query)
{
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  guint i, min = 0;

  if (gst_pad_peer_query (self->srcpad, query)) {
    for (i = 0; i < gst_query_get_n_allocation_pools (query); i++) {
      guint pmin;

      gst_query_parse_nth_allocation_pool (query, i, NULL, NULL, &pmin, NULL);
      min = MAX (min, pmin);
    }
    if (upstream_query) {
      for (i = 0; i < gst_query_get_n_allocation_metas (query); i++) {
        const GstStructure *params;
        GType api = gst_query_parse_nth_allocation_meta (query, i, &params);

        gst_query_add_allocation_meta (upstream_query, api, params);
      }
    }
  }
  self->downstream_min = min;
  self->downstream_video_meta =
      gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  GST_DEBUG_OBJECT (self, "downstream holds %u buffers, video meta %d", min,
      self->downstream_video_meta);
  gst_query_unref (query);
}

static gboolean
pool_has_caps (GstBufferPool *pool, GstCaps *caps)
{
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstCaps *pcaps = NULL;
  gboolean same;

  gst_buffer_pool_config_get_params (config, &pcaps, NULL, NULL, NULL);
  same = pcaps != NULL && gst_caps_is_equal (pcaps, caps);
  gst_structure_free (config);
  return same;
}

/* The pool for @caps: the current one while it fits (or is idle), else a
 * new one. Returns a ref. */
GstBufferPool *
gst_meteor_pool_get_pool (GstMeteorPool *self, GstCaps *caps)
{
  GstBufferPool *pool, *old = NULL;
  GstMeteorPoolStats old_stats;

  GST_OBJECT_LOCK (self);
  pool = self->pool ? gst_object_ref (self->pool) : NULL;
  GST_OBJECT_UNLOCK (self);

  if (pool && (!gst_buffer_pool_is_active (pool) || pool_has_caps (pool, caps)))
    return pool;

  old = pool;
  pool = gst_meteor_buffer_pool_new ();
  GST_OBJECT_LOCK (self);
  gst_meteor_buffer_pool_set_ring (
      GST_METEOR_BUFFER_POOL (pool), self->memory, self->ring_path);
  gst_meteor_buffer_pool_set_leaky (GST_METEOR_BUFFER_POOL (pool),
      self->leaky == GST_METEOR_POOL_LEAKY_DOWNSTREAM);
  if (old) {
    gst_meteor_buffer_pool_get_stats (GST_METEOR_BUFFER_POOL (old), &old_stats);
    gst_meteor_pool_stats_add (&self->retired, &old_stats);
  }
  gst_object_replace ((GstObject **)&self->pool, GST_OBJECT (pool));
  GST_OBJECT_UNLOCK (self);

  if (old)
    gst_meteor_pool_retire_pool (self, old);
  return pool;
}

/* Lets go of a pool meteorpool no longer offers: deactivated if meteorpool
 * activated it, and the ring file's name given up at once, so that the next
 * pool can make its ring there while frames of this one are still held
 * downstream. */
void
gst_meteor_pool_retire_pool (GstMeteorPool *self, GstBufferPool *pool)
{
  GstMeteorRingAllocator *ring =
      gst_meteor_buffer_pool_get_ring (GST_METEOR_BUFFER_POOL (pool));

  if (ring) {
    gst_meteor_ring_allocator_release_path (ring);
    gst_object_unref (ring);
  }
  if (self->pool_ours_active)
    gst_buffer_pool_set_active (pool, FALSE);
  self->pool_ours_active = FALSE;
  gst_object_unref (pool);
}

/* Makes the pool's ring now, so that a ring that cannot be made (ring-path
 * taken by another pipeline, a directory, someone's file) is posted by
 * meteorpool with its reason, not as a failed pool configuration in
 * whichever element configures it. The error is posted once; meteorpool
 * then refuses frames. */
static gboolean
prepare_ring (GstMeteorPool *self, GstBufferPool *pool, gsize frame_size,
    guint min, guint max)
{
  GError *error = NULL;

  if (self->setup_failed)
    return FALSE;
  if (gst_meteor_buffer_pool_prepare_ring (
          GST_METEOR_BUFFER_POOL (pool), frame_size, min, max, &error))
    return TRUE;
  self->setup_failed = TRUE;
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE, ("%s", error->message),
      ("the frame ring for %u buffers of %" G_GSIZE_FORMAT
       " bytes cannot be made",
          max, frame_size));
  g_clear_error (&error);
  return FALSE;
}

static guint64
physical_memory (void)
{
  long pages = sysconf (_SC_PHYS_PAGES), page = sysconf (_SC_PAGESIZE);

  return pages > 0 && page > 0 ? (guint64)pages * page : G_MAXUINT64;
}

/* The elements downstream as far as the stream does not branch, e.g.
 * "queue0 ! tieredsink0": one of them answered the allocation query. */
static gchar *
downstream_names (GstMeteorPool *self)
{
  GString *names = g_string_new (NULL);
  GstPad *pad = gst_object_ref (self->srcpad);
  guint hops;

  for (hops = 0; pad != NULL && hops < 16; hops++) {
    GstPad *peer = gst_pad_get_peer (pad);
    GstElement *next = peer ? gst_pad_get_parent_element (peer) : NULL;

    gst_clear_object (&pad);
    if (next) {
      GST_OBJECT_LOCK (next);
      g_string_append_printf (
          names, "%s%s", names->len ? " ! " : "", GST_OBJECT_NAME (next));
      if (next->numsrcpads == 1)
        pad = gst_object_ref (next->srcpads->data);
      GST_OBJECT_UNLOCK (next);
    }
    gst_clear_object (&next);
    gst_clear_object (&peer);
  }
  gst_clear_object (&pad);
  return g_string_free (names, FALSE);
}

/* The pool's min and max buffers for frames of @frame_size: what downstream
 * holds plus the frames in flight, within max-buffers (raised, with a
 * warning, to fit). A downstream that asks to hold more buffers than a pool
 * may have, or more frames than fit in this machine's RAM, is an element
 * error naming the number, the elements downstream and the limit: capped, the
 * pool would run dry under a downstream that holds what it asked for, and
 * the pipeline would stall (or drop every frame when leaky). */
static gboolean
size_pool (GstMeteorPool *self, gsize frame_size, guint *min, guint *max)
{
  guint64 held = self->downstream_min, want = held + POOL_SLACK;
  guint64 ram = physical_memory ();
  gchar *next;

  if (self->setup_failed)
    return FALSE;
  if (want <= POOL_MAX_BUFFERS && want * frame_size <= ram) {
    *min = (guint)want;
    *max = effective_max_buffers (self, *min);
    return TRUE;
  }

  self->setup_failed = TRUE;
  next = downstream_names (self);
  if (want > POOL_MAX_BUFFERS)
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("downstream of meteorpool (%s) asks to hold "
         "%" G_GUINT64_FORMAT
         " buffers: a pool has at most %u, %u of them held downstream",
            next, held, POOL_MAX_BUFFERS, POOL_MAX_BUFFERS - POOL_SLACK),
        ("min-buffers=%" G_GUINT64_FORMAT " in the answer to the allocation "
         "query; lower what downstream holds (e.g. tieredsink hot-frames)",
            held));
  else
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
        ("downstream of meteorpool (%s) asks to hold "
         "%" G_GUINT64_FORMAT " buffers: %" G_GUINT64_FORMAT
         " frames of %" G_GSIZE_FORMAT " bytes (%" G_GUINT64_FORMAT
         " MiB) do not fit in this machine's %" G_GUINT64_FORMAT " MiB of RAM",
            next, held, want, frame_size, want * frame_size >> 20, ram >> 20),
        ("min-buffers=%" G_GUINT64_FORMAT " in the answer to the allocation "
         "query; lower what downstream holds (e.g. tieredsink hot-frames)",
            held));
  g_free (next);
  return FALSE;
}

/* Sizes @pool for frames of @frame_size and makes its ring; FALSE once an
 * error is posted. */
static gboolean
plan_pool (GstMeteorPool *self, GstBufferPool *pool, gsize frame_size,
    guint *min, guint *max)
{
  return size_pool (self, frame_size, min, max) &&
         prepare_ring (self, pool, frame_size, *min, *max);
}

/* Makes sure meteorpool itself can take buffers from its pool (for ingress
 * copies), configuring and activating it when upstream did not. */
gboolean
gst_meteor_pool_ensure_pool_active (GstMeteorPool *self, GstBufferPool *pool)
{
  gsize size = GST_VIDEO_INFO_SIZE (&self->info);
  GstStructure *config;
  guint min, max;

  if (gst_buffer_pool_is_active (pool))
    return TRUE;

  if (!plan_pool (self, pool, size, &min, &max))
    return FALSE;
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, self->caps, size, min, max);
  if (self->downstream_video_meta)
    gst_buffer_pool_config_add_option (
        config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  if (!gst_buffer_pool_set_config (pool, config) ||
      !gst_buffer_pool_set_active (pool, TRUE)) {
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
        ("cannot set up the frame ring for %u-byte frames",
            (guint)GST_VIDEO_INFO_SIZE (&self->info)),
        ("configuring or activating the pool failed (memory=%d)",
            self->memory));
    return FALSE;
  }
  self->pool_ours_active = TRUE;
  return TRUE;
}

gboolean
gst_meteor_pool_propose_allocation (GstMeteorPool *self, GstQuery *query)
{
  GstCaps *caps;
  gboolean need_pool;
  GstVideoInfo info;
  GstBufferPool *pool;
  guint min, max;

  gst_query_parse_allocation (query, &caps, &need_pool);
  if (caps == NULL)
    return FALSE;
  if (!gst_video_info_from_caps (&info, caps))
    return gst_pad_peer_query (self->srcpad, query); /* compressed */

  gst_meteor_pool_query_downstream (self, caps, query);
  pool = gst_meteor_pool_get_pool (self, caps);
  if (!plan_pool (self, pool, GST_VIDEO_INFO_SIZE (&info), &min, &max)) {
    gst_object_unref (pool);
    return FALSE;
  }
  gst_query_add_allocation_pool (
      query, pool, GST_VIDEO_INFO_SIZE (&info), min, max);
  GST_DEBUG_OBJECT (
      self, "proposing %" GST_PTR_FORMAT " with %u+ buffers", pool, min);
  gst_object_unref (pool);
  return TRUE;
}
