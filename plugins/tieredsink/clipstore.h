/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: event clips of tieredsink (no GStreamer).
 *
 * A clip is one directory under the clip location:
 *   <location>/<name>/frames.mtrs   the frames: one segment, the same
 *                                   records as the cold store (zstd or
 *                                   stored, lossless, CRC per record)
 *   <location>/<name>/clip.json     the sidecar: format (caps string),
 *                                   plane layout, detection, frame list
 * It is written as <location>/.<name>.partial, every file fsync'd, then
 * renamed to <name> (and <location> fsync'd): a clip is all or nothing.
 * Left-over .partial directories (a crash while writing) are removed by
 * tier_clip_recover and by the next begin of the same name.
 * docs/tieredsink-format.md describes the files. */
#ifndef __METEOR_CLIPSTORE_H__
#define __METEOR_CLIPSTORE_H__

#include "tiercommon.h"

#define TIER_CLIP_FRAMES_FILE "frames.mtrs"
#define TIER_CLIP_SIDECAR "clip.json"
#define TIER_CLIP_MAX_PLANES 4

typedef struct {
  const char *location;  /* created if missing */
  const char *name;      /* [A-Za-z0-9._:+-], not starting with '.' */
  const char *format;    /* caps string of the frames */
  const char *detection; /* the detection structure as text; may be NULL */
  int level;             /* zstd level; 0: default */
  /* plane layout of the payload; n_planes 0: GStreamer's default layout
   * for the caps (what a buffer without GstVideoMeta has) */
  uint32_t n_planes;
  uint64_t offset[TIER_CLIP_MAX_PLANES];
  uint32_t stride[TIER_CLIP_MAX_PLANES];
  const TierIo *io; /* NULL: the real system calls */
} TierClipConfig;

typedef struct TierClipWriter TierClipWriter;

/* What a committed clip holds. */
typedef struct {
  char path[4096];
  uint64_t frames;
  uint64_t raw_bytes;  /* payload bytes, uncompressed */
  uint64_t disk_bytes; /* the clip's files */
} TierClipResult;

/* Starts clip @config->name. Errors: bad name, a clip of that name exists,
 * the location cannot be created or written. */
TierClipWriter *tier_clip_begin (
    const TierClipConfig *config, char *error, size_t error_len);
/* Compresses and appends one frame (copies it; keeps nothing of @rec). */
int tier_clip_add (
    TierClipWriter *clip, const TierRecord *rec, char *error, size_t error_len);
/* Appends a frame as an already encoded record (from the cold store),
 * copied as it is: no decoding, no compressing again. */
int tier_clip_add_record (TierClipWriter *clip, const uint8_t *record,
    size_t len, char *error, size_t error_len);
/* What is known of a clip only once it ends (see tier_clip_commit_final). */
typedef struct {
  const char *name;      /* its final name; NULL: the one it began with */
  const char *detection; /* NULL: the one it began with */
  const char *continues; /* the clip it continues, or NULL */
  uint64_t first, last;  /* the frames of the window it covers */
  uint64_t missing;      /* frames of that window it lacks */
} TierClipFinal;

/* Frames added so far. */
size_t tier_clip_n_frames (TierClipWriter *clip);
/* tier_clip_commit under the final name, with what @final says. */
int tier_clip_commit_final (TierClipWriter *clip, const TierClipFinal *final,
    TierClipResult *result, char *error, size_t error_len);
/* Writes the sidecar, fsyncs and renames: the clip appears whole, and
 * @clip is freed. On failure (errno says why) nothing appears and @clip
 * stays open: call again once there is room, or tier_clip_abort. */
int tier_clip_commit (TierClipWriter *clip, TierClipResult *result, char *error,
    size_t error_len);
/* Drops the clip being written. */
void tier_clip_abort (TierClipWriter *clip);
/* Removes left-over .partial directories under @location, each with a
 * warning; returns how many. */
int tier_clip_recover (
    const char *location, TierWarnFunc warn, void *user_data);

/* ---- reading ---- */

typedef struct {
  uint64_t frame_id, pts_ns, utc_ns;
  size_t size;
  uint64_t offset; /* of its record in frames.mtrs */
  uint32_t meta_len;
  uint8_t meta[TIER_META_MAX];
} TierClipFrame;

typedef struct {
  char *path, *name, *format, *detection;
  char *continues;               /* the clip it continues, "" if none */
  uint64_t first, last, missing; /* its window (0, 0, 0 in old clips) */
  uint32_t n_planes;             /* 0: default layout for the caps */
  uint64_t offset[TIER_CLIP_MAX_PLANES];
  uint32_t stride[TIER_CLIP_MAX_PLANES];
  TierClipFrame *frames;
  size_t n_frames;
  uint64_t raw_bytes;
  /* private */
  int fd;
  uint64_t file_size;
  void *codec;
} TierClip;

/* Names of the committed clips under @location, sorted; free each and the
 * array. */
int tier_clip_list (const char *location, char ***names, size_t *n, char *error,
    size_t error_len);
/* Opens clip directory @path: reads the sidecar and checks every record. */
TierClip *tier_clip_open (const char *path, char *error, size_t error_len);
/* As tier_clip_open, but a damaged frames file still opens: the frames
 * whose records check out (found through the sidecar's frame list past a
 * bad one) are there, and *@n_lost says how many of the sidecar's are not
 * (@error then says what is damaged). NULL only if the sidecar or the
 * file's header is unusable. */
TierClip *tier_clip_open_salvage (
    const char *path, size_t *n_lost, char *error, size_t error_len);
/* Decompresses frame @index into @dst (at least frames[index].size). */
int tier_clip_read_frame (TierClip *clip, size_t index, void *dst,
    size_t dst_size, char *error, size_t error_len);
void tier_clip_close (TierClip *clip);

#endif /* __METEOR_CLIPSTORE_H__ */
