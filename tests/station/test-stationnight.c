/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's record of a night: night.png read back
 * (max-pixel image, YUY2 luma, a renegotiated frame left out, tracks drawn
 * and numbered, a track off the image), night.json parsed back, a night
 * without frames, and writes that fail naming the file and leaving no
 * temp file. Plain C (GLib, json-glib, libpng), no GStreamer. */
#include "stationnight.h"

#include "minitest.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <png.h>
#include <string.h>
#include <time.h>

static const guint8 red[3] = { 255, 0, 0 }, yellow[3] = { 255, 255, 0 };
static const guint8 black[3] = { 0, 0, 0 };

/* ---- helpers ---- */

static void
remove_tree (const gchar *path)
{
  GDir *d = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (d) {
    while ((name = g_dir_read_name (d)) != NULL) {
      gchar *child = g_build_filename (path, name, NULL);
      remove_tree (child);
      g_free (child);
    }
    g_dir_close (d);
  }
  g_remove (path);
}

static gchar *
make_dir (void)
{
  return g_dir_make_tmp ("test-stationnight-XXXXXX", NULL);
}

static gboolean
exists_in (const gchar *dir, const gchar *name)
{
  gchar *path = g_build_filename (dir, name, NULL);
  gboolean exists = g_file_test (path, G_FILE_TEST_EXISTS);

  g_free (path);
  return exists;
}

/* dot files: the writer's temp files, "." + name + ".XXXXXX" */
static gint
temp_files_in (const gchar *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  gint count = 0;

  while (d && (name = g_dir_read_name (d)) != NULL)
    count += name[0] == '.';
  if (d)
    g_dir_close (d);
  return count;
}

static gchar *
read_text (const gchar *dir, const gchar *name)
{
  gchar *path = g_build_filename (dir, name, NULL), *text = NULL;

  g_file_get_contents (path, &text, NULL, NULL);
  g_free (path);
  return text;
}

/* @dir/night.png as RGB (free it), NULL if it cannot be read */
static guint8 *
read_png (const gchar *dir, guint *width, guint *height)
{
  gchar *path = g_build_filename (dir, "night.png", NULL);
  png_image image = { .version = PNG_IMAGE_VERSION };
  guint8 *rgb = NULL;

  if (png_image_begin_read_from_file (&image, path)) {
    image.format = PNG_FORMAT_RGB;
    rgb = g_malloc (PNG_IMAGE_SIZE (image));
    if (!png_image_finish_read (&image, NULL, rgb, 0, NULL))
      g_clear_pointer (&rgb, g_free);
    *width = image.width;
    *height = image.height;
  }
  png_image_free (&image);
  g_free (path);
  return rgb;
}

static const guint8 *
pixel (const guint8 *rgb, guint width, gint x, gint y)
{
  return rgb + ((gsize)y * width + x) * 3;
}

static gboolean
is_colour (const guint8 *p, const guint8 colour[3])
{
  return memcmp (p, colour, 3) == 0;
}

static gboolean
is_grey (const guint8 *p, guint8 v)
{
  return p[0] == v && p[1] == v && p[2] == v;
}

/* pixels of @colour in [x0, x1] x [y0, y1] */
static gint
count_colour (const guint8 *rgb, guint width, gint x0, gint y0, gint x1,
    gint y1, const guint8 colour[3])
{
  gint x, y, count = 0;

  for (y = y0; y <= y1; y++)
    for (x = x0; x <= x1; x++)
      count += is_colour (pixel (rgb, width, x, y), colour);
  return count;
}

/* a night whose image is one flat grey frame */
static StationNight *
grey_night (guint width, guint height, guint8 level)
{
  StationNight *n = station_night_new ("XX0001", "20261207", 45.8, 15.97, 120);
  guint8 *frame = g_malloc ((gsize)width * height);

  memset (frame, level, (gsize)width * height);
  station_night_add_frame (n, frame, width, width, height, 1);
  g_free (frame);
  return n;
}

/* a detection with only the track set */
static StationDetection
track (gdouble x0, gdouble y0, gdouble x1, gdouble y1)
{
  StationDetection d = { .x0 = x0, .y0 = y0, .x1 = x1, .y1 = y1 };

  return d;
}

