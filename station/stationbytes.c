/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the bytes meteor-station writes itself. */
#include "stationbytes.h"

#include <glib/gstdio.h>

#include <string.h>

static guint64 written[STATION_BYTES_KINDS];
static guint64 deleted[STATION_DELETED_KINDS];

void
station_bytes_add (StationBytesKind kind, guint64 bytes)
{
  g_return_if_fail (kind < STATION_BYTES_KINDS);
  __atomic_add_fetch (&written[kind], bytes, __ATOMIC_RELAXED);
}

void
station_bytes_add_file (StationBytesKind kind, const gchar *path)
{
  GStatBuf st;

  if (path && g_stat (path, &st) == 0 && st.st_size > 0)
    station_bytes_add (kind, (guint64)st.st_size);
}

guint64
station_bytes_get (StationBytesKind kind)
{
  g_return_val_if_fail (kind < STATION_BYTES_KINDS, 0);
  return __atomic_load_n (&written[kind], __ATOMIC_RELAXED);
}

void
station_bytes_deleted (const gchar *what, guint64 bytes)
{
  StationDeletedKind k = strcmp (what, "cold") == 0 ? STATION_DELETED_COLD
                         : strcmp (what, "ff") == 0 ? STATION_DELETED_FF
                                                    : STATION_DELETED_CLIP;

  __atomic_add_fetch (&deleted[k], bytes, __ATOMIC_RELAXED);
}

guint64
station_bytes_deleted_get (StationDeletedKind kind)
{
  g_return_val_if_fail (kind < STATION_DELETED_KINDS, 0);
  return __atomic_load_n (&deleted[kind], __ATOMIC_RELAXED);
}
