/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tests of the meteorstats exposition core (plain C). */
#include "metrics.h"
#include "minitest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
contains (const char *text, const char *what)
{
  return strstr (text, what) != NULL;
}

static void
test_render_families (void)
{
  MetricsSet *set = metrics_set_new ();
  const char *a[] = { "element", "pool", NULL };
  const char *b[] = { "element", "detect", NULL };
  char err[128] = "";
  char *text;
  size_t len;

  EXPECT (metrics_add (set, "meteor_frames_total", METRIC_COUNTER, "Frames", a,
              10, err, sizeof (err)) == 0,
      "%s", err);
  EXPECT (metrics_add (set, "meteor_rss_bytes", METRIC_GAUGE, "RSS", NULL,
              123456789, err, sizeof (err)) == 0,
      "%s", err);
  /* the second sample of a family comes after its first one, not at the
   * end */
  EXPECT (metrics_add (set, "meteor_frames_total", METRIC_COUNTER, "Frames", b,
              7, err, sizeof (err)) == 0,
      "%s", err);
  EXPECT (metrics_set_n_families (set) == 2, "%zu families",
      metrics_set_n_families (set));
  EXPECT (metrics_set_n_samples (set) == 3, "%zu samples",
      metrics_set_n_samples (set));
  text = metrics_render (set, &len);
  EXPECT (strlen (text) == len, "length %zu vs %zu", strlen (text), len);
  EXPECT (strcmp (text, "# HELP meteor_frames_total Frames\n"
                        "# TYPE meteor_frames_total counter\n"
                        "meteor_frames_total{element=\"pool\"} 10\n"
                        "meteor_frames_total{element=\"detect\"} 7\n"
                        "# HELP meteor_rss_bytes RSS\n"
                        "# TYPE meteor_rss_bytes gauge\n"
                        "meteor_rss_bytes 123456789\n") == 0,
      "got:\n%s", text);
  free (text);
  metrics_set_free (set);
}

static void
test_bad_names (void)
{
  MetricsSet *set = metrics_set_new ();
  const char *bad_label[] = { "0x", "v", NULL };
  const char *le_label[] = { "le", "1", NULL };
  char err[128] = "";

  EXPECT (metrics_add (set, "frames", METRIC_COUNTER, "", NULL, 1, err,
              sizeof (err)) < 0,
      "a counter without _total was taken");
  EXPECT (contains (err, "_total"), "error: %s", err);
  EXPECT (metrics_add (
              set, "9lives", METRIC_GAUGE, "", NULL, 1, err, sizeof (err)) < 0,
      "a name starting with a digit was taken");
  EXPECT (metrics_add (
              set, "a-b", METRIC_GAUGE, "", NULL, 1, err, sizeof (err)) < 0,
      "a name with '-' was taken");
  EXPECT (metrics_add (
              set, "ok", METRIC_GAUGE, "", bad_label, 1, err, sizeof (err)) < 0,
      "a bad label name was taken");
  EXPECT (contains (err, "0x"), "error: %s", err);
  EXPECT (metrics_add (
              set, "ok", METRIC_GAUGE, "", le_label, 1, err, sizeof (err)) < 0,
      "the reserved label le was taken");
  EXPECT (metrics_add (
              set, "ok", METRIC_GAUGE, "", NULL, 1, err, sizeof (err)) == 0,
      "%s", err);
  EXPECT (metrics_add (set, "ok_total", METRIC_COUNTER, "", NULL, 1, err,
              sizeof (err)) == 0,
      "%s", err);
  EXPECT (metrics_add (
              set, "ok", METRIC_COUNTER, "", NULL, 1, err, sizeof (err)) < 0,
      "a family redeclared with another type was taken");
  EXPECT (metrics_set_n_samples (set) == 2, "%zu samples",
      metrics_set_n_samples (set));
  metrics_set_free (set);
}

