/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: synthetic sky: pixel formats and the truth as JSON (pure C,
 * json-glib) */
#include "skyrender-private.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

/* ------------------------------------------------------ composition */

static inline uint8_t
to8 (float v)
{
  v += 0.5f;
  return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)v;
}

static inline uint16_t
to16 (float v)
{
  v = v * 256.0f + 0.5f;
  return v <= 0 ? 0 : v >= 65535 ? 65535 : (uint16_t)v;
}

void
sky_write_row (const SkyImage *img, int y, const float *row, int w)
{
  int x;

  switch (img->format) {
    case METEOR_FORMAT_GRAY8:
    case METEOR_FORMAT_I420:
    case METEOR_FORMAT_NV12: {
      uint8_t *d = img->planes[0] + (size_t)y * img->strides[0];
      for (x = 0; x < w; x++)
        d[x] = to8 (row[x]);
      break;
    }
    case METEOR_FORMAT_GRAY16_LE: {
      uint8_t *d = img->planes[0] + (size_t)y * img->strides[0];
      for (x = 0; x < w; x++) {
        uint16_t v = to16 (row[x]);
        d[2 * x] = (uint8_t)(v & 0xff);
        d[2 * x + 1] = (uint8_t)(v >> 8);
      }
      break;
    }
    case METEOR_FORMAT_YUY2: { /* Y0 U Y1 V, neutral chroma */
      uint8_t *d = img->planes[0] + (size_t)y * img->strides[0];
      for (x = 0; x < w; x++) {
        d[2 * x] = to8 (row[x]);
        d[2 * x + 1] = 128;
      }
      break;
    }
    case METEOR_FORMAT_RGB:
    case METEOR_FORMAT_BGR: {
      uint8_t *d = img->planes[0] + (size_t)y * img->strides[0];
      for (x = 0; x < w; x++)
        d[3 * x] = d[3 * x + 1] = d[3 * x + 2] = to8 (row[x]);
      break;
    }
    case METEOR_FORMAT_RGBx:
    case METEOR_FORMAT_BGRx: {
      uint8_t *d = img->planes[0] + (size_t)y * img->strides[0];
      for (x = 0; x < w; x++) {
        d[4 * x] = d[4 * x + 1] = d[4 * x + 2] = to8 (row[x]);
        d[4 * x + 3] = 0xff;
      }
      break;
    }
    default:
      break;
  }
}

/* One pixel of @v DN (a hot pixel) at (x, y), over what the row wrote. */
void
sky_write_pixel (const SkyImage *img, int x, int y, float v)
{
  switch (img->format) {
    case METEOR_FORMAT_GRAY16_LE: {
      uint16_t q = to16 (v);
      uint8_t *d = img->planes[0] + (size_t)y * img->strides[0] + 2 * x;
      d[0] = (uint8_t)(q & 0xff);
      d[1] = (uint8_t)(q >> 8);
      break;
    }
    default: {
      const MeteorFormatInfo *info = meteor_format_info (img->format);
      uint8_t *d = img->planes[0] + (size_t)y * img->strides[0] +
                   (size_t)info->pixel_bytes * x;
      d[0] = to8 (v);
      if (info->rgb)
        d[1] = d[2] = d[0];
      break;
    }
  }
}

/* A gray sky: neutral chroma. */
void
sky_write_chroma (const SkyImage *img, int w, int h)
{
  int cw = (w + 1) / 2, ch = (h + 1) / 2, y;

  if (img->format == METEOR_FORMAT_I420) {
    for (y = 0; y < ch; y++) {
      memset (img->planes[1] + (size_t)y * img->strides[1], 128, cw);
      memset (img->planes[2] + (size_t)y * img->strides[2], 128, cw);
    }
  } else if (img->format == METEOR_FORMAT_NV12) {
    for (y = 0; y < ch; y++)
      memset (img->planes[1] + (size_t)y * img->strides[1], 128, 2 * cw);
  }
}
/* ----------------------------------------------------- text formats */

/* The truth file's lines, built with json-glib: its generator writes
 * doubles with g_ascii_dtostr, a '.' whatever the locale. */

static char *
to_line (JsonBuilder *b)
{
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autoptr (JsonGenerator) gen = json_generator_new ();

  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

static void
add_int (JsonBuilder *b, const char *key, int64_t v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, v);
}

static void
add_double (JsonBuilder *b, const char *key, double v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_double_value (b, v);
}

static void
add_string (JsonBuilder *b, const char *key, const char *v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, v);
}

char *
sky_config_to_json (const SkyConfig *c)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_string (b, "kind", "sky");
  /* JSON numbers are gint64 in json-glib: a seed above G_MAXINT64 comes
   * out as its two's complement, negative */
  add_int (b, "seed", (int64_t)c->seed);
  add_int (b, "width", c->width);
  add_int (b, "height", c->height);
  add_double (b, "fps", c->fps);
  add_double (b, "plate-scale", c->plate_scale);
  add_double (b, "noise", c->noise);
  add_double (b, "sky-level", c->sky_level);
  add_double (b, "star-density", c->star_density);
  add_double (b, "twinkle", c->twinkle);
  add_double (b, "vignetting", c->vignetting);
  add_int (b, "hot-pixels", c->hot_pixels);
  add_double (b, "meteor-rate", c->meteor_rate);
  add_double (b, "fireball-rate", c->fireball_rate);
  add_double (b, "plane-rate", c->plane_rate);
  add_double (b, "satellite-rate", c->satellite_rate);
  add_double (b, "flash-rate", c->flash_rate);
  add_double (b, "cloud-cover", c->cloud_cover);
  add_double (b, "transparency", c->transparency);
  add_double (b, "blur", c->blur);
  json_builder_end_object (b);
  return to_line (b);
}

/* A measurement to the hundredth, as the truth has always been given
 * (+ 0.0: no "-0.0" for a small negative value) */
static void
add_centi (JsonBuilder *b, const char *key, double v)
{
  add_double (b, key, round (v * 100) / 100 + 0.0);
}

char *
sky_truth_to_json (const SkyTruth *t)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_string (b, "kind", sky_kind_name (t->kind));
  add_int (b, "id", t->id);
  add_int (b, "first-frame", (int64_t)t->first_frame);
  add_int (b, "last-frame", (int64_t)t->last_frame);
  add_centi (b, "x0", t->x0);
  add_centi (b, "y0", t->y0);
  add_centi (b, "x1", t->x1);
  add_centi (b, "y1", t->y1);
  add_centi (b, "peak", t->peak);
  add_centi (b, "snr", t->snr);
  add_centi (b, "speed-px-s", t->speed);
  json_builder_end_object (b);
  return to_line (b);
}

char *
sky_end_to_json (uint64_t frames)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_string (b, "kind", "end");
  add_int (b, "frames", (int64_t)frames);
  json_builder_end_object (b);
  return to_line (b);
}
