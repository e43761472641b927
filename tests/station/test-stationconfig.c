/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's config: the installed example reads, and
 * each kind of mistake fails naming the file, the line and the key.
 * Plain C (GLib), no GStreamer. */
#include "stationconfig.h"

#include "minitest.h"

#include <glib/gstdio.h>
#include <string.h>

static gchar *dir;

/* Writes @text to a config file; returns its path (free it). */
static gchar *
write_config (const gchar *name, const gchar *text)
{
  gchar *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, text, -1, NULL);
  return path;
}

/* Loads @text; NULL and the message in @msg on error. */
static StationConfig *
load_text (const gchar *text, gchar **msg)
{
  gchar *path = write_config ("station.ini", text);
  GError *err = NULL;
  StationConfig *c = station_config_load (path, &err);

  *msg = err ? g_strdup (err->message) : NULL;
  g_clear_error (&err);
  g_free (path);
  return c;
}

#define MINIMAL                                                                \
  "[camera]\nsource = sky\n[storage]\npath = /tmp/store\n"                     \
  "[schedule]\nmode = always\n"

static void
test_example_reads (void)
{
  GError *err = NULL;
  StationConfig *c =
      station_config_load (METEOR_SOURCE_ROOT "/station/station.ini", &err);

  EXPECT (c != NULL, "%s", err ? err->message : "");
  if (c == NULL) {
    g_clear_error (&err);
    return;
  }
  EXPECT (!strcmp (c->id, "XX0001"), "id %s", c->id);
  EXPECT (c->latitude == 45.80 && c->longitude == 15.97, "place");
  EXPECT (c->source == STATION_CAMERA_SKY && c->width == 1280 &&
              c->height == 720 && c->fps_n == 25 && c->fps_d == 1,
      "camera");
  EXPECT (c->cold_bytes == 8ull << 30 && c->quota_bytes == 32ull << 30 &&
              c->min_free_bytes == 1ull << 30 && c->warm_bytes == 256ull << 20,
      "sizes");
  EXPECT (c->metrics_port == 9464 && !strcmp (c->metrics_bind, "127.0.0.1"),
      "metrics");
  EXPECT (!c->always && c->start_altitude == -6, "schedule");
  EXPECT (c->n_detect == 2 && !strcmp (c->detect[0].name, "k1") &&
              !strcmp (c->detect[0].value, "7") && c->detect[0].line > 20,
      "detect: %u", c->n_detect);
  station_config_free (c);
}

static void
test_defaults (void)
{
  gchar *msg;
  StationConfig *c = load_text (MINIMAL, &msg);

  EXPECT (c != NULL, "%s", msg ? msg : "");
  if (c) {
    EXPECT (c->always && c->hot_seconds == 2 && c->no_frame_seconds == 10 &&
                c->metrics_port == 0 && c->fps_n == 0,
        "defaults");
    station_config_free (c);
  }
  g_free (msg);
  /* a frame rate as a fraction, and one with decimals */
  c = load_text ("[camera]\nsource = sky\nframerate = 30000/1001\n"
                 "[storage]\npath = /s\n[schedule]\nmode = always\n",
      &msg);
  EXPECT (c && c->fps_n == 30000 && c->fps_d == 1001, "30000/1001");
  station_config_free (c);
  g_free (msg);
  c = load_text ("[camera]\nsource = sky\nframerate = 29.97\n[storage]\n"
                 "path = /s\n[schedule]\nmode = always\n",
      &msg);
  EXPECT (c && c->fps_n == 2997 && c->fps_d == 100, "29.97: %d/%d",
      c ? c->fps_n : 0, c ? c->fps_d : 0);
  station_config_free (c);
  g_free (msg);
}

/* @text fails with a message holding each of the NULL-terminated @says. */
static void
expect_error (const gchar *text, ...)
{
  gchar *msg;
  StationConfig *c = load_text (text, &msg);
  const gchar *say;
  va_list ap;

  EXPECT (c == NULL, "accepted: %s", text);
  station_config_free (c);
  va_start (ap, text);
  while ((say = va_arg (ap, const gchar *)) != NULL)
    EXPECT (msg && strstr (msg, say), "\"%s\" not in: %s", say,
        msg ? msg : "(none)");
  va_end (ap);
  g_free (msg);
}