static void
test_escaping_and_values (void)
{
  MetricsSet *set = metrics_set_new ();
  const char *labels[] = { "element", "a\"b\\c\nd", NULL };
  char err[128] = "", name[32];
  char *text;

  metrics_add (set, "meteor_x", METRIC_GAUGE, "line\none \\ two", labels, 0.25,
      err, sizeof (err));
  metrics_add (
      set, "meteor_y", METRIC_GAUGE, "", NULL, 1e-9, err, sizeof (err));
  metrics_add (set, "meteor_z", METRIC_GAUGE, "", NULL, 18446744073709551615.0,
      err, sizeof (err));
  text = metrics_render (set, NULL);
  EXPECT (contains (text, "meteor_x{element=\"a\\\"b\\\\c\\nd\"} 0.25\n"),
      "got:\n%s", text);
  EXPECT (contains (text, "# HELP meteor_x line\\none \\\\ two\n"), "got:\n%s",
      text);
  EXPECT (contains (text, "meteor_y 1e-09\n"), "got:\n%s", text);
  EXPECT (
      contains (text, "meteor_z 1.8446744073709552e+19\n"), "got:\n%s", text);
  free (text);
  metrics_set_free (set);

  metrics_sanitize_name ("9a-b.c", name, sizeof (name));
  EXPECT (strcmp (name, "_9a_b_c") == 0, "sanitized: %s", name);
}

static void
test_histogram_render (void)
{
  MetricsSet *set = metrics_set_new ();
  const double bounds[] = { 0.001, 0.01, 0.1 };
  const uint64_t counts[] = { 2, 0, 3, 1 };
  const uint64_t bad_counts[] = { 0, 0, 0 };
  const double bad_bounds[] = { 0.1, 0.01 };
  const char *labels[] = { "element", "pool", NULL };
  char err[128] = "";
  char *text;

  EXPECT (metrics_add_histogram (set, "meteor_wait_seconds", "Waits", labels, 3,
              bounds, counts, 0.5, err, sizeof (err)) == 0,
      "%s", err);
  EXPECT (metrics_add_histogram (set, "meteor_bad_seconds", "", NULL, 2,
              bad_bounds, bad_counts, 0, err, sizeof (err)) < 0,
      "decreasing bounds taken");
  EXPECT (metrics_add (set, "meteor_wait_seconds", METRIC_GAUGE, "", NULL, 1,
              err, sizeof (err)) < 0,
      "a gauge sample added to a histogram family");
  text = metrics_render (set, NULL);
  EXPECT (strcmp (text,
              "# HELP meteor_wait_seconds Waits\n"
              "# TYPE meteor_wait_seconds histogram\n"
              "meteor_wait_seconds_bucket{element=\"pool\",le=\"0.001\"} 2\n"
              "meteor_wait_seconds_bucket{element=\"pool\",le=\"0.01\"} 2\n"
              "meteor_wait_seconds_bucket{element=\"pool\",le=\"0.1\"} 5\n"
              "meteor_wait_seconds_bucket{element=\"pool\",le=\"+Inf\"} 6\n"
              "meteor_wait_seconds_sum{element=\"pool\"} 0.5\n"
              "meteor_wait_seconds_count{element=\"pool\"} 6\n") == 0,
      "got:\n%s", text);
  free (text);
  metrics_set_free (set);
}

static void
test_time_hist (void)
{
  MetricsTimeHist h;
  uint64_t counts[METRICS_TIME_BUCKETS + 1], sum, n;
  size_t i;

  memset (&h, 0, sizeof (h));
  metrics_time_hist_snapshot (&h, counts, &sum, &n);
  EXPECT (n == 0 && sum == 0, "empty: %llu %llu", (unsigned long long)n,
      (unsigned long long)sum);
  EXPECT (metrics_time_hist_quantile (counts, 0.5) == 0, "empty quantile");

  metrics_time_hist_record (&h, 0);           /* first bucket */
  metrics_time_hist_record (&h, 1000);        /* at a bound: that bucket */
  metrics_time_hist_record (&h, 1001);        /* just above: the next */
  metrics_time_hist_record (&h, 3000000);     /* (2.5 ms, 5 ms] */
  metrics_time_hist_record (&h, 20000000000); /* above 10 s */
  metrics_time_hist_snapshot (&h, counts, &sum, &n);
  EXPECT (n == 5, "count %llu", (unsigned long long)n);
  EXPECT (sum == 20003002001ull, "sum %llu", (unsigned long long)sum);
  EXPECT (counts[0] == 2, "bucket 0: %llu", (unsigned long long)counts[0]);
  EXPECT (counts[1] == 1, "bucket 1: %llu", (unsigned long long)counts[1]);
  for (i = 0; i < METRICS_TIME_BUCKETS; i++)
    if (metrics_time_bounds_ns[i] == 5000000)
      EXPECT (
          counts[i] == 1, "5 ms bucket: %llu", (unsigned long long)counts[i]);
  EXPECT (counts[METRICS_TIME_BUCKETS] == 1, "overflow bucket");
  for (i = 1; i < METRICS_TIME_BUCKETS; i++)
    EXPECT (metrics_time_bounds_ns[i] > metrics_time_bounds_ns[i - 1],
        "bounds increase at %zu", i);
  EXPECT (metrics_time_hist_quantile (counts, 0.4) == 1000, "q40 %llu",
      (unsigned long long)metrics_time_hist_quantile (counts, 0.4));
  EXPECT (metrics_time_hist_quantile (counts, 0.8) == 5000000, "q80");
  EXPECT (metrics_time_hist_quantile (counts, 1.0) == UINT64_MAX, "q100");
}

