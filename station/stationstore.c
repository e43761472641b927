/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's quota over the nights in its store. */
#include "stationstore.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

guint64
station_store_usage (const gchar *path)
{
  struct stat st;
  guint64 bytes;
  GDir *dir;
  const gchar *name;

  if (lstat (path, &st) != 0)
    return 0;
  bytes = (guint64)st.st_blocks * 512;
  if (!S_ISDIR (st.st_mode) || (dir = g_dir_open (path, 0, NULL)) == NULL)
    return bytes;
  while ((name = g_dir_read_name (dir))) {
    gchar *child = g_build_filename (path, name, NULL);

    bytes += station_store_usage (child);
    g_free (child);
  }
  g_dir_close (dir);
  return bytes;
}

static void
remove_tree (const gchar *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir))) {
    gchar *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
        !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      remove_tree (child);
    else
      g_unlink (child);
    g_free (child);
  }
  if (dir)
    g_dir_close (dir);
  g_rmdir (path);
}

static gboolean
is_night (const gchar *name)
{
  guint i;

  for (i = 0; i < 8; i++)
    if (!g_ascii_isdigit (name[i]))
      return FALSE;
  return name[8] == '\0';
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *)a, *(const gchar *const *)b);
}

/* The directories to delete, in order: every old night's cold/, then its
 * FF blocks (ff/: made from the clips, again if need be), then its clips,
 * oldest first. */
static GPtrArray *
candidates (const gchar *store, const gchar *tonight, GPtrArray *whats)
{
  GPtrArray *nights = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  GDir *dir = g_dir_open (store, 0, NULL);
  const gchar *name;
  guint i;

  while (dir && (name = g_dir_read_name (dir)))
    if (is_night (name) && g_strcmp0 (name, tonight) != 0)
      g_ptr_array_add (nights, g_strdup (name));
  if (dir)
    g_dir_close (dir);
  g_ptr_array_sort (nights, compare_names);
  for (i = 0; i < nights->len * 2; i++) {
    const gchar *what = i < nights->len ? "cold" : "ff";
    g_ptr_array_add (
        paths, g_build_filename (store,
                   g_ptr_array_index (nights, i % nights->len), what, NULL));
    g_ptr_array_add (whats, (gpointer)what);
  }
  for (i = 0; i < nights->len; i++) {
    gchar *clips =
        g_build_filename (store, g_ptr_array_index (nights, i), "clips", NULL);
    GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
    guint j;

    dir = g_dir_open (clips, 0, NULL);
    while (dir && (name = g_dir_read_name (dir)))
      g_ptr_array_add (names, g_strdup (name));
    if (dir)
      g_dir_close (dir);
    g_ptr_array_sort (names, compare_names); /* clip names begin with times */
    for (j = 0; j < names->len; j++) {
      g_ptr_array_add (
          paths, g_build_filename (clips, g_ptr_array_index (names, j), NULL));
      g_ptr_array_add (whats, "clip");
    }
    g_ptr_array_unref (names);
    g_free (clips);
  }
  g_ptr_array_unref (nights);
  return paths;
}

guint64
station_store_make_room (const gchar *store, const gchar *tonight,
    guint64 quota, StationStoreDeleted deleted, gpointer user_data)
{
  guint64 used, freed = 0;
  GPtrArray *whats, *paths;
  guint i;

  if (quota == 0)
    return 0;
  used = station_store_usage (store);
  if (used <= quota)
    return 0;
  whats = g_ptr_array_new ();
  paths = candidates (store, tonight, whats);
  for (i = 0; i < paths->len && used > quota; i++) {
    const gchar *path = g_ptr_array_index (paths, i);
    guint64 bytes = station_store_usage (path);
    gchar *night;

    if (bytes == 0)
      continue;
    remove_tree (path);
    bytes -= station_store_usage (path); /* what could not go stays */
    used = used > bytes ? used - bytes : 0;
    freed += bytes;
    if (deleted) {
      night = g_strndup (path + strlen (store) + 1, 8);
      deleted (night, g_ptr_array_index (whats, i), path, bytes, user_data);
      g_free (night);
    }
  }
  g_ptr_array_unref (paths);
  g_ptr_array_unref (whats);
  return freed;
}
