/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the cold store's index files, and recovery on open: what a
 * crash or a full disk left half-written is cut off or rebuilt. */
#include "coldstore-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- index files ---- */

int
cold_write_index (
    TierCold *cold, const ColdSeg *seg, char *error, size_t error_len)
{
  char tmp[4096], path[4096];
  size_t len = cold_idx_size (seg->n), i;
  uint8_t *buf = malloc (len), *p;
  int fd, r;

  if (buf == NULL)
    abort ();
  memcpy (buf, IDX_MAGIC, 8);
  tier_put_u32 (buf + 8, 1);
  tier_put_u32 (buf + 12, (uint32_t)seg->n);
  tier_put_u64 (buf + 16, seg->seq);
  tier_put_u64 (buf + 24, seg->seg_bytes);
  for (i = 0, p = buf + IDX_HEADER; i < seg->n; i++, p += IDX_ENTRY) {
    tier_put_u64 (p, seg->e[i].frame_id);
    tier_put_u64 (p + 8, seg->e[i].pts_ns);
    tier_put_u64 (p + 16, seg->e[i].utc_ns);
    tier_put_u64 (p + 24, seg->e[i].offset);
    tier_put_u32 (p + 32, seg->e[i].rec_len);
    tier_put_u32 (p + 36, seg->e[i].raw_len);
  }
  tier_put_u32 (p, tier_crc32 (0, buf, len - 4));
  cold_seg_path (cold, seg->seq, ".mtri.tmp", tmp, sizeof tmp);
  cold_seg_path (cold, seg->seq, ".mtri", path, sizeof path);
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    free (buf);
    METEOR_CHECK (0, "cannot create cold index %s: %s", tmp, strerror (errno));
  }
  r = tier_io_write_all (cold->cfg.io, fd, buf, len);
  if (r == 0)
    r = tier_io_fsync (cold->cfg.io, fd);
  free (buf);
  if (r < 0) {
    int saved = errno;
    close (fd);
    unlink (tmp);
    METEOR_CHECK (0, "cannot write cold index %s: %s", tmp, strerror (saved));
  }
  close (fd);
  METEOR_CHECK (
      rename (tmp, path) == 0, "cannot rename %s: %s", tmp, strerror (errno));
  return 0;
}

/* Loads the index of @seg if it matches the segment file exactly. */
static int
load_index (TierCold *cold, ColdSeg *seg)
{
  char path[4096];
  struct stat st;
  uint8_t *buf = NULL, *p;
  uint32_t n, i;
  uint64_t expect;
  int fd, ok = 0;

  cold_seg_path (cold, seg->seq, ".mtri", path, sizeof path);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  if (fstat (fd, &st) < 0 || st.st_size < IDX_HEADER + 4 ||
      st.st_size > (off_t)cold_idx_size (UINT32_MAX / 64))
    goto out;
  buf = malloc ((size_t)st.st_size);
  if (buf == NULL)
    abort ();
  if (pread (fd, buf, (size_t)st.st_size, 0) != st.st_size)
    goto out;
  n = tier_get_u32 (buf + 12);
  if (memcmp (buf, IDX_MAGIC, 8) != 0 || tier_get_u32 (buf + 8) != 1 ||
      (uint64_t)st.st_size != cold_idx_size (n) ||
      tier_get_u64 (buf + 16) != seg->seq ||
      tier_get_u64 (buf + 24) != seg->seg_bytes ||
      tier_get_u32 (buf + st.st_size - 4) !=
          tier_crc32 (0, buf, (size_t)st.st_size - 4))
    goto out;
  expect = seg->header_len;
  for (i = 0, p = buf + IDX_HEADER; i < n; i++, p += IDX_ENTRY) {
    ColdEntry e = { tier_get_u64 (p), tier_get_u64 (p + 8),
      tier_get_u64 (p + 16), tier_get_u64 (p + 24), tier_get_u32 (p + 32),
      tier_get_u32 (p + 36) };
    if (e.offset != expect || e.rec_len < TIER_REC_HEADER ||
        e.raw_len > TIER_REC_RAW_MAX)
      goto out;
    expect += e.rec_len;
    cold_seg_add_entry (seg, &e);
  }
  ok = expect == seg->seg_bytes;
out:
  free (buf);
  close (fd);
  if (!ok) {
    seg->n = 0;
    seg->raw_bytes = 0;
    seg->sorted = 1;
  }
  seg->idx_bytes = cold_idx_size (seg->n);
  return ok ? 0 : -1;
}

