/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: Prometheus exposition core of the meteorstats tracer. See
 * metrics.h. Plain C: the tests also run cross-built under qemu. */
#include "metrics.h"

#include "coreutil.h"
#include "meteorstatsfields.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *labels; /* rendered: k="v",k="v" (may be empty) */
  double value;
  size_t n_bounds; /* histograms */
  double *bounds;
  uint64_t *counts;
} Sample;

typedef struct {
  char *name;
  char *help;
  MetricType type;
  Sample *samples;
  size_t n_samples, cap_samples;
} Family;

struct MetricsSet {
  Family *families;
  size_t n_families, cap_families;
};

MetricsSet *
metrics_set_new (void)
{
  MetricsSet *set = calloc (1, sizeof (MetricsSet));

  if (set == NULL)
    abort ();
  return set;
}

void
metrics_set_free (MetricsSet *set)
{
  size_t f, s;

  if (set == NULL)
    return;
  for (f = 0; f < set->n_families; f++) {
    Family *fam = &set->families[f];

    for (s = 0; s < fam->n_samples; s++) {
      free (fam->samples[s].labels);
      free (fam->samples[s].bounds);
      free (fam->samples[s].counts);
    }
    free (fam->samples);
    free (fam->name);
    free (fam->help);
  }
  free (set->families);
  free (set);
}

size_t
metrics_set_n_families (const MetricsSet *set)
{
  return set->n_families;
}

size_t
metrics_set_n_samples (const MetricsSet *set)
{
  size_t f, n = 0;

  for (f = 0; f < set->n_families; f++)
    n += set->families[f].n_samples;
  return n;
}

static char *
xstrdup (const char *s)
{
  size_t n = strlen (s) + 1;
  char *d = malloc (n);

  if (d == NULL)
    abort ();
  memcpy (d, s, n);
  return d;
}

static int
valid_name (const char *name, int allow_colon)
{
  const char *p;

  if (name == NULL || *name == '\0' || isdigit ((unsigned char)*name))
    return 0;
  for (p = name; *p; p++)
    if (!(isalnum ((unsigned char)*p) || *p == '_' ||
            (allow_colon && *p == ':')))
      return 0;
  return 1;
}

static int
ends_with (const char *s, const char *suffix)
{
  size_t n = strlen (s), m = strlen (suffix);

  return n >= m && strcmp (s + n - m, suffix) == 0;
}

void
metrics_sanitize_name (const char *in, char *out, size_t out_len)
{
  size_t o = 0;
  const char *p;

  if (out_len == 0)
    return;
  if (isdigit ((unsigned char)*in) && o + 1 < out_len)
    out[o++] = '_';
  for (p = in; *p && o + 1 < out_len; p++)
    out[o++] =
        (isalnum ((unsigned char)*p) || *p == '_' || *p == ':') ? *p : '_';
  if (o == 0 && out_len > 1)
    out[o++] = '_';
  out[o] = '\0';
}

void
metrics_escape_label (const char *value, char *out, size_t out_len)
{
  size_t o = strlen (out);
  const char *p;

  for (p = value; *p; p++) {
    const char *rep = NULL;
    char one[2] = { *p, 0 };

    if (*p == '\\')
      rep = "\\\\";
    else if (*p == '"')
      rep = "\\\"";
    else if (*p == '\n')
      rep = "\\n";
    else
      rep = one;
    if (o + strlen (rep) + 1 > out_len)
      break;
    memcpy (out + o, rep, strlen (rep));
    o += strlen (rep);
  }
  out[o] = '\0';
}

