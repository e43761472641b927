/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the station's outbox, append-only and fsync'd (outbox.h) */
#include "outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define LOG_NAME "outbox.log"
#define ACKS_NAME "outbox.acks"
#define LOG_MAGIC 0x31424f4du   /* "MOB1" */
#define ACK_MAGIC 0x31414f4du   /* "MOA1" */
#define LOG_HEADER 20           /* magic, sequence, length, CRC-32 */
#define ACK_RECORD 16           /* magic, sequence, CRC-32 of the sequence */
#define MAX_PAYLOAD (16u << 20) /* a detection is a few kB */
/* a log is rewritten once it holds more acknowledged records than pending
 * ones and is larger than this */
#define COMPACT_MIN_BYTES (64u << 10)

typedef struct {
  uint64_t seq;
  size_t len;
  uint8_t data[];
} Entry;

struct MeteorOutbox {
  char *dir, *log_path, *acks_path;
  int log_fd, acks_fd;
  uint64_t max_bytes;
  uint64_t next_seq;
  uint64_t log_bytes, acks_bytes;
  uint64_t acked_in_log; /* records in the log that are acknowledged */
  GQueue pending;        /* Entry *, oldest first */
  MeteorOutboxStats stats;
};

G_DEFINE_QUARK (meteor - outbox - error - quark, meteor_outbox_error)

static gboolean
fail_errno (GError **error, const char *what, const char *path)
{
  int e = errno;

  g_set_error (error, METEOR_OUTBOX_ERROR, METEOR_OUTBOX_ERROR_IO,
      "outbox: cannot %s %s: %s", what, path, g_strerror (e));
  return FALSE;
}

static void
put_u32 (uint8_t *p, uint32_t v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, 4);
}

static void
put_u64 (uint8_t *p, uint64_t v)
{
  v = GUINT64_TO_LE (v);
  memcpy (p, &v, 8);
}

