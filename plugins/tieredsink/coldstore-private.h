/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: what the cold store's files share (coldstore.c: writing and
 * reading; coldindex.c: index files and recovery on open). */
#ifndef __METEOR_COLDSTORE_PRIVATE_H__
#define __METEOR_COLDSTORE_PRIVATE_H__

#include "coldstore.h"

#include "coreutil.h"
#include "tierrecord.h"

#define DEFAULT_SEGMENT_BYTES (64u << 20)
#define IDX_MAGIC "MTRIDX01"
#define IDX_HEADER 32
#define IDX_ENTRY 40

typedef struct {
  uint64_t frame_id, pts_ns, utc_ns, offset;
  uint32_t rec_len, raw_len;
} ColdEntry;

typedef struct {
  uint64_t seq;
  char *format;
  uint64_t header_len;
  ColdEntry *e;
  size_t n, cap;
  int sorted; /* frame ids strictly increasing */
  uint64_t seg_bytes, idx_bytes, raw_bytes;
  int open; /* the open segment (written under its .tmp name) */
} ColdSeg;

struct TierCold {
  char *dir;
  TierColdConfig cfg;
  uint64_t segment_bytes;
  TierCodec *codec;
  ColdSeg *segs; /* oldest first; the open one, if any, last */
  size_t nsegs, cap;
  int fd; /* of the open segment, or -1 */
  uint64_t next_seq;
  TierColdStats st;
};

void cold_seg_path (const TierCold *cold, uint64_t seq, const char *suffix,
    char *buf, size_t len);
/* Bytes the index of @n frames takes. */
uint64_t cold_idx_size (size_t n);
void cold_seg_add_entry (ColdSeg *seg, const ColdEntry *e);
void cold_seg_free (ColdSeg *seg);
size_t cold_insert_seg (TierCold *cold, const ColdSeg *seg);
/* Writes @seg's index file (fsynced, renamed into place). */
int cold_write_index (
    TierCold *cold, const ColdSeg *seg, char *error, size_t error_len);
/* Reads the segments in the store's directory back, rebuilding what a
 * crash left unfinished; -1 if the directory cannot be read. */
int cold_recover (TierCold *cold, char *error, size_t error_len);

#endif /* __METEOR_COLDSTORE_PRIVATE_H__ */
