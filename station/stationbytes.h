/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the bytes meteor-station writes itself (besides tieredsink,
 * which counts its own), by kind, for /metrics: one process, one station,
 * so the counters are the process's. */
#ifndef __METEOR_STATION_BYTES_H__
#define __METEOR_STATION_BYTES_H__

#include <glib.h>

typedef enum {
  STATION_BYTES_RECORDS,     /* detections.jsonl, FTPdetectinfo */
  STATION_BYTES_FF,          /* FF blocks */
  STATION_BYTES_ECSV,        /* GDEF ECSV files */
  STATION_BYTES_CALIBRATION, /* its calibrations */
  STATION_BYTES_SUMMARY,     /* night.json, night.png */
  STATION_BYTES_KINDS
} StationBytesKind;

/* what the quota deleted in the nights before tonight: their cold frames,
 * FF blocks and (the last resort) clips */
typedef enum {
  STATION_DELETED_COLD,
  STATION_DELETED_FF,
  STATION_DELETED_CLIP,
  STATION_DELETED_KINDS
} StationDeletedKind;

void station_bytes_add (StationBytesKind kind, guint64 bytes);
/* the size of @path, a file just written whole */
void station_bytes_add_file (StationBytesKind kind, const gchar *path);
guint64 station_bytes_get (StationBytesKind kind);
/* @what: "cold", "ff" or "clip", as station_store_make_room says */
void station_bytes_deleted (const gchar *what, guint64 bytes);
guint64 station_bytes_deleted_get (StationDeletedKind kind);

#endif /* __METEOR_STATION_BYTES_H__ */