static uint32_t
get_u32 (const uint8_t *p)
{
  uint32_t v;

  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static uint64_t
get_u64 (const uint8_t *p)
{
  uint64_t v;

  memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

static uint32_t
crc (const void *p, size_t len)
{
  return (uint32_t)crc32 (crc32 (0L, Z_NULL, 0), p, (uInt)len);
}

/* Writes all of @buf at the end of @fd and syncs it; on failure cuts the
 * file back to @size, so a half-written record never stays. */
static gboolean
append_synced (int fd, uint64_t size, const uint8_t *buf, size_t len,
    const char *path, GError **error)
{
  size_t done = 0;

  while (done < len) {
    ssize_t n = write (fd, buf + done, len - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      goto failed;
    done += (size_t)n;
  }
  if (fdatasync (fd) == 0)
    return TRUE;
failed:
  fail_errno (error, "write", path);
  if (ftruncate (fd, (off_t)size) == 0)
    fdatasync (fd);
  return FALSE;
}

/* Cuts @fd to @size and syncs it (a torn tail, or an emptied file). */
static gboolean
cut (int fd, uint64_t size, const char *path, GError **error)
{
  if (ftruncate (fd, (off_t)size) != 0 || fdatasync (fd) != 0)
    return fail_errno (error, "truncate", path);
  return TRUE;
}

static int
open_append (const char *path)
{
  return g_open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

/* The length of the valid records at the start of the log in @data; each
 * one's entry pushed onto @out (sequence number and payload). */
static size_t
parse_log (const uint8_t *data, size_t size, GQueue *out)
{
  size_t off = 0;

  while (size - off >= LOG_HEADER) {
    const uint8_t *h = data + off;
    uint32_t len = get_u32 (h + 12);
    Entry *e;

    if (get_u32 (h) != LOG_MAGIC || len > MAX_PAYLOAD ||
        size - off - LOG_HEADER < len ||
        crc (h + LOG_HEADER, len) != get_u32 (h + 16))
      break;
    e = g_malloc (sizeof (Entry) + len);
    e->seq = get_u64 (h + 4);
    e->len = len;
    memcpy (e->data, h + LOG_HEADER, len);
    g_queue_push_tail (out, e);
    off += LOG_HEADER + len;
  }
  return off;
}

/* The length of the valid records of the acks file in @data, their
 * sequence numbers added to @acked; the largest into *max_seq. */
static size_t
parse_acks (
    const uint8_t *data, size_t size, GHashTable *acked, uint64_t *max_seq)
{
  size_t off = 0;

  for (; size - off >= ACK_RECORD; off += ACK_RECORD) {
    const uint8_t *r = data + off;
    uint64_t seq = get_u64 (r + 4);

    if (get_u32 (r) != ACK_MAGIC || crc (r + 4, 8) != get_u32 (r + 12))
      break;
    g_hash_table_add (acked, g_memdup2 (&seq, sizeof (seq)));
    *max_seq = MAX (*max_seq, seq);
  }
  return off;
}

/* Reads @path (empty when it does not exist yet). */
static gboolean
read_file (const char *path, gchar **data, gsize *size, GError **error)
{
  GError *err = NULL;

  if (g_file_get_contents (path, data, size, &err))
    return TRUE;
  if (g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
    g_error_free (err);
    *data = g_strdup ("");
    *size = 0;
    return TRUE;
  }
  g_set_error (error, METEOR_OUTBOX_ERROR, METEOR_OUTBOX_ERROR_IO,
      "outbox: cannot read %s: %s", path, err->message);
  g_error_free (err);
  return FALSE;
}

/* Loads both files: pending entries, torn tails cut. */
static gboolean
load (MeteorOutbox *o, GError **error)
{
  GHashTable *acked =
      g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  gchar *log = NULL, *acks = NULL;
  gsize log_size = 0, acks_size = 0, log_ok, acks_ok;
  GQueue all = G_QUEUE_INIT;
  uint64_t max_seq = 0;
  gboolean ok = FALSE;
  Entry *e;

  if (!read_file (o->log_path, &log, &log_size, error) ||
      !read_file (o->acks_path, &acks, &acks_size, error))
    goto out;
  log_ok = parse_log ((const uint8_t *)log, log_size, &all);
  acks_ok = parse_acks ((const uint8_t *)acks, acks_size, acked, &max_seq);
  o->stats.torn_bytes = (log_size - log_ok) + (acks_size - acks_ok);
  if ((log_ok < log_size && !cut (o->log_fd, log_ok, o->log_path, error)) ||
      (acks_ok < acks_size && !cut (o->acks_fd, acks_ok, o->acks_path, error)))
    goto out;
  o->log_bytes = log_ok;
  o->acks_bytes = acks_ok;
  while ((e = g_queue_pop_head (&all))) {
    /* a sequence number acknowledged is never reused: the next one is
     * past every number in either file */
    max_seq = MAX (max_seq, e->seq);
    if (g_hash_table_contains (acked, &e->seq)) {
      o->acked_in_log++;
      g_free (e);
    } else {
      g_queue_push_tail (&o->pending, e);
      o->stats.pending_bytes += e->len;
    }
  }
  o->next_seq = max_seq + 1;
  ok = TRUE;
out:
  g_queue_clear_full (&all, g_free);
  g_hash_table_unref (acked);
  g_free (log);
  g_free (acks);
  return ok;
}

MeteorOutbox *
meteor_outbox_open (const char *dir, uint64_t max_bytes, GError **error)
{
  MeteorOutbox *o = g_new0 (MeteorOutbox, 1);

  o->dir = g_strdup (dir);
  o->log_path = g_build_filename (dir, LOG_NAME, NULL);
  o->acks_path = g_build_filename (dir, ACKS_NAME, NULL);
  o->max_bytes = max_bytes;
  o->log_fd = o->acks_fd = -1;
  g_queue_init (&o->pending);
  if (g_mkdir_with_parents (dir, 0755) != 0) {
    fail_errno (error, "create", dir);
    goto failed;
  }
  o->log_fd = open_append (o->log_path);
  if (o->log_fd < 0) {
    fail_errno (error, "open", o->log_path);
    goto failed;
  }
  o->acks_fd = open_append (o->acks_path);
  if (o->acks_fd < 0) {
    fail_errno (error, "open", o->acks_path);
    goto failed;
  }
  if (load (o, error))
    return o;
failed:
  meteor_outbox_close (o);
  return NULL;
}

void
meteor_outbox_close (MeteorOutbox *o)
{
  if (o == NULL)
    return;
  if (o->log_fd >= 0)
    close (o->log_fd);
  if (o->acks_fd >= 0)
    close (o->acks_fd);
  g_queue_clear_full (&o->pending, g_free);
  g_free (o->dir);
  g_free (o->log_path);
  g_free (o->acks_path);
  g_free (o);
}

static void
put_log_record (uint8_t *p, const Entry *e)
{
  put_u32 (p, LOG_MAGIC);
  put_u64 (p + 4, e->seq);
  put_u32 (p + 12, (uint32_t)e->len);
  put_u32 (p + 16, crc (e->data, e->len));
  memcpy (p + LOG_HEADER, e->data, e->len);
}

/* Everything acknowledged: both files emptied, the log first (a crash in
 * between leaves acknowledgements of records no longer there: harmless). */
static gboolean
empty_files (MeteorOutbox *o, GError **error)
{
  if (!cut (o->log_fd, 0, o->log_path, error) ||
      !cut (o->acks_fd, 0, o->acks_path, error))
    return FALSE;
  o->log_bytes = o->acks_bytes = o->acked_in_log = 0;
  o->stats.compactions++;
  return TRUE;
}

/* The pending records into a new log, synced and renamed over the old
 * one, then the acks emptied. */
static gboolean
rewrite_log (MeteorOutbox *o, GError **error)
{
  char *tmp = g_strconcat (o->log_path, ".new", NULL);
  GByteArray *buf = g_byte_array_new ();
  gboolean ok = FALSE;
  int fd, dir_fd;
  GList *l;

  for (l = o->pending.head; l; l = l->next) {
    const Entry *e = l->data;
    guint at = buf->len;

    g_byte_array_set_size (buf, at + LOG_HEADER + (guint)e->len);
    put_log_record (buf->data + at, e);
  }
  fd = g_open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail_errno (error, "create", tmp);
    goto out;
  }
  if (!append_synced (fd, 0, buf->data, buf->len, tmp, error)) {
    close (fd);
    g_unlink (tmp);
    goto out;
  }
  close (fd);
  if (g_rename (tmp, o->log_path) != 0) {
    fail_errno (error, "rename", tmp);
    g_unlink (tmp);
    goto out;
  }
  dir_fd = g_open (o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (dir_fd >= 0) {
    fsync (dir_fd); /* the rename itself on disk */
    close (dir_fd);
  }
  close (o->log_fd);
  o->log_fd = open_append (o->log_path);
  if (o->log_fd < 0) {
    fail_errno (error, "open", o->log_path);
    goto out;
  }
  o->log_bytes = buf->len;
  o->acked_in_log = 0;
  if (!cut (o->acks_fd, 0, o->acks_path, error))
    goto out;
  o->acks_bytes = 0;
  o->stats.compactions++;
  ok = TRUE;
out:
  g_byte_array_unref (buf);
  g_free (tmp);
  return ok;
}

gboolean
meteor_outbox_append (MeteorOutbox *o, const void *payload, size_t len,
    uint64_t *seq, GError **error)
{
  size_t size = LOG_HEADER + len;
  uint8_t *rec;
  Entry *e;

  if (len > MAX_PAYLOAD) {
    o->stats.refused++;
    g_set_error (error, METEOR_OUTBOX_ERROR, METEOR_OUTBOX_ERROR_FULL,
        "outbox: a message of %zu bytes is over the %u allowed", len,
        MAX_PAYLOAD);
    return FALSE;
  }
  if (o->max_bytes && o->log_bytes + o->acks_bytes + size > o->max_bytes &&
      o->acked_in_log > 0 && !rewrite_log (o, error)) {
    o->stats.refused++;
    return FALSE;
  }
  if (o->max_bytes && o->log_bytes + o->acks_bytes + size > o->max_bytes) {
    o->stats.refused++;
    g_set_error (error, METEOR_OUTBOX_ERROR, METEOR_OUTBOX_ERROR_FULL,
        "outbox %s is full: %" G_GUINT64_FORMAT
        " bytes pending, %" G_GUINT64_FORMAT
        " allowed (the broker has not acknowledged them)",
        o->dir, o->log_bytes, o->max_bytes);
    return FALSE;
  }
  e = g_malloc (sizeof (Entry) + len);
  e->seq = o->next_seq;
  e->len = len;
  memcpy (e->data, payload, len);
  rec = g_malloc (size);
  put_log_record (rec, e);
  if (!append_synced (o->log_fd, o->log_bytes, rec, size, o->log_path, error)) {
    g_free (rec);
    g_free (e);
    o->stats.refused++;
    return FALSE;
  }
  g_free (rec);
  o->next_seq++;
  o->log_bytes += size;
  g_queue_push_tail (&o->pending, e);
  o->stats.pending_bytes += len;
  o->stats.appended++;
  if (seq)
    *seq = e->seq;
  return TRUE;
}

gboolean
meteor_outbox_ack (MeteorOutbox *o, uint64_t seq, GError **error)
{
  uint8_t rec[ACK_RECORD];
  Entry *e = NULL;
  GList *l;

  /* acknowledgements come mostly in order: the oldest first */
  for (l = o->pending.head; l; l = l->next)
    if (((Entry *)l->data)->seq == seq) {
      e = l->data;
      break;
    }
  if (e == NULL)
    return TRUE;
  put_u32 (rec, ACK_MAGIC);
  put_u64 (rec + 4, seq);
  put_u32 (rec + 12, crc (rec + 4, 8));
  if (!append_synced (
          o->acks_fd, o->acks_bytes, rec, ACK_RECORD, o->acks_path, error))
    return FALSE;
  o->acks_bytes += ACK_RECORD;
  o->acked_in_log++;
  o->stats.pending_bytes -= e->len;
  o->stats.acked++;
  g_queue_delete_link (&o->pending, l);
  g_free (e);
  /* the acknowledgement is on disk: tidying up may fail, the message is
   * gone either way */
  if (o->pending.length == 0)
    return empty_files (o, error);
  if (o->acked_in_log > o->pending.length && o->log_bytes > COMPACT_MIN_BYTES)
    return rewrite_log (o, error);
  return TRUE;
}

gboolean
meteor_outbox_peek (const MeteorOutbox *o, size_t index, uint64_t *seq,
    const void **payload, size_t *len)
{
  const Entry *e = g_queue_peek_nth ((GQueue *)&o->pending, (guint)index);

  if (e == NULL)
    return FALSE;
  if (seq)
    *seq = e->seq;
  if (payload)
    *payload = e->data;
  if (len)
    *len = e->len;
  return TRUE;
}

void
meteor_outbox_get_stats (const MeteorOutbox *o, MeteorOutboxStats *stats)
{
  *stats = o->stats;
  stats->pending = o->pending.length;
  stats->disk_bytes = o->log_bytes + o->acks_bytes;
}
