/* gst-meteor: helpers shared by the pipeline benchmarks (bench-fanout,
 * bench-station). Header-only: each bench is one program. */
#ifndef __METEOR_BENCH_UTIL_H__
#define __METEOR_BENCH_UTIL_H__

#include <gst/gst.h>
#include <gst/meteor/meteor.h>
#include <gst/video/video.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>

/* CPU time of the whole process (every thread: source, queues, sinks). */
static inline gint64
bench_cpu_time_us (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (gint64)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC +
         ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* What a capture source does: asks downstream for a pool, and configures
 * and activates it unless someone already did. (appsrc's own start-up
 * query, in 1.22, carries no caps and gets no pool.) Returns a ref, or
 * NULL with the reason printed. */
static inline GstBufferPool *
bench_take_downstream_pool (const gchar *who, GstPad *srcpad, GstCaps *caps,
    const GstVideoInfo *info, guint *min, guint *max, gboolean *activated)
{
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  GstBufferPool *pool = NULL;
  GstStructure *config;
  guint size = 0;

  *activated = FALSE;
  if (!gst_pad_peer_query (srcpad, query) ||
      gst_query_get_n_allocation_pools (query) == 0) {
    g_printerr ("%s: downstream proposed no pool\n", who);
    goto done;
  }
  gst_query_parse_nth_allocation_pool (query, 0, &pool, &size, min, max);
  if (pool == NULL || !GST_IS_METEOR_BUFFER_POOL (pool)) {
    g_printerr ("%s: the first pool proposed is %s, not meteor's\n", who,
        pool ? G_OBJECT_TYPE_NAME (pool) : "none");
    g_clear_object (&pool);
    goto done;
  }
  if (gst_buffer_pool_is_active (pool))
    goto done;

  size = MAX (size, (guint)GST_VIDEO_INFO_SIZE (info));
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, size, *min, *max);
  if (gst_buffer_pool_has_option (pool, GST_BUFFER_POOL_OPTION_VIDEO_META))
    gst_buffer_pool_config_add_option (
        config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  /* set_config fails on a pool activated meanwhile: fine, it is usable */
  if ((!gst_buffer_pool_set_config (pool, config) &&
          !gst_buffer_pool_is_active (pool)) ||
      !gst_buffer_pool_set_active (pool, TRUE)) {
    g_printerr ("%s: cannot configure or activate the pool\n", who);
    g_clear_object (&pool);
    goto done;
  }
  *activated = TRUE;

done:
  gst_query_unref (query);
  return pool;
}

/* Lets a bench run from the build tree without GST_PLUGIN_PATH: scans
 * @fallback_path (':'-separated) when meteorpool is not found. */
static inline void
bench_ensure_plugins (const gchar *fallback_path)
{
  GstElementFactory *factory = gst_element_factory_find ("meteorpool");
  gchar **dirs;
  guint i;

  if (factory) {
    gst_object_unref (factory);
    return;
  }
  dirs = g_strsplit (fallback_path, ":", -1);
  for (i = 0; dirs[i]; i++)
    if (dirs[i][0])
      gst_registry_scan_path (gst_registry_get (), dirs[i]);
  g_strfreev (dirs);
}

#endif /* __METEOR_BENCH_UTIL_H__ */
