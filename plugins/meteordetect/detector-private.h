/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor detector core, what its parts share (pure C, no
 * GStreamer). The core is split by stage: detector.c (settings, the frame
 * loop, results), detector-image.c (the analysis image and its
 * background), detector-noise.c (what the noise is), detector-chance.c
 * (how often noise lines up), detector-canary.c (canary meteors),
 * detector-clusters.c
 * (candidates into blobs), detector-tracks.c (blobs into tracks, meteors out)
 * and detector-judge.c (whether a track is a meteor). */
#ifndef __METEOR_DETECTOR_PRIVATE_H__
#define __METEOR_DETECTOR_PRIVATE_H__

#include "detector.h"

#include "coreutil.h"
#include "skyrender.h"

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
/* a track of this many points or more is followed, where no blob above
 * the threshold continues it, to a blob this bright (sigma) within this
 * many analysis px of where it should be */
#define FAINT_MIN_POINTS 2
#define FAINT_SIGMA 2.5
#define FAINT_RADIUS 3.0
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
/* ... unless noise lines up like them less often than this a night */
#define CHANCE_SHAPELESS 0.02
/* noise tracks like a meteor's allowed a night (detector-chance.c) */
#define CHANCE_PER_NIGHT 0.5
/* slow objects remembered, for how long (s), and up to what multiple of
 * min-speed a track is checked against them */
#define SLOW_TRAILS 16
#define SLOW_TRAIL_SECONDS 10.0
#define SLOW_TRAIL_SPEEDS 3.0
/* a track slower than min-speed, down to this share of it, is a meteor
 * when this bright (peak / sigma), this short (s) and inside the frame
 * by this share of its size at both ends: a slow meteor (near its
 * radiant, or far off) lights up and dies out in view within seconds; a
 * satellite or plane comes in over the edge, lasts, and is mostly faint */
#define SLOW_BRIGHT_SHARE 0.5
#define SLOW_BRIGHT_SNR 12.0
#define SLOW_BRIGHT_SECONDS 2.5
#define SLOW_BRIGHT_INSIDE 0.05
/* a two-frame track: streaks of at least this many pixels, this long
 * (analysis px), this much longer than wide, along the motion (cos) */
#define PAIR_MIN_PIXELS 3
#define PAIR_MIN_LENGTH 3.0
#define PAIR_MIN_ELONGATION 1.6
#define PAIR_MIN_ALIGNMENT 0.9
/* a track may have one odd step (away from its median step) in this many */
#define STEADY_ODD_STEPS 10
/* tracks of this many points or more lose odd steps at their ends */
#define TRIM_MIN_POINTS 5
/* a step shorter than this share of the median step stands still */
#define STANDSTILL_SHARE 0.3
/* tracks wholly this close to the border (frame px) are edge effects */
#define EDGE_MARGIN 10.0
/* shortest track (centroid to centroid), frame px */
#define MIN_TRACK_LENGTH 8.0
/* a frame this much brighter than its background (DN, mean) with
 * candidates everywhere is a flash; one that is not is noise drawn anew */
#define FLASH_MIN_DN 1.0
/* a frame whose noise was drawn anew is judged again at a threshold this
 * much higher, at most this many times */
#define REDRAW_STEP 1.3
#define REDRAW_ATTEMPTS 3
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
  int busy;    /* the static map around it, before it counted */
  int on_grid; /* its box lies on the codec's 4x4 grid */
} Cluster;

/* A blob's shape: its principal axis and extent along and across it. */
typedef struct {
  double ux, uy;      /* unit vector of the long axis */
  double len, across; /* extent along and across it, analysis px */
} Streak;

/* What a track keeps of each point beyond its DetectorPoint. */
typedef struct {
  double gate; /* radius of the gate it was linked through, analysis px */
  int on_grid;
  int faint; /* found under the threshold, where the track led */
} PointExtra;

typedef struct {
  uint32_t id;
  uint32_t canary; /* the canary whose blobs it took up, 0: none */
  int n;
  int qualified;
  DetectorPoint points[DETECTOR_MAX_POINTS];
  double sigma[DETECTOR_MAX_POINTS];
  int box[DETECTOR_MAX_POINTS][4];
  int busy[DETECTOR_MAX_POINTS];
  Streak streak[DETECTOR_MAX_POINTS];
  PointExtra extra[DETECTOR_MAX_POINTS];
} Track;

/* analysis images kept of past frames: a track's faint start is looked
 * for in them */
#define PAST_FRAMES 3

/* The noise model (detector-noise.c): which blocks are fresh, and per
 * tile the distribution of fresh pixels' excess over the background. */
