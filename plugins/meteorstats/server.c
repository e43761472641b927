/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the meteorstats tracer's HTTP server; see server.h. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "server.h"

#include <gio/gio.h>
#include <gio/gnetworking.h>
#include <gst/gst.h>
#include <libsoup/soup.h>
#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (meteorstats_debug);
#define GST_CAT_DEFAULT meteorstats_debug

/* request headers taken (name + value bytes); more gets a 431 */
#define MAX_HEADER_BYTES 8192
/* how often the connections are checked for their deadlines */
#define SWEEP_MS 100
/* a refused request's body is read and dropped at most this long, so its
 * client reads the answer instead of a reset */
#define DRAIN_MS 2000
/* a connection shut down at its deadline is closed for good this long
 * after, if libsoup has not let it go by then */
#define GRACE_MS 1000
/* msg data: the connection (a ref) the request came on */
#define STREAM_KEY "meteor-http-stream"

typedef struct _Conn Conn;
struct _Conn {
  MeteorHttpServer *server;
  GSocketConnection *stream;
  GSocket *socket; /* the stream's */
  gint64 accepted_us;
  gboolean got_headers; /* its request is being served */
  gboolean shut;        /* being ended: closed at close_at_us at the latest */
  gint64 close_at_us;
  GSource *drain; /* reads and drops a refused request's body */
};

struct _MeteorHttpServer {
  gchar *address;
  guint port;
  gchar *port_file;
  guint idle_timeout_ms, max_connections; /* atomics */
  MeteorHttpPageFunc page;
  gpointer user_data;

  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GMutex lock; /* started */
  GCond cond;
  gboolean started;
  guint bound_port; /* set before started */

  /* the server thread's */
  SoupServer *soup;
  GSocket *listener;
  GSource *accept_source, *sweep_source;
  GQueue conns; /* of Conn, oldest first */
  guint n_live; /* conns not shut */
  Conn *accepting;

  MeteorHttpCounters counters; /* atomics */
};

