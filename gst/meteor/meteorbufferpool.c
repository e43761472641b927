/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: GstMeteorBufferPool
 *
 * GstVideoBufferPool does the video work (caps, strides, alignment,
 * GstVideoMeta); this subclass puts every frame into a ring slot,
 * preallocates a bounded pool whole, reuses the most recently returned
 * buffer first, counts what the pool does, and in leaky mode never blocks a
 * producer: when all buffers are out it hands over one reserve buffer whose
 * frame the consumer (meteorpool) drops and counts.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "meteorbufferpool.h"
#include "meteorstatsregistry.h"

GST_DEBUG_CATEGORY_STATIC (meteor_pool_debug);
#define GST_CAT_DEFAULT meteor_pool_debug

/* The ring has twice the pool's slots: a buffer the pool discards (its
 * memory still shared downstream) keeps its slot until the last share goes,
 * while the pool already allocates a replacement. Unused slots cost only
 * address space. */
#define RING_SLOTS_PER_BUFFER 2
#define RING_SLOTS_UNBOUNDED 64

struct _GstMeteorBufferPool {
  GstVideoBufferPool parent;

  GMutex lock; /* guards everything below */
  GstMeteorRingBacking backing;
  gchar *ring_path;
  GstAllocator *ring;
  gboolean leaky;
  GstBuffer *reserve;    /* in the pool's hands, or NULL */
  GstBuffer *reserve_id; /* the reserve buffer, wherever it is */
  GPtrArray *recent;     /* returned buffers, last in first out */
  guint taking;          /* acquires between looking and having a buffer */
  GCond returned;        /* signalled on every return */
  guint64 returns;
  gsize frame_size;
  GstMeteorPoolStats stats;
};

G_DEFINE_TYPE (
    GstMeteorBufferPool, gst_meteor_buffer_pool, GST_TYPE_VIDEO_BUFFER_POOL);

static GQuark fresh_quark; /* set on a buffer until its first handout */

/* Ring slots for a pool of @min to @max buffers (max 0: unbounded). */
static guint
ring_slots_for (guint min, guint max)
{
  guint64 n =
      max ? (guint64)max * RING_SLOTS_PER_BUFFER
          : MAX ((guint64)min * RING_SLOTS_PER_BUFFER, RING_SLOTS_UNBOUNDED);

  /* +1: the leaky reserve buffer lives outside min/max */
  return (guint)MIN (n + 1, G_MAXUINT);
}

/* The ring for @n_slots slots of @slot_size bytes: the current one when it
 * is large enough, else a new one, which takes over the ring file's path. */
static GstAllocator *
pool_ring_for (
    GstMeteorBufferPool *pool, gsize slot_size, guint n_slots, GError **error)
{
  GstAllocator *ring = NULL;

  g_mutex_lock (&pool->lock);
  if (pool->ring) {
    GstMeteorRingAllocator *r = GST_METEOR_RING_ALLOCATOR (pool->ring);
    if (gst_meteor_ring_allocator_get_slot_size (r) >= slot_size &&
        gst_meteor_ring_allocator_get_n_slots (r) >= n_slots)
      ring = gst_object_ref (pool->ring);
    else /* frames of the old ring may live on downstream, nameless */
      gst_meteor_ring_allocator_release_path (r);
  }
  if (ring == NULL) {
    ring = gst_meteor_ring_allocator_new (
        pool->backing, pool->ring_path, slot_size, n_slots, error);
    if (ring)
      gst_object_replace ((GstObject **)&pool->ring, GST_OBJECT (ring));
  }
  g_mutex_unlock (&pool->lock);
  return ring;
}

