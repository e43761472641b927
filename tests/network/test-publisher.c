/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the station's publisher against a real mosquitto broker on
 * loopback: detections arrive in order; with the broker down they wait in
 * the outbox, across a restart of the station too, and drain in order
 * when it is back; the status is retained and says "offline" at a clean
 * stop. A subscriber, back on the broker before the station, receives
 * them.
 * usage: test-publisher MOSQUITTO (exits 77, skipped, without one) */
#include "minitest.h"
#include "publisher.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define TOPIC "meteor/test/st1/detection"
#define STATUS "meteor/test/st1/status"
#define DEADLINE_US (30 * G_USEC_PER_SEC)

static const char *mosquitto_bin;
static gchar *work;
static int port;

typedef struct {
  GMutex lock;
  GPtrArray *got; /* detection payloads as received */
  gchar *status;  /* the last status */
  gboolean subscribed;
} Subscriber;

static Subscriber sub;

static int
free_port (void)
{
  struct sockaddr_in a = { .sin_family = AF_INET };
  socklen_t len = sizeof (a);
  int fd = socket (AF_INET, SOCK_STREAM, 0), p;

  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0 || bind (fd, (struct sockaddr *)&a, sizeof (a)) != 0 ||
      getsockname (fd, (struct sockaddr *)&a, &len) != 0)
    g_error ("no free port");
  p = ntohs (a.sin_port);
  close (fd);
  return p;
}

static gboolean
port_open (void)
{
  struct sockaddr_in a = { .sin_family = AF_INET };
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  gboolean ok;

  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  a.sin_port = htons ((uint16_t)port);
  ok = fd >= 0 && connect (fd, (struct sockaddr *)&a, sizeof (a)) == 0;
  if (fd >= 0)
    close (fd);
  return ok;
}

typedef gboolean (*Condition) (gpointer data);

/* Polls @cond until it holds or the deadline passes. */
static gboolean
wait_until (Condition cond, gpointer data)
{
  gint64 end = g_get_monotonic_time () + DEADLINE_US;

  while (!cond (data)) {
    if (g_get_monotonic_time () > end)
      return FALSE;
    g_usleep (10000);
  }
  return TRUE;
}

static gboolean
broker_up (gpointer unused)
{
  return port_open ();
}

/* The broker, on loopback, its config in @work. */
static GPid
broker_start (void)
{
  gchar *conf = g_build_filename (work, "mosquitto.conf", NULL);
  gchar *text = g_strdup_printf ("listener %d 127.0.0.1\n"
                                 "allow_anonymous true\n"
                                 "persistence false\n",
      port);
  gchar *argv[] = { (gchar *)mosquitto_bin, "-c", conf, NULL };
  GError *err = NULL;
  GPid pid = 0;

  g_file_set_contents (conf, text, -1, NULL);
  if (!g_spawn_async (NULL, argv, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
              G_SPAWN_STDERR_TO_DEV_NULL,
          NULL, NULL, &pid, &err))
    g_error ("cannot start %s: %s", mosquitto_bin, err->message);
  EXPECT (wait_until (broker_up, NULL), "the broker did not listen");
  g_free (text);
  g_free (conf);
  return pid;
}

static void
broker_stop (GPid pid)
{
  kill (pid, SIGTERM);
  waitpid (pid, NULL, 0);
  g_spawn_close_pid (pid);
}

static void
on_sub_connect (struct mosquitto *m, void *obj, int rc)
{
  mosquitto_subscribe (m, NULL, TOPIC, 1);
  mosquitto_subscribe (m, NULL, STATUS, 1);
}

static void
on_sub_subscribe (
    struct mosquitto *m, void *obj, int mid, int n, const int *granted)
{
  g_mutex_lock (&sub.lock);
  sub.subscribed = TRUE;
  g_mutex_unlock (&sub.lock);
}

static void
on_sub_message (
    struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
  gchar *text = g_strndup (msg->payload, (gsize)msg->payloadlen);

  g_mutex_lock (&sub.lock);
  if (g_str_equal (msg->topic, STATUS)) {
    g_free (sub.status);
    sub.status = text;
  } else {
    g_ptr_array_add (sub.got, text);
  }
  g_mutex_unlock (&sub.lock);
}

static gboolean
subscribed (gpointer unused)
{
  gboolean s;

  g_mutex_lock (&sub.lock);
  s = sub.subscribed;
  g_mutex_unlock (&sub.lock);
  return s;
}

/* The first arrival of each id, in order, and how many arrived in all. */
static gchar *
distinct_ids (guint *all)
{
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  GString *s = g_string_new (NULL);
  guint i;

  g_mutex_lock (&sub.lock);
  *all = sub.got->len;
  for (i = 0; i < sub.got->len; i++) {
    const gchar *m = g_ptr_array_index (sub.got, i);

    if (g_hash_table_add (seen, (gpointer)m))
      g_string_append_printf (s, "%s%s", s->len ? "," : "", m);
  }
  g_mutex_unlock (&sub.lock);
  g_hash_table_unref (seen);
  return g_string_free (s, FALSE);
}

static gchar *
want_ids (int n)
{
  GString *s = g_string_new (NULL);
  int i;

  for (i = 0; i < n; i++)
    g_string_append_printf (s, "%s{\"id\":\"d-%d\"}", i ? "," : "", i);
  return g_string_free (s, FALSE);
}

typedef struct {
  MeteorPublisher *pub;
  int n;
} Drained;

/* All @n arrived and the outbox is empty. */
static gboolean
drained (gpointer data)
{
  Drained *d = data;
  MeteorPublisherStats st;
  gchar *got, *want = want_ids (d->n);
  guint all;
  gboolean ok;

  meteor_publisher_get_stats (d->pub, &st);
  got = distinct_ids (&all);
  ok = st.pending == 0 && g_str_equal (got, want);
  g_free (got);
  g_free (want);
  return ok;
}

