/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the stats registry and the meteorstats tracer, over HTTP on
 * loopback (helpers in tests/stats/stats-check.h). The tracer is set up in
 * main() (GST_TRACERS is read by gst_init), on a free port; under the leaks
 * setup it runs next to the leaks tracer. */
#include "../stats/stats-check.h"
#include "meteortest.h"

#include <gst/app/gstappsrc.h>

/* ------------------------------------------------------------ registry */

GST_START_TEST (test_registry)
{
  GstElement *a = g_object_new (FAKE_TYPE, NULL);
  GstElement *b = g_object_new (FAKE_TYPE, NULL);
  GList *list;
  GstStructure *s;

  gst_object_ref_sink (a);
  gst_object_ref_sink (b);
  fail_if (gst_meteor_stats_is_registered (a));
  gst_meteor_stats_register (a);
  gst_meteor_stats_register (a); /* twice: once in the list */
  gst_meteor_stats_register (b);
  fail_unless (gst_meteor_stats_is_registered (a));
  list = gst_meteor_stats_get_elements ();
  fail_unless_equals_int (g_list_length (list), 2);
  fail_unless (list->data == a && list->next->data == b);
  g_list_free_full (list, gst_object_unref);

  s = gst_meteor_stats_get (a);
  fail_unless (s != NULL && gst_structure_has_name (s, "tieredsink-stats"));
  gst_structure_free (s);

  gst_meteor_stats_unregister (a);
  fail_if (gst_meteor_stats_is_registered (a));
  /* disposed without unregistering: it leaves the registry by itself */
  gst_object_unref (b);
  list = gst_meteor_stats_get_elements ();
  fail_unless (list == NULL, "%u elements left", g_list_length (list));
  gst_meteor_stats_unregister (a); /* not in it: harmless */
  gst_object_unref (a);
}

GST_END_TEST;

GST_START_TEST (test_histogram_structure)
{
  guint64 bounds[3] = { 10, 20, 30 }, counts[4] = { 1, 0, 2, 5 };
  guint64 *b, *c, sum, n_values;
  guint n;
  GstStructure *h = gst_meteor_stats_histogram_new (bounds, counts, 3, 999);

  fail_unless (
      gst_meteor_stats_histogram_parse (h, &n, &b, &c, &sum, &n_values));
  fail_unless_equals_int (n, 3);
  fail_unless (memcmp (b, bounds, sizeof (bounds)) == 0);
  fail_unless (memcmp (c, counts, sizeof (counts)) == 0);
  fail_unless_equals_uint64 (sum, 999);
  fail_unless_equals_uint64 (n_values, 8);
  g_free (b);
  g_free (c);

  /* a count that is not the sum of the buckets: rejected */
  gst_structure_set (h, "count", G_TYPE_UINT64, (guint64)7, NULL);
  fail_if (gst_meteor_stats_histogram_parse (h, &n, &b, &c, NULL, NULL));
  gst_structure_free (h);
  /* bounds not increasing */
  bounds[1] = 5;
  h = gst_meteor_stats_histogram_new (bounds, counts, 3, 0);
  fail_if (gst_meteor_stats_histogram_parse (h, &n, &b, &c, NULL, NULL));
  gst_structure_free (h);
}

GST_END_TEST;

/* ------------------------------------------------------------- tracer */

#define W 64
#define H 48
#define N_FRAMES 40

/* Waits for EOS; the pipeline stays PLAYING so the elements stay
 * registered. */
