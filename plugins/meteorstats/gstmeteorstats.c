/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteorstats tracer
 *
 * SECTION:tracer-meteorstats
 * @title: meteorstats
 *
 * Prometheus metrics and a plain-text report for a whole pipeline, served
 * over HTTP from the tracer's own thread and GMainContext:
 *
 * |[
 * GST_TRACERS="meteorstats(port=9464,address=127.0.0.1,report=true)" \
 *   gst-launch-1.0 ...
 * curl http://127.0.0.1:9464/metrics
 * curl http://127.0.0.1:9464/report
 * ]|
 *
 * Parameters: `port` (default 9464, 0 picks a free one), `address`
 * (default 127.0.0.1), `report` (print the report when a top-level
 * pipeline posts EOS), `port-file` (write the port served on into this
 * file, for scripts that use port=0), `idle-timeout` (seconds a connection
 * has to send its request and read the answer, default 10, 0 none),
 * `max-connections` (connections open at once, default 32), `memory-root`
 * (for tests: the directory standing for / when the report reads memory
 * pressure; default the environment variable METEOR_MEMORY_ROOT, else /).
 * The last three are also properties of the tracer, changeable at run
 * time. server.c
 * serves the pages, scrape.c builds /metrics and report.c /report.
 *
 * What it measures itself, through the tracer hooks: buffers and memories
 * created and freed (mini-object-created/destroyed: rate() of the counters
 * is the allocation rate), buffers into and out of every element, the
 * time each element spends on a buffer without what it pushes downstream
 * (pad-push-pre/post, per thread), buffers an element pushes outside the
 * frame ring after receiving ring frames (it copied them), QoS drops.
 * What it reads: the stats structure of every element in the libgstmeteor
 * stats registry (meteorpool, meteordetect, tieredsink, ...), and the
 * process and cgroup memory. docs/meteorstats.md lists every metric.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "tracer.h"

#include <stdio.h>
#include <string.h>

GST_DEBUG_CATEGORY (meteorstats_debug);
#define GST_CAT_DEFAULT meteorstats_debug

#define DEFAULT_PORT 9464
#define DEFAULT_ADDRESS "127.0.0.1"
/* nested pushes followed per thread (a pipeline deeper than this is timed
 * only at its top) */
#define STACK_DEPTH 48
#define DEFAULT_IDLE_TIMEOUT 10.0 /* s */
#define DEFAULT_MAX_CONNECTIONS 32

enum {
  PROP_0,
  PROP_BOUND_PORT,
  PROP_IDLE_TIMEOUT,
  PROP_MAX_CONNECTIONS,
  PROP_MEMORY_ROOT,
};

G_DEFINE_TYPE (GstMeteorStatsTracer, gst_meteor_stats_tracer, GST_TYPE_TRACER);

static GQuark entry_quark;

/* ------------------------------------------------------------ entries */

static void
entry_unref (gpointer data)
{
  ElementEntry *e = data;

  if (g_atomic_int_dec_and_test (&e->refcount)) {
    g_weak_ref_clear (&e->element);
    g_free (e);
  }
}

/* The entry of @element, made on first sight. No ref returned: the
 * element's qdata holds one for as long as the element lives. */
static ElementEntry *
get_entry (GstMeteorStatsTracer *self, GstElement *element)
{
  ElementEntry *e = g_object_get_qdata (G_OBJECT (element), entry_quark);

  if (G_LIKELY (e))
    return e;
  g_mutex_lock (&self->elements_lock);
  e = g_object_get_qdata (G_OBJECT (element), entry_quark);
  if (e == NULL) {
    e = g_new0 (ElementEntry, 1);
    e->refcount = 2;
    g_weak_ref_init (&e->element, element);
    e->is_bin = GST_IS_BIN (element);
    g_object_set_qdata_full (G_OBJECT (element), entry_quark, e, entry_unref);
    g_ptr_array_add (self->elements, e);
  }
  g_mutex_unlock (&self->elements_lock);
  return e;
}

