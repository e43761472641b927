/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteordetect, what its source files share: the element's
 * state, and its outputs (gstmeteordetect-report.c: stats, frames
 * remembered, meteor, flash and canary messages) and mask
 * (gstmeteordetect-mask.c). */
#ifndef __GST_METEOR_DETECT_PRIVATE_H__
#define __GST_METEOR_DETECT_PRIVATE_H__

#include "gstmeteordetect.h"
#include "detector.h"
#include "calibrate.h"
#include "camerawcs.h"
#include "photometry.h"

#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (meteordetect_debug);

/* Frames remembered for translating the detector's frame index into frame
 * ids and times. A track has at most DETECTOR_MAX_POINTS points with at
 * most one frame missing between two, and is reported within two frames
 * of its end: 1024 frames always reach back to its first frame. */
#define RING_SIZE 1024
/* A flash is warned about at most once in this much stream time. */
#define FLASH_WARNING_PERIOD (10 * GST_SECOND)
/* boxes of meteors in flight marked on one frame */
#define MAX_BOXES 32
/* frames between two measures of the sky's limiting magnitude */
#define LIMIT_PERIOD 25
/* meteors taken from the detector at a time */
#define TAKE_BATCH 4

/* What a detector frame index stands for. */
typedef struct {
  guint64 index; /* the detector's frame index this entry is for */
  guint64 frame_id;
  GstClockTime running_time;
  GstClockTime utc; /* capture time, from the frame meta */
} FrameEntry;

struct _GstMeteorDetect {
  GstBaseTransform parent;

  /* properties, object lock; width, height and fps come from the caps */
  DetectorConfig settings;
  gchar *mask_location;
  gchar *calibration;  /* the camera's WCS file; NULL: uncalibrated */
  gboolean sky_reload; /* calibration= changed while running */
  gdouble latitude, longitude, elevation; /* the station's place */
  gboolean location_set;                  /* latitude and longitude given */

  /* chosen when the element is made */
  const MeteorKernels *kernels;

  /* streaming thread, and start/stop while it is not running */
  GstVideoInfo info;
  MeteorFormat luma;
  Detector *detector;
  guint8 *mask; /* the detector reads it: lives as long as the detector */
  guint64 next_index;
  FrameEntry ring[RING_SIZE];
  DetectorMeteor *taken; /* TAKE_BATCH meteors */
  GstClockTime flash_warned_at;
  guint64 flashes_unwarned;
  gboolean canary_low; /* the canaries' recall was low at the last frame */
  /* the frame being analysed: meteors in flight in it, and its flash */
  int boxes[4 * MAX_BOXES];
  size_t n_boxes;
  int is_flash;
  DetectorFlash flash;

  /* object lock */
  DetectorStats current; /* of the detector in use */
  DetectorStats retired; /* of detectors replaced since start */
  DetectorCanaryStats canary, canary_retired;
  guint64 shallow_copies;
  guint64 process_us;   /* wall time in detector_process() */
  guint64 processed;    /* frames that time is over */
  gdouble limiting_mag; /* of the sky now; NAN: not calibrated */
  gboolean calibrated;
  gdouble calibration_age; /* s at the last frame; NAN: not known */
  gchar *rejected_format;

  /* streaming thread (and start): the calibration in use */
  MeteorCameraWcs *wcs;
  MeteorPhotometry photometry;
  gdouble calibration_utc; /* its sky's time, s; 0: not said */
};

/* gstmeteordetect-report.c */
GstStructure *md_make_stats (GstMeteorDetect *self);
void md_update_stats (GstMeteorDetect *self, gint64 process_us);
void md_post_stats (GstMeteorDetect *self);
void md_remember_frame (GstMeteorDetect *self, GstBuffer *buf, guint64 index);
FrameEntry md_lookup_frame (GstMeteorDetect *self, guint64 index);
void md_report_meteors (GstMeteorDetect *self);
void md_report_flash (GstMeteorDetect *self, const DetectorFlash *flash);
void md_check_canaries (GstMeteorDetect *self);
void md_flush_detector (GstMeteorDetect *self);
void md_retire_detector (GstMeteorDetect *self);

/* gstmeteordetect-sky.c: a path point's utc, ra, dec, azimuth,
 * elevation, magnitude */
#define MD_SKY_VALUES 6
gboolean md_sky_update (GstMeteorDetect *self, gboolean starting);
void md_sky_scale (GstMeteorDetect *self);
void md_sky_point (GstMeteorDetect *self, double x, double y, double intensity,
    GstClockTime utc, double sky[MD_SKY_VALUES]);
void md_sky_set_meteor_fields (
    GstMeteorDetect *self, GstStructure *s, const DetectorMeteor *m);
gdouble md_sky_age (GstMeteorDetect *self, GstClockTime utc);
void md_sky_clear (GstMeteorDetect *self);

/* gstmeteordetect-mask.c */
guint8 *md_load_mask (
    GstMeteorDetect *self, const gchar *path, gint width, gint height);

G_END_DECLS

#endif /* __GST_METEOR_DETECT_PRIVATE_H__ */
