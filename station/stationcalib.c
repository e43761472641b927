/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's own calibrations. */
#include "stationcalib.h"

#include "camerawcs.h"
#include "stationbytes.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* a move of the camera's centre worth saying between two calibrations */
#define MOVED_DEG 0.5
/* dated calibrations kept (two days of hourly ones): the store's quota
 * does not see this directory */
#define KEEP_DATED 48

struct StationCalib {
  StationCalibSettings s;
  gchar *dir;
  StationCalibDone done;
  gpointer data;

  /* the streaming thread's stack */
  gdouble start_utc;
  gint width, height;
  guint frames;
  guint32 *sum;
  guint64 *sum2;
  gint interrupted; /* atomic: a meteor in the stack */

  /* the solve: one at a time, in its thread; while busy there is no
   * stack, and next_at is the solver's to set */
  GThread *thread;
  gint busy; /* atomic */
  gdouble next_at;
  guint made, failed;
  gdouble last_utc; /* the sky's time of the calibration in use; 0: none */
  gboolean have_centre;
  gdouble ra, dec;
};

typedef struct {
  StationCalib *c;
  guint8 *image;
  gint width, height;
  gdouble noise, utc;
} Job;

StationCalib *
station_calib_new (const StationCalibSettings *settings, const gchar *dir,
    StationCalibDone done, gpointer data)
{
  StationCalib *c = g_new0 (StationCalib, 1);
  gchar *latest;

  c->s = *settings;
  c->dir = g_strdup (dir);
  c->done = done;
  c->data = data;
  latest = station_calib_latest (dir);
  if (latest)
    c->last_utc = meteor_calibration_time (latest);
  g_free (latest);
  return c;
}

void
station_calib_free (StationCalib *c)
{
  if (c == NULL)
    return;
  if (c->thread)
    g_thread_join (c->thread);
  g_free (c->sum);
  g_free (c->sum2);
  g_free (c->dir);
  g_free (c);
}

gchar *
station_calib_latest (const gchar *dir)
{
  gchar *path = g_build_filename (dir, "camera.wcs", NULL);

  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return path;
  g_free (path);
  return NULL;
}

void
station_calib_interrupt (StationCalib *c)
{
  g_atomic_int_set (&c->interrupted, 1);
}

void
station_calib_counts (StationCalib *c, guint *made, guint *failed)
{
  /* written by the solver before it is no longer busy */
  if (g_atomic_int_get (&c->busy)) {
    *made = *failed = 0;
    return;
  }
  *made = c->made;
  *failed = c->failed;
}

/* "20231023_213749" */
static gchar *
utc_name (gdouble utc)
{
  GDateTime *d = g_date_time_new_from_unix_utc ((gint64)floor (utc));
  gchar *name = g_date_time_format (d, "%Y%m%d_%H%M%S");

  g_date_time_unref (d);
  return name;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *)a, *(const gchar *const *)b);
}

/* The oldest dated calibrations beyond KEEP_DATED go. */
static void
prune (StationCalib *c)
{
  GDir *d = g_dir_open (c->dir, 0, NULL);
  GPtrArray *dated = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;
  guint i;

  while (d && (name = g_dir_read_name (d)) != NULL)
    if (g_ascii_isdigit (name[0]) && g_str_has_suffix (name, ".wcs"))
      g_ptr_array_add (dated, g_strdup (name));
  if (d)
    g_dir_close (d);
  g_ptr_array_sort (dated, compare_names); /* by time: the names are */
  for (i = 0; i + KEEP_DATED < dated->len; i++) {
    gchar *path = g_build_filename (c->dir, dated->pdata[i], NULL);
    g_unlink (path);
    g_free (path);
  }
  g_ptr_array_unref (dated);
}

/* The solution into DIR/<time>.wcs and DIR/camera.wcs (renamed over:
 * never half a file); TRUE when both are there. */
static gboolean
keep (StationCalib *c, const gchar *made, gdouble utc, GError **error)
{
  gchar *stamp = utc_name (utc), *text = NULL;
  gchar *dated = g_strdup_printf ("%s/%s.wcs", c->dir, stamp);
  gchar *latest = g_build_filename (c->dir, "camera.wcs", NULL);
  gsize len = 0;
  gboolean ok = g_file_get_contents (made, &text, &len, error) &&
                g_file_set_contents (dated, text, (gssize)len, error);

  if (ok && g_rename (made, latest) != 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "cannot rename %s to %s: %s", made, latest, g_strerror (errno));
    ok = FALSE;
  }
  if (ok) /* the dated copy, and the one made (now the latest) */
    station_bytes_add (STATION_BYTES_CALIBRATION, 2 * (guint64)len);
  g_free (text);
  g_free (latest);
  g_free (dated);
  g_free (stamp);
  return ok;
}

#define SOLVE_NICE 10

