/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the kernel's clock state, as meteor-station reports it
 * (pure C): synchronised or not, its estimated error and offset, read
 * with adjtimex(2) through a reader that tests replace. */
#ifndef __METEOR_STATION_CLOCK_H__
#define __METEOR_STATION_CLOCK_H__

#include <glib.h>

struct timex;

typedef struct {
  gboolean synchronized; /* the kernel says NTP (or PTP) disciplines it */
  gdouble error_s;       /* estimated error (esterror), seconds */
  gdouble max_error_s;   /* maximum error (maxerror), seconds */
  gdouble offset_s;      /* last offset from the reference, seconds */
  gint state;            /* adjtimex's result: TIME_OK ... TIME_ERROR, -1 */
} StationClockState;
#define STATION_CLOCK_STATE_DEFINED 1

/* adjtimex(2), or a stand-in with its contract */
typedef int (*StationClockReader) (struct timex *tx);

/* Reads the clock state with @reader (NULL: adjtimex). A reader that
 * fails gives an unsynchronised state with state -1. */
void station_clock_read (StationClockReader reader, StationClockState *out);

/* One line for the log: "synchronised, error 0.000 s, offset 0.000 s" or
 * "NOT synchronised (...)"; g_free it. */
gchar *station_clock_describe (const StationClockState *s);

#endif /* __METEOR_STATION_CLOCK_H__ */
