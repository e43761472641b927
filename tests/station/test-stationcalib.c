/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's own calibrations, their schedule: a stack
 * of stack_seconds of frames goes to the solver (here a stand-in that
 * finds nothing: $METEOR_SOLVE_FIELD), a sky that does not solve is tried
 * again after retry seconds and not before, no frame is stacked while it
 * is solving, and nothing is kept. Plain C (also under qemu). */
#include "stationcalib.h"
#include "minitest.h"

#include <glib/gstdio.h>
#include <string.h>

#define W 64
#define H 48

static guint8 frame[W * H];

static void
not_called (const gchar *wcs_path, const MeteorCalibration *cal,
    const MeteorPhotometry *phot, gpointer data)
{
  (*(int *)data)++;
}

/* waits (with a deadline) until the solver has given up @n times */
static gboolean
wait_failed (StationCalib *c, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  guint made, failed;

  do {
    station_calib_counts (c, &made, &failed);
    if (failed >= n)
      return failed == n && made == 0;
    g_usleep (10000);
  } while (g_get_monotonic_time () < deadline);
  return FALSE;
}

/* frames at 10 a second over [from, to) */
static void
feed (StationCalib *c, double from, double to)
{
  double t;

  for (t = from; t < to - 1e-9; t += 0.1)
    station_calib_frame (c, frame, W, 1, W, H, t);
}

static void
test_schedule (void)
{
  gchar *dir = g_dir_make_tmp ("stationcalib-XXXXXX", NULL);
  gchar *solver = g_build_filename (dir, "solve-field", NULL);
  gchar *store = g_build_filename (dir, "calibration", NULL), *latest;
  StationCalibSettings s = { .interval = 100, .retry = 30, .stack_seconds = 1 };
  StationCalib *c;
  guint made, failed;
  int called = 0;

  memset (frame, 20, sizeof frame);
  g_file_set_contents (solver, "#!/bin/sh\nexit 0\n", -1, NULL);
  g_chmod (solver, 0755);
  g_setenv ("METEOR_SOLVE_FIELD", solver, TRUE);
  c = station_calib_new (&s, store, not_called, &called);
  /* 1 s of frames from t = 1000: a stack, solved (and not) in its thread */
  feed (c, 1000, 1001.05);
  EXPECT (wait_failed (c, 1), "the first stack was not tried once");
  /* the retry is 30 s after the stack's middle (1000.5): nothing before */
  feed (c, 1001.1, 1030.45);
  g_usleep (100000);
  station_calib_counts (c, &made, &failed);
  EXPECT (failed == 1, "tried %u times before the retry", failed);
  feed (c, 1030.5, 1033);
  EXPECT (wait_failed (c, 2), "the retry was not tried");
  station_calib_free (c);
  EXPECT (called == 0, "a calibration without a solution");
  latest = station_calib_latest (store);
  EXPECT (latest == NULL, "kept %s", latest);
  g_free (latest);
  g_unsetenv ("METEOR_SOLVE_FIELD");
  g_unlink (solver);
  g_rmdir (store);
  g_rmdir (dir);
  g_free (store);
  g_free (solver);
  g_free (dir);
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "a stack, a sky that does not solve, the retry", test_schedule },
  };

  return minitest_run (tests, G_N_ELEMENTS (tests));
}
