/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: L3 cold store of tieredsink: zstd records in segment files
 * with an index, quota retention, recovery on open. */
#include "coldstore.h"

#include "coreutil.h"
#include "tierrecord.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static void
seg_path (const TierCold *cold, uint64_t seq, const char *suffix, char *buf,
    size_t len)
{
  snprintf (buf, len, "%s/seg-%016" PRIx64 "%s", cold->dir, seq, suffix);
}

static uint64_t
idx_size (size_t n)
{
  return IDX_HEADER + (uint64_t)n * IDX_ENTRY + 4;
}

static uint64_t
disk_bytes (const TierCold *cold)
{
  uint64_t sum = 0;
  size_t i;

  for (i = 0; i < cold->nsegs; i++)
    sum += cold->segs[i].seg_bytes + cold->segs[i].idx_bytes;
  return sum;
}

static void
seg_add_entry (ColdSeg *seg, const ColdEntry *e)
{
  seg->e = meteor_grow (seg->e, &seg->cap, seg->n + 1, sizeof *seg->e);
  if (seg->n > 0 && e->frame_id <= seg->e[seg->n - 1].frame_id)
    seg->sorted = 0;
  seg->e[seg->n++] = *e;
  seg->raw_bytes += e->raw_len;
  seg->idx_bytes = idx_size (seg->n);
}

static void
seg_free (ColdSeg *seg)
{
  free (seg->format);
  free (seg->e);
}

/* Inserts @seg keeping the array ordered by seq; returns its index. */
static size_t
insert_seg (TierCold *cold, const ColdSeg *seg)
{
  size_t i;

  cold->segs =
      meteor_grow (cold->segs, &cold->cap, cold->nsegs + 1, sizeof *cold->segs);
  for (i = cold->nsegs; i > 0 && cold->segs[i - 1].seq > seg->seq; i--)
    cold->segs[i] = cold->segs[i - 1];
  cold->segs[i] = *seg;
  cold->nsegs++;
  return i;
}

static void
remove_seg_at (TierCold *cold, size_t i)
{
  seg_free (&cold->segs[i]);
  memmove (&cold->segs[i], &cold->segs[i + 1],
      (cold->nsegs - i - 1) * sizeof *cold->segs);
  cold->nsegs--;
}

/* ---- index files ---- */

static int
write_index (TierCold *cold, const ColdSeg *seg, char *error, size_t error_len)
{
  char tmp[4096], path[4096];
  size_t len = idx_size (seg->n), i;
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
  seg_path (cold, seg->seq, ".mtri.tmp", tmp, sizeof tmp);
  seg_path (cold, seg->seq, ".mtri", path, sizeof path);
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

  seg_path (cold, seg->seq, ".mtri", path, sizeof path);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  if (fstat (fd, &st) < 0 || st.st_size < IDX_HEADER + 4 ||
      st.st_size > (off_t)idx_size (UINT32_MAX / 64))
    goto out;
  buf = malloc ((size_t)st.st_size);
  if (buf == NULL)
    abort ();
  if (pread (fd, buf, (size_t)st.st_size, 0) != st.st_size)
    goto out;
  n = tier_get_u32 (buf + 12);
  if (memcmp (buf, IDX_MAGIC, 8) != 0 || tier_get_u32 (buf + 8) != 1 ||
      (uint64_t)st.st_size != idx_size (n) ||
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
    seg_add_entry (seg, &e);
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
  seg->idx_bytes = idx_size (seg->n);
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

  seg_add_entry (seg, &e);
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

  seg_path (cold, seq, was_open ? ".mtrs.tmp" : ".mtrs", path, sizeof path);
  seg_path (cold, seq, ".mtrs", sealed, sizeof sealed);
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
      seg_path (cold, seq, ".mtri", path, sizeof path);
      unlink (path);
      seg_free (&seg);
      return;
    }
    if (tier_io_fsync (cold->cfg.io, fd) < 0 ||
        write_index (cold, &seg, msg, sizeof msg) < 0 ||
        (was_open && rename (path, sealed) < 0)) {
      tier_warn (cold->cfg.warn, cold->cfg.user_data,
          "cannot seal recovered cold segment %s: %s", path,
          errno ? strerror (errno) : msg);
      /* still readable from where it is */
    }
  }
  close (fd);
  seg.idx_bytes = idx_size (seg.n);
  insert_seg (cold, &seg);
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