typedef struct {
  int bs, bw, bh;     /* block side (analysis px), blocks across and down */
  int bshift, tshift; /* log2 of the block and tile sides */
  uint8_t *fresh;     /* per block: changed since the last frame (the
                       * current frame's of ring_fresh) */
  uint8_t *stale;     /* per row of blocks: some block is a copy */
  /* the analysis images (before levelling) and fresh blocks of this frame
   * and the PAST_FRAMES before it, a ring; head is this frame's */
  uint8_t *ring[PAST_FRAMES + 1], *ring_fresh[PAST_FRAMES + 1];
  int head;
  int ts, tw, th;     /* tile side (analysis px), tiles across and down */
  float *q;           /* per tile: median, 84th, 97.7th percentile, DN */
  uint32_t *count;    /* per tile, this frame: fresh pixels, and above each */
  uint16_t *floor;    /* per pixel of a row of tiles: its tile's least
                       * deviation, q7 */
  uint16_t *spread;   /* per tile: its noise, q7 DN */
  int32_t *level;     /* per tile: its detection level, q7 DN */
  uint16_t *save;     /* one row of mean and deviation before learning */
  double frame_scale; /* this frame's noise over the tiles' */
  uint16_t k_mul;     /* the threshold's factor for this frame */
  size_t last_fresh;  /* fresh blocks in this frame */
  uint64_t fresh_blocks, all_blocks;
} NoiseModel;

/* How noise lines up in this video, how bright and what shape its blobs
 * are (detector-chance.c). */
#define CHANCE_LENGTHS 16
#define CHANCE_ANGLES 12
typedef struct {
  int rside, rw, rh; /* region side (analysis px), regions across, down */
  double *rate;      /* per region: blobs a frame, a running mean */
  uint32_t *count;   /* per region: blobs this frame */
  double observed;   /* frames the rates are over */
  double *hist;      /* noise blobs by peak sigma */
  double *rhist;     /* and per region, coarser */
  double lengths[CHANCE_LENGTHS];      /* noise tracks by points */
  double directions[CHANCE_ANGLES];    /* noise tracks by direction */
  double track_points[CHANCE_ANGLES];  /* their blobs, by direction */
  double track_streaks[CHANCE_ANGLES]; /* those that are streaks along */
  double blobs, elongated, on_grid;
  double frames; /* all of these forget: the frames they are over */
  double seen;   /* frames since the start */
  double keep;   /* what a frame keeps of them */
  int grid;      /* the codec's 4-pixel grid, analysis px (1: none) */
} ChanceModel;

/* A canary meteor in flight (detector-canary.c). */
typedef struct {
  SkyMeteor m; /* frame px */
  uint32_t id;
  uint64_t start; /* its first frame */
  double length;  /* of its path, frame px */
  double snr;     /* nominal */
  int band;
  int found;     /* a track of it was judged a meteor */
  int drawn;     /* it is in this frame */
  double seg[4]; /* its streak in this frame, analysis px */
} Canary;

#define CANARY_ACTIVE 4
#define CANARY_RECENT 8
typedef struct {
  uint64_t rng;
  double next; /* frame the next canary is due */
  Canary active[CANARY_ACTIVE];
  int n_active;
  uint32_t ids;
  SkyStamp stamp;
  double recent[CANARY_RECENT][4]; /* meteors found lately, frame px */
  uint64_t recent_frame[CANARY_RECENT];
  int next_recent;
  uint8_t *window; /* the last canaries: 0 none, 1 missed, 2 found */
  int window_next;
  uint64_t optics_at;
  double star_now, star_best, optics;
  DetectorCanaryStats stats;
} CanaryModel;

/* Where a slow object (satellite, plane) was last seen and how it moved:
 * a faint one breaks into pieces, and a later piece must not pass for a
 * meteor. Analysis px and px a frame. */
typedef struct {
  double x, y, vx, vy;
  uint64_t frame;
  int used;
} SlowTrail;

/* A one-point track and a cluster in its gate. */
typedef struct {
  size_t track, cluster;
  double gate, score; /* distance over gate */
} Pair;

struct Detector {
  DetectorConfig config;
  float *sky_scale; /* deg a frame px, scale_cols x scale_rows cells */
  int scale_cols, scale_rows;
  const MeteorKernels *k;
  int w, h; /* analysis size: the frame's, or half of it when binning */
  int bin;
  int direct; /* the analysis rows are the frame's own luma rows */
  uint16_t *mean, *dev;
  uint8_t *mask, *luma, *amask, *rows;
  uint8_t *static_map; /* how often clusters sat on each pixel lately */
  uint32_t *row_count;
  uint16_t k_mul, j1;
  NoiseModel noise;
  ChanceModel chance;
  CanaryModel canary;
  uint64_t frames_seen;
  int flash_run;
  uint64_t cooldown_until;
  /* which of the last 64 frames were lit by a flash (bit k: the frame k
   * before lit_newest), for judging the short tracks seen in them */
  uint64_t lit_bits, lit_newest;

