/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's FF blocks, written from its saved clips. */
#include "stationff.h"

#include "stationbytes.h"

#include "clipexport.h"
#include "ffblock.h"

#include <errno.h>
#include <glib/gstdio.h>

#define STOP ((gpointer)1) /* the end of the queue */

typedef struct {
  gchar *path;
  guint64 first, last; /* its frame ids */
} ClipSpan;

struct StationFF {
  gchar *station, *dir;
  GArray *clips;      /* ClipSpan: the worker's, the night's clips so far */
  GAsyncQueue *queue; /* clip paths */
  GThread *thread;
};

static void
said_block (const char *path, uint64_t counter, unsigned frames, void *data)
{
  if (path == NULL)
    return; /* a clip's few frames in a block: not worth one */
  g_print ("meteor-station: FF block %s (%u frames)\n", path, frames);
  station_bytes_add_file (STATION_BYTES_FF, path);
}

static void
clip_span_clear (gpointer data)
{
  g_free (((ClipSpan *)data)->path);
}

/* The blocks @path's frames fall in, written again with the frames of
 * the night's earlier clips in them (clips share the station's blocks). */
static void
export_clip (StationFF *ff, const gchar *path)
{
  char error[512] = "";
  GPtrArray *open =
      g_ptr_array_new_with_free_func ((GDestroyNotify)tier_clip_close);
  TierClip *clip;
  ClipVideo v;
  ClipSpan span;
  guint64 lo, hi;
  guint i;
  int ok = -1;

  if (g_mkdir_with_parents (ff->dir, 0755) < 0)
    g_snprintf (error, sizeof error, "cannot create %s: %s", ff->dir,
        g_strerror (errno));
  else if ((clip = tier_clip_open (path, error, sizeof error)) != NULL) {
    g_ptr_array_add (open, clip);
    if (clip->n_frames == 0)
      g_snprintf (error, sizeof error, "no frames");
    else if (clip_video_parse (clip->format, clip->n_planes, clip->offset,
                 clip->stride, &v, error, sizeof error) == 0) {
      span.path = g_strdup (path);
      span.first = clip->frames[0].frame_id;
      span.last = clip->frames[clip->n_frames - 1].frame_id;
      lo = span.first - span.first % METEOR_FF_FRAMES;
      hi = span.last - span.last % METEOR_FF_FRAMES + METEOR_FF_FRAMES - 1;
      for (i = 0; i < ff->clips->len; i++) {
        ClipSpan *c = &g_array_index (ff->clips, ClipSpan, i);
        TierClip *other;
        if (c->last < lo || c->first > hi)
          continue;
        other = tier_clip_open (c->path, error, sizeof error);
        if (other && g_strcmp0 (other->format, clip->format) == 0)
          g_ptr_array_add (open, other);
        else if (other) /* caps changed: not the same blocks */
          tier_clip_close (other);
      }
      g_array_append_val (ff->clips, span);
      ok = clip_export_ff ((TierClip **)open->pdata, open->len, &v, lo, hi,
          ff->dir, ff->station, said_block, NULL, error, sizeof error);
    }
  }
  g_ptr_array_unref (open);
  if (ok < 0) {
    g_printerr (
        "meteor-station: WARNING: no FF blocks of %s: %s\n", path, error);
  }
}

static gpointer
worker (gpointer data)
{
  StationFF *ff = data;
  gpointer item;

  while ((item = g_async_queue_pop (ff->queue)) != STOP) {
    export_clip (ff, item);
    g_free (item);
  }
  return NULL;
}

StationFF *
station_ff_new (const gchar *station, const gchar *dir)
{
  StationFF *ff = g_new0 (StationFF, 1);

  ff->station = g_strdup (station);
  ff->dir = g_strdup (dir);
  ff->queue = g_async_queue_new ();
  ff->clips = g_array_new (FALSE, FALSE, sizeof (ClipSpan));
  g_array_set_clear_func (ff->clips, clip_span_clear);
  ff->thread = g_thread_new ("station-ff", worker, ff);
  return ff;
}

void
station_ff_clip (StationFF *ff, const gchar *clip_path)
{
  g_async_queue_push (ff->queue, g_strdup (clip_path));
}

void
station_ff_free (StationFF *ff)
{
  if (ff == NULL)
    return;
  g_async_queue_push (ff->queue, STOP);
  g_thread_join (ff->thread);
  g_async_queue_unref (ff->queue);
  g_array_unref (ff->clips);
  g_free (ff->station);
  g_free (ff->dir);
  g_free (ff);
}
