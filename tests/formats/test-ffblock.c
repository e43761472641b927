/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: RMS FF blocks: the planes as RMS's compressor defines them,
 * names, the FITS file both ways, and real RMS files read and rebuilt.
 * usage: test-ffblock [RMS_FF_DIR] (METEOR_RMS_FF wins; the real-data
 * case says SKIP without it) */
#include "ffblock.h"
#include "minitest.h"
#include "xorshift.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *data_dir;

/* the planes of @n frames (each w*h) by the definitions, in doubles */
static void
reference_planes (const uint8_t *frames, int n, int w, int h, MeteorFFPlanes *p)
{
  int i, f;

  for (i = 0; i < w * h; i++) {
    int max = -1, maxf = 0;
    double rest = 0, sq = 0, mean, var;
    for (f = 0; f < n; f++) {
      int v = frames[(size_t)f * w * h + i];
      if (v > max) {
        max = v;
        maxf = f;
      }
      rest += v;
      sq += (double)v * v;
    }
    rest -= max;
    sq -= (double)max * max;
    mean = floor (rest / (n - 1));
    var = floor ((sq - rest * mean) / (n - 2));
    p->maxpixel[i] = (uint8_t)max;
    p->maxframe[i] = (uint8_t)maxf;
    p->avepixel[i] = (uint8_t)mean;
    p->stdpixel[i] = (uint8_t)MAX (1, MIN (255, floor (sqrt (var))));
  }
}

static void
alloc_planes (MeteorFFPlanes *p, int w, int h)
{
  p->width = w;
  p->height = h;
  p->maxpixel = g_malloc0 ((size_t)w * h);
  p->maxframe = g_malloc0 ((size_t)w * h);
  p->avepixel = g_malloc0 ((size_t)w * h);
  p->stdpixel = g_malloc0 ((size_t)w * h);
}

static int
planes_equal (const MeteorFFPlanes *a, const MeteorFFPlanes *b)
{
  size_t n = (size_t)a->width * a->height;

  return a->width == b->width && a->height == b->height &&
         memcmp (a->maxpixel, b->maxpixel, n) == 0 &&
         memcmp (a->maxframe, b->maxframe, n) == 0 &&
         memcmp (a->avepixel, b->avepixel, n) == 0 &&
         memcmp (a->stdpixel, b->stdpixel, n) == 0;
}

static void
test_planes_by_definition (void)
{
  /* odd width: every kernel's tail; noise, ties, a saturated spike */
  const int w = 37, h = 5, n = METEOR_FF_FRAMES;
  uint8_t *frames = g_malloc ((size_t)n * w * h), *padded;
  MeteorFFBlock *b = meteor_ff_block_new (w, h);
  MeteorFFPlanes got, want;
  uint32_t seed = 7;
  int f, i;

  for (f = 0; f < n; f++)
    for (i = 0; i < w * h; i++) {
      int v = 30 + (int)(meteor_xorshift32 (&seed) % 20);
      if (i == 3)
        v = 40; /* all equal: the first frame, deviation 0 -> 1 */
      if (i == 4 && f == 200)
        v = 255;
      frames[(size_t)f * w * h + i] = (uint8_t)v;
    }
  /* rows 40 bytes apart, as a padded buffer is */
  padded = g_malloc0 ((size_t)40 * h);
  for (f = 0; f < n; f++) {
    for (i = 0; i < h; i++)
      memcpy (padded + i * 40, frames + (size_t)f * w * h + i * w, w);
    EXPECT (meteor_ff_block_add (b, padded, 40) == f + 1, "frame %d", f);
  }
  EXPECT (meteor_ff_block_add (b, padded, 40) == -1, "a 257th frame taken");
  EXPECT (meteor_ff_block_planes (b, &got) == 0, "no planes");
  alloc_planes (&want, w, h);
  reference_planes (frames, n, w, h, &want);
  EXPECT (planes_equal (&got, &want), "planes differ from the definition");
  EXPECT (got.maxframe[3] == 0 && got.stdpixel[3] == 1, "flat pixel: %u %u",
      got.maxframe[3], got.stdpixel[3]);
  EXPECT (got.maxpixel[4] == 255 && got.maxframe[4] == 200, "spike: %u at %u",
      got.maxpixel[4], got.maxframe[4]);
  meteor_ff_planes_clear (&got);

  /* reset: the next block starts empty */
  meteor_ff_block_reset (b);
  EXPECT (meteor_ff_block_frames (b) == 0, "not empty after reset");
  for (f = 0; f < 3; f++)
    meteor_ff_block_add (b, frames + (size_t)f * w * h, w);
  meteor_ff_block_planes (b, &got);
  reference_planes (frames, 3, w, h, &want);
  EXPECT (planes_equal (&got, &want), "a 3-frame block after reset");
  meteor_ff_planes_clear (&got);
  meteor_ff_block_reset (b);
  meteor_ff_block_add (b, frames, w);
  EXPECT (meteor_ff_block_planes (b, &got) == -1, "planes of 1 frame");
  meteor_ff_planes_clear (&want);
  meteor_ff_block_free (b);
  g_free (frames);
  g_free (padded);
}

