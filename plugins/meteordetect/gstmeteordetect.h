/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteordetect element */
#ifndef __GST_METEOR_DETECT_H__
#define __GST_METEOR_DETECT_H__

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_METEOR_DETECT (gst_meteor_detect_get_type ())
G_DECLARE_FINAL_TYPE (
    GstMeteorDetect, gst_meteor_detect, GST, METEOR_DETECT, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (meteordetect);

G_END_DECLS

#endif /* __GST_METEOR_DETECT_H__ */
