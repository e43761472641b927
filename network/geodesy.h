/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: WGS84 geodesy for the network's triangulation: geodetic
 * latitude, longitude and height to Earth-centred Earth-fixed (ECEF)
 * metres and back, and the local east-north-up frame a station measures
 * its azimuth and elevation in. Plain C, no GStreamer. */
#ifndef __METEOR_GEODESY_H__
#define __METEOR_GEODESY_H__

/* WGS84 geodetic (degrees, metres above the ellipsoid) to ECEF metres */
void meteor_geodetic_to_ecef (
    double lat_deg, double lon_deg, double height_m, double xyz[3]);

/* ECEF metres to WGS84 geodetic; good to well under a millimetre from the
 * centre of the Earth out to the Moon (none of it is near the centre) */
void meteor_ecef_to_geodetic (
    const double xyz[3], double *lat_deg, double *lon_deg, double *height_m);

/* The unit east, north and up vectors (ECEF) at a geodetic place: up is
 * the ellipsoid's normal, the vertical a levelled camera is calibrated to */
void meteor_enu_basis (double lat_deg, double lon_deg, double east[3],
    double north[3], double up[3]);

/* A line of sight seen from a geodetic place, azimuth from north through
 * east and elevation (degrees), as an ECEF unit vector */
void meteor_azel_to_ecef (double lat_deg, double lon_deg, double az_deg,
    double el_deg, double dir[3]);

#endif /* __METEOR_GEODESY_H__ */
