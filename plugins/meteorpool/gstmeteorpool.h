/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteorpool element */
#ifndef __GST_METEOR_POOL_H__
#define __GST_METEOR_POOL_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_METEOR_POOL (gst_meteor_pool_get_type ())
G_DECLARE_FINAL_TYPE (
    GstMeteorPool, gst_meteor_pool, GST, METEOR_POOL, GstElement)

/**
 * GstMeteorPoolIngress:
 * @GST_METEOR_POOL_INGRESS_AUTO: copy foreign frames once, unless they come
 *   from an upstream pool large enough to be held downstream
 * @GST_METEOR_POOL_INGRESS_COPY: always copy foreign frames into the ring
 * @GST_METEOR_POOL_INGRESS_WRAP: never copy; foreign frames pass as they are
 */
typedef enum {
  GST_METEOR_POOL_INGRESS_AUTO,
  GST_METEOR_POOL_INGRESS_COPY,
  GST_METEOR_POOL_INGRESS_WRAP,
} GstMeteorPoolIngress;

/**
 * GstMeteorPoolLeaky:
 * @GST_METEOR_POOL_LEAKY_NO: an exhausted pool makes the producer wait
 * @GST_METEOR_POOL_LEAKY_DOWNSTREAM: an exhausted pool drops the new frame
 */
typedef enum {
  GST_METEOR_POOL_LEAKY_NO,
  GST_METEOR_POOL_LEAKY_DOWNSTREAM,
} GstMeteorPoolLeaky;

GST_ELEMENT_REGISTER_DECLARE (meteorpool);

G_END_DECLS

#endif /* __GST_METEOR_POOL_H__ */