/* Renders @labels into a malloc'd string; NULL with @error on a bad name. */
static char *
render_labels (
    const char *const *labels, char *error, size_t error_len, int *failed)
{
  size_t cap = 64, i;
  char *out = malloc (cap);

  if (out == NULL)
    abort ();
  out[0] = '\0';
  *failed = 0;
  for (i = 0; labels && labels[i]; i += 2) {
    const char *value = labels[i + 1] ? labels[i + 1] : "";
    size_t need = strlen (out) + strlen (labels[i]) + 2 * strlen (value) + 8;

    if (!valid_name (labels[i], 0) || strcmp (labels[i], "le") == 0 ||
        strncmp (labels[i], "__", 2) == 0) {
      snprintf (error, error_len, "invalid label name '%s'", labels[i]);
      free (out);
      *failed = 1;
      return NULL;
    }
    if (need > cap) {
      cap = need * 2;
      out = realloc (out, cap);
      if (out == NULL)
        abort ();
    }
    if (i > 0)
      strcat (out, ",");
    strcat (out, labels[i]);
    strcat (out, "=\"");
    metrics_escape_label (value, out, cap);
    strcat (out, "\"");
  }
  return out;
}

static Family *
get_family (MetricsSet *set, const char *name, MetricType type,
    const char *help, char *error, size_t error_len)
{
  Family *fam;
  size_t f;

  if (!valid_name (name, 1)) {
    snprintf (error, error_len, "invalid metric name '%s'", name);
    return NULL;
  }
  if (type == METRIC_COUNTER && !ends_with (name, "_total")) {
    snprintf (error, error_len, "counter '%s' does not end in _total", name);
    return NULL;
  }
  for (f = 0; f < set->n_families; f++) {
    fam = &set->families[f];
    if (strcmp (fam->name, name) == 0) {
      if (fam->type != type) {
        snprintf (
            error, error_len, "metric '%s' redeclared with another type", name);
        return NULL;
      }
      return fam;
    }
  }
  set->families = meteor_grow (
      set->families, &set->cap_families, set->n_families + 1, sizeof (Family));
  fam = &set->families[set->n_families++];
  memset (fam, 0, sizeof (*fam));
  fam->name = xstrdup (name);
  fam->help = xstrdup (help ? help : "");
  fam->type = type;
  return fam;
}

static Sample *
new_sample (Family *fam)
{
  Sample *s;

  fam->samples = meteor_grow (
      fam->samples, &fam->cap_samples, fam->n_samples + 1, sizeof (Sample));
  s = &fam->samples[fam->n_samples++];
  memset (s, 0, sizeof (*s));
  return s;
}

/* A new sample of family @name (made on first use) with @labels; NULL
 * with @error set when the family or the labels are wrong. */
static Sample *
add_sample (MetricsSet *set, const char *name, MetricType type,
    const char *help, const char *const *labels, char *error, size_t error_len)
{
  Family *fam = get_family (set, name, type, help, error, error_len);
  char *rendered;
  Sample *s;
  int failed;

  if (fam == NULL)
    return NULL;
  rendered = render_labels (labels, error, error_len, &failed);
  if (failed)
    return NULL;
  s = new_sample (fam);
  s->labels = rendered;
  return s;
}

int
metrics_add (MetricsSet *set, const char *name, MetricType type,
    const char *help, const char *const *labels, double value, char *error,
    size_t error_len)
{
  Sample *s;

  METEOR_CHECK (type != METRIC_HISTOGRAM,
      "metric '%s': histograms take metrics_add_histogram", name);
  s = add_sample (set, name, type, help, labels, error, error_len);
  if (s == NULL)
    return -1;
  s->value = value;
  return 0;
}

int
metrics_add_histogram (MetricsSet *set, const char *name, const char *help,
    const char *const *labels, size_t n_bounds, const double *bounds,
    const uint64_t *counts, double sum, char *error, size_t error_len)
{
  Sample *s;
  size_t i;

  for (i = 1; i < n_bounds; i++)
    METEOR_CHECK (bounds[i] > bounds[i - 1],
        "histogram '%s': bounds not increasing at %zu", name, i);
  s = add_sample (set, name, METRIC_HISTOGRAM, help, labels, error, error_len);
  if (s == NULL)
    return -1;
  s->value = sum;
  s->n_bounds = n_bounds;
  s->bounds = malloc ((n_bounds + 1) * sizeof (double));
  s->counts = malloc ((n_bounds + 1) * sizeof (uint64_t));
  if (s->bounds == NULL || s->counts == NULL)
    abort ();
  if (n_bounds)
    memcpy (s->bounds, bounds, n_bounds * sizeof (double));
  memcpy (s->counts, counts, (n_bounds + 1) * sizeof (uint64_t));
  return 0;
}

