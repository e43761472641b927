/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: bench-station
 *
 * The seed's targets measured on the station pipeline, baseline and
 * zero-copy side by side in one run on one machine:
 *
 *  baseline:  appsrc (a freshly allocated buffer per frame) ! tee, and
 *             every subscriber deep-copies each frame into a freshly
 *             allocated buffer before its element (the seed's "before");
 *  zero-copy: appsrc (frames captured into the pool meteorpool proposes)
 *             ! meteorpool ! tee, every subscriber gets the same memory.
 *
 * Subscribers, the same elements in both: 1 = queue ! meteordetect !
 * fakesink, 2 = queue ! storage (tieredsink when it is registered, else
 * fakesink), 3.. = queue ! fakesink. The source writes every byte of every
 * frame from pre-rendered meteorsky frames (the capture), identically in
 * both.
 *
 * Every configuration runs in its own child process (this program with
 * --child), so peak RSS (VmHWM) is its own. Measured per run: bytes copied
 * and frame-buffer allocations per frame (counted where they happen),
 * peak RSS, CPU time per frame (getrusage, all threads), latency from
 * capture (the PTS, the running time when the frame was pushed) to each
 * sink's arrival, p50/p99, at a paced 30 fps; and the max sustainable frame
 * rate with the source unpaced. Also: 1/3/8 subscribers, hot pre-trigger
 * buffering in tieredsink (when registered) and an RSS soak on meteorsky.
 *
 * Hot pre-trigger buffering also runs the seed's own "before": the
 * baseline, and the detector keeps the same seconds of its copies as its
 * frame history (in the seed, detection and storage each held their own
 * copies of the same frames).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/app/app.h>
#include <gst/gst.h>
#include <gst/meteor/meteor.h>
#include "tiercommon.h"
#include <gst/video/video.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "bench-station.h"

static const BenchFormat formats[] = {
  { "640x480 RGB", "RGB", 640, 480 },
  { "1280x720 GRAY8", "GRAY8", 1280, 720 },
  { "1920x1080 NV12", "NV12", 1920, 1080 },
};

/* ------------------------------------------------------------ the child */

typedef struct {
  GHashTable *v; /* key -> gdouble* */
} Result;

static gdouble
rv (const Result *r, const gchar *key)
{
  gdouble *d = r->v ? g_hash_table_lookup (r->v, key) : NULL;

  return d ? *d : NAN;
}

static gchar *self_exe;
static FILE *csv_out;

/* Runs this program as a child for one configuration; parses its RESULT
 * line. */
static gboolean
spawn_child (gchar **args, Result *r, const gchar *tag)
{
  GPtrArray *argv = g_ptr_array_new ();
  gchar *out = NULL, *err = NULL, *line;
  gint status = 0;
  GError *error = NULL;
  gboolean ok;
  guint i;

  r->v = NULL;
  g_ptr_array_add (argv, self_exe);
  for (i = 0; args[i]; i++)
    g_ptr_array_add (argv, args[i]);
  g_ptr_array_add (argv, NULL);
  ok = g_spawn_sync (NULL, (gchar **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL,
      NULL, &out, &err, &status, &error);
  g_ptr_array_unref (argv);
  if (!ok) {
    g_printerr ("bench-station: %s: %s\n", tag, error->message);
    g_error_free (error);
    return FALSE;
  }
  if (err && *err)
    g_printerr ("%s", err);
  line = out ? strstr (out, "RESULT ") : NULL;
  ok = g_spawn_check_wait_status (status, NULL) && line != NULL;
  if (line) {
    gchar **kv = g_strsplit (g_strchomp (line + 7), " ", -1);

    r->v = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    for (i = 0; kv[i]; i++) {
      gchar *eq = strchr (kv[i], '=');
      gdouble *d;

      if (!eq)
        continue;
      *eq = '\0';
      d = g_new (gdouble, 1);
      *d = g_ascii_strtod (eq + 1, NULL);
      g_hash_table_insert (r->v, g_strdup (kv[i]), d);
    }
    g_strfreev (kv);
    if (csv_out)
      fprintf (csv_out, "%s %s\n", tag, line + 7);
  }
  if (!ok)
    g_printerr ("bench-station: %s failed\n", tag);
  g_free (out);
  g_free (err);
  return ok;
}

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->v, g_hash_table_unref);
}