static gboolean
meteor_pool_set_config (GstBufferPool *bpool, GstStructure *config)
{
  GstMeteorBufferPool *pool = GST_METEOR_BUFFER_POOL (bpool);
  GstBufferPoolClass *parent =
      GST_BUFFER_POOL_CLASS (gst_meteor_buffer_pool_parent_class);
  GstCaps *caps;
  guint size, min, max, n_slots;
  GstAllocator *allocator, *ring;
  GstAllocationParams params;
  GError *error = NULL;
  gboolean ok;

  /* First pass: GstVideoBufferPool parses the caps, applies the requested
   * alignment and writes the final frame size and params into config. */
  if (!parent->set_config (bpool, config))
    return FALSE;
  if (!gst_buffer_pool_config_get_params (config, &caps, &size, &min, &max) ||
      !gst_buffer_pool_config_get_allocator (config, &allocator, &params))
    return FALSE;

  /* A bounded pool preallocates all its buffers: nothing is allocated
   * while streaming. Ring pages are committed only as frames are first
   * written into them, and LIFO reuse leaves unneeded buffers untouched. */
  if (max > 0 && min < max) {
    min = max;
    gst_buffer_pool_config_set_params (config, caps, size, min, max);
  }

  n_slots = ring_slots_for (min, max);
  ring = pool_ring_for (
      pool, params.prefix + size + params.padding, n_slots, &error);
  if (ring == NULL) {
    GST_ERROR_OBJECT (pool, "cannot create the frame ring: %s", error->message);
    g_clear_error (&error);
    return FALSE;
  }

  /* Second pass: the same config, now allocating from the ring. */
  gst_buffer_pool_config_set_allocator (config, ring, &params);
  ok = parent->set_config (bpool, config);
  gst_object_unref (ring);
  g_mutex_lock (&pool->lock);
  pool->frame_size = size;
  g_mutex_unlock (&pool->lock);
  GST_DEBUG_OBJECT (pool,
      "configured %" GST_PTR_FORMAT ", %u bytes, %u-%u "
      "buffers: %d",
      caps, size, min, max, ok);
  return ok;
}

static GstFlowReturn
meteor_pool_alloc_buffer (GstBufferPool *bpool, GstBuffer **buffer,
    GstBufferPoolAcquireParams *params)
{
  GstMeteorBufferPool *pool = GST_METEOR_BUFFER_POOL (bpool);
  GstFlowReturn ret;

  ret = GST_BUFFER_POOL_CLASS (gst_meteor_buffer_pool_parent_class)
            ->alloc_buffer (bpool, buffer, params);
  if (ret != GST_FLOW_OK)
    return ret;

  gst_mini_object_set_qdata (
      GST_MINI_OBJECT_CAST (*buffer), fresh_quark, GINT_TO_POINTER (1), NULL);
  g_mutex_lock (&pool->lock);
  pool->stats.allocations++;
  pool->stats.pool_size++;
  g_mutex_unlock (&pool->lock);
  return ret;
}

static void
meteor_pool_free_buffer (GstBufferPool *bpool, GstBuffer *buffer)
{
  GstMeteorBufferPool *pool = GST_METEOR_BUFFER_POOL (bpool);

  g_mutex_lock (&pool->lock);
  pool->stats.frees++;
  pool->stats.pool_size--;
  if (buffer == pool->reserve_id)
    pool->reserve_id = NULL;
  g_mutex_unlock (&pool->lock);

  GST_BUFFER_POOL_CLASS (gst_meteor_buffer_pool_parent_class)
      ->free_buffer (bpool, buffer);
}

/* Leaky mode, pool exhausted: the reserve buffer, allocated on first need. */
static GstBuffer *
take_reserve (GstMeteorBufferPool *pool)
{
  GstBuffer *buffer = NULL;
  gboolean need_alloc;

  g_mutex_lock (&pool->lock);
  need_alloc = pool->reserve_id == NULL;
  if (pool->reserve) {
    buffer = pool->reserve;
    pool->reserve = NULL;
  }
  g_mutex_unlock (&pool->lock);

  if (need_alloc && meteor_pool_alloc_buffer (GST_BUFFER_POOL_CAST (pool),
                        &buffer, NULL) == GST_FLOW_OK) {
    g_mutex_lock (&pool->lock);
    pool->reserve_id = buffer;
    g_mutex_unlock (&pool->lock);
  }
  return buffer;
}

/* Waits until a buffer comes back (or is discarded, which lets the pool
 * allocate again) or the pool flushes. Called with the lock held. */
static gboolean
wait_for_return (GstMeteorBufferPool *pool)
{
  guint64 returns = pool->returns;

  while (pool->recent->len == 0 && pool->returns == returns &&
         !GST_BUFFER_POOL_IS_FLUSHING (GST_BUFFER_POOL_CAST (pool)))
    g_cond_wait (&pool->returned, &pool->lock);
  return !GST_BUFFER_POOL_IS_FLUSHING (GST_BUFFER_POOL_CAST (pool));
}

