/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's record of a night, night.png and
 * night.json (pure C, json-glib, libpng through tools/pngwrite). */
#include "stationnight.h"

#include "stationbytes.h"

#include "pngwrite.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

G_DEFINE_QUARK (station - night - error - quark, station_night_error)

struct StationNight {
  gchar *station_id, *night_name;
  gdouble latitude, longitude, elevation;

  guint8 *image; /* max-pixel luma, width x height, NULL before a frame */
  guint width, height;
  guint64 frames_ignored;

  GArray *detections; /* StationDetection, clip owned */
  StationNightCounters counters;
};

StationNight *
station_night_new (const gchar *station_id, const gchar *night_name,
    gdouble latitude, gdouble longitude, gdouble elevation)
{
  StationNight *n = g_new0 (StationNight, 1);

  n->station_id = g_strdup (station_id);
  n->night_name = g_strdup (night_name);
  n->latitude = latitude;
  n->longitude = longitude;
  n->elevation = elevation;
  n->detections = g_array_new (FALSE, FALSE, sizeof (StationDetection));
  n->counters.canary_recall = -1;
  return n;
}

void
station_night_free (StationNight *n)
{
  guint i;

  if (n == NULL)
    return;
  for (i = 0; i < n->detections->len; i++)
    g_free ((gchar *)g_array_index (n->detections, StationDetection, i).clip);
  g_array_free (n->detections, TRUE);
  g_free (n->image);
  g_free (n->station_id);
  g_free (n->night_name);
  g_free (n);
}

/* inlined with a constant @step, so the planar case vectorises */
static inline void
max_row (guint8 *acc, const guint8 *row, guint width, guint step)
{
  guint x;

  for (x = 0; x < width; x++)
    acc[x] = MAX (acc[x], row[(gsize)x * step]);
}

void
station_night_add_frame (StationNight *n, const guint8 *luma, gsize stride,
    guint width, guint height, guint pixel_stride)
{
  guint y;

  g_return_if_fail (n != NULL && luma != NULL);
  g_return_if_fail (width > 0 && height > 0);
  g_return_if_fail (pixel_stride == 1 || pixel_stride == 2);
  g_return_if_fail (stride >= (gsize)width * pixel_stride);

  if (n->image == NULL) {
    n->image = g_malloc0 ((gsize)width * height);
    n->width = width;
    n->height = height;
  } else if (width != n->width || height != n->height) {
    n->frames_ignored++;
    return;
  }
  for (y = 0; y < height; y++) {
    guint8 *acc = n->image + (gsize)y * width;
    const guint8 *row = luma + (gsize)y * stride;

    if (pixel_stride == 1)
      max_row (acc, row, width, 1);
    else
      max_row (acc, row, width, 2);
  }
}

guint64
station_night_frames_ignored (const StationNight *n)
{
  return n->frames_ignored;
}

void
station_night_add_detection (StationNight *n, const StationDetection *d)
{
  StationDetection copy = *d;

  copy.clip = g_strdup (d->clip);
  g_array_append_val (n->detections, copy);
}

void
station_night_set_counters (StationNight *n, const StationNightCounters *c)
{
  n->counters = *c;
}

/* ---- night.png ---- */

#define FONT_W 5
#define FONT_H 7

/* 5x7 digits, a row a byte, the leftmost column in bit 4 */
static const guint8 digit_font[10][FONT_H] = {
  { 0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E },
  { 0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E },
  { 0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F },
  { 0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E },
  { 0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02 },
  { 0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E },
  { 0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E },
  { 0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 },
  { 0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E },
  { 0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C },
};

/* tracks alternate, so neighbouring ones can be told apart */
static const guint8 track_colours[][3] = {
  { 255, 0, 0 },   /* red: odd numbers */
  { 255, 255, 0 }, /* yellow: even numbers */
};

typedef struct {
  guint8 *rgb;
  gint width, height;
} Canvas;

static void
put_pixel (Canvas *c, gint x, gint y, const guint8 colour[3])
{
  guint8 *p;

  if (x < 0 || y < 0 || x >= c->width || y >= c->height)
    return;
  p = c->rgb + ((gsize)y * c->width + x) * 3;
  memcpy (p, colour, 3);
}

