/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: disk room of a tieredsink store. */
#include "storespace.h"

#include "clipstore.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

static __thread uint64_t tree_total;

static int
add_blocks (const char *path, const struct stat *st, int flag, struct FTW *f)
{
  (void)path;
  (void)flag;
  (void)f;
  tree_total += (uint64_t)st->st_blocks * 512u;
  return 0;
}

uint64_t
tier_tree_bytes (const char *path)
{
  static __thread int busy;
  uint64_t total;

  /* nftw has no user data: one walk per thread at a time */
  if (busy)
    return 0;
  busy = 1;
  tree_total = 0;
  nftw (path, add_blocks, 16, FTW_PHYS);
  total = tree_total;
  busy = 0;
  return total;
}

int
tier_fs_free (const char *path, uint64_t *free_bytes)
{
  struct statvfs vfs;

  *free_bytes = 0;
  if (statvfs (path, &vfs) < 0)
    return -1;
  *free_bytes = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
  return 0;
}

int
tier_oldest_clip (const char *location, char *name, size_t name_len)
{
  DIR *d = opendir (location);
  struct dirent *de;
  struct stat st;
  char path[4300];
  struct timespec best = { 0, 0 };
  int found = 0;

  while (d && (de = readdir (d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    snprintf (
        path, sizeof path, "%s/%s/%s", location, de->d_name, TIER_CLIP_SIDECAR);
    if (stat (path, &st) < 0)
      continue;
    if (!found || st.st_mtim.tv_sec < best.tv_sec ||
        (st.st_mtim.tv_sec == best.tv_sec &&
            st.st_mtim.tv_nsec < best.tv_nsec) ||
        (st.st_mtim.tv_sec == best.tv_sec &&
            st.st_mtim.tv_nsec == best.tv_nsec &&
            strcmp (de->d_name, name) < 0)) {
      best = st.st_mtim;
      snprintf (name, name_len, "%s", de->d_name);
      found = 1;
    }
  }
  if (d)
    closedir (d);
  return found;
}
