/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's config file (pure C, GKeyFile). */
#include "stationconfig.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (station - config - error - quark, station_config_error)

typedef enum {
  T_STRING,
  T_DOUBLE,
  T_INT,
  T_BYTES,
  T_FRACTION,
  T_CHOICE,
  T_TIME, /* ISO 8601 with a zone */
} Type;

/* Every key there is; [detect] takes meteordetect's properties. */
#define KEY(g, k, t, lo, hi, ch)                                               \
  {                                                                            \
    .group = g, .key = k, .type = t, .min = lo, .max = hi, .choices = ch       \
  }
static const struct {
  const gchar *group, *key;
  Type type;
  gdouble min, max;
  const gchar *choices; /* T_CHOICE: space-separated */
} keys[] = {
  KEY ("station", "id", T_STRING, 0, 0, NULL),
  KEY ("station", "latitude", T_DOUBLE, -90, 90, NULL),
  KEY ("station", "longitude", T_DOUBLE, -180, 180, NULL),
  KEY ("station", "elevation", T_DOUBLE, -500, 9000, NULL),
  KEY ("camera", "source", T_CHOICE, 0, 0, "sky libcamera v4l2 rtsp file"),
  KEY ("camera", "device", T_STRING, 0, 0, NULL),
  KEY ("camera", "url", T_STRING, 0, 0, NULL),
  KEY ("camera", "path", T_STRING, 0, 0, NULL),
  KEY ("camera", "format", T_STRING, 0, 0, NULL),
  KEY ("camera", "sky", T_STRING, 0, 0, NULL),
  KEY ("camera", "width", T_INT, 16, 16384, NULL),
  KEY ("camera", "height", T_INT, 16, 16384, NULL),
  KEY ("camera", "framerate", T_FRACTION, 0.1, 1000, NULL),
  KEY ("camera", "no-frame-seconds", T_DOUBLE, 0.5, 3600, NULL),
  KEY ("camera", "start-time", T_TIME, 0, 0, NULL),
  KEY ("storage", "path", T_STRING, 0, 0, NULL),
  KEY ("storage", "hot-seconds", T_DOUBLE, 0, 600, NULL),
  KEY ("storage", "warm-size", T_BYTES, 0, 1e15, NULL),
  KEY ("storage", "cold-size", T_BYTES, 0, 1e15, NULL),
  KEY ("storage", "quota", T_BYTES, 0, 1e15, NULL),
  KEY ("storage", "min-free", T_BYTES, 0, 1e15, NULL),
  KEY ("metrics", "port", T_INT, 0, 65535, NULL),
  KEY ("metrics", "bind", T_STRING, 0, 0, NULL),
  KEY ("schedule", "mode", T_CHOICE, 0, 0, "sun always"),
  KEY ("schedule", "start-altitude", T_DOUBLE, -30, 10, NULL),
  KEY ("schedule", "stop-altitude", T_DOUBLE, -30, 10, NULL),
  KEY ("calibration", "mode", T_CHOICE, 0, 0, "auto off"),
  KEY ("calibration", "interval", T_DOUBLE, 60, 86400, NULL),
  KEY ("calibration", "retry", T_DOUBLE, 10, 86400, NULL),
  KEY ("calibration", "stack-seconds", T_DOUBLE, 1, 600, NULL),
  KEY ("calibration", "scale-low", T_DOUBLE, 1, 36000, NULL),
  KEY ("calibration", "scale-high", T_DOUBLE, 1, 36000, NULL),
};

/* Where each group and key is in the text: "group" and "group\nkey" to
 * their line (GKeyFile does not say). */
static GHashTable *
index_lines (const gchar *text)
{
  GHashTable *lines =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gchar **split = g_strsplit (text, "\n", -1), *group = g_strdup ("");
  gint i;

  for (i = 0; split[i]; i++) {
    gchar *l = g_strstrip (split[i]), *eq;

    if (l[0] == '[' && l[strlen (l) - 1] == ']') {
      g_free (group);
      group = g_strndup (l + 1, strlen (l) - 2);
      g_hash_table_insert (lines, g_strdup (group), GINT_TO_POINTER (i + 1));
    } else if (l[0] != '#' && (eq = strchr (l, '=')) != NULL) {
      *eq = '\0';
      g_hash_table_insert (lines,
          g_strdup_printf ("%s\n%s", group, g_strstrip (l)),
          GINT_TO_POINTER (i + 1));
    }
  }
  g_free (group);
  g_strfreev (split);
  return lines;
}

