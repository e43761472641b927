/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: Prometheus exposition core of the meteorstats tracer (plain
 * C, no GStreamer): metric sets rendered in the text exposition format
 * 0.0.4, lock-free duration histograms, the mapping of element stats
 * fields to metric names, and the process/cgroup memory readers. */
#ifndef __METEOR_METRICS_H__
#define __METEOR_METRICS_H__

#include <stddef.h>
#include <stdint.h>

typedef enum {
  METRIC_COUNTER,
  METRIC_GAUGE,
  METRIC_HISTOGRAM,
} MetricType;

/* ------------------------------------------------------------ sets */

typedef struct MetricsSet MetricsSet;

MetricsSet *metrics_set_new (void);
void metrics_set_free (MetricsSet *set);

/* Adds a sample of family @name (created with @type and @help on first
 * use; counters must end in "_total"). @labels: name, value, ..., NULL
 * (or NULL for none). Returns 0, or -1 with the reason in @error for a
 * bad metric or label name or a family redeclared with another type. */
int metrics_add (MetricsSet *set, const char *name, MetricType type,
    const char *help, const char *const *labels, double value, char *error,
    size_t error_len);

/* Adds a histogram sample: @n_bounds increasing upper bounds, @counts
 * (n_bounds + 1 of them, not cumulative, the last above every bound),
 * @sum of the observed values. */
int metrics_add_histogram (MetricsSet *set, const char *name, const char *help,
    const char *const *labels, size_t n_bounds, const double *bounds,
    const uint64_t *counts, double sum, char *error, size_t error_len);

/* The text exposition of @set: every family once, HELP and TYPE first,
 * its samples together, histograms as _bucket{le=...} (cumulative, ending
 * with +Inf), _sum and _count. Returns a malloc'd NUL-terminated string
 * (length in @len if not NULL). */
char *metrics_render (const MetricsSet *set, size_t *len);

/* Families and samples in @set. */
size_t metrics_set_n_families (const MetricsSet *set);
size_t metrics_set_n_samples (const MetricsSet *set);

/* Writes @in as a valid metric name into @out (invalid characters become
 * '_', a leading digit gets a '_' before it). */
void metrics_sanitize_name (const char *in, char *out, size_t out_len);

/* Appends @value as a label value with \, " and newline escaped. */
void metrics_escape_label (const char *value, char *out, size_t out_len);

/* ---------------------------------------------- duration histograms */

/* Upper bounds (ns) of the duration histograms: 1 µs to 10 s in a 1-2.5-5
 * series. */
#define METRICS_TIME_BUCKETS 22
extern const uint64_t metrics_time_bounds_ns[METRICS_TIME_BUCKETS];

/* Recording is lock-free (relaxed atomics): any thread, any time. */
typedef struct {
  uint64_t counts[METRICS_TIME_BUCKETS + 1];
  uint64_t sum_ns;
} MetricsTimeHist;

void metrics_time_hist_record (MetricsTimeHist *h, uint64_t ns);
/* A copy of @h (each field read atomically). */
void metrics_time_hist_snapshot (const MetricsTimeHist *h,
    uint64_t counts[METRICS_TIME_BUCKETS + 1], uint64_t *sum_ns,
    uint64_t *count);
/* Smallest bound (ns) at or below which @q (0..1) of the values lie, from
 * the buckets; UINT64_MAX when they are above the last bound, 0 when
 * empty. */
uint64_t metrics_time_hist_quantile (
    const uint64_t counts[METRICS_TIME_BUCKETS + 1], double q);

/* ------------------------------------------ element stats field map */

/* Where a numeric field of an element's stats structure goes. */
typedef struct {
  char name[96];   /* family */
  MetricType type; /* counter or gauge (histogram for histograms) */
  const char *help;
  char label[32]; /* extra label name, "" if none */
  char label_value[64];
  double scale; /* value multiplier, e.g. 1e-9 for ns -> s */
  int known;    /* 0: the generic meteor_element_stat mapping */
} MetricsField;

/* Maps field @field of a stats structure named @stats_name (e.g.
 * "meteorpool-stats") to a metric. Fields without a known meaning map to
 * the gauge meteor_element_stat{field="..."}; histogram fields (@histogram
 * non-zero) to meteor_element_duration_seconds{field="..."}. */
void metrics_map_field (const char *stats_name, const char *field,
    int histogram, MetricsField *out);

/* ---------------------------------------------------------- memory */

typedef struct {
  int64_t rss_bytes;      /* VmRSS, -1 unknown */
  int64_t rss_peak_bytes; /* VmHWM, -1 unknown */
  int64_t cgroup_current; /* memory.current of our cgroup v2, -1 unknown */
  int64_t cgroup_max;     /* memory.max, -1 unknown or "max" */
  int64_t cgroup_peak;    /* memory.peak, -1 unknown */
} MetricsMemory;

/* Reads @root/proc/self/status, @root/proc/self/cgroup and the cgroup v2
 * files under @root/sys/fs/cgroup (@root "" for the real system). Missing
 * or malformed files leave their fields at -1. */
void metrics_read_memory (const char *root, MetricsMemory *out);

#endif /* __METEOR_METRICS_H__ */
