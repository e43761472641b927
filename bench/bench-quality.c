/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: detection quality on the synthetic sky, without GStreamer.
 *
 * Renders N frames of meteorsky's sky (meteors at a high rate, planes,
 * satellites, flashes, twinkling stars, optional clouds), runs the detector
 * core on them and writes the truth and the detections as JSON lines for
 * tests/quality/meteor-score.
 *
 *   bench-quality WIDTH HEIGHT FRAMES SEED CLOUD-COVER TRUTH.jsonl DET.jsonl
 */
#include "detector.h"
#include "skyrender.h"

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>

/* Writes @line (newly allocated), as meteorsky's truth-location gets it */
static void
write_line (FILE *out, char *line)
{
  fprintf (out, "%s\n", line);
  g_free (line);
}

static void
write_truth (SkyModel *m, FILE *out)
{
  SkyTruth t[256];
  size_t n, i;

  while ((n = sky_model_take_truth (m, t, 256)) > 0)
    for (i = 0; i < n; i++)
      write_line (out, sky_truth_to_json (&t[i]));
}

/* A detection as a JSON line, the fields meteor-score reads. */
static char *
detection_to_json (const DetectorMeteor *m)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  const struct {
    const char *key;
    double value;
  } numbers[] = { { "x0", m->x0 }, { "y0", m->y0 }, { "x1", m->x1 },
    { "y1", m->y1 }, { "speed-px-s", m->speed }, { "snr", m->snr } };
  size_t i;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, m->id);
  json_builder_set_member_name (b, "first-frame");
  json_builder_add_int_value (b, (gint64)m->first_frame);
  json_builder_set_member_name (b, "last-frame");
  json_builder_add_int_value (b, (gint64)m->last_frame);
  for (i = 0; i < G_N_ELEMENTS (numbers); i++) {
    json_builder_set_member_name (b, numbers[i].key);
    json_builder_add_double_value (b, numbers[i].value);
  }
  json_builder_set_member_name (b, "points");
  json_builder_add_int_value (b, m->n_points);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

static void
write_detections (Detector *d, FILE *out)
{
  static DetectorMeteor m[16];
  size_t n, i;

  while ((n = detector_take_meteors (d, m, 16)) > 0)
    for (i = 0; i < n; i++)
      write_line (out, detection_to_json (&m[i]));
}

int
main (int argc, char **argv)
{
  SkyConfig sky;
  DetectorConfig dc;
  SkyModel *m;
  Detector *d;
  SkyImage img;
  FILE *truth, *dets;
  uint8_t *buf;
  int w, h, frames, f;

  if (argc != 8) {
    fprintf (stderr,
        "usage: %s WIDTH HEIGHT FRAMES SEED CLOUD-COVER "
        "TRUTH.jsonl DETECTIONS.jsonl\n",
        argv[0]);
    return 2;
  }
  w = atoi (argv[1]);
  h = atoi (argv[2]);
  frames = atoi (argv[3]);
  sky_config_init (&sky);
  sky.width = w;
  sky.height = h;
  sky.seed = strtoull (argv[4], NULL, 10);
  sky.cloud_cover = atof (argv[5]);
  /* many meteors for the statistics, the distractors at busy-night rates */
  sky.meteor_rate = 1200;
  sky.plane_rate = 30;
  sky.satellite_rate = 60;
  sky.flash_rate = 12;
  detector_config_init (&dc);
  dc.width = w;
  dc.height = h;
  dc.fps = sky.fps;
  m = sky_model_new (&sky);
  d = detector_new (&dc, meteor_kernels_get ());
  truth = fopen (argv[6], "w");
  dets = fopen (argv[7], "w");
  buf = malloc ((size_t)w * h);
  if (!m || !d || !truth || !dets || !buf) {
    fprintf (stderr, "bench-quality: cannot set up (bad size or files)\n");
    return 1;
  }
  img.format = METEOR_FORMAT_GRAY8;
  img.planes[0] = buf;
  img.strides[0] = w;
  write_line (truth, sky_config_to_json (&sky));
  for (f = 0; f < frames; f++) {
    sky_model_render (m, f, &img);
    detector_process (d, f, buf, w, METEOR_FORMAT_GRAY8, NULL);
    write_truth (m, truth);
    write_detections (d, dets);
  }
  sky_model_finish (m);
  detector_flush (d);
  write_truth (m, truth);
  write_detections (d, dets);
  write_line (truth, sky_end_to_json ((uint64_t)frames));
  fclose (truth);
  fclose (dets);
  sky_model_free (m);
  detector_free (d);
  free (buf);
  return 0;
}