  Cluster *clusters;
  size_t n_clusters, clusters_cap;
  int *hits; /* where this frame's clusters sit, for the static map */
  size_t n_hits, hits_cap;
  int *stack;
  size_t stack_cap;
  Track *tracks;
  size_t n_tracks, tracks_cap;
  Pair *pairs;
  size_t pairs_cap;
  DetectorMeteor *done;
  size_t n_done, done_cap;
  uint32_t next_id;
  DetectorStats stats;
  SlowTrail trails[SLOW_TRAILS]; /* slow objects seen lately, a ring */
  int next_trail;
  FILE *trace;      /* METEOR_DETECT_TRACE=1: every track's verdict on stderr */
  int trace_points; /* METEOR_DETECT_TRACE=2: and its points */
  int trace_noise;  /* METEOR_DETECT_TRACE=3: and the noise model */
};

/* What pass 1 of a frame found. */
typedef struct {
  uint64_t count; /* candidates */
  double jump;    /* DN, the frame's mean over its background */
  int bright;     /* a flash */
  int disturbed;  /* too busy to start tracks */
  int clustered;  /* clusters were found */
} FramePass;

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
    Detector *d, const uint8_t *plane, int stride, MeteorFormat luma);
double det_level_rows (Detector *d);
const uint8_t *det_luma_row (
    Detector *d, const uint8_t *plane, int stride, int y);

/* detector-noise.c */
int det_noise_init (Detector *d);
void det_noise_free (Detector *d);
size_t det_noise_refresh (Detector *d, const uint8_t *plane, int stride);
double det_noise_frame_scale (Detector *d, const uint8_t *plane, int stride);
void det_noise_raise (Detector *d, double factor);
uint32_t det_noise_threshold_row (Detector *d, int y, const uint8_t *row);
void det_noise_end_frame (Detector *d, int settled);
void det_noise_learn_row (Detector *d, int y, const uint8_t *row, int shift);
double det_noise_sigma (const Detector *d, int x, int y);
const uint8_t *det_noise_past (
    const Detector *d, int back, const uint8_t **fresh);
void det_noise_seed_deviation (Detector *d);

/* detector-chance.c */
int det_chance_init (Detector *d);
void det_chance_free (Detector *d);
int det_chance_on_grid (const Detector *d, const Cluster *c);
void det_chance_frame (Detector *d);
void det_chance_observe (Detector *d);
int det_chance_streak (const Track *t, int i, const LineFit *f);
void det_chance_learn (Detector *d, const Track *t);
double det_chance_per_night (
    const Detector *d, const Track *t, const LineFit *f);
void det_chance_describe (const Detector *d, double *blobs, double *on_grid);

/* detector-canary.c */
int det_canary_init (Detector *d);
void det_canary_free (Detector *d);
void det_canary_frame (Detector *d, uint64_t frame, int warm);
uint32_t det_canary_at (const Detector *d, double x, double y);
void det_canary_judged (Detector *d, uint32_t id, int meteor);
void det_canary_note_meteor (Detector *d, uint64_t frame, const double *ends);
void det_canary_settle (Detector *d, uint64_t frame);

/* detector-clusters.c */
void det_find_clusters (
    Detector *d, const uint8_t *plane, int stride, MeteorFormat luma);
void det_commit_clusters (Detector *d);
void det_blob_streak (const Cluster *c, Streak *s);
int det_faint_cluster (Detector *d, const uint8_t *img, int img_stride,
    const uint8_t *fresh, double cx, double cy, double radius, double k,
    Cluster *c);

/* detector-tracks.c */
void det_fit_line (const Track *t, LineFit *f);
int det_median_pixels (const Track *t);
void det_trim_track (Track *t);
void det_remember_slow (Detector *d, const Track *t, const LineFit *f);
void det_close_track (Detector *d, size_t index);
void det_link_clusters (Detector *d, uint64_t frame, int disturbed);
void det_update_tracks (Detector *d, uint64_t frame);
void det_follow_faint (
    Detector *d, uint64_t frame, const uint8_t *plane, int stride);

/* detector-judge.c */
int det_odd_step (double step, double median);
int det_steps (const Track *t, const LineFit *f, double *steps);
double det_track_snr (const Track *t);
/* whether @frame, one of the last 64, was lit by a flash */
int det_lit_frame (const Detector *d, uint64_t frame);
int det_judge (
    const Detector *d, const Track *t, LineFit *f, DetectorReject *why);

#endif /* __METEOR_DETECTOR_PRIVATE_H__ */
