/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: caps parsing, pixel access and the y4m/PNG/FITS writers of
 * meteor-clip. */
#include "clipexport.h"

#include "pngwrite.h"

#include <errno.h>
#include <fitsio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      snprintf (error, error_len, __VA_ARGS__);                                \
      goto fail;                                                               \
    }                                                                          \
  } while (0)

#define RU2(x) (((x) + 1) & ~1u)
#define RU4(x) (((x) + 3) & ~3u)

/* The value of field @key in @caps, without its (type) and quotes. */
static int
caps_field (const char *caps, const char *key, char *out, size_t len)
{
  const char *p = caps;
  size_t klen = strlen (key), n = 0;

  while ((p = strstr (p, key)) != NULL) {
    const char *before = p == caps ? "," : p - 1;
    p += klen;
    if ((*before == ',' || *before == ' ') && *p == '=')
      break;
  }
  if (p == NULL)
    return -1;
  p++;
  while (*p == ' ')
    p++;
  if (*p == '(') {
    p = strchr (p, ')');
    if (p == NULL)
      return -1;
    p++;
  }
  while (*p == ' ' || *p == '"')
    p++;
  while (*p && *p != ',' && *p != ';' && *p != '"' && n + 1 < len)
    out[n++] = *p++;
  while (n > 0 && out[n - 1] == ' ')
    n--;
  out[n] = '\0';
  return n ? 0 : -1;
}

int
clip_video_parse (const char *caps, uint32_t n_planes, const uint64_t *offset,
    const uint32_t *stride, ClipVideo *v, char *error, size_t error_len)
{
  char val[64];
  int format;
  uint32_t w, h, cw, ch, j;
  uint32_t plane_h[TIER_CLIP_MAX_PLANES] = { 0 };
  uint64_t row[TIER_CLIP_MAX_PLANES] = { 0 }; /* bytes a row of a plane */

  memset (v, 0, sizeof *v);
  v->fps_d = 1;
  if (strncmp (caps, "video/x-raw", 11) != 0) {
    snprintf (error, error_len, "not raw video: \"%.80s\"", caps);
    return -1;
  }
  if (caps_field (caps, "format", val, sizeof val) < 0) {
    snprintf (error, error_len, "no format in \"%.80s\"", caps);
    return -1;
  }
  if ((format = meteor_format_from_name (val)) < 0) {
    snprintf (error, error_len, "format %s is not supported (%s are)", val,
        METEOR_FORMATS_CAPS);
    return -1;
  }
  v->format = (MeteorFormat)format;
  v->name = meteor_format_name (v->format);
  if (caps_field (caps, "width", val, sizeof val) < 0 ||
      (w = (uint32_t)strtoul (val, NULL, 10)) == 0 ||
      caps_field (caps, "height", val, sizeof val) < 0 ||
      (h = (uint32_t)strtoul (val, NULL, 10)) == 0 || w > 65536 || h > 65536) {
    snprintf (error, error_len, "no usable width/height in \"%.80s\"", caps);
    return -1;
  }
  v->width = w;
  v->height = h;
  if (caps_field (caps, "framerate", val, sizeof val) == 0 &&
      sscanf (val, "%d/%d", &v->fps_n, &v->fps_d) != 2) {
    v->fps_n = 0;
    v->fps_d = 1;
  }
  if (v->fps_n <= 0 || v->fps_d <= 0) {
    v->fps_n = 0;
    v->fps_d = 1;
  }
  cw = RU2 (w) / 2;
  ch = RU2 (h) / 2;
  /* GStreamer's default layout (gst_video_info_set_format) */
  v->n_planes = 1;
  plane_h[0] = h;
  switch (v->format) {
    case METEOR_FORMAT_GRAY8:
      v->stride[0] = RU4 (w);
      row[0] = w;
      break;
    case METEOR_FORMAT_GRAY16_LE:
      v->stride[0] = RU4 (w * 2);
      row[0] = (uint64_t)w * 2;
      break;
    case METEOR_FORMAT_RGB:
    case METEOR_FORMAT_BGR:
      v->stride[0] = RU4 (w * 3);
      row[0] = (uint64_t)w * 3;
      break;
    case METEOR_FORMAT_RGBx:
    case METEOR_FORMAT_BGRx:
      v->stride[0] = w * 4;
      row[0] = (uint64_t)w * 4;
      break;
    case METEOR_FORMAT_YUY2:
      v->stride[0] = RU4 (w * 2);
      row[0] = (uint64_t)cw * 4; /* Y0 U Y1 V per pair of pixels */
      break;
    case METEOR_FORMAT_I420:
      v->n_planes = 3;
      v->stride[0] = RU4 (w);
      v->stride[1] = v->stride[2] = RU4 (cw);
      v->offset[1] = (uint64_t)v->stride[0] * RU2 (h);
      v->offset[2] = v->offset[1] + (uint64_t)v->stride[1] * ch;
      plane_h[1] = plane_h[2] = ch;
      row[0] = w;
      row[1] = row[2] = cw;
      break;
    case METEOR_FORMAT_NV12:
      v->n_planes = 2;
      v->stride[0] = v->stride[1] = RU4 (w);
      v->offset[1] = (uint64_t)v->stride[0] * RU2 (h);
      plane_h[1] = ch;
      row[0] = w;
      row[1] = (uint64_t)cw * 2;
      break;
    case METEOR_FORMAT_N: /* parsed above: never */
      break;
  }
  if (n_planes) {
    if (n_planes != v->n_planes) {
      snprintf (error, error_len, "%s has %u planes, the clip's layout %u",
          v->name, v->n_planes, n_planes);
      return -1;
    }
    for (j = 0; j < n_planes; j++) {
      /* a layout from a file: every row of every plane must lie within
       * offset + stride * rows, which the frame size is checked against */
      if (stride[j] < row[j] || offset[j] > ((uint64_t)1 << 40)) {
        snprintf (error, error_len,
            "plane %u of %s %ux%u: offset %" PRIu64 " and stride %u are not "
            "a layout (a row takes %" PRIu64 " bytes)",
            j, v->name, w, h, offset[j], stride[j], row[j]);
        return -1;
      }
      v->offset[j] = offset[j];
      v->stride[j] = stride[j];
    }
  }
  for (j = 0; j < v->n_planes; j++) {
    uint64_t end = v->offset[j] + (uint64_t)v->stride[j] * plane_h[j];
    if (end > v->size)
      v->size = end;
  }
  return 0;
}