static void
test_names (void)
{
  MeteorFFHeader h;
  char name[128];
  /* 2023-04-23 21:37:49.340 UTC */
  const uint64_t t = 1682285869340000000ull;

  meteor_ff_file_name ("UK0006", t, 145408, name, sizeof name);
  EXPECT (strcmp (name, "FF_UK0006_20230423_213749_340_0145408.fits") == 0,
      "%s", name);
  EXPECT (meteor_ff_parse_name (
              "/x/FF_UK0006_20230423_213749_340_0145408.fits", &h) == 0,
      "RMS name not parsed");
  EXPECT (strcmp (h.station, "UK0006") == 0 && h.start_ns == t &&
              h.counter == 145408,
      "%s %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, h.station, h.start_ns,
      h.counter);
  /* newer RMS names carry microseconds */
  EXPECT (meteor_ff_parse_name (
              "FF_US9999_20240318_011731_867370_1054720.fits", &h) == 0 &&
              h.start_ns % 1000000000u == 867370000u,
      "microsecond name");
  EXPECT (meteor_ff_parse_name (
              "FF_UK0006_2023042_213749_340_0145408.fits", &h) < 0,
      "a short date taken");
  EXPECT (meteor_ff_parse_name (
              "FF_UK0006_20230423_213749_340_0145408.fit", &h) < 0,
      "a wrong extension taken");
  EXPECT (meteor_ff_parse_name (
              "FS_UK0006_20230423_213749_340_0145408.fits", &h) < 0,
      "a fieldsum name taken");
}

static void
test_write_read (void)
{
  const int w = 64, h = 48;
  gchar *dir = g_dir_make_tmp ("test-ffblock-XXXXXX", NULL), *path, *tmp;
  MeteorFFPlanes p, back;
  MeteorFFHeader hdr = { .fps = 25.0, .counter = 512, .first = 768 }, rh;
  char name[128], error[512] = "";
  uint32_t seed = 3;
  size_t i;

  g_strlcpy (hdr.station, "XX0001", sizeof hdr.station);
  hdr.start_ns = 1765000000123456000ull;
  alloc_planes (&p, w, h);
  p.frames = 256;
  for (i = 0; i < (size_t)w * h; i++) {
    p.maxpixel[i] = (uint8_t)meteor_xorshift32 (&seed);
    p.maxframe[i] = (uint8_t)meteor_xorshift32 (&seed);
    p.avepixel[i] = (uint8_t)meteor_xorshift32 (&seed);
    p.stdpixel[i] = (uint8_t)meteor_xorshift32 (&seed);
  }
  meteor_ff_file_name (
      hdr.station, hdr.start_ns, hdr.counter, name, sizeof name);
  path = g_build_filename (dir, name, NULL);
  EXPECT (
      meteor_ff_write (path, &p, &hdr, error, sizeof error) == 0, "%s", error);
  EXPECT (
      meteor_ff_read (path, &back, &rh, error, sizeof error) == 0, "%s", error);
  EXPECT (planes_equal (&p, &back) && back.frames == 256, "planes differ");
  EXPECT (strcmp (rh.station, "XX0001") == 0 && rh.fps == 25.0 &&
              rh.first == 768 && rh.counter == 512 && rh.has_date_obs &&
              rh.start_ns == hdr.start_ns,
      "header: %s %g %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, rh.station,
      rh.fps, rh.first, rh.start_ns);
  tmp = g_strdup_printf ("%s.tmp", path);
  EXPECT (!g_file_test (tmp, G_FILE_TEST_EXISTS), "temporary left");
  meteor_ff_planes_clear (&back);

  /* a cut file: an error naming it, nothing made up */
  EXPECT (truncate (path, 10000) == 0, "truncate");
  EXPECT (meteor_ff_read (path, &back, &rh, error, sizeof error) < 0 &&
              strstr (error, name) != NULL,
      "a cut file read: '%s'", error);
  /* not a directory there: the cause, nothing left */
  g_free (tmp);
  tmp = g_build_filename (dir, "none", name, NULL);
  EXPECT (meteor_ff_write (tmp, &p, &hdr, error, sizeof error) < 0 &&
              strstr (error, "none") != NULL,
      "written into a missing directory: '%s'", error);
  g_unlink (path);
  EXPECT (g_rmdir (dir) == 0, "something left in %s", dir);
  meteor_ff_planes_clear (&p);
  g_free (tmp);
  g_free (path);
  g_free (dir);
}

