/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's clock state from adjtimex(2) results that
 * a stand-in reader gives: synchronised, unsynchronised by STA_UNSYNC or
 * by TIME_ERROR, units (µs, ns with STA_NANO), a failing call; and the
 * real call, which must at least answer. Plain C, no GStreamer. */
#include "stationclock.h"

#include "minitest.h"

#include <math.h>
#include <string.h>
#include <sys/timex.h>

static struct timex fake;
static int fake_state;

static int
fake_adjtimex (struct timex *tx)
{
  EXPECT (tx->modes == 0, "the clock is only read, modes %u", tx->modes);
  *tx = fake;
  return fake_state;
}

static void
set_fake (int state, int status, long esterror, long maxerror, long offset)
{
  memset (&fake, 0, sizeof (fake));
  fake.status = status;
  fake.esterror = esterror;
  fake.maxerror = maxerror;
  fake.offset = offset;
  fake_state = state;
}

static void
test_synchronized (void)
{
  StationClockState s;
  gchar *line;

  set_fake (TIME_OK, STA_PLL, 1500, 20000, -250);
  station_clock_read (fake_adjtimex, &s);
  EXPECT (s.synchronized, "TIME_OK without STA_UNSYNC");
  EXPECT (fabs (s.error_s - 0.0015) < 1e-12, "%g", s.error_s);
  EXPECT (fabs (s.max_error_s - 0.02) < 1e-12, "%g", s.max_error_s);
  EXPECT (fabs (s.offset_s + 0.00025) < 1e-12, "µs offset: %g", s.offset_s);
  line = station_clock_describe (&s);
  EXPECT (g_str_has_prefix (line, "synchronised"), "%s", line);
  g_free (line);

  set_fake (TIME_INS, STA_PLL | STA_NANO, 10, 100, -250);
  station_clock_read (fake_adjtimex, &s);
  EXPECT (s.synchronized, "a leap second pending is still synchronised");
  EXPECT (fabs (s.offset_s + 250e-9) < 1e-15, "ns offset: %g", s.offset_s);
}

static void
test_unsynchronized (void)
{
  StationClockState s;
  gchar *line;

  set_fake (TIME_OK, STA_UNSYNC, 0, 16000000, 0);
  station_clock_read (fake_adjtimex, &s);
  EXPECT (!s.synchronized, "STA_UNSYNC set");
  line = station_clock_describe (&s);
  EXPECT (strstr (line, "NOT synchronised") && strstr (line, "16.000 s"), "%s",
      line);
  g_free (line);

  set_fake (TIME_ERROR, 0, 0, 16000000, 0);
  station_clock_read (fake_adjtimex, &s);
  EXPECT (!s.synchronized, "TIME_ERROR");
  EXPECT (s.state == TIME_ERROR, "%d", s.state);

  set_fake (-1, 0, 0, 0, 0);
  station_clock_read (fake_adjtimex, &s);
  EXPECT (!s.synchronized && s.state == -1, "a failing call");
  line = station_clock_describe (&s);
  EXPECT (strstr (line, "cannot be read") != NULL, "%s", line);
  g_free (line);
}

static void
test_real_clock (void)
{
  StationClockState s;

  /* whatever this machine's clock is, the kernel answers */
  station_clock_read (NULL, &s);
  EXPECT (s.state >= 0, "adjtimex failed: %d", s.state);
  EXPECT (
      s.max_error_s >= 0 && s.error_s >= 0, "%g %g", s.max_error_s, s.error_s);
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "a synchronised clock, µs and ns", test_synchronized },
    { "unsynchronised: STA_UNSYNC, TIME_ERROR, a failing call",
        test_unsynchronized },
    { "this machine's clock answers", test_real_clock },
  };

  return minitest_run (tests, sizeof tests / sizeof tests[0]);
}
