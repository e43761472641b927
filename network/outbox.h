/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the station's outbox (plain C on GLib, no GStreamer)
 *
 * Store and forward: every message the station is to publish is written
 * here first, and stays until the broker has acknowledged it. Crash-safe:
 * - outbox.log: records appended and fdatasync'd before append returns;
 *   a record is [magic][sequence][length][CRC-32 of the payload][payload];
 * - outbox.acks: the sequence numbers acknowledged, appended the same way.
 * A crash can only tear the last record of either file; opening drops a
 * torn tail (what was never reported written) and counts its bytes.
 * Once every record is acknowledged, the files are emptied; when most are,
 * the pending ones are rewritten into a new log, renamed over the old one.
 * Messages leave in the order they came in; a consumer drops a message it
 * has seen by its own id (a message acknowledged just before a crash may
 * be sent again).
 */
#ifndef __METEOR_OUTBOX_H__
#define __METEOR_OUTBOX_H__

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define METEOR_OUTBOX_ERROR (meteor_outbox_error_quark ())
GQuark meteor_outbox_error_quark (void);

typedef enum {
  METEOR_OUTBOX_ERROR_IO,   /* a file cannot be read or written (errno's) */
  METEOR_OUTBOX_ERROR_FULL, /* the message would pass max_bytes */
} MeteorOutboxError;

typedef struct MeteorOutbox MeteorOutbox;

typedef struct {
  uint64_t pending;       /* messages not acknowledged */
  uint64_t pending_bytes; /* their payloads */
  uint64_t disk_bytes;    /* both files as they are on disk */
  uint64_t appended;      /* since opened */
  uint64_t acked;         /* since opened */
  uint64_t refused;       /* appends refused: full or an I/O error */
  uint64_t torn_bytes;    /* dropped from torn tails when opened */
  uint64_t compactions;   /* logs rewritten */
} MeteorOutboxStats;

/* Opens (creating) the outbox in @dir: what is pending there comes back,
 * in order. @max_bytes: the most the two files may hold (0: no limit). */
MeteorOutbox *meteor_outbox_open (
    const char *dir, uint64_t max_bytes, GError **error);
void meteor_outbox_close (MeteorOutbox *outbox);

/* Writes a message; when it returns TRUE the message is on disk (its
 * sequence number in *seq). FALSE: not written (full, or an I/O error),
 * and the outbox is as it was. */
gboolean meteor_outbox_append (MeteorOutbox *outbox, const void *payload,
    size_t len, uint64_t *seq, GError **error);

/* The broker has the message @seq: it is removed. Acknowledging one that
 * is not pending does nothing. */
gboolean meteor_outbox_ack (MeteorOutbox *outbox, uint64_t seq, GError **error);

/* The pending messages, oldest first: the @index-th one's sequence number
 * and payload (owned by the outbox, valid until it is acknowledged).
 * FALSE past the end. */
gboolean meteor_outbox_peek (const MeteorOutbox *outbox, size_t index,
    uint64_t *seq, const void **payload, size_t *len);

void meteor_outbox_get_stats (
    const MeteorOutbox *outbox, MeteorOutboxStats *stats);

G_END_DECLS

#endif /* __METEOR_OUTBOX_H__ */
