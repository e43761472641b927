/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: fuzz test of the tier stores' readers and recovery.
 *
 * Pristine files (a cold store with sealed segments and one left open by a
 * crash, warm rings with and without payload CRCs, clips of six raw
 * formats) are written once; then, thousands of times from a fixed seed, a
 * copy is damaged (truncations, bit flips, overwritten ranges, lost pages,
 * garbage tails, deleted files, numbers changed in the JSON sidecar),
 * opened, recovered and read in full. Whatever the damage:
 *   - no crash (the test also runs under ASan + UBSan),
 *   - every frame a store returns is bit-exact (bytes, meta, times,
 *     format): damage is detected by the CRCs, never returned,
 *   - a frame that was there and is no longer is accounted for by a
 *     warning or a read error (no silent loss),
 *   - the recovered store takes new frames, and what it held survives a
 *     close and a reopen.
 * A clip that opens is also exported (y4m, PNG, FITS, info): no read
 * outside the frame whatever the sidecar's plane layout says.
 *
 * TIER_FUZZ_SEED and TIER_FUZZ_ITERATIONS (per kind of file) override the
 * defaults; a failure prints the seed and iteration that reproduce it. */
#include "clipexport.h"
#include "clipstore.h"
#include "coldstore.h"
#include "minitest.h"
#include "tiertest.h"
#include "warmring.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#define FMT_A "video/x-raw, format=(string)GRAY8, width=(int)24, height=(int)20"
#define FMT_B "video/x-raw, format=(string)GRAY8, width=(int)30, height=(int)30"
#define COLD_FRAMES 24
#define WARM_FRAMES 20
#define WARM_FRAME_SIZE 1500
#define WARM_MAX_BYTES (4096 * 2 + 12 * 4096)
#define CLIP_FRAMES 3
#define NEW_ID 100000u

static uint64_t seed = 0x6d657465u;
static long iterations = 1500;
static char *root;

/* ---- random numbers (xorshift64*) ---- */

static uint64_t rng_state;

/* ---- frames whose bytes follow from their id ---- */

static size_t
frame_size (uint64_t id)
{
  return 200 + (size_t)(id * 37 % 600);
}

/* every fifth frame is noise (stored, not compressed) */
#define NOISE_EVERY 5

static int
same (const uint8_t *p, size_t size, uint64_t id)
{
  return tt_check_mixed (p, size, id, NOISE_EVERY);
}

static TierRecord
record (uint64_t id, uint8_t *buf, size_t size, char *meta)
{
  return tt_record_mixed (id, buf, size, meta, NOISE_EVERY);
}

/* ---- files ---- */

static int
noop_fsync (int fd, void *user_data)
{
  return 0;
}

/* fsync costs milliseconds and proves nothing here (no power loss) */
static const TierIo fast_io = { NULL, noop_fsync, NULL, NULL };

static void
copy_file (const char *from, const char *to)
{
  int in = open (from, O_RDONLY), out;
  char buf[65536];
  ssize_t n;

  out = open (to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in < 0 || out < 0) {
    perror (from);
    abort ();
  }
  while ((n = read (in, buf, sizeof buf)) > 0)
    if (write (out, buf, (size_t)n) != n)
      abort ();
  close (in);
  close (out);
}

static void
copy_tree (const char *from, const char *to)
{
  DIR *d = opendir (from);
  struct dirent *de;
  char a[4096], b[4096];
  struct stat st;

  mkdir (to, 0755);
  while (d && (de = readdir (d)) != NULL) {
    if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
      continue;
    snprintf (a, sizeof a, "%s/%s", from, de->d_name);
    snprintf (b, sizeof b, "%s/%s", to, de->d_name);
    if (lstat (a, &st) < 0)
      continue;
    if (S_ISDIR (st.st_mode))
      copy_tree (a, b);
    else if (S_ISREG (st.st_mode))
      copy_file (a, b);
  }
  if (d)
    closedir (d);
}

#define MAX_FILES 32