static gboolean
disconnected (gpointer data)
{
  MeteorPublisherStats st;

  meteor_publisher_get_stats (data, &st);
  return !st.connected;
}

static gboolean
status_is_offline (gpointer unused)
{
  gboolean off;

  g_mutex_lock (&sub.lock);
  off = sub.status && strstr (sub.status, "offline");
  g_mutex_unlock (&sub.lock);
  return off;
}

static MeteorPublisher *
publisher (const gchar *outbox_dir)
{
  MeteorPublisherConfig c = { 0 };
  MeteorOutbox *o = meteor_outbox_open (outbox_dir, 0, NULL);
  MeteorPublisher *p;
  GError *err = NULL;

  c.host = "127.0.0.1";
  c.port = port;
  c.client_id = "st1";
  c.detection_topic = TOPIC;
  c.status_topic = STATUS;
  p = meteor_publisher_new (&c, o, &err);
  if (p == NULL)
    g_error ("publisher: %s", err->message);
  meteor_publisher_set_status (p, "{\"state\":\"online\"}");
  return p;
}

static void
publish_ids (MeteorPublisher *p, int from, int to)
{
  int i;

  for (i = from; i < to; i++) {
    gchar *json = g_strdup_printf ("{\"id\":\"d-%d\"}", i);
    GError *err = NULL;

    EXPECT (meteor_publisher_publish (p, json, &err), "publish %s: %s", json,
        err ? err->message : "?");
    g_clear_error (&err);
    g_free (json);
  }
}

static void
expect_drained (MeteorPublisher *p, int n)
{
  Drained d = { p, n };
  gchar *got, *want = want_ids (n);
  guint all;

  if (!wait_until (drained, &d)) {
    MeteorPublisherStats st;

    meteor_publisher_get_stats (p, &st);
    got = distinct_ids (&all);
    EXPECT (FALSE,
        "after 30 s: received \"%s\" (%u in all), want \"%s\"; "
        "%" G_GUINT64_FORMAT " pending",
        got, all, want, st.pending);
    g_free (got);
  }
  g_free (want);
}

static void
test_store_and_forward (void)
{
  gchar *outbox_dir = g_build_filename (work, "outbox", NULL);
  struct mosquitto *s;
  MeteorPublisherStats st;
  MeteorPublisher *p;
  GPid broker = broker_start ();

  g_mutex_init (&sub.lock);
  sub.got = g_ptr_array_new_with_free_func (g_free);
  s = mosquitto_new ("test-subscriber", false, NULL);
  mosquitto_connect_callback_set (s, on_sub_connect);
  mosquitto_subscribe_callback_set (s, on_sub_subscribe);
  mosquitto_message_callback_set (s, on_sub_message);
  mosquitto_reconnect_delay_set (s, 1, 1, false);
  mosquitto_connect_async (s, "127.0.0.1", port, 30);
  mosquitto_loop_start (s);
  EXPECT (wait_until (subscribed, NULL), "the subscriber did not subscribe");

  /* connected: in order, each acknowledged */
  p = publisher (outbox_dir);
  publish_ids (p, 0, 20);
  expect_drained (p, 20);

  /* the broker down: they wait on disk, across the station's restart */
  g_mutex_lock (&sub.lock);
  sub.subscribed = FALSE;
  g_mutex_unlock (&sub.lock);
  broker_stop (broker);
  EXPECT (wait_until (disconnected, p), "still connected");
  publish_ids (p, 20, 30);
  meteor_publisher_get_stats (p, &st);
  EXPECT (
      st.pending == 10, "%" G_GUINT64_FORMAT " pending, want 10", st.pending);
  meteor_publisher_free (p);

  broker = broker_start ();
  /* the subscriber back first: a broker keeps nothing for no one */
  EXPECT (wait_until (subscribed, NULL), "the subscriber did not come back");
  p = publisher (outbox_dir);
  expect_drained (p, 30);
  meteor_publisher_get_stats (p, &st);
  EXPECT (st.connections >= 1 && st.acked >= 10,
      "connections %" G_GUINT64_FORMAT ", acked %" G_GUINT64_FORMAT,
      st.connections, st.acked);

  /* a clean stop says so, retained */
  meteor_publisher_free (p);
  EXPECT (wait_until (status_is_offline, NULL), "status \"%s\", not offline",
      sub.status ? sub.status : "none");

  mosquitto_disconnect (s);
  mosquitto_loop_stop (s, false);
  mosquitto_destroy (s);
  broker_stop (broker);
  g_ptr_array_unref (sub.got);
  g_free (sub.status);
  g_mutex_clear (&sub.lock);
  g_free (outbox_dir);
}

int
main (int argc, char **argv)
{
  static const MiniTest tests[] = {
    { "store and forward through a broker that goes away",
        test_store_and_forward },
  };
  int rc;

  if (argc < 2 || !g_file_test (argv[1], G_FILE_TEST_IS_EXECUTABLE)) {
    printf ("test-publisher: SKIP: no mosquitto broker (Debian mosquitto)\n");
    return 77;
  }
  mosquitto_bin = argv[1];
  mosquitto_lib_init ();
  work = g_dir_make_tmp ("test-publisher-XXXXXX", NULL);
  port = free_port ();
  rc = minitest_run (tests, G_N_ELEMENTS (tests));
  mosquitto_lib_cleanup ();
  {
    gchar *argv_rm[] = { "rm", "-rf", work, NULL };

    g_spawn_sync (NULL, argv_rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
        NULL, NULL, NULL);
  }
  g_free (work);
  return rc;
}