static gdouble
utc (gint y, gint mo, gint d, gint h, gint mi, gdouble s)
{
  struct tm tm = { .tm_year = y - 1900,
    .tm_mon = mo - 1,
    .tm_mday = d,
    .tm_hour = h,
    .tm_min = mi };

  return (gdouble)timegm (&tm) + s;
}

/* ---- the image ---- */

#define W 8
#define H 6

static void
test_max_image (void)
{
  StationNight *n = station_night_new ("XX0001", "20261207", 45.8, 15.97, 0);
  guint8 gray[H][W + 2], yuy2[H][2 * W + 4], other[4 * 4];
  guint8 expect[H][W];
  gchar *dir = make_dir ();
  guint8 *rgb;
  guint w = 0, h = 0;
  gint x, y, wrong = 0;

  /* GRAY8 with padding at the row ends, which must not count */
  memset (gray, 255, sizeof gray);
  for (y = 0; y < H; y++)
    memset (gray[y], 10, W);
  gray[1][1] = 200;
  station_night_add_frame (n, &gray[0][0], W + 2, W, H, 1);
  /* a darker frame with another bright pixel: (1,1) keeps its 200 */
  for (y = 0; y < H; y++)
    memset (gray[y], 0, W);
  gray[3][2] = 150;
  gray[1][1] = 50;
  station_night_add_frame (n, &gray[0][0], W + 2, W, H, 1);
  /* YUY2: luma 20 at the even bytes, chroma 255 at the odd ones */
  for (y = 0; y < H; y++)
    for (x = 0; x < 2 * W + 4; x++)
      yuy2[y][x] = (x % 2 == 0 && x < 2 * W) ? 20 : 255;
  yuy2[4][2 * 5] = 180;
  station_night_add_frame (n, &yuy2[0][0], 2 * W + 4, W, H, 2);
  /* the camera renegotiated: a brighter frame of another size */
  memset (other, 255, sizeof other);
  station_night_add_frame (n, other, 4, 4, 4, 1);
  EXPECT (station_night_frames_ignored (n) == 1, "ignored %" G_GUINT64_FORMAT,
      station_night_frames_ignored (n));

  for (y = 0; y < H; y++)
    memset (expect[y], 20, W);
  expect[1][1] = 200;
  expect[3][2] = 150;
  expect[4][5] = 180;

  EXPECT (station_night_write (n, dir, NULL), "written");
  rgb = read_png (dir, &w, &h);
  EXPECT (rgb != NULL && w == W && h == H, "night.png %ux%u", w, h);
  for (y = 0; rgb && y < H; y++)
    for (x = 0; x < W; x++)
      if (!is_grey (pixel (rgb, W, x, y), expect[y][x])) {
        const guint8 *p = pixel (rgb, W, x, y);
        EXPECT (wrong++ > 0, "(%d,%d) is %u %u %u, not grey %u", x, y, p[0],
            p[1], p[2], expect[y][x]);
      }
  EXPECT (wrong == 0, "%d pixels not at their max", wrong);
  EXPECT (temp_files_in (dir) == 0, "temp files left");

  g_free (rgb);
  station_night_free (n);
  remove_tree (dir);
  g_free (dir);
}

/* the pixels along a track from (x0,y0) to (x1,y1), where inside, have
 * @colour; returns how many were checked */
static gint
expect_line (const guint8 *rgb, guint width, guint height, gdouble x0,
    gdouble y0, gdouble x1, gdouble y1, const guint8 colour[3])
{
  gint i, checked = 0;

  for (i = 0; i <= 20; i++) {
    gint x = (gint)lround (x0 + (x1 - x0) * i / 20.0);
    gint y = (gint)lround (y0 + (y1 - y0) * i / 20.0);
    const guint8 *p;

    if (x < 0 || y < 0 || x >= (gint)width || y >= (gint)height)
      continue;
    p = pixel (rgb, width, x, y);
    EXPECT (
        is_colour (p, colour), "(%d,%d) is %u %u %u", x, y, p[0], p[1], p[2]);
    checked++;
  }
  return checked;
}

