/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: what meteorsky's files share (gstmeteorsky.c: the element;
 * gstmeteorsky-truth.c: the truth it reports) */
#ifndef __GST_METEOR_SKY_PRIVATE_H__
#define __GST_METEOR_SKY_PRIVATE_H__

#include "gstmeteorsky.h"
#include "skyrender.h"

#include <gst/video/video.h>
#include <stdio.h>

GST_DEBUG_CATEGORY_EXTERN (meteorsky_debug);
#define GST_CAT_DEFAULT meteorsky_debug

struct _GstMeteorSky {
  GstPushSrc parent;

  /* properties, object lock; width, height and fps come from the caps */
  SkyConfig settings;
  gchar *schedule;
  gchar *truth_location;

  /* object lock: the latency query reads it from any thread */
  GstVideoInfo info;

  /* streaming thread, and start/stop while it is not running */
  MeteorFormat format;
  SkyModel *model;
  guint64 model_base; /* the frame index that is the model's frame 0 */
  guint64 n_frames;   /* produced since start: the next frame's index */
  /* live, started in a pipeline already running (a camera reconnected):
   * the running time of its first frame, added to every timestamp */
  GstClockTime live_offset;
  gboolean finished;  /* the model is finished and the end line written */
  FILE *truth_file;
  gchar *truth_path;
};

/* The truth file's first line: the sky's settings. FALSE on a write error
 * (posted). */
G_GNUC_INTERNAL gboolean sky_truth_write_header (
    GstMeteorSky *self, const SkyConfig *c);
/* Reports the objects the model has finished with. */
G_GNUC_INTERNAL gboolean sky_truth_emit (GstMeteorSky *self);
/* End of the run: what is in view is closed, the end line written. */
G_GNUC_INTERNAL void sky_truth_finish_run (GstMeteorSky *self);
/* On the source pad: finishes the run before EOS goes downstream. */
G_GNUC_INTERNAL GstPadProbeReturn sky_truth_eos_probe (
    GstPad *pad, GstPadProbeInfo *info, gpointer user_data);

#endif /* __GST_METEOR_SKY_PRIVATE_H__ */
