/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: helpers shared by the tieredsink storage cores. */
#include "tiercommon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

void
tier_put_u32 (uint8_t *p, uint32_t v)
{
  p[0] = v;
  p[1] = v >> 8;
  p[2] = v >> 16;
  p[3] = v >> 24;
}

void
tier_put_u64 (uint8_t *p, uint64_t v)
{
  tier_put_u32 (p, (uint32_t)v);
  tier_put_u32 (p + 4, (uint32_t)(v >> 32));
}

uint32_t
tier_get_u32 (const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

uint64_t
tier_get_u64 (const uint8_t *p)
{
  return (uint64_t)tier_get_u32 (p) | (uint64_t)tier_get_u32 (p + 4) << 32;
}

int
tier_io_write_all (const TierIo *io, int fd, const void *buf, size_t len)
{
  const uint8_t *p = buf;

  while (len > 0) {
    ssize_t n = io && io->write ? io->write (fd, p, len, io->user_data)
                                : write (fd, p, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (n == 0) {
      errno = EIO;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int
tier_io_fsync (const TierIo *io, int fd)
{
  return io && io->fsync ? io->fsync (fd, io->user_data) : fsync (fd);
}

int
tier_io_fallocate (const TierIo *io, int fd, off_t len)
{
  int r;

  if (io && io->fallocate)
    return io->fallocate (fd, len, io->user_data);
  r = posix_fallocate (fd, 0, len);
  if (r == EOPNOTSUPP || r == EINVAL) /* some filesystems: plain size */
    r = ftruncate (fd, len) < 0 ? errno : 0;
  if (r != 0) {
    errno = r;
    return -1;
  }
  return 0;
}

int
tier_fsync_dir (const TierIo *io, const char *path)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int r, saved;

  if (fd < 0)
    return -1;
  r = tier_io_fsync (io, fd);
  saved = errno;
  close (fd);
  errno = saved;
  return r;
}

static int
remove_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove (path);
}

int
tier_remove_tree (const char *path)
{
  return nftw (path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
tier_warn (TierWarnFunc warn, void *user_data, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;

  if (warn == NULL)
    return;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  warn (user_data, msg);
}

uint64_t
tier_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

long
tier_lock_holder (dev_t dev, ino_t ino)
{
  FILE *f = fopen ("/proc/locks", "r");
  char line[256], type[32];
  unsigned maj, min;
  unsigned long long inode;
  long pid, found = -1;

  /* "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF" */
  while (f && fgets (line, sizeof line, f)) {
    char *p = strchr (line, ':');

    if (p == NULL || sscanf (p + 1, " %31s %*s %*s %ld %x:%x:%llu", type, &pid,
                         &maj, &min, &inode) != 5)
      continue;
    if (strcmp (type, "FLOCK") == 0 && major (dev) == maj &&
        minor (dev) == min && (ino_t)inode == ino) {
      found = pid;
      break;
    }
  }
  if (f)
    fclose (f);
  return found;
}

int
tier_lock_fd (int fd, const char *path, char *error, size_t error_len)
{
  struct stat st;
  long pid;

  if (flock (fd, LOCK_EX | LOCK_NB) == 0)
    return 0;
  if (errno != EWOULDBLOCK) {
    snprintf (error, error_len, "cannot lock %s: %s", path, strerror (errno));
    return -1;
  }
  pid = fstat (fd, &st) == 0 ? tier_lock_holder (st.st_dev, st.st_ino) : -1;
  if (pid > 0)
    snprintf (error, error_len,
        "%s is in use by process %ld%s (one store, one ring: one user at a "
        "time)",
        path, pid, pid == (long)getpid () ? " (this process)" : "");
  else
    snprintf (error, error_len,
        "%s is in use by another process (one store, one ring: one user at "
        "a time)",
        path);
  return -1;
}