typedef struct {
  char *data;
  size_t len, cap;
} Buf;

static void
buf_printf (Buf *b, const char *fmt, ...)
{
  va_list ap;
  int n;

  for (;;) {
    size_t room = b->cap - b->len;

    va_start (ap, fmt);
    n = vsnprintf (b->data + b->len, room, fmt, ap);
    va_end (ap);
    if (n < 0)
      abort ();
    if ((size_t)n < room) {
      b->len += n;
      return;
    }
    b->data = meteor_grow (b->data, &b->cap, b->len + n + 1, 1);
  }
}

/* A value as Prometheus reads it: integers exactly, else shortest
 * round-tripping decimal. */
static void
format_value (double v, char *out, size_t len)
{
  if (isnan (v))
    snprintf (out, len, "NaN");
  else if (isinf (v))
    snprintf (out, len, v > 0 ? "+Inf" : "-Inf");
  else if (v == floor (v) && fabs (v) < 9.007199254740992e15)
    snprintf (out, len, "%.0f", v);
  else {
    snprintf (out, len, "%.15g", v);
    if (strtod (out, NULL) != v)
      snprintf (out, len, "%.17g", v);
  }
}

static void
help_line (Buf *b, const Family *fam)
{
  const char *p;

  buf_printf (b, "# HELP %s ", fam->name);
  for (p = fam->help; *p; p++) {
    if (*p == '\\')
      buf_printf (b, "\\\\");
    else if (*p == '\n')
      buf_printf (b, "\\n");
    else
      buf_printf (b, "%c", *p);
  }
  buf_printf (b, "\n");
}

static void
render_histogram (Buf *b, const Family *fam, const Sample *s)
{
  const char *sep = s->labels[0] ? "," : "";
  char v[64];
  uint64_t cum = 0;
  size_t i;

  for (i = 0; i < s->n_bounds; i++) {
    cum += s->counts[i];
    format_value (s->bounds[i], v, sizeof (v));
    buf_printf (b, "%s_bucket{%s%sle=\"%s\"} %" PRIu64 "\n", fam->name,
        s->labels, sep, v, cum);
  }
  cum += s->counts[s->n_bounds];
  buf_printf (b, "%s_bucket{%s%sle=\"+Inf\"} %" PRIu64 "\n", fam->name,
      s->labels, sep, cum);
  format_value (s->value, v, sizeof (v));
  if (s->labels[0]) {
    buf_printf (b, "%s_sum{%s} %s\n", fam->name, s->labels, v);
    buf_printf (b, "%s_count{%s} %" PRIu64 "\n", fam->name, s->labels, cum);
  } else {
    buf_printf (b, "%s_sum %s\n", fam->name, v);
    buf_printf (b, "%s_count %" PRIu64 "\n", fam->name, cum);
  }
}

char *
metrics_render (const MetricsSet *set, size_t *len)
{
  static const char *const type_names[] = { "counter", "gauge", "histogram" };
  Buf b = { NULL, 0, 0 };
  size_t f, i;
  char v[64];

  b.data = meteor_grow (NULL, &b.cap, 4096, 1);
  b.data[0] = '\0';
  for (f = 0; f < set->n_families; f++) {
    const Family *fam = &set->families[f];

    help_line (&b, fam);
    buf_printf (&b, "# TYPE %s %s\n", fam->name, type_names[fam->type]);
    for (i = 0; i < fam->n_samples; i++) {
      const Sample *s = &fam->samples[i];

      if (fam->type == METRIC_HISTOGRAM) {
        render_histogram (&b, fam, s);
        continue;
      }
      format_value (s->value, v, sizeof (v));
      if (s->labels[0])
        buf_printf (&b, "%s{%s} %s\n", fam->name, s->labels, v);
      else
        buf_printf (&b, "%s %s\n", fam->name, v);
    }
  }
  if (len)
    *len = b.len;
  return b.data;
}

