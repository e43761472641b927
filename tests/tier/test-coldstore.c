/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the cold store (zstd segments, index, quota, recovery, write
 * errors). Plain C, no GStreamer. */
#include "coldstore.h"
#include "minitest.h"
#include "tiertest.h"

#include <fcntl.h>
#include <sys/wait.h>

#define FMT "video/x-raw, format=(string)GRAY8, width=(int)64, height=(int)48"
#define FMT2 "video/x-raw, format=(string)GRAY8, width=(int)32, height=(int)24"
#define SIZE (64 * 48)

static TierCold *
open_cold (
    const char *dir, uint64_t quota, uint64_t seg, TTWarn *w, const TierIo *io)
{
  TierColdConfig cfg = { 0 };
  char err[512] = "";
  TierCold *cold;

  cfg.dir = dir;
  cfg.quota_bytes = quota;
  cfg.segment_bytes = seg;
  cfg.warn = tt_warn;
  cfg.user_data = w;
  cfg.io = io;
  cold = tier_cold_open (&cfg, err, sizeof err);
  EXPECT (cold != NULL, "open %s: %s", dir, err);
  return cold;
}

static int
append (TierCold *cold, uint64_t id, size_t size, const char *fmt, char *err,
    size_t err_len)
{
  uint8_t *buf = malloc (size);
  char meta[32];
  TierRecord rec = tt_record (id, buf, size, meta);
  int r = tier_cold_append (cold, &rec, fmt, err, err_len);

  free (buf);
  return r;
}

/* Frame @id reads back with its bytes, meta, times and format. */
static int
reads_back (TierCold *cold, uint64_t id, size_t size, const char *fmt)
{
  TierFrame f;
  char err[512];
  int ok;

  if (tier_cold_get (cold, id, &f, err, sizeof err) < 0) {
    printf ("  frame %llu: %s\n", (unsigned long long)id, err);
    return 0;
  }
  ok = f.size == size && tt_check (f.data, size, id) &&
       tt_meta_ok (f.meta, f.meta_len, id) &&
       tt_times_ok (f.pts_ns, f.utc_ns, id) && strcmp (f.format, fmt) == 0;
  tier_frame_clear (&f);
  return ok;
}

static void
test_roundtrip (void)
{
  char *dir = tt_mkdtemp ("cold");
  TTWarn w = { 0 };
  TierCold *cold = open_cold (dir, 0, 0, &w, NULL);
  TierColdStats st;
  char err[512];
  uint64_t id;

  for (id = 0; id < 50; id++)
    EXPECT (append (cold, id, SIZE, FMT, err, sizeof err) == 0, "%s", err);
  /* readable before the segment is sealed, and after */
  EXPECT (reads_back (cold, 7, SIZE, FMT), "frame 7 from the open segment");
  EXPECT (tier_cold_contains (cold, 49) && !tier_cold_contains (cold, 50),
      "contains");
  tier_cold_get_stats (cold, &st);
  EXPECT (st.frames == 50 && st.appended == 50 && st.segments == 1,
      "frames %llu appended %llu segments %llu", (unsigned long long)st.frames,
      (unsigned long long)st.appended, (unsigned long long)st.segments);
  EXPECT (st.raw_bytes == 50ull * SIZE, "raw %llu",
      (unsigned long long)st.raw_bytes);
  EXPECT (st.stored_bytes * 3 < st.raw_bytes,
      "a ramp compresses at least 3x: %llu -> %llu",
      (unsigned long long)st.raw_bytes, (unsigned long long)st.stored_bytes);
  tier_cold_close (cold);

  cold = open_cold (dir, 0, 0, &w, NULL);
  for (id = 0; id < 50; id++)
    EXPECT (reads_back (cold, id, SIZE, FMT), "frame %llu after reopen",
        (unsigned long long)id);
  tier_cold_get_stats (cold, &st);
  EXPECT (st.frames == 50 && st.disk_bytes == tt_dir_bytes (dir),
      "frames %llu, disk %llu vs files %llu", (unsigned long long)st.frames,
      (unsigned long long)st.disk_bytes, tt_dir_bytes (dir));
  EXPECT (w.count == 0, "no warnings: %s", w.all);
  {
    TierFrame f;
    EXPECT (tier_cold_get (cold, 50, &f, err, sizeof err) < 0 &&
                strstr (err, "not in the cold store"),
        "absent frame: %s", err);
  }
  tier_cold_close (cold);
  tt_rmdir (dir);
}