static inline void
bump (guint64 *counter, gint64 n)
{
  __atomic_fetch_add (counter, n, __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------- connections */

/* A whole response written straight on @socket (small: it fits in the
 * send buffer of a connection that has not been written to). */
static void
send_raw (GSocket *socket, guint status, const gchar *extra_headers,
    const gchar *body)
{
  gchar *text = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                                 "Content-Type: text/plain; charset=utf-8\r\n"
                                 "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                                 "Cache-Control: no-store\r\n"
                                 "Connection: close\r\n%s\r\n%s",
      status, soup_status_get_phrase (status), strlen (body),
      extra_headers ? extra_headers : "", body);

  if (g_socket_send_with_blocking (
          socket, text, strlen (text), FALSE, NULL, NULL) < 0)
    GST_DEBUG ("could not send the %u answer", status);
  g_free (text);
}

static Conn *
conn_find (MeteorHttpServer *self, GSocketConnection *stream)
{
  GList *l;

  for (l = self->conns.head; l; l = l->next)
    if (((Conn *)l->data)->stream == stream)
      return l->data;
  return NULL;
}

static void
conn_close (Conn *c)
{
  MeteorHttpServer *self = c->server;

  g_queue_remove (&self->conns, c);
  if (!c->shut)
    self->n_live--;
  if (c->drain) {
    g_source_destroy (c->drain);
    g_source_unref (c->drain);
  }
  g_io_stream_close (G_IO_STREAM (c->stream), NULL, NULL);
  g_object_unref (c->stream);
  g_free (c);
  bump (&self->counters.connections_open, -1);
}

/* Ends @c: nothing more is sent (nor read, with @read_too), so libsoup, if
 * it holds it, sees the end and lets it go; closed at the latest @after_ms
 * from now. */
static void
conn_shut (Conn *c, gboolean read_too, guint after_ms)
{
  if (c->shut)
    return;
  g_socket_shutdown (c->socket, read_too, TRUE, NULL);
  c->shut = TRUE;
  c->close_at_us = g_get_monotonic_time () + after_ms * (gint64)1000;
  c->server->n_live--;
}

/* Forgets the connections libsoup closed, closes those past their end,
 * and shuts those past the idle timeout (@idle_us > 0). */
static void
sweep_conns (MeteorHttpServer *self, gint64 idle_us)
{
  gint64 now = g_get_monotonic_time ();
  GList *l, *next;

  for (l = self->conns.head; l; l = next) {
    Conn *c = l->data;

    next = l->next;
    if (g_io_stream_is_closed (G_IO_STREAM (c->stream)) ||
        (c->shut && now >= c->close_at_us)) {
      conn_close (c);
    } else if (!c->shut && idle_us > 0 && now - c->accepted_us >= idle_us) {
      GST_DEBUG ("a connection timed out");
      bump (&self->counters.connections_timed_out, 1);
      conn_shut (c, TRUE, GRACE_MS);
    }
  }
}

static gboolean
sweep (gpointer data)
{
  MeteorHttpServer *self = data;

  sweep_conns (
      self, __atomic_load_n (&self->idle_timeout_ms, __ATOMIC_RELAXED) *
                (gint64)1000);
  if (self->conns.length > 0)
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&self->sweep_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static gboolean
drain (GSocket *socket, GIOCondition condition, gpointer data)
{
  Conn *c = data;
  gchar buf[16384];
  GError *error = NULL;
  guint i;

  for (i = 0; i < 64; i++) {
    gssize n = g_socket_receive_with_blocking (
        socket, buf, sizeof (buf), FALSE, NULL, &error);

    if (n > 0)
      continue;
    if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
      g_clear_error (&error);
      break;
    }
    /* the end, or an error: done */
    g_clear_error (&error);
    conn_close (c);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* Over the cap: ends the oldest connection that has not sent its request
 * headers yet. FALSE if every connection is being served. */
static gboolean
evict_idle (MeteorHttpServer *self)
{
  GList *l;

  for (l = self->conns.head; l; l = l->next) {
    Conn *c = l->data;

    if (!c->shut && !c->got_headers) {
      conn_shut (c, TRUE, GRACE_MS);
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
on_incoming (GSocket *listener, GIOCondition condition, gpointer data)
{
  MeteorHttpServer *self = data;
  GSocketAddress *local, *remote;
  GError *error = NULL;
  GSocket *socket;
  Conn *c;

  socket = g_socket_accept (listener, NULL, &error);
  if (socket == NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
      GST_WARNING ("accept: %s", error->message);
    g_clear_error (&error);
    return G_SOURCE_CONTINUE;
  }
  bump (&self->counters.connections_accepted, 1);
  sweep_conns (self, 0);
  if (self->n_live >=
      __atomic_load_n (&self->max_connections, __ATOMIC_RELAXED)) {
    bump (&self->counters.connections_over_cap, 1);
    if (!evict_idle (self)) {
      send_raw (socket, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL,
          "too many connections: try again later\n");
      g_socket_shutdown (socket, FALSE, TRUE, NULL);
      g_socket_close (socket, NULL);
      g_object_unref (socket);
      return G_SOURCE_CONTINUE;
    }
  }
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  c = g_new0 (Conn, 1);
  c->server = self;
  c->socket = socket;
  c->stream = g_socket_connection_factory_create_connection (socket);
  c->accepted_us = g_get_monotonic_time ();
  g_object_unref (socket); /* the stream has it */
  g_queue_push_tail (&self->conns, c);
  self->n_live++;
  bump (&self->counters.connections_open, 1);
  if (self->sweep_source == NULL) {
    self->sweep_source = g_timeout_source_new (SWEEP_MS);
    g_source_set_callback (self->sweep_source, sweep, self, NULL);
    g_source_attach (self->sweep_source, self->context);
  }

  local = g_socket_get_local_address (socket, NULL);
  remote = g_socket_get_remote_address (socket, NULL);
  self->accepting = c;
  if (local == NULL || remote == NULL ||
      !soup_server_accept_iostream (
          self->soup, G_IO_STREAM (c->stream), local, remote, &error)) {
    GST_DEBUG ("connection not taken: %s", error ? error->message : "gone");
    g_clear_error (&error);
    conn_close (c);
  }
  self->accepting = NULL;
  g_clear_object (&local);
  g_clear_object (&remote);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------- requests */

/* A request with a body is refused now, before any of it is read: the
 * connection is taken from libsoup, answered here, and what the client
 * still sends is dropped until it stops or DRAIN_MS pass. */
static void
on_got_headers (SoupServerMessage *msg, gpointer data)
{
  MeteorHttpServer *self = data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupEncoding encoding = soup_message_headers_get_encoding (headers);
  const char *method = soup_server_message_get_method (msg);
  gboolean get = strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0;
  guint status = get ? SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE
                     : SOUP_STATUS_METHOD_NOT_ALLOWED;
  gchar *body;
  GIOStream *stolen;
  Conn *c = conn_find (self, g_object_get_data (G_OBJECT (msg), STREAM_KEY));

  if (c)
    c->got_headers = TRUE;
  if (encoding == SOUP_ENCODING_NONE ||
      (encoding == SOUP_ENCODING_CONTENT_LENGTH &&
          soup_message_headers_get_content_length (headers) == 0))
    return;
  /* (an unknown Transfer-Encoding was answered 501 by libsoup, which then
   * reads no body) */
  if (encoding == SOUP_ENCODING_UNRECOGNIZED)
    return;

  bump (&self->counters.requests_rejected, 1);
  body = get ? g_strdup ("request bodies are not taken: GET /metrics, "
                         "/report or /healthz without one\n")
             : g_strdup_printf ("method %s not allowed: use GET\n", method);
  if (c == NULL) {
    /* not a connection of ours (libsoup would have kept one alive):
     * answered once the body was read, without keeping it */
    soup_message_body_set_accumulate (
        soup_server_message_get_request_body (msg), FALSE);
    soup_server_message_set_status (msg, status, NULL);
    soup_message_headers_replace (
        soup_server_message_get_response_headers (msg), "Connection", "close");
    soup_server_message_set_response (msg, "text/plain; charset=utf-8",
        SOUP_MEMORY_TAKE, body, strlen (body));
    return;
  }
  GST_DEBUG ("refusing %s with a body: %u", method, status);
  stolen = soup_server_message_steal_connection (msg);
  g_clear_object (&stolen); /* does not close ours */
  send_raw (c->socket, status, get ? NULL : "Allow: GET, HEAD\r\n", body);
  g_free (body);
  conn_shut (c, FALSE, DRAIN_MS);
  c->drain = g_socket_create_source (c->socket, G_IO_IN, NULL);
  g_source_set_callback (c->drain, (GSourceFunc)(GCallback)drain, c, NULL);
  g_source_attach (c->drain, self->context);
}

static void
on_request_started (SoupServer *soup, SoupServerMessage *msg, gpointer data)
{
  MeteorHttpServer *self = data;

  /* emitted from soup_server_accept_iostream for its first request */
  if (self->accepting)
    g_object_set_data_full (G_OBJECT (msg), STREAM_KEY,
        g_object_ref (self->accepting->stream), g_object_unref);
  g_signal_connect (msg, "got-headers", G_CALLBACK (on_got_headers), self);
}

static void
respond (SoupServerMessage *msg, guint status, const gchar *type, gchar *body,
    gsize len)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (
      msg, status, status == 431 ? "Request Header Fields Too Large" : NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  /* one request per connection: see server.h */
  soup_message_headers_replace (headers, "Connection", "close");
  soup_server_message_set_response (msg, type, SOUP_MEMORY_TAKE, body, len);
}

static void
add_header_size (const char *name, const char *value, gpointer data)
{
  *(gsize *)data += strlen (name) + strlen (value) + 4;
}

static void
handle_request (SoupServer *soup, SoupServerMessage *msg, const char *path,
    GHashTable *query, gpointer user_data)
{
  MeteorHttpServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  const gchar *type = "text/plain; charset=utf-8";
  gsize header_bytes = 0, len = 0;
  gchar *body;

  /* (libsoup itself closes connections whose headers pass 64 KiB) */
  soup_message_headers_foreach (soup_server_message_get_request_headers (msg),
      add_header_size, &header_bytes);
  if (header_bytes > MAX_HEADER_BYTES) {
    bump (&self->counters.requests_rejected, 1);
    body = g_strdup_printf ("request headers of %" G_GSIZE_FORMAT " bytes: "
                            "at most %u taken\n",
        header_bytes, MAX_HEADER_BYTES);
    /* libsoup 3.2 has no name for it */
    respond (msg, 431, type, body, strlen (body));
    return;
  }
  if (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0) {
    bump (&self->counters.requests_rejected, 1);
    soup_message_headers_replace (
        soup_server_message_get_response_headers (msg), "Allow", "GET, HEAD");
    body = g_strdup_printf ("method %s not allowed: use GET\n", method);
    respond (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, type, body, strlen (body));
    return;
  }
  body = self->page (self, path, &type, &len, self->user_data);
  if (body) {
    bump (&self->counters.requests_ok, 1);
    respond (msg, SOUP_STATUS_OK, type, body, len);
  } else {
    bump (&self->counters.requests_not_found, 1);
    body = g_strdup ("not found: try /metrics, /report or /healthz\n");
    respond (msg, SOUP_STATUS_NOT_FOUND, "text/plain; charset=utf-8", body,
        strlen (body));
  }
}

/* --------------------------------------------------------------- thread */

/* Listens; the port, or 0 with a warning on stderr. */
static guint
start_listening (MeteorHttpServer *self)
{
  GSocketAddress *addr, *bound;
  GError *error = NULL;
  guint port = 0;

  addr = g_inet_socket_address_new_from_string (self->address, self->port);
  if (addr == NULL) {
    g_printerr ("meteorstats: address '%s' is not an IP address: metrics "
                "are not served (the pipeline runs on)\n",
        self->address);
    return 0;
  }
  self->listener = g_socket_new (g_socket_address_get_family (addr),
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  if (self->listener) {
    g_socket_set_blocking (self->listener, FALSE);
    g_socket_set_listen_backlog (self->listener, 128);
  }
  if (self->listener == NULL ||
      !g_socket_bind (self->listener, addr, TRUE, &error) ||
      !g_socket_listen (self->listener, &error)) {
    g_printerr ("meteorstats: cannot serve metrics on %s:%u: %s; the "
                "pipeline runs on without them (choose another port= in "
                "GST_TRACERS)\n",
        self->address, self->port, error->message);
    GST_WARNING ("cannot listen on %s:%u: %s", self->address, self->port,
        error->message);
    g_clear_error (&error);
    g_clear_object (&self->listener);
    g_object_unref (addr);
    return 0;
  }
  g_object_unref (addr);
  bound = g_socket_get_local_address (self->listener, NULL);
  if (bound && G_IS_INET_SOCKET_ADDRESS (bound))
    port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_clear_object (&bound);

  self->soup =
      soup_server_new ("server-header", "gst-meteor-meteorstats ", NULL);
  soup_server_add_handler (self->soup, NULL, handle_request, self, NULL);
  g_signal_connect (
      self->soup, "request-started", G_CALLBACK (on_request_started), self);
  self->accept_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (
      self->accept_source, (GSourceFunc)(GCallback)on_incoming, self, NULL);
  g_source_attach (self->accept_source, self->context);
  GST_INFO ("serving http://%s:%u/metrics", self->address, port);

  if (self->port_file) {
    gchar *text = g_strdup_printf ("%u\n", port);

    if (!g_file_set_contents (self->port_file, text, -1, &error)) {
      g_printerr ("meteorstats: cannot write port-file: %s\n", error->message);
      g_clear_error (&error);
    }
    g_free (text);
  }
  return port;
}

static void
stop_listening (MeteorHttpServer *self)
{
  if (self->accept_source) {
    g_source_destroy (self->accept_source);
    g_clear_pointer (&self->accept_source, g_source_unref);
  }
  if (self->listener) {
    g_socket_close (self->listener, NULL);
    g_clear_object (&self->listener);
  }
  if (self->soup) {
    soup_server_disconnect (self->soup);
    g_clear_object (&self->soup);
  }
  while (self->conns.head)
    conn_close (self->conns.head->data);
  if (self->sweep_source) {
    g_source_destroy (self->sweep_source);
    g_clear_pointer (&self->sweep_source, g_source_unref);
  }
}

static gpointer
server_thread (gpointer data)
{
  MeteorHttpServer *self = data;
  guint port;

  g_main_context_push_thread_default (self->context);
  port = start_listening (self);

  g_mutex_lock (&self->lock);
  self->bound_port = port;
  self->started = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (port)
    g_main_loop_run (self->loop);
  stop_listening (self);
  /* let pending sources of the server finish */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

MeteorHttpServer *
meteor_http_server_start (const MeteorHttpSettings *settings,
    MeteorHttpPageFunc page, gpointer user_data)
{
  MeteorHttpServer *self = g_new0 (MeteorHttpServer, 1);

  self->address = g_strdup (settings->address);
  self->port = settings->port;
  self->port_file = g_strdup (settings->port_file);
  meteor_http_server_set_limits (
      self, settings->idle_timeout_ms, settings->max_connections);
  self->page = page;
  self->user_data = user_data;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->conns);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("meteorstats-http", server_thread, self);
  /* wait for the bind, so the port is known (and warned about) before
   * the pipeline starts */
  g_mutex_lock (&self->lock);
  while (!self->started)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
  return self;
}

void
meteor_http_server_stop (MeteorHttpServer *self)
{
  g_main_loop_quit (self->loop);
  g_main_context_wakeup (self->context);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self->address);
  g_free (self->port_file);
  g_free (self);
}

guint
meteor_http_server_port (MeteorHttpServer *self)
{
  return self->bound_port; /* set before start returned */
}

void
meteor_http_server_set_limits (
    MeteorHttpServer *self, guint idle_timeout_ms, guint max_connections)
{
  __atomic_store_n (&self->idle_timeout_ms, idle_timeout_ms, __ATOMIC_RELAXED);
  __atomic_store_n (
      &self->max_connections, MAX (max_connections, 1), __ATOMIC_RELAXED);
}

void
meteor_http_server_get_limits (
    MeteorHttpServer *self, guint *idle_timeout_ms, guint *max_connections)
{
  *idle_timeout_ms = __atomic_load_n (&self->idle_timeout_ms, __ATOMIC_RELAXED);
  *max_connections = __atomic_load_n (&self->max_connections, __ATOMIC_RELAXED);
}

void
meteor_http_server_get_counters (
    MeteorHttpServer *self, MeteorHttpCounters *out)
{
  const guint64 *in = (const guint64 *)&self->counters;
  guint64 *o = (guint64 *)out;
  guint i;

  for (i = 0; i < sizeof (*out) / sizeof (guint64); i++)
    o[i] = __atomic_load_n (&in[i], __ATOMIC_RELAXED);
}
