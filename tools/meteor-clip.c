/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-clip — list, describe and export the event clips that
 * tieredsink writes under its location.
 *
 *   meteor-clip list /var/lib/meteor/clips
 *   meteor-clip info /var/lib/meteor/clips/<clip> [--frames]
 *   meteor-clip export /var/lib/meteor/clips/<clip> --y4m out.y4m
 *   meteor-clip export CLIP --png DIR     (one PNG a frame)
 *   meteor-clip export CLIP --fits out.fits
 *   meteor-clip export CLIP --salvage --y4m out.y4m   (a damaged clip's
 *                                                      good frames)
 *   meteor-clip export CLIP --ftpdetectinfo FILE --station ID
 *   meteor-clip export CLIP --ecsv DIR --station ID --calibration WCS
 *                           --latitude D --longitude D [--elevation M]
 */
#include "clipexport.h"
#ifdef METEOR_CLIP_DETECTIONS
#include "ecsvdetection.h"
#endif

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void
usage (FILE *out)
{
  fputs (
      "usage: meteor-clip list LOCATION\n"
      "       meteor-clip info CLIP [--frames]\n"
      "       meteor-clip export CLIP (--y4m FILE | --png DIR | --fits FILE |\n"
      "                               --ff DIR --station ID |\n"
      "                               --ftpdetectinfo FILE --station ID |\n"
      "                               --ecsv DIR --station ID --calibration "
      "WCS\n"
      "                               --latitude D --longitude D\n"
      "                               [--elevation M])\n"
      "                               [--salvage]\n"
      "\n"
      "Clips are the directories tieredsink writes (frames.mtrs: lossless\n"
      "zstd records; clip.json: caps, detection, frame list). Raw formats\n"
      "GRAY8, GRAY16_LE, RGB, BGR, RGBx, BGRx, I420, NV12, YUY2.\n"
      "\n"
      "What each export gets:\n"
      "  --y4m FILE   one YUV4MPEG2 stream. GRAY8 -> Cmono, GRAY16_LE ->\n"
      "               Cmono16 (little-endian), I420/NV12 -> C420jpeg, YUY2 ->\n"
      "               C422: the samples as they are (lossless). RGB, BGR,\n"
      "               RGBx, BGRx -> C444 converted to Y'CbCr (BT.601, limited\n"
      "               range): lossy by rounding. Frame rate from the caps,\n"
      "               else from the timestamps.\n"
      "  --png DIR    DIR/frame-<frame_id>.png for each frame. GRAY8 -> 8-bit\n"
      "               grey, GRAY16_LE -> 16-bit grey, RGB formats -> 8-bit "
      "RGB\n"
      "               (lossless); I420, NV12, YUY2 -> 8-bit RGB converted "
      "with\n"
      "               BT.601 limited range (lossy).\n"
      "  --fits FILE  one FITS cube of all frames, bottom row first. GRAY8 ->\n"
      "               BITPIX 8, GRAY16_LE -> BITPIX 16 + BZERO 32768\n"
      "               (lossless); RGB formats -> BITPIX 8, W x H x 3 x N;\n"
      "               I420, NV12, YUY2 -> their luma (Y) only.\n"
      "  --ff DIR     RMS FF blocks (the four-plane FITS the Global Meteor\n"
      "               Network reads) into DIR, in the station's blocks of 256\n"
      "               frame ids, named "
      "FF_<ID>_<date>_<time>_<ms>_<frame>.fits\n"
      "               for --station ID (its code, e.g. US0001); of the luma.\n"
      "  --ftpdetectinfo FILE\n"
      "               the clip's meteors as RMS's FTPdetectinfo (what the\n"
      "               Global Meteor Network reads), each in the FF block of\n"
      "               its first frame for --station ID: per frame its pixel\n"
      "               and intensity and, when meteordetect was calibrated,\n"
      "               RA, Dec, azimuth, elevation and magnitude (zero when\n"
      "               not). Needs a meteor-clip built with GStreamer.\n"
      "  --ecsv DIR   the clip's calibrated meteors as GDEF ECSV files (what\n"
      "               GMN, UKMON and WMPL exchange), one a meteor, named by\n"
      "               GDEF's rule; the header's camera pointing and field\n"
      "               from --calibration (the WCS meteordetect used), its\n"
      "               place from --latitude, --longitude (degrees, east\n"
      "               positive) and --elevation (m). Needs GStreamer too.\n"
      "  --salvage    a damaged clip (a record that fails its CRC) gives the\n"
      "               frames that check out; how many are lost is said.\n"
      "\n"
      "list names every clip directory; one that is damaged or has no\n"
      "clip.json (an unfinished or broken clip) is listed as damaged.\n",
      out);
}