static uint8_t
clamp8 (double x)
{
  return x <= 0 ? 0 : x >= 255 ? 255 : (uint8_t)(x + 0.5);
}

void
clip_yuv_to_rgb (int y, int u, int v, uint8_t rgb[3])
{
  double c = 1.164383 * (y - 16);

  rgb[0] = clamp8 (c + 1.596027 * (v - 128));
  rgb[1] = clamp8 (c - 0.391762 * (u - 128) - 0.812968 * (v - 128));
  rgb[2] = clamp8 (c + 2.017232 * (u - 128));
}

void
clip_rgb_to_yuv (const uint8_t rgb[3], uint8_t yuv[3])
{
  double r = rgb[0], g = rgb[1], b = rgb[2];

  yuv[0] = clamp8 (16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255);
  yuv[1] = clamp8 (128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255);
  yuv[2] = clamp8 (128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255);
}

/* ---- pixel access ---- */

static void
pixel_yuv (const ClipVideo *v, const uint8_t *f, uint32_t x, uint32_t y,
    uint8_t *Y, uint8_t *U, uint8_t *V)
{
  const uint8_t *p;

  switch (v->format) {
    case METEOR_FORMAT_I420:
      *Y = f[v->offset[0] + (uint64_t)y * v->stride[0] + x];
      *U = f[v->offset[1] + (uint64_t)(y / 2) * v->stride[1] + x / 2];
      *V = f[v->offset[2] + (uint64_t)(y / 2) * v->stride[2] + x / 2];
      break;
    case METEOR_FORMAT_NV12:
      *Y = f[v->offset[0] + (uint64_t)y * v->stride[0] + x];
      p = f + v->offset[1] + (uint64_t)(y / 2) * v->stride[1] + (x / 2) * 2;
      *U = p[0];
      *V = p[1];
      break;
    default: /* YUY2 */
      p = f + v->offset[0] + (uint64_t)y * v->stride[0] + (x / 2) * 4;
      *Y = p[(x & 1) * 2];
      *U = p[1];
      *V = p[3];
      break;
  }
}

