/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a clip as RMS FF blocks (meteor-clip export --ff). */
#include "clipexport.h"
#include "ffblock.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* frames a second: the caps', else the timestamps' */
static double
clip_fps (TierClip *clip, const ClipVideo *v)
{
  uint64_t t0, t1;

  if (v->fps_n > 0 && v->fps_d > 0)
    return (double)v->fps_n / v->fps_d;
  if (clip->n_frames < 2)
    return 0;
  t0 = clip->frames[0].utc_ns;
  t1 = clip->frames[clip->n_frames - 1].utc_ns;
  return t1 > t0 ? (clip->n_frames - 1) * 1e9 / (double)(t1 - t0) : 0;
}

/* Writes the block @b holds (its first frame id @counter, started at
 * @start_ns); fewer than 3 frames are left out. */
static int
flush_block (MeteorFFBlock *b, const char *dir, const char *station, double fps,
    uint64_t counter, uint64_t start_ns, int *written, char *error,
    size_t error_len)
{
  MeteorFFPlanes planes;
  MeteorFFHeader h = { .fps = fps,
    .counter = counter,
    .first = counter + METEOR_FF_FRAMES,
    .start_ns = start_ns };
  char name[128], *path;
  size_t len;
  int ret;

  if (meteor_ff_block_planes (b, &planes) < 0) {
    printf ("meteor-clip: frames %" PRIu64 "..: %u of the clip's, too few for "
            "a block\n",
        counter, meteor_ff_block_frames (b));
    return 0;
  }
  snprintf (h.station, sizeof h.station, "%s", station);
  meteor_ff_file_name (station, start_ns, counter, name, sizeof name);
  len = strlen (dir) + strlen (name) + 2;
  path = malloc (len);
  if (path == NULL)
    abort ();
  snprintf (path, len, "%s/%s", dir, name);
  ret = meteor_ff_write (path, &planes, &h, error, error_len);
  if (ret == 0) {
    printf ("meteor-clip: %s: %u frames\n", path, planes.summed);
    (*written)++;
  }
  free (path);
  meteor_ff_planes_clear (&planes);
  return ret;
}

int
clip_export_ff (TierClip *clip, const ClipVideo *v, const char *dir,
    const char *station, char *error, size_t error_len)
{
  double fps = clip_fps (clip, v);
  MeteorFFBlock *b;
  uint8_t *buf, *luma;
  uint64_t counter = 0, start_ns = 0;
  int written = 0, ret = 0;
  size_t i;

  if (clip->n_frames == 0 || fps <= 0) {
    snprintf (error, error_len, "clip %s: %s", clip->path,
        clip->n_frames ? "no frame rate in its caps nor its timestamps"
                       : "no frames");
    return -1;
  }
  b = meteor_ff_block_new ((int)v->width, (int)v->height);
  buf = clip_frame_buffer (clip);
  luma = malloc ((size_t)v->width * v->height);
  if (luma == NULL)
    abort ();
  for (i = 0; i < clip->n_frames && ret == 0; i++) {
    uint64_t id = clip->frames[i].frame_id;
    unsigned index = (unsigned)(id % METEOR_FF_FRAMES);

    if (meteor_ff_block_frames (b) > 0 && id - index != counter) {
      ret = flush_block (
          b, dir, station, fps, counter, start_ns, &written, error, error_len);
      meteor_ff_block_reset (b);
    }
    if (ret < 0 ||
        clip_read_luma (clip, v, i, buf, luma, error, error_len) < 0) {
      ret = -1;
      break;
    }
    if (meteor_ff_block_frames (b) == 0) {
      counter = id - index;
      /* the block's frame 0, where the station's clock put it */
      start_ns = clip->frames[i].utc_ns - (uint64_t)(index * 1e9 / fps);
    }
    if (meteor_ff_block_add_at (b, luma, v->width, index) < 0) {
      snprintf (error, error_len,
          "clip %s: frame id %" PRIu64 " comes after a later one", clip->path,
          id);
      ret = -1;
    }
  }
  if (ret == 0 && meteor_ff_block_frames (b) > 0)
    ret = flush_block (
        b, dir, station, fps, counter, start_ns, &written, error, error_len);
  meteor_ff_block_free (b);
  free (buf);
  free (luma);
  return ret < 0 ? -1 : written;
}