/* Upper bounds of the acquire-wait histogram buckets, ns. */
static const guint64 wait_bounds[GST_METEOR_POOL_WAIT_BUCKETS] = { 10000,
  100000, 500000, 1000000, 2000000, 5000000, 10000000, 20000000, 50000000,
  100000000, 200000000, 500000000, 1000000000, 2000000000, 5000000000,
  10000000000 };

static guint
wait_bucket (guint64 wait_ns)
{
  guint i;

  for (i = 0; i < GST_METEOR_POOL_WAIT_BUCKETS; i++)
    if (wait_ns <= wait_bounds[i])
      break;
  return i;
}

static void
count_acquire (GstMeteorBufferPool *pool, GstBuffer *buffer, gboolean waited,
    gint64 wait_ns)
{
  gboolean reused = gst_mini_object_get_qdata (
                        GST_MINI_OBJECT_CAST (buffer), fresh_quark) == NULL;

  if (!reused)
    gst_mini_object_set_qdata (
        GST_MINI_OBJECT_CAST (buffer), fresh_quark, NULL, NULL);
  g_mutex_lock (&pool->lock);
  pool->stats.acquires++;
  if (reused)
    pool->stats.reuses++;
  pool->stats.wait_ns += wait_ns;
  pool->stats.max_wait_ns = MAX (pool->stats.max_wait_ns, (guint64)wait_ns);
  if (waited)
    pool->stats.wait_buckets[wait_bucket (wait_ns)]++;
  g_mutex_unlock (&pool->lock);
}

/* A buffer taken, @out being how many were out with it. Locked. */
static void
count_out (GstMeteorBufferPool *pool, guint out)
{
  pool->taking--;
  pool->stats.in_use++;
  pool->stats.max_in_use = MAX (pool->stats.max_in_use, out);
}

/* Buffers come back onto a stack and leave from its top: the frame just
 * released (cache-warm, pages committed) is the next one handed out, and
 * buffers a burst never needed are never touched. Only when the stack is
 * empty does GstBufferPool hand out a preallocated buffer (or allocate). */
static GstFlowReturn
meteor_pool_acquire_buffer (GstBufferPool *bpool, GstBuffer **buffer,
    GstBufferPoolAcquireParams *params)
{
  GstMeteorBufferPool *pool = GST_METEOR_BUFFER_POOL (bpool);
  GstBufferPoolClass *parent =
      GST_BUFFER_POOL_CLASS (gst_meteor_buffer_pool_parent_class);
  GstBufferPoolAcquireParams try_params = {
    0,
  };
  gboolean caller_waits, counted_wait = FALSE;
  GstFlowReturn ret;
  gint64 wait_start = 0, waited = 0;

  if (params)
    try_params = *params;
  caller_waits = !(try_params.flags & GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT);
  try_params.flags |= GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT;

  for (;;) {
    guint out;

    /* how many are out counts this one from when it looks: a buffer
     * released after the stack was found empty cannot hide it from
     * max_in_use, so a stream never uses more addresses than that */
    g_mutex_lock (&pool->lock);
    out = pool->stats.in_use + ++pool->taking;
    if (pool->recent->len > 0) {
      *buffer = g_ptr_array_remove_index (pool->recent, pool->recent->len - 1);
      count_out (pool, out);
      g_mutex_unlock (&pool->lock);
      ret = GST_FLOW_OK;
      break;
    }
    g_mutex_unlock (&pool->lock);

    ret = parent->acquire_buffer (bpool, buffer, &try_params);
    g_mutex_lock (&pool->lock);
    if (ret == GST_FLOW_OK) {
      count_out (pool, out);
      g_mutex_unlock (&pool->lock);
      break;
    }
    pool->taking--; /* nothing taken */
    if (ret != GST_FLOW_EOS || !caller_waits) {
      g_mutex_unlock (&pool->lock);
      break;
    }

    /* exhausted: every buffer is out */
    if (!counted_wait) {
      counted_wait = TRUE;
      pool->stats.acquire_waits++;
      if (pool->leaky) {
        g_mutex_unlock (&pool->lock);
        if ((*buffer = take_reserve (pool))) {
          GST_DEBUG_OBJECT (pool, "exhausted: handing out the reserve");
          g_mutex_lock (&pool->lock);
          pool->stats.reserve_handouts++;
          pool->taking++;
          count_out (pool, pool->stats.in_use + 1);
          g_mutex_unlock (&pool->lock);
          ret = GST_FLOW_OK;
          break;
        }
        g_mutex_lock (&pool->lock);
      }
      GST_DEBUG_OBJECT (pool, "exhausted: waiting for a buffer to come back");
      wait_start = g_get_monotonic_time ();
    }
    if (!wait_for_return (pool)) {
      g_mutex_unlock (&pool->lock);
      return GST_FLOW_FLUSHING;
    }
    g_mutex_unlock (&pool->lock);
  }
  if (ret != GST_FLOW_OK)
    return ret;

  if (wait_start)
    waited = (g_get_monotonic_time () - wait_start) * 1000;
  count_acquire (pool, *buffer, counted_wait, waited);
  return GST_FLOW_OK;
}