/* The regular files under @dir (one level of subdirectories). */
static int
list_files (const char *dir, char paths[][4096], int n)
{
  DIR *d = opendir (dir);
  struct dirent *de;
  char path[4096];
  struct stat st;

  while (d && (de = readdir (d)) != NULL && n < MAX_FILES) {
    if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
      continue;
    snprintf (path, sizeof path, "%s/%s", dir, de->d_name);
    if (lstat (path, &st) < 0)
      continue;
    if (S_ISDIR (st.st_mode))
      n = list_files (path, paths, n);
    else if (S_ISREG (st.st_mode))
      snprintf (paths[n++], 4096, "%s", path);
  }
  if (d)
    closedir (d);
  return n;
}

static uint8_t *
slurp (const char *path, size_t *len)
{
  int fd = open (path, O_RDONLY);
  struct stat st;
  uint8_t *buf;

  if (fd < 0 || fstat (fd, &st) < 0)
    abort ();
  *len = (size_t)st.st_size;
  buf = malloc (*len + 1);
  if (buf == NULL || pread (fd, buf, *len, 0) != (ssize_t)*len)
    abort ();
  close (fd);
  return buf;
}

static void
spill (const char *path, const uint8_t *buf, size_t len)
{
  int fd = open (path, O_WRONLY | O_TRUNC);

  if (fd < 0 || write (fd, buf, len) != (ssize_t)len)
    abort ();
  close (fd);
}

/* Damages @path in one of several ways; @what describes it. */
static void
damage (const char *path, char *what, size_t what_len)
{
  static const char *numbers[] = { "0", "1", "7", "4095", "65536", "4294967295",
    "4294967296", "18446744073709551615", "99999999999999999999", "-1" };
  size_t len, i, n, at, cuts[64], ncuts = 0;
  uint8_t *buf = slurp (path, &len);
  unsigned kind = (unsigned)tt_below (&rng_state, 9);

  /* record and header boundaries: where damage hurts most */
  cuts[ncuts++] = 0;
  for (i = 0; i + 4 <= len && ncuts < 63; i++)
    if (memcmp (buf + i, "MTRR", 4) == 0 || memcmp (buf + i, "MTRS", 4) == 0 ||
        memcmp (buf + i, "MTRI", 4) == 0 || memcmp (buf + i, "MTRW", 4) == 0)
      cuts[ncuts++] = i;
  cuts[ncuts++] = len;
  if (len == 0 && kind != 7)
    kind = 6;
  switch (kind) {
    case 0: /* cut anywhere */
      n = (size_t)tt_below (&rng_state, len);
      if (truncate (path, (off_t)n) < 0)
        abort ();
      snprintf (what, what_len, "truncated to %zu of %zu", n, len);
      break;
    case 1: /* cut near a boundary */
      n = cuts[tt_below (&rng_state, ncuts)] + (size_t)tt_below (&rng_state, 9);
      n = n < 4 ? 0 : n - 4;
      n = n > len ? len : n;
      if (truncate (path, (off_t)n) < 0)
        abort ();
      snprintf (what, what_len, "truncated to %zu of %zu", n, len);
      break;
    case 2: /* a few bit flips anywhere */
      n = 1 + (size_t)tt_below (&rng_state, 4);
      for (i = 0; i < n; i++) {
        at = (size_t)tt_below (&rng_state, len);
        buf[at] ^= (uint8_t)(1u << tt_below (&rng_state, 8));
      }
      spill (path, buf, len);
      snprintf (what, what_len, "%zu bit flips, last at %zu", n, at);
      break;
    case 3: /* a bit flip in a header */
      at = cuts[tt_below (&rng_state, ncuts - 1)] +
           (size_t)tt_below (&rng_state, 80);
      at = at >= len ? len - 1 : at;
      buf[at] ^= (uint8_t)(1u << tt_below (&rng_state, 8));
      spill (path, buf, len);
      snprintf (what, what_len, "header bit flip at %zu", at);
      break;
    case 4: /* a range overwritten */
      at = (size_t)tt_below (&rng_state, len);
      n = 1 + (size_t)tt_below (&rng_state, 64);
      n = at + n > len ? len - at : n;
      {
        int fillwith = (int)tt_below (&rng_state, 3);
        for (i = 0; i < n; i++)
          buf[at + i] = fillwith == 0   ? 0
                        : fillwith == 1 ? 0xff
                                        : (uint8_t)tt_rnd (&rng_state);
      }
      spill (path, buf, len);
      snprintf (what, what_len, "%zu bytes overwritten at %zu", n, at);
      break;
    case 5: /* a page lost (zeroed), as after a power loss */
      at = (size_t)tt_below (&rng_state, len) / 4096 * 4096;
      n = at + 4096 > len ? len - at : 4096;
      memset (buf + at, 0, n);
      spill (path, buf, len);
      snprintf (what, what_len, "page at %zu zeroed", at);
      break;
    case 6: /* garbage appended */
      n = 1 + (size_t)tt_below (&rng_state, 200);
      buf = realloc (buf, len + n);
      for (i = 0; i < n; i++)
        buf[len + i] = (uint8_t)tt_rnd (&rng_state);
      if (tt_below (&rng_state, 2) && n >= 4)
        memcpy (buf + len, "MTRR", 4);
      {
        int fd = open (path, O_WRONLY | O_APPEND);
        if (fd < 0 || write (fd, buf + len, n) != (ssize_t)n)
          abort ();
        close (fd);
      }
      snprintf (what, what_len, "%zu bytes appended", n);
      break;
    case 7: /* deleted */
      unlink (path);
      snprintf (what, what_len, "deleted");
      break;
    default: /* a number changed (the JSON sidecar), else a byte */
    {
      /* half the time among the clip's keys, before the frame list */
      size_t span = len;
      uint8_t *list = memmem (buf, len, "frame_list", 10);
      if (list && tt_below (&rng_state, 2))
        span = (size_t)(list - buf);
      for (i = 0, n = 0; i < span; i++)
        n += buf[i] >= '0' && buf[i] <= '9';
    }
      if (n == 0) {
        at = (size_t)tt_below (&rng_state, len);
        buf[at] = (uint8_t)tt_rnd (&rng_state);
        spill (path, buf, len);
        snprintf (what, what_len, "byte at %zu changed", at);
        break;
      }
      n = (size_t)tt_below (&rng_state, n);
      for (at = 0; at < len; at++)
        if (buf[at] >= '0' && buf[at] <= '9' && n-- == 0)
          break;
      while (at > 0 && buf[at - 1] >= '0' && buf[at - 1] <= '9')
        at--;
      {
        const char *num =
            numbers[tt_below (&rng_state, sizeof numbers / sizeof *numbers)];
        size_t end = at, nl = strlen (num);
        uint8_t *out;
        while (end < len && buf[end] >= '0' && buf[end] <= '9')
          end++;
        out = malloc (len - (end - at) + nl + 1);
        memcpy (out, buf, at);
        memcpy (out + at, num, nl);
        memcpy (out + at + nl, buf + end, len - end);
        {
          int fd = open (path, O_WRONLY | O_TRUNC);
          size_t olen = len - (end - at) + nl;
          if (fd < 0 || write (fd, out, olen) != (ssize_t)olen)
            abort ();
          close (fd);
        }
        free (out);
        snprintf (what, what_len, "number at %zu set to %s", at, num);
      }
      break;
  }
  free (buf);
}