static const gchar *const mode_names[BENCH_N_MODES] = {
  [BENCH_BASELINE] = "baseline",
  [BENCH_ZERO_COPY] = "zero-copy",
  [BENCH_SEED] = "seed",
};

static gboolean
run_config (guint format, BenchMode mode, guint subs, gboolean paced,
    guint frames, guint hot_seconds, Result *r)
{
  gchar *a[16];
  gchar *tag;
  gboolean ok;
  guint n = 0, i;

  a[n++] = g_strdup ("--child=run");
  a[n++] = g_strdup_printf ("--format-index=%u", format);
  a[n++] = g_strdup_printf ("--mode=%d", mode);
  a[n++] = g_strdup_printf ("--child-subscribers=%u", subs);
  a[n++] = g_strdup_printf ("--paced=%d", paced);
  a[n++] = g_strdup_printf ("--child-frames=%u", frames);
  a[n++] = g_strdup_printf ("--child-hot=%u", hot_seconds);
  a[n] = NULL;
  tag = g_strdup_printf ("%s|%s|subs=%u|%s|hot=%u", formats[format].label,
      mode_names[mode], subs, paced ? "paced" : "unpaced", hot_seconds);
  for (i = 0; tag[i]; i++)
    if (tag[i] == ' ')
      tag[i] = '_';
  ok = spawn_child (a, r, tag);
  for (i = 0; i < n; i++)
    g_free (a[i]);
  g_free (tag);
  return ok;
}

/* Plot data (bench/plots.sh): ratios per metric and format, latency per
 * format, the scaling runs. */
#define N_METRICS 9
static GString *md;
static GString *latency_dat, *scaling_dat;
static gchar *metric_names[N_METRICS];
static gdouble metric_targets[N_METRICS];
static gdouble metric_ratios[N_METRICS][G_N_ELEMENTS (formats)];
static guint current_format, current_metric;

/* "ratio" column: zero-copy / baseline, and whether the seed's target is
 * met. @lower_is_better: target is ratio <= @target; else ratio >=. */
static void
row (GString *out, const gchar *metric, gint decimals, gdouble base, gdouble zc,
    gdouble target, gboolean lower_is_better, const gchar *tlabel)
{
  gchar b[64], z[64];
  gdouble ratio = base != 0 ? zc / base : NAN;
  gboolean met = lower_is_better ? ratio <= target : ratio >= target;

  if (base == 0 && zc == 0) {
    ratio = 1.0;
    met = FALSE;
  }
  g_snprintf (b, sizeof (b), "%.*f", decimals, base);
  g_snprintf (z, sizeof (z), "%.*f", decimals, zc);
  g_print ("  %-30s %14s %14s %9.3f   %-12s %s\n", metric, b, z, ratio, tlabel,
      isnan (ratio) ? ""
      : met         ? "met"
                    : "NOT met");
  g_string_append_printf (out, "| %s | %s | %s | %.3f | %s | %s |\n", metric, b,
      z, ratio, tlabel, met ? "met" : "**not met**");
  if (current_metric < N_METRICS) {
    if (metric_names[current_metric] == NULL)
      metric_names[current_metric] = g_strdelimit (g_strdup (metric), " ", '_');
    metric_targets[current_metric] = target;
    metric_ratios[current_metric][current_format] = ratio;
    current_metric++;
  }
}

/* One configuration, baseline into @b and zero-copy into @z; both are set
 * (the caller clears them), also when a run failed. */
static gboolean
run_pair (guint format, guint subs, gboolean paced, guint frames,
    guint hot_seconds, Result *b, Result *z)
{
  gboolean ok =
      run_config (format, BENCH_BASELINE, subs, paced, frames, hot_seconds, b);

  ok = run_config (
           format, BENCH_ZERO_COPY, subs, paced, frames, hot_seconds, z) &&
       ok;
  return ok;
}

static gchar *
seconds_to_str (gdouble s)
{
  return g_strdup_printf ("%.0f s", s);
}

