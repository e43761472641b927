/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: what meteor-clip does with a tieredsink clip, as functions
 * (tested by tests/tier/test-clip.c): read the caps string, find the
 * pixels, write y4m, PNG or FITS. No GStreamer. */
#ifndef __METEOR_CLIPEXPORT_H__
#define __METEOR_CLIPEXPORT_H__

#include "meteorformat.h"

#include "clipstore.h"

#include <stdio.h>

/* A raw video format and where its planes are in a frame. */
typedef struct {
  MeteorFormat format;
  const char *name; /* GStreamer's name of the format */
  uint32_t width, height;
  int fps_n, fps_d; /* 0/1 when the caps have no framerate */
  uint32_t n_planes;
  uint64_t offset[TIER_CLIP_MAX_PLANES];
  uint32_t stride[TIER_CLIP_MAX_PLANES];
  size_t size; /* bytes a frame needs at least */
} ClipVideo;

/* Reads @caps (a GStreamer caps string of video/x-raw); the plane layout
 * is GStreamer's default one unless @n_planes gives it. */
int clip_video_parse (const char *caps, uint32_t n_planes,
    const uint64_t *offset, const uint32_t *stride, ClipVideo *v, char *error,
    size_t error_len);

/* Y'CbCr (BT.601, limited range) <-> RGB, rounded and clamped. */
void clip_yuv_to_rgb (int y, int u, int v, uint8_t rgb[3]);
void clip_rgb_to_yuv (const uint8_t rgb[3], uint8_t yuv[3]);

/* The whole clip as YUV4MPEG2: GRAY8 -> Cmono, GRAY16_LE -> Cmono16,
 * I420/NV12 -> C420jpeg, YUY2 -> C422 (all lossless); RGB, BGR, RGBx,
 * BGRx -> C444 converted with BT.601 limited range (lossy by rounding). */
int clip_export_y4m (TierClip *clip, const ClipVideo *v, const char *path,
    char *error, size_t error_len);
/* One PNG a frame, @dir/frame-<frame_id>.png: GRAY8 8-bit grey, GRAY16_LE
 * 16-bit grey, RGB formats 8-bit RGB (lossless); I420, NV12, YUY2 8-bit
 * RGB converted with BT.601 limited range (lossy). */
int clip_export_png (TierClip *clip, const ClipVideo *v, const char *dir,
    char *error, size_t error_len);
/* One FITS file, a cube of all frames, bottom row first (upright in FITS
 * viewers): GRAY8 BITPIX 8 (W x H x N), GRAY16_LE BITPIX 16 with BZERO
 * 32768 (lossless); RGB formats BITPIX 8 W x H x 3 x N (R, G, B planes);
 * I420, NV12, YUY2: their luma (Y) only, BITPIX 8. */
int clip_export_fits (TierClip *clip, const ClipVideo *v, const char *path,
    char *error, size_t error_len);
/* The clip's detections into an FTPdetectinfo file at @path (written
 * whole or not at all), each in the FF block of its first frame for
 * camera @station; needs GStreamer (clipexport-detections.c, built with it). */
int clip_export_ftpdetectinfo (TierClip *clip, const ClipVideo *v,
    const char *path, const char *station, char *error, size_t error_len);
/* The clip's calibrated detections as GDEF ECSV files in @dir, the
 * header's station, calibration and place from @where (its size from the
 * clip); also needs GStreamer. */
struct MeteorEcsvSource;
int clip_export_ecsv (TierClip *clip, const ClipVideo *v, const char *dir,
    const struct MeteorEcsvSource *where, char *error, size_t error_len);
/* A buffer for any frame of @clip (free() it). */
uint8_t *clip_frame_buffer (TierClip *clip);
/* Frame @i as 8-bit luma, width x height bytes into @luma: GRAY8 as it
 * is, GRAY16_LE's high byte, the Y of YUV formats, RGB's BT.601 luma (as
 * meteordetect computes it); @buf from clip_frame_buffer. */
int clip_read_luma (TierClip *clip, const ClipVideo *v, size_t i, uint8_t *buf,
    uint8_t *luma, char *error, size_t error_len);
/* Told of each block: its file (NULL: left out, too few frames), its
 * first frame id and the clip's frames in it. */
typedef void (*ClipFFWritten) (
    const char *path, uint64_t counter, unsigned frames, void *data);
/* RMS FF blocks into @dir (clipexport-ff.c) of the frames of @clips (of
 * one format, @v) with ids from @first_id to @last_id: the blocks are the
 * station's, frame ids 256 k to 256 k + 255, each named for @station and
 * the time of its frame 256 k; a block with fewer than 3 frames is left
 * out. Several clips: the frames of each block they share, together.
 * Returns the blocks written, or -1. */
int clip_export_ff (TierClip **clips, size_t n_clips, const ClipVideo *v,
    uint64_t first_id, uint64_t last_id, const char *dir, const char *station,
    ClipFFWritten done, void *data, char *error, size_t error_len);
/* Prints what the sidecar and the records say; @frames: one line a frame. */
void clip_print_info (TierClip *clip, FILE *out, int frames);

#endif /* __METEOR_CLIPEXPORT_H__ */