static void
fill_rect (Canvas *c, gint x, gint y, gint w, gint h, const guint8 colour[3])
{
  gint i, j;

  for (j = y; j < y + h; j++)
    for (i = x; i < x + w; i++)
      put_pixel (c, i, j, colour);
}

/* Liang-Barsky: cuts the segment to [xmin, xmax] x [ymin, ymax]; FALSE
 * when none of it is inside. */
static gboolean
clip_segment (gdouble *x0, gdouble *y0, gdouble *x1, gdouble *y1, gdouble xmin,
    gdouble ymin, gdouble xmax, gdouble ymax)
{
  gdouble dx = *x1 - *x0, dy = *y1 - *y0, t0 = 0, t1 = 1;
  const gdouble p[4] = { -dx, dx, -dy, dy };
  const gdouble q[4] = { *x0 - xmin, xmax - *x0, *y0 - ymin, ymax - *y0 };
  gint i;

  for (i = 0; i < 4; i++) {
    gdouble r;

    if (p[i] == 0) {
      if (q[i] < 0)
        return FALSE; /* parallel to this edge, and outside it */
      continue;
    }
    r = q[i] / p[i];
    if (p[i] < 0)
      t0 = MAX (t0, r);
    else
      t1 = MIN (t1, r);
  }
  if (t0 > t1)
    return FALSE;
  *x1 = *x0 + t1 * dx;
  *y1 = *y0 + t1 * dy;
  *x0 += t0 * dx;
  *y0 += t0 * dy;
  return TRUE;
}

/* a track to draw: coordinates that are numbers, and not so far out that
 * the arithmetic on them overflows (a bug upstream, not a meteor) */
static gboolean
track_is_sane (const StationDetection *d)
{
  return fabs (d->x0) < 1e9 && fabs (d->y0) < 1e9 && fabs (d->x1) < 1e9 &&
         fabs (d->y1) < 1e9;
}

/* A line two pixels wide: each step along the major axis sets the pixel
 * and its neighbour across the line. Clipped first, so a track far off
 * the image costs nothing to walk. */
static void
draw_track (Canvas *c, const StationDetection *d, const guint8 colour[3])
{
  gdouble x0 = d->x0, y0 = d->y0, x1 = d->x1, y1 = d->y1, dx, dy;
  gboolean flat;
  gint steps, i;

  if (!track_is_sane (d) ||
      !clip_segment (&x0, &y0, &x1, &y1, 0, 0, c->width - 1, c->height - 1))
    return;
  dx = x1 - x0;
  dy = y1 - y0;
  flat = fabs (dx) >= fabs (dy);
  steps = (gint)ceil (MAX (fabs (dx), fabs (dy)));
  for (i = 0; i <= steps; i++) {
    gdouble t = steps ? (gdouble)i / steps : 0;
    gint x = (gint)lround (x0 + t * dx), y = (gint)lround (y0 + t * dy);

    put_pixel (c, x, y, colour);
    put_pixel (c, x + !flat, y + flat, colour);
  }
}

/* whether the track (two pixels wide) runs through a w x h box at x, y */
static gboolean
track_crosses (const StationDetection *d, gint x, gint y, gint w, gint h)
{
  gdouble x0 = d->x0, y0 = d->y0, x1 = d->x1, y1 = d->y1;

  return track_is_sane (d) &&
         clip_segment (&x0, &y0, &x1, &y1, x - 1, y - 1, x + w, y + h);
}

/* Where a w x h label goes: off the track's start on the side away from
 * the track, inside the image; when the image's edge pushes it onto the
 * track, moved sideways (towards the middle) until it is off it. */