GPtrArray *
live_entries (GstMeteorStatsTracer *self, GPtrArray **elements)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (entry_unref);
  guint i = 0;

  *elements = g_ptr_array_new_with_free_func (gst_object_unref);
  g_mutex_lock (&self->elements_lock);
  while (i < self->elements->len) {
    ElementEntry *e = g_ptr_array_index (self->elements, i);
    GstElement *element = g_weak_ref_get (&e->element);

    if (element == NULL) {
      g_ptr_array_remove_index (self->elements, i);
      continue;
    }
    g_atomic_int_inc (&e->refcount);
    g_ptr_array_add (out, e);
    g_ptr_array_add (*elements, element);
    i++;
  }
  g_mutex_unlock (&self->elements_lock);
  return out;
}

/* ---------------------------------------------------------------- hooks */

typedef struct {
  ElementEntry *entry; /* the element the push enters, NULL: not timed */
  guint64 start;
  guint64 children; /* time spent in pushes it made */
} PushFrame;

typedef struct {
  guint depth;
  PushFrame frames[STACK_DEPTH];
} PushStack;

static __thread PushStack push_stack;

static GstElement *
pad_element (GstPad *pad)
{
  GstObject *parent = GST_OBJECT_PARENT (pad);

  return parent && GST_IS_ELEMENT (parent) ? GST_ELEMENT_CAST (parent) : NULL;
}

static gboolean
in_ring (GstBuffer *buffer)
{
  return gst_buffer_n_memory (buffer) > 0 &&
         gst_is_meteor_ring_memory (gst_buffer_peek_memory (buffer, 0));
}

static void
push_enter (GstMeteorStatsTracer *self, guint64 ts, GstPad *pad,
    GstBuffer *buffer, guint n_buffers)
{
  GstElement *src = pad_element (pad), *dst = NULL;
  ElementEntry *to = NULL;
  gboolean ring = buffer && in_ring (buffer);
  GstPad *peer;

  if (src && !GST_IS_BIN (src)) {
    ElementEntry *from = get_entry (self, src);

    count (&from->buffers_out, n_buffers);
    if (buffer && !ring)
      count (&from->non_ring_out, n_buffers);
  }
  peer = gst_pad_get_peer (pad);
  if (peer) {
    dst = pad_element (peer);
    if (dst && !GST_IS_BIN (dst)) {
      to = get_entry (self, dst);
      count (&to->buffers_in, n_buffers);
      if (ring)
        count (&to->ring_in, n_buffers);
    }
    gst_object_unref (peer);
  }
  if (push_stack.depth < STACK_DEPTH) {
    PushFrame *f = &push_stack.frames[push_stack.depth];

    f->entry = to;
    f->start = ts;
    f->children = 0;
  }
  push_stack.depth++;
}

static void
push_leave (guint64 ts)
{
  PushFrame *f;
  guint64 total, self_time;

  if (push_stack.depth == 0)
    return; /* the tracer came up in the middle of a push */
  push_stack.depth--;
  if (push_stack.depth >= STACK_DEPTH)
    return;
  f = &push_stack.frames[push_stack.depth];
  total = ts > f->start ? ts - f->start : 0;
  self_time = total > f->children ? total - f->children : 0;
  if (f->entry)
    metrics_time_hist_record (&f->entry->proc, self_time);
  if (push_stack.depth > 0 && push_stack.depth <= STACK_DEPTH)
    push_stack.frames[push_stack.depth - 1].children += total;
}

static void
on_push_pre (GObject *tracer, GstClockTime ts, GstPad *pad, GstBuffer *buffer)
{
  push_enter (GST_METEOR_STATS_TRACER (tracer), ts, pad, buffer, 1);
}

static void
on_push_post (GObject *tracer, GstClockTime ts, GstPad *pad, GstFlowReturn res)
{
  push_leave (ts);
}

