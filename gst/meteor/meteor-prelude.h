/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: export macro for libgstmeteor-1.0 */
#ifndef __GST_METEOR_PRELUDE_H__
#define __GST_METEOR_PRELUDE_H__

#include <gst/gst.h>

#ifndef GST_METEOR_API
#ifdef BUILDING_GST_METEOR
#define GST_METEOR_API __attribute__ ((visibility ("default")))
#else
#define GST_METEOR_API extern
#endif
#endif

#endif /* __GST_METEOR_PRELUDE_H__ */
