/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: insncount-detector, for counting the executed instructions
 * of the whole detector (detector_process: luma, binning, background,
 * threshold, clustering, tracking, judging) per frame under qemu-user
 * (bench/detector-insns.sh).
 *
 *   insncount-detector render FORMAT WIDTH HEIGHT FRAMES FILE
 *       renders FRAMES frames of a busy synthetic sky (meteorsky's renderer:
 *       meteors, planes, satellites, flashes, clouds, twinkling stars, hot
 *       pixels) in FORMAT (GRAY8 or NV12) into FILE
 *   insncount-detector SET FORMAT WIDTH HEIGHT FILE DETECT
 *       reads every frame of FILE and runs the detector, with the kernels
 *       of SET ("c", "neon", ...), on the first DETECT of them
 *
 * Every counting run reads the same frames, so the difference of two runs'
 * counts over the difference of their DETECT is the detector's cost per
 * frame, with the first frames (the background learning) left out. The
 * detector's statistics go to stdout: what the counted frames held. */
#include "detector.h"
#include "skyrender.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static MeteorFormat
format_of (const char *name)
{
  return !strcmp (name, "NV12")    ? METEOR_FORMAT_NV12
         : !strcmp (name, "GRAY8") ? METEOR_FORMAT_GRAY8
                                   : METEOR_FORMAT_N;
}

static size_t
frame_size (MeteorFormat format, int w, int h)
{
  /* NV12's chroma after the luma, as a camera's frame holds it */
  return (size_t)w * h * (format == METEOR_FORMAT_NV12 ? 3 : 2) / 2;
}

static int
render (MeteorFormat format, int w, int h, int frames, const char *path)
{
  size_t size = frame_size (format, w, h);
  uint8_t *buf = malloc (size);
  FILE *out = fopen (path, "wb");
  SkyModel *model;
  SkyConfig sky;
  SkyImage img;
  int f;

  sky_config_init (&sky);
  sky.width = w;
  sky.height = h;
  sky.seed = 19;
  /* a busy night: a meteor every second, the distractors of a night near
   * an airport, a fifth of the sky under moving cloud */
  sky.meteor_rate = 3600;
  sky.plane_rate = 60;
  sky.satellite_rate = 120;
  sky.flash_rate = 60;
  sky.cloud_cover = 0.2;
  sky.hot_pixels = 40;
  model = sky_model_new (&sky);
  if (!model || !buf || !out) {
    fprintf (stderr, "insncount-detector: cannot render %dx%d into %s\n", w, h,
        path);
    return 1;
  }
  memset (&img, 0, sizeof (img));
  img.format = format;
  img.planes[0] = buf;
  img.strides[0] = w;
  img.planes[1] = buf + (size_t)w * h;
  img.strides[1] = w;
  for (f = 0; f < frames; f++) {
    sky_model_render (model, (uint64_t)f, &img);
    if (fwrite (buf, size, 1, out) != 1) {
      fprintf (stderr, "insncount-detector: cannot write %s\n", path);
      return 1;
    }
  }
  sky_model_free (model);
  free (buf);
  return fclose (out) ? 1 : 0;
}

static int
detect (const MeteorKernels *kernels, MeteorFormat format, int w, int h,
    const char *path, int frames)
{
  size_t size = frame_size (format, w, h);
  uint8_t *buf = malloc (size);
  FILE *in = fopen (path, "rb");
  DetectorMeteor met[16];
  DetectorConfig dc;
  DetectorStats st;
  Detector *d;
  int f;

  detector_config_init (&dc);
  dc.width = w;
  dc.height = h;
  d = detector_new (&dc, kernels);
  if (!d || !buf || !in) {
    fprintf (stderr, "insncount-detector: cannot read %s\n", path);
    return 1;
  }
  for (f = 0; fread (buf, size, 1, in) == 1; f++) {
    if (f >= frames)
      continue;
    detector_process (d, (uint64_t)f, buf, w, format, NULL);
    while (detector_take_meteors (d, met, 16) > 0)
      ;
  }
  detector_get_stats (d, &st);
  printf ("frames %llu candidates %llu clusters %llu tracks %llu "
          "detections %llu flashes %llu\n",
      (unsigned long long)st.frames, (unsigned long long)st.candidates,
      (unsigned long long)st.clusters, (unsigned long long)st.tracks,
      (unsigned long long)st.detections, (unsigned long long)st.flashes);
  detector_free (d);
  free (buf);
  fclose (in);
  return 0;
}

int
main (int argc, char **argv)
{
  const MeteorKernels *kernels;
  MeteorFormat format;
  int w, h;

  if (argc != 7) {
    fprintf (stderr,
        "usage: %s render GRAY8|NV12 WIDTH HEIGHT FRAMES FILE\n"
        "       %s SET GRAY8|NV12 WIDTH HEIGHT FILE DETECT\n",
        argv[0], argv[0]);
    return 2;
  }
  format = format_of (argv[2]);
  w = atoi (argv[3]);
  h = atoi (argv[4]);
  if (format == METEOR_FORMAT_N || w < 8 || h < 8 || w % 2 || h % 2) {
    fprintf (stderr, "insncount-detector: GRAY8 or NV12, an even size\n");
    return 2;
  }
  if (!strcmp (argv[1], "render"))
    return render (format, w, h, atoi (argv[5]), argv[6]);
  kernels = meteor_kernels_by_name (argv[1]);
  if (!kernels) {
    fprintf (stderr, "insncount-detector: no kernel set %s\n", argv[1]);
    return 2;
  }
  return detect (kernels, format, w, h, argv[5], atoi (argv[6]));
}
