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

#endif /* __METEOR_KERNELS_PRIV_H__ */