/* What GstBufferPool would keep: memory untouched and exclusively ours. */
static gboolean
buffer_reusable (GstMeteorBufferPool *pool, GstBuffer *buffer)
{
  return !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_TAG_MEMORY) &&
         gst_buffer_get_size (buffer) == pool->frame_size &&
         gst_buffer_is_all_memory_writable (buffer);
}

static void
meteor_pool_release_buffer (GstBufferPool *bpool, GstBuffer *buffer)
{
  GstMeteorBufferPool *pool = GST_METEOR_BUFFER_POOL (bpool);
  gboolean handed_out, kept = FALSE;

  /* GstBufferPool's start() "releases" its preallocated buffers too: they
   * go to its own queue. */
  handed_out = gst_mini_object_get_qdata (
                   GST_MINI_OBJECT_CAST (buffer), fresh_quark) == NULL;
  if (handed_out && buffer != pool->reserve_id &&
      !buffer_reusable (pool, buffer))
    GST_DEBUG_OBJECT (
        pool, "discarding %p: its memory is still shared", buffer);

  g_mutex_lock (&pool->lock);
  if (handed_out) {
    pool->stats.in_use--;
    if (buffer == pool->reserve_id) {
      pool->reserve = buffer;
      kept = TRUE;
    } else if (buffer_reusable (pool, buffer)) {
      g_ptr_array_add (pool->recent, buffer);
      kept = TRUE;
    }
  }
  g_mutex_unlock (&pool->lock);

  if (!kept)
    GST_BUFFER_POOL_CLASS (gst_meteor_buffer_pool_parent_class)
        ->release_buffer (bpool, buffer);

  g_mutex_lock (&pool->lock);
  pool->returns++;
  g_cond_signal (&pool->returned);
  g_mutex_unlock (&pool->lock);
}

static void
meteor_pool_flush_start (GstBufferPool *bpool)
{
  GstMeteorBufferPool *pool = GST_METEOR_BUFFER_POOL (bpool);

  g_mutex_lock (&pool->lock);
  g_cond_broadcast (&pool->returned);
  g_mutex_unlock (&pool->lock);
}

static gboolean
meteor_pool_stop (GstBufferPool *bpool)
{
  GstMeteorBufferPool *pool = GST_METEOR_BUFFER_POOL (bpool);
  GstBufferPoolClass *parent =
      GST_BUFFER_POOL_CLASS (gst_meteor_buffer_pool_parent_class);
  GstBuffer *reserve;
  GPtrArray *recent;

  g_mutex_lock (&pool->lock);
  reserve = pool->reserve;
  pool->reserve = NULL;
  recent = pool->recent;
  pool->recent = g_ptr_array_new ();
  g_mutex_unlock (&pool->lock);

  /* GstBufferPool frees what is in its queue: hand the stack back first */
  while (recent->len > 0)
    parent->release_buffer (
        bpool, g_ptr_array_remove_index (recent, recent->len - 1));
  g_ptr_array_unref (recent);
  if (reserve)
    meteor_pool_free_buffer (bpool, reserve);

  return parent->stop (bpool);
}

static void
gst_meteor_buffer_pool_finalize (GObject *object)
{
  GstMeteorBufferPool *pool = GST_METEOR_BUFFER_POOL (object);

  gst_clear_object (&pool->ring);
  g_free (pool->ring_path);
  g_ptr_array_unref (pool->recent);
  g_cond_clear (&pool->returned);
  g_mutex_clear (&pool->lock);
  G_OBJECT_CLASS (gst_meteor_buffer_pool_parent_class)->finalize (object);
}

