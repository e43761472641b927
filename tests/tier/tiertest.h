/* gst-meteor: helpers of the tier store tests (plain C, no GStreamer):
 * temporary directories, frames whose bytes follow from their id, a
 * warning collector and I/O functions that fail on demand. */
#ifndef __METEOR_TIERTEST_H__
#define __METEOR_TIERTEST_H__

#include "tiercommon.h"

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
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    p[i] =
        (uint8_t)((i / 64 + id) & 0xff) + ((s & 0xff) < 16 ? (s >> 8 & 3) : 0);
  }
}

static inline int
tt_check (const uint8_t *p, size_t size, uint64_t id)
{
  uint8_t *want = malloc (size ? size : 1);
  int same;

  tt_fill (want, size, id);
  same = memcmp (want, p, size) == 0;
  free (want);
  return same;
}

/* A record of frame @id over @buf (filled), with a meta "meta-<id>". */
static inline TierRecord
tt_record (uint64_t id, uint8_t *buf, size_t size, char *meta)
{
  TierRecord rec;

  tt_fill (buf, size, id);
  snprintf (meta, 32, "meta-%llu", (unsigned long long)id);
  rec.frame_id = id;
  rec.pts_ns = id * 40000000u;
  rec.utc_ns = 1700000000000000000ull + id * 40000000u;
  rec.meta = meta;
  rec.meta_len = (uint32_t)strlen (meta);
  rec.data = buf;
  rec.size = size;
  return rec;
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