/* Damages 1 to 3 files among those under @dir; @log says what. Returns 1
 * if a file was deleted or emptied, or the open segment cut short: a store
 * cannot tell these from a file never written or a writer killed after its
 * last record, so they may lose frames without a warning. */
static int
damage_some (const char *dir, char *log, size_t log_len)
{
  static char files[MAX_FILES][4096];
  int n = list_files (dir, files, 0),
      times = tt_below (&rng_state, 4) == 0 ? 2 : 1, t;
  char what[256];
  size_t used = 0;
  int deleted = 0;

  if (tt_below (&rng_state, 8) == 0)
    times = 3;
  log[0] = '\0';
  for (t = 0; t < times && n > 0; t++) {
    int k = (int)tt_below (&rng_state, (uint64_t)n);
    struct stat st;
    if (stat (files[k], &st) < 0)
      continue; /* deleted by an earlier damage */
    damage (files[k], what, sizeof what);
    deleted |= strcmp (what, "deleted") == 0 ||
               strncmp (what, "truncated to 0 ", 15) == 0;
    /* the open segment cut at a record boundary is what a crash leaves */
    deleted |= strncmp (what, "truncated", 9) == 0 &&
               strstr (files[k], ".mtrs.tmp") != NULL;
    used += (size_t)snprintf (log + used, log_len - used, "%s%s: %s",
        t ? "; " : "", strrchr (files[k], '/') + 1, what);
    if (used >= log_len)
      break;
  }
  return deleted;
}