static void
test_tracks (void)
{
  StationNight *n = grey_night (200, 120, 40);
  StationDetection one = track (20, 30, 150, 90);
  StationDetection two = track (180, 100, 260, 140);   /* runs off */
  StationDetection three = track (-50, -50, -10, -20); /* all outside */
  gchar *dir = make_dir ();
  guint8 *rgb;
  guint w = 0, h = 0;

  station_night_add_detection (n, &one);
  station_night_add_detection (n, &two);
  station_night_add_detection (n, &three);
  EXPECT (station_night_write (n, dir, NULL), "written");
  rgb = read_png (dir, &w, &h);
  EXPECT (rgb != NULL && w == 200 && h == 120, "night.png %ux%u", w, h);
  if (rgb == NULL)
    goto out;

  /* odd numbers red, even yellow; the part inside the image drawn */
  EXPECT (expect_line (rgb, w, h, 20, 30, 150, 90, red) == 21, "track 1");
  EXPECT (expect_line (rgb, w, h, 180, 100, 260, 140, yellow) == 5, "track 2");
  /* two pixels wide: track 1 crosses column 85 at y 60 */
  EXPECT (count_colour (rgb, w, 85, 0, 85, 119, red) == 2 &&
              is_colour (pixel (rgb, w, 85, 60), red),
      "track 1 two pixels wide: %d",
      count_colour (rgb, w, 85, 0, 85, 119, red));
  /* far from every track and number: still the sky's grey */
  EXPECT (is_grey (pixel (rgb, w, 100, 10), 40), "(100,10)");
  EXPECT (is_grey (pixel (rgb, w, 10, 110), 40), "(10,110)");
  EXPECT (is_grey (pixel (rgb, w, 190, 10), 40), "(190,10)");
  EXPECT (is_grey (pixel (rgb, w, 60, 60), 40), "(60,60): beside track 1");

  /* each number in a dark box, off its track's start away from the
   * track (up-left here): the glyphs have 10 ("1"), 14 ("2") and 14
   * ("3") pixels at scale 1 */
  EXPECT (count_colour (rgb, w, 0, 12, 19, 29, red) == 10, "number 1: %d",
      count_colour (rgb, w, 0, 12, 19, 29, red));
  EXPECT (count_colour (rgb, w, 0, 12, 19, 29, black) > 0, "box 1");
  EXPECT (count_colour (rgb, w, 160, 80, 179, 99, yellow) == 14, "number 2: %d",
      count_colour (rgb, w, 160, 80, 179, 99, yellow));
  EXPECT (count_colour (rgb, w, 160, 80, 179, 99, black) > 0, "box 2");
  /* the track outside the image: its number kept inside, at the corner */
  EXPECT (count_colour (rgb, w, 0, 0, 10, 10, red) == 14, "number 3: %d",
      count_colour (rgb, w, 0, 0, 10, 10, red));
  EXPECT (is_colour (pixel (rgb, w, 0, 0), black), "box 3 at the corner");

out:
  g_free (rgb);
  station_night_free (n);
  remove_tree (dir);
  g_free (dir);
}

/* a wide image: the digits scaled 2x; a track from the corner, its number
 * kept inside the image and off the track */
static void
test_scaled_number (void)
{
  StationNight *n = grey_night (1280, 720, 40);
  StationDetection d = track (1279, 719, 1200, 700); /* back up-left */
  gchar *dir = make_dir ();
  guint8 *rgb;
  guint w = 0, h = 0;

  station_night_add_detection (n, &d);
  EXPECT (station_night_write (n, dir, NULL), "written");
  rgb = read_png (dir, &w, &h);
  EXPECT (rgb != NULL && w == 1280 && h == 720, "night.png %ux%u", w, h);
  if (rgb) {
    /* the corner pushed the label onto the track: moved up off it, its
     * "1" at 2x is 40 pixels, and the track's start stays in sight */
    EXPECT (count_colour (rgb, w, 1262, 680, 1279, 714, red) == 40,
        "number 1 at 2x: %d", count_colour (rgb, w, 1262, 680, 1279, 714, red));
    EXPECT (count_colour (rgb, w, 1262, 680, 1279, 714, black) > 0, "box");
    EXPECT (expect_line (rgb, w, h, 1279, 719, 1200, 700, red) == 21, "track");
  }
  g_free (rgb);
  station_night_free (n);
  remove_tree (dir);
  g_free (dir);
}

