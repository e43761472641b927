/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: bench-station's two halves: the parent (bench-station.c,
 * the tables) runs every configuration as a child process of itself
 * (bench-station-child.c, one pipeline). */
#ifndef __BENCH_STATION_H__
#define __BENCH_STATION_H__

#include <gst/gst.h>

#define FPS 30
#define MAX_SUBS 16
#define WHO "bench-station"

typedef struct {
  const gchar *label;
  const gchar *format;
  gint width;
  gint height;
} BenchFormat;

/* What the subscribers get and keep:
 *  BENCH_BASELINE:  each a deep copy of every frame, freshly allocated;
 *                   storage keeps its hot seconds of its copies;
 *  BENCH_ZERO_COPY: the frame itself, from meteorpool's ring;
 *  BENCH_SEED:      the baseline, and the detector keeps the same seconds
 *                   of its copies as its own frame history (the seed's
 *                   "before": every module holds its own copies). */
typedef enum {
  BENCH_BASELINE,
  BENCH_ZERO_COPY,
  BENCH_SEED,
  BENCH_N_MODES
} BenchMode;

/* One configuration, in this (child) process; prints one RESULT line. */
int bench_child_run (const BenchFormat *f, BenchMode mode, guint n_subs,
    gboolean paced, guint n_frames, guint hot_seconds);
/* meteorsky through the full zero-copy station, unpaced, RSS sampled each
 * second into @csv_path; prints the slope after warm-up. */
int bench_child_soak (guint n_frames, const gchar *csv_path);

#endif /* __BENCH_STATION_H__ */
