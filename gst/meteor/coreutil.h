/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: small helpers shared by the pure-C cores (no GStreamer):
 * growing arrays and settings checks that name what is wrong. */
#ifndef __METEOR_COREUTIL_H__
#define __METEOR_COREUTIL_H__

#include <stdio.h>
#include <stdlib.h>

/* Returns @array with room for @need items of @item bytes, doubling @cap.
 * Running out of memory aborts: a renderer or detector cannot go on
 * without it, and a half-updated state would be worse. */
static inline void *
meteor_grow (void *array, size_t *cap, size_t need, size_t item)
{
  size_t ncap;
  void *p;

  if (need <= *cap)
    return array;
  ncap = *cap ? *cap * 2 : 16;
  while (ncap < need)
    ncap *= 2;
  p = realloc (array, ncap * item);
  if (p == NULL)
    abort ();
  *cap = ncap;
  return p;
}

/* In a function taking (..., char *error, size_t error_len) and returning
 * int: fails with the formatted message unless @cond holds. */
#define METEOR_CHECK(cond, ...)                                                \
  do {                                                                         \
    if (!(cond)) {                                                             \
      snprintf (error, error_len, __VA_ARGS__);                                \
      return -1;                                                               \
    }                                                                          \
  } while (0)

#endif /* __METEOR_COREUTIL_H__ */
