/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: helpers of the tier store tests (plain C, no GStreamer):
 * temporary directories, frames whose bytes follow from their id, a
 * warning collector and I/O functions that fail on demand. */
#ifndef __METEOR_TIERTEST_H__
#define __METEOR_TIERTEST_H__

#include "tiercommon.h"
#include "xorshift.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A new empty directory; tt_rmdir removes it. */
static inline char *
tt_mkdtemp (const char *what)
{
  const char *base = getenv ("TMPDIR");
  char tmpl[4096];
  char *dir;

  snprintf (
      tmpl, sizeof tmpl, "%s/meteor-%s-XXXXXX", base ? base : "/tmp", what);
  dir = mkdtemp (tmpl);
  if (dir == NULL) {
    perror ("mkdtemp");
    abort ();
  }
  return strdup (dir);
}

static inline void
tt_rmdir (char *dir)
{
  tier_remove_tree (dir);
  free (dir);
}

/* Frame @id: a smooth ramp (compresses) with a little id-dependent noise. */
static inline void
tt_fill (uint8_t *p, size_t size, uint64_t id)
{
  uint32_t s = (uint32_t)(id * 2654435761u) | 1;
  size_t i;

  for (i = 0; i < size; i++) {
    meteor_xorshift32 (&s);
    p[i] =
        (uint8_t)((i / 64 + id) & 0xff) + ((s & 0xff) < 16 ? (s >> 8 & 3) : 0);
  }
}

/* Frame @id as tt_fill, but when @noise_every is not 0 every
 * @noise_every-th frame (id % @noise_every == 0) is noise: it does not
 * compress, the stores keep it as is (bigger writes). */
static inline void
tt_fill_mixed (uint8_t *p, size_t size, uint64_t id, unsigned noise_every)
{
  uint64_t s = id * 0x9e3779b97f4a7c15ull + 1;
  size_t i;

  if (noise_every == 0 || id % noise_every != 0) {
    tt_fill (p, size, id);
    return;
  }
  for (i = 0; i < size; i++) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    p[i] = (uint8_t)s;
  }
}

/* Whether @p holds frame @id of tt_fill_mixed. */
static inline int
tt_check_mixed (
    const uint8_t *p, size_t size, uint64_t id, unsigned noise_every)
{
  uint8_t *want = malloc (size ? size : 1);
  int same;

  tt_fill_mixed (want, size, id, noise_every);
  same = memcmp (want, p, size) == 0;
  free (want);
  return same;
}

static inline int
tt_check (const uint8_t *p, size_t size, uint64_t id)
{
  return tt_check_mixed (p, size, id, 0);
}

/* Frame @id's times: one every 40 ms from pts 0 and from a fixed UTC. */
#define TT_PTS_NS(id) ((uint64_t)(id)*40000000u)
#define TT_UTC_NS(id) (1700000000000000000ull + (uint64_t)(id)*40000000u)

/* Whether a frame read back carries frame @id's meta (tt_record's) ... */
static inline int
tt_meta_ok (const void *meta, uint32_t len, uint64_t id)
{
  char want[32];

  snprintf (want, sizeof want, "meta-%llu", (unsigned long long)id);
  return len == strlen (want) && memcmp (meta, want, len) == 0;
}

/* ... and its times. */
static inline int
tt_times_ok (uint64_t pts_ns, uint64_t utc_ns, uint64_t id)
{
  return pts_ns == TT_PTS_NS (id) && utc_ns == TT_UTC_NS (id);
}

/* A record of frame @id over @buf (filled), with a meta "meta-<id>". */
static inline TierRecord
tt_record (uint64_t id, uint8_t *buf, size_t size, char *meta)
{
  TierRecord rec;

  tt_fill (buf, size, id);
  snprintf (meta, 32, "meta-%llu", (unsigned long long)id);
  rec.frame_id = id;
  rec.pts_ns = TT_PTS_NS (id);
  rec.utc_ns = TT_UTC_NS (id);
  rec.meta = meta;
  rec.meta_len = (uint32_t)strlen (meta);
  rec.data = buf;
  rec.size = size;
  return rec;
}

