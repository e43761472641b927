/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: what the tieredsink storage cores share (no GStreamer):
 * the frame record, CRC-32, little-endian fields, the I/O functions a test
 * can replace to inject faults, and the warning callback.
 *
 * None of the tier cores is thread-safe: the element serializes calls on
 * one store with its own lock. Every function that can fail takes
 * (char *error, size_t error_len), returns -1 and writes a message that
 * names the file and the cause. */
#ifndef __METEOR_TIERCOMMON_H__
#define __METEOR_TIERCOMMON_H__

#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <sys/types.h>
#include <zlib.h>

/* pts_ns / utc_ns when unknown (the same value as GST_CLOCK_TIME_NONE) */
#define TIER_TIME_NONE UINT64_MAX
/* largest opaque meta blob stored with a frame */
#define TIER_META_MAX 256
/* largest format (caps) string stored with a frame */
#define TIER_FORMAT_MAX 2048

/* One frame handed to a store. Nothing here is kept by the store after the
 * call returns: @meta and @data are copied (the one copy of each tier). */
typedef struct {
  uint64_t frame_id;
  uint64_t pts_ns;  /* TIER_TIME_NONE if unknown */
  uint64_t utc_ns;  /* capture wall time, ns since 1970 UTC */
  const void *meta; /* opaque, @meta_len <= TIER_META_MAX */
  uint32_t meta_len;
  const void *data; /* the frame as laid out in the buffer */
  size_t size;
} TierRecord;

/* Receives a warning (quota retention, a discarded record, a rebuilt index):
 * the element posts it as a bus warning. @message is only valid during the
 * call. */
typedef void (*TierWarnFunc) (void *user_data, const char *message);

/* The system calls through which stores write files. Tests replace them to
 * inject ENOSPC, EIO or a kill half-way through a write. A function returns
 * what the system call would (-1 with errno set on failure). NULL members
 * mean the real call. */
typedef struct {
  ssize_t (*write) (int fd, const void *buf, size_t len, void *user_data);
  int (*fsync) (int fd, void *user_data);
  int (*fallocate) (int fd, off_t len, void *user_data);
  void *user_data;
} TierIo;

/* CRC-32 (IEEE 802.3, the one of PNG and gzip), zlib's: start with
 * crc = 0. */
static inline uint32_t
tier_crc32 (uint32_t crc, const void *buf, size_t len)
{
  return (uint32_t)crc32_z (crc, (const Bytef *)buf, len);
}

/* Internal helpers shared by the cores. */
void tier_put_u32 (uint8_t *p, uint32_t v);
void tier_put_u64 (uint8_t *p, uint64_t v);
uint32_t tier_get_u32 (const uint8_t *p);
uint64_t tier_get_u64 (const uint8_t *p);

/* Writes all of @buf (retrying short writes and EINTR) through @io;
 * returns 0, or -1 with errno set. */
int tier_io_write_all (const TierIo *io, int fd, const void *buf, size_t len);
int tier_io_fsync (const TierIo *io, int fd);
int tier_io_fallocate (const TierIo *io, int fd, off_t len);
/* fsyncs directory @path (so a rename in it is durable); 0 or -1 + errno */
int tier_fsync_dir (const TierIo *io, const char *path);
/* Removes @path and everything under it; 0 or -1 + errno */
int tier_remove_tree (const char *path);

/* Takes an exclusive lock (flock) on open file @fd, which is @path, for
 * as long as @fd stays open: 0, or -1 with a message that names @path and
 * the process holding it (from /proc/locks) when another open file holds
 * it, in this process or another. */
int tier_lock_fd (int fd, const char *path, char *error, size_t error_len);
/* The pid holding a flock on the file with @dev and @ino (from
 * /proc/locks), or -1 if none is found. */
long tier_lock_holder (dev_t dev, ino_t ino);

/* The wall-clock time (CLOCK_REALTIME), ns since 1970 UTC. */
uint64_t tier_now_ns (void);

/* Formats a warning and calls @warn (if set). */
void tier_warn (TierWarnFunc warn, void *user_data, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

#endif /* __METEOR_TIERCOMMON_H__ */
