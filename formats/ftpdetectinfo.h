/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: RMS FTPdetectinfo files, the text the Global Meteor Network
 * and UKMON exchange detections in (pure C on GLib).
 *
 * The layout, as RMS writes it: 11 header lines (meteor count, who
 * processed it, the FF and CAL folders, the column legends), then per
 * meteor a line of 55 dashes, the FF file's name, the calibration line
 * ("Uncalibrated" or when and how it was calibrated), a header
 *   Cam# Meteor# #Segments fps hnr mle bin Pix/fm Rho Phi
 * and one row a point:
 *   Frame# Col Row RA Dec Azim Elev Inten Mag
 * Rho and Phi are the meteor's line in the image: Phi the direction of
 * its normal in degrees, Rho its distance in pixels from the image centre,
 * x to the right and y up. An uncalibrated point has zeros for RA, Dec,
 * Azim and Elev. */
#ifndef __METEOR_FTPDETECTINFO_H__
#define __METEOR_FTPDETECTINFO_H__

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

typedef struct {
  double frame;               /* in its FF block, fractional */
  double x, y;                /* column and row, from the top left */
  double ra, dec, azim, elev; /* degrees; azimuth from north through east */
  unsigned intensity;
  double mag;
} MeteorFtpPoint;

typedef struct {
  char *ff_name;
  char *calibration; /* NULL: "Uncalibrated" */
  char *cam_code;
  unsigned meteor_no;
  double fps, hnr, mle, bin, pix_fm, rho, phi;
  GArray *points; /* MeteorFtpPoint */
} MeteorFtpMeteor;

typedef struct {
  char *processed; /* the "Processed with ..." line */
  char *ff_folder, *cal_folder;
  GPtrArray *meteors; /* MeteorFtpMeteor */
} MeteorFtpFile;

MeteorFtpFile *meteor_ftp_file_new (
    const char *ff_folder, const char *cal_folder);
void meteor_ftp_file_free (MeteorFtpFile *f);

/* A meteor with no points yet (added to @f, which owns it). */
MeteorFtpMeteor *meteor_ftp_file_add (MeteorFtpFile *f, const char *ff_name,
    const char *cam_code, double fps, const char *calibration);
void meteor_ftp_meteor_add_point (MeteorFtpMeteor *m, const MeteorFtpPoint *p);
/* Pix/fm from the first and last point; Rho and Phi from the line fitted
 * through all points, about the centre of a @width x @height image. */
void meteor_ftp_meteor_fit_line (MeteorFtpMeteor *m, int width, int height);

/* The file's text; newlines are "\n". */
void meteor_ftp_write (FILE *out, const MeteorFtpFile *f);
/* Written beside @path, synced and renamed over it: never half a file. */
gboolean meteor_ftp_write_file (
    const char *path, const MeteorFtpFile *f, GError **error);
/* Reads RMS's files or ours ("\r\n" or "\n"); an error names the line. */
MeteorFtpFile *meteor_ftp_read_file (const char *path, GError **error);

G_END_DECLS

#endif /* __METEOR_FTPDETECTINFO_H__ */
