/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the station's outbox: order, acknowledgements across
 * reopening, torn tails, a writer killed mid-stream (nothing it was told
 * is written is lost), the quota, compaction and a bad directory. */
#include "minitest.h"
#include "outbox.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static gchar *
temp_dir (void)
{
  gchar *dir = g_dir_make_tmp ("test-outbox-XXXXXX", NULL);

  if (dir == NULL)
    abort ();
  return dir;
}

static void
remove_dir (gchar *dir)
{
  const gchar *names[] = { "outbox.log", "outbox.acks", "outbox.log.new" };
  size_t i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *p = g_build_filename (dir, names[i], NULL);

    g_unlink (p);
    g_free (p);
  }
  g_rmdir (dir);
  g_free (dir);
}

static MeteorOutbox *
open_ok (const gchar *dir, uint64_t max_bytes)
{
  GError *err = NULL;
  MeteorOutbox *o = meteor_outbox_open (dir, max_bytes, &err);

  EXPECT (o != NULL, "open: %s", err ? err->message : "?");
  g_clear_error (&err);
  return o;
}

static uint64_t
append_text (MeteorOutbox *o, const gchar *text)
{
  GError *err = NULL;
  uint64_t seq = 0;

  EXPECT (meteor_outbox_append (o, text, strlen (text), &seq, &err),
      "append %s: %s", text, err ? err->message : "?");
  g_clear_error (&err);
  return seq;
}

/* The pending messages, joined by "|". */
static gchar *
pending_text (const MeteorOutbox *o)
{
  GString *s = g_string_new (NULL);
  const void *p;
  size_t i, len;

  for (i = 0; meteor_outbox_peek (o, i, NULL, &p, &len); i++) {
    if (i)
      g_string_append_c (s, '|');
    g_string_append_len (s, p, (gssize)len);
  }
  return g_string_free (s, FALSE);
}

static void
expect_pending (const MeteorOutbox *o, const gchar *want)
{
  gchar *got = pending_text (o);

  EXPECT (g_str_equal (got, want), "pending \"%s\", want \"%s\"", got, want);
  g_free (got);
}

static void
test_order_and_acks (void)
{
  gchar *dir = temp_dir ();
  MeteorOutbox *o = open_ok (dir, 0);
  MeteorOutboxStats st;
  uint64_t a, b, c, d;

  a = append_text (o, "a");
  b = append_text (o, "b");
  c = append_text (o, "c");
  EXPECT (a < b && b < c,
      "sequence numbers %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
      ", %" G_GUINT64_FORMAT,
      a, b, c);
  /* out of order, and one that is not pending */
  EXPECT (meteor_outbox_ack (o, b, NULL), "ack b");
  EXPECT (meteor_outbox_ack (o, 999, NULL), "ack of nothing");
  expect_pending (o, "a|c");
  meteor_outbox_close (o);

  o = open_ok (dir, 0);
  expect_pending (o, "a|c");
  d = append_text (o, "d");
  EXPECT (d > c,
      "sequence number %" G_GUINT64_FORMAT " reused (c %" G_GUINT64_FORMAT ")",
      d, c);
  meteor_outbox_ack (o, a, NULL);
  meteor_outbox_ack (o, c, NULL);
  meteor_outbox_ack (o, d, NULL);
  meteor_outbox_get_stats (o, &st);
  EXPECT (st.pending == 0 && st.pending_bytes == 0 && st.disk_bytes == 0,
      "all acknowledged: %" G_GUINT64_FORMAT " pending, %" G_GUINT64_FORMAT
      " bytes on disk",
      st.pending, st.disk_bytes);
  meteor_outbox_close (o);
  o = open_ok (dir, 0);
  expect_pending (o, "");
  meteor_outbox_close (o);
  remove_dir (dir);
}

/* Appends @len bytes of @bytes to @path. */
static void
append_raw (const gchar *path, const void *bytes, size_t len)
{
  FILE *f = fopen (path, "ab");

  EXPECT (f && fwrite (bytes, 1, len, f) == len, "write %s", path);
  if (f)
    fclose (f);
}

