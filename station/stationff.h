/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's RMS FF blocks: each saved clip, read back
 * and written as the FF blocks of the frames it holds, into the night's
 * ff/ directory, by a thread of its own (reading a clip back takes time;
 * the main loop never waits for it). Pure C on GLib. */
#ifndef __STATION_FF_H__
#define __STATION_FF_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct StationFF StationFF;

/* Blocks named for @station, into @dir (made when the first comes). */
StationFF *station_ff_new (const gchar *station, const gchar *dir);
/* Queues the clip at @clip_path. */
void station_ff_clip (StationFF *ff, const gchar *clip_path);
/* Writes what was queued, then joins the thread. */
void station_ff_free (StationFF *ff);

G_END_DECLS

#endif /* __STATION_FF_H__ */
