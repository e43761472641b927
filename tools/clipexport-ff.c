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
    uint64_t counter, uint64_t start_ns, int *written, ClipFFWritten done,
    void *data, char *error, size_t error_len)
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
    if (done)
      done (NULL, counter, meteor_ff_block_frames (b), data);
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
    if (done)
      done (path, counter, planes.summed, data);
    (*written)++;
  }
  free (path);
  meteor_ff_planes_clear (&planes);
  return ret;
}

/* a frame of one of the clips */
typedef struct {
  uint64_t id;
  size_t clip, index;
} FrameRef;

static int
by_id (const void *a, const void *b)
{
  uint64_t x = ((const FrameRef *)a)->id, y = ((const FrameRef *)b)->id;
  return x < y ? -1 : x > y;
}

/* the frames of @clips with ids in [@first, @last], in id order */
static FrameRef *
frames_in (
    TierClip **clips, size_t n_clips, uint64_t first, uint64_t last, size_t *n)
{
  size_t c, i, total = 0;
  FrameRef *refs;

  for (c = 0; c < n_clips; c++)
    total += clips[c]->n_frames;
  refs = malloc ((total ? total : 1) * sizeof *refs);
  if (refs == NULL)
    abort ();
  *n = 0;
  for (c = 0; c < n_clips; c++)
    for (i = 0; i < clips[c]->n_frames; i++) {
      uint64_t id = clips[c]->frames[i].frame_id;
      if (id >= first && id <= last)
        refs[(*n)++] = (FrameRef){ id, c, i };
    }
  qsort (refs, *n, sizeof *refs, by_id);
  return refs;
}

int
clip_export_ff (TierClip **clips, size_t n_clips, const ClipVideo *v,
    uint64_t first_id, uint64_t last_id, const char *dir, const char *station,
    ClipFFWritten done, void *data, char *error, size_t error_len)
{
  double fps = clip_fps (clips[0], v);
  MeteorFFBlock *b;
  uint8_t *buf = NULL, *luma;
  uint64_t counter = 0, start_ns = 0;
  int written = 0, ret = 0;
  size_t i, n;
  FrameRef *refs = frames_in (clips, n_clips, first_id, last_id, &n);

  if (n == 0 || fps <= 0) {
    snprintf (error, error_len, "clip %s: %s", clips[0]->path,
        n ? "no frame rate in its caps nor its timestamps" : "no frames");
    free (refs);
    return -1;
  }
  b = meteor_ff_block_new ((int)v->width, (int)v->height);
  luma = malloc ((size_t)v->width * v->height);
  if (luma == NULL)
    abort ();
  for (i = 0; i < n && ret == 0; i++) {
    TierClip *clip = clips[refs[i].clip];
    uint64_t id = refs[i].id;
    unsigned index = (unsigned)(id % METEOR_FF_FRAMES);

    if (meteor_ff_block_frames (b) > 0 && id - index != counter) {
      ret = flush_block (b, dir, station, fps, counter, start_ns, &written,
          done, data, error, error_len);
      meteor_ff_block_reset (b);
    }
    if (i == 0 || refs[i].clip != refs[i - 1].clip) {
      free (buf);
      buf = clip_frame_buffer (clip);
    }
    if (ret < 0 || clip_read_luma (clip, v, refs[i].index, buf, luma, error,
                       error_len) < 0) {
      ret = -1;
      break;
    }
    if (meteor_ff_block_frames (b) == 0)
      start_ns = meteor_ff_block_start (
          id, clip->frames[refs[i].index].utc_ns, fps, &counter);
    if (meteor_ff_block_add_at (b, luma, v->width, index) < 0) {
      snprintf (error, error_len, "clip %s: frame id %" PRIu64 " twice",
          clip->path, id);
      ret = -1;
    }
  }
  if (ret == 0 && meteor_ff_block_frames (b) > 0)
    ret = flush_block (b, dir, station, fps, counter, start_ns, &written, done,
        data, error, error_len);
  meteor_ff_block_free (b);
  free (refs);
  free (buf);
  free (luma);
  return ret < 0 ? -1 : written;
}