static int
recover (TierCold *cold, char *error, size_t error_len)
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
      seg_path (cold, seq, suffix, path, sizeof path);
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
    seg_path (cold, seqs[i], ".mtrs", path, sizeof path);
    if (i + 1 < nseq && seqs[i + 1] == seqs[i]) {
      /* both names: the rename happened, the .tmp is a stale copy */
      seg_path (cold, seqs[i], ".mtrs.tmp", path, sizeof path);
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
    seg_path (cold, seq, ".mtrs", path, sizeof path);
    if (stat (path, &st) < 0) {
      seg_path (cold, seq, ".mtri", path, sizeof path);
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

/* ---- open / close ---- */

TierCold *
tier_cold_open (const TierColdConfig *config, char *error, size_t error_len)
{
  TierCold *cold;
  char probe[4096];
  int fd;

  if (config->dir == NULL || config->dir[0] == '\0') {
    snprintf (error, error_len, "no cold directory given");
    return NULL;
  }
  if (mkdir (config->dir, 0755) < 0 && errno != EEXIST) {
    snprintf (error, error_len, "cannot create cold directory %s: %s",
        config->dir, strerror (errno));
    return NULL;
  }
  snprintf (probe, sizeof probe, "%s/.probe-%d", config->dir, (int)getpid ());
  fd = open (probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    snprintf (error, error_len, "cold directory %s is not writable: %s",
        config->dir, strerror (errno));
    return NULL;
  }
  close (fd);
  unlink (probe);

  cold = calloc (1, sizeof *cold);
  if (cold == NULL)
    abort ();
  cold->cfg = *config;
  cold->dir = strdup (config->dir);
  cold->cfg.dir = cold->dir;
  cold->fd = -1;
  cold->segment_bytes =
      config->segment_bytes ? config->segment_bytes : DEFAULT_SEGMENT_BYTES;
  if (config->quota_bytes && cold->segment_bytes > config->quota_bytes / 4)
    cold->segment_bytes = config->quota_bytes / 4;
  cold->codec = tier_codec_new (config->level);
  if (recover (cold, error, error_len) < 0) {
    tier_cold_close (cold);
    return NULL;
  }
  return cold;
}

void
tier_cold_close (TierCold *cold)
{
  char msg[512];
  size_t i;

  if (cold == NULL)
    return;
  if (tier_cold_seal (cold, msg, sizeof msg) < 0)
    tier_warn (cold->cfg.warn, cold->cfg.user_data, "%s", msg);
  if (cold->fd >= 0)
    close (cold->fd);
  for (i = 0; i < cold->nsegs; i++)
    seg_free (&cold->segs[i]);
  free (cold->segs);
  tier_codec_free (cold->codec);
  free (cold->dir);
  free (cold);
}

/* ---- writing ---- */

static ColdSeg *
open_seg (TierCold *cold)
{
  return cold->nsegs && cold->segs[cold->nsegs - 1].open
             ? &cold->segs[cold->nsegs - 1]
             : NULL;
}

int
tier_cold_seal (TierCold *cold, char *error, size_t error_len)
{
  ColdSeg *seg = open_seg (cold);
  char tmp[4096], path[4096];

  if (seg == NULL)
    return 0;
  seg_path (cold, seg->seq, ".mtrs.tmp", tmp, sizeof tmp);
  seg_path (cold, seg->seq, ".mtrs", path, sizeof path);
  if (tier_io_fsync (cold->cfg.io, cold->fd) < 0) {
    cold->st.write_errors++;
    METEOR_CHECK (0, "cannot sync cold segment %s: %s", tmp, strerror (errno));
  }
  if (write_index (cold, seg, error, error_len) < 0) {
    cold->st.write_errors++;
    return -1;
  }
  if (rename (tmp, path) < 0) {
    cold->st.write_errors++;
    METEOR_CHECK (0, "cannot rename %s: %s", tmp, strerror (errno));
  }
  tier_fsync_dir (cold->cfg.io, cold->dir);
  close (cold->fd);
  cold->fd = -1;
  seg->open = 0;
  return 0;
}

static int
drop_oldest (TierCold *cold, const char *why, char *error, size_t error_len)
{
  ColdSeg *seg;
  char path[4096];
  uint64_t bytes;

  METEOR_CHECK (cold->nsegs > 0 && !cold->segs[0].open,
      "no sealed cold segment to delete");
  seg = &cold->segs[0];
  seg_path (cold, seg->seq, ".mtrs", path, sizeof path);
  METEOR_CHECK (unlink (path) == 0 || errno == ENOENT,
      "cannot delete cold segment %s: %s", path, strerror (errno));
  bytes = seg->seg_bytes + seg->idx_bytes;
  cold->st.deleted_segments++;
  cold->st.deleted_frames += seg->n;
  cold->st.deleted_bytes += bytes;
  if (why)
    tier_warn (cold->cfg.note ? cold->cfg.note : cold->cfg.warn,
        cold->cfg.user_data,
        "%s: deleted the oldest cold segment %s (%zu frames, %" PRIu64
        " bytes)",
        why, path, seg->n, bytes);
  seg_path (cold, seg->seq, ".mtri", path, sizeof path);
  unlink (path);
  remove_seg_at (cold, 0);
  tier_fsync_dir (cold->cfg.io, cold->dir);
  return 0;
}

uint64_t
tier_cold_oldest_bytes (TierCold *cold)
{
  if (cold->nsegs == 0 || cold->segs[0].open)
    return 0;
  return cold->segs[0].seg_bytes + cold->segs[0].idx_bytes;
}

int
tier_cold_oldest_frames (TierCold *cold, uint64_t *first, uint64_t *last)
{
  const ColdSeg *seg = cold->segs;
  size_t i;

  if (cold->nsegs == 0 || seg->open || seg->n == 0)
    return 0;
  *first = *last = seg->e[0].frame_id;
  for (i = 1; i < seg->n; i++) { /* not always sorted: a restarted count */
    if (seg->e[i].frame_id < *first)
      *first = seg->e[i].frame_id;
    if (seg->e[i].frame_id > *last)
      *last = seg->e[i].frame_id;
  }
  return 1;
}

int
tier_cold_drop_oldest (TierCold *cold, char *error, size_t error_len)
{
  return drop_oldest (cold, NULL, error, error_len);
}

static int
start_segment (
    TierCold *cold, const char *format, char *error, size_t error_len)
{
  ColdSeg seg = { .seq = cold->next_seq, .sorted = 1, .open = 1 };
  uint8_t *head;
  size_t len;
  char path[4096];
  int fd;

  seg_path (cold, seg.seq, ".mtrs.tmp", path, sizeof path);
  fd = open (path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  METEOR_CHECK (
      fd >= 0, "cannot create cold segment %s: %s", path, strerror (errno));
  head = malloc (TIER_SEG_HEADER + strlen (format));
  if (head == NULL)
    abort ();
  len = tier_seg_header_encode (head, seg.seq, tier_now_ns (), format);
  if (tier_io_write_all (cold->cfg.io, fd, head, len) < 0) {
    int saved = errno;
    free (head);
    close (fd);
    unlink (path);
    cold->st.write_errors++;
    METEOR_CHECK (
        0, "cannot write cold segment %s: %s", path, strerror (saved));
  }
  free (head);
  cold->next_seq++;
  seg.format = strdup (format);
  seg.header_len = len;
  seg.seg_bytes = len;
  seg.idx_bytes = idx_size (0);
  insert_seg (cold, &seg);
  cold->fd = fd;
  return 0;
}

int
tier_cold_append (TierCold *cold, const TierRecord *rec, const char *format,
    char *error, size_t error_len)
{
  const uint8_t *buf;
  size_t len;
  ColdSeg *seg;
  ColdEntry e;
  uint64_t quota = cold->cfg.quota_bytes, need;
  char why[128], path[4096];

  if (format == NULL)
    format = "";
  METEOR_CHECK (strlen (format) < TIER_FORMAT_MAX,
      "format string of %zu bytes is longer than %d", strlen (format),
      TIER_FORMAT_MAX - 1);
  if (tier_codec_encode (cold->codec, rec, &buf, &len, error, error_len) < 0)
    return -1;
  need = len + IDX_ENTRY;
  METEOR_CHECK (
      !quota ||
          need + TIER_SEG_HEADER + strlen (format) + idx_size (0) <= quota,
      "frame %" PRIu64 " (%zu bytes compressed) does not fit the cold quota "
      "of %" PRIu64 " bytes",
      rec->frame_id, len, quota);
  seg = open_seg (cold);
  if (seg && (strcmp (seg->format, format) != 0 ||
                 (seg->n > 0 && seg->seg_bytes + len > cold->segment_bytes))) {
    if (tier_cold_seal (cold, error, error_len) < 0)
      return -1;
    seg = NULL;
  }
  if (seg == NULL)
    need += TIER_SEG_HEADER + strlen (format) + idx_size (0);
  snprintf (why, sizeof why, "cold quota of %" PRIu64 " bytes reached", quota);
  while (quota && disk_bytes (cold) + need > quota && cold->nsegs > 0 &&
         !cold->segs[0].open) {
    if (drop_oldest (cold, why, error, error_len) < 0)
      return -1;
  }
  seg = open_seg (cold); /* the array moved */
  if (quota && disk_bytes (cold) + need > quota && seg) {
    /* only the open segment is left: seal it so it can go next time */
    if (tier_cold_seal (cold, error, error_len) < 0)
      return -1;
    while (disk_bytes (cold) + need + TIER_SEG_HEADER + strlen (format) +
                   idx_size (0) >
               quota &&
           cold->nsegs > 0)
      if (drop_oldest (cold, why, error, error_len) < 0)
        return -1;
    seg = NULL;
  }
  if (seg == NULL) {
    if (start_segment (cold, format, error, error_len) < 0)
      return -1;
    seg = open_seg (cold);
  }
  if (tier_io_write_all (cold->cfg.io, cold->fd, buf, len) < 0) {
    int saved = errno;
    seg_path (cold, seg->seq, ".mtrs.tmp", path, sizeof path);
    cold->st.write_errors++;
    /* cut the partial record off again: the segment stays as it was */
    if (ftruncate (cold->fd, (off_t)seg->seg_bytes) < 0 ||
        lseek (cold->fd, (off_t)seg->seg_bytes, SEEK_SET) < 0)
      tier_warn (cold->cfg.warn, cold->cfg.user_data,
          "cannot cut the partial record off %s: %s (it is discarded at "
          "the next open)",
          path, strerror (errno));
    METEOR_CHECK (0, "cannot write frame %" PRIu64 " to cold segment %s: %s",
        rec->frame_id, path, strerror (saved));
  }
  e.frame_id = rec->frame_id;
  e.pts_ns = rec->pts_ns;
  e.utc_ns = rec->utc_ns;
  e.offset = seg->seg_bytes;
  e.rec_len = (uint32_t)len;
  e.raw_len = (uint32_t)rec->size;
  seg_add_entry (seg, &e);
  seg->seg_bytes += len;
  cold->st.appended++;
  cold->st.appended_bytes += rec->size;
  return 0;
}

/* ---- reading ---- */

static const ColdEntry *
find (TierCold *cold, uint64_t frame_id, ColdSeg **seg_out)
{
  size_t i, j;

  for (i = cold->nsegs; i-- > 0;) {
    ColdSeg *seg = &cold->segs[i];
    if (seg->n == 0)
      continue;
    if (seg->sorted) {
      size_t lo = 0, hi = seg->n;
      if (frame_id < seg->e[0].frame_id ||
          frame_id > seg->e[seg->n - 1].frame_id)
        continue;
      while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (seg->e[mid].frame_id < frame_id)
          lo = mid + 1;
        else
          hi = mid;
      }
      if (lo < seg->n && seg->e[lo].frame_id == frame_id) {
        *seg_out = seg;
        return &seg->e[lo];
      }
      continue;
    }
    for (j = seg->n; j-- > 0;)
      if (seg->e[j].frame_id == frame_id) {
        *seg_out = seg;
        return &seg->e[j];
      }
  }
  return NULL;
}

int
tier_cold_contains (TierCold *cold, uint64_t frame_id)
{
  ColdSeg *seg;

  return find (cold, frame_id, &seg) != NULL;
}

int
tier_cold_lookup (TierCold *cold, uint64_t frame_id, TierColdInfo *info)
{
  ColdSeg *seg;
  const ColdEntry *e = find (cold, frame_id, &seg);

  if (e == NULL)
    return 0;
  info->frame_id = e->frame_id;
  info->pts_ns = e->pts_ns;
  info->utc_ns = e->utc_ns;
  info->size = e->raw_len;
  info->format = seg->format;
  return 1;
}

/* Reads and checks the record of @frame_id into the codec's buffer. */
static int
read_record (TierCold *cold, uint64_t frame_id, TierRecHeader *h,
    const uint8_t **rec, const char **format, char *error, size_t error_len)
{
  ColdSeg *seg;
  const ColdEntry *e = find (cold, frame_id, &seg);
  char path[4096], msg[256];
  int fd, r;

  METEOR_CHECK (
      e != NULL, "frame %" PRIu64 " is not in the cold store", frame_id);
  seg_path (
      cold, seg->seq, seg->open ? ".mtrs.tmp" : ".mtrs", path, sizeof path);
  fd = seg->open ? cold->fd : open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    cold->st.read_errors++;
    METEOR_CHECK (0, "cannot open cold segment %s: %s", path, strerror (errno));
  }
  r = tier_codec_read (
      cold->codec, fd, e->offset, seg->seg_bytes, h, rec, msg, sizeof msg);
  if (r == 0 && (h->frame_id != frame_id || h->raw_len != e->raw_len)) {
    snprintf (msg, sizeof msg, "record at %" PRIu64 " is not frame %" PRIu64,
        e->offset, frame_id);
    r = -1;
  }
  if (!seg->open)
    close (fd);
  if (r < 0) {
    cold->st.read_errors++;
    METEOR_CHECK (0, "cold segment %s: %s", path, msg);
  }
  if (format)
    *format = seg->format;
  return 0;
}

int
tier_cold_read (TierCold *cold, uint64_t frame_id, void *dst, size_t dst_size,
    uint8_t *meta, uint32_t *meta_len, char *error, size_t error_len)
{
  TierRecHeader h;
  const uint8_t *rec;
  char msg[256];

  if (read_record (cold, frame_id, &h, &rec, NULL, error, error_len) < 0)
    return -1;
  if (tier_codec_decode (cold->codec, rec, &h, dst, dst_size, msg, sizeof msg) <
      0) {
    cold->st.read_errors++;
    METEOR_CHECK (0, "cold frame %" PRIu64 ": %s", frame_id, msg);
  }
  if (meta)
    memcpy (meta, rec + TIER_REC_HEADER, h.meta_len);
  if (meta_len)
    *meta_len = h.meta_len;
  cold->st.reads++;
  return 0;
}

int
tier_cold_get_record (TierCold *cold, uint64_t frame_id, TierColdRecord *out,
    char *error, size_t error_len)
{
  const uint8_t *rec;
  const char *format;

  memset (out, 0, sizeof *out);
  if (read_record (
          cold, frame_id, &out->header, &rec, &format, error, error_len) < 0)
    return -1;
  out->len = tier_rec_length (&out->header);
  out->record = malloc (out->len);
  out->format = strdup (format);
  if (out->record == NULL || out->format == NULL)
    abort ();
  memcpy (out->record, rec, out->len);
  cold->st.reads++;
  return 0;
}

void
tier_cold_record_clear (TierColdRecord *rec)
{
  free (rec->record);
  free (rec->format);
  memset (rec, 0, sizeof *rec);
}

void
tier_frame_clear (TierFrame *frame)
{
  free (frame->data);
  free (frame->format);
  memset (frame, 0, sizeof *frame);
}

int
tier_cold_get (TierCold *cold, uint64_t frame_id, TierFrame *frame, char *error,
    size_t error_len)
{
  TierColdInfo info;

  memset (frame, 0, sizeof *frame);
  METEOR_CHECK (tier_cold_lookup (cold, frame_id, &info),
      "frame %" PRIu64 " is not in the cold store", frame_id);
  frame->data = malloc (info.size ? info.size : 1);
  if (frame->data == NULL)
    abort ();
  if (tier_cold_read (cold, frame_id, frame->data, info.size, frame->meta,
          &frame->meta_len, error, error_len) < 0) {
    tier_frame_clear (frame);
    return -1;
  }
  frame->frame_id = info.frame_id;
  frame->pts_ns = info.pts_ns;
  frame->utc_ns = info.utc_ns;
  frame->size = info.size;
  frame->format = strdup (info.format);
  return 0;
}

void
tier_cold_get_stats (TierCold *cold, TierColdStats *stats)
{
  size_t i;

  *stats = cold->st;
  stats->frames = stats->raw_bytes = stats->stored_bytes = 0;
  for (i = 0; i < cold->nsegs; i++) {
    stats->frames += cold->segs[i].n;
    stats->raw_bytes += cold->segs[i].raw_bytes;
    stats->stored_bytes += cold->segs[i].seg_bytes - cold->segs[i].header_len;
  }
  stats->segments = cold->nsegs;
  stats->disk_bytes = disk_bytes (cold);
}
