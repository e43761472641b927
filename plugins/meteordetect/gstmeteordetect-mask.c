/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteordetect's mask, a binary PGM */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmeteordetect-private.h"

#include <gst/meteor/meteor.h>
#include <math.h>
#include <string.h>

#define GST_CAT_DEFAULT meteordetect_debug

/* ------------------------------------------------------------- mask */

static void
skip_pgm_space (const gchar *p, gsize len, gsize *pos)
{
  while (*pos < len) {
    if (p[*pos] == '#') {
      while (*pos < len && p[*pos] != '\n')
        (*pos)++;
    } else if (g_ascii_isspace (p[*pos])) {
      (*pos)++;
    } else {
      break;
    }
  }
}

static gboolean
read_pgm_number (const gchar *p, gsize len, gsize *pos, guint *value)
{
  guint64 v = 0;

  skip_pgm_space (p, len, pos);
  if (*pos >= len || !g_ascii_isdigit (p[*pos]))
    return FALSE;
  while (*pos < len && g_ascii_isdigit (p[*pos])) {
    v = v * 10 + (p[*pos] - '0');
    if (v > G_MAXINT)
      return FALSE;
    (*pos)++;
  }
  *value = (guint)v;
  return TRUE;
}

/* Reads @path, a binary PGM (P5, maxval 255) of @width x @height: the
 * pixels, row after row. Anything else is an element error naming the file
 * and what is wrong with it; returns NULL then. */
guint8 *
md_load_mask (GstMeteorDetect *self, const gchar *path, gint width, gint height)
{
  GError *error = NULL;
  gchar *data = NULL;
  gsize len = 0, pos = 2;
  guint w = 0, h = 0, maxval = 0;
  guint8 *mask = NULL;

  if (!g_file_get_contents (path, &data, &len, &error)) {
    if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("mask %s does not exist", path), ("%s", error->message));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
          ("mask %s cannot be read: %s", path, error->message), (NULL));
    g_clear_error (&error);
    return NULL;
  }

  if (len < 2 || data[0] != 'P' || data[1] != '5' ||
      !read_pgm_number (data, len, &pos, &w) ||
      !read_pgm_number (data, len, &pos, &h) ||
      !read_pgm_number (data, len, &pos, &maxval) || pos >= len ||
      !g_ascii_isspace (data[pos])) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("mask %s is not a binary PGM image (P5)", path),
        ("expected \"P5 <width> <height> 255\" and the pixels, one byte "
         "each; 0 = ignore the pixel"));
    goto done;
  }
  pos++; /* the single whitespace before the pixels */
  if (maxval != 255) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("mask %s has maxval %u: it must be 255 (8-bit)", path, maxval),
        (NULL));
    goto done;
  }
  if (w != (guint)width || h != (guint)height) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("mask %s is %ux%u, frames are %dx%d", path, w, h, width, height),
        ("the mask must have the frame's size"));
    goto done;
  }
  if (len - pos < (gsize)w * h) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("mask %s is truncated: %" G_GSIZE_FORMAT " of %u pixels", path,
            len - pos, w * h),
        (NULL));
    goto done;
  }
  mask = g_memdup2 (data + pos, (gsize)w * h);

done:
  g_free (data);
  return mask;
}
