/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteorsky element */
#ifndef __GST_METEOR_SKY_H__
#define __GST_METEOR_SKY_H__

#include <gst/gst.h>
#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_METEOR_SKY (gst_meteor_sky_get_type ())
G_DECLARE_FINAL_TYPE (GstMeteorSky, gst_meteor_sky, GST, METEOR_SKY, GstPushSrc)

GST_ELEMENT_REGISTER_DECLARE (meteorsky);

G_END_DECLS

#endif /* __GST_METEOR_SKY_H__ */