static int
is_rgb (const ClipVideo *v)
{
  return meteor_format_info (v->format)->rgb;
}

static int
is_yuv (const ClipVideo *v)
{
  return meteor_format_info (v->format)->yuv;
}

static void
pixel_rgb (const ClipVideo *v, const uint8_t *f, uint32_t x, uint32_t y,
    uint8_t rgb[3])
{
  int bpp = (v->format == METEOR_FORMAT_RGB || v->format == METEOR_FORMAT_BGR)
                ? 3
                : 4;
  const uint8_t *p = f + v->offset[0] + (uint64_t)y * v->stride[0] + x * bpp;
  int swap = v->format == METEOR_FORMAT_BGR || v->format == METEOR_FORMAT_BGRx;
  uint8_t Y, U, V;

  if (is_yuv (v)) {
    pixel_yuv (v, f, x, y, &Y, &U, &V);
    clip_yuv_to_rgb (Y, U, V, rgb);
    return;
  }
  rgb[0] = p[swap ? 2 : 0];
  rgb[1] = p[1];
  rgb[2] = p[swap ? 0 : 2];
}

/* 8-bit luma of a grey or YUV frame */
static uint8_t
pixel_luma (const ClipVideo *v, const uint8_t *f, uint32_t x, uint32_t y)
{
  uint8_t Y, U, V;

  if (v->format == METEOR_FORMAT_GRAY8)
    return f[v->offset[0] + (uint64_t)y * v->stride[0] + x];
  pixel_yuv (v, f, x, y, &Y, &U, &V);
  return Y;
}

static uint16_t
pixel_gray16 (const ClipVideo *v, const uint8_t *f, uint32_t x, uint32_t y)
{
  const uint8_t *p = f + v->offset[0] + (uint64_t)y * v->stride[0] + x * 2;
  return (uint16_t)(p[0] | p[1] << 8);
}

/* Reads frame @i into @buf (v->size at least). */
static int
load (TierClip *clip, const ClipVideo *v, size_t i, uint8_t *buf, char *error,
    size_t error_len)
{
  if (clip->frames[i].size < v->size) {
    snprintf (error, error_len,
        "frame %" PRIu64 " has %zu bytes, %s %ux%u needs %zu",
        clip->frames[i].frame_id, clip->frames[i].size, v->name, v->width,
        v->height, v->size);
    return -1;
  }
  return tier_clip_read_frame (
      clip, i, buf, clip->frames[i].size, error, error_len);
}

static uint8_t *
frame_buffer (TierClip *clip)
{
  size_t i, max = 1;
  uint8_t *buf;

  for (i = 0; i < clip->n_frames; i++)
    if (clip->frames[i].size > max)
      max = clip->frames[i].size;
  buf = malloc (max);
  if (buf == NULL)
    abort ();
  return buf;
}

uint8_t *
clip_frame_buffer (TierClip *clip)
{
  return frame_buffer (clip);
}

int
clip_read_luma (TierClip *clip, const ClipVideo *v, size_t i, uint8_t *buf,
    uint8_t *luma, char *error, size_t error_len)
{
  uint32_t x, y;

  if (load (clip, v, i, buf, error, error_len) < 0)
    return -1;
  for (y = 0; y < v->height; y++)
    for (x = 0; x < v->width; x++) {
      uint8_t *o = luma + (size_t)y * v->width + x, rgb[3];

      if (v->format == METEOR_FORMAT_GRAY16_LE)
        *o = (uint8_t)(pixel_gray16 (v, buf, x, y) >> 8);
      else if (is_rgb (v)) { /* the luma meteordetect computes */
        pixel_rgb (v, buf, x, y, rgb);
        *o = (uint8_t)((77 * rgb[0] + 150 * rgb[1] + 29 * rgb[2] + 128) >> 8);
      } else
        *o = pixel_luma (v, buf, x, y);
    }
  return 0;
}

/* ---- y4m ---- */