static gboolean
bench_main_table (guint fi, guint paced_frames, guint frames)
{
  Result bp, zp, bu, zu;
  gboolean ok;
  gdouble bfps, zfps;

  g_print ("\n== %s: 3 subscribers (meteordetect, storage, fakesink) ==\n",
      formats[fi].label);
  ok = run_pair (fi, 3, TRUE, paced_frames, 0, &bp, &zp);
  ok = run_pair (fi, 3, FALSE, frames, 0, &bu, &zu) && ok;
  if (!ok)
    goto out;
  current_format = fi;
  current_metric = 0;
  g_string_append_printf (latency_dat, "\"%s\" %.1f %.1f %.1f %.1f\n",
      formats[fi].label, rv (&bp, "lat_p50_us"), rv (&zp, "lat_p50_us"),
      rv (&bp, "lat_p99_us"), rv (&zp, "lat_p99_us"));
  g_print ("  %-30s %14s %14s %9s   %-12s\n", "", "baseline", "zero-copy",
      "ratio", "seed target");
  g_string_append_printf (md,
      "\n### %s, 3 subscribers\n\n"
      "| metric | baseline | zero-copy | ratio | seed target | |\n"
      "|---|---:|---:|---:|---|---|\n",
      formats[fi].label);
  row (md, "bytes copied/frame", 0, rv (&bp, "bytes_copied_per_frame"),
      rv (&zp, "bytes_copied_per_frame"), 0.10, TRUE, "-90 % (<=0.10)");
  row (md, "frame allocations/frame", 3, rv (&bp, "allocations_per_frame"),
      rv (&zp, "allocations_per_frame"), 0.20, TRUE, "-80 % (<=0.20)");
  row (md, "peak RSS (MB)", 1, rv (&bp, "peak_rss_kb") / 1024,
      rv (&zp, "peak_rss_kb") / 1024, 0.40, TRUE, "-60 % (<=0.40)");
  row (md, "peak RSS above start (MB)", 1,
      (rv (&bp, "peak_rss_kb") - rv (&bp, "start_rss_kb")) / 1024,
      (rv (&zp, "peak_rss_kb") - rv (&zp, "start_rss_kb")) / 1024, 0.40, TRUE,
      "-60 % (<=0.40)");
  row (md, "CPU time/frame at 30 fps (us)", 1,
      rv (&bp, "cpu_us") / rv (&bp, "frames"),
      rv (&zp, "cpu_us") / rv (&zp, "frames"), 0.70, TRUE, "-30 % (<=0.70)");
  row (md, "latency p50 (us)", 1, rv (&bp, "lat_p50_us"),
      rv (&zp, "lat_p50_us"), 0.50, TRUE, "-50 % (<=0.50)");
  row (md, "latency p99 (us)", 1, rv (&bp, "lat_p99_us"),
      rv (&zp, "lat_p99_us"), 0.50, TRUE, "-50 % (<=0.50)");
  bfps = rv (&bu, "frames") / (rv (&bu, "wall_us") / 1e6);
  zfps = rv (&zu, "frames") / (rv (&zu, "wall_us") / 1e6);
  row (md, "max sustainable fps", 0, bfps, zfps, 2.0, FALSE, "2-3x (>=2)");
  row (md, "CPU time/frame unpaced (us)", 1,
      rv (&bu, "cpu_us") / rv (&bu, "frames"),
      rv (&zu, "cpu_us") / rv (&zu, "frames"), 0.70, TRUE, "-30 % (<=0.70)");
  if (rv (&zp, "foreign") > 0 || rv (&zu, "foreign") > 0) {
    g_print ("  CHECK FAILED: zero-copy subscribers saw buffers outside the "
             "ring\n");
    ok = FALSE;
  }
  g_print ("  storage subscriber: %s; zero-copy pool min-buffers from the "
           "allocation query: %.0f\n",
      rv (&zp, "tiered") > 0 ? "tieredsink" : "fakesink (no tieredsink)",
      rv (&zp, "pool_min"));
out:
  result_clear (&bp);
  result_clear (&zp);
  result_clear (&bu);
  result_clear (&zu);
  return ok;
}

