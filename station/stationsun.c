/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's night schedule (pure C, libnova). */
#include "stationsun.h"

#include <libnova/julian_day.h>
#include <libnova/solar.h>
#include <libnova/transform.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

/* the Julian day of 1970-01-01T00:00Z */
#define JD_UNIX_EPOCH 2440587.5
/* the altitude changes by at most 15 degrees an hour: stepping 10 min at
 * a time cannot step over a dusk and the following dawn together */
#define STEP_S 600.0

double
station_sun_altitude (double lat, double lon, double t)
{
  double jd = JD_UNIX_EPOCH + t / 86400.0;
  struct ln_lnlat_posn observer = { .lng = lon, .lat = lat };
  struct ln_equ_posn equ;
  struct ln_hrz_posn hrz;

  ln_get_solar_equ_coords (jd, &equ);
  ln_get_hrz_from_equ (&equ, &observer, jd, &hrz);
  return hrz.alt;
}

int
station_night_at (double lat, double lon, double altitude, double t,
    double horizon_s, double *change)
{
  int night = station_sun_altitude (lat, lon, t) < altitude;
  double a = t, b;

  *change = 0;
  for (b = t + STEP_S; b <= t + horizon_s; a = b, b += STEP_S) {
    if ((station_sun_altitude (lat, lon, b) < altitude) == night)
      continue;
    /* the crossing is in (a, b]: halve it down to a second */
    while (b - a > 1.0) {
      double m = (a + b) / 2;
      if ((station_sun_altitude (lat, lon, m) < altitude) == night)
        a = m;
      else
        b = m;
    }
    *change = ceil (b);
    break;
  }
  return night;
}

void
station_night_name (
    double lat, double lon, double altitude, double t, char name[9])
{
  double dusk = t, change;
  time_t s;
  struct tm tm;

  /* in the night (or in a polar night): back to its dusk, at most a day */
  if (station_night_at (lat, lon, altitude, t, 1, &change)) {
    double back;
    for (back = STEP_S; back <= 86400; back += STEP_S)
      if (station_sun_altitude (lat, lon, t - back) >= altitude) {
        dusk = t - back;
        break;
      }
  }
  s = (time_t)dusk;
  gmtime_r (&s, &tm);
  strftime (name, 9, "%Y%m%d", &tm);
}
