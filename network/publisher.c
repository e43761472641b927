/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a station publishing to its MQTT broker (publisher.h) */
#include "publisher.h"

#include <errno.h>
#include <mosquitto.h>
#include <string.h>

#define OFFLINE_STATUS "{\"state\":\"offline\"}"

struct MeteorPublisher {
  struct mosquitto *mosq;
  MeteorOutbox *outbox;
  char *detection_topic, *status_topic, *status;
  /* the outbox, the message ids of this connection and the counters:
   * shared by the caller's thread and libmosquitto's */
  GMutex lock;
  GHashTable *inflight; /* mid -> outbox sequence number, this connection */
  gboolean connected;
  uint64_t connections, sent, acked;
};

static GOnce lib_init = G_ONCE_INIT;

static gpointer
init_lib (gpointer unused)
{
  mosquitto_lib_init ();
  return NULL;
}

/* Hands outbox message @seq to libmosquitto (lock held). */
static void
send_locked (MeteorPublisher *p, uint64_t seq, const void *data, size_t len)
{
  int mid = 0;

  if (mosquitto_publish (p->mosq, &mid, p->detection_topic, (int)len, data, 1,
          false) != MOSQ_ERR_SUCCESS)
    return; /* the link dropped: sent again on the next connection */
  g_hash_table_insert (
      p->inflight, GINT_TO_POINTER (mid), g_memdup2 (&seq, sizeof (seq)));
  p->sent++;
}

static void
on_connect (struct mosquitto *mosq, void *obj, int rc)
{
  MeteorPublisher *p = obj;
  const void *data;
  uint64_t seq;
  size_t len, i;

  if (rc != 0) {
    g_warning ("publisher: the broker refused the connection: %s",
        mosquitto_connack_string (rc));
    return;
  }
  g_mutex_lock (&p->lock);
  p->connected = TRUE;
  p->connections++;
  g_hash_table_remove_all (p->inflight);
  if (p->status)
    mosquitto_publish (mosq, NULL, p->status_topic, (int)strlen (p->status),
        p->status, 1, true);
  /* everything pending, oldest first: the broker sees them in order */
  for (i = 0; meteor_outbox_peek (p->outbox, i, &seq, &data, &len); i++)
    send_locked (p, seq, data, len);
  g_mutex_unlock (&p->lock);
}

static void
on_disconnect (struct mosquitto *mosq, void *obj, int rc)
{
  MeteorPublisher *p = obj;

  g_mutex_lock (&p->lock);
  p->connected = FALSE;
  g_mutex_unlock (&p->lock);
}

/* QoS 1: the broker has the message */
static void
on_publish (struct mosquitto *mosq, void *obj, int mid)
{
  MeteorPublisher *p = obj;
  uint64_t *seq;
  GError *err = NULL;

  g_mutex_lock (&p->lock);
  seq = g_hash_table_lookup (p->inflight, GINT_TO_POINTER (mid));
  if (seq) {
    if (meteor_outbox_ack (p->outbox, *seq, &err))
      p->acked++;
    else {
      /* still pending: sent again on the next connection */
      g_warning ("publisher: %s", err->message);
      g_clear_error (&err);
    }
    g_hash_table_remove (p->inflight, GINT_TO_POINTER (mid));
  }
  g_mutex_unlock (&p->lock);
}

static gboolean
check (int rc, const char *what, GError **error)
{
  if (rc == MOSQ_ERR_SUCCESS)
    return TRUE;
  g_set_error (error, METEOR_OUTBOX_ERROR, METEOR_OUTBOX_ERROR_IO,
      "publisher: %s: %s", what,
      rc == MOSQ_ERR_ERRNO ? g_strerror (errno) : mosquitto_strerror (rc));
  return FALSE;
}