/* tt_record with the bytes of tt_fill_mixed. */
static inline TierRecord
tt_record_mixed (
    uint64_t id, uint8_t *buf, size_t size, char *meta, unsigned noise_every)
{
  TierRecord rec = tt_record (id, buf, size, meta);

  tt_fill_mixed (buf, size, id, noise_every);
  return rec;
}

/* Random numbers (xorshift64*) from *@state, which the test seeds (not 0). */
static inline uint64_t
tt_rnd (uint64_t *state)
{
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return *state * 2685821657736338717ull;
}

/* Uniform enough in [0, @n); 0 when @n is 0. */
static inline uint64_t
tt_below (uint64_t *state, uint64_t n)
{
  return n ? tt_rnd (state) % n : 0;
}

/* Collects warnings. */
typedef struct {
  int count;
  char last[1024];
  char all[8192];
} TTWarn;

static inline void
tt_warn (void *user_data, const char *message)
{
  TTWarn *w = user_data;
  size_t len = strlen (w->all);

  w->count++;
  snprintf (w->last, sizeof w->last, "%s", message);
  snprintf (w->all + len, sizeof w->all - len, "%s\n", message);
  if (getenv ("TIER_TEST_VERBOSE"))
    printf ("  warning: %s\n", message);
}

/* I/O that fails with @err once @budget bytes were written (writing the
 * part that fits first, as a full disk does), or on fsync. */
typedef struct {
  long budget;       /* bytes left before failing; < 0: never fails */
  int err;           /* errno of a failing write */
  int fsync_err;     /* errno of every fsync, 0: fsync works */
  int kill_when_out; /* SIGKILL the process instead of failing */
} TTFault;

static inline ssize_t
tt_fault_write (int fd, const void *buf, size_t len, void *user_data)
{
  TTFault *f = user_data;

  if (f->budget >= 0 && (long)len > f->budget) {
    if (f->budget > 0) {
      ssize_t n = write (fd, buf, (size_t)f->budget);
      f->budget = 0;
      return n;
    }
    if (f->kill_when_out) {
      fflush (stdout);
      kill (getpid (), 9);
    }
    errno = f->err;
    return -1;
  }
  if (f->budget >= 0)
    f->budget -= (long)len;
  return write (fd, buf, len);
}

static inline int
tt_fault_fsync (int fd, void *user_data)
{
  TTFault *f = user_data;

  if (f->fsync_err) {
    errno = f->fsync_err;
    return -1;
  }
  return fsync (fd);
}

static inline int
tt_fault_fallocate (int fd, off_t len, void *user_data)
{
  TTFault *f = user_data;

  if (f->budget >= 0 && len > f->budget) {
    errno = f->err;
    return -1;
  }
  return ftruncate (fd, len);
}

static inline TierIo
tt_fault_io (TTFault *f)
{
  TierIo io = { tt_fault_write, tt_fault_fsync, tt_fault_fallocate, f };
  return io;
}

/* Sum of the sizes of the regular files in @dir. */
#include <dirent.h>
#include <sys/stat.h>
static inline unsigned long long
tt_dir_bytes (const char *dir)
{
  DIR *d = opendir (dir);
  struct dirent *de;
  unsigned long long sum = 0;
  char path[4096];
  struct stat st;

  while (d && (de = readdir (d)) != NULL) {
    snprintf (path, sizeof path, "%s/%s", dir, de->d_name);
    if (stat (path, &st) == 0 && S_ISREG (st.st_mode))
      sum += (unsigned long long)st.st_size;
  }
  if (d)
    closedir (d);
  return sum;
}

#endif /* __METEOR_TIERTEST_H__ */