static void
test_field_map (void)
{
  MetricsField f;

  metrics_map_field ("meteorpool-stats", "ingress-copies", 0, &f);
  EXPECT (f.known && strcmp (f.name, "meteor_frame_copies_total") == 0 &&
              f.type == METRIC_COUNTER && strcmp (f.label, "kind") == 0 &&
              strcmp (f.label_value, "ingress") == 0,
      "ingress-copies -> %s{%s=%s}", f.name, f.label, f.label_value);
  metrics_map_field ("meteorpool-stats", "downstream-copies", 0, &f);
  EXPECT (f.help != NULL && f.help[0], "shared family has a help text");
  metrics_map_field ("meteorpool-stats", "pool-size", 0, &f);
  EXPECT (f.known && f.type == METRIC_GAUGE, "pool-size is a gauge");
  metrics_map_field ("meteorpool-stats", "acquire-wait-histogram", 1, &f);
  EXPECT (f.known && f.type == METRIC_HISTOGRAM && f.scale == 1e-9 &&
              strcmp (f.name, "meteor_pool_acquire_wait_seconds") == 0,
      "wait histogram -> %s", f.name);
  /* pool-only names do not apply to other elements */
  metrics_map_field ("other-stats", "pool-size", 0, &f);
  EXPECT (!f.known && strcmp (f.name, "meteor_element_stat") == 0 &&
              strcmp (f.label, "field") == 0 &&
              strcmp (f.label_value, "pool-size") == 0,
      "generic -> %s{%s=%s}", f.name, f.label, f.label_value);
  metrics_map_field ("meteordetect-stats", "detections", 0, &f);
  EXPECT (strcmp (f.name, "meteor_detections_total") == 0, "%s", f.name);
  metrics_map_field ("meteordetect-stats", "ns-per-frame", 0, &f);
  EXPECT (f.scale == 1e-9 && f.type == METRIC_GAUGE, "ns-per-frame");
  /* tieredsink's fields */
  metrics_map_field ("tieredsink-stats", "warm-hits", 0, &f);
  EXPECT (strcmp (f.name, "meteor_tier_hits_total") == 0 &&
              strcmp (f.label, "tier") == 0 &&
              strcmp (f.label_value, "warm") == 0,
      "warm-hits -> %s{%s=%s}", f.name, f.label, f.label_value);
  metrics_map_field ("tieredsink-stats", "cold-bytes-written", 0, &f);
  EXPECT (strcmp (f.name, "meteor_tier_written_bytes_total") == 0 &&
              strcmp (f.label_value, "cold") == 0,
      "cold-bytes-written -> %s", f.name);
  metrics_map_field ("tieredsink-stats", "hot-evictions", 0, &f);
  EXPECT (strcmp (f.name, "meteor_tier_evictions_total") == 0, "%s", f.name);
  metrics_map_field ("tieredsink-stats", "hot-frames", 0, &f);
  EXPECT (f.type == METRIC_GAUGE, "hot-frames is a gauge");
  metrics_map_field ("tieredsink-stats", "memory-usage", 0, &f);
  EXPECT (strcmp (f.name, "meteor_memory_pressure_level") == 0, "%s", f.name);
  metrics_map_field ("tieredsink-stats", "pressure-low", 0, &f);
  EXPECT (strcmp (f.name, "meteor_memory_pressure_threshold") == 0 &&
              strcmp (f.label, "bound") == 0 &&
              strcmp (f.label_value, "low") == 0 && f.help && f.help[0],
      "pressure-low -> %s{%s=%s}", f.name, f.label, f.label_value);
  metrics_map_field ("tieredsink-stats", "hotter-hits", 0, &f);
  EXPECT (!f.known, "hotter-hits is not a tier field");
  metrics_map_field ("x-stats", "some-hist", 1, &f);
  EXPECT (f.type == METRIC_HISTOGRAM &&
              strcmp (f.name, "meteor_element_duration_seconds") == 0,
      "generic histogram -> %s", f.name);
}

