/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor detector core (pure C, no GStreamer)
 *
 * Per pixel (SIMD kernels): a running background mean and deviation, and
 * candidates above mean + k1 sigma + j1. Per frame: candidate clusters,
 * whole-frame flash detection. Over frames: clusters linked into tracks by
 * predicted position; a track that ends is a meteor when it has enough
 * points on a straight line at a meteor's speed, else it is rejected with
 * the reason counted (static: stars, hot pixels; slow: planes,
 * satellites; ...).
 */
#ifndef __METEOR_DETECTOR_H__
#define __METEOR_DETECTOR_H__

#include "meteorformat.h"

#include "kernels.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int width, height;
  double fps;
  double k1;                /* threshold above the background, in sigma */
  double j1;                /* and a fixed offset, DN */
  int min_frames;           /* frames a meteor must be seen in (default 2: a
                             * two-frame track must be streaks along its
                             * motion) */
  double min_speed;         /* px/s */
  double max_speed;         /* px/s */
  double max_duration;      /* s: longer tracks are planes or satellites */
  double min_speed_deg;     /* deg/s, with a sky scale (detector_set_sky_scale):
                             * replaces min_speed there; 0: off */
  double max_speed_deg;     /* deg/s likewise for max_speed; 0: off */
  int bg_shift;             /* background averages over 2^bg_shift frames */
  double flash_fraction;    /* candidates over this fraction: a flash */
  int bin;                  /* 1: analyse every pixel; 2: 2x2 averages (half
                             * the noise: fainter meteors, a quarter of the
                             * work) */
  const uint8_t *mask;      /* width*height, 0 = ignore; NULL = none */
  double canary_rate;       /* canary meteors an hour drawn into the working
                             * image (never the frame) to measure recall; 0:
                             * none */
  int canary_window;        /* canaries the recall is measured over */
  double canary_min_recall; /* below it over a full window: low */
} DetectorConfig;

void detector_config_init (DetectorConfig *config);
/* 0 when usable, else -1 with a message naming the setting */
int detector_config_check (
    const DetectorConfig *config, char *error, size_t error_len);

typedef enum {
  DETECTOR_REJECT_SHORT,   /* seen in fewer than min-frames frames */
  DETECTOR_REJECT_STATIC,  /* not moving: stars, hot pixels */
  DETECTOR_REJECT_SLOW,    /* below min-speed: planes, satellites */
  DETECTOR_REJECT_FAST,    /* above max-speed */
  DETECTOR_REJECT_CROOKED, /* not a straight line */
  DETECTOR_REJECT_LONG,    /* longer than max-duration */
  DETECTOR_REJECT_FLASH,   /* in flight when the frame flashed */
  DETECTOR_REJECT_N
} DetectorReject;

const char *detector_reject_name (DetectorReject reason);

typedef struct {
  uint64_t frame;
  double x, y;      /* centroid, px */
  double peak;      /* brightest pixel above the background, DN */
  double intensity; /* summed over the blob above the background, DN */
  int pixels;
} DetectorPoint;

#define DETECTOR_MAX_POINTS 256

typedef struct {
  uint32_t id;
  uint64_t first_frame, last_frame;
  double x0, y0, x1, y1; /* the meteor's first and last positions: its
                          * first and last blobs, reaching half a frame's
                          * motion back and ahead of them, px */
  double speed;          /* px/s */
  double peak;           /* DN above the background */
  double snr;            /* peak / background sigma */
  double score;          /* snr x sqrt(points), a confidence */
  int n_points;
  DetectorPoint points[DETECTOR_MAX_POINTS];
} DetectorMeteor;

typedef struct {
  uint64_t frames;
  uint64_t candidates; /* pixels above threshold */
  uint64_t clusters;
  uint64_t tracks;
  uint64_t detections;
  uint64_t flashes;
  uint64_t redrawn;   /* frames whose noise came drawn anew (a keyframe):
                       * judged again at a higher threshold */
  uint64_t disturbed; /* frames too busy to start tracks even so */
  uint64_t disturbed_carried; /* meteor tracks carried through them */
  uint64_t rejected[DETECTOR_REJECT_N];
} DetectorStats;

/* Canaries: SNR bands 3-5, 5-10, 10 and more ("snr3", "snr5", "snr10"). */
#define DETECTOR_CANARY_BANDS 3
#define DETECTOR_CANARY_SEED 0xca4a41e5ull

typedef struct {
  uint64_t injected; /* canaries drawn */
  uint64_t judged;   /* canaries over, found or missed */
  uint64_t found;
  uint64_t band_injected[DETECTOR_CANARY_BANDS];
  uint64_t band_judged[DETECTOR_CANARY_BANDS];
  uint64_t band_found[DETECTOR_CANARY_BANDS];
  double window_recall; /* over the last canary_window judged; NAN: none */
  int window_n;         /* how many that is (up to canary_window) */
  int low;              /* a full window's recall below canary_min_recall */
  double optics;        /* the stars' light against the most it has been, 0..1:
                         * what dims the canaries */
} DetectorCanaryStats;

const char *detector_canary_band_name (int band);

/* A flash frame: the caller reports it (never silently ignored). */
typedef struct {
  uint64_t frame;
  double fraction;  /* of pixels above threshold */
  double mean_jump; /* DN, frame mean against the background */
  int levelled;     /* 1: a smooth brightening taken out of the analysis,
                     * tracking went on; 0: tracks in flight were dropped */
} DetectorFlash;

typedef struct Detector Detector;

Detector *detector_new (
    const DetectorConfig *config, const MeteorKernels *kernels);
void detector_free (Detector *detector);

/* Analyses one frame (plane 0 with its stride, in the given layout); the
 * frame is only read. Returns 1 when the frame was a flash (*flash set). */
int detector_process (Detector *detector, uint64_t frame, const uint8_t *plane,
    int stride, MeteorFormat luma, DetectorFlash *flash);

/* Meteors whose tracks ended, oldest first; returns how many were moved out.
 * detector_flush() ends every open track (end of stream). */
size_t detector_take_meteors (
    Detector *detector, DetectorMeteor *out, size_t max);
void detector_flush (Detector *detector);

/* Tracks that already look like meteors and have a point in @frame (for
 * marking frames while the meteor is still in flight): fills up to @max
 * boxes x, y, w, h; returns how many. */
size_t detector_live_boxes (
    Detector *detector, uint64_t frame, int *boxes, size_t max);

/* The sky's scale over the frame, once the camera is calibrated: a grid of
 * @cols x @rows cells (row by row, cells of equal size over the frame),
 * each the degrees on the sky of one frame pixel there (NAN: not known).
 * Where it is known, min_speed_deg and max_speed_deg (when set) judge a
 * track by its speed on the sky. NULL: none (px/s limits only). */
void detector_set_sky_scale (
    Detector *detector, const float *deg_per_px, int cols, int rows);

void detector_get_stats (const Detector *detector, DetectorStats *stats);
/* The sky's background noise now, DN of one frame pixel (the median of
 * the noise model's tiles); NAN before the first frame. */
double detector_sky_noise (const Detector *detector);
void detector_get_canary_stats (
    const Detector *detector, DetectorCanaryStats *stats);

#ifdef __cplusplus
}
#endif

#endif /* __METEOR_DETECTOR_H__ */