static gboolean
bench_scaling (guint fi, const guint *subs, guint n_subs, guint paced_frames)
{
  gboolean ok = TRUE;
  guint i;

  g_print ("\n== scaling, %s, paced at %d fps: subscribers ==\n",
      formats[fi].label, FPS);
  g_print ("  %-5s %16s %16s %14s %14s %12s %12s\n", "subs", "base bytes/fr",
      "zc bytes/fr", "base CPU us/fr", "zc CPU us/fr", "base RSS MB",
      "zc RSS MB");
  g_string_append_printf (md,
      "\n### Subscribers, %s at %d fps\n\n"
      "| subscribers | bytes copied/frame baseline | zero-copy | CPU us/frame "
      "baseline | zero-copy | peak RSS MB baseline | zero-copy | latency p99 "
      "us baseline | zero-copy "
      "|\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
      formats[fi].label, FPS);
  for (i = 0; i < n_subs; i++) {
    Result b, z;

    if (!run_pair (fi, subs[i], TRUE, paced_frames, 0, &b, &z)) {
      ok = FALSE;
      result_clear (&b);
      result_clear (&z);
      continue;
    }
    g_print ("  %-5u %16.0f %16.0f %14.1f %14.1f %12.1f %12.1f\n", subs[i],
        rv (&b, "bytes_copied_per_frame"), rv (&z, "bytes_copied_per_frame"),
        rv (&b, "cpu_us") / rv (&b, "frames"),
        rv (&z, "cpu_us") / rv (&z, "frames"), rv (&b, "peak_rss_kb") / 1024,
        rv (&z, "peak_rss_kb") / 1024);
    g_string_append_printf (md,
        "| %u | %.0f | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n",
        subs[i], rv (&b, "bytes_copied_per_frame"),
        rv (&z, "bytes_copied_per_frame"),
        rv (&b, "cpu_us") / rv (&b, "frames"),
        rv (&z, "cpu_us") / rv (&z, "frames"), rv (&b, "peak_rss_kb") / 1024,
        rv (&z, "peak_rss_kb") / 1024, rv (&b, "lat_p99_us"),
        rv (&z, "lat_p99_us"));
    g_string_append_printf (scaling_dat, "%u %.1f %.1f %.0f %.0f %.1f %.1f\n",
        subs[i], rv (&b, "cpu_us") / rv (&b, "frames"),
        rv (&z, "cpu_us") / rv (&z, "frames"),
        rv (&b, "bytes_copied_per_frame"), rv (&z, "bytes_copied_per_frame"),
        rv (&b, "peak_rss_kb") / 1024, rv (&z, "peak_rss_kb") / 1024);
    if (rv (&z, "bytes_copied_per_frame") != 0 || rv (&z, "foreign") != 0) {
      g_print (
          "  CHECK FAILED: zero-copy copied with %u subscribers\n", subs[i]);
      ok = FALSE;
    }
    result_clear (&b);
    result_clear (&z);
  }
  return ok;
}

/* Hot pre-trigger buffering: tieredsink holding N seconds of frames; and
 * the seed's own "before", where the detector keeps the same seconds of
 * its own copies as its frame history. */
