/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: L2 warm ring of tieredsink (no GStreamer).
 *
 * One file of fixed size (warm-max-bytes), mmap'd shared, cut into slots
 * of one frame each (docs/tieredsink-format.md has the bytes):
 *   [header page: magic, sizes, format string, epoch, CRC]
 *   [slot table: one 320-byte entry per slot: generation, frame_id, pts,
 *    utc, size, CRC, meta blob]
 *   [slot data, each slot page-aligned]
 * A put is one memcpy of the frame into the mapping; frames are read back
 * in place (tier_warm_lookup gives a pointer into the mapping), so the
 * element can wrap a slot in a GstMemory without a copy. A slot is
 * identified by (slot, generation): when the slot is overwritten its
 * generation changes, which tier_warm_is_valid tells. A pinned slot is
 * never overwritten (puts skip it) until unpinned.
 *
 * Crash safety: a put first clears the slot's generation, copies the
 * payload, then publishes the entry (fields, CRC) and the new generation
 * last. The ring does not msync per put: a process killed with SIGKILL
 * loses nothing that was written to the mapping (the page cache belongs to
 * the kernel), a power loss may lose the warm ring, which is a cache; the
 * file is fully allocated at creation (no SIGBUS on a full disk later).
 * With checksum_payload the entry also holds a CRC-32 of the payload, so a
 * slot whose payload did not reach the disk before a power loss is
 * discarded on recovery too (costs a CRC pass per frame).
 * On open the ring is recovered: every slot whose entry checks out is
 * indexed again, a half-written or corrupt one is discarded with a
 * warning; a header that does not check out, or that describes another
 * frame size or format, reformats the ring (a warning). */
#ifndef __METEOR_WARMRING_H__
#define __METEOR_WARMRING_H__

#include "tiercommon.h"

typedef struct TierWarm TierWarm;

typedef struct {
  /* the ring file, created if missing and locked while open; NULL or "":
   * the ring lives in memory (a memfd), nothing is written to disk */
  const char *path;
  uint64_t max_bytes;   /* its size, header and table included */
  size_t frame_size;    /* bytes of every frame put */
  const char *format;   /* caps string of those frames */
  int checksum_payload; /* also CRC the payload (see above) */
  TierWarnFunc warn;    /* may be NULL */
  void *user_data;
  const TierIo *io; /* NULL: the real system calls */
} TierWarmConfig;

/* A frame in the ring: @data and @meta point into the mapping and stay
 * there while tier_warm_is_valid (ring, slot, generation) (or for ever
 * while pinned). */
typedef struct {
  uint32_t slot;
  uint64_t generation;
  uint64_t frame_id, pts_ns, utc_ns;
  const uint8_t *data;
  size_t size;
  const uint8_t *meta;
  uint32_t meta_len;
} TierWarmRef;

/* What a put overwrote. */
typedef struct {
  int evicted;       /* 1 if a frame was overwritten */
  uint64_t frame_id; /* that frame */
} TierWarmEviction;

typedef struct {
  uint32_t slots;         /* slots in the ring */
  uint64_t frames;        /* valid frames held */
  uint64_t bytes;         /* payload bytes held */
  uint64_t file_bytes;    /* size of the ring file */
  uint64_t puts;          /* frames written (one memcpy each) */
  uint64_t put_bytes;     /* bytes copied by those puts */
  uint64_t overwrites;    /* frames evicted by a put (aged out) */
  uint64_t pinned_skips;  /* slots a put skipped because pinned */
  uint64_t hits, misses;  /* tier_warm_lookup */
  uint64_t recovered;     /* frames found valid at open */
  uint64_t discarded;     /* half-written or corrupt slots dropped at open */
  uint64_t reformats;     /* header rewritten (new frame size or format) */
  uint64_t dropped_bytes; /* bytes given back by tier_warm_drop_pages */
} TierWarmStats;

/* Opens (recovers) or creates the ring. Errors: the file cannot be
 * created or mapped, the space cannot be reserved, or max_bytes cannot
 * hold one slot of frame_size. */
TierWarm *tier_warm_open (
    const TierWarmConfig *config, char *error, size_t error_len);
void tier_warm_close (TierWarm *warm);

/* Reads the header of the ring file @path without opening the ring: 0 and
 * the frame size, format (malloc'd) and file size it was made with if the
 * header checks out, -1 (with the reason) if the file is missing or its
 * header does not. Lets a restarted element reopen (recover) a ring
 * before it knows its caps. */
int tier_warm_peek (const char *path, size_t *frame_size, char **format,
    uint64_t *max_bytes, char *error, size_t error_len);

/* Empties the ring and cuts it for frames of @frame_size and @format (a
 * caps change). Earlier refs become invalid; the mapping stays, so their
 * pointers still point at mapped memory. */
int tier_warm_reformat (TierWarm *warm, size_t frame_size, const char *format,
    char *error, size_t error_len);

/* Copies @rec into the oldest unpinned slot; @evicted (may be NULL) says
 * which frame that overwrote. rec->size must be the ring's frame size. */
int tier_warm_put (TierWarm *warm, const TierRecord *rec,
    TierWarmEviction *evicted, char *error, size_t error_len);

/* 1 and @ref if @frame_id is in the ring (the newest put of it), else 0. */
int tier_warm_lookup (TierWarm *warm, uint64_t frame_id, TierWarmRef *ref);
int tier_warm_is_valid (TierWarm *warm, uint32_t slot, uint64_t generation);
/* Keeps (@slot, @generation) from being overwritten; 0, or -1 if it was
 * already. Pins nest; each pin needs an unpin. */
int tier_warm_pin (TierWarm *warm, uint32_t slot, uint64_t generation);
void tier_warm_unpin (TierWarm *warm, uint32_t slot);
/* Forgets @frame_id (e.g. once promoted elsewhere); 1 if it was held. */
int tier_warm_remove (TierWarm *warm, uint64_t frame_id);

/* Memory pressure: writes the dirty pages back (msync), then tells the
 * kernel the ring's pages may go (MADV_PAGEOUT/MADV_DONTNEED on the
 * mapping, POSIX_FADV_DONTNEED on the file). Data is kept: a later read
 * faults it back in from the file. Returns the bytes advised. */
uint64_t tier_warm_drop_pages (TierWarm *warm);
/* msync of the whole mapping (e.g. at EOS), so a power loss keeps it. */
int tier_warm_sync (TierWarm *warm, char *error, size_t error_len);

/* 0 if the ring's file still has its size, -1 (with a message) if
 * something else cut it: its mapping must not be touched any more (a
 * SIGBUS). tier_warm_put checks it first. */
int tier_warm_intact (TierWarm *warm, char *error, size_t error_len);
/* 1 if the ring lives in memory (no file). */
int tier_warm_in_memory (TierWarm *warm);
uint32_t tier_warm_n_slots (TierWarm *warm);
size_t tier_warm_frame_size (TierWarm *warm);
const char *tier_warm_format (TierWarm *warm);
void tier_warm_get_stats (TierWarm *warm, TierWarmStats *stats);

#endif /* __METEOR_WARMRING_H__ */