int
clip_export_y4m (TierClip *clip, const ClipVideo *v, const char *path,
    char *error, size_t error_len)
{
  uint32_t w = v->width, h = v->height, x, y, cw, ch;
  uint8_t *buf = frame_buffer (clip), *row = NULL, *pl[3] = { 0 };
  const char *cs;
  FILE *f = NULL;
  int fps_n = v->fps_n, fps_d = v->fps_d, status = -1;
  size_t i;

  switch (v->format) {
    case METEOR_FORMAT_GRAY8:
      cs = "mono";
      break;
    case METEOR_FORMAT_GRAY16_LE:
      cs = "mono16";
      break;
    case METEOR_FORMAT_I420:
    case METEOR_FORMAT_NV12:
      cs = "420jpeg";
      break;
    case METEOR_FORMAT_YUY2:
      cs = "422";
      break;
    default:
      cs = "444";
      break;
  }
  if (fps_n == 0) {
    /* no framerate in the caps: from the timestamps, else 25 */
    fps_n = 25;
    if (clip->n_frames > 1 && clip->frames[0].pts_ns != TIER_TIME_NONE &&
        clip->frames[clip->n_frames - 1].pts_ns > clip->frames[0].pts_ns) {
      uint64_t span =
          clip->frames[clip->n_frames - 1].pts_ns - clip->frames[0].pts_ns;
      uint64_t num = (uint64_t)(clip->n_frames - 1) * 1000000000u, a = num,
               b = span, t;
      while (b) {
        t = a % b;
        a = b;
        b = t;
      }
      num /= a;
      span /= a;
      if (num <= INT32_MAX && span <= INT32_MAX) {
        fps_n = (int)num;
        fps_d = (int)span;
      }
    }
  }
  f = fopen (path, "wb");
  CHECK (f != NULL, "cannot create %s: %s", path, strerror (errno));
  fprintf (f, "YUV4MPEG2 W%u H%u F%d:%d Ip A1:1 C%s\n", w, h, fps_n, fps_d, cs);
  cw = v->format == METEOR_FORMAT_I420 || v->format == METEOR_FORMAT_NV12 ||
               v->format == METEOR_FORMAT_YUY2
           ? (w + 1) / 2
           : w;
  ch = v->format == METEOR_FORMAT_I420 || v->format == METEOR_FORMAT_NV12
           ? (h + 1) / 2
           : h;
  row = malloc ((size_t)w * 2 + 16);
  for (x = 0; x < 3; x++)
    pl[x] = malloc ((size_t)w * h + 16);
  if (row == NULL || !pl[0] || !pl[1] || !pl[2])
    abort ();
  for (i = 0; i < clip->n_frames; i++) {
    if (load (clip, v, i, buf, error, error_len) < 0)
      goto fail;
    fputs ("FRAME\n", f);
    if (v->format == METEOR_FORMAT_GRAY16_LE) {
      for (y = 0; y < h; y++) {
        for (x = 0; x < w; x++) {
          uint16_t s = pixel_gray16 (v, buf, x, y);
          row[2 * x] = s & 0xff;
          row[2 * x + 1] = s >> 8;
        }
        fwrite (row, 2, w, f);
      }
      continue;
    }
    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++) {
        uint8_t rgb[3], yuv[3];
        if (v->format == METEOR_FORMAT_GRAY8) {
          pl[0][(size_t)y * w + x] = pixel_luma (v, buf, x, y);
        } else if (is_rgb (v)) {
          pixel_rgb (v, buf, x, y, rgb);
          clip_rgb_to_yuv (rgb, yuv);
          pl[0][(size_t)y * w + x] = yuv[0];
          pl[1][(size_t)y * w + x] = yuv[1];
          pl[2][(size_t)y * w + x] = yuv[2];
        } else {
          uint8_t Y, U, V;
          pixel_yuv (v, buf, x, y, &Y, &U, &V);
          pl[0][(size_t)y * w + x] = Y;
          if ((x & 1) == 0 && (ch == h || (y & 1) == 0)) {
            size_t at = (size_t)(ch == h ? y : y / 2) * cw + x / 2;
            pl[1][at] = U;
            pl[2][at] = V;
          }
        }
      }
    fwrite (pl[0], 1, (size_t)w * h, f);
    if (v->format != METEOR_FORMAT_GRAY8) {
      fwrite (pl[1], 1, (size_t)cw * ch, f);
      fwrite (pl[2], 1, (size_t)cw * ch, f);
    }
  }
  CHECK (!ferror (f), "cannot write %s: %s", path, strerror (errno));
  status = 0;