/* tracks no camera makes: not numbers, astronomically far, a point */
static void
test_wild_tracks (void)
{
  StationNight *n = grey_night (50, 40, 40);
  StationDetection wild[] = {
    track (NAN, 10, 20, 20),
    track (-1e308, 20, 1.7e308, 20),
    track (10, INFINITY, 20, 20),
    track (25, 20, 25, 20),
  };
  gchar *dir = make_dir ();
  guint8 *rgb;
  guint w = 0, h = 0, i;

  for (i = 0; i < G_N_ELEMENTS (wild); i++)
    station_night_add_detection (n, &wild[i]);
  EXPECT (station_night_write (n, dir, NULL), "written");
  rgb = read_png (dir, &w, &h);
  EXPECT (rgb != NULL && w == 50 && h == 40, "night.png %ux%u", w, h);
  /* the point is drawn, as a dot */
  EXPECT (rgb && is_colour (pixel (rgb, w, 25, 20), yellow), "the point");
  g_free (rgb);
  station_night_free (n);
  remove_tree (dir);
  g_free (dir);
}

/* ---- night.json ---- */

static JsonObject *
parse_json (JsonParser *parser, const gchar *dir)
{
  gchar *path = g_build_filename (dir, "night.json", NULL);
  GError *err = NULL;
  JsonObject *o = NULL;

  if (json_parser_load_from_file (parser, path, &err) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    o = json_node_get_object (json_parser_get_root (parser));
  EXPECT (o != NULL, "%s: %s", path, err ? err->message : "not an object");
  g_clear_error (&err);
  g_free (path);
  return o;
}

static gboolean
is_null (JsonObject *o, const gchar *name)
{
  return json_object_has_member (o, name) &&
         JSON_NODE_HOLDS_NULL (json_object_get_member (o, name));
}

static gboolean
has_string (JsonObject *o, const gchar *name, const gchar *want)
{
  JsonNode *v = json_object_get_member (o, name);

  return v && JSON_NODE_HOLDS_VALUE (v) &&
         json_node_get_value_type (v) == G_TYPE_STRING &&
         !strcmp (json_node_get_string (v), want);
}

/* within a hundredth of the rounding asked for */
static gboolean
near (JsonObject *o, const gchar *name, gdouble want)
{
  JsonNode *v = json_object_get_member (o, name);

  return v && JSON_NODE_HOLDS_VALUE (v) &&
         fabs (json_node_get_double (v) - want) < 1e-9;
}

static gboolean
has_clock (JsonObject *o, const gchar *name, gboolean sync, gdouble error_s,
    gdouble offset_s)
{
  JsonObject *c = json_object_get_object_member (o, name);

  return c && json_object_get_boolean_member (c, "synchronized") == sync &&
         near (c, "error_s", error_s) && near (c, "offset_s", offset_s);
}

static void
test_json (void)
{
  StationNight *n = grey_night (16, 16, 0);
  gdouble dusk = utc (2026, 12, 7, 16, 2, 3.25);
  StationNightCounters c = {
    .start_utc = dusk,
    .end_utc = utc (2026, 12, 8, 5, 50, 0.0004), /* rounds to .000 */
    .frames = 1234567,
    .frames_dropped = 12,
    .reconnects = 2,
    .dropped_seconds = 3.14159,
    .clips_written = 5,
    .clips_failed = 1,
    .canary_recall = -1,
    .clock_start = { .synchronized = TRUE,
        .error_s = 0.000012,
        .offset_s = -0.0000034 },
    .clock_end = { .error_s = 0.5, .offset_s = 0.25 },
    .clock_ever_unsynchronized = TRUE,
  };
  StationDetection one = {
    .id = 17,
    .start_utc = dusk + 3600.0016, /* rounds up to .252 */
    .end_utc = dusk + 3600.75,
    .first_frame = 90000,
    .last_frame = 90018,
    .x0 = 12.345678,
    .y0 = 3.14159,
    .x1 = 15.5,
    .y1 = 9,
    .snr = 7.777,
    .peak = 201.5,
    .speed_px_s = 412.126,
    .n_points = 19,
    .clip = "clips/20261207T170203Z-17",
    .clock = { .synchronized = TRUE, .error_s = 0.001, .offset_s = 0.0002 },
  };
  StationDetection two = { .id = 23, .start_utc = dusk + 7200, .n_points = 3 };
  /* a name with a quote, a backslash and a long number: left as it is */
  StationDetection odd = { .clip = "clips/\"0.30000000000000004\\\"" };
  JsonParser *parser = json_parser_new ();
  JsonObject *o, *s, *clock, *d1, *d2;
  JsonArray *dets;
  gchar *dir = make_dir (), *text = NULL;

  station_night_set_counters (n, &c);
  station_night_add_detection (n, &one);
  one.clip = NULL; /* the night keeps its own copy */
  station_night_add_detection (n, &two);
  station_night_add_detection (n, &odd);
  EXPECT (station_night_write (n, dir, NULL), "written");
  o = parse_json (parser, dir);
  text = read_text (dir, "night.json");
  if (o == NULL)
    goto out;

  s = json_object_get_object_member (o, "station");
  EXPECT (s && has_string (s, "id", "XX0001") && near (s, "latitude", 45.8) &&
              near (s, "longitude", 15.97) && near (s, "elevation", 120),
      "station");
  EXPECT (has_string (o, "night", "20261207"), "night");
  EXPECT (has_string (o, "start_utc", "2026-12-07T16:02:03.250Z"), "start %s",
      json_object_get_string_member (o, "start_utc"));
  EXPECT (has_string (o, "end_utc", "2026-12-08T05:50:00.000Z"), "end %s",
      json_object_get_string_member (o, "end_utc"));
  EXPECT (near (o, "duration_s", 49676.75), "duration");
  EXPECT (json_object_get_int_member (o, "frames") == 1234567 &&
              json_object_get_int_member (o, "frames_dropped") == 12 &&
              json_object_get_int_member (o, "reconnects") == 2 &&
              json_object_get_int_member (o, "clips_written") == 5 &&
              json_object_get_int_member (o, "clips_failed") == 1,
      "counters");
  EXPECT (near (o, "dropped_seconds", 3.142), "dropped_seconds");
  EXPECT (is_null (o, "canary_recall"), "canary_recall not known: null");
  clock = json_object_get_object_member (o, "clock");
  EXPECT (clock && has_clock (clock, "start", TRUE, 0.000012, -0.000003) &&
              has_clock (clock, "end", FALSE, 0.5, 0.25) &&
              json_object_get_boolean_member (clock, "ever_unsynchronized"),
      "clock");
  EXPECT (has_string (o, "image", "night.png"), "image");
  EXPECT (text && strstr (text, "\"latitude\" : 45.8,") &&
              strstr (text, "\"elevation\" : 120.0\n") &&
              !strstr (text, "999999") && !strstr (text, "000001"),
      "doubles printed short:\n%s", text);

  dets = json_object_get_array_member (o, "detections");
  EXPECT (dets && json_array_get_length (dets) == 3, "three detections");
  if (dets == NULL || json_array_get_length (dets) != 3)
    goto out;
  d1 = json_array_get_object_element (dets, 0);
  d2 = json_array_get_object_element (dets, 1);
  EXPECT (json_object_get_int_member (d1, "number") == 1 &&
              json_object_get_int_member (d2, "number") == 2,
      "numbered 1, 2 in the order added");
  EXPECT (json_object_get_int_member (d1, "id") == 17 &&
              json_object_get_int_member (d2, "id") == 23,
      "ids");
  EXPECT (has_string (d1, "start_utc", "2026-12-07T17:02:03.252Z") &&
              has_string (d1, "end_utc", "2026-12-07T17:02:04.000Z"),
      "times %s %s", json_object_get_string_member (d1, "start_utc"),
      json_object_get_string_member (d1, "end_utc"));
  EXPECT (json_object_get_int_member (d1, "first_frame") == 90000 &&
              json_object_get_int_member (d1, "last_frame") == 90018,
      "frames");
  EXPECT (near (d1, "x0", 12.35) && near (d1, "y0", 3.14) &&
              near (d1, "x1", 15.5) && near (d1, "y1", 9),
      "track to 0.01");
  EXPECT (near (d1, "snr", 7.78) && near (d1, "peak", 201.5) &&
              near (d1, "speed_px_s", 412.13) &&
              json_object_get_int_member (d1, "points") == 19,
      "measures");
  EXPECT (has_string (d1, "clip", "clips/20261207T170203Z-17"), "clip");
  EXPECT (is_null (d2, "clip"), "no clip: null");
  EXPECT (
      has_string (json_array_get_object_element (dets, 2), "clip", odd.clip),
      "a clip name with quotes and digits");
  EXPECT (has_clock (d1, "clock", TRUE, 0.001, 0.0002) &&
              has_clock (d2, "clock", FALSE, 0, 0),
      "detection clocks");

  /* a known recall, written again over the first files */
  c.canary_recall = 0.87654;
  station_night_set_counters (n, &c);
  EXPECT (station_night_write (n, dir, NULL), "rewritten");
  o = parse_json (parser, dir);
  EXPECT (o && near (o, "canary_recall", 0.8765), "canary_recall");
  EXPECT (temp_files_in (dir) == 0, "temp files left");

out:
  g_free (text);
  g_object_unref (parser);
  station_night_free (n);
  remove_tree (dir);
  g_free (dir);
}

static void
test_no_frames (void)
{
  StationNight *n = station_night_new ("XX0001", "20261207", 45.8, 15.97, 0);
  StationDetection d = track (1, 2, 3, 4);
  JsonParser *parser = json_parser_new ();
  gchar *dir = make_dir ();
  JsonObject *o;

  station_night_add_detection (n, &d);
  EXPECT (station_night_write (n, dir, NULL), "written");
  o = parse_json (parser, dir);
  EXPECT (o && is_null (o, "image"), "image: null");
  EXPECT (o && is_null (o, "start_utc") && is_null (o, "canary_recall"),
      "times and recall not known: null");
  EXPECT (!exists_in (dir, "night.png"), "no night.png");
  EXPECT (temp_files_in (dir) == 0, "temp files left");

  g_object_unref (parser);
  station_night_free (n);
  remove_tree (dir);
  g_free (dir);
}

/* ---- failures ---- */

/* writes and expects FALSE with the message naming @dir/@name */
static void
expect_failure (StationNight *n, const gchar *dir, const gchar *name)
{
  gchar *path = g_build_filename (dir, name, NULL);
  GError *err = NULL;
  gboolean ok = station_night_write (n, dir, &err);

  EXPECT (!ok && err != NULL, "%s: no failure", path);
  if (err) {
    EXPECT (
        g_error_matches (err, STATION_NIGHT_ERROR, STATION_NIGHT_ERROR_WRITE) &&
            g_str_has_prefix (err->message, path) &&
            strlen (err->message) > strlen (path) + 2,
        "message \"%s\" for %s", err->message, path);
    g_error_free (err);
  }
  g_free (path);
}

/* a directory where a file should go, with a file in it: rename fails */
static void
block_with_dir (const gchar *dir, const gchar *name)
{
  gchar *blocker = g_build_filename (dir, name, NULL);
  gchar *inside = g_build_filename (blocker, "x", NULL);

  g_remove (blocker);
  g_mkdir (blocker, 0755);
  g_file_set_contents (inside, "x", 1, NULL);
  g_free (inside);
  g_free (blocker);
}

static void
test_failures (void)
{
  StationNight *n = grey_night (16, 16, 30);
  JsonParser *parser = json_parser_new ();
  gchar *dir = make_dir ();
  gchar *file = g_build_filename (dir, "a-file", NULL);
  gchar *under_file = g_build_filename (file, "night", NULL);
  JsonObject *o;

  /* a directory that cannot exist, under a regular file */
  g_file_set_contents (file, "", 0, NULL);
  expect_failure (n, under_file, "night.png");

  /* night.png cannot be renamed into place: night.json is written all
   * the same, without the image, and no temp file is left */
  block_with_dir (dir, "night.png");
  expect_failure (n, dir, "night.png");
  o = parse_json (parser, dir);
  EXPECT (o && is_null (o, "image"), "image: null after a failed PNG");
  EXPECT (temp_files_in (dir) == 0, "temp files left after a failed PNG");

  /* night.json cannot be renamed into place */
  block_with_dir (dir, "night.json");
  station_night_free (n);
  n = station_night_new ("XX0001", "20261207", 45.8, 15.97, 0);
  expect_failure (n, dir, "night.json");
  EXPECT (temp_files_in (dir) == 0, "temp files left after a failed JSON");

  g_object_unref (parser);
  station_night_free (n);
  remove_tree (dir);
  g_free (under_file);
  g_free (file);
  g_free (dir);
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "the max-pixel image, YUY2, a frame of another size", test_max_image },
    { "tracks drawn and numbered, off the image too", test_tracks },
    { "numbers scaled on a wide image, kept inside", test_scaled_number },
    { "tracks not numbers, far off, a point", test_wild_tracks },
    { "night.json read back", test_json },
    { "a night without frames: no image", test_no_frames },
    { "failed writes name the file, leave no temp", test_failures },
  };

  return minitest_run (tests, sizeof tests / sizeof tests[0]);
}