/* @text as a number, whole (no trailing characters). */
static int
parse_number (const char *text, double *out)
{
  char *end;

  *out = strtod (text, &end);
  return end != text && *end == '\0' && isfinite (*out);
}

/* Clip directories tier_clip_list leaves out: no clip.json. */
static void
list_without_sidecar (const char *location)
{
  DIR *d = opendir (location);
  struct dirent *de;
  char path[4300];
  struct stat st;

  while (d && (de = readdir (d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    snprintf (path, sizeof path, "%s/%s", location, de->d_name);
    if (stat (path, &st) < 0 || !S_ISDIR (st.st_mode))
      continue;
    snprintf (
        path, sizeof path, "%s/%s/%s", location, de->d_name, TIER_CLIP_SIDECAR);
    if (stat (path, &st) < 0)
      printf ("%s\tdamaged: no %s (an unfinished or broken clip)\n", de->d_name,
          TIER_CLIP_SIDECAR);
  }
  if (d)
    closedir (d);
}

static int
cmd_list (const char *location)
{
  char err[512], **names;
  size_t n, i;

  if (tier_clip_list (location, &names, &n, err, sizeof err) < 0) {
    fprintf (stderr, "meteor-clip: %s\n", err);
    return 1;
  }
  list_without_sidecar (location);
  for (i = 0; i < n; i++) {
    char path[4300];
    TierClip *clip;
    snprintf (path, sizeof path, "%s/%s", location, names[i]);
    clip = tier_clip_open (path, err, sizeof err);
    if (clip) {
      printf ("%s\t%zu frames\t%" PRIu64 " bytes\t%s\n", names[i],
          clip->n_frames, clip->raw_bytes, clip->format);
      tier_clip_close (clip);
    } else
      printf ("%s\tdamaged: %s\n", names[i], err);
    free (names[i]);
  }
  free (names);
  return 0;
}

static void
say_ff (const char *path, uint64_t counter, unsigned frames, void *data)
{
  if (path)
    printf ("meteor-clip: %s: %u frames\n", path, frames);
  else
    printf ("meteor-clip: frames %" PRIu64 "..: %u of the clip's, too few "
            "for a block\n",
        counter, frames);
}

int
main (int argc, char **argv)
{
  static const struct option opts[] = { { "y4m", required_argument, 0, 'y' },
    { "png", required_argument, 0, 'p' }, { "fits", required_argument, 0, 'f' },
    { "frames", no_argument, 0, 'F' }, { "salvage", no_argument, 0, 's' },
    { "ff", required_argument, 0, 'r' },
    { "ftpdetectinfo", required_argument, 0, 'D' },
    { "ecsv", required_argument, 0, 'E' },
    { "calibration", required_argument, 0, 'C' },
    { "latitude", required_argument, 0, 'L' },
    { "longitude", required_argument, 0, 'O' },
    { "elevation", required_argument, 0, 'H' },
    { "station", required_argument, 0, 'S' }, { "help", no_argument, 0, 'h' },
    { 0, 0, 0, 0 } };
  const char *y4m = NULL, *png = NULL, *fits = NULL, *ff = NULL, *ftp = NULL;
  const char *ecsv = NULL, *calibration = NULL;
  double place[3] = { NAN, NAN, 0 }; /* latitude, longitude, elevation */
  const char *station = NULL, *cmd, *arg;
  int frames = 0, salvage = 0, c, status = 0;
  size_t lost = 0;
  char err[512] = "";
  TierClip *clip;
  ClipVideo v;

  while ((c = getopt_long (argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
      case 'y':
        y4m = optarg;
        break;
      case 'p':
        png = optarg;
        break;
      case 'f':
        fits = optarg;
        break;
      case 'r':
        ff = optarg;
        break;
      case 'S':
        station = optarg;
        break;
      case 'D':
        ftp = optarg;
        break;
      case 'E':
        ecsv = optarg;
        break;
      case 'C':
        calibration = optarg;
        break;
      case 'L':
      case 'O':
      case 'H':
        if (!parse_number (optarg, &place[c == 'L' ? 0 : c == 'O' ? 1 : 2])) {
          fprintf (stderr, "meteor-clip: not a number: %s\n", optarg);
          return 2;
        }
        break;
      case 'F':
        frames = 1;
        break;
      case 's':
        salvage = 1;
        break;
      case 'h':
        usage (stdout);
        return 0;
      default:
        usage (stderr);
        return 2;
    }
  }
  if (argc - optind != 2) {
    usage (stderr);
    return 2;
  }
  cmd = argv[optind];
  arg = argv[optind + 1];
  if (strcmp (cmd, "list") == 0)
    return cmd_list (arg);
  if (strcmp (cmd, "info") != 0 && strcmp (cmd, "export") != 0) {
    fprintf (stderr, "meteor-clip: unknown command %s\n", cmd);
    usage (stderr);
    return 2;
  }
  if (strcmp (cmd, "export") == 0 && !y4m && !png && !fits && !ff && !ftp &&
      !ecsv) {
    fprintf (stderr, "meteor-clip: export needs --y4m, --png, --fits, --ff, "
                     "--ftpdetectinfo or --ecsv\n");
    return 2;
  }
#ifndef METEOR_CLIP_DETECTIONS
  if (ftp || ecsv) {
    fprintf (stderr, "meteor-clip: --ftpdetectinfo and --ecsv need a "
                     "meteor-clip built with GStreamer (they read "
                     "meteordetect's detections)\n");
    return 2;
  }
#endif
  if (ecsv &&
      (calibration == NULL || !isfinite (place[0]) || !isfinite (place[1]))) {
    fprintf (stderr, "meteor-clip: --ecsv needs --calibration WCS, "
                     "--latitude D and --longitude D (the header's camera "
                     "and place)\n");
    return 2;
  }
  if ((ff || ftp || ecsv) &&
      (station == NULL || !station[0] || strchr (station, '_') ||
          strchr (station, '/'))) {
    fprintf (stderr, "meteor-clip: --ff, --ftpdetectinfo and --ecsv need "
                     "--station ID, the station's "
                     "code in the FF names (e.g. US0001; no '_' or '/')\n");
    return 2;
  }
  clip = salvage ? tier_clip_open_salvage (arg, &lost, err, sizeof err)
                 : tier_clip_open (arg, err, sizeof err);
  if (clip == NULL) {
    fprintf (stderr, "meteor-clip: %s%s\n", err,
        strstr (err, "damaged") ? " (--salvage gives the good frames)" : "");
    return 1;
  }
  if (lost)
    fprintf (stderr,
        "meteor-clip: %s\nmeteor-clip: salvaged %zu frames, %zu "
        "lost\n",
        err, clip->n_frames, lost);
  if (strcmp (cmd, "info") == 0) {
    clip_print_info (clip, stdout, frames);
    tier_clip_close (clip);
    return 0;
  }
  if (clip_video_parse (clip->format, clip->n_planes, clip->offset,
          clip->stride, &v, err, sizeof err) < 0) {
    fprintf (stderr, "meteor-clip: %s: %s\n", arg, err);
    tier_clip_close (clip);
    return 1;
  }
  for (c = 0; c < 2; c++) {
    const char *dir = c ? ff : png;
    if (dir && status == 0 && mkdir (dir, 0755) < 0 && errno != EEXIST) {
      fprintf (
          stderr, "meteor-clip: cannot create %s: %s\n", dir, strerror (errno));
      status = 1;
    }
  }
  if (status == 0 && y4m &&
      clip_export_y4m (clip, &v, y4m, err, sizeof err) < 0)
    status = 1;
  if (status == 0 && png &&
      clip_export_png (clip, &v, png, err, sizeof err) < 0)
    status = 1;
  if (status == 0 && fits &&
      clip_export_fits (clip, &v, fits, err, sizeof err) < 0)
    status = 1;
  if (status == 0 && ff &&
      clip_export_ff (&clip, 1, &v, 0, UINT64_MAX, ff, station, say_ff, NULL,
          err, sizeof err) < 0)
    status = 1;
#ifdef METEOR_CLIP_DETECTIONS
  if (status == 0 && ftp &&
      clip_export_ftpdetectinfo (clip, &v, ftp, station, err, sizeof err) < 0)
    status = 1;
  if (status == 0 && ecsv) {
    MeteorEcsvSource where = { station, calibration, place[0], place[1],
      place[2], 0, 0, NULL };

    if (clip_export_ecsv (clip, &v, ecsv, &where, err, sizeof err) < 0)
      status = 1;
  }
#endif
  if (status)
    fprintf (stderr, "meteor-clip: %s\n", err[0] ? err : "export failed");
  else
    printf ("meteor-clip: %zu frames of %s %ux%u exported\n", clip->n_frames,
        v.name, v.width, v.height);
  tier_clip_close (clip);
  return status;
}