static void
test_segments_and_formats (void)
{
  char *dir = tt_mkdtemp ("cold");
  TTWarn w = { 0 };
  TierCold *cold = open_cold (dir, 0, 16 * 1024, &w, NULL);
  TierColdStats st;
  TierColdInfo info;
  char err[512];
  uint64_t id;

  for (id = 0; id < 40; id++)
    EXPECT (append (cold, id, SIZE, FMT, err, sizeof err) == 0, "%s", err);
  for (id = 40; id < 45; id++)
    EXPECT (append (cold, id, 32 * 24, FMT2, err, sizeof err) == 0, "%s", err);
  tier_cold_get_stats (cold, &st);
  EXPECT (st.segments >= 3, "segments of 16 KiB: %llu",
      (unsigned long long)st.segments);
  EXPECT (tier_cold_lookup (cold, 42, &info) && info.size == 32 * 24 &&
              strcmp (info.format, FMT2) == 0,
      "the format travels with the segment");
  EXPECT (tier_cold_seal (cold, err, sizeof err) == 0, "%s", err);
  {
    uint64_t first = 99, last = 99;

    EXPECT (tier_cold_oldest_frames (cold, &first, &last) && first == 0 &&
                last > 0 && last < 39,
        "oldest segment holds %llu-%llu", (unsigned long long)first,
        (unsigned long long)last);
  }
  tier_cold_close (cold);
  cold = open_cold (dir, 0, 16 * 1024, &w, NULL);
  for (id = 0; id < 40; id++)
    EXPECT (
        reads_back (cold, id, SIZE, FMT), "frame %llu", (unsigned long long)id);
  for (id = 40; id < 45; id++)
    EXPECT (reads_back (cold, id, 32 * 24, FMT2), "frame %llu",
        (unsigned long long)id);
  /* a restarted pipeline counting from 0 again: the newest frame 3 wins */
  EXPECT (append (cold, 3, 32 * 24, FMT2, err, sizeof err) == 0, "%s", err);
  EXPECT (reads_back (cold, 3, 32 * 24, FMT2), "newest frame 3");
  tier_cold_close (cold);
  EXPECT (w.count == 0, "no warnings: %s", w.all);
  tt_rmdir (dir);
}