#define FAIL_AT(it, log, cond, ...)                                            \
  do {                                                                         \
    EXPECT (cond, __VA_ARGS__);                                                \
    if (!(cond))                                                               \
      printf ("    (seed %llu, iteration %ld: %s)\n",                          \
          (unsigned long long)seed, (long)(it), log);                          \
  } while (0)

/* ---- cold store ---- */

static const char *
cold_format (uint64_t id)
{
  return id < COLD_FRAMES / 2 || id == NEW_ID ? FMT_A : FMT_B;
}

static TierCold *
cold_open (const char *dir, TTWarn *w)
{
  TierColdConfig cfg = { 0 };
  char err[512] = "";
  TierCold *cold;

  cfg.dir = dir;
  cfg.segment_bytes = 2500;
  cfg.warn = tt_warn;
  cfg.user_data = w;
  cfg.io = &fast_io;
  cold = tier_cold_open (&cfg, err, sizeof err);
  if (cold == NULL)
    printf ("  cannot open %s: %s\n", dir, err);
  return cold;
}

/* Reads frame @id: 1 if bit-exact, 0 if absent, -1 if the store said it
 * cannot read it (with a reason), -2 if it returned something wrong. */
static int
cold_read (TierCold *cold, uint64_t id)
{
  TierFrame f;
  char err[512] = "";
  int r;

  if (!tier_cold_contains (cold, id))
    return 0;
  if (tier_cold_get (cold, id, &f, err, sizeof err) < 0)
    return err[0] ? -1 : -2;
  r = f.frame_id == id && f.size == frame_size (id) &&
              same (f.data, f.size, id) &&
              tt_meta_ok (f.meta, f.meta_len, id) &&
              tt_times_ok (f.pts_ns, f.utc_ns, id) &&
              strcmp (f.format, cold_format (id)) == 0
          ? 1
          : -2;
  tier_frame_clear (&f);
  return r;
}

static char *
make_cold_fixture (void)
{
  char *dir = malloc (4200), path[4300], tmp[4300];
  TierCold *cold;
  TTWarn w = { 0 };
  uint64_t id, last = 0;
  char err[512];
  DIR *d;
  struct dirent *de;

  snprintf (dir, 4200, "%s/cold-pristine", root);
  cold = cold_open (dir, &w);
  for (id = 0; id < COLD_FRAMES; id++) {
    uint8_t buf[1024];
    char meta[32];
    TierRecord rec = record (id, buf, frame_size (id), meta);
    EXPECT (
        tier_cold_append (cold, &rec, cold_format (id), err, sizeof err) == 0,
        "%s", err);
  }
  tier_cold_close (cold);
  /* the newest segment becomes the open one a crash leaves: no index */
  d = opendir (dir);
  while (d && (de = readdir (d)) != NULL) {
    uint64_t seq;
    if (sscanf (de->d_name, "seg-%16" SCNx64 ".mtrs", &seq) == 1 && seq > last)
      last = seq;
  }
  closedir (d);
  snprintf (path, sizeof path, "%s/seg-%016" PRIx64 ".mtrs", dir, last);
  snprintf (tmp, sizeof tmp, "%s/seg-%016" PRIx64 ".mtrs.tmp", dir, last);
  EXPECT (rename (path, tmp) == 0, "rename");
  snprintf (path, sizeof path, "%s/seg-%016" PRIx64 ".mtri", dir, last);
  unlink (path);
  EXPECT (last >= 3, "%llu segments", (unsigned long long)last + 1);
  return dir;
}

