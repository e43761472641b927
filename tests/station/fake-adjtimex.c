/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a stand-in for adjtimex(2), preloaded (LD_PRELOAD) into
 * meteor-station by its tests, so that they choose the kernel's clock
 * state: FAKE_ADJTIMEX=synchronized (disciplined, 2 ms estimated error,
 * -120 µs offset) or unsynchronized (STA_UNSYNC, TIME_ERROR, 16 s). */
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

int
adjtimex (struct timex *tx)
{
  const char *state = getenv ("FAKE_ADJTIMEX");
  int modes = tx->modes;

  memset (tx, 0, sizeof (*tx));
  tx->modes = modes;
  if (state && strcmp (state, "synchronized") == 0) {
    tx->status = STA_PLL;
    tx->esterror = 2000;
    tx->maxerror = 50000;
    tx->offset = -120;
    return TIME_OK;
  }
  tx->status = STA_UNSYNC;
  tx->esterror = 16000000;
  tx->maxerror = 16000000;
  return TIME_ERROR;
}
