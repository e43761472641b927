/* gst-meteor: memory pressure readings for tieredsink (no GStreamer):
 * pure parsing of the cgroup v2, /proc/meminfo and PSI files under a root
 * directory ("/" on a real system, a temporary directory in tests). */
#ifndef __METEOR_MEMWATCH_H__
#define __METEOR_MEMWATCH_H__

#include <stdint.h>

#define TIER_MEM_UNKNOWN (-1)

typedef struct {
  /* cgroup v2 of this process: memory.current, memory.max (bytes);
   * TIER_MEM_UNKNOWN when absent, cgroup_max also when "max" (no limit) */
  int64_t cgroup_current, cgroup_max;
  /* /proc/meminfo MemTotal, MemAvailable (bytes) or TIER_MEM_UNKNOWN */
  int64_t mem_total, mem_available;
  /* /proc/pressure/memory "some avg10" and "full avg10" (percent), or
   * -1 when absent */
  double psi_some_avg10, psi_full_avg10;
} TierMemInfo;

/* Reads what is there under @root (NULL: "/"): <root>/proc/self/cgroup
 * names the cgroup ("0::/path"), then <root>/sys/fs/cgroup/<path>/
 * memory.current and memory.max; <root>/proc/meminfo;
 * <root>/proc/pressure/memory. A missing or malformed file leaves its
 * fields unknown. Returns how many of the three sources were read. */
int tier_mem_read (const char *root, TierMemInfo *info);

/* Fraction of memory in use, 0..1 (more if over the limit), against
 * @limit_bytes if > 0, else the cgroup limit, else MemTotal; in use is
 * the cgroup's current when known, else MemTotal - MemAvailable. -1 when
 * unknown. The element compares it with pressure-high / pressure-low. */
double tier_mem_usage (const TierMemInfo *info, uint64_t limit_bytes);

#endif /* __METEOR_MEMWATCH_H__ */
