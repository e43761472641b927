/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: which kernel set to run. The tables built in are the ones
 * meson compiled, METEOR_HAVE_*; the CPU is
 * asked once whether it runs them. */
#include "kernels.h"

#include "kernels_priv.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned
meteor_cpu_flags (void)
{
  unsigned flags = 0;

#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("sse2"))
    flags |= METEOR_CPU_SSE2;
  /* libgcc also checks that the OS saves the ymm registers (xgetbv) */
  if (__builtin_cpu_supports ("avx2"))
    flags |= METEOR_CPU_AVX2;
#elif defined(__aarch64__)
  /* Advanced SIMD is mandatory in ARMv8-A */
  flags |= METEOR_CPU_NEON;
#endif
  return flags;
}

/* every set built in, worst first, with the CPU feature it needs */
static const struct {
  const MeteorKernels *table;
  unsigned needs;
} built_in[] = {
  { &meteor_kernels_c_table, 0 },
#ifdef METEOR_HAVE_SSE2
  { &meteor_kernels_sse2_table, METEOR_CPU_SSE2 },
#endif
#ifdef METEOR_HAVE_AVX2
  { &meteor_kernels_avx2_table, METEOR_CPU_AVX2 },
#endif
#ifdef METEOR_HAVE_NEON
  { &meteor_kernels_neon_table, METEOR_CPU_NEON },
#endif
};
#define N_BUILT_IN (sizeof (built_in) / sizeof (built_in[0]))

static pthread_once_t runnable_once = PTHREAD_ONCE_INIT;
static const MeteorKernels *runnable[N_BUILT_IN + 1];

static void
find_runnable (void)
{
  unsigned flags = meteor_cpu_flags ();
  size_t i, n = 0;

  for (i = 0; i < N_BUILT_IN; i++)
    if ((built_in[i].needs & flags) == built_in[i].needs)
      runnable[n++] = built_in[i].table;
  runnable[n] = NULL;
}

const MeteorKernels *const *
meteor_kernels_all (void)
{
  pthread_once (&runnable_once, find_runnable);
  return runnable;
}

const MeteorKernels *
meteor_kernels_by_name (const char *name)
{
  const MeteorKernels *const *k;

  if (name == NULL)
    return NULL;
  for (k = meteor_kernels_all (); *k; k++)
    if (strcmp ((*k)->name, name) == 0)
      return *k;
  return NULL;
}

static pthread_once_t chosen_once = PTHREAD_ONCE_INIT;
static const MeteorKernels *chosen;

static void
choose (void)
{
  const MeteorKernels *const *all = meteor_kernels_all ();
  const char *want = getenv ("METEOR_SIMD");
  const MeteorKernels *best;
  size_t n = 0, i;

  while (all[n])
    n++;
  best = all[n - 1];
  if (want == NULL || *want == '\0') {
    chosen = best;
    return;
  }
  chosen = meteor_kernels_by_name (want);
  if (chosen)
    return;
  for (i = 0; i < N_BUILT_IN; i++)
    if (strcmp (built_in[i].table->name, want) == 0)
      break;
  fprintf (stderr, "meteor: METEOR_SIMD=%s %s, using %s\n", want,
      i < N_BUILT_IN ? "is not supported by this CPU"
                     : "is not a kernel set built in",
      best->name);
  chosen = best;
}

const MeteorKernels *
meteor_kernels_get (void)
{
  pthread_once (&chosen_once, choose);
  return chosen;
}