static void
test_cold (void)
{
  char *pristine = make_cold_fixture (), work[4200], log[1200];
  long it;
  uint64_t id;
  int fails = minitest_failures;
  unsigned long long returned = 0, refused = 0, lost = 0;

  /* the pristine store (recovered once) holds every frame */
  {
    TTWarn w = { 0 };
    TierCold *cold;
    snprintf (work, sizeof work, "%s/cold-work", root);
    copy_tree (pristine, work);
    cold = cold_open (work, &w);
    for (id = 0; id < COLD_FRAMES; id++)
      EXPECT (cold && cold_read (cold, id) == 1, "pristine frame %llu",
          (unsigned long long)id);
    tier_cold_close (cold);
    tier_remove_tree (work);
  }
  for (it = 0; it < iterations && minitest_failures == fails; it++) {
    TTWarn w = { 0 };
    TierColdStats st;
    TierCold *cold;
    int got[COLD_FRAMES], r, missing = 0, deleted;
    char err[512];

    rng_state = seed * 0x100000001b3ull + (uint64_t)it * 2 + 1;
    copy_tree (pristine, work);
    deleted = damage_some (work, log, sizeof log);
    cold = cold_open (work, &w);
    FAIL_AT (it, log, cold != NULL, "open after damage");
    if (cold == NULL)
      break;
    for (id = 0; id < COLD_FRAMES; id++) {
      got[id] = r = cold_read (cold, id);
      FAIL_AT (it, log, r != -2, "frame %llu returned wrong",
          (unsigned long long)id);
      returned += r == 1;
      refused += r == -1;
      missing += r != 1;
    }
    lost += (unsigned long long)missing;
    FAIL_AT (it, log, !tier_cold_contains (cold, COLD_FRAMES), "no such frame");
    tier_cold_get_stats (cold, &st);
    FAIL_AT (it, log,
        missing == 0 || deleted || w.count > 0 || st.read_errors > 0,
        "%d frames lost without a warning or a read error", missing);
    /* it goes on: a new frame, then a close and a reopen keep everything */
    {
      uint8_t buf[1024];
      char meta[32];
      TierRecord rec = record (NEW_ID, buf, frame_size (NEW_ID), meta);
      r = tier_cold_append (cold, &rec, FMT_A, err, sizeof err);
      FAIL_AT (it, log, r == 0, "append after recovery: %s", err);
      FAIL_AT (it, log, cold_read (cold, NEW_ID) == 1, "new frame reads back");
    }
    tier_cold_close (cold);
    w.count = 0;
    cold = cold_open (work, &w);
    FAIL_AT (it, log, cold != NULL, "reopen");
    if (cold == NULL)
      break;
    FAIL_AT (it, log, cold_read (cold, NEW_ID) == 1, "new frame after reopen");
    for (id = 0; id < COLD_FRAMES; id++) {
      r = cold_read (cold, id);
      FAIL_AT (it, log, r != -2 && (got[id] != 1 || r == 1),
          "frame %llu: %d before the reopen, %d after", (unsigned long long)id,
          got[id], r);
    }
    tier_cold_close (cold);
    tier_remove_tree (work);
  }
  printf ("  cold: %ld damaged stores, %llu frames read back exact, %llu "
          "refused with a reason, %llu missing\n",
      it, returned, refused, lost - refused);
  tier_remove_tree (pristine);
  free (pristine);
}

/* ---- warm ring ---- */

static TierWarm *
warm_open (const char *path, int checksum, TTWarn *w, char *err, size_t len)
{
  TierWarmConfig cfg = { 0 };

  cfg.path = path;
  cfg.max_bytes = WARM_MAX_BYTES;
  cfg.frame_size = WARM_FRAME_SIZE;
  cfg.format = FMT_A;
  cfg.checksum_payload = checksum;
  cfg.warn = tt_warn;
  cfg.user_data = w;
  return tier_warm_open (&cfg, err, len);
}

/* 1 if @id is in the ring and right (with @checksum, its bytes too), 0 if
 * absent, -2 if wrong. */
static int
warm_read (TierWarm *warm, uint64_t id, int checksum)
{
  TierWarmRef ref;

  if (!tier_warm_lookup (warm, id, &ref))
    return 0;
  if (ref.frame_id != id || ref.size != WARM_FRAME_SIZE ||
      !tt_meta_ok (ref.meta, ref.meta_len, id) ||
      !tt_times_ok (ref.pts_ns, ref.utc_ns, id) ||
      !tier_warm_is_valid (warm, ref.slot, ref.generation))
    return -2;
  /* without payload CRCs a damaged payload cannot be told (documented) */
  if (checksum && !same (ref.data, ref.size, id))
    return -2;
  return 1;
}

