/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: how much room a store takes and has (no GStreamer): what
 * tieredsink's one quota over everything it writes is computed from. */
#ifndef __METEOR_STORESPACE_H__
#define __METEOR_STORESPACE_H__

#include "tiercommon.h"

/* Bytes the files under @path take on disk (allocated blocks), 0 if none. */
uint64_t tier_tree_bytes (const char *path);
/* Bytes free for an unprivileged writer on the filesystem of @path; 0 and
 * -1 if it cannot be asked. */
int tier_fs_free (const char *path, uint64_t *free_bytes);
/* The committed clip under @location written longest ago (by the time of
 * its directory): its name into @name, 1; 0 if there is none. */
int tier_oldest_clip (const char *location, char *name, size_t name_len);

#endif /* __METEOR_STORESPACE_H__ */