static void
test_torn_tail (void)
{
  gchar *dir = temp_dir ();
  gchar *log = g_build_filename (dir, "outbox.log", NULL);
  MeteorOutbox *o = open_ok (dir, 0);
  /* a record's start: magic, a sequence number, a length of 100, a CRC,
   * then only 10 of its 100 bytes */
  static const uint8_t torn[] = { 'M', 'O', 'B', '1', 9, 0, 0, 0, 0, 0, 0, 0,
    100, 0, 0, 0, 1, 2, 3, 4, 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',
    'x' };
  MeteorOutboxStats st;
  GStatBuf sb;
  goffset size;

  append_text (o, "one");
  append_text (o, "two");
  meteor_outbox_close (o);
  EXPECT (g_stat (log, &sb) == 0, "stat");
  size = sb.st_size;
  append_raw (log, torn, sizeof (torn));

  o = open_ok (dir, 0);
  expect_pending (o, "one|two");
  meteor_outbox_get_stats (o, &st);
  EXPECT (st.torn_bytes == sizeof (torn), "torn bytes %" G_GUINT64_FORMAT,
      st.torn_bytes);
  EXPECT (g_stat (log, &sb) == 0 && sb.st_size == size,
      "the log is %ld bytes, not cut back to %ld", (long)sb.st_size,
      (long)size);
  append_text (o, "three");
  meteor_outbox_close (o);

  /* a flipped payload byte fails the CRC: that record and what follows go */
  {
    gchar *data;
    gsize len;

    g_file_get_contents (log, &data, &len, NULL);
    data[len - 1] ^= 0x20;
    g_file_set_contents (log, data, (gssize)len, NULL);
    g_free (data);
  }
  o = open_ok (dir, 0);
  expect_pending (o, "one|two");
  meteor_outbox_close (o);
  g_free (log);
  remove_dir (dir);
}

/* A writer killed while appending: every message it was told is written
 * comes back, whole and in order. */
static void
test_killed_writer (void)
{
  gchar *dir = temp_dir ();
  int fds[2];
  pid_t pid;
  guint64 told = 0, seq;
  MeteorOutbox *o;
  const void *p;
  size_t len, i;

  EXPECT (pipe (fds) == 0, "pipe");
  pid = fork ();
  if (pid == 0) {
    MeteorOutbox *w = meteor_outbox_open (dir, 0, NULL);
    char msg[64];

    close (fds[0]);
    for (i = 0; w; i++) {
      g_snprintf (msg, sizeof (msg), "detection %zu", i);
      if (!meteor_outbox_append (w, msg, strlen (msg), &seq, NULL) ||
          write (fds[1], &seq, sizeof (seq)) != sizeof (seq))
        _exit (1);
    }
    _exit (1);
  }
  close (fds[1]);
  /* kill it at some point after 200 messages it reported */
  while (told < 200 && read (fds[0], &seq, sizeof (seq)) == sizeof (seq))
    told = seq;
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  while (read (fds[0], &seq, sizeof (seq)) == sizeof (seq))
    told = seq;
  close (fds[0]);

  o = open_ok (dir, 0);
  for (i = 0; meteor_outbox_peek (o, i, &seq, &p, &len); i++) {
    gchar *want = g_strdup_printf ("detection %zu", i);

    EXPECT (len == strlen (want) && memcmp (p, want, len) == 0,
        "message %zu is \"%.*s\"", i, (int)len, (const char *)p);
    g_free (want);
  }
  /* the first sequence number is 1: the i-th message has i + 1 */
  EXPECT (i >= told && told >= 200,
      "%zu messages back, %" G_GUINT64_FORMAT " were reported written", i,
      told);
  meteor_outbox_close (o);
  remove_dir (dir);
}