static void
test_quota (void)
{
  char *dir = tt_mkdtemp ("cold");
  TTWarn w = { 0 };
  uint64_t quota = 64 * 1024;
  TierCold *cold = open_cold (dir, quota, 0, &w, NULL);
  TierColdStats st;
  char err[512];
  uint64_t id, first_kept = 0;

  for (id = 0; id < 200; id++) {
    EXPECT (append (cold, id, SIZE, FMT, err, sizeof err) == 0, "%s", err);
    EXPECT (tt_dir_bytes (dir) <= quota, "files %llu > quota after %llu",
        tt_dir_bytes (dir), (unsigned long long)id);
  }
  tier_cold_get_stats (cold, &st);
  EXPECT (st.deleted_segments > 0 && w.count == (int)st.deleted_segments,
      "one warning per deleted segment: %d vs %llu", w.count,
      (unsigned long long)st.deleted_segments);
  EXPECT (strstr (w.last, "cold quota of 65536 bytes reached") &&
              strstr (w.last, "deleted the oldest cold segment"),
      "warning: %s", w.last);
  EXPECT (st.frames + st.deleted_frames == 200,
      "nothing else lost: %llu + %llu", (unsigned long long)st.frames,
      (unsigned long long)st.deleted_frames);
  EXPECT (
      st.disk_bytes <= quota, "disk %llu", (unsigned long long)st.disk_bytes);
  /* the frames kept are the newest, contiguous, and all read back */
  while (!tier_cold_contains (cold, first_kept))
    first_kept++;
  EXPECT (200 - first_kept == st.frames, "kept %llu..199 (%llu frames)",
      (unsigned long long)first_kept, (unsigned long long)st.frames);
  for (id = first_kept; id < 200; id++)
    EXPECT (
        reads_back (cold, id, SIZE, FMT), "frame %llu", (unsigned long long)id);
  tier_cold_close (cold);
  {
    /* random bytes do not compress: 200 KB cannot fit 64 KB */
    TierColdConfig cfg = { .dir = dir, .quota_bytes = quota };
    TierRecord rec = { 0 };
    uint8_t *noise = malloc (200000);
    size_t i;
    uint32_t s = 1;
    for (i = 0; i < 200000; i++) {
      s = s * 1103515245u + 12345u;
      noise[i] = s >> 24;
    }
    cold = tier_cold_open (&cfg, err, sizeof err);
    rec.frame_id = 1000;
    rec.data = noise;
    rec.size = 200000;
    EXPECT (tier_cold_append (cold, &rec, FMT, err, sizeof err) < 0 &&
                strstr (err, "does not fit the cold quota of 65536"),
        "too big: %s", err);
    EXPECT (reads_back (cold, 199, SIZE, FMT), "store intact");
    tier_cold_close (cold);
    free (noise);
  }
  tt_rmdir (dir);
}

static void
test_write_errors (void)
{
  static const struct {
    int err;
    const char *text;
  } cases[] = { { ENOSPC, "No space left on device" },
    { EIO, "Input/output error" } };
  size_t c;

  for (c = 0; c < 2; c++) {
    char *dir = tt_mkdtemp ("cold");
    TTWarn w = { 0 };
    TTFault fault = { .budget = -1 };
    TierIo io = tt_fault_io (&fault);
    TierCold *cold = open_cold (dir, 0, 0, &w, &io);
    TierColdStats st;
    char err[512];
    uint64_t id;

    for (id = 0; id < 10; id++)
      EXPECT (append (cold, id, SIZE, FMT, err, sizeof err) == 0, "%s", err);
    /* the disk fills up half-way through frame 10 */
    fault.budget = 100;
    fault.err = cases[c].err;
    EXPECT (append (cold, 10, SIZE, FMT, err, sizeof err) < 0 &&
                strstr (err, cases[c].text) && strstr (err, dir) &&
                strstr (err, "frame 10"),
        "error names the cause and file: %s", err);
    EXPECT (!tier_cold_contains (cold, 10), "frame 10 not indexed");
    for (id = 0; id < 10; id++)
      EXPECT (reads_back (cold, id, SIZE, FMT), "frame %llu intact",
          (unsigned long long)id);
    /* space again: the store goes on where it was */
    fault.budget = -1;
    EXPECT (append (cold, 11, SIZE, FMT, err, sizeof err) == 0, "%s", err);
    /* a failing fsync when sealing is an error too */
    fault.fsync_err = cases[c].err;
    EXPECT (tier_cold_seal (cold, err, sizeof err) < 0 &&
                strstr (err, cases[c].text),
        "seal: %s", err);
    fault.fsync_err = 0;
    tier_cold_get_stats (cold, &st);
    EXPECT (st.write_errors == 2, "write errors %llu",
        (unsigned long long)st.write_errors);
    tier_cold_close (cold);
    cold = open_cold (dir, 0, 0, &w, NULL);
    for (id = 0; id < 12; id++)
      if (id != 10)
        EXPECT (reads_back (cold, id, SIZE, FMT), "frame %llu after reopen",
            (unsigned long long)id);
    EXPECT (!tier_cold_contains (cold, 10), "frame 10 never stored");
    EXPECT (w.count == 0, "the partial record was cut off at once: %s", w.all);
    tier_cold_close (cold);
    tt_rmdir (dir);
  }
}