static gpointer
solve (gpointer data)
{
  Job *job = data;
  StationCalib *c = job->c;
  MeteorCalibrateOptions o = { .scale_low = c->s.scale_low,
    .scale_high = c->s.scale_high,
    .cpu_limit_s = 60 };
  MeteorCalibration cal;
  MeteorPhotometry phot = { NAN, NAN, 0, NAN };
  MeteorCameraWcs *w = NULL;
  gchar *made = g_build_filename (c->dir, "calibrating.wcs", NULL);
  gchar *latest = g_build_filename (c->dir, "camera.wcs", NULL);
  GError *error = NULL;
  gboolean ok;

  /* the capture and the detector come first: this thread, and the solver
   * it runs, take the CPU they leave (Linux: a thread's own nice value,
   * which its children inherit) */
  if (setpriority (PRIO_PROCESS, (id_t)syscall (SYS_gettid), SOLVE_NICE) != 0)
    g_debug ("the solver keeps the station's priority: %s", g_strerror (errno));
  ok = g_mkdir_with_parents (c->dir, 0755) == 0 &&
       meteor_calibrate_solve (
           job->image, job->width, job->height, &o, made, &cal, &error) &&
       meteor_calibration_save (made, &cal, job->utc, &error);
  /* the photometry is an extra: a sky that solved is a calibration */
  if (ok && (w = meteor_camera_wcs_load (made, NULL)) != NULL &&
      meteor_photometry_fit (
          job->image, job->width, job->height, job->noise, w, &phot, NULL))
    meteor_photometry_save (made, &phot, NULL);
  meteor_camera_wcs_free (w);
  ok = ok && keep (c, made, job->utc, &error);
  if (ok) {
    prune (c);
    if (c->have_centre &&
        meteor_sky_separation (c->ra, c->dec, cal.ra, cal.dec) > MOVED_DEG)
      g_print ("meteor-station: WARNING: the camera moved: its centre is "
               "%.2f deg from the last calibration's\n",
          meteor_sky_separation (c->ra, c->dec, cal.ra, cal.dec));
    c->have_centre = TRUE;
    c->ra = cal.ra;
    c->dec = cal.dec;
    g_print ("meteor-station: calibrated: centre RA %.3f Dec %+.3f, "
             "%.1f\"/px, %u stars, residual %.2f px, zero point %.2f, "
             "limiting magnitude %.2f (%s)\n",
        cal.ra, cal.dec, cal.scale, cal.stars, cal.residual_px, phot.zero_point,
        phot.limiting_mag, latest);
    c->made++;
    c->last_utc = job->utc;
    c->done (latest, &cal, &phot, c->data);
    c->next_at = job->utc + c->s.interval;
  } else {
    gchar *kept = c->last_utc > 0
                      ? g_strdup_printf ("the last calibration (%.0f s old) "
                                         "stays",
                            job->utc - c->last_utc)
                      : g_strdup ("still uncalibrated");
    g_print ("meteor-station: WARNING: calibration: %s; %s; again in %.0f s\n",
        error ? error->message : "cannot make its directory", kept, c->s.retry);
    g_free (kept);
    c->failed++;
    c->next_at = job->utc + c->s.retry;
  }
  g_clear_error (&error);
  g_unlink (made);
  g_free (made);
  g_free (latest);
  g_free (job->image);
  g_free (job);
  g_atomic_int_set (&c->busy, 0);
  return NULL;
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

/* The stack's average (its time: the middle of @end's), and one frame's
 * noise: the median over a sample of pixels of their deviation through
 * the stack. */
static Job *
finish_stack (StationCalib *c, gdouble end)
{
  Job *job = g_new0 (Job, 1);
  gsize n = (gsize)c->width * c->height, i, k = 0, step = MAX (n / 4096, 1);
  gdouble *dev = g_new (gdouble, n / step + 1), f = c->frames;

  job->c = c;
  job->width = c->width;
  job->height = c->height;
  job->utc = (c->start_utc + end) / 2;
  job->image = g_malloc (n);
  for (i = 0; i < n; i++)
    job->image[i] = (guint8)MIN (255, (c->sum[i] + c->frames / 2) / c->frames);
  for (i = 0; i < n; i += step) {
    gdouble mean = c->sum[i] / f;
    dev[k++] = sqrt (MAX (c->sum2[i] / f - mean * mean, 0));
  }
  qsort (dev, k, sizeof *dev, compare_double);
  job->noise = k ? dev[k / 2] : NAN;
  g_free (dev);
  return job;
}

void
station_calib_frame (StationCalib *c, const guint8 *luma, gint stride,
    gint pstride, gint width, gint height, gdouble utc)
{
  gint x, y;

  if (utc <= 0 || g_atomic_int_get (&c->busy))
    return;
  if (g_atomic_int_compare_and_exchange (&c->interrupted, 1, 0))
    c->frames = 0; /* a meteor in the stack: not the stars' average */
  if (c->frames > 0 && (width != c->width || height != c->height))
    c->frames = 0;
  if (c->frames == 0) {
    if (utc < c->next_at)
      return;
    if (width != c->width || height != c->height || c->sum == NULL) {
      g_free (c->sum);
      g_free (c->sum2);
      c->sum = g_new (guint32, (gsize)width * height);
      c->sum2 = g_new (guint64, (gsize)width * height);
      c->width = width;
      c->height = height;
    }
    memset (c->sum, 0, (gsize)width * height * sizeof *c->sum);
    memset (c->sum2, 0, (gsize)width * height * sizeof *c->sum2);
    c->start_utc = utc;
  }
  for (y = 0; y < height; y++) {
    const guint8 *row = luma + (gsize)y * stride;
    guint32 *s = c->sum + (gsize)y * width;
    guint64 *s2 = c->sum2 + (gsize)y * width;
    for (x = 0; x < width; x++) {
      guint32 v = row[(gsize)x * pstride];
      s[x] += v;
      s2[x] += v * v;
    }
  }
  c->frames++;
  if (utc - c->start_utc >= c->s.stack_seconds && c->frames >= 2) {
    Job *job = finish_stack (c, utc);

    c->frames = 0;
    if (c->thread)
      g_thread_join (c->thread); /* done: it was not busy */
    g_atomic_int_set (&c->busy, 1);
    c->thread = g_thread_new ("meteor-calibrate", solve, job);
  }
}
