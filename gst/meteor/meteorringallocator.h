/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: one mmap'd region cut into frame slots, each slot a GstMemory */
#ifndef __GST_METEOR_RING_ALLOCATOR_H__
#define __GST_METEOR_RING_ALLOCATOR_H__

#include <gst/meteor/meteor-prelude.h>

G_BEGIN_DECLS

#define GST_METEOR_RING_MEMORY_TYPE "MeteorRingMemory"

#define GST_TYPE_METEOR_RING_ALLOCATOR (gst_meteor_ring_allocator_get_type ())
GST_METEOR_API
G_DECLARE_FINAL_TYPE (GstMeteorRingAllocator, gst_meteor_ring_allocator, GST,
    METEOR_RING_ALLOCATOR, GstAllocator)

/**
 * GstMeteorRingBacking:
 * @GST_METEOR_RING_BACKING_MEMFD: anonymous memory file (memfd_create)
 * @GST_METEOR_RING_BACKING_FILE: a file at a path, e.g. on /dev/shm or a
 *   hugetlbfs mount: created by the ring (or taken over from a ring that is
 *   gone, never any other file), locked while the ring lives, a header page
 *   then the slots; removed when the ring is freed
 *
 * What the ring's one mapping is made of.
 */
typedef enum {
  GST_METEOR_RING_BACKING_MEMFD,
  GST_METEOR_RING_BACKING_FILE,
} GstMeteorRingBacking;

#define GST_TYPE_METEOR_RING_BACKING (gst_meteor_ring_backing_get_type ())
GST_METEOR_API
GType gst_meteor_ring_backing_get_type (void);

/**
 * GstMeteorRingStats:
 * @allocations: slots handed out (first use or reuse)
 * @reuses: handouts of a slot that had been used before
 * @frees: slots given back
 * @slots_in_use: slots held right now
 * @max_slots_in_use: the most slots ever held at once
 * @overflows: allocations the ring could not serve (all slots held, or a
 *   request larger than a slot), served from system memory instead
 * @copies: gst_memory_copy() calls on ring memory (someone needed a
 *   private, writable copy of a frame)
 * @bytes_copied: bytes those copies moved
 */
typedef struct {
  guint64 allocations;
  guint64 reuses;
  guint64 frees;
  guint slots_in_use;
  guint max_slots_in_use;
  guint64 overflows;
  guint64 copies;
  guint64 bytes_copied;
} GstMeteorRingStats;

GST_METEOR_API
GstAllocator *gst_meteor_ring_allocator_new (GstMeteorRingBacking backing,
    const gchar *path, gsize slot_size, guint n_slots, GError **error);

GST_METEOR_API
void gst_meteor_ring_allocator_release_path (GstMeteorRingAllocator *ring);

GST_METEOR_API
gsize gst_meteor_ring_allocator_get_slot_size (GstMeteorRingAllocator *ring);

GST_METEOR_API
guint gst_meteor_ring_allocator_get_n_slots (GstMeteorRingAllocator *ring);

GST_METEOR_API
gboolean gst_meteor_ring_allocator_contains (
    GstMeteorRingAllocator *ring, gconstpointer data);

GST_METEOR_API
void gst_meteor_ring_allocator_get_stats (
    GstMeteorRingAllocator *ring, GstMeteorRingStats *stats);

GST_METEOR_API
gboolean gst_is_meteor_ring_memory (GstMemory *mem);

GST_METEOR_API
gint gst_meteor_ring_memory_get_slot (GstMemory *mem);

G_END_DECLS

#endif /* __GST_METEOR_RING_ALLOCATOR_H__ */
