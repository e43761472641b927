/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tieredsink element */
#ifndef __GST_TIERED_SINK_H__
#define __GST_TIERED_SINK_H__

#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define GST_TYPE_TIERED_SINK (gst_tiered_sink_get_type ())
G_DECLARE_FINAL_TYPE (
    GstTieredSink, gst_tiered_sink, GST, TIERED_SINK, GstBaseSink)

/**
 * GstTieredSinkIoFault:
 * @GST_TIERED_SINK_IO_FAULT_NONE: file writes work
 * @GST_TIERED_SINK_IO_FAULT_ENOSPC: every write, fsync and space
 *   reservation fails with ENOSPC
 * @GST_TIERED_SINK_IO_FAULT_EIO: they fail with EIO
 * @GST_TIERED_SINK_IO_FAULT_SLOW: they work, but each takes 100 ms (a
 *   worn SD card)
 *
 * For testing only: a failure the element's file writes (cold segments,
 * clips, the warm ring's creation) are made to see.
 */
typedef enum {
  GST_TIERED_SINK_IO_FAULT_NONE,
  GST_TIERED_SINK_IO_FAULT_ENOSPC,
  GST_TIERED_SINK_IO_FAULT_EIO,
  GST_TIERED_SINK_IO_FAULT_SLOW,
} GstTieredSinkIoFault;

GST_ELEMENT_REGISTER_DECLARE (tieredsink);

G_END_DECLS

#endif /* __GST_TIERED_SINK_H__ */
