/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: helpers of the meteorstats gst-check suite
 * (tests/check/meteorstats.c): a fake stats element, an HTTP client of the
 * tracer on loopback, what the process holds (resident memory, file
 * descriptors) and fake memory trees for the report. */
#ifndef __METEOR_STATS_CHECK_H__
#define __METEOR_STATS_CHECK_H__

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/meteor/meteor.h>
#include "tiercommon.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------ a fake stats element */

#define FAKE_TYPE (fake_stats_get_type ())
G_DECLARE_FINAL_TYPE (FakeStats, fake_stats, FAKE, STATS, GstElement)
struct _FakeStats {
  GstElement parent;
  guint64 widgets;
  /* tieredsink's memory pressure: memory-usage; pressure-level when not
   * NULL, pressure-high and -low when >= 0 */
  gdouble usage;
  const gchar *level;
  gdouble high, low;
};
G_DEFINE_TYPE (FakeStats, fake_stats, GST_TYPE_ELEMENT)

static void
fake_stats_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FakeStats *self = FAKE_STATS (object);
  guint64 bounds[2] = { 1000, 1000000 }, counts[3] = { 1, 2, 3 };
  GstStructure *s, *h;

  /* what tieredsink will have, plus a field nobody maps */
  s = gst_structure_new ("tieredsink-stats", "frames", G_TYPE_UINT64,
      self->widgets, "hot-hits", G_TYPE_UINT64, (guint64)11, "warm-hits",
      G_TYPE_UINT64, (guint64)12, "cold-hits", G_TYPE_UINT64, (guint64)13,
      "misses", G_TYPE_UINT64, (guint64)2, "hot-bytes", G_TYPE_UINT64,
      (guint64)4096, "cold-evictions", G_TYPE_UINT64, (guint64)5, "promotions",
      G_TYPE_UINT64, (guint64)6, "cold-bytes-written", G_TYPE_UINT64,
      (guint64)777, "memory-usage", G_TYPE_DOUBLE, self->usage, "widgets",
      G_TYPE_UINT, (guint)self->widgets, "label", G_TYPE_STRING, "skipped",
      NULL);
  if (self->level)
    gst_structure_set (s, "pressure-level", G_TYPE_STRING, self->level, NULL);
  if (self->high >= 0)
    gst_structure_set (s, "pressure-high", G_TYPE_DOUBLE, self->high, NULL);
  if (self->low >= 0)
    gst_structure_set (s, "pressure-low", G_TYPE_DOUBLE, self->low, NULL);
  h = gst_meteor_stats_histogram_new (bounds, counts, 2, 5000000);
  gst_structure_set (s, "write-time", GST_TYPE_STRUCTURE, h, NULL);
  gst_structure_free (h);
  g_value_take_boxed (value, s);
}

