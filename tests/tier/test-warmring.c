/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the warm ring (mmap'd slots, zero-copy lookups, generations,
 * pins, recovery, bad settings). Plain C, no GStreamer. */
#include "minitest.h"
#include "tiertest.h"
#include "warmring.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#define FMT "video/x-raw, format=(string)GRAY8, width=(int)100, height=(int)50"
#define SIZE 5000
#define RING (4096 * 3 + 8 * 8192) /* header, table, 8 slots of 2 pages */

static TierWarm *
open_warm (const char *path, uint64_t max, size_t size, const char *fmt,
    TTWarn *w, int crc)
{
  TierWarmConfig cfg = { 0 };
  char err[512] = "";
  TierWarm *warm;

  cfg.path = path;
  cfg.max_bytes = max;
  cfg.frame_size = size;
  cfg.format = fmt;
  cfg.checksum_payload = crc;
  cfg.warn = tt_warn;
  cfg.user_data = w;
  warm = tier_warm_open (&cfg, err, sizeof err);
  EXPECT (warm != NULL, "open %s: %s", path, err);
  return warm;
}

static int
put (TierWarm *warm, uint64_t id, TierWarmEviction *ev)
{
  uint8_t buf[SIZE];
  char meta[32], err[512];
  TierRecord rec = tt_record (id, buf, SIZE, meta);

  if (tier_warm_put (warm, &rec, ev, err, sizeof err) < 0) {
    printf ("  put %llu: %s\n", (unsigned long long)id, err);
    return -1;
  }
  return 0;
}

static int
holds (TierWarm *warm, uint64_t id)
{
  TierWarmRef ref;

  if (!tier_warm_lookup (warm, id, &ref))
    return 0;
  return ref.frame_id == id && ref.size == SIZE &&
         tt_check (ref.data, SIZE, id) &&
         tt_meta_ok (ref.meta, ref.meta_len, id) &&
         tt_times_ok (ref.pts_ns, ref.utc_ns, id) &&
         tier_warm_is_valid (warm, ref.slot, ref.generation);
}

/* Writes @len bytes of @data at @offset of the ring file @path, as a crash
 * or a bad disk leaves them. */
static int
damage (const char *path, const void *data, size_t len, off_t offset)
{
  int fd = open (path, O_RDWR);
  ssize_t n = fd >= 0 ? pwrite (fd, data, len, offset) : -1;

  if (fd >= 0)
    close (fd);
  return n == (ssize_t)len;
}

/* The ring at @path (RING bytes, SIZE frames) with frames 0 .. @n - 1 put,
 * closed. */
static void
fill_ring (const char *path, TTWarn *w, int crc, uint64_t n)
{
  TierWarm *warm = open_warm (path, RING, SIZE, FMT, w, crc);
  uint64_t id;

  for (id = 0; id < n; id++)
    put (warm, id, NULL);
  tier_warm_close (warm);
}

static char *
ring_path (char *dir)
{
  static char path[4200];
  snprintf (path, sizeof path, "%s/warm.ring", dir);
  return path;
}

static void
test_put_lookup_evict (void)
{
  char *dir = tt_mkdtemp ("warm");
  TTWarn w = { 0 };
  TierWarm *warm = open_warm (ring_path (dir), RING, SIZE, FMT, &w, 0);
  TierWarmEviction ev;
  TierWarmStats st;
  TierWarmRef ref, ref2;
  uint32_t n = tier_warm_n_slots (warm);
  uint64_t id;
  int evictions = 0;

  EXPECT (n == 8, "8 slots, got %u", n);
  for (id = 0; id < n + 5; id++) {
    EXPECT (put (warm, id, &ev) == 0, "put");
    if (id < n)
      EXPECT (
          !ev.evicted, "nothing evicted by frame %llu", (unsigned long long)id);
    else {
      EXPECT (ev.evicted && ev.frame_id == id - n,
          "frame %llu evicts %llu, got %d %llu", (unsigned long long)id,
          (unsigned long long)(id - n), ev.evicted,
          (unsigned long long)ev.frame_id);
      evictions++;
    }
  }
  for (id = 0; id < 5; id++)
    EXPECT (!tier_warm_lookup (warm, id, &ref), "frame %llu aged out",
        (unsigned long long)id);
  for (id = 5; id < n + 5; id++)
    EXPECT (holds (warm, id), "frame %llu", (unsigned long long)id);
  /* zero-copy: the same page-aligned memory each time, inside the file */
  EXPECT (tier_warm_lookup (warm, 9, &ref) &&
              tier_warm_lookup (warm, 9, &ref2) && ref.data == ref2.data &&
              ((uintptr_t)ref.data & 4095) == 0,
      "same mapping");
  /* overwriting the slot changes its generation */
  EXPECT (put (warm, 100, &ev) == 0 && ev.frame_id == 5, "evicts 5");
  EXPECT (tier_warm_lookup (warm, 6, &ref), "6 held");
  for (id = 101; id < 101 + n - 1; id++)
    put (warm, id, NULL);
  EXPECT (!tier_warm_is_valid (warm, ref.slot, ref.generation),
      "frame 6's slot was reused: its ref is invalid");
  tier_warm_get_stats (warm, &st);
  EXPECT (st.puts == 2 * n + 5 && st.put_bytes == st.puts * SIZE &&
              st.overwrites == n + 5 && st.frames == n && st.bytes == n * SIZE,
      "puts %llu overwrites %llu frames %llu", (unsigned long long)st.puts,
      (unsigned long long)st.overwrites, (unsigned long long)st.frames);
  EXPECT (tier_warm_remove (warm, 101) && !tier_warm_lookup (warm, 101, &ref),
      "remove");
  tier_warm_close (warm);
  EXPECT (w.count == 0, "no warnings: %s", w.all);
  tt_rmdir (dir);
}

