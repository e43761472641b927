/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the kernel tables, for cpu.c and the variants themselves.
 * Not installed; METEOR_HAVE_* come from gst/meteor/kernels/meson.build
 * (for the host, or the cross file's) and say which variants are built. */
#ifndef __METEOR_KERNELS_PRIV_H__
#define __METEOR_KERNELS_PRIV_H__

#include "kernels.h"

extern const MeteorKernels meteor_kernels_c_table;
#ifdef METEOR_HAVE_SSE2
extern const MeteorKernels meteor_kernels_sse2_table;
#endif
#ifdef METEOR_HAVE_AVX2
extern const MeteorKernels meteor_kernels_avx2_table;
#endif
#ifdef METEOR_HAVE_NEON
extern const MeteorKernels meteor_kernels_neon_table;
#endif

/* For block_changes on x86, where a compare gives a bit a pixel
 * (movemask): ORs into changed[] whether any of the bits of each block of
 * 2^bshift pixels (bshift at most 4) is set, over @bits pixels from a
 * block's start. */
static inline void
meteor_fold_changes (uint32_t diff, int bits, uint8_t *changed, int bshift)
{
  const uint32_t block = (1u << (1 << bshift)) - 1;
  int b;

  for (b = 0; b < bits >> bshift; b++)
    changed[b] |= (diff >> (b << bshift) & block) != 0;
}

#endif /* __METEOR_KERNELS_PRIV_H__ */
