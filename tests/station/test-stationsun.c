/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's night schedule against the sky: the sun's
 * altitude (checked against published almanac times), dusk and dawn at
 * two latitudes, a summer night too light for capture at 65 N, and the
 * night a time belongs to. Plain C (libnova), no GStreamer. */
#include "stationsun.h"

#include "minitest.h"

#include <math.h>
#include <string.h>
#include <time.h>

/* UTC seconds of a date and time */
static double
utc (int y, int mo, int d, int h, int mi)
{
  struct tm tm = { .tm_year = y - 1900,
    .tm_mon = mo - 1,
    .tm_mday = d,
    .tm_hour = h,
    .tm_min = mi };

  return (double)timegm (&tm);
}

static void
test_altitude (void)
{
  /* Greenwich, 2026-06-21: the sun culminates near 12:02 UTC at
   * 90 - 51.48 + 23.44 = 61.96 degrees */
  double noon = station_sun_altitude (51.48, 0, utc (2026, 6, 21, 12, 2));
  /* the equator at an equinox: overhead at noon, below at midnight */
  double eq = station_sun_altitude (0, 0, utc (2026, 3, 20, 12, 7));
  double midnight = station_sun_altitude (51.48, 0, utc (2026, 6, 21, 0, 2));

  EXPECT (fabs (noon - 61.96) < 0.1, "Greenwich noon %.2f", noon);
  EXPECT (eq > 89, "equinox noon on the equator %.2f", eq);
  /* lowest at midnight: 51.48 + 23.44 - 90 = -15.08 */
  EXPECT (fabs (midnight + 15.08) < 0.2, "Greenwich midnight %.2f", midnight);
  /* east is positive: at 90 E noon comes 6 hours earlier */
  EXPECT (station_sun_altitude (0, 90, utc (2026, 3, 20, 6, 7)) > 89,
      "90 E at 06:07 UTC");
}

static void
test_dusk_and_dawn (void)
{
  /* Zagreb (45.8 N, 15.97 E), 2026-12-07: the sun 6 degrees down at 15:46
   * UTC and up again at 05:50 on the 8th, as astropy 5.2 computes it
   * (get_sun, no refraction; an independent implementation): libnova
   * agrees to about 2 minutes, a third of a degree */
  double noon = utc (2026, 12, 7, 11, 0), dusk, dawn;
  int night = station_night_at (45.8, 15.97, -6, noon, 86400, &dusk);

  EXPECT (!night, "day at noon");
  EXPECT (fabs (dusk - utc (2026, 12, 7, 15, 46)) < 3 * 60, "dusk %.0f s off",
      dusk - utc (2026, 12, 7, 15, 46));
  night = station_night_at (45.8, 15.97, -6, dusk + 1, 86400, &dawn);
  EXPECT (night, "night after dusk");
  EXPECT (fabs (dawn - (utc (2026, 12, 8, 5, 50) + 20)) < 3 * 60,
      "dawn %.0f s off", dawn - (utc (2026, 12, 8, 5, 50) + 20));
  /* to the second: just before dusk it is day, just after night */
  EXPECT (station_sun_altitude (45.8, 15.97, dusk - 2) >= -6 &&
              station_sun_altitude (45.8, 15.97, dusk + 1) < -6,
      "dusk to a second");

  /* the south: Perth (31.95 S, 115.86 E) in its summer, 2026-12-07: 6
   * degrees down at 11:41 UTC (astropy) */
  night = station_night_at (
      -31.95, 115.86, -6, utc (2026, 12, 7, 4, 0), 86400, &dusk);
  EXPECT (!night && fabs (dusk - utc (2026, 12, 7, 11, 41)) < 3 * 60,
      "Perth dusk %.0f s off", dusk - utc (2026, 12, 7, 11, 41));
}

static void
test_white_night (void)
{
  /* 65 N in June: the sun never gets 6 degrees below the horizon; the
   * schedule says so (no change within the horizon), and does not spin */
  double change = -1;
  int night = station_night_at (
      65, 25, -6, utc (2026, 6, 21, 12, 0), 3 * 86400, &change);

  EXPECT (!night && change == 0, "65 N June: %d, next %.0f", night, change);
  /* the same place in December has a night, and a dusk to wait for: at
   * 13:36 UTC (astropy) */
  night =
      station_night_at (65, 25, -6, utc (2026, 12, 7, 10, 0), 86400, &change);
  EXPECT (!night && fabs (change - utc (2026, 12, 7, 13, 36)) < 3 * 60,
      "65 N December: dusk %.0f s off", change - utc (2026, 12, 7, 13, 36));
  /* and a polar night at 80 N in December: night, with no dawn */
  night =
      station_night_at (80, 15, -6, utc (2026, 12, 21, 12, 0), 86400, &change);
  EXPECT (night && change == 0, "80 N December: %d, %.0f", night, change);
}

static void
test_night_name (void)
{
  char a[9], b[9], c[9];

  /* Zagreb: the night of 7 December, at 22:00 and after midnight */
  station_night_name (45.8, 15.97, -6, utc (2026, 12, 7, 22, 0), a);
  station_night_name (45.8, 15.97, -6, utc (2026, 12, 8, 3, 0), b);
  station_night_name (45.8, 15.97, -6, utc (2026, 12, 8, 12, 0), c);
  EXPECT (!strcmp (a, "20261207"), "%s", a);
  EXPECT (!strcmp (b, "20261207"), "after midnight: %s", b);
  EXPECT (!strcmp (c, "20261208"), "next day: %s", c);
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "the sun's altitude", test_altitude },
    { "dusk and dawn, north and south", test_dusk_and_dawn },
    { "a summer night too light, a polar night", test_white_night },
    { "the night a time belongs to", test_night_name },
  };

  return minitest_run (tests, sizeof tests / sizeof tests[0]);
}
