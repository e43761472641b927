/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a station publishing to its network's MQTT broker (plain C
 * on GLib and libmosquitto, no GStreamer)
 *
 * Every detection goes into the outbox (outbox.h) first, then to the
 * broker at QoS 1; the broker's PUBACK removes it from the outbox. While
 * the broker cannot be reached the outbox grows; on every (re)connection
 * everything pending is sent again, oldest first. So a message can reach
 * the broker twice (it was in flight when the link dropped): consumers drop
 * what they have seen by the detection's own id.
 *
 * The station's status is retained on its status topic; the broker
 * publishes the last will ("offline") when the station vanishes without
 * saying goodbye, and a clean stop publishes it itself.
 */
#ifndef __METEOR_PUBLISHER_H__
#define __METEOR_PUBLISHER_H__

#include "outbox.h"

G_BEGIN_DECLS

typedef struct {
  const char *host;
  int port; /* 0: 1883, or 8883 with TLS */
  const char *client_id;
  const char *username; /* NULL: none */
  const char *password;
  const char *ca_file;              /* TLS when set; NULL: plain TCP */
  const char *cert_file, *key_file; /* a client certificate, or NULL */
  const char *detection_topic;      /* meteor/<network>/<station>/detection */
  const char *status_topic;         /* meteor/<network>/<station>/status */
  int keepalive_s;                  /* 0: 30 */
} MeteorPublisherConfig;

typedef struct {
  gboolean connected;
  uint64_t connections; /* successful connections so far */
  uint64_t sent;        /* publishes handed to the broker (again after a
                         * reconnection: counted again) */
  uint64_t acked;       /* PUBACKs that removed a message from the outbox */
  uint64_t pending;     /* in the outbox */
  uint64_t pending_bytes;
} MeteorPublisherStats;

typedef struct MeteorPublisher MeteorPublisher;

/* Starts publishing what @outbox holds (the publisher owns it from now
 * on); connects in the background, and again whenever the link drops.
 * NULL with an error for a config it cannot use (no host, a TLS file it
 * cannot read). */
MeteorPublisher *meteor_publisher_new (
    const MeteorPublisherConfig *config, MeteorOutbox *outbox, GError **error);

/* Says "offline" on the status topic, disconnects and frees; what is
 * still pending stays in the outbox on disk. */
void meteor_publisher_free (MeteorPublisher *publisher);

/* A detection (JSON): on disk when this returns TRUE, sent when
 * connected. FALSE when the outbox cannot take it (full, I/O). */
gboolean meteor_publisher_publish (
    MeteorPublisher *publisher, const char *json, GError **error);

/* The station's status (JSON), retained: sent now when connected, and
 * again on every connection. */
void meteor_publisher_set_status (MeteorPublisher *publisher, const char *json);

void meteor_publisher_get_stats (
    MeteorPublisher *publisher, MeteorPublisherStats *stats);

G_END_DECLS

#endif /* __METEOR_PUBLISHER_H__ */
