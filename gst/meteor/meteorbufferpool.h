/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a GstVideoBufferPool whose frames live in a ring allocator */
#ifndef __GST_METEOR_BUFFER_POOL_H__
#define __GST_METEOR_BUFFER_POOL_H__

#include <gst/meteor/meteor-prelude.h>
#include <gst/meteor/meteorringallocator.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_TYPE_METEOR_BUFFER_POOL (gst_meteor_buffer_pool_get_type ())
GST_METEOR_API
G_DECLARE_FINAL_TYPE (GstMeteorBufferPool, gst_meteor_buffer_pool, GST,
    METEOR_BUFFER_POOL, GstVideoBufferPool)

/**
 * GST_METEOR_POOL_WAIT_BUCKETS:
 *
 * Number of upper bounds of the acquire-wait histogram of
 * #GstMeteorPoolStats (10 µs to 10 s).
 */
#define GST_METEOR_POOL_WAIT_BUCKETS 16

/**
 * GstMeteorPoolStats:
 * @allocations: buffers the pool created (each takes a ring slot)
 * @frees: buffers the pool destroyed
 * @pool_size: buffers that exist now
 * @in_use: buffers handed out and not yet back
 * @max_in_use: the most buffers out at once
 * @acquires: buffers handed out
 * @reuses: handouts of a buffer that had been handed out before
 * @acquire_waits: acquires that found the pool exhausted and had to wait
 * @wait_ns: total time spent waiting in those acquires
 * @max_wait_ns: longest single wait
 * @reserve_handouts: in leaky mode, acquires that found the pool exhausted
 *   and got the reserve buffer instead of waiting (its frame is dropped)
 * @wait_buckets: the @acquire_waits by duration: @wait_buckets[i] counts
 *   waits of at most gst_meteor_buffer_pool_wait_bucket_bounds()[i] ns and
 *   more than the bound before it; the last entry counts the longer ones.
 *   Their sum is @acquire_waits (a leaky handout counts as a 0 ns wait).
 */
typedef struct {
  guint64 allocations;
  guint64 frees;
  guint pool_size;
  guint in_use;
  guint max_in_use;
  guint64 acquires;
  guint64 reuses;
  guint64 acquire_waits;
  guint64 wait_ns;
  guint64 max_wait_ns;
  guint64 reserve_handouts;
  guint64 wait_buckets[GST_METEOR_POOL_WAIT_BUCKETS + 1];
} GstMeteorPoolStats;

GST_METEOR_API
GstBufferPool *gst_meteor_buffer_pool_new (void);

GST_METEOR_API
void gst_meteor_buffer_pool_set_ring (
    GstMeteorBufferPool *pool, GstMeteorRingBacking backing, const gchar *path);

GST_METEOR_API
gboolean gst_meteor_buffer_pool_prepare_ring (GstMeteorBufferPool *pool,
    gsize frame_size, guint min_buffers, guint max_buffers, GError **error);

GST_METEOR_API
void gst_meteor_buffer_pool_set_leaky (
    GstMeteorBufferPool *pool, gboolean leaky);

GST_METEOR_API
gboolean gst_meteor_buffer_pool_is_reserve (
    GstMeteorBufferPool *pool, GstBuffer *buffer);

GST_METEOR_API
GstMeteorRingAllocator *gst_meteor_buffer_pool_get_ring (
    GstMeteorBufferPool *pool);

GST_METEOR_API
const guint64 *gst_meteor_buffer_pool_wait_bucket_bounds (void);

GST_METEOR_API
void gst_meteor_pool_stats_add (
    GstMeteorPoolStats *sum, const GstMeteorPoolStats *stats);

GST_METEOR_API
GstStructure *gst_meteor_pool_stats_wait_histogram (
    const GstMeteorPoolStats *stats);

GST_METEOR_API
void gst_meteor_buffer_pool_get_stats (
    GstMeteorBufferPool *pool, GstMeteorPoolStats *stats);

G_END_DECLS

#endif /* __GST_METEOR_BUFFER_POOL_H__ */