static void
gst_meteor_buffer_pool_init (GstMeteorBufferPool *pool)
{
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->returned);
  pool->recent = g_ptr_array_new ();
  pool->backing = GST_METEOR_RING_BACKING_MEMFD;
}

static void
gst_meteor_buffer_pool_class_init (GstMeteorBufferPoolClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstBufferPoolClass *pool_class = GST_BUFFER_POOL_CLASS (klass);

  gobject_class->finalize = gst_meteor_buffer_pool_finalize;
  pool_class->set_config = meteor_pool_set_config;
  pool_class->alloc_buffer = meteor_pool_alloc_buffer;
  pool_class->free_buffer = meteor_pool_free_buffer;
  pool_class->acquire_buffer = meteor_pool_acquire_buffer;
  pool_class->release_buffer = meteor_pool_release_buffer;
  pool_class->stop = meteor_pool_stop;
  pool_class->flush_start = meteor_pool_flush_start;

  fresh_quark = g_quark_from_static_string ("gst-meteor-pool-fresh");
  GST_DEBUG_CATEGORY_INIT (
      meteor_pool_debug, "meteorbufferpool", 0, "gst-meteor buffer pool");
}

/**
 * gst_meteor_buffer_pool_new:
 *
 * A video buffer pool whose frames live in a #GstMeteorRingAllocator. By
 * default the ring is a memfd; gst_meteor_buffer_pool_set_ring() chooses a
 * file. The ring is made (or kept) when the pool is configured, sized from
 * the config's frame size and max-buffers.
 *
 * Returns: (transfer full): a new pool
 */
GstBufferPool *
gst_meteor_buffer_pool_new (void)
{
  GstMeteorBufferPool *pool = g_object_new (GST_TYPE_METEOR_BUFFER_POOL, NULL);

  gst_object_ref_sink (pool);
  return GST_BUFFER_POOL_CAST (pool);
}

/**
 * gst_meteor_buffer_pool_set_ring:
 * @path: (nullable): the ring file for %GST_METEOR_RING_BACKING_FILE
 *
 * Chooses what the ring made at the next configuration is backed by.
 */
void
gst_meteor_buffer_pool_set_ring (
    GstMeteorBufferPool *pool, GstMeteorRingBacking backing, const gchar *path)
{
  g_return_if_fail (GST_IS_METEOR_BUFFER_POOL (pool));

  g_mutex_lock (&pool->lock);
  if (pool->backing != backing || g_strcmp0 (pool->ring_path, path) != 0)
    gst_clear_object (&pool->ring);
  pool->backing = backing;
  g_free (pool->ring_path);
  pool->ring_path = g_strdup (path);
  g_mutex_unlock (&pool->lock);
}

/**
 * gst_meteor_buffer_pool_prepare_ring:
 * @frame_size: bytes per frame
 * @min_buffers: the pool's min-buffers
 * @max_buffers: the pool's max-buffers (0: unbounded)
 * @error: where to put the reason on failure
 *
 * Makes the ring a configuration with these parameters will use, now: the
 * element that offers the pool calls it so that a ring that cannot be made
 * (a ring-path that is taken, a directory or another file, too little
 * memory) is reported with its reason, rather than as a failed
 * gst_buffer_pool_set_config() in whichever element configures the pool.
 *
 * Returns: whether the ring exists
 */