typedef struct {
  const gchar *path;
  GKeyFile *kf;
  GHashTable *lines;
  GError **error;
} Reader;

static gint
line_of (Reader *r, const gchar *group, const gchar *key)
{
  gchar *k = key ? g_strdup_printf ("%s\n%s", group, key) : g_strdup (group);
  gint line = GPOINTER_TO_INT (g_hash_table_lookup (r->lines, k));

  g_free (k);
  return line;
}

static gboolean G_GNUC_PRINTF (4, 5) fail (
    Reader *r, const gchar *group, const gchar *key, const gchar *fmt, ...)
{
  gint line = line_of (r, group, key);
  gchar *what, *where;
  va_list ap;

  if (line == 0 && key)
    line = line_of (r, group, NULL);
  va_start (ap, fmt);
  what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  where = line ? g_strdup_printf ("%s:%d", r->path, line) : g_strdup (r->path);
  g_set_error (r->error, STATION_CONFIG_ERROR, 0, "%s: [%s]%s%s: %s", where,
      group, key ? " " : "", key ? key : "", what);
  g_free (where);
  g_free (what);
  return FALSE;
}

static gint
find_key (const gchar *group, const gchar *key)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (keys); i++)
    if (!strcmp (keys[i].group, group) && !strcmp (keys[i].key, key))
      return (gint)i;
  return -1;
}

/* Sizes: bytes, or with K, M, G, T (powers of 1024). */
static gboolean
parse_bytes (const gchar *s, gdouble *out)
{
  gchar *end;
  gdouble v = g_ascii_strtod (s, &end);
  const gchar *units = "KMGT", *u;

  if (end == s || v < 0)
    return FALSE;
  if (*end && (u = strchr (units, g_ascii_toupper (*end))) != NULL) {
    v *= pow (1024, (gdouble)(u - units + 1));
    end++;
    if (g_ascii_toupper (*end) == 'B' || *end == 'i')
      end += *end == 'i' ? (end[1] == 'B' ? 2 : 1) : 1;
  }
  *out = v;
  return *end == '\0';
}

/* Checks the value of a known key; the number in @num. */
static gboolean
check_value (Reader *r, gint k, const gchar *value, gdouble *num)
{
  const gchar *group = keys[k].group, *key = keys[k].key;
  gchar *end;
  gint n, d;

  *num = 0;
  switch (keys[k].type) {
    case T_STRING:
      if (value[0] == '\0')
        return fail (r, group, key, "empty");
      return TRUE;
    case T_TIME: {
      GDateTime *t = g_date_time_new_from_iso8601 (value, NULL);

      if (t == NULL)
        return fail (r, group, key,
            "\"%s\" is not an ISO 8601 time with a zone "
            "(2026-12-07T20:00:00Z)",
            value);
      g_date_time_unref (t);
      return TRUE;
    }
    case T_CHOICE: {
      gchar **c = g_strsplit (keys[k].choices, " ", -1);
      gboolean ok = g_strv_contains ((const gchar *const *)c, value);
      g_strfreev (c);
      return ok ? TRUE
                : fail (r, group, key, "\"%s\" is not one of: %s", value,
                      keys[k].choices);
    }
    case T_FRACTION:
      if (sscanf (value, "%d/%d", &n, &d) == 2 && d > 0)
        *num = (gdouble)n / d;
      else if ((*num = g_ascii_strtod (value, &end)), end == value || *end)
        return fail (r, group, key,
            "\"%s\" is not a frame rate (25, or 30000/1001)", value);
      break;
    case T_BYTES:
      if (!parse_bytes (value, num))
        return fail (r, group, key,
            "\"%s\" is not a size (bytes, or with K, M, G or T)", value);
      break;
    case T_INT:
    case T_DOUBLE:
      errno = 0;
      *num = g_ascii_strtod (value, &end);
      if (end == value || *end || errno ||
          (keys[k].type == T_INT && *num != floor (*num)))
        return fail (r, group, key, "\"%s\" is not %s", value,
            keys[k].type == T_INT ? "a whole number" : "a number");
      break;
  }
  if (!(*num >= keys[k].min && *num <= keys[k].max))
    return fail (r, group, key, "%s is out of range (%g to %g)", value,
        keys[k].min, keys[k].max);
  return TRUE;
}

