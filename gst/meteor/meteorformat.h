/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the raw video formats, one vocabulary for the elements'
 * caps, the sky renderer, the detector and the clip exporter. Pure C
 * (no GStreamer): names are GStreamer's, so an element maps a
 * GstVideoFormat by its string. Not installed. */
#ifndef __METEOR_FORMAT_H__
#define __METEOR_FORMAT_H__

#include <string.h>

/* Every format the elements take, as a caps list (meteorpool,
 * meteordetect); meteorsky renders each of them. */
#define METEOR_FORMATS_CAPS                                                    \
  "{ GRAY8, GRAY16_LE, I420, NV12, YUY2, RGB, BGR, RGBx, BGRx }"

typedef enum {
  METEOR_FORMAT_GRAY8,
  METEOR_FORMAT_GRAY16_LE,
  METEOR_FORMAT_I420, /* Y, then U and V planes at half size */
  METEOR_FORMAT_NV12, /* Y, then interleaved UV at half size */
  METEOR_FORMAT_YUY2, /* packed Y0 U Y1 V */
  METEOR_FORMAT_RGB,
  METEOR_FORMAT_BGR,
  METEOR_FORMAT_RGBx,
  METEOR_FORMAT_BGRx,
  METEOR_FORMAT_N
} MeteorFormat;

typedef struct {
  const char *name;                /* GStreamer's */
  unsigned pixel_bytes;            /* in the first plane */
  unsigned luma_plane : 1;         /* the first plane is 8-bit luma as it is */
  unsigned rgb : 1;                /* packed RGB, in pixel_bytes (3 or 4) */
  unsigned bgr : 1;                /* ... blue first */
  unsigned yuv : 1;                /* has chroma */
  unsigned half_height_chroma : 1; /* 4:2:0 */
} MeteorFormatInfo;

static inline const MeteorFormatInfo *
meteor_format_info (MeteorFormat format)
{
  static const MeteorFormatInfo info[METEOR_FORMAT_N] = {
    [METEOR_FORMAT_GRAY8] = { .name = "GRAY8",
        .pixel_bytes = 1,
        .luma_plane = 1 },
    [METEOR_FORMAT_GRAY16_LE] = { .name = "GRAY16_LE", .pixel_bytes = 2 },
    [METEOR_FORMAT_I420] = { .name = "I420",
        .pixel_bytes = 1,
        .luma_plane = 1,
        .yuv = 1,
        .half_height_chroma = 1 },
    [METEOR_FORMAT_NV12] = { .name = "NV12",
        .pixel_bytes = 1,
        .luma_plane = 1,
        .yuv = 1,
        .half_height_chroma = 1 },
    [METEOR_FORMAT_YUY2] = { .name = "YUY2", .pixel_bytes = 2, .yuv = 1 },
    [METEOR_FORMAT_RGB] = { .name = "RGB", .pixel_bytes = 3, .rgb = 1 },
    [METEOR_FORMAT_BGR] = { .name = "BGR",
        .pixel_bytes = 3,
        .rgb = 1,
        .bgr = 1 },
    [METEOR_FORMAT_RGBx] = { .name = "RGBx", .pixel_bytes = 4, .rgb = 1 },
    [METEOR_FORMAT_BGRx] = { .name = "BGRx",
        .pixel_bytes = 4,
        .rgb = 1,
        .bgr = 1 },
  };

  return (unsigned)format < METEOR_FORMAT_N ? &info[format] : NULL;
}

static inline const char *
meteor_format_name (MeteorFormat format)
{
  const MeteorFormatInfo *i = meteor_format_info (format);

  return i ? i->name : "unknown";
}

/* The format GStreamer calls @name, or -1. */
static inline int
meteor_format_from_name (const char *name)
{
  int f;

  for (f = 0; name && f < METEOR_FORMAT_N; f++)
    if (strcmp (meteor_format_info ((MeteorFormat)f)->name, name) == 0)
      return f;
  return -1;
}

#endif /* __METEOR_FORMAT_H__ */