static void
fake_stats_class_init (FakeStatsClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->get_property = fake_stats_get_property;
  g_object_class_install_property (gobject_class, 1,
      g_param_spec_boxed ("stats", "Stats", "Counters", GST_TYPE_STRUCTURE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
fake_stats_init (FakeStats *self)
{
  self->usage = 0.85;
  self->high = self->low = -1;
}

/* --------------------------------------------------------- http client */

/* The meteorstats tracer (a ref). */
static GObject *
tracer_object (void)
{
  GObject *tracer = NULL;
  GList *tracers = gst_tracing_get_active_tracers (), *l;

  for (l = tracers; l; l = l->next)
    if (g_object_class_find_property (
            G_OBJECT_GET_CLASS (l->data), "bound-port"))
      tracer = g_object_ref (l->data);
  g_list_free_full (tracers, gst_object_unref);
  fail_unless (tracer != NULL, "the meteorstats tracer is not active");
  return tracer;
}

static guint
tracer_port (void)
{
  GObject *tracer = tracer_object ();
  guint port = 0;

  g_object_get (tracer, "bound-port", &port, NULL);
  g_object_unref (tracer);
  fail_unless (port > 0, "meteorstats serves on no port");
  return port;
}

static GSocketConnection *
http_connect (void)
{
  GSocketClient *client = g_socket_client_new ();
  GSocketConnection *conn;
  GError *error = NULL;

  g_socket_client_set_timeout (client, 30);
  conn = g_socket_client_connect_to_host (
      client, "127.0.0.1", tracer_port (), NULL, &error);
  fail_unless (conn != NULL, "connect: %s", error ? error->message : "?");
  g_object_unref (client);
  return conn;
}

/* One request on a fresh connection (@half_close: then no more to send);
 * returns the status (0 when the server closed without an answer) and the
 * body in @body. */
static guint
http_raw_full (
    const gchar *request, gsize request_len, gboolean half_close, gchar **body)
{
  GSocketConnection *conn = http_connect ();
  GError *error = NULL;
  GString *response = g_string_new (NULL);
  gchar buf[16384];
  gssize n;
  guint status = 0;

  if (!g_output_stream_write_all (
          g_io_stream_get_output_stream (G_IO_STREAM (conn)), request,
          request_len, NULL, NULL, &error))
    g_clear_error (&error); /* the server may close early: read what came */
  if (half_close)
    g_socket_shutdown (
        g_socket_connection_get_socket (conn), FALSE, TRUE, NULL);
  while ((n = g_input_stream_read (
              g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf,
              sizeof (buf), NULL, &error)) > 0)
    g_string_append_len (response, buf, n);
  g_clear_error (&error);
  g_object_unref (conn);

  if (g_str_has_prefix (response->str, "HTTP/1."))
    status = atoi (response->str + 9);
  if (body) {
    const gchar *start = strstr (response->str, "\r\n\r\n");

    *body = g_strdup (start ? start + 4 : "");
  }
  g_string_free (response, TRUE);
  return status;
}

/* A GET of @path that does not ask to close the connection: the answer is
 * read as far as its Content-Length, then the client closes (as curl and
 * Prometheus do with an idle kept-alive connection). The status, or 0. */
static guint
http_get_keepalive (const gchar *path)
{
  GSocketConnection *conn = http_connect ();
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  gchar *req = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
  GString *response = g_string_new (NULL);
  const gchar *end = NULL, *cl;
  gchar buf[4096];
  gssize n;
  guint status = 0;

  fail_unless (g_output_stream_write_all (
      g_io_stream_get_output_stream (G_IO_STREAM (conn)), req, strlen (req),
      NULL, NULL, NULL));
  while ((n = g_input_stream_read (in, buf, sizeof (buf), NULL, NULL)) > 0) {
    g_string_append_len (response, buf, n);
    end = strstr (response->str, "\r\n\r\n");
    cl = end ? g_strstr_len (
                   response->str, end - response->str, "Content-Length: ")
             : NULL;
    if (cl && response->len >= (end + 4 - response->str) +
                                   g_ascii_strtoull (cl + 16, NULL, 10))
      break;
  }
  if (g_str_has_prefix (response->str, "HTTP/1."))
    status = atoi (response->str + 9);
  g_object_unref (conn);
  g_string_free (response, TRUE);
  g_free (req);
  return status;
}

static guint
http_raw (const gchar *request, gsize request_len, gchar **body)
{
  return http_raw_full (request, request_len, FALSE, body);
}

static guint
http_get (const gchar *path, gchar **body)
{
  gchar *req = g_strdup_printf (
      "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
  guint status = http_raw (req, strlen (req), body);

  g_free (req);
  return status;
}

/* The value of the sample @series (name{labels} exactly as exposed). */
static gdouble
metric (const gchar *text, const gchar *series)
{
  gchar *needle = g_strdup_printf ("\n%s ", series);
  const gchar *at = strstr (text, needle);
  gdouble v;

  fail_unless (at != NULL, "no sample %s in:\n%s", series, text);
  v = g_ascii_strtod (at + strlen (needle), NULL);
  g_free (needle);
  return v;
}

/* Sample @series (a count) is @want. */
static void
metric_is (const gchar *text, const gchar *series, guint64 want)
{
  gdouble v = metric (text, series);

  fail_unless (v == (gdouble)want, "%s is %.0f, not %" G_GUINT64_FORMAT, series,
      v, want);
}

/* /report answers and says @what and @advice. */
static void
report_says (const gchar *what, const gchar *advice)
{
  gchar *report = NULL;

  fail_unless_equals_int (http_get ("/report", &report), 200);
  fail_unless (strstr (report, what), "report:\n%s", report);
  fail_unless (strstr (report, advice), "report:\n%s", report);
  g_free (report);
}

static void
promtool_check (const gchar *text)
{
  gchar *promtool = g_find_program_in_path ("promtool");
  gchar *path = NULL, *out = NULL, *err = NULL, *cmd;
  GError *error = NULL;
  gint fd, status = -1;

  if (promtool == NULL) {
    g_print ("promtool not installed (Debian package prometheus): format "
             "not validated by it\n");
    return;
  }
  g_free (promtool);
  fd = g_file_open_tmp ("meteorstats-XXXXXX.prom", &path, &error);
  fail_unless (fd >= 0, "tmp: %s", error ? error->message : "?");
  close (fd);
  fail_unless (g_file_set_contents (path, text, -1, NULL));
  cmd = g_strdup_printf ("sh -c 'promtool check metrics < \"%s\"'", path);
  fail_unless (
      g_spawn_command_line_sync (cmd, &out, &err, &status, &error), "spawn");
  fail_unless (g_spawn_check_wait_status (status, NULL),
      "promtool check metrics failed:\n%s%s", out, err);
  g_unlink (path);
  g_free (cmd);
  g_free (path);
  g_free (out);
  g_free (err);
}

/* ------------------------------------------------ what the process holds */

static gint64
rss_bytes (void)
{
  gchar *status = NULL, *at;
  gint64 kb = -1;

  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL) &&
      (at = strstr (status, "VmRSS:")))
    kb = g_ascii_strtoll (at + 6, NULL, 10);
  g_free (status);
  return kb * 1024;
}

/* Memory growth is not measured under ASan (its quarantine holds freed
 * memory). */
static gboolean
measure_memory (void)
{
  if (g_strcmp0 (g_getenv ("METEOR_TEST_SETUP"), "asan") != 0)
    return TRUE;
  g_print ("(ASan: memory growth not checked)\n");
  return FALSE;
}

static guint
open_fds (void)
{
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  fail_unless (dir != NULL);
  while (g_dir_read_name (dir))
    n++;
  g_dir_close (dir);
  return n;
}

/* Open file descriptors are back to at most @want, waiting up to 20 s. */
static void
fds_back_to (guint want)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (open_fds () > want && g_get_monotonic_time () < deadline)
    g_usleep (10000);
  fail_unless (open_fds () <= want, "%u file descriptors open, %u before",
      open_fds (), want);
}

/* Counts the connections of @conns the server closed (end of stream or
 * reset), waiting until @want are or @timeout_ms passed. */
static guint
wait_closed (GSocketConnection **conns, gboolean *closed, guint n, guint want,
    guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64)1000;
  guint i, count;

  for (;;) {
    GSocket *open = NULL;

    for (i = 0, count = 0; i < n; i++) {
      GSocket *sock = g_socket_connection_get_socket (conns[i]);
      gchar buf[512];
      gssize got;
      GError *error = NULL;

      while (!closed[i] && g_socket_condition_check (sock, G_IO_IN)) {
        got = g_socket_receive_with_blocking (
            sock, buf, sizeof (buf), FALSE, NULL, &error);
        if (got > 0)
          continue; /* a 503: read on to the end */
        closed[i] = got == 0 || !g_error_matches (
                                    error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
        g_clear_error (&error);
        break;
      }
      if (closed[i])
        count++;
      else if (open == NULL)
        open = sock;
    }
    if (count >= want || open == NULL || g_get_monotonic_time () >= deadline)
      return count;
    /* wait for news on an open one, a little */
    g_socket_condition_timed_wait (open, G_IO_IN, 20000, NULL, NULL);
  }
}

/* The sample @series of a fresh /metrics. */
static gdouble
scrape (const gchar *series)
{
  gchar *text = NULL;
  gdouble v;

  fail_unless_equals_int (http_get ("/metrics", &text), 200);
  v = metric (text, series);
  g_free (text);
  return v;
}

/* ------------------------------------------------------ fake memory trees */

/* Writes @text into @root/@rel, making the directories. */
static void
put_file (const gchar *root, const gchar *rel, const gchar *text)
{
  gchar *path = g_build_filename (root, rel, NULL);
  gchar *dir = g_path_get_dirname (path);

  fail_unless (g_mkdir_with_parents (dir, 0755) == 0);
  fail_unless (g_file_set_contents (path, text, -1, NULL));
  g_free (dir);
  g_free (path);
}

/* /report says each of @says (NULL-terminated) and none of @not_says. */
static void
report_has (const gchar *const *says, const gchar *const *not_says)
{
  gchar *report = NULL;

  fail_unless_equals_int (http_get ("/report", &report), 200);
  for (; says && *says; says++)
    fail_unless (
        strstr (report, *says), "no '%s' in the report:\n%s", *says, report);
  for (; not_says && *not_says; not_says++)
    fail_if (strstr (report, *not_says), "'%s' in the report:\n%s", *not_says,
        report);
  g_free (report);
}

#endif /* __METEOR_STATS_CHECK_H__ */