static void
run_to_eos (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
               GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (
      bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no EOS");
  fail_unless (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS,
      "error: %" GST_PTR_FORMAT, msg);
  gst_message_unref (msg);
  gst_object_unref (bus);
}

GST_START_TEST (test_metrics_match_stats)
{
  GstElement *pipeline = meteor_test_parse (
      "appsrc name=src format=time caps=video/x-raw,format=GRAY8,width=64,"
      "height=48,framerate=30/1 ! meteorpool name=pool ! queue ! "
      "meteordetect name=detect ! fakesink name=sink");
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *pool = gst_bin_get_by_name (GST_BIN (pipeline), "pool");
  GstElement *detect = gst_bin_get_by_name (GST_BIN (pipeline), "detect");
  GstStructure *ps, *ds;
  gchar *before = NULL, *text = NULL;
  gdouble buffers_before;
  guint i;

  fail_unless_equals_int (http_get ("/metrics", &before), 200);
  buffers_before = metric (before, "meteor_buffers_allocated_total");

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  /* frames from outside the pool: meteorpool copies each once */
  for (i = 0; i < N_FRAMES; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, W * H, NULL);

    gst_buffer_memset (buf, 0, 16 + i, W * H);
    GST_BUFFER_PTS (buf) = i * GST_SECOND / 30;
    GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
    fail_unless_equals_int (
        gst_app_src_push_buffer (GST_APP_SRC (src), buf), GST_FLOW_OK);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  run_to_eos (pipeline);

  fail_unless_equals_int (http_get ("/metrics", &text), 200);
  g_object_get (pool, "stats", &ps, NULL);
  g_object_get (detect, "stats", &ds, NULL);

  /* the elements' own counters, through the registry */
  fail_unless_equals_uint64 (meteor_test_stat (ps, "frames"), N_FRAMES);
  fail_unless_equals_uint64 (meteor_test_stat (ps, "ingress-copies"), N_FRAMES);
  fail_unless_equals_uint64 (
      meteor_test_stat (ps, "bytes-copied"), (guint64)N_FRAMES * W * H);
  {
    const struct {
      const gchar *series;
      const GstStructure *stats;
      const gchar *field;
    } from_stats[] = {
      { "meteor_element_frames_total{element=\"pool\"}", ps, "frames" },
      { "meteor_element_frames_total{element=\"detect\"}", ds, "frames" },
      { "meteor_frame_copies_total{element=\"pool\",kind=\"ingress\"}", ps,
          "ingress-copies" },
      { "meteor_copied_bytes_total{element=\"pool\"}", ps, "bytes-copied" },
      { "meteor_pool_allocations_total{element=\"pool\"}", ps, "allocations" },
      { "meteor_pool_buffers{element=\"pool\"}", ps, "pool-size" },
      { "meteor_detect_candidates_total{element=\"detect\"}", ds,
          "candidates" },
      { "meteor_pool_acquire_wait_seconds_count{element=\"pool\"}", ps,
          "acquire-waits" },
    };

    for (i = 0; i < G_N_ELEMENTS (from_stats); i++)
      metric_is (text, from_stats[i].series,
          meteor_test_stat (from_stats[i].stats, from_stats[i].field));
  }

  /* what the tracer measured itself: every frame, at each of these (after
   * the ingress copy every frame is in the ring) */
  {
    const gchar *every_frame[] = {
      "meteor_element_buffers_out_total{element=\"src\"}",
      "meteor_element_non_ring_buffers_out_total{element=\"src\"}",
      "meteor_element_buffers_in_total{element=\"detect\"}",
      "meteor_element_ring_buffers_in_total{element=\"sink\"}",
      "meteor_element_processing_seconds_count{element=\"detect\"}",
    };

    for (i = 0; i < G_N_ELEMENTS (every_frame); i++)
      metric_is (text, every_frame[i], N_FRAMES);
  }
  /* the frames the test made, and the pool's buffers */
  fail_unless (
      metric (text, "meteor_buffers_allocated_total") - buffers_before >=
          N_FRAMES + meteor_test_stat (ps, "allocations"),
      "buffers allocated: %.0f -> %.0f", buffers_before,
      metric (text, "meteor_buffers_allocated_total"));
  fail_unless (metric (text, "meteor_process_resident_memory_bytes") > 0);

  promtool_check (text);

  report_says ("copied 40 foreign frames once at ingress", "Recommendations");

  /* stopped: the elements leave the registry, and their metrics go */
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_if (gst_meteor_stats_is_registered (pool));
  g_free (text);
  fail_unless_equals_int (http_get ("/metrics", &text), 200);
  fail_if (strstr (text, "meteor_pool_allocations_total{element=\"pool\"}"));

  gst_structure_free (ps);
  gst_structure_free (ds);
  g_free (before);
  g_free (text);
  gst_object_unref (src);
  gst_object_unref (pool);
  gst_object_unref (detect);
  gst_object_unref (pipeline);
}

GST_END_TEST;

GST_START_TEST (test_exhausted_pool_report)
{
  /* a 3-buffer pool and a sink slower than the source: producers wait */
  GstElement *pipeline = meteor_test_parse (
      "meteorsky num-buffers=20 ! video/x-raw,format=GRAY8,width=64,"
      "height=48,framerate=100/1 ! meteorpool name=tight max-buffers=3 ! "
      "queue ! fakesink sync=true");
  GstElement *pool = gst_bin_get_by_name (GST_BIN (pipeline), "tight");
  GstStructure *ps, *hist;
  gchar *text = NULL;
  guint64 *bounds, *counts, sum, n_values;
  guint n;

  run_to_eos (pipeline);
  g_object_get (pool, "stats", &ps, NULL);
  fail_unless (meteor_test_stat (ps, "acquire-waits") > 0);
  fail_unless (gst_structure_get (
      ps, "acquire-wait-histogram", GST_TYPE_STRUCTURE, &hist, NULL));
  fail_unless (gst_meteor_stats_histogram_parse (
      hist, &n, &bounds, &counts, &sum, &n_values));
  fail_unless_equals_uint64 (n_values, meteor_test_stat (ps, "acquire-waits"));
  fail_unless_equals_uint64 (sum, meteor_test_stat (ps, "acquire-wait-ns"));

  fail_unless_equals_int (http_get ("/metrics", &text), 200);
  metric_is (text, "meteor_pool_acquire_wait_seconds_count{element=\"tight\"}",
      n_values);
  metric_is (text,
      "meteor_pool_acquire_wait_seconds_bucket{element=\"tight\",le=\"+Inf\"}",
      n_values);
  promtool_check (text);
  report_says ("tight: the frame pool was exhausted", "raise max-buffers");

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_free (bounds);
  g_free (counts);
  gst_structure_free (hist);
  gst_structure_free (ps);
  g_free (text);
  gst_object_unref (pool);
  gst_object_unref (pipeline);
}

GST_END_TEST;

GST_START_TEST (test_generic_and_tier_metrics)
{
  GstElement *fake = g_object_new (FAKE_TYPE, "name", "tiers", NULL);
  gchar *text = NULL;

  gst_object_ref_sink (fake);
  FAKE_STATS (fake)->widgets = 42;
  gst_meteor_stats_register (fake);
  fail_unless_equals_int (http_get ("/metrics", &text), 200);
  fail_unless_equals_int (
      metric (text, "meteor_tier_hits_total{element=\"tiers\",tier=\"hot\"}"),
      11);
  fail_unless_equals_int (
      metric (text, "meteor_tier_hits_total{element=\"tiers\",tier=\"warm\"}"),
      12);
  fail_unless_equals_int (
      metric (text, "meteor_tier_hits_total{element=\"tiers\",tier=\"cold\"}"),
      13);
  fail_unless_equals_int (
      metric (text, "meteor_tier_misses_total{element=\"tiers\"}"), 2);
  fail_unless_equals_int (
      metric (text, "meteor_tier_bytes{element=\"tiers\",tier=\"hot\"}"), 4096);
  fail_unless_equals_int (
      metric (text, "meteor_tier_evictions_total{element=\"tiers\","
                    "tier=\"cold\"}"),
      5);
  fail_unless_equals_int (
      metric (text, "meteor_tier_promotions_total{element=\"tiers\"}"), 6);
  fail_unless_equals_int (
      metric (text, "meteor_tier_written_bytes_total{element="
                    "\"tiers\",tier=\"cold\"}"),
      777);
  fail_unless (
      metric (text, "meteor_memory_pressure_level{element=\"tiers\"}") == 0.85);
  fail_if (strstr (text, "meteor_memory_pressure_threshold{element=\"tiers\""),
      "no pressure-high in its stats, no threshold exported");
  fail_unless_equals_int (
      metric (text, "meteor_element_frames_total{element=\"tiers\"}"), 42);
  /* a field nobody named: generic */
  fail_unless_equals_int (metric (text, "meteor_element_stat{element=\"tiers\","
                                        "field=\"widgets\"}"),
      42);
  /* a histogram field nobody named: generic, ns -> s */
  fail_unless_equals_int (
      metric (text, "meteor_element_duration_seconds_count{element="
                    "\"tiers\",field=\"write-time\"}"),
      6);
  fail_unless (
      metric (text, "meteor_element_duration_seconds_sum{element=\"tiers\","
                    "field=\"write-time\"}") == 0.005);
  fail_unless_equals_int (
      metric (text, "meteor_element_duration_seconds_bucket{element="
                    "\"tiers\",field=\"write-time\",le=\"0.001\"}"),
      3);
  fail_if (strstr (text, "skipped"));
  promtool_check (text);

  report_says ("memory pressure 85%", "lower the hot size");

  gst_object_unref (fake);
  g_free (text);
  fail_unless_equals_int (http_get ("/metrics", &text), 200);
  fail_if (strstr (text, "element=\"tiers\""), "a disposed element is "
                                               "still exported");
  g_free (text);
}

GST_END_TEST;

/* ---------------------------------------------------- memory pressure */

static const gchar meminfo_7_of_8[] = "MemTotal: 8000000 kB\n"
                                      "MemAvailable: 1000000 kB\n";
static const gchar meminfo_2_of_8[] = "MemTotal: 8000000 kB\n"
                                      "MemAvailable: 6000000 kB\n";

GST_START_TEST (test_report_pressure)
{
  GObject *tracer = tracer_object ();
  gchar *root = g_dir_make_tmp ("meteorstats-mem-XXXXXX", NULL);
  FakeStats *fake = g_object_new (FAKE_TYPE, "name", "tiers", NULL);
  const gchar *tier_remedy = "lower the hot size", *trim = "being trimmed";
  const gchar *own = "the process: memory pressure", *psi = "(PSI)";
  guint i;
  /* tieredsink's published pressure, whatever the process's own reading
   * says (7/8 of memory in use here) */
  const struct {
    gdouble usage;
    const gchar *level;
    gdouble high, low;
    const gchar *says[3], *not_says[5]; /* NULL-terminated */
  } tier_cases[] = {
    /* its level wins over fixed thresholds */
    { 0.85, "normal", 0.9, 0.7, { NULL },
        { "tiers: memory pressure", tier_remedy, trim, own } },
    { 0.65, "high", 0.6, 0.5,
        { "tiers: memory pressure 65%, level high (pressure-high 60%, "
          "pressure-low 50%)",
            tier_remedy },
        { own } },
    /* no level: its thresholds */
    { 0.7, NULL, 0.75, 0.65, { "level low (pressure-high 75%", trim },
        { tier_remedy, own } },
    { 0.7, NULL, 0.75, 0.72, { NULL }, { "tiers: memory pressure", own } },
    /* nothing but memory-usage: the defaults */
    { 0.7, NULL, -1, -1,
        { "level low (pressure-high 80%, pressure-low 60%)", trim }, { own } },
  };

  fail_unless (root != NULL);
  g_object_set (tracer, "memory-root", root, NULL);
  put_file (root, "proc/meminfo", meminfo_7_of_8);

  /* no tieredsink: the tracer's own reading, against 80% / 60% */
  {
    const gchar *says[] = { "memory in use: 88% of the limit",
      "the process: memory pressure 88%, level high", NULL };
    const gchar *not_says[] = { psi, NULL };

    report_has (says, not_says);
  }
  /* PSI counts as pressure from 10% */
  put_file (root, "proc/meminfo", meminfo_2_of_8);
  put_file (root, "proc/pressure/memory",
      "some avg10=42.00 avg60=10.00 avg300=2.00 total=1\n"
      "full avg10=3.00 avg60=1.00 avg300=0.50 total=1\n");
  {
    const gchar *says[] = { "memory in use: 25% of the limit",
      "PSI: some 42.00%, full 3.00%", "tasks stalled on memory 42.0%", NULL };
    const gchar *not_says[] = { own, NULL };

    report_has (says, not_says);
  }
  put_file (root, "proc/pressure/memory",
      "some avg10=9.90 avg60=10.00 avg300=2.00 total=1\n");
  {
    const gchar *not_says[] = { psi, own, NULL };

    report_has (NULL, not_says);
  }
  /* a cgroup v1 limit is the limit */
  put_file (root, "proc/self/cgroup", "4:memory:/m\n");
  put_file (
      root, "sys/fs/cgroup/memory/m/memory.usage_in_bytes", "943718400\n");
  put_file (
      root, "sys/fs/cgroup/memory/m/memory.limit_in_bytes", "1073741824\n");
  {
    const gchar *says[] = { "cgroup 900.0 MiB of 1024.0 MiB",
      "the process: memory pressure 88%", NULL };

    report_has (says, NULL);
  }

  gst_object_ref_sink (fake);
  gst_meteor_stats_register (GST_ELEMENT (fake));
  for (i = 0; i < G_N_ELEMENTS (tier_cases); i++) {
    fake->usage = tier_cases[i].usage;
    fake->level = tier_cases[i].level;
    fake->high = tier_cases[i].high;
    fake->low = tier_cases[i].low;
    report_has (tier_cases[i].says, tier_cases[i].not_says);
  }
  /* its thresholds are exported too */
  {
    gchar *text = NULL;

    fake->high = 0.9;
    fake->low = 0.7;
    fail_unless_equals_int (http_get ("/metrics", &text), 200);
    fail_unless (metric (text, "meteor_memory_pressure_threshold{element="
                               "\"tiers\",bound=\"high\"}") == 0.9);
    fail_unless (metric (text, "meteor_memory_pressure_threshold{element="
                               "\"tiers\",bound=\"low\"}") == 0.7);
    promtool_check (text);
    g_free (text);
  }

  gst_object_unref (fake);
  g_object_set (tracer, "memory-root", NULL, NULL);
  tier_remove_tree (root);
  g_free (root);
  g_object_unref (tracer);
}

GST_END_TEST;

/* ------------------------------------------------------- bad requests */

static gpointer
client_thread (gpointer data)
{
  guint i, ok = 0;

  for (i = 0; i < 10; i++) {
    gchar *body = NULL;
    const gchar *path = (i % 3 == 0)   ? "/metrics"
                        : (i % 3 == 1) ? "/report"
                                       : "/nope";
    guint status = http_get (path, &body);

    if (status == (strcmp (path, "/nope") == 0 ? 404u : 200u))
      ok++;
    g_free (body);
  }
  return GUINT_TO_POINTER (ok);
}

static void
client_round (guint n_clients)
{
  GThread **threads = g_new (GThread *, n_clients);
  guint i, ok = 0;

  for (i = 0; i < n_clients; i++)
    threads[i] = g_thread_new ("client", client_thread, NULL);
  for (i = 0; i < n_clients; i++)
    ok += GPOINTER_TO_UINT (g_thread_join (threads[i]));
  g_free (threads);
  fail_unless_equals_int (ok, n_clients * 10);
}

GST_START_TEST (test_bad_requests)
{
  gchar *body = NULL, *big, *req;
  gint64 rss_warm, rss_after;
  GSocketConnection *stalled;
  guint round;

  fail_unless_equals_int (http_get ("/healthz", &body), 200);
  fail_unless_equals_string (body, "ok\n");
  g_free (body);
  fail_unless_equals_int (http_get ("/nope", &body), 404);
  fail_unless (strstr (body, "/metrics"), "404 body: %s", body);
  g_free (body);
  fail_unless_equals_int (http_get ("/metrics/../../etc/passwd", NULL), 404);

  req = g_strdup ("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                  "Connection: close\r\n\r\nabc");
  fail_unless_equals_int (http_raw (req, strlen (req), NULL), 405);
  g_free (req);
  req = g_strdup ("garbage\r\n\r\n");
  fail_unless_equals_int (http_raw (req, strlen (req), NULL), 400);
  g_free (req);

  /* 20 KB of headers: refused with 431 */
  big = g_strnfill (20000, 'a');
  req = g_strdup_printf ("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n"
                         "Connection: close\r\n\r\n",
      big);
  fail_unless_equals_int (http_raw (req, strlen (req), NULL), 431);
  g_free (req);
  g_free (big);
  /* 4 MB of headers: the connection is dropped without reading them all */
  big = g_strnfill (4 << 20, 'b');
  req = g_strdup_printf ("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n"
                         "\r\n",
      big);
  round = http_raw (req, strlen (req), NULL);
  fail_unless (round == 0 || (round >= 400 && round < 500),
      "status %u for 4 MB of headers", round);
  g_free (req);
  g_free (big);
  /* half a request, then nothing more to send: 400 */
  req = g_strdup ("GET /metr");
  fail_unless_equals_int (http_raw_full (req, strlen (req), TRUE, NULL), 400);
  /* a client stalled in the middle of its request blocks nobody */
  stalled = http_connect ();
  fail_unless (g_output_stream_write_all (
      g_io_stream_get_output_stream (G_IO_STREAM (stalled)), req, strlen (req),
      NULL, NULL, NULL));
  fail_unless_equals_int (http_get ("/healthz", NULL), 200);
  g_object_unref (stalled);
  g_free (req);

  /* many clients at once, in rounds: all answered, memory flat */
  client_round (16);
  rss_warm = rss_bytes ();
  for (round = 0; round < 5; round++)
    client_round (16);
  rss_after = rss_bytes ();
  if (g_strcmp0 (g_getenv ("METEOR_TEST_SETUP"), "asan") != 0)
    fail_unless (rss_after - rss_warm < 4 * 1024 * 1024,
        "resident memory grew by %" G_GINT64_FORMAT " KiB over 800 requests",
        (rss_after - rss_warm) / 1024);
  else
    g_print ("(ASan: memory growth not checked, its quarantine holds freed "
             "memory)\n");
}

GST_END_TEST;

/* A request that declares a body of 2 GB, then 16 MiB of it: refused
 * with 413 (405 for a POST) from its headers, the body not kept. */
#define BODY_SENT (16 << 20)

static void
refused_with_body (const gchar *head, const gchar *chunk_head, guint want)
{
  GSocketConnection *conn = http_connect ();
  GSocket *sock = g_socket_connection_get_socket (conn);
  gchar *chunk = g_malloc (65536), *answer = NULL, buf[4096];
  gint64 rss_before = rss_bytes ();
  gsize sent = 0;
  gssize n;
  GString *response = g_string_new (NULL);

  memset (chunk, 'x', 65536);
  /* an answer not there in 15 s is not coming */
  g_socket_set_timeout (sock, 15);
  fail_unless (g_socket_send (sock, head, strlen (head), NULL, NULL) ==
               (gssize)strlen (head));
  /* (the server may close before all is sent: then read what came) */
  while (sent < BODY_SENT) {
    if (chunk_head &&
        g_socket_send (sock, chunk_head, strlen (chunk_head), NULL, NULL) < 0)
      break;
    if ((n = g_socket_send (sock, chunk, 65536, NULL, NULL)) < 0)
      break;
    sent += n;
    if (chunk_head && g_socket_send (sock, "\r\n", 2, NULL, NULL) < 0)
      break;
  }
  while ((n = g_socket_receive (sock, buf, sizeof (buf), NULL, NULL)) > 0)
    g_string_append_len (response, buf, n);
  answer = g_strdup_printf ("HTTP/1.1 %u ", want);
  fail_unless (g_str_has_prefix (response->str, answer),
      "%" G_GSIZE_FORMAT " bytes of the body sent; answer: '%s'", sent,
      response->str);
  if (measure_memory ())
    fail_unless (rss_bytes () - rss_before < 8 << 20,
        "resident memory grew by %" G_GINT64_FORMAT " KiB over %" G_GSIZE_FORMAT
        " bytes of a refused body",
        (rss_bytes () - rss_before) / 1024, sent);
  g_string_free (response, TRUE);
  g_free (answer);
  g_free (chunk);
  g_object_unref (conn);
}

GST_START_TEST (test_body_refused)
{
  const gchar *empty = "GET /healthz HTTP/1.1\r\nHost: x\r\n"
                       "Content-Length: 0\r\nConnection: close\r\n\r\n";

  fail_unless_equals_int (http_get ("/healthz", NULL), 200);
  refused_with_body ("GET /healthz HTTP/1.1\r\nHost: x\r\n"
                     "Content-Length: 2000000000\r\n\r\n",
      NULL, 413);
  refused_with_body ("GET /metrics HTTP/1.1\r\nHost: x\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n",
      "10000\r\n", 413);
  refused_with_body ("POST /metrics HTTP/1.1\r\nHost: x\r\n"
                     "Content-Length: 2000000000\r\n\r\n",
      NULL, 405);
  /* an empty body is no body */
  fail_unless_equals_int (http_raw (empty, strlen (empty), NULL), 200);
}

GST_END_TEST;

#define N_IDLE 12
#define CAP 8
#define OVER_CAP                                                               \
  "meteor_stats_http_connections_closed_total{reason=\"over-cap\"}"
#define TIMED_OUT                                                              \
  "meteor_stats_http_connections_closed_total{reason=\"idle-timeout\"}"

GST_START_TEST (test_connection_limits)
{
  GObject *tracer = tracer_object ();
  GSocketConnection *idle[N_IDLE], *late;
  gboolean closed[N_IDLE] = { FALSE }, late_closed = FALSE;
  gdouble over_cap = scrape (OVER_CAP), timed_out = scrape (TIMED_OUT);
  gdouble idle_timeout;
  guint max, i;
  gint64 t0;

  g_object_get (
      tracer, "idle-timeout", &idle_timeout, "max-connections", &max, NULL);
  /* the parameters given in main() */
  fail_unless (idle_timeout == 30 && max == 32,
      "idle-timeout %g, "
      "max-connections %u",
      idle_timeout, max);
  g_object_set (tracer, "idle-timeout", 600.0, "max-connections", CAP, NULL);

  /* over the cap, the oldest connections without a request are closed */
  for (i = 0; i < N_IDLE; i++)
    idle[i] = http_connect ();
  fail_unless_equals_int (
      wait_closed (idle, closed, N_IDLE, N_IDLE - CAP, 60000), N_IDLE - CAP);
  for (i = 0; i < N_IDLE; i++)
    fail_unless (closed[i] == (i < N_IDLE - CAP), "connection %u %s", i,
        closed[i] ? "closed" : "open");
  /* a scrape still gets through (closing one more idle connection) */
  fail_unless (scrape (OVER_CAP) == over_cap + N_IDLE - CAP + 1);
  fail_unless_equals_int (
      wait_closed (idle, closed, N_IDLE, N_IDLE - CAP + 1, 60000),
      N_IDLE - CAP + 1);

  /* the rest end at the idle timeout */
  g_object_set (tracer, "idle-timeout", 1.0, NULL);
  fail_unless_equals_int (
      wait_closed (idle, closed, N_IDLE, N_IDLE, 60000), N_IDLE);
  fail_unless (scrape (TIMED_OUT) == timed_out + CAP - 1, "timed out: %g",
      scrape (TIMED_OUT) - timed_out);
  /* and no sooner */
  t0 = g_get_monotonic_time ();
  late = http_connect ();
  fail_unless_equals_int (wait_closed (&late, &late_closed, 1, 1, 60000), 1);
  fail_unless (g_get_monotonic_time () - t0 >= 990000, "closed after %.3f s",
      (g_get_monotonic_time () - t0) / 1e6);

  g_object_set (
      tracer, "idle-timeout", idle_timeout, "max-connections", max, NULL);
  for (i = 0; i < N_IDLE; i++)
    g_object_unref (idle[i]);
  g_object_unref (late);
  g_object_unref (tracer);
}

GST_END_TEST;

/* Thousands of connections one after the other: no file descriptor and
 * (almost) no memory kept per connection. libsoup 3.2 keeps a connection
 * whose client closes it idle after a kept-alive answer, and its
 * SoupListener the GSocket of every connection (344 bytes). */
#define N_KEEPALIVE 3000
#define N_CLOSE 6000

GST_START_TEST (test_many_connections)
{
  guint fds, i, bad = 0;
  gint64 rss;

  for (i = 0; i < 300; i++) {
    http_get_keepalive ("/healthz");
    http_get ("/healthz", NULL);
  }
  fds = open_fds ();
  rss = rss_bytes ();
  for (i = 0; i < N_KEEPALIVE; i++)
    bad += http_get_keepalive ("/healthz") != 200;
  fail_unless_equals_int (bad, 0);
  fds_back_to (fds + 2);
  if (measure_memory ())
    fail_unless (rss_bytes () - rss < 1 << 20,
        "resident memory grew by %" G_GINT64_FORMAT " KiB over %u kept-alive "
        "requests",
        (rss_bytes () - rss) / 1024, N_KEEPALIVE);

  rss = rss_bytes ();
  for (i = 0; i < N_CLOSE; i++)
    bad += http_get ("/healthz", NULL) != 200;
  fail_unless_equals_int (bad, 0);
  fds_back_to (fds + 2);
  if (measure_memory ())
    fail_unless (rss_bytes () - rss < 1 << 20,
        "resident memory grew by %" G_GINT64_FORMAT " KiB over %u requests",
        (rss_bytes () - rss) / 1024, N_CLOSE);
}

GST_END_TEST;

/* /metrics answers while tieredsink writes a clip on a disk that takes
 * 100 ms a write (test-io-fault=slow, 4 s for this clip): a scrape reads
 * the element's stats and never waits on the clip writer. */
GST_START_TEST (test_metrics_while_clip_written)
{
  gchar *dir = g_dir_make_tmp ("meteor-stats-clip-XXXXXX", NULL);
  gchar *desc = g_strdup_printf (
      "appsrc name=src format=time caps=video/x-raw,format=GRAY8,width=%d,"
      "height=%d,framerate=30/1 ! tieredsink name=tiers location=%s "
      "hot-frames=64 warm-max-bytes=0 test-io-fault=slow",
      W, H, dir);
  GstElement *pipeline = meteor_test_parse (desc);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *tiers = gst_bin_get_by_name (GST_BIN (pipeline), "tiers");
  GstBus *bus = gst_element_get_bus (pipeline);
  gint64 deadline, start, took;
  GstStructure *stats;
  GstMessage *msg;
  gboolean ok = FALSE;
  gchar *text = NULL;
  guint i;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (i = 0; i < N_FRAMES; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, W * H, NULL);

    gst_buffer_memset (buf, 0, 16 + i, W * H);
    GST_BUFFER_PTS (buf) = i * GST_SECOND / 30;
    fail_unless_equals_int (
        gst_app_src_push_buffer (GST_APP_SRC (src), buf), GST_FLOW_OK);
  }
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (;;) {
    g_object_get (tiers, "stats", &stats, NULL);
    ok = meteor_test_stat (stats, "frames") == N_FRAMES;
    gst_structure_free (stats);
    if (ok || g_get_monotonic_time () > deadline)
      break;
    g_usleep (10000);
  }
  fail_unless (ok, "the frames did not reach tieredsink");

  g_signal_emit_by_name (
      tiers, "save-clip", (guint64)0, (guint64)(N_FRAMES - 1), &ok);
  fail_unless (ok);
  start = g_get_monotonic_time ();
  fail_unless_equals_int (http_get ("/metrics", &text), 200);
  took = g_get_monotonic_time () - start;
  /* a generous bound, far below the clip's 4 s */
  fail_unless (took < 2 * G_USEC_PER_SEC,
      "/metrics took %" G_GINT64_FORMAT " us while a clip was written", took);
  metric_is (text, "meteor_element_frames_total{element=\"tiers\"}", N_FRAMES);
  g_object_get (tiers, "stats", &stats, NULL);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "clips-saved"), 0);
  gst_structure_free (stats);

  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND, GST_MESSAGE_ELEMENT);
  while (msg && !gst_message_has_name (msg, "tieredsink-clip-saved")) {
    gst_message_unref (msg);
    msg =
        gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND, GST_MESSAGE_ELEMENT);
  }
  fail_unless (msg != NULL, "the clip was never saved");
  fail_unless_equals_uint64 (
      meteor_test_stat (gst_message_get_structure (msg), "frames"), N_FRAMES);
  gst_message_unref (msg);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (src);
  gst_object_unref (tiers);
  gst_object_unref (pipeline);
  tier_remove_tree (dir);
  g_free (text);
  g_free (desc);
  g_free (dir);
}

