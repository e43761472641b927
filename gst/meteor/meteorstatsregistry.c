/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the stats registry
 *
 * A process-wide list of weak references to the elements whose `stats`
 * property is worth reading. Weak references, because an element that is
 * disposed without unregistering (an application that drops a pipeline in
 * READY) must simply leave the list: readers get a strong reference only
 * while the element is alive, and dead entries are pruned on every access.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "meteorstatsregistry.h"

static GMutex registry_lock;
static GPtrArray *registry; /* of GWeakRef *, registry_lock */

static void
weak_ref_free (gpointer data)
{
  GWeakRef *ref = data;

  g_weak_ref_clear (ref);
  g_free (ref);
}

/* Calls @func on every live entry (a strong ref it must drop) and prunes
 * the dead ones. Returns TRUE when @func asked to stop. Lock held. */
static gboolean
registry_walk (
    gboolean (*func) (GstElement *e, guint i, gpointer data), gpointer data)
{
  guint i = 0;

  if (registry == NULL)
    registry = g_ptr_array_new_with_free_func (weak_ref_free);
  while (i < registry->len) {
    GstElement *e = g_weak_ref_get (g_ptr_array_index (registry, i));

    if (e == NULL) {
      g_ptr_array_remove_index (registry, i);
      continue;
    }
    if (func (e, i, data))
      return TRUE;
    i++;
  }
  return FALSE;
}

static gboolean
find_element (GstElement *e, guint i, gpointer data)
{
  gpointer *want = data; /* [element, found index + 1] */
  gboolean found = e == want[0];

  if (found)
    want[1] = GUINT_TO_POINTER (i + 1);
  gst_object_unref (e);
  return found;
}

/* Index + 1 of @element in the registry, 0 if absent. Lock held. */
static guint
registry_find (GstElement *element)
{
  gpointer want[2] = { element, NULL };

  registry_walk (find_element, want);
  return GPOINTER_TO_UINT (want[1]);
}

static gboolean
has_stats_property (GstElement *element)
{
  GParamSpec *pspec =
      g_object_class_find_property (G_OBJECT_GET_CLASS (element), "stats");

  return pspec && (pspec->flags & G_PARAM_READABLE) &&
         G_PARAM_SPEC_VALUE_TYPE (pspec) == GST_TYPE_STRUCTURE;
}

/**
 * gst_meteor_stats_register:
 * @element: an element with a readable `stats` property of type
 *   #GstStructure
 *
 * Makes @element's counters visible to gst_meteor_stats_get_elements()
 * (and so to the meteorstats tracer) until gst_meteor_stats_unregister()
 * or until @element is disposed. Registering twice is harmless. Elements
 * call it when they start (NULL to READY or in start()).
 *
 * Numeric fields of the structure become metrics; a field holding a
 * %GST_METEOR_STATS_HISTOGRAM structure becomes a histogram. Thread-safe.
 */
void
gst_meteor_stats_register (GstElement *element)
{
  g_return_if_fail (GST_IS_ELEMENT (element));
  g_return_if_fail (has_stats_property (element));

  g_mutex_lock (&registry_lock);
  if (registry_find (element) == 0) {
    GWeakRef *ref = g_new0 (GWeakRef, 1);

    g_weak_ref_init (ref, element);
    g_ptr_array_add (registry, ref);
  }
  g_mutex_unlock (&registry_lock);
}

/**
 * gst_meteor_stats_unregister:
 *
 * Removes @element from the registry; nothing happens if it was not in it.
 * Thread-safe.
 */
void
gst_meteor_stats_unregister (GstElement *element)
{
  guint at;

  g_return_if_fail (GST_IS_ELEMENT (element));

  g_mutex_lock (&registry_lock);
  at = registry_find (element);
  if (at > 0)
    g_ptr_array_remove_index (registry, at - 1);
  g_mutex_unlock (&registry_lock);
}

/**
 * gst_meteor_stats_is_registered:
 *
 * Returns: whether @element is in the registry
 */
gboolean
gst_meteor_stats_is_registered (GstElement *element)
{
  guint at;

  g_return_val_if_fail (GST_IS_ELEMENT (element), FALSE);

  g_mutex_lock (&registry_lock);
  at = registry_find (element);
  g_mutex_unlock (&registry_lock);
  return at > 0;
}

static gboolean
collect (GstElement *e, guint i, gpointer data)
{
  GList **list = data;

  *list = g_list_prepend (*list, e);
  return FALSE;
}

/**
 * gst_meteor_stats_get_elements:
 *
 * Returns: (transfer full) (element-type GstElement): the registered
 * elements that are alive, in order of registration; free with
 * `g_list_free_full (list, gst_object_unref)`
 */
GList *
gst_meteor_stats_get_elements (void)
{
  GList *list = NULL;

  g_mutex_lock (&registry_lock);
  registry_walk (collect, &list);
  g_mutex_unlock (&registry_lock);
  return g_list_reverse (list);
}

/**
 * gst_meteor_stats_get:
 *
 * Returns: (transfer full) (nullable): @element's `stats` structure, or
 * %NULL when it has none
 */