gboolean
gst_meteor_buffer_pool_prepare_ring (GstMeteorBufferPool *pool,
    gsize frame_size, guint min_buffers, guint max_buffers, GError **error)
{
  GstAllocator *ring;

  g_return_val_if_fail (GST_IS_METEOR_BUFFER_POOL (pool), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ring = pool_ring_for (
      pool, frame_size, ring_slots_for (min_buffers, max_buffers), error);
  if (ring == NULL)
    return FALSE;
  gst_object_unref (ring);
  return TRUE;
}

/**
 * gst_meteor_buffer_pool_set_leaky:
 *
 * In leaky mode an acquire that finds the pool exhausted gets the reserve
 * buffer instead of blocking; see gst_meteor_buffer_pool_is_reserve().
 */
void
gst_meteor_buffer_pool_set_leaky (GstMeteorBufferPool *pool, gboolean leaky)
{
  g_return_if_fail (GST_IS_METEOR_BUFFER_POOL (pool));

  g_mutex_lock (&pool->lock);
  pool->leaky = leaky;
  g_mutex_unlock (&pool->lock);
}

/**
 * gst_meteor_buffer_pool_is_reserve:
 *
 * Returns: whether @buffer is the reserve buffer handed out because the pool
 * was exhausted in leaky mode. Its frame should be dropped (and counted) so
 * the reserve returns at once.
 */
gboolean
gst_meteor_buffer_pool_is_reserve (GstMeteorBufferPool *pool, GstBuffer *buffer)
{
  gboolean is_reserve;

  g_return_val_if_fail (GST_IS_METEOR_BUFFER_POOL (pool), FALSE);

  g_mutex_lock (&pool->lock);
  is_reserve = buffer != NULL && buffer == pool->reserve_id;
  g_mutex_unlock (&pool->lock);
  return is_reserve;
}

/**
 * gst_meteor_buffer_pool_get_ring:
 *
 * Returns: (transfer full) (nullable): the ring of the current
 * configuration, or %NULL before the pool is configured.
 */
GstMeteorRingAllocator *
gst_meteor_buffer_pool_get_ring (GstMeteorBufferPool *pool)
{
  GstMeteorRingAllocator *ring = NULL;

  g_return_val_if_fail (GST_IS_METEOR_BUFFER_POOL (pool), NULL);

  g_mutex_lock (&pool->lock);
  if (pool->ring)
    ring = GST_METEOR_RING_ALLOCATOR (gst_object_ref (pool->ring));
  g_mutex_unlock (&pool->lock);
  return ring;
}

/**
 * gst_meteor_buffer_pool_get_stats:
 * @stats: (out caller-allocates): where to copy the counters
 *
 * Copies the pool's counters, taken under its lock.
 */
void
gst_meteor_buffer_pool_get_stats (
    GstMeteorBufferPool *pool, GstMeteorPoolStats *stats)
{
  g_return_if_fail (GST_IS_METEOR_BUFFER_POOL (pool));
  g_return_if_fail (stats != NULL);

  g_mutex_lock (&pool->lock);
  *stats = pool->stats;
  g_mutex_unlock (&pool->lock);
}

/**
 * gst_meteor_buffer_pool_wait_bucket_bounds:
 *
 * Returns: (array fixed-size=16): the upper bounds, in ns, of the
 * #GstMeteorPoolStats wait_buckets (the last bucket has none)
 */
const guint64 *
gst_meteor_buffer_pool_wait_bucket_bounds (void)
{
  return wait_bounds;
}

/**
 * gst_meteor_pool_stats_add:
 * @sum: the running total
 * @stats: counters to add, e.g. of a pool being replaced
 *
 * Adds the counters of @stats to @sum and keeps the larger maximum;
 * @sum's pool_size and in_use (the state of a live pool) stay as they are.
 */
void
gst_meteor_pool_stats_add (
    GstMeteorPoolStats *sum, const GstMeteorPoolStats *stats)
{
  guint i;

  g_return_if_fail (sum != NULL && stats != NULL);

  sum->allocations += stats->allocations;
  sum->frees += stats->frees;
  sum->max_in_use = MAX (sum->max_in_use, stats->max_in_use);
  sum->acquires += stats->acquires;
  sum->reuses += stats->reuses;
  sum->acquire_waits += stats->acquire_waits;
  sum->wait_ns += stats->wait_ns;
  sum->max_wait_ns = MAX (sum->max_wait_ns, stats->max_wait_ns);
  sum->reserve_handouts += stats->reserve_handouts;
  for (i = 0; i <= GST_METEOR_POOL_WAIT_BUCKETS; i++)
    sum->wait_buckets[i] += stats->wait_buckets[i];
}

/**
 * gst_meteor_pool_stats_wait_histogram:
 *
 * Returns: (transfer full): the acquire waits of @stats as a
 * histogram structure (see gst_meteor_stats_histogram_new()), in ns
 */
GstStructure *
gst_meteor_pool_stats_wait_histogram (const GstMeteorPoolStats *stats)
{
  g_return_val_if_fail (stats != NULL, NULL);

  return gst_meteor_stats_histogram_new (wait_bounds, stats->wait_buckets,
      GST_METEOR_POOL_WAIT_BUCKETS, stats->wait_ns);
}
