/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the meteor-detected contract between elements and apps */
#ifndef __GST_METEOR_DETECTION_H__
#define __GST_METEOR_DETECTION_H__

#include <gst/meteor/meteor-prelude.h>

G_BEGIN_DECLS

/**
 * GST_METEOR_DETECTION_NAME:
 *
 * The name of the structure of a meteor detection: an element message from
 * meteordetect and the same as a serialized custom downstream event, which
 * tieredsink turns into a clip.
 */
#define GST_METEOR_DETECTION_NAME "meteor-detected"

/* Its fields. Frames are GstMeteorFrameMeta frame ids (guint64), times
 * running times (guint64 ns), positions frame pixels (gdouble). */
#define GST_METEOR_DETECTION_ID "id"
#define GST_METEOR_DETECTION_FIRST_FRAME "first-frame"
#define GST_METEOR_DETECTION_LAST_FRAME "last-frame"
#define GST_METEOR_DETECTION_START_TIME "start-time"
#define GST_METEOR_DETECTION_END_TIME "end-time"
#define GST_METEOR_DETECTION_START_UTC "start-utc"
#define GST_METEOR_DETECTION_END_UTC "end-utc"
#define GST_METEOR_DETECTION_X0 "x0"
#define GST_METEOR_DETECTION_Y0 "y0"
#define GST_METEOR_DETECTION_X1 "x1"
#define GST_METEOR_DETECTION_Y1 "y1"
#define GST_METEOR_DETECTION_SPEED "speed-px-s"
#define GST_METEOR_DETECTION_PEAK "peak"
#define GST_METEOR_DETECTION_SNR "snr"
#define GST_METEOR_DETECTION_SCORE "score"
#define GST_METEOR_DETECTION_POINTS "points"
#define GST_METEOR_DETECTION_PATH "path"
/* With a calibration (meteordetect's calibration=): where the meteor began
 * and ended on the sky (J2000 degrees), on the horizon (degrees, azimuth
 * from north through east; with the station's place and capture times),
 * its angular speed (degrees a second) and its brightest magnitude (with
 * a zero point); each only when known. The path's points then carry six
 * more values: utc (s since 1970), ra, dec, azimuth, elevation, magnitude
 * (NaN where not known). */
/* Always: whether the detector had a calibration (gboolean); with one
 * whose sky's time is known, its age at the meteor's first frame (s). */
#define GST_METEOR_DETECTION_CALIBRATED "calibrated"
#define GST_METEOR_DETECTION_CALIBRATION_AGE "calibration-age"
#define GST_METEOR_DETECTION_BEGIN_RA "begin-ra"
#define GST_METEOR_DETECTION_BEGIN_DEC "begin-dec"
#define GST_METEOR_DETECTION_END_RA "end-ra"
#define GST_METEOR_DETECTION_END_DEC "end-dec"
#define GST_METEOR_DETECTION_BEGIN_AZIMUTH "begin-azimuth"
#define GST_METEOR_DETECTION_BEGIN_ELEVATION "begin-elevation"
#define GST_METEOR_DETECTION_END_AZIMUTH "end-azimuth"
#define GST_METEOR_DETECTION_END_ELEVATION "end-elevation"
#define GST_METEOR_DETECTION_ANGULAR_SPEED "angular-speed"
#define GST_METEOR_DETECTION_PEAK_MAGNITUDE "peak-magnitude"

typedef struct _GstMeteorDetection GstMeteorDetection;

/**
 * GstMeteorDetection:
 * @id: the detector's number for the meteor, from 1
 * @first_frame: frame id of its first point
 * @last_frame: frame id of its last point
 * @start_time: running time of the first frame, ns (or GST_CLOCK_TIME_NONE)
 * @end_time: running time of the last frame, ns (or GST_CLOCK_TIME_NONE)
 * @x0: x of the meteor's head in the first frame, frame pixels
 * @y0: y of it
 * @x1: x of its head in the last frame
 * @y1: y of it
 * @speed_px_s: speed, frame pixels a second
 * @peak: brightest excess over the background, DN
 * @snr: @peak over the background's noise
 * @score: the detector's confidence (higher: surer)
 * @n_points: frames the meteor was seen in
 *
 * The scalar part of a meteor detection. The structure may carry more:
 * the UTC times (strings, ISO 8601) and the per-frame path, an array of
 * (frame, x, y, intensity) arrays of gdouble, and, calibrated, the sky
 * fields above.
 */
struct _GstMeteorDetection {
  guint id;
  guint64 first_frame;
  guint64 last_frame;
  GstClockTime start_time;
  GstClockTime end_time;
  gdouble x0, y0, x1, y1;
  gdouble speed_px_s;
  gdouble peak;
  gdouble snr;
  gdouble score;
  gint n_points;
};

GST_METEOR_API
GstStructure *gst_meteor_detection_to_structure (const GstMeteorDetection *d);

GST_METEOR_API
gboolean gst_meteor_detection_parse (
    const GstStructure *s, GstMeteorDetection *d);

GST_METEOR_API
gboolean gst_meteor_detection_is (const GstStructure *s);

GST_METEOR_API
GstEvent *gst_meteor_detection_event_new (GstStructure *s);

G_END_DECLS

#endif /* __GST_METEOR_DETECTION_H__ */
