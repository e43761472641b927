/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: L3 cold store of tieredsink: zstd records in segment files
 * with an index, quota retention, recovery on open. */
#include "coldstore-private.h"

#include "coreutil.h"
#include "tierrecord.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
cold_seg_path (const TierCold *cold, uint64_t seq, const char *suffix,
    char *buf, size_t len)
{
  snprintf (buf, len, "%s/seg-%016" PRIx64 "%s", cold->dir, seq, suffix);
}

uint64_t
cold_idx_size (size_t n)
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

void
cold_seg_add_entry (ColdSeg *seg, const ColdEntry *e)
{
  seg->e = meteor_grow (seg->e, &seg->cap, seg->n + 1, sizeof *seg->e);
  if (seg->n > 0 && e->frame_id <= seg->e[seg->n - 1].frame_id)
    seg->sorted = 0;
  seg->e[seg->n++] = *e;
  seg->raw_bytes += e->raw_len;
  seg->idx_bytes = cold_idx_size (seg->n);
}

void
cold_seg_free (ColdSeg *seg)
{
  free (seg->format);
  free (seg->e);
}

/* Inserts @seg keeping the array ordered by seq; returns its index. */
size_t
cold_insert_seg (TierCold *cold, const ColdSeg *seg)
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
  cold_seg_free (&cold->segs[i]);
  memmove (&cold->segs[i], &cold->segs[i + 1],
      (cold->nsegs - i - 1) * sizeof *cold->segs);
  cold->nsegs--;
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
  if (cold_recover (cold, error, error_len) < 0) {
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
    cold_seg_free (&cold->segs[i]);
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
  cold_seg_path (cold, seg->seq, ".mtrs.tmp", tmp, sizeof tmp);
  cold_seg_path (cold, seg->seq, ".mtrs", path, sizeof path);
  if (tier_io_fsync (cold->cfg.io, cold->fd) < 0) {
    cold->st.write_errors++;
    METEOR_CHECK (0, "cannot sync cold segment %s: %s", tmp, strerror (errno));
  }
  if (cold_write_index (cold, seg, error, error_len) < 0) {
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
  cold_seg_path (cold, seg->seq, ".mtrs", path, sizeof path);
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
  cold_seg_path (cold, seg->seq, ".mtri", path, sizeof path);
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

  cold_seg_path (cold, seg.seq, ".mtrs.tmp", path, sizeof path);
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
  seg.idx_bytes = cold_idx_size (0);
  cold_insert_seg (cold, &seg);
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
          need + TIER_SEG_HEADER + strlen (format) + cold_idx_size (0) <= quota,
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
    need += TIER_SEG_HEADER + strlen (format) + cold_idx_size (0);
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
                   cold_idx_size (0) >
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
    cold_seg_path (cold, seg->seq, ".mtrs.tmp", path, sizeof path);
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
  cold_seg_add_entry (seg, &e);
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
  cold_seg_path (
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