/* Which slot entries of ring file @path are blank (their 64 fixed bytes
 * zero, docs/tieredsink-format.md), as in an empty ring. */
static void
blank_entries (const char *path, int *blank)
{
  int fd = open (path, O_RDONLY), i, j;
  uint8_t e[64];

  for (i = 0; i < WARM_FRAMES; i++) {
    blank[i] = 0;
    if (fd >= 0 && pread (fd, e, sizeof e, 4096 + i * 320) == sizeof e) {
      blank[i] = 1;
      for (j = 0; j < 64; j++)
        blank[i] &= e[j] == 0;
    }
  }
  if (fd >= 0)
    close (fd);
}

static void
test_warm (void)
{
  char pristine[2][4200], work[8600], log[1200], err[512];
  int c, fails = minitest_failures;
  uint64_t id, slots = 0;
  long it;
  unsigned long long returned = 0, lost = 0;

  for (c = 0; c < 2; c++) {
    TTWarn w = { 0 };
    TierWarm *warm;
    snprintf (pristine[c], sizeof pristine[c], "%s/warm-pristine-%d", root, c);
    mkdir (pristine[c], 0755);
    snprintf (work, sizeof work, "%s/ring", pristine[c]);
    warm = warm_open (work, c, &w, err, sizeof err);
    EXPECT (warm != NULL, "%s", err);
    if (warm == NULL)
      return;
    slots = tier_warm_n_slots (warm);
    for (id = 0; id < WARM_FRAMES; id++) {
      uint8_t buf[WARM_FRAME_SIZE];
      char meta[32];
      TierRecord rec = record (id, buf, sizeof buf, meta);
      EXPECT (
          tier_warm_put (warm, &rec, NULL, err, sizeof err) == 0, "%s", err);
    }
    tier_warm_close (warm);
  }
  EXPECT (slots > 4 && slots < WARM_FRAMES, "%llu slots",
      (unsigned long long)slots);
  snprintf (work, sizeof work, "%s/warm-work", root);
  for (it = 0; it < iterations && minitest_failures == fails; it++) {
    int checksum = (int)(it & 1), got[WARM_FRAMES], r, missing = 0, deleted;
    TTWarn w = { 0 };
    TierWarmEviction ev;
    TierWarm *warm;
    char ring[8700];
    int blank[WARM_FRAMES];

    rng_state = seed * 0x100000001b3ull + (uint64_t)it * 2 + 2;
    copy_tree (pristine[checksum], work);
    deleted = damage_some (work, log, sizeof log);
    snprintf (ring, sizeof ring, "%s/ring", work);
    blank_entries (ring, blank);
    warm = warm_open (ring, checksum, &w, err, sizeof err);
    FAIL_AT (it, log, warm != NULL, "open after damage: %s", err);
    if (warm == NULL)
      break;
    for (id = 0; id < WARM_FRAMES; id++) {
      got[id] = r = warm_read (warm, id, checksum);
      FAIL_AT (it, log, r != -2, "frame %llu returned wrong",
          (unsigned long long)id);
      FAIL_AT (it, log, r == 0 || id >= WARM_FRAMES - slots,
          "frame %llu was overwritten", (unsigned long long)id);
      returned += r == 1;
      /* a zeroed slot entry is an empty slot: nothing to warn about */
      missing += id >= WARM_FRAMES - slots && r != 1 && !blank[id % slots];
    }
    lost += (unsigned long long)missing;
    FAIL_AT (it, log, missing == 0 || deleted || w.count > 0,
        "%d frames lost without a warning", missing);
    {
      uint8_t buf[WARM_FRAME_SIZE];
      char meta[32];
      TierRecord rec = record (NEW_ID, buf, sizeof buf, meta);
      r = tier_warm_put (warm, &rec, &ev, err, sizeof err);
      FAIL_AT (it, log, r == 0, "put after recovery: %s", err);
      FAIL_AT (it, log, warm_read (warm, NEW_ID, 1) == 1, "new frame");
      if (ev.evicted && ev.frame_id < WARM_FRAMES)
        got[ev.frame_id] = 0;
    }
    tier_warm_close (warm);
    w.count = 0;
    warm = warm_open (ring, checksum, &w, err, sizeof err);
    FAIL_AT (it, log, warm != NULL && w.count == 0, "reopen: %s, warnings: %s",
        err, w.all);
    if (warm == NULL)
      break;
    FAIL_AT (
        it, log, warm_read (warm, NEW_ID, 1) == 1, "new frame after reopen");
    for (id = 0; id < WARM_FRAMES; id++) {
      r = warm_read (warm, id, checksum);
      FAIL_AT (it, log, r != -2 && (got[id] != 1 || r == 1),
          "frame %llu: %d before the reopen, %d after", (unsigned long long)id,
          got[id], r);
    }
    tier_warm_close (warm);
    tier_remove_tree (work);
  }
  printf ("  warm: %ld damaged rings, %llu frames read back, %llu missing\n",
      it, returned, lost);
  for (c = 0; c < 2; c++)
    tier_remove_tree (pristine[c]);
}