static gboolean
bench_hot (guint fi, const guint *secs, guint n_secs)
{
  gboolean ok = TRUE;
  guint i;

  g_print ("\n== hot pre-trigger buffering, %s ==\n", formats[fi].label);
  if (!bench_has_factory ("tieredsink")) {
    g_print ("  skipped: tieredsink is not registered\n");
    g_string_append_printf (md,
        "\n### Hot pre-trigger buffering\n\nNot measured: tieredsink is not "
        "registered in this build.\n");
    return TRUE;
  }
  g_print ("  %-6s %13s %13s %13s %12s %12s %12s\n", "hot s", "seed RSS MB",
      "base RSS MB", "zc RSS MB", "seed CPU/fr", "base CPU/fr", "zc CPU/fr");
  g_string_append_printf (md,
      "\n### Hot pre-trigger buffering, %s (tieredsink hot-frames = "
      "seconds x %d; the seed's before: the detector also keeps them)\n\n"
      "| hot seconds | peak RSS MB seed's before | baseline | zero-copy | "
      "ratio to seed's | ratio to baseline | CPU us/frame seed's before | "
      "baseline | zero-copy | bytes copied/frame seed's before | baseline | "
      "zero-copy |\n"
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
      formats[fi].label, FPS);
  for (i = 0; i < n_secs; i++) {
    Result b, z, s;
    guint frames = secs[i] * FPS + 150;
    gboolean run_ok = run_pair (fi, 3, FALSE, frames, secs[i], &b, &z);

    run_ok =
        run_config (fi, BENCH_SEED, 3, FALSE, frames, secs[i], &s) && run_ok;
    if (run_ok) {
      g_print ("  %-6u %13.1f %13.1f %13.1f %12.1f %12.1f %12.1f\n", secs[i],
          rv (&s, "peak_rss_kb") / 1024, rv (&b, "peak_rss_kb") / 1024,
          rv (&z, "peak_rss_kb") / 1024, rv (&s, "cpu_us") / rv (&s, "frames"),
          rv (&b, "cpu_us") / rv (&b, "frames"),
          rv (&z, "cpu_us") / rv (&z, "frames"));
      g_string_append_printf (md,
          "| %u | %.1f | %.1f | %.1f | %.3f | %.3f | %.1f | %.1f | %.1f | %.0f "
          "| %.0f | %.0f |\n",
          secs[i], rv (&s, "peak_rss_kb") / 1024, rv (&b, "peak_rss_kb") / 1024,
          rv (&z, "peak_rss_kb") / 1024,
          rv (&z, "peak_rss_kb") / rv (&s, "peak_rss_kb"),
          rv (&z, "peak_rss_kb") / rv (&b, "peak_rss_kb"),
          rv (&s, "cpu_us") / rv (&s, "frames"),
          rv (&b, "cpu_us") / rv (&b, "frames"),
          rv (&z, "cpu_us") / rv (&z, "frames"),
          rv (&s, "bytes_copied_per_frame"), rv (&b, "bytes_copied_per_frame"),
          rv (&z, "bytes_copied_per_frame"));
    }
    ok = run_ok && ok;
    result_clear (&b);
    result_clear (&z);
    result_clear (&s);
  }
  return ok;
}

static gboolean
bench_soak (guint frames, const gchar *out_dir)
{
  gchar *csv = g_build_filename (out_dir, "soak-rss.dat", NULL);
  gchar *a[4];
  Result r;
  gboolean ok;
  gchar *dur;

  g_print ("\n== soak: %u frames of meteorsky 640x480 RGB through the full "
           "zero-copy station, unpaced ==\n",
      frames);
  a[0] = g_strdup ("--child=soak");
  a[1] = g_strdup_printf ("--child-frames=%u", frames);
  a[2] = g_strdup_printf ("--soak-csv=%s", csv);
  a[3] = NULL;
  ok = spawn_child (a, &r, "soak");
  if (r.v) {
    dur = seconds_to_str (rv (&r, "seconds"));
    g_print ("  %.0f frames in %s (%.0f fps), RSS after warm-up %.1f MB, at "
             "the end %.1f MB, slope %.3f kB/s (%.3f kB per 1000 frames), "
             "bytes copied %.0f, pool allocations %.0f; samples in %s\n",
        rv (&r, "frames"), dur, rv (&r, "frames") / rv (&r, "seconds"),
        rv (&r, "rss_first_kb") / 1024, rv (&r, "rss_last_kb") / 1024,
        rv (&r, "slope_kb_per_s"),
        rv (&r, "slope_kb_per_s") * rv (&r, "seconds") / rv (&r, "frames") *
            1000,
        rv (&r, "bytes_copied"), rv (&r, "allocations"), csv);
    g_string_append_printf (md,
        "\n### Soak\n\n| frames | run time | RSS after warm-up (MB) | RSS at "
        "the end (MB) | slope after warm-up | bytes copied | pool allocations "
        "|\n|---:|---:|---:|---:|---:|---:|---:|\n"
        "| %.0f | %s | %.1f | %.1f | %.3f kB/s | %.0f | %.0f |\n",
        rv (&r, "frames"), dur, rv (&r, "rss_first_kb") / 1024,
        rv (&r, "rss_last_kb") / 1024, rv (&r, "slope_kb_per_s"),
        rv (&r, "bytes_copied"), rv (&r, "allocations"));
    g_free (dur);
  }
  result_clear (&r);
  g_free (a[0]);
  g_free (a[1]);
  g_free (a[2]);
  g_free (csv);
  return ok;
}

