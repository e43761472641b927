/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: what meteor-station records of a night, from its pipeline:
 * every detection as a line of NIGHT/detections.jsonl the moment it is
 * reported (with the clock state then), the clips tieredsink saved or
 * could not, the max-pixel image of the frames; and at dawn or on stop
 * night.json and night.png (stationnight.c). */
#ifndef __METEOR_STATION_RECORD_H__
#define __METEOR_STATION_RECORD_H__

#include "stationclock.h"
#include "stationconfig.h"

#include <gst/gst.h>

typedef struct StationRecord StationRecord;

/* For the night @night in @dir, of @pipeline (its "pool", "detect",
 * "store" and "camera" elements). */
StationRecord *station_record_new (const StationConfig *config,
    const gchar *night, const gchar *dir, GstElement *pipeline,
    const StationClockState *clock);
void station_record_free (StationRecord *r);

/* The clock state the station read (every minute). */
void station_record_clock (StationRecord *r, const StationClockState *clock);

/* A bus message: a detection, a clip saved, a clip not written. */
void station_record_message (
    StationRecord *r, GstMessage *msg, const StationClockState *clock);

/* Capture stopped: the counters from the elements' stats, then
 * night.json and night.png. FALSE with @error when they cannot be
 * written. */
gboolean station_record_finish (StationRecord *r, gdouble start_utc,
    gdouble end_utc, const StationClockState *clock, GError **error);

#endif /* __METEOR_STATION_RECORD_H__ */