static void
on_push_list_pre (
    GObject *tracer, GstClockTime ts, GstPad *pad, GstBufferList *list)
{
  guint n = gst_buffer_list_length (list);

  push_enter (GST_METEOR_STATS_TRACER (tracer), ts, pad,
      n ? gst_buffer_list_get (list, 0) : NULL, n);
}

/* Counts @object in @buffers or @memories by its type (others are not
 * counted). */
static void
count_object (GstMiniObject *object, guint64 *buffers, guint64 *memories)
{
  GType type = GST_MINI_OBJECT_TYPE (object);

  if (type == GST_TYPE_BUFFER)
    count (buffers, 1);
  else if (type == GST_TYPE_MEMORY)
    count (memories, 1);
}

static void
on_mini_object_created (GObject *tracer, GstClockTime ts, GstMiniObject *object)
{
  GstMeteorStatsTracer *self = GST_METEOR_STATS_TRACER (tracer);

  count_object (object, &self->buffers_created, &self->memories_created);
}

static void
on_mini_object_destroyed (
    GObject *tracer, GstClockTime ts, GstMiniObject *object)
{
  GstMeteorStatsTracer *self = GST_METEOR_STATS_TRACER (tracer);

  count_object (object, &self->buffers_freed, &self->memories_freed);
}

static void
on_post_message (
    GObject *tracer, GstClockTime ts, GstElement *element, GstMessage *message)
{
  GstMeteorStatsTracer *self = GST_METEOR_STATS_TRACER (tracer);

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_QOS &&
      GST_IS_ELEMENT (GST_MESSAGE_SRC (message))) {
    GstFormat format;
    guint64 processed, dropped;

    gst_message_parse_qos_stats (message, &format, &processed, &dropped);
    if (format == GST_FORMAT_BUFFERS || format == GST_FORMAT_DEFAULT)
      __atomic_store_n (
          &get_entry (self, GST_ELEMENT (GST_MESSAGE_SRC (message)))
               ->qos_dropped,
          dropped, __ATOMIC_RELAXED);
  } else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS &&
             self->report_at_eos && GST_OBJECT_PARENT (element) == NULL) {
    gchar *report = build_report (self);

    g_print ("%s", report);
    g_free (report);
  }
}

/* ------------------------------------------------------------- pages */

static gchar *
serve_page (MeteorHttpServer *http, const gchar *path, const gchar **type,
    gsize *len, gpointer user_data)
{
  GstMeteorStatsTracer *self = user_data;
  gchar *body;

  if (strcmp (path, "/metrics") == 0) {
    *type = "text/plain; version=0.0.4; charset=utf-8";
    return build_metrics (self, http, len);
  }
  if (strcmp (path, "/report") == 0)
    body = build_report (self);
  else if (strcmp (path, "/healthz") == 0)
    body = g_strdup ("ok\n");
  else if (strcmp (path, "/") == 0)
    body = g_strdup ("gst-meteor meteorstats: /metrics (Prometheus), /report "
                     "(plain text), /healthz\n");
  else
    return NULL;
  *len = strlen (body);
  return body;
}

/* -------------------------------------------------------------- object */

