/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteorsky's truth: each object the model finishes, as an
 * element message and a JSON line of the truth file. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmeteorsky-private.h"

#include <errno.h>

/* Appends @line and a newline to the truth file, flushed so that a reader
 * (or a crash) sees every finished object. A failed write is an error:
 * the truth is what the simulation is for. */
static gboolean
write_line (GstMeteorSky *self, const gchar *line)
{
  if (self->truth_file == NULL)
    return TRUE;
  if (fputs (line, self->truth_file) >= 0 &&
      fputc ('\n', self->truth_file) != EOF && fflush (self->truth_file) == 0)
    return TRUE;

  GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
      ("cannot write to truth-location '%s': %s", self->truth_path,
          g_strerror (errno)),
      (NULL));
  /* one error is enough: stop writing */
  fclose (self->truth_file);
  self->truth_file = NULL;
  return FALSE;
}

/* Writes @line (newly allocated) and frees it. */
static gboolean
write_json (GstMeteorSky *self, gchar *line)
{
  gboolean ok = write_line (self, line);

  g_free (line);
  return ok;
}

gboolean
sky_truth_write_header (GstMeteorSky *self, const SkyConfig *c)
{
  if (self->truth_file == NULL)
    return TRUE;
  return write_json (self, sky_config_to_json (c));
}

static gboolean
report_truth (GstMeteorSky *self, const SkyTruth *t)
{
  GstStructure *s;
  SkyTruth t_copy = *t;

  /* frame numbers of the stream, not of the model */
  t_copy.first_frame += self->model_base;
  t_copy.last_frame += self->model_base;
  t = &t_copy;
  s = gst_structure_new ("meteorsky-truth", "kind", G_TYPE_STRING,
      sky_kind_name (t->kind), "id", G_TYPE_UINT, (guint)t->id, "first-frame",
      G_TYPE_UINT64, (guint64)t->first_frame, "last-frame", G_TYPE_UINT64,
      (guint64)t->last_frame, "x0", G_TYPE_DOUBLE, t->x0, "y0", G_TYPE_DOUBLE,
      t->y0, "x1", G_TYPE_DOUBLE, t->x1, "y1", G_TYPE_DOUBLE, t->y1, "peak",
      G_TYPE_DOUBLE, t->peak, "snr", G_TYPE_DOUBLE, t->snr, "speed-px-s",
      G_TYPE_DOUBLE, t->speed, NULL);
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));

  if (self->truth_file == NULL)
    return TRUE;
  return write_json (self, sky_truth_to_json (t));
}

/* Reports the objects the model has finished with. */
gboolean
sky_truth_emit (GstMeteorSky *self)
{
  SkyTruth truth[16];
  gboolean ok = TRUE;
  size_t n, i;

  do {
    n = sky_model_take_truth (self->model, truth, G_N_ELEMENTS (truth));
    for (i = 0; i < n; i++)
      ok &= report_truth (self, &truth[i]);
  } while (n == G_N_ELEMENTS (truth));
  return ok;
}

/* End of the run (EOS, or stop without one): objects still in view are
 * closed at the last frame, and the end line says how many frames there
 * were. Once per run. */
void
sky_truth_finish_run (GstMeteorSky *self)
{
  if (self->finished)
    return;
  self->finished = TRUE;
  if (self->model) {
    sky_model_finish (self->model);
    sky_truth_emit (self);
  }
  if (self->truth_file)
    write_json (self, sky_end_to_json (self->n_frames));
}

GstPadProbeReturn
sky_truth_eos_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  /* Before EOS goes downstream, so the last truth messages are on the bus
   * ahead of the pipeline's EOS. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    sky_truth_finish_run (GST_METEOR_SKY (user_data));
  return GST_PAD_PROBE_OK;
}
