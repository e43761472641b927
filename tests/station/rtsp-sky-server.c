/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: an IP camera on loopback for meteor-station's tests: a
 * gst-rtsp-server serving the synthetic sky (meteorsky) as H.264.
 *
 *   rtsp-sky-server PORT "MORE METEORSKY PROPERTIES"
 *
 * serves rtsp://127.0.0.1:PORT/sky (one stream all clients share) and
 * says "ready" once it listens. Killed and started again on the same
 * port, it is a camera that drops off the network and comes back. */
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <stdio.h>

int
main (int argc, char **argv)
{
  GstRTSPServer *server;
  GstRTSPMountPoints *mounts;
  GstRTSPMediaFactory *factory;
  GMainLoop *loop;
  gchar *launch;

  gst_init (&argc, &argv);
  if (argc < 2) {
    g_printerr ("usage: rtsp-sky-server PORT [METEORSKY-PROPERTIES]\n");
    return 2;
  }
  loop = g_main_loop_new (NULL, FALSE);
  server = gst_rtsp_server_new ();
  gst_rtsp_server_set_address (server, "127.0.0.1");
  gst_rtsp_server_set_service (server, argv[1]);
  /* a camera's stream: I420, a keyframe a second, no B-frames */
  launch = g_strdup_printf (
      "( meteorsky is-live=true %s ! video/x-raw,format=I420 "
      "! x264enc tune=zerolatency speed-preset=ultrafast bitrate=1000 "
      "key-int-max=10 ! rtph264pay name=pay0 pt=96 config-interval=1 )",
      argc > 2 ? argv[2] : "");
  factory = gst_rtsp_media_factory_new ();
  gst_rtsp_media_factory_set_launch (factory, launch);
  gst_rtsp_media_factory_set_shared (factory, TRUE);
  mounts = gst_rtsp_server_get_mount_points (server);
  gst_rtsp_mount_points_add_factory (mounts, "/sky", factory);
  g_object_unref (mounts);
  if (gst_rtsp_server_attach (server, NULL) == 0) {
    g_printerr ("rtsp-sky-server: cannot listen on 127.0.0.1:%s\n", argv[1]);
    return 1;
  }
  g_print ("ready\n");
  fflush (stdout); /* the test waits for it in a file */
  g_main_loop_run (loop);
  g_free (launch);
  return 0;
}