static void
test_pin (void)
{
  char *dir = tt_mkdtemp ("warm");
  TTWarn w = { 0 };
  TierWarm *warm = open_warm (ring_path (dir), RING, SIZE, FMT, &w, 0);
  TierWarmRef ref;
  TierWarmStats st;
  char err[512];
  uint64_t id;
  uint32_t i, n = tier_warm_n_slots (warm);

  for (id = 0; id < n; id++)
    put (warm, id, NULL);
  EXPECT (tier_warm_lookup (warm, 2, &ref) &&
              tier_warm_pin (warm, ref.slot, ref.generation) == 0,
      "pin frame 2");
  for (id = n; id < 3 * n; id++)
    EXPECT (put (warm, id, NULL) == 0, "put %llu", (unsigned long long)id);
  EXPECT (holds (warm, 2), "a pinned frame survives two laps");
  tier_warm_get_stats (warm, &st);
  EXPECT (
      st.pinned_skips == 2, "skips %llu", (unsigned long long)st.pinned_skips);
  tier_warm_unpin (warm, ref.slot);
  for (id = 3 * n; id < 4 * n; id++)
    put (warm, id, NULL);
  EXPECT (!tier_warm_is_valid (warm, ref.slot, ref.generation),
      "unpinned: overwritten");
  EXPECT (tier_warm_pin (warm, ref.slot, ref.generation) < 0,
      "pinning a stale ref fails");
  /* every slot pinned: a clear error */
  for (i = 0; i < n; i++) {
    tier_warm_lookup (warm, 3 * n + i, &ref);
    tier_warm_pin (warm, ref.slot, ref.generation);
  }
  {
    uint8_t buf[SIZE] = { 0 };
    TierRecord rec = { .frame_id = 999, .data = buf, .size = SIZE };
    EXPECT (tier_warm_put (warm, &rec, NULL, err, sizeof err) < 0 &&
                strstr (err, "all 8 warm ring slots are pinned"),
        "%s", err);
  }
  tier_warm_close (warm);
  tt_rmdir (dir);
}