/* -------------------------------------------------- duration histograms */

const uint64_t metrics_time_bounds_ns[METRICS_TIME_BUCKETS] = { 1000, 2500,
  5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000,
  10000000, 25000000, 50000000, 100000000, 250000000, 500000000, 1000000000,
  2500000000u, 5000000000u, 10000000000u };

void
metrics_time_hist_record (MetricsTimeHist *h, uint64_t ns)
{
  size_t lo = 0, hi = METRICS_TIME_BUCKETS;

  /* first bound >= ns, or METRICS_TIME_BUCKETS */
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;

    if (metrics_time_bounds_ns[mid] < ns)
      lo = mid + 1;
    else
      hi = mid;
  }
  __atomic_fetch_add (&h->counts[lo], 1, __ATOMIC_RELAXED);
  __atomic_fetch_add (&h->sum_ns, ns, __ATOMIC_RELAXED);
}

void
metrics_time_hist_snapshot (const MetricsTimeHist *h,
    uint64_t counts[METRICS_TIME_BUCKETS + 1], uint64_t *sum_ns,
    uint64_t *count)
{
  uint64_t total = 0;
  size_t i;

  for (i = 0; i <= METRICS_TIME_BUCKETS; i++) {
    counts[i] = __atomic_load_n (&h->counts[i], __ATOMIC_RELAXED);
    total += counts[i];
  }
  if (sum_ns)
    *sum_ns = __atomic_load_n (&h->sum_ns, __ATOMIC_RELAXED);
  if (count)
    *count = total;
}

uint64_t
metrics_time_hist_quantile (
    const uint64_t counts[METRICS_TIME_BUCKETS + 1], double q)
{
  uint64_t total = 0, cum = 0;
  double want;
  size_t i;

  for (i = 0; i <= METRICS_TIME_BUCKETS; i++)
    total += counts[i];
  if (total == 0)
    return 0;
  want = q * (double)total;
  for (i = 0; i < METRICS_TIME_BUCKETS; i++) {
    cum += counts[i];
    if ((double)cum >= want && cum > 0)
      return metrics_time_bounds_ns[i];
  }
  return UINT64_MAX;
}

/* -------------------------------------------------------- field map */

typedef struct {
  const char *stats; /* structure name, NULL for any */
  const char *field;
  const char *name;
  MetricType type;
  double scale;
  const char *label, *label_value;
  const char *help;
} FieldRule;

#define ANY NULL
#define POOL GST_METEOR_STATS_POOL
#define DETECT GST_METEOR_STATS_DETECT
#define CAMERA GST_METEOR_STATS_CAMERA