/* ---- recovery ---- */

static int
scan_add (void *user_data, const TierRecHeader *h, uint64_t offset,
    const uint8_t *rec)
{
  ColdSeg *seg = user_data;
  ColdEntry e = { h->frame_id, h->pts_ns, h->utc_ns, offset,
    (uint32_t)tier_rec_length (h), h->raw_len };

  cold_seg_add_entry (seg, &e);
  return 0;
}

static void
mark_corrupt (TierCold *cold, const char *path, const char *why)
{
  char bad[4200];

  snprintf (bad, sizeof bad, "%s.corrupt", path);
  cold->st.corrupt_segments++;
  if (rename (path, bad) == 0)
    tier_warn (cold->cfg.warn, cold->cfg.user_data,
        "cold segment %s is unreadable (%s): renamed to %s and skipped", path,
        why, bad);
  else
    tier_warn (cold->cfg.warn, cold->cfg.user_data,
        "cold segment %s is unreadable (%s) and skipped", path, why);
}

/* 1 if the open segment @path (@st) is shorter than its header: a writer
 * killed while writing it, before any record. A header of full length that
 * does not check out is damage, not that (the segment may hold records). */
static int
header_cut_short (const char *path, const struct stat *st)
{
  uint8_t head[TIER_SEG_HEADER];
  int fd, ok;

  if (st->st_size < TIER_SEG_HEADER)
    return 1;
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ok = pread (fd, head, sizeof head, 0) == (ssize_t)sizeof head &&
       memcmp (head, TIER_SEG_MAGIC, 8) == 0 &&
       tier_get_u32 (head + 32) < TIER_FORMAT_MAX &&
       (uint64_t)st->st_size <
           TIER_SEG_HEADER + (uint64_t)tier_get_u32 (head + 32);
  close (fd);
  return ok;
}

/* Loads sealed segment @seq, or salvages and seals the open segment a crash
 * left (@was_open). */
static void
recover_segment (TierCold *cold, uint64_t seq, int was_open)
{
  char path[4096], sealed[4096], msg[256];
  ColdSeg seg = { .seq = seq, .sorted = 1 };
  struct stat st;
  int64_t hl, end;
  int fd;

  cold_seg_path (
      cold, seq, was_open ? ".mtrs.tmp" : ".mtrs", path, sizeof path);
  cold_seg_path (cold, seq, ".mtrs", sealed, sizeof sealed);
  fd = open (path, O_RDWR | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) < 0) {
    tier_warn (cold->cfg.warn, cold->cfg.user_data,
        "cannot open cold segment %s: %s (skipped)", path, strerror (errno));
    if (fd >= 0)
      close (fd);
    return;
  }
  hl = tier_seg_header_read (fd, &seg.seq, &seg.format, msg, sizeof msg);
  if (hl < 0 || seg.seq != seq) {
    close (fd);
    if (hl >= 0)
      free (seg.format);
    if (was_open && hl < 0 && header_cut_short (path, &st)) {
      /* killed while writing the header: nothing was stored in it yet */
      if (st.st_size > 0)
        tier_warn (cold->cfg.warn, cold->cfg.user_data,
            "cold segment %s ends inside its header (%lld bytes, a writer "
            "killed before its first record): removed",
            path, (long long)st.st_size);
      unlink (path);
      return;
    }
    mark_corrupt (cold, path, hl < 0 ? msg : "sequence number mismatch");
    return;
  }
  seg.header_len = (uint64_t)hl;
  seg.seg_bytes = (uint64_t)st.st_size;
  if (was_open || load_index (cold, &seg) < 0) {
    if (!was_open) {
      cold->st.rebuilt_indexes++;
      tier_warn (cold->cfg.warn, cold->cfg.user_data,
          "cold index of %s is missing or does not match: rebuilt", path);
    }
    end = tier_seg_scan (cold->codec, fd, seg.header_len, seg.seg_bytes,
        scan_add, &seg, msg, sizeof msg);
    if (end < (int64_t)seg.seg_bytes) {
      cold->st.discarded_records++;
      tier_warn (cold->cfg.warn, cold->cfg.user_data,
          "cold segment %s: the %" PRIu64
          " bytes after its last good record were discarded (a half-written "
          "or corrupt record); %zu good records kept",
          path, seg.seg_bytes - (uint64_t)end, seg.n);
      if (ftruncate (fd, end) == 0)
        seg.seg_bytes = (uint64_t)end;
    }
    if (seg.n == 0) {
      close (fd);
      unlink (path);
      cold_seg_path (cold, seq, ".mtri", path, sizeof path);
      unlink (path);
      cold_seg_free (&seg);
      return;
    }
    if (tier_io_fsync (cold->cfg.io, fd) < 0 ||
        cold_write_index (cold, &seg, msg, sizeof msg) < 0 ||
        (was_open && rename (path, sealed) < 0)) {
      tier_warn (cold->cfg.warn, cold->cfg.user_data,
          "cannot seal recovered cold segment %s: %s", path,
          errno ? strerror (errno) : msg);
      /* still readable from where it is */
    }
  }
  close (fd);
  seg.idx_bytes = cold_idx_size (seg.n);
  cold_insert_seg (cold, &seg);
}

