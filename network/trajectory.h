/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a meteor's trajectory from two or more stations' lines of
 * sight, by intersecting planes (Ceplecha 1987) refined by least squares.
 * The core of the meteor-network node: plain C on libm and libnova, no
 * GStreamer. */
#ifndef __METEOR_TRAJECTORY_H__
#define __METEOR_TRAJECTORY_H__

#include <stddef.h>

typedef struct {
  double lat_deg, lon_deg, height_m; /* station, WGS84 geodetic */
} MeteorSite;

typedef struct {
  double t; /* s, UTC as seconds since the Unix epoch (fractional) */
  /* line of sight in the station's local east-north-up frame (up = the
   * WGS84 normal): azimuth from north through east, elevation */
  double az_deg, el_deg;
} MeteorSight;

typedef struct {
  MeteorSite site;
  const MeteorSight *points; /* ordered in time */
  size_t n_points;           /* >= 2 */
} MeteorObservation;

typedef struct {
  /* the first and last points seen by any station, WGS84 geodetic */
  double begin_lat_deg, begin_lon_deg, begin_height_m;
  double end_lat_deg, end_lon_deg, end_height_m;
  /* mean speed along the trajectory: the slope of distance along it
   * against time, one slope for all, each station its own offset (so a
   * station's clock offset does not matter) */
  double speed_m_s;
  /* where it came from, equatorial J2000 (mean equator and equinox):
   * the observed direction, not corrected for the Earth's rotation
   * (diurnal aberration) or gravity (zenith attraction), so not yet the
   * geocentric radiant */
  double radiant_ra_deg, radiant_dec_deg;
  /* 1-sigma estimates from the fit's residuals and geometry, taking every
   * sight's error as independent: systematic errors (a camera's
   * calibration, clocks) are not in them. The line's covariance is
   * s^2 (J'J)^-1 of its least squares, s^2 the residuals' variance; NaN
   * with no more sights than the line's 4 unknowns. On synthetic meteors
   * with 0.02 degree noise they match the rms of the real errors within
   * some 10 % (tests/network/test-trajectory.c). */
  double radiant_sigma_deg; /* the direction's, both axes in quadrature */
  /* the slope's scatter and the line's covariance carried to it */
  double speed_sigma_m_s;
  /* the worse of begin and end: the line's covariance carried to the
   * point, and the defining sight's own angular error (the residuals'
   * rms angle) moving it along the line */
  double height_sigma_m;
  /* the largest angle between two stations' planes: the pair the fit
   * starts from; small = poorly determined */
  double convergence_deg;
  /* rms distance of the lines of sight from the fitted line */
  double residual_m;
  size_t n_sights; /* lines of sight the fit used */
} MeteorTrajectory;

/* Planes closer to parallel than this give no trajectory */
#define METEOR_TRAJECTORY_MIN_CONVERGENCE_DEG 3.0

/* Fits the trajectory seen by @n_obs stations. Returns 0 and fills @out,
 * or -1 with @out zeroed and a message in @error (up to @error_len bytes;
 * @error may be NULL when @error_len is 0) naming the cause: fewer than 2
 * observations or 2 points, non-finite or out-of-range input, sights out of
 * time order, a station whose sights do not span a plane, planes closer to
 * parallel than METEOR_TRAJECTORY_MIN_CONVERGENCE_DEG, a line of sight
 * pointing away from the fitted trajectory (behind its station). */
int meteor_triangulate (const MeteorObservation *obs, size_t n_obs,
    MeteorTrajectory *out, char *error, size_t error_len);

#endif /* __METEOR_TRAJECTORY_H__ */