static void
parse_params (GstMeteorStatsTracer *self)
{
  gchar *params = NULL, *desc;
  GstStructure *s;
  const gchar *str;
  gint port;
  gboolean report;
  gdouble d;

  g_object_get (self, "params", &params, NULL);
  if (params == NULL)
    return;
  desc = g_strdup_printf ("meteorstats,%s", params);
  s = gst_structure_from_string (desc, NULL);
  if (s == NULL) {
    g_printerr ("meteorstats: cannot parse the parameters '%s' (expected "
                "e.g. port=9464,address=127.0.0.1,report=true): using the "
                "defaults\n",
        params);
  } else {
    if (gst_structure_get_int (s, "port", &port)) {
      if (port >= 0 && port <= 65535)
        self->port = port;
      else
        g_printerr ("meteorstats: port=%d is not a TCP port: using %u\n", port,
            self->port);
    } else if (gst_structure_has_field (s, "port")) {
      g_printerr ("meteorstats: port must be a number: using %u\n", self->port);
    }
    if ((str = gst_structure_get_string (s, "address"))) {
      g_free (self->address);
      self->address = g_strdup (str);
    }
    if (gst_structure_get_boolean (s, "report", &report))
      self->report_at_eos = report;
    if ((str = gst_structure_get_string (s, "port-file")))
      self->port_file = g_strdup (str);
    if (gst_structure_has_field (s, "idle-timeout")) {
      if (numeric_value (gst_structure_get_value (s, "idle-timeout"), &d) &&
          d >= 0 && d <= 86400)
        self->idle_timeout = d;
      else
        g_printerr ("meteorstats: idle-timeout must be seconds (0: none): "
                    "using %g\n",
            self->idle_timeout);
    }
    if (gst_structure_has_field (s, "max-connections")) {
      if (numeric_value (gst_structure_get_value (s, "max-connections"), &d) &&
          d >= 1 && d <= 65535)
        self->max_connections = d;
      else
        g_printerr ("meteorstats: max-connections must be 1 to 65535: "
                    "using %u\n",
            self->max_connections);
    }
    if ((str = gst_structure_get_string (s, "memory-root"))) {
      g_free (self->memory_root);
      self->memory_root = g_strdup (str);
    }
    gst_structure_free (s);
  }
  g_free (desc);
  g_free (params);
}

static void
gst_meteor_stats_tracer_constructed (GObject *object)
{
  GstMeteorStatsTracer *self = GST_METEOR_STATS_TRACER (object);

  G_OBJECT_CLASS (gst_meteor_stats_tracer_parent_class)->constructed (object);
  parse_params (self);
  {
    MeteorHttpSettings settings = {
      .address = self->address,
      .port = self->port,
      .port_file = self->port_file,
      .idle_timeout_ms = self->idle_timeout * 1000,
      .max_connections = self->max_connections,
    };

    self->http = meteor_http_server_start (&settings, serve_page, self);
  }
}

static void
gst_meteor_stats_tracer_finalize (GObject *object)
{
  GstMeteorStatsTracer *self = GST_METEOR_STATS_TRACER (object);

  if (self->http)
    meteor_http_server_stop (self->http);
  g_ptr_array_unref (self->elements);
  g_free (self->address);
  g_free (self->port_file);
  g_free (self->memory_root);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->elements_lock);
  G_OBJECT_CLASS (gst_meteor_stats_tracer_parent_class)->finalize (object);
}