/* The value of a known key as checked, or NULL when the file has none. */
static gchar *
get (Reader *r, const gchar *group, const gchar *key, gdouble *num)
{
  gchar *v = g_key_file_get_value (r->kf, group, key, NULL);

  if (v && num)
    check_value (r, find_key (group, key), v, num);
  return v;
}

static void
get_double (Reader *r, const gchar *group, const gchar *key, gdouble *out)
{
  gdouble num;
  gchar *v = get (r, group, key, &num);

  if (v)
    *out = num;
  g_free (v);
}

static void
get_string (Reader *r, const gchar *group, const gchar *key, gchar **out)
{
  gchar *v = get (r, group, key, NULL);

  if (v) {
    g_free (*out);
    *out = v;
  }
}

static void
get_bytes (Reader *r, const gchar *group, const gchar *key, guint64 *out)
{
  gdouble num = (gdouble)*out;

  get_double (r, group, key, &num);
  *out = (guint64)num;
}

/* Every group and key known and every value good. */
static gboolean
check_all (Reader *r)
{
  gchar **groups = g_key_file_get_groups (r->kf, NULL);
  gboolean ok = TRUE;
  guint i, j;

  for (i = 0; ok && groups[i]; i++) {
    gchar **ks = g_key_file_get_keys (r->kf, groups[i], NULL, NULL);
    gboolean known = !strcmp (groups[i], "detect");

    for (j = 0; j < G_N_ELEMENTS (keys); j++)
      known |= !strcmp (keys[j].group, groups[i]);
    if (!known)
      ok = fail (r, groups[i], NULL,
          "unknown section (station, camera, detect, storage, metrics and "
          "schedule are)");
    for (j = 0; ok && ks && ks[j]; j++) {
      gint k = find_key (groups[i], ks[j]);
      gdouble num;
      gchar *v;

      if (!strcmp (groups[i], "detect"))
        continue; /* meteordetect's: the program checks them */
      if (k < 0) {
        ok = fail (r, groups[i], ks[j], "unknown key");
        break;
      }
      v = g_key_file_get_value (r->kf, groups[i], ks[j], NULL);
      ok = check_value (r, k, v ? v : "", &num);
      g_free (v);
    }
    g_strfreev (ks);
  }
  g_strfreev (groups);
  return ok;
}

static gboolean
require (Reader *r, const gchar *group, const gchar *key, const gchar *why)
{
  if (g_key_file_has_key (r->kf, group, key, NULL))
    return TRUE;
  return fail (r, group, key, "missing (%s)", why);
}

/* The first line GKeyFile could not read, for its parse error. */
static gint
bad_line (const gchar *text)
{
  gchar **split = g_strsplit (text, "\n", -1);
  gint i, line = 0;

  for (i = 0; split[i] && !line; i++) {
    gchar *l = g_strstrip (split[i]);
    if (l[0] && l[0] != '#' && l[0] != '[' && !strchr (l, '='))
      line = i + 1;
    else if (l[0] == '[' && l[strlen (l) - 1] != ']')
      line = i + 1;
  }
  g_strfreev (split);
  return line;
}

static void
read_camera (Reader *r, StationConfig *c)
{
  gchar *v = get (r, "camera", "source", NULL), *fr;
  static const gchar *names[] = { "sky", "libcamera", "v4l2", "rtsp", "file" };
  guint i;

  for (i = 0; v && i < G_N_ELEMENTS (names); i++)
    if (!strcmp (v, names[i]))
      c->source = (StationCamera)i;
  g_free (v);
  get_string (r, "camera", "device", &c->device);
  get_string (r, "camera", "url", &c->url);
  get_string (r, "camera", "path", &c->file);
  get_string (r, "camera", "format", &c->format);
  get_string (r, "camera", "sky", &c->sky_options);
  get_string (r, "camera", "start-time", &c->start_time);
  v = get (r, "camera", "width", NULL);
  c->width = v ? atoi (v) : 0;
  g_free (v);
  v = get (r, "camera", "height", NULL);
  c->height = v ? atoi (v) : 0;
  g_free (v);
  fr = get (r, "camera", "framerate", NULL);
  if (fr && sscanf (fr, "%d/%d", &c->fps_n, &c->fps_d) != 2) {
    /* a decimal rate: as a fraction over 1000, reduced (25 is 25/1) */
    gint a, b;

    c->fps_n = (gint)lround (g_ascii_strtod (fr, NULL) * 1000);
    c->fps_d = 1000;
    for (a = c->fps_n, b = c->fps_d; b;) {
      gint t = a % b;
      a = b;
      b = t;
    }
    c->fps_n /= a;
    c->fps_d /= a;
  }
  g_free (fr);
  get_double (r, "camera", "no-frame-seconds", &c->no_frame_seconds);
}

