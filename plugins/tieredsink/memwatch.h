/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: memory pressure readings for tieredsink and the meteorstats
 * report (no GStreamer): pure parsing of the cgroup v2 or v1,
 * /proc/meminfo and PSI files under a root directory ("/" on a real
 * system, a temporary directory in tests). */
#ifndef __METEOR_MEMWATCH_H__
#define __METEOR_MEMWATCH_H__

#include <stdint.h>

#define TIER_MEM_UNKNOWN (-1)
/* a cgroup v1 memory.limit_in_bytes this high is no limit (v1 writes
 * "unlimited" as 9223372036854771712) */
#define TIER_MEM_V1_UNLIMITED ((int64_t)1 << 60)

typedef struct {
  /* the memory cgroup of this process (bytes): v2 memory.current and
   * memory.max, else v1 memory.usage_in_bytes and memory.limit_in_bytes;
   * TIER_MEM_UNKNOWN when absent, cgroup_max also when there is no limit
   * (v2 "max", v1 TIER_MEM_V1_UNLIMITED or more) */
  int64_t cgroup_current, cgroup_max;
  /* /proc/meminfo MemTotal, MemAvailable (bytes) or TIER_MEM_UNKNOWN */
  int64_t mem_total, mem_available;
  /* /proc/pressure/memory "some avg10" and "full avg10" (percent), or
   * -1 when absent */
  double psi_some_avg10, psi_full_avg10;
} TierMemInfo;

/* Reads what is there under @root (NULL: "/"): <root>/proc/self/cgroup
 * names the cgroup: v2 "0::/path", then <root>/sys/fs/cgroup/<path>/
 * memory.current and memory.max; else (no v2 memory files) the v1 line of
 * the memory controller "N:memory:/path", then
 * <root>/sys/fs/cgroup/memory/<path>/memory.usage_in_bytes and
 * memory.limit_in_bytes (or those of <root>/sys/fs/cgroup/memory itself
 * when <path> is not there, as in a container); <root>/proc/meminfo;
 * <root>/proc/pressure/memory. A missing or malformed file leaves its
 * fields unknown. Returns how many of the three sources were read. */
int tier_mem_read (const char *root, TierMemInfo *info);

/* Fraction of memory in use, 0..1 (more if over the limit), against
 * @limit_bytes if > 0, else the cgroup limit, else MemTotal; in use is
 * the cgroup's current when known, else MemTotal - MemAvailable. -1 when
 * unknown. The element compares it with pressure-high / pressure-low. */
double tier_mem_usage (const TierMemInfo *info, uint64_t limit_bytes);

#endif /* __METEOR_MEMWATCH_H__ */