static void
test_errors_name_file_line_key (void)
{
  gchar *path = g_build_filename (dir, "nope.ini", NULL);
  GError *err = NULL;

  EXPECT (station_config_load (path, &err) == NULL, "missing file read");
  EXPECT (err && strstr (err->message, "nope.ini") &&
              strstr (err->message, "No such file"),
      "%s", err ? err->message : "");
  g_clear_error (&err);
  g_free (path);

  expect_error ("[camera]\nsource = sky\nexposure = 5\n[storage]\npath = /s\n",
      "station.ini:3", "[camera] exposure", "unknown key", NULL);
  expect_error ("[camera]\nsource = webcam\n[storage]\npath = /s\n",
      "station.ini:2", "[camera] source", "\"webcam\" is not one of", NULL);
  expect_error ("[station]\nlatitude = 95\n" MINIMAL, "station.ini:2",
      "[station] latitude", "out of range", NULL);
  expect_error ("[station]\nlatitude = north\n" MINIMAL, "station.ini:2",
      "latitude", "not a number", NULL);
  expect_error ("[camera]\nsource = sky\nwidth = 12.5\n[storage]\npath = /s\n",
      "station.ini:3", "[camera] width", "whole number", NULL);
  expect_error ("[camera]\nsource = sky\n[storage]\npath = /s\nquota = lots\n",
      "station.ini:5", "[storage] quota", "not a size", NULL);
  expect_error ("[camera]\nsource = sky\nframerate = fast\n[storage]\n"
                "path = /s\n",
      "station.ini:3", "framerate", "not a frame rate", NULL);
  expect_error ("[camera]\nsource = file\npath = /r.mkv\n"
                "start-time = yesterday\n[storage]\npath = /s\n",
      "station.ini:4", "[camera] start-time", "not an ISO 8601 time", NULL);
  expect_error ("[cameras]\nsource = sky\n", "station.ini:1", "[cameras]",
      "unknown section", NULL);
  expect_error ("[camera]\nsource = sky\n", "[storage] path", "missing", NULL);
  expect_error ("[camera]\nsource = rtsp\n[storage]\npath = /s\n"
                "[schedule]\nmode = always\n",
      "station.ini:1", "[camera] url", "source=rtsp", NULL);
  /* the sun schedule needs the place */
  expect_error ("[camera]\nsource = sky\n[storage]\npath = /s\n",
      "[station] latitude", "missing", NULL);
  /* not a key file at all: the line GKeyFile stumbled on */
  expect_error (
      "[camera]\nsource = sky\nthis line is wrong\n", "station.ini:3", NULL);
}

/* [calibration]: on by itself for a real camera, an hour apart; never on
 * the synthetic sky; off when said, or when [detect] names a fixed one */
static void
test_calibration (void)
{
  static const struct {
    const char *text;
    gboolean calibrate;
  } cases[] = {
    { MINIMAL, FALSE },
    { "[camera]\nsource = rtsp\nurl = rtsp://x/\n[storage]\npath = /s\n"
      "[schedule]\nmode = always\n",
        TRUE },
    { "[camera]\nsource = rtsp\nurl = rtsp://x/\n[storage]\npath = /s\n"
      "[schedule]\nmode = always\n[calibration]\nmode = off\n",
        FALSE },
    { "[camera]\nsource = rtsp\nurl = rtsp://x/\n[storage]\npath = /s\n"
      "[schedule]\nmode = always\n[detect]\ncalibration = /c.wcs\n",
        FALSE },
  };
  gchar *msg;
  StationConfig *c;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    c = load_text (cases[i].text, &msg);
    EXPECT (c && c->calibrate == cases[i].calibrate, "case %u: %s", i,
        msg ? msg : "");
    if (c)
      EXPECT (c->calib.interval == 3600 && c->calib.retry == 600 &&
                  c->calib.stack_seconds == 10 && c->calib.scale_low == 0,
          "case %u: defaults", i);
    station_config_free (c);
    g_free (msg);
  }
  c = load_text ("[camera]\nsource = v4l2\ndevice = /dev/video0\n"
                 "[storage]\npath = /s\n[schedule]\nmode = always\n"
                 "[calibration]\ninterval = 1800\nstack-seconds = 20\n"
                 "scale-low = 180\nscale-high = 280\n",
      &msg);
  EXPECT (c && c->calibrate && c->calib.interval == 1800 &&
              c->calib.stack_seconds == 20 && c->calib.scale_low == 180 &&
              c->calib.scale_high == 280,
      "set: %s", msg ? msg : "");
  station_config_free (c);
  g_free (msg);
  expect_error (MINIMAL "[calibration]\nmode = sometimes\n",
      "station.ini:", "[calibration] mode", NULL);
  expect_error (MINIMAL "[calibration]\ninterval = 5\n", "interval", NULL);
}