/* A crash leaves the open segment with a half-written record at its end. */
static void
test_recover_open_segment (void)
{
  char *dir = tt_mkdtemp ("cold");
  TTWarn w = { 0 };
  TierColdStats st;
  TierCold *cold;
  pid_t pid;
  int status;
  uint64_t id;

  fflush (stdout);
  pid = fork ();
  if (pid == 0) {
    TTFault fault = { .budget = -1, .kill_when_out = 1 };
    TierIo io = tt_fault_io (&fault);
    char err[512];
    cold = open_cold (dir, 0, 0, &w, &io);
    for (id = 0; id < 20; id++)
      if (append (cold, id, SIZE, FMT, err, sizeof err) < 0)
        _exit (3);
    fault.budget = 200; /* killed 200 bytes into frame 20 */
    append (cold, 20, SIZE, FMT, err, sizeof err);
    _exit (4);
  }
  waitpid (pid, &status, 0);
  EXPECT (WIFSIGNALED (status) && WTERMSIG (status) == 9, "child killed: %d",
      status);
  cold = open_cold (dir, 0, 0, &w, NULL);
  for (id = 0; id < 20; id++)
    EXPECT (
        reads_back (cold, id, SIZE, FMT), "frame %llu", (unsigned long long)id);
  EXPECT (!tier_cold_contains (cold, 20), "the partial frame is gone");
  tier_cold_get_stats (cold, &st);
  EXPECT (
      st.discarded_records == 1 && w.count == 1 && strstr (w.last, "discarded"),
      "discarded %llu, warning: %s", (unsigned long long)st.discarded_records,
      w.all);
  tier_cold_close (cold);
  /* and it was sealed: a second open has nothing to say */
  w.count = 0;
  cold = open_cold (dir, 0, 0, &w, NULL);
  EXPECT (w.count == 0 && tier_cold_contains (cold, 19), "clean: %s", w.last);
  tier_cold_close (cold);
  tt_rmdir (dir);
}

static void
test_index_rebuilt (void)
{
  char *dir = tt_mkdtemp ("cold");
  TTWarn w = { 0 };
  TierCold *cold = open_cold (dir, 0, 8192, &w, NULL);
  TierColdStats st;
  char err[512], path[4200];
  uint64_t id;
  int fd;

  for (id = 0; id < 30; id++)
    EXPECT (append (cold, id, SIZE, FMT, err, sizeof err) == 0, "%s", err);
  tier_cold_close (cold);
  /* one index deleted, another one damaged */
  snprintf (path, sizeof path, "%s/seg-%016x.mtri", dir, 0);
  EXPECT (unlink (path) == 0, "unlink %s", path);
  snprintf (path, sizeof path, "%s/seg-%016x.mtri", dir, 1);
  fd = open (path, O_WRONLY);
  EXPECT (fd >= 0 && pwrite (fd, "XX", 2, 40) == 2, "damage %s", path);
  close (fd);
  cold = open_cold (dir, 0, 8192, &w, NULL);
  tier_cold_get_stats (cold, &st);
  EXPECT (st.rebuilt_indexes == 2 && w.count == 2 && strstr (w.last, "rebuilt"),
      "rebuilt %llu: %s", (unsigned long long)st.rebuilt_indexes, w.all);
  for (id = 0; id < 30; id++)
    EXPECT (
        reads_back (cold, id, SIZE, FMT), "frame %llu", (unsigned long long)id);
  tier_cold_close (cold);
  tt_rmdir (dir);
}

/* An open segment (what a crash leaves) whose header is damaged holds
 * records: it is set aside with a warning, not deleted in silence (found
 * by test-fuzz). One cut inside its header held none: removed, and said. */