GstStructure *
gst_meteor_stats_get (GstElement *element)
{
  GstStructure *s = NULL;

  g_return_val_if_fail (GST_IS_ELEMENT (element), NULL);

  if (has_stats_property (element))
    g_object_get (element, "stats", &s, NULL);
  return s;
}

static void
append_uint64 (GValue *array, guint64 v)
{
  GValue item = G_VALUE_INIT;

  g_value_init (&item, G_TYPE_UINT64);
  g_value_set_uint64 (&item, v);
  gst_value_array_append_and_take_value (array, &item);
}

/**
 * gst_meteor_stats_histogram_new:
 * @bounds: (array length=n_bounds): increasing upper bounds of the buckets
 *   (durations in ns)
 * @counts: (array): @n_bounds + 1 counts, not cumulative: @counts[i]
 *   counts values in (@bounds[i-1], @bounds[i]], the last one the values
 *   above @bounds[@n_bounds - 1]
 * @sum: the sum of the values counted (ns)
 *
 * Returns: (transfer full): a %GST_METEOR_STATS_HISTOGRAM structure with
 * the fields `bounds` and `counts` (arrays of guint64), `sum` and `count`
 * (guint64), to put in a field of a stats structure
 */
GstStructure *
gst_meteor_stats_histogram_new (
    const guint64 *bounds, const guint64 *counts, guint n_bounds, guint64 sum)
{
  GValue b = G_VALUE_INIT, c = G_VALUE_INIT;
  GstStructure *s;
  guint64 count = 0;
  guint i;

  g_return_val_if_fail (n_bounds == 0 || bounds != NULL, NULL);
  g_return_val_if_fail (counts != NULL, NULL);

  g_value_init (&b, GST_TYPE_ARRAY);
  g_value_init (&c, GST_TYPE_ARRAY);
  for (i = 0; i < n_bounds; i++)
    append_uint64 (&b, bounds[i]);
  for (i = 0; i <= n_bounds; i++) {
    append_uint64 (&c, counts[i]);
    count += counts[i];
  }
  s = gst_structure_new (GST_METEOR_STATS_HISTOGRAM, "sum", G_TYPE_UINT64, sum,
      "count", G_TYPE_UINT64, count, NULL);
  gst_structure_take_value (s, "bounds", &b);
  gst_structure_take_value (s, "counts", &c);
  return s;
}

static gboolean
uint64_array (const GstStructure *s, const gchar *field, guint n, guint64 *out)
{
  const GValue *array = gst_structure_get_value (s, field);
  guint i;

  if (array == NULL || !GST_VALUE_HOLDS_ARRAY (array) ||
      gst_value_array_get_size (array) != n)
    return FALSE;
  for (i = 0; i < n; i++) {
    const GValue *v = gst_value_array_get_value (array, i);

    if (!G_VALUE_HOLDS_UINT64 (v))
      return FALSE;
    out[i] = g_value_get_uint64 (v);
  }
  return TRUE;
}

/**
 * gst_meteor_stats_histogram_parse:
 * @histogram: a %GST_METEOR_STATS_HISTOGRAM structure
 * @n_bounds: (out): number of bounds
 * @bounds: (out) (transfer full) (array length=n_bounds): the bounds
 * @counts: (out) (transfer full): @n_bounds + 1 counts, not cumulative
 * @sum: (out) (optional): sum of the values
 * @count: (out) (optional): number of values
 *
 * Returns: whether @histogram is well-formed: increasing bounds, as many
 * counts as bounds + 1 and a count that is their sum. On failure nothing
 * is returned.
 */
gboolean
gst_meteor_stats_histogram_parse (const GstStructure *histogram,
    guint *n_bounds, guint64 **bounds, guint64 **counts, guint64 *sum,
    guint64 *count)
{
  const GValue *b;
  guint64 *bv, *cv, s, c, total = 0;
  guint n, i;
  gboolean ok;

  g_return_val_if_fail (histogram != NULL, FALSE);
  g_return_val_if_fail (n_bounds && bounds && counts, FALSE);

  if (!gst_structure_has_name (histogram, GST_METEOR_STATS_HISTOGRAM) ||
      !gst_structure_get_uint64 (histogram, "sum", &s) ||
      !gst_structure_get_uint64 (histogram, "count", &c))
    return FALSE;
  b = gst_structure_get_value (histogram, "bounds");
  if (b == NULL || !GST_VALUE_HOLDS_ARRAY (b))
    return FALSE;
  n = gst_value_array_get_size (b);
  bv = g_new (guint64, n + 1);
  cv = g_new (guint64, n + 1);
  ok = uint64_array (histogram, "bounds", n, bv) &&
       uint64_array (histogram, "counts", n + 1, cv);
  for (i = 0; ok && i <= n; i++) {
    total += cv[i];
    if (i > 0 && i < n && bv[i] <= bv[i - 1])
      ok = FALSE;
  }
  if (!ok || total != c) {
    g_free (bv);
    g_free (cv);
    return FALSE;
  }
  *n_bounds = n;
  *bounds = bv;
  *counts = cv;
  if (sum)
    *sum = s;
  if (count)
    *count = c;
  return TRUE;
}