static void
write_data (const gchar *dir, const gchar *name, const GString *text)
{
  gchar *path = g_build_filename (dir, name, NULL);

  if (!g_file_set_contents (path, text->str, -1, NULL))
    g_printerr ("bench-station: cannot write %s\n", path);
  g_free (path);
}

static void
write_plot_data (const gchar *dir)
{
  GString *r = g_string_new ("# metric target");
  gboolean have_ratios = metric_names[0] != NULL;
  guint m, f;

  for (f = 0; f < G_N_ELEMENTS (formats); f++)
    g_string_append_printf (r, " \"%s\"", formats[f].label);
  g_string_append (r, "\n");
  for (m = 0; m < N_METRICS; m++) {
    if (metric_names[m] == NULL)
      continue;
    g_string_append_printf (r, "%s %.2f", metric_names[m], metric_targets[m]);
    for (f = 0; f < G_N_ELEMENTS (formats); f++)
      g_string_append_printf (r, " %.4f", metric_ratios[m][f]);
    g_string_append (r, "\n");
    g_free (metric_names[m]);
  }
  if (latency_dat->len > 60)
    write_data (dir, "latency.dat", latency_dat);
  if (scaling_dat->len > 80)
    write_data (dir, "scaling.dat", scaling_dat);
  if (have_ratios)
    write_data (dir, "ratios.dat", r);
  g_string_free (r, TRUE);
  g_string_free (latency_dat, TRUE);
  g_string_free (scaling_dat, TRUE);
}

static gboolean
parse_list (const gchar *s, guint *out, guint max, guint *n)
{
  gchar **parts = g_strsplit (s, ",", -1);
  guint i;

  *n = 0;
  for (i = 0; parts[i] && *n < max; i++) {
    gchar *end;
    guint64 v = g_ascii_strtoull (parts[i], &end, 10);

    if (*end || v == 0 || v > 100000) {
      g_strfreev (parts);
      return FALSE;
    }
    out[(*n)++] = (guint)v;
  }
  g_strfreev (parts);
  return *n > 0;
}

