/* gst-meteor: meteor detector core, what its parts share (pure C, no
 * GStreamer). The core is split by stage: detector.c (settings, the frame
 * loop, results), detector-image.c (the analysis image and its
 * background), detector-clusters.c (candidates into blobs),
 * detector-tracks.c (blobs into tracks, meteors out) and detector-judge.c
 * (whether a track is a meteor). */
#ifndef __METEOR_DETECTOR_PRIVATE_H__
#define __METEOR_DETECTOR_PRIVATE_H__

#include "detector.h"

#include "coreutil.h"

#include <stdint.h>
#include <stdio.h>

/* sigma of gaussian noise over its mean absolute deviation */
#define SIGMA_PER_MAD 1.2533
/* the least noise a pixel is judged against, DN: an 8-bit value carries at
 * least the rounding noise of its last bit (1/sqrt 12). Where the sky is
 * darker and flatter than that (a dark corner, a camera's noise
 * reduction, compression), the same value comes again and again, the
 * deviation learnt collapses towards 0 and a one-step change would look
 * like tens of sigma */
#define SIGMA_FLOOR_DN 0.29
/* initial deviation: a conservative 3 DN until the model has learnt it */
#define INITIAL_DEV_Q7 (3 * 128)
/* a cluster is kept when it has this many pixels, or is this much brighter
 * than the threshold (single noise pixels are everywhere at 3.5 sigma) */
#define CLUSTER_MIN_PIXELS 2
/* neighbours within this many pixels join a cluster */
#define CLUSTER_REACH 1
#define CLUSTER_BRIGHT_SIGMA 2.0
/* frames a track may miss before it ends */
#define TRACK_MAX_GAP 1
/* more clusters than this in one frame: the whole sky changed */
#define MAX_CLUSTERS 512
#define DISTURBED_CLUSTERS 40
/* the static map: a hit adds STATIC_HIT, the map halves every
 * STATIC_DECAY_FRAMES, a place at STATIC_BUSY is a star or a hot pixel */
#define STATIC_HIT 32
#define STATIC_BUSY 96
#define STATIC_DECAY_FRAMES 16
/* below this speed a track does not move at all */
#define STATIC_SPEED 3.0
/* a track of FEW_POINTS points or less must be this bright (peak / sigma) */
#define FEW_POINTS 3
#define MIN_FRAMES_SNR 7.0
/* tracks with fewer points must also show streaks as long as their steps */
#define SHORT_TRACK_POINTS 5
/* slow objects remembered, for how long (s), and up to what multiple of
 * min-speed a track is checked against them */
#define SLOW_TRAILS 16
#define SLOW_TRAIL_SECONDS 10.0
#define SLOW_TRAIL_SPEEDS 3.0
/* a two-frame track: streaks of at least this many pixels, this long
 * (analysis px), this much longer than wide, along the motion (cos) */
#define PAIR_MIN_PIXELS 3
#define PAIR_MIN_LENGTH 3.0
#define PAIR_MIN_ELONGATION 1.6
#define PAIR_MIN_ALIGNMENT 0.9
/* a track may have one odd step (away from its median step) in this many */
#define STEADY_ODD_STEPS 10
/* tracks wholly this close to the border (frame px) are edge effects */
#define EDGE_MARGIN 10.0
/* shortest track (centroid to centroid), frame px */
#define MIN_TRACK_LENGTH 8.0
/* flash frames in a row after which the background follows the new level */
#define FLASH_ADAPT_FRAMES 5
/* frames after a flash whose candidates are its afterglow, not objects */
#define FLASH_COOLDOWN 4
/* rows brighter than their background by this much (DN) are levelled */
#define ROW_LEVEL_MIN_DN 1
/* a sky brightened by this much (DN, mean) is reported as a flash even when
 * levelling keeps it trackable */
#define FLASH_LEVEL_DN 4.0

typedef struct {
  double sx, sy, sw;    /* excess-weighted sums for the centroid */
  double sxx, syy, sxy; /* and for its shape (second moments) */
  double peak, sigma;   /* brightest excess and the sigma there */
  int pixels;
  int x0, y0, x1, y1; /* bounding box */
  int used;
  int busy; /* the static map around it, before it counted */
} Cluster;

/* A blob's shape: its principal axis and extent along and across it. */
typedef struct {
  double ux, uy;      /* unit vector of the long axis */
  double len, across; /* extent along and across it, analysis px */
} Streak;

typedef struct {
  uint32_t id;
  int n;
  int qualified;
  DetectorPoint points[DETECTOR_MAX_POINTS];
  double sigma[DETECTOR_MAX_POINTS];
  int box[DETECTOR_MAX_POINTS][4];
  int busy[DETECTOR_MAX_POINTS];
  Streak streak[DETECTOR_MAX_POINTS];
} Track;

/* Where a slow object (satellite, plane) was last seen and how it moved:
 * a faint one breaks into pieces, and a later piece must not pass for a
 * meteor. Analysis px and px a frame. */
typedef struct {
  double x, y, vx, vy;
  uint64_t frame;
  int used;
} SlowTrail;

struct Detector {
  DetectorConfig config;
  const MeteorKernels *k;
  int w, h; /* analysis size: the frame's, or half of it when binning */
  int bin;
  int direct; /* the analysis rows are the frame's own luma rows */
  uint16_t *mean, *dev;
  uint8_t *mask, *luma, *amask, *rows;
  uint8_t *static_map; /* how often clusters sat on each pixel lately */
  uint32_t *row_count;
  uint16_t k_mul, j1;
  uint64_t frames_seen;
  int flash_run;
  uint64_t cooldown_until;

  Cluster *clusters;
  size_t n_clusters, clusters_cap;
  int *stack;
  size_t stack_cap;
  Track *tracks;
  size_t n_tracks, tracks_cap;
  DetectorMeteor *done;
  size_t n_done, done_cap;
  uint32_t next_id;
  DetectorStats stats;
  SlowTrail trails[SLOW_TRAILS]; /* slow objects seen lately, a ring */
  int next_trail;
  FILE *trace;      /* METEOR_DETECT_TRACE=1: every track's verdict on stderr */
  int trace_points; /* METEOR_DETECT_TRACE=2: and its points */
};

typedef struct {
  double cx, cy; /* a point on the line */
  double ux, uy; /* unit direction, along the motion */
  double along0, along1;
  double cross_rms;
  double step;   /* mean motion per frame along the line, px */
  int backwards; /* steps going against the motion */
} LineFit;

/* detector-image.c */
void det_fill_analysis (
    Detector *d, const uint8_t *plane, int stride, DetectorLuma luma);
double det_level_rows (Detector *d);
const uint8_t *det_luma_row (
    Detector *d, const uint8_t *plane, int stride, int y);

/* detector-clusters.c */
void det_find_clusters (
    Detector *d, const uint8_t *plane, int stride, DetectorLuma luma);
void det_blob_streak (const Cluster *c, Streak *s);

/* detector-tracks.c */
void det_fit_line (const Track *t, LineFit *f);
int det_median_pixels (const Track *t);
void det_trim_track (Track *t);
void det_remember_slow (Detector *d, const Track *t, const LineFit *f);
void det_close_track (Detector *d, size_t index);
void det_link_clusters (Detector *d, uint64_t frame);
void det_update_tracks (Detector *d, uint64_t frame);

/* detector-judge.c */
double det_track_snr (const Track *t);
int det_judge (
    const Detector *d, const Track *t, LineFit *f, DetectorReject *why);

#endif /* __METEOR_DETECTOR_PRIVATE_H__ */