static const FieldRule field_rules[] = {
  { ANY, GST_METEOR_STATS_FRAMES, "meteor_element_frames_total", METRIC_COUNTER,
      1, NULL, NULL, "Frames the element handled (its own stats)" },
  { ANY, GST_METEOR_STATS_DROPPED, "meteor_element_dropped_frames_total",
      METRIC_COUNTER, 1, NULL, NULL,
      "Frames the element dropped (its own stats)" },
  { ANY, GST_METEOR_STATS_BYTES_COPIED, "meteor_copied_bytes_total",
      METRIC_COUNTER, 1, NULL, NULL, "Bytes of frame data copied" },
  { ANY, GST_METEOR_STATS_INGRESS_COPIES, "meteor_frame_copies_total",
      METRIC_COUNTER, 1, "kind", "ingress",
      "Frames copied (pixel data): ingress = a foreign frame copied once into "
      "the pool, downstream = a frame of the ring copied later by someone" },
  { ANY, GST_METEOR_STATS_DOWNSTREAM_COPIES, "meteor_frame_copies_total",
      METRIC_COUNTER, 1, "kind", "downstream", NULL },
  { ANY, GST_METEOR_STATS_SHALLOW_COPIES, "meteor_buffer_shallow_copies_total",
      METRIC_COUNTER, 1, NULL, NULL,
      "New GstBuffers made on the same memory (no pixel copy)" },
  { POOL, GST_METEOR_STATS_ZERO_COPY_FRAMES,
      "meteor_pool_zero_copy_frames_total", METRIC_COUNTER, 1, NULL, NULL,
      "Frames captured straight into the pool (no copy)" },
  { POOL, GST_METEOR_STATS_WRAPPED_FRAMES, "meteor_pool_wrapped_frames_total",
      METRIC_COUNTER, 1, NULL, NULL, "Foreign frames passed without a copy" },
  { POOL, GST_METEOR_STATS_ALLOCATIONS, "meteor_pool_allocations_total",
      METRIC_COUNTER, 1, NULL, NULL, "Buffers the frame pool allocated" },
  { POOL, GST_METEOR_STATS_REUSES, "meteor_pool_reuses_total", METRIC_COUNTER,
      1, NULL, NULL, "Handouts of a pooled buffer that had been used before" },
  { POOL, GST_METEOR_STATS_POOL_SIZE, "meteor_pool_buffers", METRIC_GAUGE, 1,
      NULL, NULL, "Buffers in the frame pool" },
  { POOL, GST_METEOR_STATS_IN_USE, "meteor_pool_in_use_buffers", METRIC_GAUGE,
      1, NULL, NULL, "Pool buffers handed out and not yet returned" },
  { POOL, GST_METEOR_STATS_MAX_IN_USE, "meteor_pool_max_in_use_buffers",
      METRIC_GAUGE, 1, NULL, NULL, "The most pool buffers out at once" },
  { POOL, GST_METEOR_STATS_BUFFERS_USED, "meteor_pool_used_buffers",
      METRIC_GAUGE, 1, NULL, NULL,
      "Pool buffers ever handed out (ring pages committed)" },
  { POOL, GST_METEOR_STATS_ACQUIRE_WAITS, "meteor_pool_acquire_waits_total",
      METRIC_COUNTER, 1, NULL, NULL, "Acquires that found the pool exhausted" },
  { POOL, GST_METEOR_STATS_ACQUIRE_WAIT_NS,
      "meteor_pool_acquire_wait_seconds_total", METRIC_COUNTER, 1e-9, NULL,
      NULL, "Time producers waited for a pool buffer" },
  { POOL, GST_METEOR_STATS_RING_SLOTS, "meteor_pool_ring_slots", METRIC_GAUGE,
      1, NULL, NULL, "Slots of the mmap'd frame ring" },
  { POOL, GST_METEOR_STATS_SKIPPED, "meteor_pool_skipped_frames_total",
      METRIC_COUNTER, 1, NULL, NULL,
      "Frame times with no frame (the camera was away): ids move on past "
      "them" },
  { POOL, GST_METEOR_STATS_RING_OVERFLOWS, "meteor_pool_ring_overflows_total",
      METRIC_COUNTER, 1, NULL, NULL,
      "Allocations that found the ring full (system memory instead)" },
  { POOL, GST_METEOR_STATS_ACQUIRE_WAIT_HISTOGRAM,
      "meteor_pool_acquire_wait_seconds", METRIC_HISTOGRAM, 1e-9, NULL, NULL,
      "Waits of producers for a pool buffer (the pipeline's pauses)" },
  { ANY, GST_METEOR_STATS_DETECTIONS, "meteor_detections_total", METRIC_COUNTER,
      1, NULL, NULL, "Meteors detected" },
  { ANY, GST_METEOR_STATS_FLASHES, "meteor_flashes_total", METRIC_COUNTER, 1,
      NULL, NULL, "Whole-frame flashes reported" },
  { DETECT, GST_METEOR_STATS_CANDIDATES, "meteor_detect_candidates_total",
      METRIC_COUNTER, 1, NULL, NULL, "Pixels above the detection threshold" },
  { DETECT, GST_METEOR_STATS_CLUSTERS, "meteor_detect_clusters_total",
      METRIC_COUNTER, 1, NULL, NULL, "Clusters of candidate pixels" },
  { DETECT, GST_METEOR_STATS_TRACKS, "meteor_detect_tracks_total",
      METRIC_COUNTER, 1, NULL, NULL, "Tracks followed" },
  { DETECT, GST_METEOR_STATS_NS_PER_FRAME, "meteor_detect_frame_seconds",
      METRIC_GAUGE, 1e-9, NULL, NULL, "Mean detector time per frame" },
  { DETECT, GST_METEOR_STATS_LIMITING_MAGNITUDE,
      "meteor_sky_limiting_magnitude", METRIC_GAUGE, 1, NULL, NULL,
      "The faintest star the sky shows now (5 sigma in one frame), "
      "calibrated cameras only" },
  { DETECT, GST_METEOR_STATS_CALIBRATED, "meteor_calibrated", METRIC_GAUGE, 1,
      NULL, NULL,
      "1 when the detector has a calibration against the stars, 0 when "
      "its detections are in pixels only" },
  { DETECT, GST_METEOR_STATS_CALIBRATION_AGE, "meteor_calibration_age_seconds",
      METRIC_GAUGE, 1, NULL, NULL,
      "Age of the calibration in use (from the time of the sky it solved)" },
  /* tieredsink: see docs/meteorstats.md */
  { ANY, GST_METEOR_STATS_MISSES, "meteor_tier_misses_total", METRIC_COUNTER, 1,
      NULL, NULL, "Frame lookups no tier could answer" },
  { ANY, GST_METEOR_STATS_PROMOTIONS, "meteor_tier_promotions_total",
      METRIC_COUNTER, 1, NULL, NULL, "Frames promoted back to the hot tier" },
  { ANY, GST_METEOR_STATS_MEMORY_USAGE, "meteor_memory_pressure_level",
      METRIC_GAUGE, 1, NULL, NULL,
      "Memory in use over the memory limit (the element judges it against "
      "meteor_memory_pressure_threshold)" },
  { ANY, GST_METEOR_STATS_PRESSURE_HIGH, "meteor_memory_pressure_threshold",
      METRIC_GAUGE, 1, "bound", "high",
      "The element's pressure-high (bound=high) and pressure-low (bound=low): "
      "memory usage from which it judges the pressure high or low" },
  { ANY, GST_METEOR_STATS_PRESSURE_LOW, "meteor_memory_pressure_threshold",
      METRIC_GAUGE, 1, "bound", "low", NULL },
  /* meteor-station's camera and clock */
  { CAMERA, GST_METEOR_STATS_RECONNECTS, "meteor_camera_reconnects_total",
      METRIC_COUNTER, 1, NULL, NULL,
      "Times the camera was torn down and built again (error, end of "
      "stream, or no frame)" },
  { CAMERA, GST_METEOR_STATS_UP, "meteor_camera_up", METRIC_GAUGE, 1, NULL,
      NULL, "1 while the camera delivers frames, 0 while it is reconnected" },
  { CAMERA, GST_METEOR_STATS_SINCE_FRAME,
      "meteor_camera_seconds_since_last_frame", METRIC_GAUGE, 1, NULL, NULL,
      "Seconds since the camera's last frame" },
  { CAMERA, GST_METEOR_STATS_DROPPED_SECONDS,
      "meteor_camera_dropped_seconds_total", METRIC_COUNTER, 1, NULL, NULL,
      "Camera time lost to outages, from the last frame before to the "
      "first after" },
  { CAMERA, GST_METEOR_STATS_CLOCK_SYNCHRONIZED, "meteor_clock_synchronized",
      METRIC_GAUGE, 1, NULL, NULL,
      "1 when the kernel's clock is disciplined (NTP, PTP), from adjtimex" },
  { CAMERA, GST_METEOR_STATS_CLOCK_ERROR, "meteor_clock_error_seconds",
      METRIC_GAUGE, 1, NULL, NULL,
      "The kernel's estimated clock error, from adjtimex" },
  { CAMERA, GST_METEOR_STATS_CLOCK_OFFSET, "meteor_clock_offset_seconds",
      METRIC_GAUGE, 1, NULL, NULL,
      "The clock's last offset from its reference, from adjtimex" },
  { CAMERA, GST_METEOR_STATS_WRITTEN_RECORDS,
      "meteor_station_written_bytes_total", METRIC_COUNTER, 1, "kind",
      "records",
      "Bytes meteor-station wrote itself: records (detections.jsonl, "
      "FTPdetectinfo), ff (FF blocks), ecsv, calibration, summary "
      "(night.json, night.png)" },
  { CAMERA, GST_METEOR_STATS_WRITTEN_FF, "meteor_station_written_bytes_total",
      METRIC_COUNTER, 1, "kind", "ff", NULL },
  { CAMERA, GST_METEOR_STATS_WRITTEN_ECSV, "meteor_station_written_bytes_total",
      METRIC_COUNTER, 1, "kind", "ecsv", NULL },
  { CAMERA, GST_METEOR_STATS_WRITTEN_CALIBRATION,
      "meteor_station_written_bytes_total", METRIC_COUNTER, 1, "kind",
      "calibration", NULL },
  { CAMERA, GST_METEOR_STATS_WRITTEN_SUMMARY,
      "meteor_station_written_bytes_total", METRIC_COUNTER, 1, "kind",
      "summary", NULL },
  { CAMERA, GST_METEOR_STATS_DELETED_COLD, "meteor_station_deleted_bytes_total",
      METRIC_COUNTER, 1, "kind", "cold",
      "Bytes the station's quota deleted in the nights before tonight: "
      "cold frames first, then FF blocks, clips last" },
  { CAMERA, GST_METEOR_STATS_DELETED_FF, "meteor_station_deleted_bytes_total",
      METRIC_COUNTER, 1, "kind", "ff", NULL },
  { CAMERA, GST_METEOR_STATS_DELETED_CLIP, "meteor_station_deleted_bytes_total",
      METRIC_COUNTER, 1, "kind", "clip", NULL },
};