/* [calibration]: by itself (mode=auto) from a real camera's sky, unless
 * [detect] names a fixed calibration */
static void
read_calibration (Reader *r, StationConfig *c)
{
  gchar *mode = get (r, "calibration", "mode", NULL);

  c->calibrate = c->source != STATION_CAMERA_SKY &&
                 g_strcmp0 (mode, "off") != 0 &&
                 !g_key_file_has_key (r->kf, "detect", "calibration", NULL);
  g_free (mode);
  get_double (r, "calibration", "interval", &c->calib.interval);
  get_double (r, "calibration", "retry", &c->calib.retry);
  get_double (r, "calibration", "stack-seconds", &c->calib.stack_seconds);
  get_double (r, "calibration", "scale-low", &c->calib.scale_low);
  get_double (r, "calibration", "scale-high", &c->calib.scale_high);
}

StationConfig *
station_config_load (const gchar *path, GError **error)
{
  StationConfig *c = g_new0 (StationConfig, 1);
  Reader r = { .path = path, .error = error };
  gchar *text = NULL, *v;
  GError *err = NULL;
  gboolean ok;
  gsize len;

  c->path = g_strdup (path);
  c->fps_d = 1;
  c->no_frame_seconds = 10;
  c->hot_seconds = 2;
  c->warm_bytes = 256ull << 20;
  c->cold_bytes = 1ull << 30;
  c->min_free_bytes = 300ull << 20;
  c->metrics_bind = g_strdup ("127.0.0.1");
  c->store = NULL;
  c->start_altitude = c->stop_altitude = -6;
  c->calib.interval = 3600;
  c->calib.retry = 600;
  c->calib.stack_seconds = 10;
  if (!g_file_get_contents (path, &text, &len, &err)) {
    g_set_error (error, STATION_CONFIG_ERROR, 0, "cannot read config %s: %s",
        path, err->message);
    g_error_free (err);
    station_config_free (c);
    return NULL;
  }
  r.kf = g_key_file_new ();
  r.lines = index_lines (text);
  if (!g_key_file_load_from_data (r.kf, text, len, G_KEY_FILE_NONE, &err)) {
    gint line = bad_line (text);
    g_set_error (
        error, STATION_CONFIG_ERROR, 0, "%s:%d: %s", path, line, err->message);
    g_error_free (err);
    ok = FALSE;
  } else {
    ok = check_all (&r) &&
         require (&r, "camera", "source",
             "sky, libcamera, "
             "v4l2, rtsp or "
             "file") &&
         require (&r, "storage", "path",
             "where the station stores its "
             "nights");
  }
  if (ok) {
    v = get (&r, "schedule", "mode", NULL);
    c->always = v && !strcmp (v, "always");
    g_free (v);
    get_string (&r, "station", "id", &c->id);
    if (c->id == NULL)
      c->id = g_strdup ("station");
    c->latitude = c->longitude = NAN;
    get_double (&r, "station", "latitude", &c->latitude);
    get_double (&r, "station", "longitude", &c->longitude);
    c->has_location = !isnan (c->latitude) && !isnan (c->longitude);
    if (isnan (c->latitude))
      c->latitude = 0;
    if (isnan (c->longitude))
      c->longitude = 0;
    get_double (&r, "station", "elevation", &c->elevation);
    get_double (&r, "schedule", "start-altitude", &c->start_altitude);
    get_double (&r, "schedule", "stop-altitude", &c->stop_altitude);
    read_camera (&r, c);
    get_string (&r, "storage", "path", &c->store);
    get_double (&r, "storage", "hot-seconds", &c->hot_seconds);
    get_bytes (&r, "storage", "warm-size", &c->warm_bytes);
    get_bytes (&r, "storage", "cold-size", &c->cold_bytes);
    get_bytes (&r, "storage", "quota", &c->quota_bytes);
    get_bytes (&r, "storage", "min-free", &c->min_free_bytes);
    v = get (&r, "metrics", "port", NULL);
    c->metrics_port = v ? atoi (v) : 0;
    g_free (v);
    get_string (&r, "metrics", "bind", &c->metrics_bind);
    read_calibration (&r, c);
    /* what a choice needs */
    ok = (c->always || (require (&r, "station", "latitude",
                            "the sun schedule needs "
                            "the station's place, or "
                            "[schedule] mode=always") &&
                           require (&r, "station", "longitude",
                               "the sun schedule "
                               "needs the station's "
                               "place"))) &&
         (c->source != STATION_CAMERA_RTSP ||
             require (&r, "camera", "url", "source=rtsp")) &&
         (c->source != STATION_CAMERA_FILE ||
             require (&r, "camera", "path", "source=file")) &&
         (c->source != STATION_CAMERA_V4L2 ||
             require (&r, "camera", "device", "source=v4l2"));
  }
  if (ok && g_key_file_has_group (r.kf, "detect")) {
    gchar **ks = g_key_file_get_keys (r.kf, "detect", NULL, NULL);
    guint i, n = ks ? g_strv_length (ks) : 0;

    c->detect = g_new0 (StationProperty, n);
    for (i = 0; i < n; i++) {
      c->detect[i].name = g_strdup (ks[i]);
      c->detect[i].value = g_key_file_get_value (r.kf, "detect", ks[i], NULL);
      c->detect[i].line = line_of (&r, "detect", ks[i]);
    }
    c->n_detect = n;
    g_strfreev (ks);
  }
  g_key_file_free (r.kf);
  g_hash_table_unref (r.lines);
  g_free (text);
  if (!ok) {
    station_config_free (c);
    return NULL;
  }
  return c;
}