static void
place_label (const Canvas *c, const StationDetection *d, gint w, gint h,
    gint *x, gint *y)
{
  gdouble dx = d->x1 - d->x0, dy = d->y1 - d->y0, len = hypot (dx, dy);
  gdouble sx = CLAMP (isfinite (d->x0) ? d->x0 : 0, 0, c->width - 1);
  gdouble sy = CLAMP (isfinite (d->y0) ? d->y0 : 0, 0, c->height - 1);
  gdouble away = hypot (w, h) / 2 + 2, ux = M_SQRT1_2, uy = M_SQRT1_2;
  gdouble nx, ny, cx, cy;
  gint tries;

  if (isfinite (len) && len > 1e-6) {
    ux = dx / len;
    uy = dy / len;
  } /* else a point: the label goes up and to the left of it */
  nx = -uy;
  ny = ux;
  if (nx * (c->width / 2.0 - sx) + ny * (c->height / 2.0 - sy) < 0) {
    nx = -nx;
    ny = -ny;
  }
  cx = sx - ux * away;
  cy = sy - uy * away;
  for (tries = 0;; tries++) {
    *x = CLAMP ((gint)lround (cx - w / 2.0), 0, MAX (0, c->width - w));
    *y = CLAMP ((gint)lround (cy - h / 2.0), 0, MAX (0, c->height - h));
    if (tries == 32 || !track_crosses (d, *x, *y, w, h))
      break;
    cx += nx * h / 2;
    cy += ny * h / 2;
  }
}

/* The number in a dark box next to the track's start, digits scaled with
 * the image (1x below 1280 pixels wide, 2x at 1280, up to 4x). */
static void
draw_number (
    Canvas *c, const StationDetection *d, guint number, const guint8 colour[3])
{
  static const guint8 dark[3] = { 0, 0, 0 };
  gint scale = CLAMP (c->width / 640, 1, 4), pad = scale;
  gchar text[16];
  gint digits = g_snprintf (text, sizeof text, "%u", number);
  gint box_w = digits * (FONT_W + 1) * scale - scale + 2 * pad;
  gint box_h = FONT_H * scale + 2 * pad;
  gint bx, by, i, row, col;

  place_label (c, d, box_w, box_h, &bx, &by);
  fill_rect (c, bx, by, box_w, box_h, dark);
  for (i = 0; i < digits; i++) {
    const guint8 *glyph = digit_font[text[i] - '0'];
    gint gx = bx + pad + i * (FONT_W + 1) * scale;

    for (row = 0; row < FONT_H; row++)
      for (col = 0; col < FONT_W; col++)
        if (glyph[row] & (0x10 >> col))
          fill_rect (c, gx + col * scale, by + pad + row * scale, scale, scale,
              colour);
  }
}

/* The night image as grey RGB, the tracks on it, then their numbers on
 * top (a later track never crosses out an earlier number). */
static guint8 *
render_image (const StationNight *n)
{
  Canvas c = { g_malloc ((gsize)n->width * n->height * 3), (gint)n->width,
    (gint)n->height };
  gsize i;
  guint k;

  for (i = 0; i < (gsize)n->width * n->height; i++)
    memset (c.rgb + i * 3, n->image[i], 3);
  for (k = 0; k < n->detections->len; k++)
    draw_track (&c, &g_array_index (n->detections, StationDetection, k),
        track_colours[k % G_N_ELEMENTS (track_colours)]);
  for (k = 0; k < n->detections->len; k++)
    draw_number (&c, &g_array_index (n->detections, StationDetection, k), k + 1,
        track_colours[k % G_N_ELEMENTS (track_colours)]);
  return c.rgb;
}

/* ---- writing a file atomically ---- */

/* Fills the open temp file @fd (at @tmp); FALSE with the cause. */
typedef gboolean (*FillFunc) (
    gint fd, const gchar *tmp, gconstpointer data, gchar **cause);

static gboolean
write_text (gint fd, const gchar *tmp, gconstpointer data, gchar **cause)
{
  const gchar *p = data;
  gsize left = strlen (p);

  (void)tmp;
  while (left > 0) {
    gssize w = write (fd, p, left);

    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0) {
      *cause = g_strdup (g_strerror (errno));
      return FALSE;
    }
    p += w;
    left -= w;
  }
  return TRUE;
}

static gboolean
write_png (gint fd, const gchar *tmp, gconstpointer data, gchar **cause)
{
  const StationNight *n = data;
  guint8 *rgb = render_image (n);
  gchar msg[512];
  gint r;

  (void)fd; /* pngwrite opens the path itself: the same inode */
  r = meteor_png_write (tmp, n->width, n->height, 3, 8, rgb,
      (gsize)n->width * 3, msg, sizeof msg);
  g_free (rgb);
  if (r != 0)
    *cause = g_strdup (msg);
  return r == 0;
}

/* Writes @dir/@name through a temp file in @dir: filled, fsynced, renamed
 * over, so a reader sees the old file or the whole new one. */
