/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the meteorstats tracer's HTTP server (libsoup 3), on its own
 * thread and GMainContext.
 *
 * The server owns its listening socket and hands each accepted connection
 * to a SoupServer that has no listener of its own
 * (soup_server_accept_iostream). That way it
 * - caps the connections open at once and closes those that do not finish
 *   their request within the idle timeout (SoupServer 3.2 has neither);
 * - answers one request per connection ("Connection: close"), so libsoup
 *   3.2 never keeps an idle connection alive: its SoupListener leaks the
 *   accepted GSocket of every connection, and it leaks the whole
 *   connection (and its file descriptor) when a client closes an idle
 *   kept-alive one. Neither path is used here.
 * A request with a body is refused when its headers arrive, before any of
 * the body is read (413, or 405 for another method than GET/HEAD). */
#ifndef __METEOR_STATS_SERVER_H__
#define __METEOR_STATS_SERVER_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MeteorHttpServer MeteorHttpServer;

typedef struct {
  const gchar *address;   /* an IP address */
  guint port;             /* 0: a free one */
  const gchar *port_file; /* NULL, or where to write the port served on */
  guint idle_timeout_ms;  /* 0: none */
  guint max_connections;  /* at least 1 */
} MeteorHttpSettings;

/* What the server counted (each read atomically). */
typedef struct {
  guint64 requests_ok, requests_not_found;
  guint64 requests_rejected; /* 405, 413, 431 */
  guint64 connections_accepted;
  guint64 connections_over_cap;  /* closed at once: the cap was reached */
  guint64 connections_timed_out; /* closed by the idle timeout */
  guint64 connections_open;
} MeteorHttpCounters;

/* The body of page @path (g_malloc'd, length in @len, content type in
 * @type), or NULL when there is no such page (404). Called on the
 * server's thread. */
typedef gchar *(*MeteorHttpPageFunc) (MeteorHttpServer *server,
    const gchar *path, const gchar **type, gsize *len, gpointer user_data);

/* Starts the server thread and waits until it listens (or failed to: then
 * a warning is on stderr and the port is 0). Never NULL. */
MeteorHttpServer *meteor_http_server_start (const MeteorHttpSettings *settings,
    MeteorHttpPageFunc page, gpointer user_data);

/* Stops the thread, closes every connection and frees @server. */
void meteor_http_server_stop (MeteorHttpServer *server);

/* The TCP port served on, 0 when not serving. */
guint meteor_http_server_port (MeteorHttpServer *server);

/* Changes the limits for what comes next (the idle timeout also applies
 * to the connections already open). */
void meteor_http_server_set_limits (
    MeteorHttpServer *server, guint idle_timeout_ms, guint max_connections);
void meteor_http_server_get_limits (
    MeteorHttpServer *server, guint *idle_timeout_ms, guint *max_connections);

void meteor_http_server_get_counters (
    MeteorHttpServer *server, MeteorHttpCounters *out);

G_END_DECLS

#endif /* __METEOR_STATS_SERVER_H__ */