/* ---- clips ---- */

typedef struct {
  const char *name, *format;
  size_t size;
  uint32_t n_planes;
  uint64_t offset[3];
  uint32_t stride[3];
} ClipSpec;

/* GStreamer's layouts (gst_video_info_set_format); some given explicitly */
static const ClipSpec clip_specs[] = {
  { "gray8",
      "video/x-raw, format=(string)GRAY8, width=(int)16, "
      "height=(int)12, framerate=(fraction)25/1",
      192, 0, { 0 }, { 0 } },
  { "i420", "video/x-raw, format=(string)I420, width=(int)16, height=(int)12",
      288, 3, { 0, 192, 240 }, { 16, 8, 8 } },
  { "rgb", "video/x-raw, format=(string)RGB, width=(int)10, height=(int)6", 192,
      1, { 0 }, { 32 } },
  { "gray16",
      "video/x-raw, format=(string)GRAY16_LE, width=(int)8, "
      "height=(int)6",
      96, 0, { 0 }, { 0 } },
  { "yuy2", "video/x-raw, format=(string)YUY2, width=(int)10, height=(int)4",
      80, 0, { 0 }, { 0 } },
  { "nv12", "video/x-raw, format=(string)NV12, width=(int)8, height=(int)6", 72,
      2, { 0, 48 }, { 8, 8 } },
};
#define N_CLIPS (sizeof clip_specs / sizeof clip_specs[0])

static void
make_clips (const char *location)
{
  size_t c, i;
  char err[512];

  for (c = 0; c < N_CLIPS; c++) {
    const ClipSpec *s = &clip_specs[c];
    TierClipConfig cfg = { 0 };
    TierClipWriter *w;

    cfg.location = location;
    cfg.name = s->name;
    cfg.format = s->format;
    cfg.detection = "meteor-detected, id=(uint)7, \"quoted\"";
    cfg.n_planes = s->n_planes;
    memcpy (cfg.offset, s->offset, sizeof s->offset);
    memcpy (cfg.stride, s->stride, sizeof s->stride);
    cfg.io = &fast_io;
    w = tier_clip_begin (&cfg, err, sizeof err);
    EXPECT (w != NULL, "%s", err);
    if (w == NULL)
      continue;
    for (i = 0; i < CLIP_FRAMES; i++) {
      uint8_t buf[512];
      char meta[32];
      TierRecord rec = record (c * 10 + i, buf, s->size, meta);
      EXPECT (tier_clip_add (w, &rec, err, sizeof err) == 0, "%s", err);
    }
    EXPECT (tier_clip_commit (w, NULL, err, sizeof err) == 0, "%s", err);
  }
}

/* Opens, reads and exports clip @c under @location: the number of frames
 * read back exact, or -1 if the clip did not open, -2 if something wrong
 * was returned. */