int
main (int argc, char **argv)
{
  gchar *child = NULL, *only = NULL, *subs_s = NULL, *hot_s = NULL;
  gchar *out_dir = NULL, *soak_csv = NULL;
  gint frames = 600, paced_frames = 300, soak_frames = 20000;
  gint format_index = 0, mode = 0, child_subs = 3, paced = 0;
  gint child_frames = 0, child_hot = 0;
  GOptionEntry entries[] = {
    { "frames", 'n', 0, G_OPTION_ARG_INT, &frames,
        "Frames of each unpaced run (max frame rate; default 600)", "N" },
    { "paced-frames", 'p', 0, G_OPTION_ARG_INT, &paced_frames,
        "Frames of each run paced at 30 fps (CPU, latency, RSS; default 300 "
        "= 10 s)",
        "N" },
    { "soak-frames", 's', 0, G_OPTION_ARG_INT, &soak_frames,
        "Frames of the soak (default 20000; the report's is 100000)", "N" },
    { "subscribers", 0, 0, G_OPTION_ARG_STRING, &subs_s,
        "Subscriber counts of the scaling runs (default 1,3,8)", "LIST" },
    { "hot-seconds", 0, 0, G_OPTION_ARG_STRING, &hot_s,
        "Hot pre-trigger seconds (default 1,10,60; needs tieredsink)", "LIST" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only,
        "Run one part: main, scaling, hot or soak", "PART" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
        "Directory for results.dat, soak-rss.dat and station.md (default "
        "bench-results)",
        "DIR" },
    { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &child, NULL,
        NULL },
    { "format-index", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &format_index,
        NULL, NULL },
    { "mode", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &mode, NULL, NULL },
    { "child-subscribers", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT,
        &child_subs, NULL, NULL },
    { "paced", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &paced, NULL, NULL },
    { "child-frames", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &child_frames,
        NULL, NULL },
    { "child-hot", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &child_hot, NULL,
        NULL },
    { "soak-csv", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &soak_csv,
        NULL, NULL },
    { NULL }
  };
  guint subs[8], n_subs, hot[8], n_hot;
  gboolean ok = TRUE;
  gint64 start;
  gchar *path;
  int rc;
  guint i;

  if (!bench_parse_options (WHO,
          "- the seed's targets on the station pipeline, baseline vs zero-copy",
          entries, &argc, &argv))
    return EXIT_FAILURE;
  bench_ensure_plugins (BENCH_PLUGIN_PATH);

  if (child) {
    if (g_str_equal (child, "soak"))
      rc = bench_child_soak ((guint)child_frames, soak_csv);
    else if (format_index < 0 || format_index >= (gint)G_N_ELEMENTS (formats) ||
             child_subs < 1 || child_subs > MAX_SUBS || child_frames <= 0 ||
             mode < 0 || mode >= BENCH_N_MODES)
      rc = EXIT_FAILURE;
    else
      rc = bench_child_run (&formats[format_index], (BenchMode)mode,
          (guint)child_subs, paced, (guint)child_frames, (guint)child_hot);
    g_free (child);
    g_free (soak_csv);
    gst_deinit ();
    return rc;
  }

  if (frames <= 0 || paced_frames <= 0 || soak_frames <= 0 ||
      !parse_list (
          subs_s ? subs_s : "1,3,8", subs, G_N_ELEMENTS (subs), &n_subs) ||
      !parse_list (
          hot_s ? hot_s : "1,10,60", hot, G_N_ELEMENTS (hot), &n_hot)) {
    g_printerr ("bench-station: frame counts and lists take positive "
                "numbers\n");
    return EXIT_FAILURE;
  }
  for (i = 0; i < n_subs; i++)
    if (subs[i] > MAX_SUBS) {
      g_printerr ("bench-station: at most %d subscribers\n", MAX_SUBS);
      return EXIT_FAILURE;
    }
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (out_dir == NULL)
    out_dir = g_strdup ("bench-results");
  g_mkdir_with_parents (out_dir, 0755);
  path = g_build_filename (out_dir, "results.dat", NULL);
  csv_out = fopen (path, "w");
  g_free (path);
  md = g_string_new ("");
  latency_dat = g_string_new ("# format base_p50_us zc_p50_us base_p99_us "
                              "zc_p99_us\n");
  scaling_dat = g_string_new ("# subscribers base_cpu_us zc_cpu_us "
                              "base_bytes zc_bytes base_rss_mb zc_rss_mb\n");

  g_print ("bench-station: baseline (fresh buffer per frame, each subscriber "
           "deep-copies) vs zero-copy (meteorpool ring, tee shares); each "
           "run a separate process\n"
           "  subscribers: meteordetect, storage (%s), then fakesinks; paced "
           "runs %d frames at %d fps, unpaced %d frames\n"
           "  ratio = zero-copy / baseline\n",
      bench_has_factory ("tieredsink") ? "tieredsink"
                                       : "fakesink: no tieredsink",
      paced_frames, FPS, frames);
  start = g_get_monotonic_time ();
  if (!only || g_str_equal (only, "main"))
    for (i = 0; i < G_N_ELEMENTS (formats); i++)
      ok = bench_main_table (i, (guint)paced_frames, (guint)frames) && ok;
  if (!only || g_str_equal (only, "scaling"))
    ok = bench_scaling (0, subs, n_subs, (guint)paced_frames / 2) && ok;
  if (!only || g_str_equal (only, "hot"))
    for (i = 0; i < G_N_ELEMENTS (formats); i++)
      ok = bench_hot (i, hot, n_hot) && ok;
  if (!only || g_str_equal (only, "soak"))
    ok = bench_soak ((guint)soak_frames, out_dir) && ok;

  write_plot_data (out_dir);
  path = g_build_filename (out_dir, "station.md", NULL);
  if (!g_file_set_contents (path, md->str, -1, NULL))
    g_printerr ("bench-station: cannot write %s\n", path);
  g_print ("\nbench-station: total run time %.0f s; tables in %s, data in "
           "%s/results.dat\n",
      (g_get_monotonic_time () - start) / 1e6, path, out_dir);
  g_free (path);
  if (csv_out)
    fclose (csv_out);
  g_string_free (md, TRUE);
  g_free (self_exe);
  g_free (out_dir);
  g_free (only);
  g_free (subs_s);
  g_free (hot_s);
  gst_deinit ();
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