static int
parse_name (const char *name, uint64_t *seq, const char **suffix)
{
  char *end;

  if (strncmp (name, "seg-", 4) != 0 || strlen (name) < 4 + 16 + 5)
    return -1;
  *seq = strtoull (name + 4, &end, 16);
  if (end != name + 20)
    return -1;
  *suffix = end;
  return 0;
}

static int
cmp_u64 (const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int
cold_recover (TierCold *cold, char *error, size_t error_len)
{
  DIR *d = opendir (cold->dir);
  struct dirent *de;
  uint64_t *seqs = NULL, seq;
  size_t nseq = 0, cap = 0, i;
  int *open_flag = NULL;
  const char *suffix;
  char path[4096];

  METEOR_CHECK (d != NULL, "cannot read cold directory %s: %s", cold->dir,
      strerror (errno));
  while ((de = readdir (d)) != NULL) {
    if (parse_name (de->d_name, &seq, &suffix) < 0)
      continue;
    if (seq >= cold->next_seq)
      cold->next_seq = seq + 1;
    if (strcmp (suffix, ".mtri.tmp") == 0) {
      /* an index killed half-way: its segment is still the open one */
      cold_seg_path (cold, seq, suffix, path, sizeof path);
      unlink (path);
    } else if (strcmp (suffix, ".mtrs") == 0 ||
               strcmp (suffix, ".mtrs.tmp") == 0) {
      seqs = meteor_grow (seqs, &cap, nseq + 1, sizeof *seqs);
      seqs[nseq++] = seq;
    }
  }
  closedir (d);
  if (nseq)
    qsort (seqs, nseq, sizeof *seqs, cmp_u64);
  open_flag = calloc (nseq + 1, sizeof *open_flag);
  for (i = 0; i < nseq; i++) {
    struct stat st;
    cold_seg_path (cold, seqs[i], ".mtrs", path, sizeof path);
    if (i + 1 < nseq && seqs[i + 1] == seqs[i]) {
      /* both names: the rename happened, the .tmp is a stale copy */
      cold_seg_path (cold, seqs[i], ".mtrs.tmp", path, sizeof path);
      unlink (path);
      continue;
    }
    open_flag[i] = stat (path, &st) < 0;
    recover_segment (cold, seqs[i], open_flag[i]);
  }
  /* indexes without a segment */
  d = opendir (cold->dir);
  while (d && (de = readdir (d)) != NULL) {
    struct stat st;
    if (parse_name (de->d_name, &seq, &suffix) < 0 ||
        strcmp (suffix, ".mtri") != 0)
      continue;
    cold_seg_path (cold, seq, ".mtrs", path, sizeof path);
    if (stat (path, &st) < 0) {
      cold_seg_path (cold, seq, ".mtri", path, sizeof path);
      unlink (path);
    }
  }
  if (d)
    closedir (d);
  free (seqs);
  free (open_flag);
  tier_fsync_dir (cold->cfg.io, cold->dir);
  return 0;
}