static void
gst_meteor_stats_tracer_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstMeteorStatsTracer *self = GST_METEOR_STATS_TRACER (object);

  switch (prop_id) {
    case PROP_BOUND_PORT:
      g_value_set_uint (value, meteor_http_server_port (self->http));
      break;
    case PROP_IDLE_TIMEOUT:
    case PROP_MAX_CONNECTIONS: {
      guint idle_ms, max;

      meteor_http_server_get_limits (self->http, &idle_ms, &max);
      if (prop_id == PROP_IDLE_TIMEOUT)
        g_value_set_double (value, idle_ms / 1000.0);
      else
        g_value_set_uint (value, max);
      break;
    }
    case PROP_MEMORY_ROOT:
      g_mutex_lock (&self->lock);
      g_value_set_string (value, self->memory_root);
      g_mutex_unlock (&self->lock);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_meteor_stats_tracer_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstMeteorStatsTracer *self = GST_METEOR_STATS_TRACER (object);
  guint idle_ms, max;

  switch (prop_id) {
    case PROP_IDLE_TIMEOUT:
    case PROP_MAX_CONNECTIONS:
      meteor_http_server_get_limits (self->http, &idle_ms, &max);
      if (prop_id == PROP_IDLE_TIMEOUT)
        idle_ms = g_value_get_double (value) * 1000;
      else
        max = g_value_get_uint (value);
      meteor_http_server_set_limits (self->http, idle_ms, max);
      break;
    case PROP_MEMORY_ROOT:
      g_mutex_lock (&self->lock);
      g_free (self->memory_root);
      self->memory_root = g_value_dup_string (value);
      g_mutex_unlock (&self->lock);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_meteor_stats_tracer_init (GstMeteorStatsTracer *self)
{
  GstTracer *tracer = GST_TRACER (self);

  g_mutex_init (&self->elements_lock);
  self->idle_timeout = DEFAULT_IDLE_TIMEOUT;
  self->max_connections = DEFAULT_MAX_CONNECTIONS;
  self->memory_root = g_strdup (g_getenv ("METEOR_MEMORY_ROOT"));
  g_mutex_init (&self->lock);
  self->elements = g_ptr_array_new_with_free_func (entry_unref);
  self->address = g_strdup (DEFAULT_ADDRESS);
  self->port = DEFAULT_PORT;
  self->started_at = g_get_monotonic_time ();

  gst_tracing_register_hook (tracer, "pad-push-pre", G_CALLBACK (on_push_pre));
  gst_tracing_register_hook (
      tracer, "pad-push-post", G_CALLBACK (on_push_post));
  gst_tracing_register_hook (
      tracer, "pad-push-list-pre", G_CALLBACK (on_push_list_pre));
  gst_tracing_register_hook (
      tracer, "pad-push-list-post", G_CALLBACK (on_push_post));
  gst_tracing_register_hook (
      tracer, "mini-object-created", G_CALLBACK (on_mini_object_created));
  gst_tracing_register_hook (
      tracer, "mini-object-destroyed", G_CALLBACK (on_mini_object_destroyed));
  gst_tracing_register_hook (
      tracer, "element-post-message-pre", G_CALLBACK (on_post_message));
}

static void
gst_meteor_stats_tracer_class_init (GstMeteorStatsTracerClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->constructed = gst_meteor_stats_tracer_constructed;
  gobject_class->finalize = gst_meteor_stats_tracer_finalize;
  gobject_class->get_property = gst_meteor_stats_tracer_get_property;
  gobject_class->set_property = gst_meteor_stats_tracer_set_property;

  g_object_class_install_property (gobject_class, PROP_BOUND_PORT,
      g_param_spec_uint ("bound-port", "Bound port",
          "TCP port the metrics are served on (0: not serving)", 0, 65535, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_IDLE_TIMEOUT,
      g_param_spec_double ("idle-timeout", "Idle timeout",
          "Seconds a connection has to send its request and read the "
          "answer before it is closed (0: no limit; parameter idle-timeout)",
          0, 86400, DEFAULT_IDLE_TIMEOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_MAX_CONNECTIONS,
      g_param_spec_uint ("max-connections", "Max connections",
          "Connections open at once; over it the oldest one still without "
          "a request is closed, else the new one gets a 503 (parameter "
          "max-connections)",
          1, 65535, DEFAULT_MAX_CONNECTIONS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_property (gobject_class, PROP_MEMORY_ROOT,
      g_param_spec_string ("memory-root", "Memory root",
          "For testing: directory standing for / when the report reads "
          "proc/self/cgroup, sys/fs/cgroup/..., proc/meminfo and "
          "proc/pressure/memory (parameter memory-root; unset: the "
          "environment variable METEOR_MEMORY_ROOT, else /)",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  entry_quark = g_quark_from_static_string ("meteorstats-element");
  GST_DEBUG_CATEGORY_INIT (
      meteorstats_debug, "meteorstats", 0, "gst-meteor metrics tracer");
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  gst_meteor_init ();
  return gst_tracer_register (
      plugin, "meteorstats", GST_TYPE_METEOR_STATS_TRACER);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, meteorstats,
    "Prometheus metrics and a memory report for meteor pipelines", plugin_init,
    VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