static void
test_pool_sizing (void)
{
  /* 2 s at 25 fps, 4 buffers in queues, 2 for the camera */
  EXPECT (station_pool_buffers (2, 25, 1, 4) == 56, "%u",
      station_pool_buffers (2, 25, 1, 4));
  EXPECT (station_pool_buffers (1, 30000, 1001, 0) == 32, "%u",
      station_pool_buffers (1, 30000, 1001, 0));
  /* the camera's rate not known yet: 30 */
  EXPECT (station_pool_buffers (0.5, 0, 1, 3) == 20, "%u",
      station_pool_buffers (0.5, 0, 1, 3));
}

static void
test_sighup (void)
{
  const gchar *base = "[station]\nlatitude = 45.8\nlongitude = 16\n"
                      "[camera]\nsource = sky\n[detect]\nk1 = 7\n"
                      "[storage]\npath = /s\n";
  gchar *msg = NULL, *needs;
  StationConfig *a = load_text (base, &msg);
  StationConfig *b = load_text (
      "[station]\nlatitude = 60\nlongitude = 16\n[camera]\nsource = sky\n"
      "[detect]\nk1 = 5\nk2 = 3\n[storage]\npath = /s\n"
      "[schedule]\nstart-altitude = -12\n",
      &msg);
  StationConfig *c = load_text (
      "[camera]\nsource = rtsp\nurl = rtsp://x/\n[storage]\npath = /t\n"
      "[metrics]\nport = 1\n[schedule]\nmode = always\n",
      &msg);

  EXPECT (a && b && c, "%s", msg);
  if (a && b && c) {
    /* thresholds and the schedule apply live: nothing needs a restart */
    needs = station_config_restart_needed (a, b);
    EXPECT (needs == NULL, "%s", needs);
    g_free (needs);
    needs = station_config_restart_needed (a, c);
    EXPECT (!g_strcmp0 (needs, "[camera], [storage], [metrics]"), "%s", needs);
    g_free (needs);
    station_config_take_live (a, b);
    EXPECT (a->n_detect == 2 && !strcmp (a->detect[0].name, "k1") &&
                !strcmp (a->detect[0].value, "5"),
        "%u", a->n_detect);
    EXPECT (a->latitude == 60 && a->start_altitude == -12, "%g %g", a->latitude,
        a->start_altitude);
    EXPECT (!strcmp (a->store, "/s"), "[storage] kept: %s", a->store);
  }
  station_config_free (a);
  station_config_free (b);
  station_config_free (c);
  g_free (msg);
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "the example config reads", test_example_reads },
    { "defaults and frame rates", test_defaults },
    { "errors name the file, the line and the key",
        test_errors_name_file_line_key },
    { "pool sizing", test_pool_sizing },
    { "SIGHUP: what applies live, what needs a restart", test_sighup },
    { "[calibration]", test_calibration },
  };
  int status;

  dir = g_dir_make_tmp ("meteor-station-config-XXXXXX", NULL);
  status = minitest_run (tests, G_N_ELEMENTS (tests));
  {
    gchar *p = g_build_filename (dir, "station.ini", NULL);
    g_unlink (p);
    g_free (p);
  }
  g_rmdir (dir);
  g_free (dir);
  return status;
}
