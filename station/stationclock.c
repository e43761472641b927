/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the kernel's clock state with adjtimex(2). A clock is taken
 * as synchronised when the kernel neither reports TIME_ERROR nor has
 * STA_UNSYNC set: that is what ntpd, chrony and systemd-timesyncd clear
 * once they discipline it, and what the kernel sets again when the
 * maximum error grows past 16 s without an update. */
#include "stationclock.h"

#include <errno.h>
#include <string.h>
#include <sys/timex.h>

void
station_clock_read (StationClockReader reader, StationClockState *out)
{
  struct timex tx;
  int state;

  memset (&tx, 0, sizeof (tx)); /* modes 0: read only */
  memset (out, 0, sizeof (*out));
  state = (reader ? reader : adjtimex) (&tx);
  out->state = state;
  if (state < 0)
    return;
  out->synchronized = state != TIME_ERROR && !(tx.status & STA_UNSYNC);
  out->error_s = tx.esterror * 1e-6;
  out->max_error_s = tx.maxerror * 1e-6;
  /* offset is in ns with STA_NANO, else in µs */
  out->offset_s = tx.offset * ((tx.status & STA_NANO) ? 1e-9 : 1e-6);
}

gchar *
station_clock_describe (const StationClockState *s)
{
  if (s->state < 0)
    return g_strdup ("NOT synchronised (adjtimex failed: the clock state "
                     "cannot be read)");
  if (!s->synchronized)
    return g_strdup_printf (
        "NOT synchronised (no NTP or PTP discipline: times may be off by "
        "up to %.3f s; run chrony, ntpd or systemd-timesyncd)",
        s->max_error_s);
  return g_strdup_printf ("synchronised, estimated error %.6f s, offset "
                          "%.6f s",
      s->error_s, s->offset_s);
}
