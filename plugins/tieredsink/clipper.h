/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the clip writer of tieredsink (no GStreamer).
 *
 * Clips are written on a thread of their own, never on the thread that
 * brings the frames: the streaming side only says which frames a clip
 * wants (tier_clipper_add) and how far the stream has come
 * (tier_clipper_advance); the writer fetches each frame through a
 * callback, from whichever tier holds it when it gets there, and appends
 * it to the open clip.
 *
 * - A window that overlaps or touches a clip still being written extends
 *   it: the clip grows by appending, and is committed (sidecar, fsync,
 *   rename) once its last frame is written.
 * - Frames already in a committed clip are never written again: a window
 *   that overlaps one starts after it, and its sidecar names the clip it
 *   continues. A committed clip is never touched again.
 * - A frame of another format than the clip's (a caps change) commits
 *   the clip and continues the window in a new one, linked the same way.
 *   So does a clip reaching max_frames.
 * - A frame that no tier holds any more when the writer gets to it (the
 *   writer fell behind, or it was never kept) is missing from the clip,
 *   counted; the stream never waits for the writer.
 *
 * Thread-safe: every function may be called from any thread, except
 * tier_clipper_free. The callbacks are called from the writer thread
 * without the clipper's lock, so they may call tier_clipper_wants. */
#ifndef __METEOR_CLIPPER_H__
#define __METEOR_CLIPPER_H__

#include "clipstore.h"

/* One frame the fetch callback hands to the writer. */
typedef struct {
  TierRecord rec;
  const char *format; /* caps string */
  uint32_t n_planes;  /* plane layout, as TierClipConfig */
  uint64_t offset[TIER_CLIP_MAX_PLANES];
  uint32_t stride[TIER_CLIP_MAX_PLANES];
  /* the frame as an encoded record (from cold), copied into the clip as
   * it is; NULL: rec.data is the raw frame */
  const uint8_t *record;
  size_t record_len;
  void *handle; /* the fetcher's own, for release */
} TierClipSource;

/* Fills @src with frame @frame_id and returns 1, or 0 if no tier holds it.
 * Whatever @src points to stays valid until release (@src). */
typedef int (*TierClipFetchFunc) (
    void *user_data, uint64_t frame_id, TierClipSource *src);
typedef void (*TierClipReleaseFunc) (void *user_data, TierClipSource *src);

/* A clip committed, or given up. Valid during the call only. */
typedef struct {
  int ok;            /* 0: not written, see error */
  const char *error; /* why not */
  const char *path;  /* the clip's directory */
  const char *name;
  const char *continues; /* the clip this one continues, or "" */
  uint64_t first, last;  /* frames of its window it covers */
  uint64_t frames, missing;
  uint64_t raw_bytes, disk_bytes;
  const char *detections; /* one per line */
  unsigned n_detections;
} TierClipReport;

typedef void (*TierClipDoneFunc) (void *user_data, const TierClipReport *r);
/* A write failed: make room on the disk if possible; 1 if there is room
 * now, freed or found (the write is tried once more). */
typedef int (*TierClipRoomFunc) (void *user_data);

typedef struct {
  const char *location; /* the clip directory */
  int level;            /* zstd level; 0: default */
  uint64_t max_frames;  /* per clip; a longer window continues in the next */
  const TierIo *io;     /* NULL: the real system calls */
  TierClipFetchFunc fetch;
  TierClipReleaseFunc release;
  TierClipDoneFunc done;
  TierClipRoomFunc make_room; /* may be NULL */
  void *user_data;
} TierClipperConfig;

typedef struct {
  uint64_t clips;          /* committed */
  uint64_t failures;       /* given up (write errors, nothing held) */
  uint64_t write_errors;   /* windows cut short by a write error */
  uint64_t frames;         /* frames written into clips */
  uint64_t missing;        /* frames of windows no tier held any more */
  uint64_t records_copied; /* frames copied as stored records (from cold) */
  uint64_t raw_bytes;      /* payload bytes of those frames */
  uint64_t bytes_written;  /* bytes written into clip files */
  uint64_t continuations;  /* clips that continue an earlier one */
  uint64_t pending;        /* windows not yet committed */
  uint64_t max_lag;        /* most frames the writer was behind the stream */
} TierClipperStats;

typedef struct TierClipper TierClipper;

/* Starts the writer thread. */
TierClipper *tier_clipper_new (
    const TierClipperConfig *config, char *error, size_t error_len);
/* Asks for frames @first..@last in a clip; @detection (may be NULL) is
 * recorded with it and makes it a meteor clip. */
void tier_clipper_add (
    TierClipper *clipper, uint64_t first, uint64_t last, const char *detection);
/* The stream's newest frame: the writer may write up to it. */
void tier_clipper_advance (TierClipper *clipper, uint64_t newest);
/* Whether a window not yet written holds @frame_id (a frame leaving the
 * memory tiers that a clip still needs goes to cold). */
int tier_clipper_wants (TierClipper *clipper, uint64_t frame_id);
/* Whether a window not yet written (or the frame being written) holds any
 * of @first..@last (cold frames a clip still needs are not deleted). */
int tier_clipper_wants_any (
    TierClipper *clipper, uint64_t first, uint64_t last);
/* Cuts every window at the newest frame, writes and commits them all, and
 * returns when the writer is idle (EOS, stop). */
void tier_clipper_finish (TierClipper *clipper);
/* Returns once every frame up to the newest that a window wants has been
 * written (before the tiers drop frames of the old format on a caps
 * change). Without the fetch callback's locks. */
void tier_clipper_drain (TierClipper *clipper);
void tier_clipper_get_stats (TierClipper *clipper, TierClipperStats *stats);
/* Finishes, then stops the thread. */
void tier_clipper_free (TierClipper *clipper);

#endif /* __METEOR_CLIPPER_H__ */
