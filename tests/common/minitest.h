/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the tiny harness of the pure-C core tests (they also run
 * cross-built under qemu, without GStreamer or gst-check). Prints a line a
 * test and a final "N passed, N failed". */
#ifndef __METEOR_MINITEST_H__
#define __METEOR_MINITEST_H__

#include <stdio.h>

static int minitest_failures;

#define EXPECT(cond, ...)                                                      \
  do {                                                                         \
    if (!(cond)) {                                                             \
      printf ("  %s:%d: %s: ", __FILE__, __LINE__, #cond);                     \
      printf (__VA_ARGS__);                                                    \
      printf ("\n");                                                           \
      minitest_failures++;                                                     \
    }                                                                          \
  } while (0)

typedef struct {
  const char *name;
  void (*run) (void);
} MiniTest;

/* Runs @n tests; returns the exit status for main. */
static inline int
minitest_run (const MiniTest *tests, size_t n)
{
  int passed = 0, failed = 0;
  size_t i;

  for (i = 0; i < n; i++) {
    minitest_failures = 0;
    tests[i].run ();
    printf ("%s: %s\n", minitest_failures ? "FAIL" : "ok", tests[i].name);
    if (minitest_failures)
      failed++;
    else
      passed++;
  }
  printf ("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}

#endif /* __METEOR_MINITEST_H__ */