fail:
  if (f && fclose (f) != 0 && status == 0) {
    snprintf (error, error_len, "cannot write %s: %s", path, strerror (errno));
    status = -1;
  }
  free (row);
  for (x = 0; x < 3; x++)
    free (pl[x]);
  free (buf);
  return status;
}

/* ---- PNG ---- */

int
clip_export_png (TierClip *clip, const ClipVideo *v, const char *dir,
    char *error, size_t error_len)
{
  uint32_t w = v->width, h = v->height, x, y;
  int channels =
      (v->format == METEOR_FORMAT_GRAY8 || v->format == METEOR_FORMAT_GRAY16_LE)
          ? 1
          : 3;
  int depth = v->format == METEOR_FORMAT_GRAY16_LE ? 16 : 8;
  size_t stride = (size_t)w * channels * depth / 8, i;
  uint8_t *buf = frame_buffer (clip), *img = malloc (stride * h);
  char path[4300];
  int status = -1;

  if (img == NULL)
    abort ();
  for (i = 0; i < clip->n_frames; i++) {
    if (load (clip, v, i, buf, error, error_len) < 0)
      goto fail;
    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++) {
        uint8_t *o = img + y * stride + (size_t)x * channels * depth / 8;
        if (v->format == METEOR_FORMAT_GRAY16_LE) {
          uint16_t s = pixel_gray16 (v, buf, x, y);
          o[0] = s >> 8;
          o[1] = s & 0xff;
        } else if (channels == 1)
          o[0] = pixel_luma (v, buf, x, y);
        else
          pixel_rgb (v, buf, x, y, o);
      }
    snprintf (path, sizeof path, "%s/frame-%06" PRIu64 ".png", dir,
        clip->frames[i].frame_id);
    if (meteor_png_write (
            path, w, h, channels, depth, img, stride, error, error_len) < 0)
      goto fail;
  }
  status = 0;
fail:
  free (img);
  free (buf);
  return status;
}

static void
utc_iso (uint64_t ns, char *out, size_t len)
{
  time_t s = (time_t)(ns / 1000000000u);
  struct tm tm;

  gmtime_r (&s, &tm);
  snprintf (out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06u", tm.tm_year + 1900,
      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
      (unsigned)(ns % 1000000000u / 1000));
}

/* A cfitsio call that failed: its message, the file removed (nothing
 * half-written is left). */
static int
fits_fail (
    fitsfile *f, int status, const char *path, char *error, size_t error_len)
{
  char text[FLEN_STATUS];
  int ignored = 0;

  fits_get_errstatus (status, text);
  snprintf (error, error_len, "cannot write %s: %s", path, text);
  if (f)
    fits_delete_file (f, &ignored);
  else
    unlink (path);
  return -1;
}

