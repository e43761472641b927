/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: L3 cold store of tieredsink (no GStreamer).
 *
 * Frames are compressed with zstd into segment files in one directory:
 *   seg-<seq>.mtrs.tmp   the open segment, records appended as they come
 *   seg-<seq>.mtrs       a sealed segment (fsync'd, then renamed)
 *   seg-<seq>.mtri       its index (frame_id, pts, utc, offset, length)
 * A segment is sealed when it reaches segment_bytes, when the format
 * changes, on tier_cold_seal() and on close. Every sealed file was written
 * under a temporary name, fsync'd and renamed, and the directory fsync'd.
 *
 * Durability: tier_cold_append() returns once the record is in the open
 * segment's page cache, so it survives the process being killed (SIGKILL)
 * but not a power loss until the segment is sealed. On open the store is
 * recovered: an open segment left by a crash is cut after its last good
 * record and sealed, an index that is missing or does not check out is
 * rebuilt from its segment, a record that does not check out ends its
 * segment (it and anything after it are discarded), a segment whose header
 * is bad is renamed *.corrupt and skipped; each case is a warning.
 *
 * Quota: the files never take more than quota_bytes: before a record is
 * written, the oldest sealed segments are deleted until it fits, each
 * deletion a note (routine, not a warning). Nothing else is ever deleted.
 *
 * Frame ids are looked up newest segment first: when a restarted pipeline
 * counts frame ids from 0 again, the newest frame with an id wins. */
#ifndef __METEOR_COLDSTORE_H__
#define __METEOR_COLDSTORE_H__

#include "tierrecord.h"

typedef struct TierCold TierCold;

typedef struct {
  const char *dir;        /* created if missing */
  uint64_t quota_bytes;   /* bytes on disk; 0: no quota */
  uint64_t segment_bytes; /* 0: 64 MiB; at most quota_bytes / 4 */
  int level;         /* zstd level; 0: zstd's default (3), negative: faster */
  TierWarnFunc warn; /* may be NULL */
  TierWarnFunc note; /* routine events (a quota deletion); NULL: warn */
  void *user_data;
  const TierIo *io; /* NULL: the real system calls */
} TierColdConfig;

typedef struct {
  uint64_t frames;           /* frames held */
  uint64_t segments;         /* segment files held (sealed and open) */
  uint64_t disk_bytes;       /* segment and index files */
  uint64_t raw_bytes;        /* frames held, uncompressed */
  uint64_t stored_bytes;     /* frames held, as stored (raw / stored = ratio) */
  uint64_t appended;         /* frames appended since open */
  uint64_t appended_bytes;   /* raw bytes appended since open (one copy) */
  uint64_t reads;            /* frames read back since open */
  uint64_t read_errors;      /* reads that found a bad record */
  uint64_t write_errors;     /* appends/seals that failed */
  uint64_t deleted_segments; /* by the quota */
  uint64_t deleted_frames;
  uint64_t deleted_bytes;
  uint64_t discarded_records; /* bad or half-written, at recovery */
  uint64_t rebuilt_indexes;   /* indexes rebuilt from their segment */
  uint64_t corrupt_segments;  /* segments skipped (bad header) */
} TierColdStats;

/* What the index knows of a frame. @format stays valid until the next call
 * that changes the store (append, seal, drop, close). */
typedef struct {
  uint64_t frame_id, pts_ns, utc_ns;
  size_t size; /* uncompressed payload bytes */
  const char *format;
} TierColdInfo;

/* A frame read back: owns @data and @format (tier_frame_clear frees). */
typedef struct {
  uint64_t frame_id, pts_ns, utc_ns;
  uint8_t meta[TIER_META_MAX];
  uint32_t meta_len;
  uint8_t *data;
  size_t size;
  char *format;
} TierFrame;

void tier_frame_clear (TierFrame *frame);

/* Opens (recovers) or creates the store in config->dir. NULL + error if the
 * directory cannot be created or written. */
TierCold *tier_cold_open (
    const TierColdConfig *config, char *error, size_t error_len);
/* Seals the open segment (a failure is a warning) and frees the store. */
void tier_cold_close (TierCold *cold);

/* Compresses @rec and appends it to the open segment (started, or sealed
 * and restarted, as needed; @format is the caps string of the frame). On a
 * write error (ENOSPC, EIO) the partial record is cut off again, nothing
 * stored before is touched, and -1 is returned with a message naming the
 * file and the cause. */
int tier_cold_append (TierCold *cold, const TierRecord *rec, const char *format,
    char *error, size_t error_len);
/* Seals the open segment now (fsync, rename, index); no-op if none. */
int tier_cold_seal (TierCold *cold, char *error, size_t error_len);
/* Deletes the oldest sealed segment (e.g. on disk full); -1 if none. */
int tier_cold_drop_oldest (TierCold *cold, char *error, size_t error_len);
/* Bytes the oldest sealed segment takes (0 if there is none). */
uint64_t tier_cold_oldest_bytes (TierCold *cold);
/* The lowest and highest frame id the oldest sealed segment holds; 0 if
 * there is no sealed segment or it holds no frame. */
int tier_cold_oldest_frames (TierCold *cold, uint64_t *first, uint64_t *last);

int tier_cold_contains (TierCold *cold, uint64_t frame_id);
/* 1 and @info if the index holds @frame_id, else 0 (no disk access). */
int tier_cold_lookup (TierCold *cold, uint64_t frame_id, TierColdInfo *info);
/* Reads, checks and decompresses @frame_id into @dst (at least info.size
 * bytes); @meta (TIER_META_MAX bytes, may be NULL) gets the meta blob and
 * *meta_len its length. -1 if absent or bad, with the reason. */
int tier_cold_read (TierCold *cold, uint64_t frame_id, void *dst,
    size_t dst_size, uint8_t *meta, uint32_t *meta_len, char *error,
    size_t error_len);
/* The same into a new TierFrame. */
int tier_cold_get (TierCold *cold, uint64_t frame_id, TierFrame *frame,
    char *error, size_t error_len);

/* A frame's record as stored (compressed, checked), to be copied whole
 * into a clip without decoding it. tier_cold_record_clear frees it. */
typedef struct {
  TierRecHeader header;
  uint8_t *record; /* tier_rec_length (&header) bytes */
  size_t len;
  char *format;
} TierColdRecord;
int tier_cold_get_record (TierCold *cold, uint64_t frame_id,
    TierColdRecord *record, char *error, size_t error_len);
void tier_cold_record_clear (TierColdRecord *record);
void tier_cold_get_stats (TierCold *cold, TierColdStats *stats);

#endif /* __METEOR_COLDSTORE_H__ */
