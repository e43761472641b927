/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's quota over its nights: the nights before
 * tonight lose their cold frames first, oldest first, then their FF
 * blocks, then their clips;
 * tonight and the nights' records are never touched; nothing goes when
 * the store is within its quota. Plain C on a temporary directory. */
#include "stationstore.h"

#include "minitest.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#define KB 1024

static gchar *store;
static GString *order;

static void
put (const gchar *rel, gsize bytes)
{
  gchar *path = g_build_filename (store, rel, NULL);
  gchar *dir = g_path_get_dirname (path);
  gchar *data = g_malloc (bytes);

  memset (data, 0x5a, bytes); /* written, so blocks are allocated */
  g_mkdir_with_parents (dir, 0755);
  EXPECT (g_file_set_contents (path, data, bytes, NULL), "%s", path);
  g_free (data);
  g_free (dir);
  g_free (path);
}

static gboolean
exists (const gchar *rel)
{
  gchar *path = g_build_filename (store, rel, NULL);
  gboolean e = g_file_test (path, G_FILE_TEST_EXISTS);

  g_free (path);
  return e;
}

static void
on_deleted (const gchar *night, const gchar *what, const gchar *path,
    guint64 bytes, gpointer user_data)
{
  EXPECT (bytes > 0, "%s: %" G_GUINT64_FORMAT, path, bytes);
  g_string_append_printf (order, "%s/%s ", night, what);
}

static void
fill (void)
{
  put ("20261201/cold/seg-0.mtrc", 300 * KB);
  put ("20261201/clips/meteor-20261201T200000Z-1/frames.mtrs", 100 * KB);
  put ("20261201/clips/meteor-20261201T210000Z-2/frames.mtrs", 100 * KB);
  put ("20261201/night.json", 1 * KB);
  put ("20261201/ff/FF_T1_20261201_200000_000_0000000.fits", 20 * KB);
  put ("20261202/cold/seg-0.mtrc", 300 * KB);
  put ("20261202/ff/FF_T1_20261202_200000_000_0000000.fits", 20 * KB);
  put ("20261202/clips/meteor-20261202T200000Z-1/frames.mtrs", 100 * KB);
  put ("20261203/cold/seg-0.mtrc", 400 * KB); /* tonight */
  put ("20261203/clips/meteor-20261203T200000Z-1/frames.mtrs", 100 * KB);
  put ("notes/keep.txt", 10 * KB); /* not a night */
}

static void
test_within_quota (void)
{
  guint64 used = station_store_usage (store);

  EXPECT (used >= 1451 * KB, "usage %" G_GUINT64_FORMAT, used);
  g_string_truncate (order, 0);
  EXPECT (
      station_store_make_room (store, "20261203", used, on_deleted, NULL) == 0,
      "within quota");
  EXPECT (station_store_make_room (store, "20261203", 0, on_deleted, NULL) == 0,
      "no quota");
  EXPECT (order->len == 0, "%s", order->str);
}

static void
test_cold_first_then_clips (void)
{
  guint64 used = station_store_usage (store), freed;

  /* 500 KB over: both old nights' cold frames (600 KB) are enough */
  g_string_truncate (order, 0);
  freed = station_store_make_room (
      store, "20261203", used - 500 * KB, on_deleted, NULL);
  EXPECT (
      !strcmp (order->str, "20261201/cold 20261202/cold "), "%s", order->str);
  EXPECT (freed >= 600 * KB, "%" G_GUINT64_FORMAT, freed);
  EXPECT (exists ("20261201/clips/meteor-20261201T200000Z-1"),
      "a clip went before the cold frames");

  /* 250 KB more: the FF blocks, then the oldest night's clips, oldest
   * first */
  used = station_store_usage (store);
  g_string_truncate (order, 0);
  station_store_make_room (
      store, "20261203", used - 250 * KB, on_deleted, NULL);
  EXPECT (!strcmp (order->str,
              "20261201/ff 20261202/ff 20261201/clip 20261201/clip "),
      "%s", order->str);
  EXPECT (exists ("20261202/clips/meteor-20261202T200000Z-1"),
      "a newer night's clip went first");
  EXPECT (exists ("20261201/night.json"), "a night's summary went");

  /* a quota below tonight: every old clip goes, tonight stays */
  g_string_truncate (order, 0);
  station_store_make_room (store, "20261203", 1, on_deleted, NULL);
  EXPECT (!strcmp (order->str, "20261202/clip "), "%s", order->str);
  EXPECT (exists ("20261203/cold/seg-0.mtrc") &&
              exists ("20261203/clips/meteor-20261203T200000Z-1"),
      "tonight was touched");
  EXPECT (exists ("notes/keep.txt"), "a file outside the nights went");
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "within the quota nothing goes", test_within_quota },
    { "old nights: cold frames first, then FF blocks, then clips",
        test_cold_first_then_clips },
  };
  int status;

  store = g_dir_make_tmp ("meteor-station-store-XXXXXX", NULL);
  order = g_string_new (NULL);
  fill ();
  status = minitest_run (tests, G_N_ELEMENTS (tests));
  {
    gchar *cmd = g_strdup_printf ("rm -rf '%s'", store);
    EXPECT (system (cmd) == 0, "%s", cmd);
    g_free (cmd);
  }
  g_string_free (order, TRUE);
  g_free (store);
  return status;
}
