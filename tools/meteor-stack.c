/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-stack — a max-pixel image of a stretch of video
 *
 * The picture meteor observers look at first (RMS calls it "maxpixel"):
 * every pixel is the brightest it was over the frames, so a meteor shows as
 * its whole track and a plane as a dotted line.
 *
 *   meteor-stack -o sky.png meteorsky num-buffers=150 schedule=meteor@30
 *
 * The arguments after the options are a gst-launch description of the
 * source; the tool converts it to grey and stacks every frame.
 */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <string.h>

#include "kernels.h"
#include "pngwrite.h"

typedef struct {
  GstVideoInfo info;
  const MeteorKernels *kernels;
  guint8 *max, *max_frame; /* max_frame: which frame (mod 256) was brightest */
  guint frames;
} Stack;

static void
stack_frame (Stack *stack, GstSample *sample)
{
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstCaps *caps = gst_sample_get_caps (sample);
  GstVideoFrame frame;
  guint y, w, h;

  if (stack->max == NULL) {
    gst_video_info_from_caps (&stack->info, caps);
    stack->max = g_malloc0 (GST_VIDEO_INFO_WIDTH (&stack->info) *
                            GST_VIDEO_INFO_HEIGHT (&stack->info));
    stack->max_frame = g_malloc0 (GST_VIDEO_INFO_WIDTH (&stack->info) *
                                  GST_VIDEO_INFO_HEIGHT (&stack->info));
    stack->kernels = meteor_kernels_get ();
  }
  if (!gst_video_frame_map (&frame, &stack->info, buf, GST_MAP_READ))
    return;
  w = GST_VIDEO_INFO_WIDTH (&stack->info);
  h = GST_VIDEO_INFO_HEIGHT (&stack->info);
  for (y = 0; y < h; y++) {
    const guint8 *row = (const guint8 *)GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
                        y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);

    stack->kernels->max_accumulate (row, stack->max + y * w,
        stack->max_frame + y * w, (guint8)stack->frames, (int)w);
  }
  gst_video_frame_unmap (&frame);
  stack->frames++;
}

/* Prints the first error on @bus, if any; returns whether there was one. */
static gboolean
report_error (GstBus *bus)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *error = NULL;

  if (msg == NULL)
    return FALSE;
  gst_message_parse_error (msg, &error, NULL);
  g_printerr ("meteor-stack: %s\n", error->message);
  g_error_free (error);
  gst_message_unref (msg);
  return TRUE;
}

static gboolean
write_png (Stack *stack, const guint8 *plane, const gchar *path, GError **error)
{
  char msg[512];

  if (meteor_png_write (path, GST_VIDEO_INFO_WIDTH (&stack->info),
          GST_VIDEO_INFO_HEIGHT (&stack->info), 1, 8, plane,
          GST_VIDEO_INFO_WIDTH (&stack->info), msg, sizeof msg) < 0) {
    g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, msg);
    return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  gchar *output = NULL, *frame_map = NULL;
  gint max_frames = -1;
  GOptionEntry entries[] = { { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
                                 "PNG file to write", "FILE" },
    { "frames", 'n', 0, G_OPTION_ARG_INT, &max_frames, "stack at most N frames",
        "N" },
    { "frame-map", 'f', 0, G_OPTION_ARG_FILENAME, &frame_map,
        "also write, as a grey PNG, which frame (counted from 0, modulo 256) "
        "was the brightest at each pixel (RMS's maxframe: a meteor shows as "
        "a gradient along its path)",
        "FILE" },
    { NULL } };
  GOptionContext *ctx = g_option_context_new ("SOURCE-DESCRIPTION...");
  GError *error = NULL;
  GstElement *pipeline, *sink;
  Stack stack = { 0 };
  GstSample *sample;
  GstBus *bus;
  int status = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  g_option_context_set_summary (ctx, "Writes the max-pixel image (the "
                                     "brightest value of every pixel) of a "
                                     "video source as a grey PNG.");
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc < 2 ||
      output == NULL) {
    g_printerr ("%s\n", error ? error->message
                              : "usage: meteor-stack -o "
                                "FILE.png SOURCE...");
    return 2;
  }
  g_option_context_free (ctx);

  {
    /* argv keeps each property value whole (spaces, ';'): parse it as such */
    static const gchar *tail[] = { "!", "videoconvert", "!",
      "video/x-raw,format=GRAY8", "!", "appsink", "name=stack", "sync=false",
      NULL };
    GPtrArray *args = g_ptr_array_new ();
    gint i;

    for (i = 1; i < argc; i++)
      g_ptr_array_add (args, argv[i]);
    for (i = 0; tail[i]; i++)
      g_ptr_array_add (args, (gpointer)tail[i]);
    g_ptr_array_add (args, NULL);
    pipeline = gst_parse_launchv ((const gchar **)args->pdata, &error);
    g_ptr_array_free (args, TRUE);
  }
  if (pipeline == NULL) {
    g_printerr ("meteor-stack: %s\n", error->message);
    return 2;
  }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "stack");
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (max_frames < 0 || (gint)stack.frames < max_frames) {
    sample =
        gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 100 * GST_MSECOND);
    if (sample) {
      stack_frame (&stack, sample);
      gst_sample_unref (sample);
      continue;
    }
    if (gst_app_sink_is_eos (GST_APP_SINK (sink)))
      break;
    /* no frame for a while: an error stops the stream without an EOS */
    if (report_error (bus)) {
      status = 1;
      break;
    }
  }
  /* sources send EOS after an error too: say why the stream ended */
  if (status == 0 && report_error (bus))
    status = 1;
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);

  if (status == 0 && stack.frames == 0) {
    g_printerr ("meteor-stack: the source gave no frames\n");
    status = 1;
  }
  if (status == 0 &&
      (!write_png (&stack, stack.max, output, &error) ||
          (frame_map != NULL &&
              !write_png (&stack, stack.max_frame, frame_map, &error)))) {
    g_printerr ("meteor-stack: %s\n", error->message);
    g_clear_error (&error);
    status = 1;
  }
  if (status == 0)
    g_print ("meteor-stack: %u frames -> %s\n", stack.frames, output);
  g_free (stack.max);
  g_free (stack.max_frame);
  g_free (output);
  g_free (frame_map);
  return status;
}
