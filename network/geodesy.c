/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: WGS84 geodesy (see geodesy.h). */
#include "geodesy.h"

#include <math.h>

#define WGS84_A 6378137.0
#define WGS84_F (1.0 / 298.257223563)
#define WGS84_E2 (WGS84_F * (2.0 - WGS84_F))
#define DEG (M_PI / 180.0)

void
meteor_geodetic_to_ecef (
    double lat_deg, double lon_deg, double height_m, double xyz[3])
{
  double sl = sin (lat_deg * DEG), cl = cos (lat_deg * DEG);
  /* the prime vertical's radius of curvature */
  double n = WGS84_A / sqrt (1.0 - WGS84_E2 * sl * sl);

  xyz[0] = (n + height_m) * cl * cos (lon_deg * DEG);
  xyz[1] = (n + height_m) * cl * sin (lon_deg * DEG);
  xyz[2] = (n * (1.0 - WGS84_E2) + height_m) * sl;
}

void
meteor_ecef_to_geodetic (
    const double xyz[3], double *lat_deg, double *lon_deg, double *height_m)
{
  double p = hypot (xyz[0], xyz[1]), lat, sl, n = WGS84_A;
  int i;

  /* the fixed point converges to double precision within a few rounds
   * at any height a meteor or a station has */
  lat = atan2 (xyz[2], p * (1.0 - WGS84_E2));
  for (i = 0; i < 8; i++) {
    sl = sin (lat);
    n = WGS84_A / sqrt (1.0 - WGS84_E2 * sl * sl);
    lat = atan2 (xyz[2] + WGS84_E2 * n * sl, p);
  }
  sl = sin (lat);
  n = WGS84_A / sqrt (1.0 - WGS84_E2 * sl * sl);
  *lat_deg = lat / DEG;
  *lon_deg = atan2 (xyz[1], xyz[0]) / DEG;
  /* p cos + z sin: no division by cos(lat), fine at the poles too */
  *height_m = p * cos (lat) + xyz[2] * sl - WGS84_A * WGS84_A / n;
}

void
meteor_enu_basis (double lat_deg, double lon_deg, double east[3],
    double north[3], double up[3])
{
  double sf = sin (lat_deg * DEG), cf = cos (lat_deg * DEG);
  double sl = sin (lon_deg * DEG), cl = cos (lon_deg * DEG);

  east[0] = -sl;
  east[1] = cl;
  east[2] = 0.0;
  north[0] = -sf * cl;
  north[1] = -sf * sl;
  north[2] = cf;
  up[0] = cf * cl;
  up[1] = cf * sl;
  up[2] = sf;
}

void
meteor_azel_to_ecef (
    double lat_deg, double lon_deg, double az_deg, double el_deg, double dir[3])
{
  double e[3], n[3], u[3];
  double ce = cos (el_deg * DEG), se = sin (el_deg * DEG);
  double sa = sin (az_deg * DEG), ca = cos (az_deg * DEG);
  int i;

  meteor_enu_basis (lat_deg, lon_deg, e, n, u);
  for (i = 0; i < 3; i++)
    dir[i] = ce * sa * e[i] + ce * ca * n[i] + se * u[i];
}