int
clip_export_fits (TierClip *clip, const ClipVideo *v, const char *path,
    char *error, size_t error_len)
{
  uint32_t w = v->width, h = v->height, x, y, c, planes = is_rgb (v) ? 3 : 1;
  int d16 = v->format == METEOR_FORMAT_GRAY16_LE, status = 0;
  long naxes[4] = { w, h, planes, (long)clip->n_frames };
  LONGLONG plane = (LONGLONG)w * h, first = 1;
  uint8_t *buf, *img8;
  uint16_t *img16;
  char when[64], text[100];
  fitsfile *f = NULL;
  size_t i;

  if (clip->n_frames == 0) {
    snprintf (error, error_len, "clip %s has no frames", clip->path);
    return -1;
  }
  if (planes == 1)
    naxes[2] = naxes[3];
  /* fits_create_diskfile: the name is a plain path, not cfitsio's
   * extended syntax; it does not replace a file, so remove it first */
  if (unlink (path) < 0 && errno != ENOENT) {
    snprintf (
        error, error_len, "cannot replace %s: %s", path, strerror (errno));
    return -1;
  }
  fits_create_diskfile (&f, (char *)path, &status);
  fits_create_img (
      f, d16 ? USHORT_IMG : BYTE_IMG, planes == 3 ? 4 : 3, naxes, &status);
  fits_update_key_str (f, "ORIGIN", "gst-meteor", "meteor-clip", &status);
  fits_update_key_longstr (f, "OBJECT", clip->name, "clip name", &status);
  fits_update_key_str (f, "PIXFMT", v->name,
      is_yuv (v) ? "source format (luma only here)" : "source format", &status);
  utc_iso (clip->frames[0].utc_ns, when, sizeof when);
  fits_update_key_str (f, "DATE-OBS", when, "UTC of the first frame", &status);
  utc_iso (clip->frames[clip->n_frames - 1].utc_ns, when, sizeof when);
  fits_update_key_str (f, "DATE-END", when, "UTC of the last frame", &status);
  fits_update_key_lng (f, "FRAME0", (LONGLONG)clip->frames[0].frame_id,
      "frame_id of the first frame", &status);
  fits_update_key_lng (f, "FRAME1",
      (LONGLONG)clip->frames[clip->n_frames - 1].frame_id,
      "frame_id of the last frame", &status);
  snprintf (text, sizeof text, "frames are %s; the first row is the bottom one",
      v->name);
  fits_write_comment (f, text, &status);
  if (status)
    return fits_fail (f, status, path, error, error_len);

  buf = frame_buffer (clip);
  img8 = malloc ((size_t)plane * (d16 ? 2 : 1));
  img16 = (uint16_t *)img8;
  if (img8 == NULL)
    abort ();
  for (i = 0; i < clip->n_frames && status == 0; i++) {
    if (load (clip, v, i, buf, error, error_len) < 0) {
      free (img8);
      free (buf);
      fits_delete_file (f, &status);
      return -1;
    }
    for (c = 0; c < planes && status == 0; c++) {
      /* FITS rows go up: the image's bottom row first */
      for (y = 0; y < h; y++)
        for (x = 0; x < w; x++) {
          size_t o = (size_t)(h - 1 - y) * w + x;
          if (d16)
            img16[o] = pixel_gray16 (v, buf, x, y);
          else if (planes == 3) {
            uint8_t rgb[3];
            pixel_rgb (v, buf, x, y, rgb);
            img8[o] = rgb[c];
          } else
            img8[o] = pixel_luma (v, buf, x, y);
        }
      fits_write_img (f, d16 ? TUSHORT : TBYTE, first, plane, img8, &status);
      first += plane;
    }
  }
  free (img8);
  free (buf);
  if (status)
    return fits_fail (f, status, path, error, error_len);
  fits_close_file (f, &status);
  if (status)
    return fits_fail (NULL, status, path, error, error_len);
  return 0;
}

void
clip_print_info (TierClip *clip, FILE *out, int frames)
{
  char a[64], b[64];
  size_t i, j;

  fprintf (out, "clip:      %s\npath:      %s\nformat:    %s\n", clip->name,
      clip->path, clip->format);
  fprintf (out, "frames:    %zu (%" PRIu64 " bytes raw)\n", clip->n_frames,
      clip->raw_bytes);
  if (clip->n_frames) {
    utc_iso (clip->frames[0].utc_ns, a, sizeof a);
    utc_iso (clip->frames[clip->n_frames - 1].utc_ns, b, sizeof b);
    fprintf (out,
        "frame ids: %" PRIu64 " .. %" PRIu64 "\nutc:       %sZ .. %sZ\n",
        clip->frames[0].frame_id, clip->frames[clip->n_frames - 1].frame_id, a,
        b);
  }
  fprintf (out, "detection: %s\n", clip->detection);
  for (i = 0; frames && i < clip->n_frames; i++) {
    const TierClipFrame *f = &clip->frames[i];
    utc_iso (f->utc_ns, a, sizeof a);
    fprintf (out, "  frame %" PRIu64 " utc %sZ pts ", f->frame_id, a);
    if (f->pts_ns == TIER_TIME_NONE)
      fprintf (out, "none");
    else
      fprintf (out, "%" PRIu64, f->pts_ns);
    fprintf (out, " size %zu meta ", f->size);
    for (j = 0; j < f->meta_len; j++)
      fprintf (out, "%02x", f->meta[j]);
    fprintf (out, "\n");
  }
}
