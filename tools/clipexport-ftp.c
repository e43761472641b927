/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a clip's detections as an FTPdetectinfo file (meteor-clip
 * export --ftpdetectinfo), each in the FF block of its first frame, and
 * as GDEF ECSV files (--ecsv), as meteor-station writes its night's
 * (formats/detection/). The detections are meteordetect's structures as
 * text in clip.json: this part reads them with GStreamer. */
#include "clipexport.h"

#include "ecsvdetection.h"
#include "ftpdetection.h"

#include <string.h>

int
clip_export_ftpdetectinfo (TierClip *clip, const ClipVideo *v, const char *path,
    const char *station, char *error, size_t error_len)
{
  gchar **lines;
  double fps = v->fps_d > 0 ? (double)v->fps_n / v->fps_d : 0;
  MeteorFtpFile *f = meteor_ftp_file_new (clip->path, clip->path);
  GError *gerror = NULL;
  int added = 0, i, status = 0;

  gst_init (NULL, NULL);
  lines = g_strsplit (clip->detection ? clip->detection : "", "\n", -1);
  for (i = 0; lines[i]; i++) {
    GstStructure *s =
        lines[i][0] ? gst_structure_from_string (lines[i], NULL) : NULL;
    char ff_name[128];

    if (s == NULL) {
      if (lines[i][0])
        fprintf (stderr, "meteor-clip: %s: detection %d is not a structure\n",
            clip->path, i + 1);
      continue;
    }
    if (meteor_ftp_add_detection (f, s, station, fps, v->width, v->height,
            ff_name, sizeof ff_name, &gerror)) {
      printf ("meteor-clip: meteor in %s\n", ff_name);
      added++;
    } else {
      fprintf (stderr, "meteor-clip: %s: %s\n", clip->path, gerror->message);
      g_clear_error (&gerror);
    }
    gst_structure_free (s);
  }
  g_strfreev (lines);
  if (added == 0) {
    snprintf (error, error_len,
        "%s: no detection with a path, a time and a "
        "frame rate: no FTPdetectinfo written",
        clip->path);
    status = -1;
  } else if (!meteor_ftp_write_file (path, f, &gerror)) {
    snprintf (error, error_len, "%s", gerror->message);
    g_error_free (gerror);
    status = -1;
  }
  meteor_ftp_file_free (f);
  return status;
}

int
clip_export_ecsv (TierClip *clip, const ClipVideo *v, const char *dir,
    const MeteorEcsvSource *where, char *error, size_t error_len)
{
  gchar **lines;
  GError *gerror = NULL;
  int written = 0, i;

  gst_init (NULL, NULL);
  lines = g_strsplit (clip->detection ? clip->detection : "", "\n", -1);
  for (i = 0; lines[i]; i++) {
    GstStructure *s =
        lines[i][0] ? gst_structure_from_string (lines[i], NULL) : NULL;
    MeteorEcsvSource src = *where;
    gchar *path;

    if (s == NULL)
      continue;
    src.width = v->width;
    src.height = v->height;
    path = meteor_ecsv_write_detection (dir, s, &src, &gerror);
    if (path) {
      printf ("meteor-clip: %s\n", path);
      written++;
      g_free (path);
    } else {
      fprintf (stderr, "meteor-clip: %s: %s\n", clip->path, gerror->message);
      g_clear_error (&gerror);
    }
    gst_structure_free (s);
  }
  g_strfreev (lines);
  if (written == 0) {
    snprintf (error, error_len,
        "%s: no calibrated detection: no ECSV "
        "written",
        clip->path);
    return -1;
  }
  return 0;
}
