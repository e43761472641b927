/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: library initialisation */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "meteor.h"

void
gst_meteor_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    gst_meteor_frame_meta_get_info ();
    g_type_class_unref (g_type_class_ref (GST_TYPE_METEOR_RING_ALLOCATOR));
    g_type_class_unref (g_type_class_ref (GST_TYPE_METEOR_BUFFER_POOL));
    g_type_class_unref (g_type_class_ref (GST_TYPE_METEOR_RING_BACKING));
    g_once_init_leave (&done, 1);
  }
}
