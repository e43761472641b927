/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: xorshift32 (Marsaglia), the random numbers of the tests and
 * benches: the same sequence from a seed on every host, natively and
 * under qemu. Not for anything that must be unpredictable. */
#ifndef __METEOR_XORSHIFT_H__
#define __METEOR_XORSHIFT_H__

#include <stdint.h>

/* The next number after *@state (never 0 unless the seed was). */
static inline uint32_t
meteor_xorshift32 (uint32_t *state)
{
  uint32_t s = *state;

  s ^= s << 13;
  s ^= s >> 17;
  s ^= s << 5;
  return *state = s;
}

#endif /* __METEOR_XORSHIFT_H__ */
