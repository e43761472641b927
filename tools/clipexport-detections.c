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

/* Calls @take on each of @clip's detections (their text in clip.json,
 * one a line); @take says on stderr why one is left out. Returns how many
 * it took. */
static int
each_detection (TierClip *clip,
    gboolean (*take) (const GstStructure *s, void *data, GError **error),
    void *data)
{
  gchar **lines;
  GError *gerror = NULL;
  int taken = 0, i;

  gst_init (NULL, NULL);
  lines = g_strsplit (clip->detection ? clip->detection : "", "\n", -1);
  for (i = 0; lines[i]; i++) {
    GstStructure *s =
        lines[i][0] ? gst_structure_from_string (lines[i], NULL) : NULL;

    if (s == NULL) {
      if (lines[i][0])
        fprintf (stderr, "meteor-clip: %s: detection %d is not a structure\n",
            clip->path, i + 1);
      continue;
    }
    if (take (s, data, &gerror))
      taken++;
    else {
      fprintf (stderr, "meteor-clip: %s: %s\n", clip->path, gerror->message);
      g_clear_error (&gerror);
    }
    gst_structure_free (s);
  }
  g_strfreev (lines);
  return taken;
}

typedef struct {
  MeteorFtpFile *file;
  const char *station;
  const ClipVideo *v;
} FtpExport;

static gboolean
add_to_ftp (const GstStructure *s, void *data, GError **error)
{
  FtpExport *x = data;
  const ClipVideo *v = x->v;
  double fps = v->fps_d > 0 ? (double)v->fps_n / v->fps_d : 0;
  char ff_name[128];

  if (!meteor_ftp_add_detection (x->file, s, x->station, fps, v->width,
          v->height, ff_name, sizeof ff_name, error))
    return FALSE;
  printf ("meteor-clip: meteor in %s\n", ff_name);
  return TRUE;
}

int
clip_export_ftpdetectinfo (TierClip *clip, const ClipVideo *v, const char *path,
    const char *station, char *error, size_t error_len)
{
  FtpExport x = { meteor_ftp_file_new (clip->path, clip->path), station, v };
  GError *gerror = NULL;
  int status = 0;

  if (each_detection (clip, add_to_ftp, &x) == 0) {
    snprintf (error, error_len,
        "%s: no detection with a path, a time and a frame rate: no "
        "FTPdetectinfo written",
        clip->path);
    status = -1;
  } else if (!meteor_ftp_write_file (path, x.file, &gerror)) {
    snprintf (error, error_len, "%s", gerror->message);
    g_error_free (gerror);
    status = -1;
  }
  meteor_ftp_file_free (x.file);
  return status;
}

typedef struct {
  const char *dir;
  MeteorEcsvSource src;
} EcsvExport;

static gboolean
write_ecsv (const GstStructure *s, void *data, GError **error)
{
  EcsvExport *x = data;
  gchar *path = meteor_ecsv_write_detection (x->dir, s, &x->src, error);

  if (path == NULL)
    return FALSE;
  printf ("meteor-clip: %s\n", path);
  g_free (path);
  return TRUE;
}

int
clip_export_ecsv (TierClip *clip, const ClipVideo *v, const char *dir,
    const MeteorEcsvSource *where, char *error, size_t error_len)
{
  EcsvExport x = { dir, *where };

  x.src.width = v->width;
  x.src.height = v->height;
  if (each_detection (clip, write_ecsv, &x) == 0) {
    snprintf (error, error_len, "%s: no calibrated detection: no ECSV written",
        clip->path);
    return -1;
  }
  return 0;
}