static gboolean
write_atomically (const gchar *dir, const gchar *name, FillFunc fill,
    gconstpointer data, GError **error)
{
  gchar *path = g_build_filename (dir, name, NULL);
  gchar *tmp = g_strdup_printf ("%s%c.%s.XXXXXX", dir, G_DIR_SEPARATOR, name);
  gchar *cause = NULL;
  gint fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0644), dir_fd;
  gboolean ok;

  if (fd < 0) {
    cause = g_strdup (g_strerror (errno));
    goto out;
  }
  if (fill (fd, tmp, data, &cause) && fsync (fd) != 0)
    cause = g_strdup (g_strerror (errno));
  if (close (fd) != 0 && cause == NULL)
    cause = g_strdup (g_strerror (errno));
  if (cause == NULL && rename (tmp, path) != 0)
    cause = g_strdup (g_strerror (errno));
  if (cause) {
    unlink (tmp);
    goto out;
  }
  /* the rename itself survives a power cut once the directory is synced;
   * a filesystem that cannot sync a directory has no more to do */
  dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync (dir_fd);
    close (dir_fd);
  }

  station_bytes_add_file (STATION_BYTES_SUMMARY, path);
out:
  ok = cause == NULL;
  if (!ok)
    g_set_error (error, STATION_NIGHT_ERROR, STATION_NIGHT_ERROR_WRITE,
        "%s: %s", path, cause);
  g_free (cause);
  g_free (tmp);
  g_free (path);
  return ok;
}

/* ---- night.json ---- */

/* json-glib prints a double with all its digits: rounded here to what
 * means something (@scale 100: to 0.01). Not a number: null. */
static void
add_double (JsonBuilder *b, const gchar *name, gdouble v, gdouble scale)
{
  json_builder_set_member_name (b, name);
  if (isfinite (v))
    json_builder_add_double_value (b, round (v * scale) / scale);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b, const gchar *name, gint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

static void
add_string (JsonBuilder *b, const gchar *name, const gchar *s)
{
  json_builder_set_member_name (b, name);
  if (s)
    json_builder_add_string_value (b, s);
  else
    json_builder_add_null_value (b);
}

/* ISO 8601 UTC to the millisecond, "2026-12-07T16:02:03.250Z"; null when
 * not known (<= 0) */
static void
add_time (JsonBuilder *b, const gchar *name, gdouble t)
{
  gint64 ms, s;
  time_t tt;
  struct tm tm;
  gchar *iso;

  if (!isfinite (t) || t <= 0) {
    add_string (b, name, NULL);
    return;
  }
  ms = (gint64)llround (t * 1000);
  s = ms / 1000;
  tt = (time_t)s;
  gmtime_r (&tt, &tm);
  iso = g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
      tm.tm_sec, (gint)(ms - s * 1000));
  add_string (b, name, iso);
  g_free (iso);
}

/* adjtimex reports to the microsecond */
static void
add_clock (JsonBuilder *b, const gchar *name, const StationClockState *c)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "synchronized");
  json_builder_add_boolean_value (b, c->synchronized);
  add_double (b, "error_s", c->error_s, 1e6);
  add_double (b, "offset_s", c->offset_s, 1e6);
  json_builder_end_object (b);
}

static void
add_detection (JsonBuilder *b, const StationDetection *d, guint number)
{
  json_builder_begin_object (b);
  add_int (b, "number", number);
  add_int (b, "id", d->id);
  add_time (b, "start_utc", d->start_utc);
  add_time (b, "end_utc", d->end_utc);
  add_int (b, "first_frame", (gint64)d->first_frame);
  add_int (b, "last_frame", (gint64)d->last_frame);
  add_double (b, "x0", d->x0, 100);
  add_double (b, "y0", d->y0, 100);
  add_double (b, "x1", d->x1, 100);
  add_double (b, "y1", d->y1, 100);
  add_double (b, "snr", d->snr, 100);
  add_double (b, "peak", d->peak, 100);
  add_double (b, "speed_px_s", d->speed_px_s, 100);
  add_int (b, "points", d->n_points);
  add_string (b, "clip", d->clip);
  add_clock (b, "clock", &d->clock);
  json_builder_end_object (b);
}

