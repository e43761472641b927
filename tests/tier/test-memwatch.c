/* gst-meteor: memory pressure parsing on fake cgroup/proc trees. */
#include "memwatch.h"
#include "minitest.h"
#include "tiertest.h"

#include <math.h>
#include <sys/stat.h>

static void
put_file (const char *root, const char *rel, const char *text)
{
  char path[4400], *slash;
  FILE *f;

  snprintf (path, sizeof path, "%s/%s", root, rel);
  for (slash = path + strlen (root) + 1; (slash = strchr (slash, '/'));
       slash++) {
    *slash = '\0';
    mkdir (path, 0755);
    *slash = '/';
  }
  f = fopen (path, "w");
  fputs (text, f);
  fclose (f);
}

static const char meminfo[] = "MemTotal:        8000000 kB\n"
                              "MemFree:          100000 kB\n"
                              "MemAvailable:     2000000 kB\n"
                              "Buffers:           50000 kB\n";
static const char psi[] =
    "some avg10=12.50 avg60=3.00 avg300=1.00 total=123456\n"
    "full avg10=4.25 avg60=1.00 avg300=0.50 total=6543\n";

static void
test_full_tree (void)
{
  char *root = tt_mkdtemp ("mem");
  TierMemInfo m;

  put_file (root, "proc/self/cgroup", "0::/system.slice/meteor.service\n");
  put_file (root, "sys/fs/cgroup/system.slice/meteor.service/memory.current",
      "536870912\n");
  put_file (root, "sys/fs/cgroup/system.slice/meteor.service/memory.max",
      "1073741824\n");
  put_file (root, "proc/meminfo", meminfo);
  put_file (root, "proc/pressure/memory", psi);
  EXPECT (tier_mem_read (root, &m) == 3, "three sources");
  EXPECT (m.cgroup_current == 536870912 && m.cgroup_max == 1073741824,
      "cgroup %lld / %lld", (long long)m.cgroup_current,
      (long long)m.cgroup_max);
  EXPECT (
      m.mem_total == 8000000ll * 1024 && m.mem_available == 2000000ll * 1024,
      "meminfo");
  EXPECT (fabs (m.psi_some_avg10 - 12.5) < 1e-9 &&
              fabs (m.psi_full_avg10 - 4.25) < 1e-9,
      "psi %f %f", m.psi_some_avg10, m.psi_full_avg10);
  EXPECT (fabs (tier_mem_usage (&m, 0) - 0.5) < 1e-9, "cgroup: half used");
  EXPECT (fabs (tier_mem_usage (&m, 671088640) - 0.8) < 1e-9,
      "memory-limit 640 MiB: 0.8");
  tt_rmdir (root);
}

static void
test_partial_and_bad (void)
{
  char *root = tt_mkdtemp ("mem");
  TierMemInfo m;

  /* nothing at all */
  EXPECT (tier_mem_read (root, &m) == 0 && m.cgroup_current < 0 &&
              m.mem_total < 0 && m.psi_some_avg10 < 0 &&
              tier_mem_usage (&m, 0) < 0,
      "all unknown");
  /* root cgroup without a limit, meminfo only: MemTotal is the limit */
  put_file (root, "proc/self/cgroup", "0::/\n");
  put_file (root, "sys/fs/cgroup/memory.max", "max\n");
  put_file (root, "proc/meminfo", meminfo);
  EXPECT (
      tier_mem_read (root, &m) == 1 && m.cgroup_max < 0 && m.cgroup_current < 0,
      "no limit");
  EXPECT (fabs (tier_mem_usage (&m, 0) - 0.75) < 1e-9, "meminfo: 6/8 used, %f",
      tier_mem_usage (&m, 0));
  /* garbage everywhere: unknown, no crash */
  put_file (root, "sys/fs/cgroup/memory.current", "lots\n");
  put_file (root, "proc/meminfo", "MemTotal: -5 kB\nMemAvailable\n");
  put_file (root, "proc/pressure/memory", "some avg10=oops\n");
  EXPECT (tier_mem_read (root, &m) == 0 && m.mem_total < 0 &&
              m.mem_available < 0 && m.psi_some_avg10 < 0 &&
              m.cgroup_current < 0,
      "malformed files are unknown");
  /* a cgroup v1 line only */
  put_file (root, "proc/self/cgroup", "4:memory:/foo\n");
  EXPECT (tier_mem_read (root, &m) == 0 && m.cgroup_current < 0, "v1 ignored");
  tt_rmdir (root);
}

static void
test_this_machine (void)
{
  TierMemInfo m;

  /* whatever the host has: meminfo at least, values sane */
  EXPECT (tier_mem_read (NULL, &m) >= 1 && m.mem_total > 0 &&
              m.mem_available >= 0 && m.mem_available <= m.mem_total,
      "total %lld available %lld", (long long)m.mem_total,
      (long long)m.mem_available);
  EXPECT (tier_mem_usage (&m, 0) > 0, "usage %f", tier_mem_usage (&m, 0));
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "full tree", test_full_tree },
    { "partial and bad files", test_partial_and_bad },
    { "this machine", test_this_machine },
  };
  return minitest_run (tests, sizeof tests / sizeof tests[0]);
}