MeteorPublisher *
meteor_publisher_new (
    const MeteorPublisherConfig *c, MeteorOutbox *outbox, GError **error)
{
  MeteorPublisher *p;
  int port = c->port ? c->port : c->ca_file ? 8883 : 1883;

  if (!c->host || !*c->host || !c->client_id || !c->detection_topic ||
      !c->status_topic) {
    g_set_error (error, METEOR_OUTBOX_ERROR, METEOR_OUTBOX_ERROR_IO,
        "publisher: a broker host, a client id and both topics are needed");
    return NULL;
  }
  g_once (&lib_init, init_lib, NULL);
  p = g_new0 (MeteorPublisher, 1);
  g_mutex_init (&p->lock);
  p->outbox = outbox;
  p->detection_topic = g_strdup (c->detection_topic);
  p->status_topic = g_strdup (c->status_topic);
  p->inflight = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  p->mosq = mosquitto_new (c->client_id, true, p);
  if (p->mosq == NULL) {
    check (MOSQ_ERR_ERRNO, "cannot create a client", error);
    goto failed;
  }
  mosquitto_connect_callback_set (p->mosq, on_connect);
  mosquitto_disconnect_callback_set (p->mosq, on_disconnect);
  mosquitto_publish_callback_set (p->mosq, on_publish);
  /* a broker away for long: tried again after 1 s, 2 s, ... up to 60 s */
  mosquitto_reconnect_delay_set (p->mosq, 1, 60, true);
  if (!check (mosquitto_will_set (p->mosq, p->status_topic,
                  (int)strlen (OFFLINE_STATUS), OFFLINE_STATUS, 1, true),
          "the last will", error) ||
      (c->username &&
          !check (mosquitto_username_pw_set (p->mosq, c->username, c->password),
              "user and password", error)) ||
      (c->ca_file && !check (mosquitto_tls_set (p->mosq, c->ca_file, NULL,
                                 c->cert_file, c->key_file, NULL),
                         "TLS files", error)))
    goto failed;
  /* an unreachable broker is not an error: the loop keeps trying */
  mosquitto_connect_async (
      p->mosq, c->host, port, c->keepalive_s > 0 ? c->keepalive_s : 30);
  if (!check (mosquitto_loop_start (p->mosq), "the network thread", error))
    goto failed;
  return p;
failed:
  p->outbox = NULL; /* the caller's still */
  meteor_publisher_free (p);
  return NULL;
}

void
meteor_publisher_free (MeteorPublisher *p)
{
  if (p == NULL)
    return;
  if (p->mosq) {
    g_mutex_lock (&p->lock);
    if (p->connected)
      mosquitto_publish (p->mosq, NULL, p->status_topic,
          (int)strlen (OFFLINE_STATUS), OFFLINE_STATUS, 1, true);
    g_mutex_unlock (&p->lock);
    mosquitto_disconnect (p->mosq);
    mosquitto_loop_stop (p->mosq, false);
    mosquitto_destroy (p->mosq);
  }
  meteor_outbox_close (p->outbox);
  g_hash_table_unref (p->inflight);
  g_mutex_clear (&p->lock);
  g_free (p->detection_topic);
  g_free (p->status_topic);
  g_free (p->status);
  g_free (p);
}

gboolean
meteor_publisher_publish (MeteorPublisher *p, const char *json, GError **error)
{
  size_t len = strlen (json);
  uint64_t seq;
  gboolean ok;

  g_mutex_lock (&p->lock);
  ok = meteor_outbox_append (p->outbox, json, len, &seq, error);
  if (ok && p->connected)
    send_locked (p, seq, json, len);
  g_mutex_unlock (&p->lock);
  return ok;
}

void
meteor_publisher_set_status (MeteorPublisher *p, const char *json)
{
  g_mutex_lock (&p->lock);
  g_free (p->status);
  p->status = g_strdup (json);
  if (p->connected)
    mosquitto_publish (
        p->mosq, NULL, p->status_topic, (int)strlen (json), json, 1, true);
  g_mutex_unlock (&p->lock);
}

void
meteor_publisher_get_stats (MeteorPublisher *p, MeteorPublisherStats *stats)
{
  MeteorOutboxStats os;

  g_mutex_lock (&p->lock);
  meteor_outbox_get_stats (p->outbox, &os);
  stats->connected = p->connected;
  stats->connections = p->connections;
  stats->sent = p->sent;
  stats->acked = p->acked;
  stats->pending = os.pending;
  stats->pending_bytes = os.pending_bytes;
  g_mutex_unlock (&p->lock);
}
