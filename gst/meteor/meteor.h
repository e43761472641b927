/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: everything an application or element needs from libgstmeteor */
#ifndef __GST_METEOR_H__
#define __GST_METEOR_H__

#include <gst/meteor/meteor-prelude.h>
#include <gst/meteor/meteorframemeta.h>
#include <gst/meteor/meteorringallocator.h>
#include <gst/meteor/meteorbufferpool.h>
#include <gst/meteor/meteorstatsregistry.h>
#include <gst/meteor/meteordetection.h>
#include <gst/meteor/meteorstatsfields.h>

G_BEGIN_DECLS

/**
 * gst_meteor_init:
 *
 * Registers the library's types (meta, allocator memory type, pool). Safe
 * to call more than once and from several threads; elements call it from
 * their plugin_init.
 */
GST_METEOR_API
void gst_meteor_init (void);

G_END_DECLS

#endif /* __GST_METEOR_H__ */
