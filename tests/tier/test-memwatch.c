/* SPDX-License-Identifier: LGPL-2.1-or-later */
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
  /* a cgroup v1 line only, without its files */
  put_file (root, "proc/self/cgroup", "4:memory:/foo\n");
  EXPECT (tier_mem_read (root, &m) == 0 && m.cgroup_current < 0,
      "v1 without files: unknown");
  tt_rmdir (root);
}

/* A cgroup v1 tree: @cgroup as /proc/self/cgroup, the memory files in
 * sys/fs/cgroup/memory/@dir, meminfo; returns the root. */
static char *
v1_tree (
    const char *cgroup, const char *dir, const char *usage, const char *limit)
{
  char *root = tt_mkdtemp ("mem");
  char rel[512];

  put_file (root, "proc/self/cgroup", cgroup);
  snprintf (
      rel, sizeof rel, "sys/fs/cgroup/memory%s/memory.usage_in_bytes", dir);
  put_file (root, rel, usage);
  snprintf (
      rel, sizeof rel, "sys/fs/cgroup/memory%s/memory.limit_in_bytes", dir);
  put_file (root, rel, limit);
  put_file (root, "proc/meminfo", meminfo);
  return root;
}

static void
test_cgroup_v1 (void)
{
  static const struct {
    const char *what, *cgroup, *dir, *limit;
    int64_t want_max; /* TIER_MEM_UNKNOWN: no limit */
    double want_usage;
  } cases[] = {
    { "v1 memory controller",
        "12:pids:/x\n4:memory:/system.slice/m\n"
        "1:name=systemd:/system.slice/m\n",
        "/system.slice/m", "1073741824\n", 1073741824, 0.5 },
    { "v1 controllers listed together", "7:cpu,memory,cpuacct:/a\n", "/a",
        "1073741824\n", 1073741824, 0.5 },
    /* an unlimited v1 limit is a huge number: MemTotal is the limit */
    { "v1 unlimited", "4:memory:/a\n", "/a", "9223372036854771712\n",
        TIER_MEM_UNKNOWN, 536870912.0 / (8000000.0 * 1024) },
    /* inside a container the namespace's root is the mount's root */
    { "v1 in a container", "4:memory:/docker/0123abcd\n", "", "2147483648\n",
        2147483648, 0.25 },
    /* hybrid: v2 mounted without the memory controller */
    { "hybrid v2 + v1 memory", "0::/user.slice\n5:memory:/user.slice\n",
        "/user.slice", "1073741824\n", 1073741824, 0.5 },
  };
  size_t i;

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *root =
        v1_tree (cases[i].cgroup, cases[i].dir, "536870912\n", cases[i].limit);
    TierMemInfo m;

    EXPECT (tier_mem_read (root, &m) == 2 && m.cgroup_current == 536870912 &&
                m.cgroup_max == cases[i].want_max,
        "%s: current %lld max %lld", cases[i].what, (long long)m.cgroup_current,
        (long long)m.cgroup_max);
    EXPECT (fabs (tier_mem_usage (&m, 0) - cases[i].want_usage) < 1e-9,
        "%s: usage %f", cases[i].what, tier_mem_usage (&m, 0));
    tt_rmdir (root);
  }
}

static void
test_cgroup_v1_and_v2 (void)
{
  char *root = v1_tree ("0::/a\n4:memory:/a\n", "/a", "100\n", "200\n");
  TierMemInfo m;

  /* v2 first when it has the memory files */
  put_file (root, "sys/fs/cgroup/a/memory.current", "300\n");
  put_file (root, "sys/fs/cgroup/a/memory.max", "1200\n");
  EXPECT (tier_mem_read (root, &m) == 2 && m.cgroup_current == 300 &&
              m.cgroup_max == 1200,
      "v2 preferred: %lld / %lld", (long long)m.cgroup_current,
      (long long)m.cgroup_max);
  /* a path that climbs is not followed */
  put_file (root, "proc/self/cgroup", "4:memory:/../../etc\n");
  EXPECT (
      tier_mem_read (root, &m) == 1 && m.cgroup_current < 0, "'..' refused");
  /* garbage in the v1 files: unknown */
  put_file (root, "proc/self/cgroup", "4:memory:/a\n");
  put_file (root, "sys/fs/cgroup/memory/a/memory.usage_in_bytes", "-3\n");
  EXPECT (tier_mem_read (root, &m) == 1 && m.cgroup_current < 0,
      "malformed v1 usage");
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
    { "cgroup v1", test_cgroup_v1 },
    { "cgroup v1 and v2", test_cgroup_v1_and_v2 },
    { "this machine", test_this_machine },
  };
  return minitest_run (tests, sizeof tests / sizeof tests[0]);
}
