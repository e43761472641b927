/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the names in the elements' stats structures that someone
 * else reads (the meteorstats tracer's metrics and report, applications).
 * Plain macros, no includes: the tracer's pure-C exposition core reads
 * them too. docs/meteorstats.md says what each becomes on /metrics. */
#ifndef __GST_METEOR_STATS_FIELDS_H__
#define __GST_METEOR_STATS_FIELDS_H__

/* the structures (a `stats` property, a message at EOS) */
#define GST_METEOR_STATS_POOL "meteorpool-stats"
#define GST_METEOR_STATS_DETECT "meteordetect-stats"
#define GST_METEOR_STATS_TIERED "tieredsink-stats"
#define GST_METEOR_STATS_CAMERA "meteor-camera-stats"

/* any element's: frames, drops and copies (guint64 counts) */
#define GST_METEOR_STATS_FRAMES "frames"
#define GST_METEOR_STATS_DROPPED "dropped"
#define GST_METEOR_STATS_BYTES_COPIED "bytes-copied"
#define GST_METEOR_STATS_INGRESS_COPIES "ingress-copies"
#define GST_METEOR_STATS_DOWNSTREAM_COPIES "downstream-copies"
#define GST_METEOR_STATS_SHALLOW_COPIES "shallow-copies"

/* meteorpool's */
#define GST_METEOR_STATS_ZERO_COPY_FRAMES "zero-copy-frames"
#define GST_METEOR_STATS_WRAPPED_FRAMES "wrapped-frames"
#define GST_METEOR_STATS_ALLOCATIONS "allocations"
#define GST_METEOR_STATS_REUSES "reuses"
#define GST_METEOR_STATS_POOL_SIZE "pool-size"
#define GST_METEOR_STATS_IN_USE "in-use"
#define GST_METEOR_STATS_MAX_IN_USE "max-in-use"
#define GST_METEOR_STATS_BUFFERS_USED "buffers-used"
#define GST_METEOR_STATS_ACQUIRE_WAITS "acquire-waits"
#define GST_METEOR_STATS_ACQUIRE_WAIT_NS "acquire-wait-ns"
#define GST_METEOR_STATS_ACQUIRE_WAIT_HISTOGRAM "acquire-wait-histogram"
#define GST_METEOR_STATS_RING_SLOTS "ring-slots"
#define GST_METEOR_STATS_RING_OVERFLOWS "ring-overflows"
/* frame times with no frame (a gap in the running times: a camera
 * reconnected): frame ids move on past them */
#define GST_METEOR_STATS_SKIPPED "skipped-frames"

/* meteordetect's */
#define GST_METEOR_STATS_DETECTIONS "detections"
#define GST_METEOR_STATS_FLASHES "flashes"
#define GST_METEOR_STATS_CANDIDATES "candidates"
#define GST_METEOR_STATS_CLUSTERS "clusters"
#define GST_METEOR_STATS_TRACKS "tracks"
#define GST_METEOR_STATS_NS_PER_FRAME "ns-per-frame"
/* calibrated: the faintest star the sky shows now (a point source at 5
 * sigma of the background's noise in one frame), magnitude */
#define GST_METEOR_STATS_LIMITING_MAGNITUDE "limiting-magnitude"
/* whether it has a calibration (gboolean), and its age at the last frame
 * (s, when the calibration's time is known) */
#define GST_METEOR_STATS_CALIBRATED "calibrated"
#define GST_METEOR_STATS_CALIBRATION_AGE "calibration-age"

/* tieredsink's: lookups, and the memory pressure it judges (memory-usage
 * a fraction of its limit, its thresholds, and the level it is at: one of
 * "normal", "low", "high"). Per tier, "<tier>-<what>" with tier hot, warm
 * or cold and what hits, misses, bytes, frames, evictions, bytes-written. */
#define GST_METEOR_STATS_MISSES "misses"
#define GST_METEOR_STATS_PROMOTIONS "promotions"
#define GST_METEOR_STATS_MEMORY_USAGE "memory-usage"
#define GST_METEOR_STATS_PRESSURE_HIGH "pressure-high"
#define GST_METEOR_STATS_PRESSURE_LOW "pressure-low"
#define GST_METEOR_STATS_PRESSURE_LEVEL "pressure-level"

/* meteor-station's camera (its watchdog) and the clock state it stamps
 * frames with: reconnects and seconds lost (counts), up (1 or 0), seconds
 * since the last frame, clock synchronised (1 or 0), its estimated error
 * and offset in seconds (doubles) */
#define GST_METEOR_STATS_RECONNECTS "reconnects"
#define GST_METEOR_STATS_UP "up"
#define GST_METEOR_STATS_SINCE_FRAME "seconds-since-frame"
#define GST_METEOR_STATS_DROPPED_SECONDS "dropped-seconds"
#define GST_METEOR_STATS_CLOCK_SYNCHRONIZED "clock-synchronized"
#define GST_METEOR_STATS_CLOCK_ERROR "clock-error-seconds"
#define GST_METEOR_STATS_CLOCK_OFFSET "clock-offset-seconds"
/* the bytes meteor-station wrote itself, by kind (counts; tieredsink
 * counts its frames and clips in its own stats) */
#define GST_METEOR_STATS_WRITTEN_RECORDS "written-records-bytes"
#define GST_METEOR_STATS_WRITTEN_FF "written-ff-bytes"
#define GST_METEOR_STATS_WRITTEN_ECSV "written-ecsv-bytes"
#define GST_METEOR_STATS_WRITTEN_CALIBRATION "written-calibration-bytes"
#define GST_METEOR_STATS_WRITTEN_SUMMARY "written-summary-bytes"
/* the bytes its quota deleted in the nights before tonight (counts) */
#define GST_METEOR_STATS_DELETED_COLD "deleted-cold-bytes"
#define GST_METEOR_STATS_DELETED_FF "deleted-ff-bytes"
#define GST_METEOR_STATS_DELETED_CLIP "deleted-clip-bytes"

#endif /* __GST_METEOR_STATS_FIELDS_H__ */
