/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's one quota over its store (pure C, GLib).
 * tieredsink keeps tonight's directory within the quota (cold frames
 * first, clips last); this makes room in the nights before it, oldest
 * first: their cold frames, and only then, each said, their clips. The
 * nights' summaries and detection records are kept. */
#ifndef __METEOR_STATION_STORE_H__
#define __METEOR_STATION_STORE_H__

#include <glib.h>

/* Bytes on disk (allocated blocks) under @path, recursively. */
guint64 station_store_usage (const gchar *path);

/* Called for every directory deleted: @what is "cold" or "clip". */
typedef void (*StationStoreDeleted) (const gchar *night, const gchar *what,
    const gchar *path, guint64 bytes, gpointer user_data);

/* Deletes, in the nights (YYYYMMDD directories) of @store other than
 * @tonight, oldest first, cold/ directories and then clips, until the
 * whole store uses at most @quota bytes. Returns the bytes freed; the
 * store may still be over when only tonight and the records are left. */
guint64 station_store_make_room (const gchar *store, const gchar *tonight,
    guint64 quota, StationStoreDeleted deleted, gpointer user_data);

#endif /* __METEOR_STATION_STORE_H__ */