static void
write_file (const char *dir, const char *rel, const char *text)
{
  char path[512];
  FILE *f;

  snprintf (path, sizeof (path), "%s/%s", dir, rel);
  f = fopen (path, "w");
  EXPECT (f != NULL, "cannot write %s", path);
  if (f) {
    fputs (text, f);
    fclose (f);
  }
}

static void
test_memory (void)
{
  char root[] = "/tmp/meteor-metrics-XXXXXX";
  char path[512];
  MetricsMemory m;

  EXPECT (mkdtemp (root) != NULL, "mkdtemp");
  metrics_read_memory (root, &m);
  EXPECT (m.rss_bytes == -1 && m.cgroup_current == -1, "nothing there");

  snprintf (path, sizeof (path), "%s/proc", root);
  mkdir (path, 0700);
  snprintf (path, sizeof (path), "%s/proc/self", root);
  mkdir (path, 0700);
  snprintf (path, sizeof (path), "%s/sys", root);
  mkdir (path, 0700);
  snprintf (path, sizeof (path), "%s/sys/fs", root);
  mkdir (path, 0700);
  snprintf (path, sizeof (path), "%s/sys/fs/cgroup", root);
  mkdir (path, 0700);
  snprintf (path, sizeof (path), "%s/sys/fs/cgroup/station", root);
  mkdir (path, 0700);
  write_file (root, "proc/self/status",
      "Name:\tgst-launch\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n");
  write_file (root, "proc/self/cgroup", "0::/station\n");
  write_file (root, "sys/fs/cgroup/station/memory.current", "5000000\n");
  write_file (root, "sys/fs/cgroup/station/memory.max", "max\n");
  metrics_read_memory (root, &m);
  EXPECT (m.rss_bytes == 1024 * 1024, "rss %lld", (long long)m.rss_bytes);
  EXPECT (
      m.rss_peak_bytes == 2048 * 1024, "hwm %lld", (long long)m.rss_peak_bytes);
  EXPECT (
      m.cgroup_current == 5000000, "current %lld", (long long)m.cgroup_current);
  EXPECT (m.cgroup_max == -1, "max 'max' is unknown: %lld",
      (long long)m.cgroup_max);
  EXPECT (m.cgroup_peak == -1, "no memory.peak");
  write_file (root, "sys/fs/cgroup/station/memory.max", "8000000\n");
  write_file (root, "sys/fs/cgroup/station/memory.peak", "garbage\n");
  metrics_read_memory (root, &m);
  EXPECT (m.cgroup_max == 8000000, "max %lld", (long long)m.cgroup_max);
  EXPECT (m.cgroup_peak == -1, "malformed peak is unknown");
  /* a cgroup path escaping the root is ignored */
  write_file (root, "proc/self/cgroup", "0::/../../etc\n");
  metrics_read_memory (root, &m);
  EXPECT (m.cgroup_current == -1, "escaping cgroup path read");

  /* the real system: this process has a resident size */
  metrics_read_memory ("", &m);
  EXPECT (m.rss_bytes > 0, "own rss %lld", (long long)m.rss_bytes);

  snprintf (path, sizeof (path), "rm -rf '%s'", root);
  EXPECT (system (path) == 0, "cleanup");
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "render families", test_render_families },
    { "bad names", test_bad_names },
    { "escaping and values", test_escaping_and_values },
    { "histogram render", test_histogram_render },
    { "time histogram", test_time_hist },
    { "field map", test_field_map },
    { "memory readers", test_memory },
  };

  return minitest_run (tests, sizeof (tests) / sizeof (tests[0]));
}