static void
test_recover (void)
{
  char *dir = tt_mkdtemp ("warm");
  char *path = ring_path (dir);
  TTWarn w = { 0 };
  TierWarm *warm;
  TierWarmEviction ev;
  TierWarmStats st;
  uint64_t id;

  fill_ring (path, &w, 0, 11);
  warm = open_warm (path, RING, SIZE, FMT, &w, 0);
  tier_warm_get_stats (warm, &st);
  EXPECT (st.recovered == 8 && st.frames == 8 && w.count == 0,
      "recovered %llu: %s", (unsigned long long)st.recovered, w.all);
  for (id = 3; id < 11; id++)
    EXPECT (
        holds (warm, id), "frame %llu after reopen", (unsigned long long)id);
  /* the ring goes on where it stopped: the next put evicts the oldest */
  EXPECT (put (warm, 11, &ev) == 0 && ev.evicted && ev.frame_id == 3,
      "evicts 3, got %llu", (unsigned long long)ev.frame_id);
  tier_warm_close (warm);

  /* killed in the middle of a put of frame 12: the generation of its slot
   * (slot 12 % 8) was cleared and the payload half-copied */
  put (warm = open_warm (path, RING, SIZE, FMT, &w, 0), 12, NULL);
  tier_warm_close (warm);
  {
    uint8_t zero[8] = { 0 }, junk[100];
    memset (junk, 0xab, sizeof junk);
    EXPECT (damage (path, zero, 8, 4096 + 4 * 320), "clear generation");
    EXPECT (damage (path, junk, 100, 3 * 4096 + 4 * 8192 + 50), "junk");
  }
  warm = open_warm (path, RING, SIZE, FMT, &w, 0);
  tier_warm_get_stats (warm, &st);
  EXPECT (st.discarded == 1 && st.recovered == 7 && w.count == 1 &&
              strstr (w.last, "1 half-written or corrupt slots discarded"),
      "discarded %llu recovered %llu: %s", (unsigned long long)st.discarded,
      (unsigned long long)st.recovered, w.all);
  {
    TierWarmRef ref;
    EXPECT (
        !tier_warm_lookup (warm, 12, &ref), "the half-written frame is gone");
    for (id = 5; id < 12; id++)
      EXPECT (holds (warm, id), "frame %llu kept", (unsigned long long)id);
  }
  tier_warm_close (warm);
  tt_rmdir (dir);
}

static void
test_payload_crc (void)
{
  char *dir = tt_mkdtemp ("warm");
  char *path = ring_path (dir);
  TTWarn w = { 0 };
  TierWarm *warm;
  TierWarmStats st;
  uint64_t id;

  fill_ring (path, &w, 1, 8);
  /* a payload that never reached the disk (power loss): slot 3 */
  EXPECT (damage (path, "garbage", 7, 3 * 4096 + 3 * 8192 + 10), "write");
  warm = open_warm (path, RING, SIZE, FMT, &w, 1);
  tier_warm_get_stats (warm, &st);
  EXPECT (st.recovered == 7 && st.discarded == 1 && w.count == 1,
      "recovered %llu discarded %llu", (unsigned long long)st.recovered,
      (unsigned long long)st.discarded);
  for (id = 0; id < 8; id++)
    EXPECT (
        holds (warm, id) == (id != 3), "frame %llu", (unsigned long long)id);
  tier_warm_close (warm);
  tt_rmdir (dir);
}

static void
test_reformat (void)
{
  char *dir = tt_mkdtemp ("warm");
  char *path = ring_path (dir);
  TTWarn w = { 0 };
  TierWarm *warm = open_warm (path, RING, SIZE, FMT, &w, 0);
  TierWarmRef ref;
  TierWarmStats st;
  char err[512];
  uint64_t id;

  for (id = 0; id < 4; id++)
    put (warm, id, NULL);
  tier_warm_lookup (warm, 1, &ref);
  EXPECT (tier_warm_reformat (
              warm, 2000, "video/x-raw, width=(int)40", err, sizeof err) == 0,
      "%s", err);
  EXPECT (tier_warm_n_slots (warm) == 16 && tier_warm_frame_size (warm) == 2000,
      "16 slots of one page: %u", tier_warm_n_slots (warm));
  EXPECT (!tier_warm_is_valid (warm, ref.slot, ref.generation) &&
              !tier_warm_lookup (warm, 1, &ref),
      "old frames gone");
  {
    uint8_t buf[SIZE];
    char meta[32];
    TierRecord rec = tt_record (7, buf, SIZE, meta);
    EXPECT (tier_warm_put (warm, &rec, NULL, err, sizeof err) < 0 &&
                strstr (err, "has 5000 bytes") &&
                strstr (err, "frames of 2000"),
        "old size refused: %s", err);
    rec.size = 2000;
    EXPECT (tier_warm_put (warm, &rec, NULL, err, sizeof err) == 0, "%s", err);
  }
  tier_warm_close (warm);
  /* reopened with the old caps: reformatted, with a warning */
  warm = open_warm (path, RING, SIZE, FMT, &w, 0);
  tier_warm_get_stats (warm, &st);
  EXPECT (st.frames == 0 && w.count == 1 &&
              strstr (w.last, "another size or format"),
      "%s", w.all);
  tier_warm_close (warm);
  /* another warm-max-bytes: recreated */
  warm = open_warm (path, 2 * RING, SIZE, FMT, &w, 0);
  EXPECT (w.count == 2 && strstr (w.last, "recreated") &&
              tier_warm_n_slots (warm) == 17,
      "%u slots: %s", tier_warm_n_slots (warm), w.last);
  tier_warm_close (warm);
  /* a damaged header */
  EXPECT (damage (path, "X", 1, 30), "damage");
  warm = open_warm (path, 2 * RING, SIZE, FMT, &w, 0);
  EXPECT (w.count == 3 && strstr (w.last, "no valid header"), "%s", w.last);
  tier_warm_close (warm);
  tt_rmdir (dir);
}