GST_END_TEST;

static Suite *
meteorstats_suite (void)
{
  Suite *s = suite_create ("meteorstats");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_registry);
  tcase_add_test (tc, test_histogram_structure);
  tcase_add_test (tc, test_metrics_match_stats);
  tcase_add_test (tc, test_exhausted_pool_report);
  tcase_add_test (tc, test_generic_and_tier_metrics);
  tcase_add_test (tc, test_report_pressure);
  tcase_add_test (tc, test_bad_requests);
  tcase_add_test (tc, test_body_refused);
  tcase_add_test (tc, test_connection_limits);
  tcase_add_test (tc, test_many_connections);
  tcase_add_test (tc, test_metrics_while_clip_written);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;

  /* before the tracer is named: the child would start it too */
  meteor_test_update_registry ();
  /* the tracer's server thread lives in this process: the tests must run
   * here too, not in forked children */
  g_setenv ("CK_FORK", "no", TRUE);
  /* the tracer must be named before gst_init; port 0: a free port */
  if (g_strcmp0 (g_getenv ("METEOR_TEST_SETUP"), "leaks") == 0)
    g_setenv ("GST_TRACERS",
        "leaks;meteorstats(port=0,idle-timeout=30,max-connections=32)", TRUE);
  else
    g_setenv ("GST_TRACERS",
        "meteorstats(port=0,idle-timeout=30,max-connections=32)", TRUE);
  gst_check_init (&argc, &argv);
  s = meteorstats_suite ();
  return gst_check_run_suite (s, "meteorstats", __FILE__);
}
