/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's night schedule (pure C, libnova): the
 * sun's altitude at the station, and when capture starts and stops.
 * Times are UTC seconds since 1970 (double: sub-second). */
#ifndef __METEOR_STATION_SUN_H__
#define __METEOR_STATION_SUN_H__

/* The sun's altitude in degrees at @t, seen from @lat, @lon (degrees,
 * east positive), without refraction. */
double station_sun_altitude (double lat, double lon, double t);

/* Whether it is night at @t (the sun below @altitude degrees). In
 * @change, when that next changes (dusk or dawn, to a second), or 0 when
 * it does not within @horizon_s seconds (a polar day, or a summer night
 * at high latitude that never gets dark enough). */
int station_night_at (double lat, double lon, double altitude, double t,
    double horizon_s, double *change);

/* The night that @t belongs to, as the UTC date (YYYYMMDD) of its dusk:
 * the directory its files go in. The same all night, across midnight. */
void station_night_name (
    double lat, double lon, double altitude, double t, char name[9]);

#endif /* __METEOR_STATION_SUN_H__ */