void
station_config_free (StationConfig *c)
{
  guint i;

  if (c == NULL)
    return;
  for (i = 0; i < c->n_detect; i++) {
    g_free (c->detect[i].name);
    g_free (c->detect[i].value);
  }
  g_free (c->detect);
  g_free (c->path);
  g_free (c->id);
  g_free (c->device);
  g_free (c->url);
  g_free (c->file);
  g_free (c->format);
  g_free (c->sky_options);
  g_free (c->start_time);
  g_free (c->store);
  g_free (c->metrics_bind);
  g_free (c);
}

static gboolean
same_string (const gchar *a, const gchar *b)
{
  return g_strcmp0 (a, b) == 0;
}

gchar *
station_config_restart_needed (const StationConfig *a, const StationConfig *b)
{
  GString *s = g_string_new (NULL);

  if (a->source != b->source || !same_string (a->device, b->device) ||
      !same_string (a->url, b->url) || !same_string (a->file, b->file) ||
      !same_string (a->format, b->format) ||
      !same_string (a->sky_options, b->sky_options) || a->width != b->width ||
      a->height != b->height ||
      a->fps_n * (gint64)b->fps_d != b->fps_n * (gint64)a->fps_d ||
      a->no_frame_seconds != b->no_frame_seconds)
    g_string_append (s, ", [camera]");
  if (!same_string (a->store, b->store) || a->hot_seconds != b->hot_seconds ||
      a->warm_bytes != b->warm_bytes || a->cold_bytes != b->cold_bytes ||
      a->quota_bytes != b->quota_bytes ||
      a->min_free_bytes != b->min_free_bytes)
    g_string_append (s, ", [storage]");
  if (a->metrics_port != b->metrics_port ||
      !same_string (a->metrics_bind, b->metrics_bind))
    g_string_append (s, ", [metrics]");
  if (!same_string (a->id, b->id))
    g_string_append (s, ", [station] id");
  if (s->len == 0) {
    g_string_free (s, TRUE);
    return NULL;
  }
  g_string_erase (s, 0, 2);
  return g_string_free (s, FALSE);
}

void
station_config_take_live (StationConfig *c, StationConfig *next)
{
  StationProperty *detect = c->detect;
  guint n_detect = c->n_detect;

  c->detect = next->detect;
  c->n_detect = next->n_detect;
  next->detect = detect;
  next->n_detect = n_detect;
  c->latitude = next->latitude;
  c->has_location = next->has_location;
  c->longitude = next->longitude;
  c->elevation = next->elevation;
  c->always = next->always;
  c->start_altitude = next->start_altitude;
  c->stop_altitude = next->stop_altitude;
}

guint
station_pool_buffers (gdouble hot_seconds, gint fps_n, gint fps_d, guint queued)
{
  gdouble fps = fps_n > 0 && fps_d > 0 ? (gdouble)fps_n / fps_d : 30;

  return (guint)ceil (hot_seconds * fps) + queued + 2;
}