static void
test_quota (void)
{
  gchar *dir = temp_dir ();
  MeteorOutbox *o = open_ok (dir, 100); /* about 3 short records */
  GError *err = NULL;
  MeteorOutboxStats st;
  uint64_t first;

  first = append_text (o, "0123456789");
  append_text (o, "0123456789");
  append_text (o, "0123456789");
  EXPECT (!meteor_outbox_append (o, "0123456789", 10, NULL, &err),
      "a fourth message fits in 100 bytes");
  EXPECT (err && err->code == METEOR_OUTBOX_ERROR_FULL &&
              strstr (err->message, "full"),
      "error: %s", err ? err->message : "none");
  g_clear_error (&err);
  meteor_outbox_get_stats (o, &st);
  EXPECT (st.refused == 1 && st.pending == 3,
      "refused %" G_GUINT64_FORMAT ", pending %" G_GUINT64_FORMAT, st.refused,
      st.pending);
  /* once the broker has one, the log is rewritten and there is room */
  meteor_outbox_ack (o, first, NULL);
  append_text (o, "abcdefghij");
  meteor_outbox_get_stats (o, &st);
  EXPECT (st.compactions >= 1 && st.disk_bytes <= 100,
      "compactions %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT " bytes",
      st.compactions, st.disk_bytes);
  expect_pending (o, "0123456789|0123456789|abcdefghij");
  meteor_outbox_close (o);
  remove_dir (dir);
}

/* A long outage then the broker back: a log of mostly acknowledged
 * records is rewritten, and what is pending survives that and a reopen. */
static void
test_compaction (void)
{
  gchar *dir = temp_dir ();
  MeteorOutbox *o = open_ok (dir, 0);
  MeteorOutboxStats st;
  gchar payload[1000];
  uint64_t seqs[300];
  size_t i;

  memset (payload, 'm', sizeof (payload));
  for (i = 0; i < G_N_ELEMENTS (seqs); i++) {
    payload[0] = (gchar)('A' + i % 26);
    meteor_outbox_append (o, payload, sizeof (payload), &seqs[i], NULL);
  }
  /* all but the last two */
  for (i = 0; i + 2 < G_N_ELEMENTS (seqs); i++)
    meteor_outbox_ack (o, seqs[i], NULL);
  meteor_outbox_get_stats (o, &st);
  EXPECT (st.compactions >= 1 && st.pending == 2 && st.disk_bytes < 100000,
      "compactions %" G_GUINT64_FORMAT ", pending %" G_GUINT64_FORMAT
      ", %" G_GUINT64_FORMAT " bytes on disk",
      st.compactions, st.pending, st.disk_bytes);
  meteor_outbox_close (o);
  o = open_ok (dir, 0);
  meteor_outbox_get_stats (o, &st);
  EXPECT (st.pending == 2, "pending %" G_GUINT64_FORMAT, st.pending);
  {
    const void *p;
    uint64_t seq;

    EXPECT (meteor_outbox_peek (o, 0, &seq, &p, NULL) && seq == seqs[298] &&
                ((const gchar *)p)[0] == 'A' + 298 % 26,
        "the first pending is not message 298");
  }
  meteor_outbox_close (o);
  remove_dir (dir);
}

static void
test_bad_dir (void)
{
  gchar *dir = temp_dir ();
  gchar *file = g_build_filename (dir, "outbox.log", NULL);
  gchar *under = g_build_filename (file, "outbox", NULL);
  GError *err = NULL;
  MeteorOutbox *o;

  g_file_set_contents (file, "", 0, NULL);
  o = meteor_outbox_open (under, 0, &err);
  EXPECT (o == NULL && err && strstr (err->message, under),
      "opened under a file, or no path in: %s", err ? err->message : "none");
  g_clear_error (&err);
  meteor_outbox_close (o);
  g_free (under);
  g_free (file);
  remove_dir (dir);
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "order, acknowledgements, reopening", test_order_and_acks },
    { "a torn tail and a bad CRC", test_torn_tail },
    { "a writer killed mid-stream loses nothing it reported",
        test_killed_writer },
    { "the quota", test_quota },
    { "compaction", test_compaction },
    { "a directory that cannot be made", test_bad_dir },
  };

  return minitest_run (tests, G_N_ELEMENTS (tests));
}