static int
clip_check (const char *location, size_t c, FILE *devnull)
{
  const ClipSpec *s = &clip_specs[c];
  char path[4300], out[4300], err[512] = "";
  TierClip *clip;
  ClipVideo v;
  size_t i;
  int good = 0;
  uint8_t *buf;

  snprintf (path, sizeof path, "%s/%s", location, s->name);
  clip = tier_clip_open (path, err, sizeof err);
  if (clip == NULL)
    return err[0] ? -1 : -2;
  if (clip->n_frames > CLIP_FRAMES || strcmp (clip->format, s->format) != 0)
    good = -2;
  for (i = 0; i < clip->n_frames && good >= 0; i++) {
    const TierClipFrame *f = &clip->frames[i];
    buf = malloc (f->size + 1);
    if (f->frame_id != c * 10 + i || f->size != s->size ||
        !tt_meta_ok (f->meta, f->meta_len, f->frame_id) ||
        !tt_times_ok (f->pts_ns, f->utc_ns, f->frame_id) ||
        tier_clip_read_frame (clip, i, buf, f->size, err, sizeof err) < 0 ||
        !same (buf, f->size, f->frame_id))
      good = -2;
    else
      good++;
    free (buf);
  }
  clip_print_info (clip, devnull, 1);
  if (clip_video_parse (clip->format, clip->n_planes, clip->offset,
          clip->stride, &v, err, sizeof err) == 0) {
    snprintf (out, sizeof out, "%s/out.y4m", root);
    clip_export_y4m (clip, &v, out, err, sizeof err);
    snprintf (out, sizeof out, "%s/out.fits", root);
    clip_export_fits (clip, &v, out, err, sizeof err);
    snprintf (out, sizeof out, "%s/png", root);
    mkdir (out, 0755);
    clip_export_png (clip, &v, out, err, sizeof err);
  }
  tier_clip_close (clip);
  return good;
}

static void
test_clips (void)
{
  char pristine[4200], work[4200], log[1200], from[4300], to[8600], err[512];
  FILE *devnull = fopen ("/dev/null", "w");
  int fails = minitest_failures;
  unsigned long long opened = 0, refused = 0, frames = 0;
  size_t c;
  long it;

  snprintf (pristine, sizeof pristine, "%s/clips-pristine", root);
  make_clips (pristine);
  for (c = 0; c < N_CLIPS; c++)
    EXPECT (clip_check (pristine, c, devnull) == CLIP_FRAMES,
        "pristine clip %s", clip_specs[c].name);
  snprintf (work, sizeof work, "%s/clips-work", root);
  for (it = 0; it < iterations && minitest_failures == fails; it++) {
    char **names;
    size_t n, i;
    int r;

    rng_state = seed * 0x100000001b3ull + (uint64_t)it * 2 + 3;
    c = (size_t)tt_below (&rng_state, N_CLIPS);
    mkdir (work, 0755);
    snprintf (from, sizeof from, "%s/%s", pristine, clip_specs[c].name);
    snprintf (to, sizeof to, "%s/%s", work, clip_specs[c].name);
    copy_tree (from, to);
    damage_some (to, log, sizeof log);
    r = tier_clip_list (work, &names, &n, err, sizeof err);
    FAIL_AT (it, log, r == 0, "list: %s", err);
    for (i = 0; r == 0 && i < n; i++)
      free (names[i]);
    free (names);
    r = clip_check (work, c, devnull);
    FAIL_AT (it, log, r != -2, "clip %s returned something wrong",
        clip_specs[c].name);
    opened += r >= 0;
    refused += r == -1;
    frames += r > 0 ? (unsigned long long)r : 0;
    tier_remove_tree (work);
  }
  printf ("  clips: %ld damaged clips, %llu opened (%llu frames exact), %llu "
          "refused with a reason\n",
      it, opened, frames, refused);
  fclose (devnull);
  tier_remove_tree (pristine);
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "cold store: damaged segments and indexes", test_cold },
    { "warm ring: damaged ring files", test_warm },
    { "clips: damaged frames and sidecars, exports", test_clips },
  };
  const char *s = getenv ("TIER_FUZZ_SEED"),
             *n = getenv ("TIER_FUZZ_ITERATIONS");
  int status;

  if (s)
    seed = strtoull (s, NULL, 0);
  if (n)
    iterations = strtol (n, NULL, 0);
  printf ("seed %llu, %ld iterations per kind of file\n",
      (unsigned long long)seed, iterations);
  root = tt_mkdtemp ("fuzz");
  status = minitest_run (tests, sizeof tests / sizeof tests[0]);
  tt_rmdir (root);
  return status;
}