/* <tier>-<what> fields of tieredsink */
static const struct {
  const char *what, *name;
  MetricType type;
  const char *help;
} tier_rules[] = {
  { "hits", "meteor_tier_hits_total", METRIC_COUNTER,
      "Frame lookups answered by the tier" },
  { "misses", "meteor_tier_misses_total", METRIC_COUNTER,
      "Frame lookups the tier could not answer" },
  { "bytes", "meteor_tier_bytes", METRIC_GAUGE, "Bytes the tier holds" },
  { "frames", "meteor_tier_frames", METRIC_GAUGE, "Frames the tier holds" },
  { "evictions", "meteor_tier_evictions_total", METRIC_COUNTER,
      "Frames evicted from the tier" },
  { "bytes-written", "meteor_tier_written_bytes_total", METRIC_COUNTER,
      "Bytes written to the tier" },
};

static const char *const tiers[] = { "hot", "warm", "cold" };

void
metrics_map_field (
    const char *stats_name, const char *field, int histogram, MetricsField *out)
{
  size_t i, t;

  memset (out, 0, sizeof (*out));
  out->scale = 1;
  for (i = 0; i < sizeof (field_rules) / sizeof (field_rules[0]); i++) {
    const FieldRule *r = &field_rules[i];

    if ((r->stats && strcmp (r->stats, stats_name) != 0) ||
        strcmp (r->field, field) != 0 ||
        (r->type == METRIC_HISTOGRAM) != (histogram != 0))
      continue;
    snprintf (out->name, sizeof (out->name), "%s", r->name);
    out->type = r->type;
    out->scale = r->scale;
    out->help = r->help;
    if (r->label) {
      snprintf (out->label, sizeof (out->label), "%s", r->label);
      snprintf (
          out->label_value, sizeof (out->label_value), "%s", r->label_value);
    }
    /* families sharing a name share the first rule's help */
    for (t = 0; out->help == NULL && t < i; t++)
      if (strcmp (field_rules[t].name, r->name) == 0)
        out->help = field_rules[t].help;
    out->known = 1;
    return;
  }
  if (!histogram) {
    for (t = 0; t < sizeof (tiers) / sizeof (tiers[0]); t++) {
      size_t n = strlen (tiers[t]);

      if (strncmp (field, tiers[t], n) != 0 || field[n] != '-')
        continue;
      for (i = 0; i < sizeof (tier_rules) / sizeof (tier_rules[0]); i++) {
        if (strcmp (field + n + 1, tier_rules[i].what) != 0)
          continue;
        snprintf (out->name, sizeof (out->name), "%s", tier_rules[i].name);
        out->type = tier_rules[i].type;
        out->help = tier_rules[i].help;
        snprintf (out->label, sizeof (out->label), "tier");
        snprintf (out->label_value, sizeof (out->label_value), "%s", tiers[t]);
        out->known = 1;
        return;
      }
    }
  }
  if (histogram) {
    snprintf (out->name, sizeof (out->name), "meteor_element_duration_seconds");
    out->type = METRIC_HISTOGRAM;
    out->scale = 1e-9;
    out->help = "A duration histogram of an element's stats (ns there)";
  } else {
    snprintf (out->name, sizeof (out->name), "meteor_element_stat");
    out->type = METRIC_GAUGE;
    out->help = "A numeric field of an element's stats structure";
  }
  snprintf (out->label, sizeof (out->label), "field");
  snprintf (out->label_value, sizeof (out->label_value), "%s", field);
}