/* json-glib 1.6 prints every double with 17 digits, the rounded 45.8 as
 * 45.799999999999997: each double token (one with '.' or 'e', outside
 * strings) is put back as its shortest of %.15g that reads back to the
 * same double, so nothing changes but the text. */
static gchar *
shorten_doubles (const gchar *json)
{
  GString *out = g_string_sized_new (strlen (json) + 1);
  gboolean in_string = FALSE;
  const gchar *p = json;
  gchar *end, buf[G_ASCII_DTOSTR_BUF_SIZE];
  gdouble v;

  while (*p) {
    if (in_string && *p == '\\' && p[1]) { /* an escape: \" is no end */
      g_string_append_len (out, p, 2);
      p += 2;
      continue;
    }
    in_string ^= *p == '"';
    if (in_string || (*p != '-' && !g_ascii_isdigit (*p)) ||
        (v = g_ascii_strtod (p, &end), end == p)) {
      g_string_append_c (out, *p++);
      continue;
    }
    g_ascii_formatd (buf, sizeof buf, "%.15g", v);
    if (strcspn (p, ".eE") < (gsize)(end - p) &&
        g_ascii_strtod (buf, NULL) == v) {
      g_string_append (out, buf);
      if (strpbrk (buf, ".eE") == NULL) /* still a double: 120.0 */
        g_string_append (out, ".0");
    } else {
      g_string_append_len (out, p, end - p);
    }
    p = end;
  }
  return g_string_free (out, FALSE);
}

/* @image: whether night.png was written */
static gchar *
night_json (const StationNight *n, gboolean image)
{
  const StationNightCounters *c = &n->counters;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *text = NULL, *short_text = NULL;
  guint k;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "station");
  json_builder_begin_object (b);
  add_string (b, "id", n->station_id);
  add_double (b, "latitude", n->latitude, 1e6);
  add_double (b, "longitude", n->longitude, 1e6);
  add_double (b, "elevation", n->elevation, 100);
  json_builder_end_object (b);
  add_string (b, "night", n->night_name);
  add_time (b, "start_utc", c->start_utc);
  add_time (b, "end_utc", c->end_utc);
  if (c->start_utc > 0 && c->end_utc >= c->start_utc)
    add_double (b, "duration_s", c->end_utc - c->start_utc, 1000);
  else
    add_string (b, "duration_s", NULL);
  add_int (b, "frames", (gint64)c->frames);
  add_int (b, "frames_dropped", (gint64)c->frames_dropped);
  add_int (b, "reconnects", c->reconnects);
  add_double (b, "dropped_seconds", c->dropped_seconds, 1000);
  add_int (b, "clips_written", (gint64)c->clips_written);
  add_int (b, "clips_failed", (gint64)c->clips_failed);
  add_double (
      b, "canary_recall", c->canary_recall < 0 ? NAN : c->canary_recall, 1e4);

  json_builder_set_member_name (b, "clock");
  json_builder_begin_object (b);
  add_clock (b, "start", &c->clock_start);
  add_clock (b, "end", &c->clock_end);
  json_builder_set_member_name (b, "ever_unsynchronized");
  json_builder_add_boolean_value (b, c->clock_ever_unsynchronized);
  json_builder_end_object (b);

  add_string (b, "image", image ? "night.png" : NULL);
  add_int (b, "image_frames_ignored", (gint64)n->frames_ignored);
  json_builder_set_member_name (b, "detections");
  json_builder_begin_array (b);
  for (k = 0; k < n->detections->len; k++)
    add_detection (
        b, &g_array_index (n->detections, StationDetection, k), k + 1);
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  short_text = shorten_doubles (text);
  return g_strconcat (short_text, "\n", NULL);
}

gboolean
station_night_write (StationNight *n, const gchar *dir, GError **error)
{
  GError *png_error = NULL;
  gboolean image = FALSE, ok;
  gchar *json;

  g_return_val_if_fail (n != NULL && dir != NULL, FALSE);

  if (n->image)
    image = write_atomically (dir, "night.png", write_png, n, &png_error);
  json = night_json (n, image);
  ok = write_atomically (
      dir, "night.json", write_text, json, png_error ? NULL : error);
  g_free (json);
  if (png_error) {
    g_propagate_error (error, png_error);
    return FALSE;
  }
  return ok;
}