/* Every real block: read, rebuilt as frames the way RMS's
 * reconstructFrame (and ff2raw) does, compressed again: the same maxpixel
 * and avepixel, the same maxframe wherever the maximum stands out. */
static void
test_real_blocks (void)
{
  GDir *d;
  const char *entry;
  int blocks = 0;

  if (data_dir == NULL || (d = g_dir_open (data_dir, 0, NULL)) == NULL) {
    printf ("SKIP: real RMS blocks: no rms-ff data set at '%s'\n",
        data_dir ? data_dir : "");
    return;
  }
  while ((entry = g_dir_read_name (d)) != NULL) {
    gchar *path;
    MeteorFFPlanes real, ours;
    MeteorFFHeader h;
    MeteorFFBlock *b;
    char error[512];
    uint8_t *frame;
    size_t i, n, differ = 0;
    unsigned f;

    if (!g_str_has_prefix (entry, "FF_") || !g_str_has_suffix (entry, ".fits"))
      continue;
    path = g_build_filename (data_dir, entry, NULL);
    EXPECT (meteor_ff_read (path, &real, &h, error, sizeof error) == 0, "%s",
        error);
    EXPECT (real.width == 1280 && real.height == 720 && real.frames == 256 &&
                h.fps == 25.0 && !h.has_date_obs && h.first == h.counter + 256,
        "%s: %dx%d %u frames fps %g first %" G_GUINT64_FORMAT, entry,
        real.width, real.height, real.frames, h.fps, h.first);
    n = (size_t)real.width * real.height;
    b = meteor_ff_block_new (real.width, real.height);
    frame = g_malloc (n);
    for (f = 0; f < real.frames; f++) {
      for (i = 0; i < n; i++)
        frame[i] = real.maxframe[i] == f ? real.maxpixel[i] : real.avepixel[i];
      meteor_ff_block_add (b, frame, real.width);
    }
    meteor_ff_block_planes (b, &ours);
    for (i = 0; i < n; i++)
      if (ours.maxpixel[i] != real.maxpixel[i] ||
          ours.avepixel[i] != real.avepixel[i] ||
          (real.maxpixel[i] > real.avepixel[i] &&
              ours.maxframe[i] != real.maxframe[i]) ||
          ours.stdpixel[i] != 1)
        differ++;
    EXPECT (differ == 0, "%s: %zu pixels differ", entry, differ);
    blocks++;
    meteor_ff_planes_clear (&real);
    meteor_ff_planes_clear (&ours);
    meteor_ff_block_free (b);
    g_free (frame);
    g_free (path);
  }
  g_dir_close (d);
  EXPECT (blocks == 8, "%d real blocks, not 8", blocks);
}

int
main (int argc, char **argv)
{
  static const MiniTest tests[] = {
    { "planes by RMS's definitions", test_planes_by_definition },
    { "RMS names", test_names },
    { "FITS written and read back", test_write_read },
    { "real RMS blocks rebuilt and compressed again", test_real_blocks },
  };

  data_dir = g_getenv ("METEOR_RMS_FF");
  if (data_dir == NULL && argc > 1)
    data_dir = argv[1];
  return minitest_run (tests, G_N_ELEMENTS (tests));
}