/* ---------------------------------------------------------- memory */

/* The contents of @root@path (at most 64 KiB), malloc'd, or NULL. */
static char *
read_text (const char *root, const char *path)
{
  char full[1024];
  FILE *f;
  char *data;
  size_t n;

  snprintf (full, sizeof (full), "%s%s", root, path);
  f = fopen (full, "r");
  if (f == NULL)
    return NULL;
  data = malloc (65537);
  if (data == NULL)
    abort ();
  n = fread (data, 1, 65536, f);
  fclose (f);
  data[n] = '\0';
  return data;
}

/* "VmRSS:    1234 kB" -> bytes */
static int64_t
status_kb (const char *status, const char *key)
{
  const char *p = status;
  size_t n = strlen (key);

  while (p && *p) {
    if (strncmp (p, key, n) == 0 && p[n] == ':') {
      char *end;
      long long kb = strtoll (p + n + 1, &end, 10);

      if (end != p + n + 1 && kb >= 0)
        return (int64_t)kb * 1024;
      return -1;
    }
    p = strchr (p, '\n');
    if (p)
      p++;
  }
  return -1;
}

static int64_t
file_number (const char *root, const char *dir, const char *name)
{
  char path[1024];
  char *text, *end;
  long long v;
  int64_t out = -1;

  snprintf (path, sizeof (path), "%s/%s", dir, name);
  text = read_text (root, path);
  if (text == NULL)
    return -1;
  v = strtoll (text, &end, 10);
  if (end != text && v >= 0 && (*end == '\n' || *end == '\0'))
    out = v;
  free (text);
  return out;
}