static void
test_open_segment_bad_header (void)
{
  char *dir = tt_mkdtemp ("cold");
  TTWarn w = { 0 };
  TierCold *cold = open_cold (dir, 0, 2048, &w, NULL);
  TierColdStats st;
  char err[512], path[4200], tmp[4200];
  uint64_t id;
  int fd;

  for (id = 0; id < 30; id++)
    EXPECT (append (cold, id, SIZE, FMT, err, sizeof err) == 0, "%s", err);
  tier_cold_close (cold);
  /* segments 0 and 1 become open ones: one with a damaged header, one cut
   * 30 bytes into it */
  snprintf (path, sizeof path, "%s/seg-%016x.mtrs", dir, 0);
  snprintf (tmp, sizeof tmp, "%s/seg-%016x.mtrs.tmp", dir, 0);
  EXPECT (rename (path, tmp) == 0, "rename %s", path);
  fd = open (tmp, O_WRONLY);
  EXPECT (fd >= 0 && pwrite (fd, "\xff", 1, 50) == 1, "damage %s", tmp);
  close (fd);
  snprintf (path, sizeof path, "%s/seg-%016x.mtri", dir, 0);
  unlink (path);
  snprintf (path, sizeof path, "%s/seg-%016x.mtrs", dir, 1);
  snprintf (tmp, sizeof tmp, "%s/seg-%016x.mtrs.tmp", dir, 1);
  EXPECT (rename (path, tmp) == 0 && truncate (tmp, 30) == 0, "cut %s", tmp);
  snprintf (path, sizeof path, "%s/seg-%016x.mtri", dir, 1);
  unlink (path);
  cold = open_cold (dir, 0, 2048, &w, NULL);
  tier_cold_get_stats (cold, &st);
  EXPECT (st.corrupt_segments == 1 && w.count == 2 &&
              strstr (w.all, "seg-0000000000000000.mtrs.tmp is unreadable") &&
              strstr (w.all, "seg-0000000000000001.mtrs.tmp ends inside its "
                             "header (30 bytes"),
      "%llu corrupt: %s", (unsigned long long)st.corrupt_segments, w.all);
  snprintf (path, sizeof path, "%s/seg-%016x.mtrs.tmp.corrupt", dir, 0);
  EXPECT (access (path, F_OK) == 0, "kept as %s", path);
  EXPECT (access (tmp, F_OK) < 0, "%s removed", tmp);
  EXPECT (!tier_cold_contains (cold, 0) && reads_back (cold, 29, SIZE, FMT),
      "the other segments are read");
  tier_cold_close (cold);
  tt_rmdir (dir);
}

static void
test_bad_settings (void)
{
  char *dir = tt_mkdtemp ("cold");
  char file[4200], sub[4300], err[512] = "";
  TierColdConfig cfg = { 0 };
  int fd;

  snprintf (file, sizeof file, "%s/plain-file", dir);
  fd = open (file, O_WRONLY | O_CREAT, 0644);
  close (fd);
  snprintf (sub, sizeof sub, "%s/cold", file);
  cfg.dir = sub;
  EXPECT (tier_cold_open (&cfg, err, sizeof err) == NULL && strstr (err, sub) &&
              strstr (err, "Not a directory"),
      "unusable directory: %s", err);
  cfg.dir = "";
  EXPECT (tier_cold_open (&cfg, err, sizeof err) == NULL &&
              strstr (err, "no cold directory"),
      "%s", err);
  {
    TTWarn w = { 0 };
    TierCold *cold = open_cold (dir, 0, 0, &w, NULL);
    uint8_t big_meta[300] = { 0 };
    TierRecord rec = { .frame_id = 1, .meta = big_meta, .meta_len = 300 };
    EXPECT (tier_cold_append (cold, &rec, FMT, err, sizeof err) < 0 &&
                strstr (err, "meta of 300 bytes"),
        "%s", err);
    tier_cold_close (cold);
  }
  tt_rmdir (dir);
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "roundtrip", test_roundtrip },
    { "segments and formats", test_segments_and_formats },
    { "quota retention", test_quota },
    { "write errors", test_write_errors },
    { "recover the open segment", test_recover_open_segment },
    { "index rebuilt", test_index_rebuilt },
    { "open segment with a bad header", test_open_segment_bad_header },
    { "bad settings", test_bad_settings },
  };
  return minitest_run (tests, sizeof tests / sizeof tests[0]);
}