static void
test_bad_settings (void)
{
  char *dir = tt_mkdtemp ("warm");
  char path[4300], err[512] = "";
  TierWarmConfig cfg = { 0 };
  TTFault fault = { .budget = 10000, .err = ENOSPC };
  TierIo io = tt_fault_io (&fault);
  struct stat st;

  cfg.path = ring_path (dir);
  cfg.frame_size = 1 << 20;
  cfg.max_bytes = 1 << 20;
  cfg.format = FMT;
  EXPECT (tier_warm_open (&cfg, err, sizeof err) == NULL &&
              strstr (err, "warm-max-bytes 1048576 is too small for one slot "
                           "of a 1048576-byte frame"),
      "%s", err);
  cfg.frame_size = 0;
  EXPECT (tier_warm_open (&cfg, err, sizeof err) == NULL &&
              strstr (err, "frame size is 0"),
      "%s", err);
  snprintf (path, sizeof path, "%s/no/such/dir/warm.ring", dir);
  cfg.path = path;
  cfg.frame_size = SIZE;
  cfg.max_bytes = RING;
  EXPECT (tier_warm_open (&cfg, err, sizeof err) == NULL &&
              strstr (err, path) && strstr (err, "No such file or directory"),
      "%s", err);
  cfg.path = ring_path (dir);
  cfg.io = &io;
  EXPECT (tier_warm_open (&cfg, err, sizeof err) == NULL &&
              strstr (err, "cannot reserve") &&
              strstr (err, "No space left on device"),
      "%s", err);
  EXPECT (stat (cfg.path, &st) < 0, "no half-made ring file left");
  tt_rmdir (dir);
}

static long
resident_pages (const uint8_t *p, size_t len)
{
  size_t n = (len + 4095) / 4096, i;
  unsigned char *vec = malloc (n);
  long count = 0;

  if (mincore ((void *)p, len, vec) == 0)
    for (i = 0; i < n; i++)
      count += vec[i] & 1;
  free (vec);
  return count;
}

static void
test_drop_pages (void)
{
  char *dir = tt_mkdtemp ("warm");
  TTWarn w = { 0 };
  uint64_t big = 4096 * 6 + 64 * 8192; /* header, table of 5 pages */
  TierWarm *warm = open_warm (ring_path (dir), big, SIZE, FMT, &w, 0);
  TierWarmRef first, last;
  TierWarmStats st;
  struct statfs fs;
  long before, after;
  uint64_t id, dropped;

  for (id = 0; id < 64; id++)
    put (warm, id, NULL);
  tier_warm_lookup (warm, 0, &first);
  tier_warm_lookup (warm, 63, &last);
  before = resident_pages (first.data, last.data + SIZE - first.data);
  dropped = tier_warm_drop_pages (warm);
  after = resident_pages (first.data, last.data + SIZE - first.data);
  EXPECT (dropped == 64 * 8192, "dropped %llu", (unsigned long long)dropped);
  /* tmpfs pages have nowhere to go */
  if (statfs (dir, &fs) == 0 && fs.f_type != 0x01021994)
    EXPECT (after < before / 2, "resident pages %ld -> %ld", before, after);
  printf ("  resident pages %ld -> %ld\n", before, after);
  for (id = 0; id < 64; id++)
    EXPECT (
        holds (warm, id), "frame %llu after the drop", (unsigned long long)id);
  tier_warm_get_stats (warm, &st);
  EXPECT (st.dropped_bytes == dropped, "stats");
  tier_warm_close (warm);
  tt_rmdir (dir);
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "put, lookup, evict", test_put_lookup_evict },
    { "pin", test_pin },
    { "recover", test_recover },
    { "payload crc", test_payload_crc },
    { "reformat", test_reformat },
    { "bad settings", test_bad_settings },
    { "drop pages", test_drop_pages },
  };
  return minitest_run (tests, sizeof tests / sizeof tests[0]);
}