void
metrics_read_memory (const char *root, MetricsMemory *out)
{
  char *status, *cgroup;
  char dir[900];

  out->rss_bytes = out->rss_peak_bytes = -1;
  out->cgroup_current = out->cgroup_max = out->cgroup_peak = -1;

  status = read_text (root, "/proc/self/status");
  if (status) {
    out->rss_bytes = status_kb (status, "VmRSS");
    out->rss_peak_bytes = status_kb (status, "VmHWM");
    free (status);
  }

  /* cgroup v2: the line "0::/path" */
  cgroup = read_text (root, "/proc/self/cgroup");
  if (cgroup) {
    const char *p = cgroup;

    while (p && *p) {
      if (strncmp (p, "0::/", 4) == 0) {
        size_t len = strcspn (p + 3, "\n");

        if (len < sizeof (dir) - 20) {
          snprintf (dir, sizeof (dir), "/sys/fs/cgroup%.*s", (int)len, p + 3);
          if (strstr (dir, "/..") == NULL) {
            out->cgroup_current = file_number (root, dir, "memory.current");
            out->cgroup_max = file_number (root, dir, "memory.max");
            out->cgroup_peak = file_number (root, dir, "memory.peak");
          }
        }
        break;
      }
      p = strchr (p, '\n');
      if (p)
        p++;
    }
    free (cgroup);
  }
}
