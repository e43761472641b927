/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tests of libgstmeteor (ring allocator, buffer pool, frame meta)
 * without any element. */
#include <gst/check/gstcheck.h>
#include "meteortest.h"
#include <glib/gstdio.h>
#include <gst/meteor/meteor.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static GstMeteorRingAllocator *
make_ring (gsize slot, guint n)
{
  GError *error = NULL;
  GstAllocator *ring = gst_meteor_ring_allocator_new (
      GST_METEOR_RING_BACKING_MEMFD, NULL, slot, n, &error);

  fail_unless (ring != NULL, "ring: %s", error ? error->message : "?");
  return GST_METEOR_RING_ALLOCATOR (ring);
}

GST_START_TEST (test_ring_slots_and_reuse)
{
  GstMeteorRingAllocator *ring = make_ring (5000, 3);
  GstAllocator *alloc = GST_ALLOCATOR (ring);
  GstMemory *m[3], *extra;
  GstMeteorRingStats st;
  GstMapInfo a, b;
  gpointer first_data;
  gint first_slot;
  guint i;

  /* slots are page-rounded */
  fail_unless_equals_int (
      gst_meteor_ring_allocator_get_slot_size (ring) % sysconf (_SC_PAGESIZE),
      0);
  fail_unless (gst_meteor_ring_allocator_get_slot_size (ring) >= 5000);

  for (i = 0; i < 3; i++) {
    m[i] = gst_allocator_alloc (alloc, 5000, NULL);
    fail_unless (gst_is_meteor_ring_memory (m[i]));
    fail_unless (gst_meteor_ring_memory_get_slot (m[i]) >= 0);
  }
  fail_unless (gst_meteor_ring_memory_get_slot (m[0]) !=
               gst_meteor_ring_memory_get_slot (m[1]));

  /* mapping is a pointer into the ring: twice the same, never a copy */
  fail_unless (gst_memory_map (m[0], &a, GST_MAP_READWRITE));
  fail_unless (gst_meteor_ring_allocator_contains (ring, a.data));
  memset (a.data, 0x5a, a.size);
  first_data = a.data;
  gst_memory_unmap (m[0], &a);
  fail_unless (gst_memory_map (m[0], &b, GST_MAP_READ));
  fail_unless (b.data == first_data);
  gst_memory_unmap (m[0], &b);

  /* all slots held: the next allocation overflows to system memory */
  extra = gst_allocator_alloc (alloc, 5000, NULL);
  fail_unless (extra != NULL);
  fail_if (gst_is_meteor_ring_memory (extra));
  gst_memory_unref (extra);

  /* a freed slot is reused, at the same address */
  first_slot = gst_meteor_ring_memory_get_slot (m[0]);
  gst_memory_unref (m[0]);
  m[0] = gst_allocator_alloc (alloc, 5000, NULL);
  fail_unless_equals_int (gst_meteor_ring_memory_get_slot (m[0]), first_slot);
  fail_unless (gst_memory_map (m[0], &a, GST_MAP_READ));
  fail_unless (a.data == first_data);
  fail_unless_equals_int (((guint8 *)a.data)[100], 0x5a);
  gst_memory_unmap (m[0], &a);

  gst_meteor_ring_allocator_get_stats (ring, &st);
  fail_unless_equals_uint64 (st.allocations, 4);
  fail_unless_equals_uint64 (st.reuses, 1);
  fail_unless_equals_uint64 (st.overflows, 1);
  fail_unless_equals_int (st.slots_in_use, 3);

  for (i = 0; i < 3; i++)
    gst_memory_unref (m[i]);
  gst_meteor_ring_allocator_get_stats (ring, &st);
  fail_unless_equals_int (st.slots_in_use, 0);
  fail_unless_equals_int (st.max_slots_in_use, 3);
  gst_object_unref (ring);
}

GST_END_TEST;

GST_START_TEST (test_ring_share_holds_slot)
{
  GstMeteorRingAllocator *ring = make_ring (4096, 1);
  GstMemory *mem, *share, *again;
  GstMeteorRingStats st;
  GstMapInfo a, b;

  mem = gst_allocator_alloc (GST_ALLOCATOR (ring), 4096, NULL);
  share = gst_memory_share (mem, 100, 200);
  fail_unless (gst_is_meteor_ring_memory (share));
  fail_unless (gst_memory_map (mem, &a, GST_MAP_READ));
  fail_unless (gst_memory_map (share, &b, GST_MAP_READ));
  fail_unless ((guint8 *)b.data == (guint8 *)a.data + 100);
  fail_unless_equals_int (b.size, 200);
  gst_memory_unmap (share, &b);
  gst_memory_unmap (mem, &a);
  fail_if (gst_memory_map (share, &b, GST_MAP_WRITE), "a share is read-only");

  /* the slot stays taken while only the share is alive */
  gst_memory_unref (mem);
  gst_meteor_ring_allocator_get_stats (ring, &st);
  fail_unless_equals_int (st.slots_in_use, 1);
  again = gst_allocator_alloc (GST_ALLOCATOR (ring), 4096, NULL);
  fail_if (gst_is_meteor_ring_memory (again), "slot reused while held");
  gst_memory_unref (again);
  gst_memory_unref (share);
  gst_meteor_ring_allocator_get_stats (ring, &st);
  fail_unless_equals_int (st.slots_in_use, 0);
  gst_object_unref (ring);
}

GST_END_TEST;

GST_START_TEST (test_ring_copy_counted)
{
  GstMeteorRingAllocator *ring = make_ring (4096, 2);
  GstMemory *mem, *copy;
  GstMeteorRingStats st;
  GstMapInfo a, b;

  mem = gst_allocator_alloc (GST_ALLOCATOR (ring), 3000, NULL);
  fail_unless (gst_memory_map (mem, &a, GST_MAP_WRITE));
  memset (a.data, 7, a.size);
  gst_memory_unmap (mem, &a);
  copy = gst_memory_copy (mem, 10, 1000);
  fail_if (gst_is_meteor_ring_memory (copy));
  fail_unless (gst_memory_map (copy, &b, GST_MAP_READ));
  fail_unless_equals_int (b.size, 1000);
  fail_unless_equals_int (((guint8 *)b.data)[999], 7);
  gst_memory_unmap (copy, &b);
  gst_meteor_ring_allocator_get_stats (ring, &st);
  fail_unless_equals_uint64 (st.copies, 1);
  fail_unless_equals_uint64 (st.bytes_copied, 1000);
  gst_memory_unref (copy);
  gst_memory_unref (mem);
  gst_object_unref (ring);
}

GST_END_TEST;

GST_START_TEST (test_ring_file_backing)
{
  gchar *dir = g_dir_make_tmp ("meteor-ring-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "frames.ring", NULL);
  gchar *bad = g_build_filename (dir, "missing", "frames.ring", NULL);
  GError *error = NULL;
  GstAllocator *ring;
  GstMemory *mem;

  ring = gst_meteor_ring_allocator_new (
      GST_METEOR_RING_BACKING_FILE, path, 8192, 4, &error);
  fail_unless (ring != NULL);
  fail_unless (g_file_test (path, G_FILE_TEST_EXISTS));
  mem = gst_allocator_alloc (ring, 8000, NULL);
  fail_unless (gst_is_meteor_ring_memory (mem));
  gst_memory_unref (mem);
  gst_object_unref (ring);
  fail_if (g_file_test (path, G_FILE_TEST_EXISTS), "ring file left behind");

  ring = gst_meteor_ring_allocator_new (
      GST_METEOR_RING_BACKING_FILE, bad, 8192, 4, &error);
  fail_unless (ring == NULL);
  fail_unless (error != NULL);
  fail_unless (strstr (error->message, "does not exist") != NULL,
      "unclear error: %s", error->message);
  g_clear_error (&error);

  ring = gst_meteor_ring_allocator_new (
      GST_METEOR_RING_BACKING_MEMFD, NULL, 0, 4, &error);
  fail_unless (ring == NULL && error != NULL);
  g_clear_error (&error);

  g_rmdir (dir);
  g_free (bad);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

static GstAllocator *
file_ring (const gchar *path, GError **error)
{
  return gst_meteor_ring_allocator_new (
      GST_METEOR_RING_BACKING_FILE, path, 8192, 4, error);
}

/* A ring that cannot be made fails with an error naming the path and
 * @cause. */
static void
check_file_ring_refused (const gchar *path, const gchar *cause)
{
  GError *error = NULL;

  fail_unless (file_ring (path, &error) == NULL, "ring made at %s", path);
  fail_unless (error != NULL);
  fail_unless (strstr (error->message, path) != NULL &&
                   strstr (error->message, cause) != NULL,
      "unclear error: %s", error->message);
  g_clear_error (&error);
}

/* ring-path names someone's file or a directory: neither is touched. */
GST_START_TEST (test_ring_file_never_takes_others)
{
  gchar *dir = g_dir_make_tmp ("meteor-ring-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "precious.txt", NULL);
  gchar *empty = g_build_filename (dir, "empty", NULL);
  const gchar *text = "not a ring: keep me\n";
  gchar *contents = NULL;

  fail_unless (g_file_set_contents (path, text, -1, NULL));
  check_file_ring_refused (path, "not a frame ring file");
  fail_unless (g_file_get_contents (path, &contents, NULL, NULL));
  fail_unless_equals_string (contents, text);

  fail_unless (g_file_set_contents (empty, "", 0, NULL));
  check_file_ring_refused (empty, "not a frame ring file");
  fail_unless (g_file_test (empty, G_FILE_TEST_IS_REGULAR));

  check_file_ring_refused (dir, "is a directory");
  fail_unless (g_file_test (dir, G_FILE_TEST_IS_DIR));

  g_unlink (empty);
  g_unlink (path);
  g_rmdir (dir);
  g_free (contents);
  g_free (empty);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

/* One ring per file: a second ring at the path is refused, naming the
 * process of the first, which goes on; once the first gives its path up,
 * a new ring is made there while the first one's frames stay valid. */
GST_START_TEST (test_ring_file_locked)
{
  gchar *dir = g_dir_make_tmp ("meteor-ring-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "frames.ring", NULL);
  gchar *pid = g_strdup_printf ("process %d", (gint)getpid ());
  GstAllocator *ring, *next;
  GstMemory *mem;
  GstMapInfo map;

  ring = file_ring (path, NULL);
  fail_unless (ring != NULL);
  mem = gst_allocator_alloc (ring, 8000, NULL);
  fail_unless (gst_is_meteor_ring_memory (mem));
  fail_unless (gst_memory_map (mem, &map, GST_MAP_WRITE));
  memset (map.data, 0x3c, map.size);
  gst_memory_unmap (mem, &map);

  check_file_ring_refused (path, pid);
  fail_unless (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  gst_meteor_ring_allocator_release_path (GST_METEOR_RING_ALLOCATOR (ring));
  fail_if (g_file_test (path, G_FILE_TEST_EXISTS), "the path was kept");
  next = file_ring (path, NULL);
  fail_unless (next != NULL);
  fail_unless (gst_memory_map (mem, &map, GST_MAP_READ));
  fail_unless_equals_int (map.data[7999], 0x3c);
  gst_memory_unmap (mem, &map);
  gst_memory_unref (mem);
  gst_object_unref (ring);
  fail_unless (g_file_test (path, G_FILE_TEST_IS_REGULAR),
      "the first ring removed the next one's file");
  gst_object_unref (next);
  fail_if (g_file_test (path, G_FILE_TEST_EXISTS), "ring file left behind");

  g_rmdir (dir);
  g_free (pid);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

/* The ring file of a process that died is ours to take over. */
GST_START_TEST (test_ring_file_of_dead_process_reused)
{
  gchar *dir = g_dir_make_tmp ("meteor-ring-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "frames.ring", NULL);
  GstAllocator *ring;
  GError *error = NULL;
  int status;
  pid_t child = fork ();

  fail_unless (child >= 0);
  if (child == 0) /* makes a ring and dies without freeing it */
    _exit (file_ring (path, NULL) != NULL ? 0 : 1);
  fail_unless_equals_int (waitpid (child, &status, 0), child);
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  fail_unless (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  ring = file_ring (path, &error);
  fail_unless (ring != NULL, "not reused: %s", error ? error->message : "?");
  gst_object_unref (ring);
  fail_if (g_file_test (path, G_FILE_TEST_EXISTS), "ring file left behind");

  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

static GstBufferPool *
make_pool (const gchar *caps_str, guint min, guint max, gboolean align)
{
  GstBufferPool *pool = gst_meteor_buffer_pool_new ();
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstVideoInfo info;

  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_buffer_pool_config_set_params (config, caps, info.size, min, max);
  gst_buffer_pool_config_add_option (config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  if (align) {
    GstVideoAlignment al;

    gst_video_alignment_reset (&al);
    al.padding_right = 3;
    al.stride_align[0] = 63;
    gst_buffer_pool_config_add_option (
        config, GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT);
    gst_buffer_pool_config_set_video_alignment (config, &al);
  }
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  gst_caps_unref (caps);
  return pool;
}

GST_START_TEST (test_pool_reuses_same_memory)
{
  GstBufferPool *pool =
      make_pool ("video/x-raw,format=RGB,width=64,height=48", 2, 4, FALSE);
  GstMeteorRingAllocator *ring =
      gst_meteor_buffer_pool_get_ring (GST_METEOR_BUFFER_POOL (pool));
  GstMeteorPoolStats st;
  GstBuffer *buf;
  GstMapInfo map;
  gpointer seen[4] = {
    NULL,
  };
  guint n_seen = 0, i, j;

  fail_unless (ring != NULL);
  for (i = 0; i < 100; i++) {
    gboolean known = FALSE;

    fail_unless_equals_int (
        gst_buffer_pool_acquire_buffer (pool, &buf, NULL), GST_FLOW_OK);
    fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
    fail_unless (gst_meteor_ring_allocator_contains (ring, map.data));
    for (j = 0; j < n_seen; j++)
      known |= seen[j] == map.data;
    if (!known) {
      fail_unless (n_seen < 4, "more addresses than buffers");
      seen[n_seen++] = map.data;
    }
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  gst_meteor_buffer_pool_get_stats (GST_METEOR_BUFFER_POOL (pool), &st);
  /* the bounded pool is preallocated whole (4): no allocation per frame;
   * the buffer just returned is handed out again, at the same address */
  fail_unless_equals_uint64 (st.allocations, 4);
  fail_unless_equals_int (n_seen, 1);
  fail_unless_equals_uint64 (st.acquires, 100);
  fail_unless_equals_uint64 (st.reuses, 99);
  fail_unless_equals_int (st.in_use, 0);
  fail_unless_equals_int (st.pool_size, 4);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (ring);
  gst_object_unref (pool);
}

GST_END_TEST;

GST_START_TEST (test_pool_alignment_and_video_meta)
{
  GstBufferPool *pool =
      make_pool ("video/x-raw,format=GRAY8,width=101,height=7", 1, 2, TRUE);
  GstVideoMeta *vmeta;
  GstBuffer *buf;

  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &buf, NULL), GST_FLOW_OK);
  vmeta = gst_buffer_get_video_meta (buf);
  fail_unless (vmeta != NULL);
  fail_unless_equals_int (vmeta->stride[0] % 64, 0);
  fail_unless (vmeta->stride[0] >= 104);
  fail_unless (gst_is_meteor_ring_memory (gst_buffer_peek_memory (buf, 0)));
  gst_buffer_unref (buf);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (pool);
}

GST_END_TEST;

GST_START_TEST (test_pool_exhaustion_waits_and_leaky_reserve)
{
  GstBufferPool *pool =
      make_pool ("video/x-raw,format=GRAY8,width=16,height=16", 1, 2, FALSE);
  GstMeteorBufferPool *mpool = GST_METEOR_BUFFER_POOL (pool);
  GstBufferPoolAcquireParams dontwait = {
    0,
  };
  GstMeteorPoolStats st;
  GstBuffer *a, *b, *c, *r;

  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &a, NULL), GST_FLOW_OK);
  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &b, NULL), GST_FLOW_OK);
  dontwait.flags = GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT;
  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &c, &dontwait), GST_FLOW_EOS);

  /* leaky: a blocking acquire on an exhausted pool gets the reserve */
  gst_meteor_buffer_pool_set_leaky (mpool, TRUE);
  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &r, NULL), GST_FLOW_OK);
  fail_unless (gst_meteor_buffer_pool_is_reserve (mpool, r));
  fail_if (gst_meteor_buffer_pool_is_reserve (mpool, a));
  gst_buffer_unref (r);
  /* and gets it again once it is back */
  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &r, NULL), GST_FLOW_OK);
  fail_unless (gst_meteor_buffer_pool_is_reserve (mpool, r));
  gst_buffer_unref (r);

  gst_meteor_buffer_pool_get_stats (mpool, &st);
  fail_unless_equals_uint64 (st.reserve_handouts, 2);
  fail_unless_equals_uint64 (st.acquire_waits, 2);
  fail_unless_equals_int (st.in_use, 2);

  gst_buffer_unref (a);
  gst_buffer_unref (b);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_meteor_buffer_pool_get_stats (mpool, &st);
  fail_unless_equals_int (st.pool_size, 0);
  gst_object_unref (pool);
}

GST_END_TEST;

typedef struct {
  GstMeteorBufferPool *pool;
  GstBuffer *buffer;
} Release;

/* Releases the buffer 30 ms after the pool's acquire started waiting, so
 * that wait is at least 30 ms however late this thread or the acquire ran. */
static gpointer
release_later (gpointer data)
{
  Release *r = data;
  GstMeteorPoolStats st;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  do {
    g_thread_yield ();
    gst_meteor_buffer_pool_get_stats (r->pool, &st);
  } while (st.acquire_waits == 0 && g_get_monotonic_time () < deadline);
  g_usleep (30000);
  gst_buffer_unref (r->buffer);
  return NULL;
}

GST_START_TEST (test_pool_wait_histogram)
{
  GstBufferPool *pool =
      make_pool ("video/x-raw,format=GRAY8,width=16,height=16", 1, 1, FALSE);
  GstMeteorBufferPool *mpool = GST_METEOR_BUFFER_POOL (pool);
  const guint64 *bounds = gst_meteor_buffer_pool_wait_bucket_bounds ();
  GstMeteorPoolStats st, sum;
  GstStructure *h;
  GstBuffer *a, *b, *r;
  GThread *thread;
  guint64 total = 0, *hb, *hc, hsum, hcount;
  guint i, hn, at = GST_METEOR_POOL_WAIT_BUCKETS + 1;
  Release rel;

  for (i = 1; i < GST_METEOR_POOL_WAIT_BUCKETS; i++)
    fail_unless (bounds[i] > bounds[i - 1]);

  /* no wait, no bucket */
  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &a, NULL), GST_FLOW_OK);
  gst_meteor_buffer_pool_get_stats (mpool, &st);
  for (i = 0; i <= GST_METEOR_POOL_WAIT_BUCKETS; i++)
    fail_unless_equals_uint64 (st.wait_buckets[i], 0);

  /* one wait of at least 30 ms, in the bucket its length belongs to */
  rel.pool = mpool;
  rel.buffer = a;
  thread = g_thread_new ("release", release_later, &rel);
  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &b, NULL), GST_FLOW_OK);
  g_thread_join (thread);
  gst_meteor_buffer_pool_get_stats (mpool, &st);
  fail_unless_equals_uint64 (st.acquire_waits, 1);
  fail_unless (
      st.wait_ns >= 30 * GST_MSECOND, "waited %" G_GUINT64_FORMAT, st.wait_ns);
  for (i = 0; i <= GST_METEOR_POOL_WAIT_BUCKETS; i++) {
    total += st.wait_buckets[i];
    if (st.wait_buckets[i])
      at = i;
  }
  fail_unless_equals_uint64 (total, 1);
  fail_unless (at == GST_METEOR_POOL_WAIT_BUCKETS || st.wait_ns <= bounds[at]);
  fail_unless (at == 0 || st.wait_ns > bounds[at - 1]);
  fail_unless (bounds[at] > 20 * GST_MSECOND);

  /* leaky: the reserve handed out at once counts as a 0 ns wait */
  gst_meteor_buffer_pool_set_leaky (mpool, TRUE);
  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &r, NULL), GST_FLOW_OK);
  fail_unless (gst_meteor_buffer_pool_is_reserve (mpool, r));
  gst_buffer_unref (r);
  gst_meteor_buffer_pool_get_stats (mpool, &st);
  fail_unless_equals_uint64 (st.acquire_waits, 2);
  fail_unless_equals_uint64 (st.wait_buckets[0], 1);

  /* as a histogram structure, and summed over pools */
  h = gst_meteor_pool_stats_wait_histogram (&st);
  fail_unless (
      gst_meteor_stats_histogram_parse (h, &hn, &hb, &hc, &hsum, &hcount));
  fail_unless_equals_int (hn, GST_METEOR_POOL_WAIT_BUCKETS);
  fail_unless_equals_uint64 (hcount, st.acquire_waits);
  fail_unless_equals_uint64 (hsum, st.wait_ns);
  fail_unless_equals_uint64 (hb[0], bounds[0]);
  g_free (hb);
  g_free (hc);
  gst_structure_free (h);
  memset (&sum, 0, sizeof (sum));
  gst_meteor_pool_stats_add (&sum, &st);
  gst_meteor_pool_stats_add (&sum, &st);
  fail_unless_equals_uint64 (sum.acquire_waits, 4);
  fail_unless_equals_uint64 (sum.wait_buckets[0], 2);
  fail_unless_equals_uint64 (sum.wait_ns, 2 * st.wait_ns);
  fail_unless_equals_uint64 (sum.max_wait_ns, st.max_wait_ns);

  gst_buffer_unref (b);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (pool);
}

GST_END_TEST;

GST_START_TEST (test_frame_meta_api)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 16, NULL);
  GstBuffer *copy;
  GstMeteorFrameMeta *meta;
  GstStructure *s;
  guint64 id;
  gdouble t;

  fail_unless (gst_buffer_get_meteor_frame_meta (buf) == NULL);
  meta = gst_buffer_add_meteor_frame_meta (buf, 42,
      1700000000 * GST_SECOND + 123456789, "cam-north", 40000, 3.5, -2.25);
  fail_unless (meta != NULL);
  fail_unless (gst_buffer_get_meteor_frame_meta (buf) == meta);

  copy = gst_buffer_copy (buf);
  meta = gst_buffer_get_meteor_frame_meta (copy);
  fail_unless (meta != NULL);
  fail_unless_equals_uint64 (meta->frame_id, 42);
  fail_unless_equals_string (meta->camera_id, "cam-north");
  fail_unless_equals_uint64 (meta->exposure_time_us, 40000);
  fail_unless_equals_float (meta->gain, 3.5);
  fail_unless_equals_float (meta->temperature_c, -2.25);

  s = gst_meteor_frame_meta_to_structure (meta);
  fail_unless (gst_structure_get_uint64 (s, "frame-id", &id));
  fail_unless_equals_uint64 (id, 42);
  fail_unless_equals_string (
      gst_structure_get_string (s, "utc"), "2023-11-14T22:13:20.123456Z");
  fail_unless (gst_structure_get_double (s, "temperature-c", &t));
  gst_structure_free (s);

  /* unknown temperature is left out of the structure */
  meta->temperature_c = NAN;
  s = gst_meteor_frame_meta_to_structure (meta);
  fail_if (gst_structure_has_field (s, "temperature-c"));
  gst_structure_free (s);

  gst_buffer_unref (copy);
  gst_buffer_unref (buf);
}

GST_END_TEST;

/* The meteor-detected contract: what meteordetect writes, tieredsink and
 * applications read back, field for field; frames as an application
 * writes them (int) accepted, nonsense refused. */
GST_START_TEST (test_detection_contract)
{
  GstMeteorDetection in = { .id = 7, .first_frame = 100, .last_frame = 112,
    .start_time = 4 * GST_SECOND, .end_time = GST_CLOCK_TIME_NONE,
    .x0 = 10.5, .y0 = 20, .x1 = 300, .y1 = 40.25, .speed_px_s = 620,
    .peak = 80, .snr = 12.5, .score = 33, .n_points = 13 };
  GstMeteorDetection out;
  GstStructure *s = gst_meteor_detection_to_structure (&in);
  GstEvent *event;

  fail_unless (gst_structure_has_name (s, "meteor-detected"));
  fail_unless (gst_meteor_detection_is (s));
  fail_unless (gst_meteor_detection_parse (s, &out));
  fail_unless_equals_int (out.id, 7);
  fail_unless_equals_uint64 (out.first_frame, 100);
  fail_unless_equals_uint64 (out.last_frame, 112);
  fail_unless_equals_uint64 (out.start_time, 4 * GST_SECOND);
  fail_unless_equals_uint64 (out.end_time, GST_CLOCK_TIME_NONE);
  fail_unless (out.x0 == 10.5 && out.y0 == 20 && out.x1 == 300 &&
               out.y1 == 40.25 && out.speed_px_s == 620 && out.peak == 80 &&
               out.snr == 12.5 && out.score == 33);
  fail_unless_equals_int (out.n_points, 13);

  event = gst_meteor_detection_event_new (gst_structure_copy (s));
  fail_unless_equals_int (GST_EVENT_TYPE (event), GST_EVENT_CUSTOM_DOWNSTREAM);
  fail_unless (GST_EVENT_IS_SERIALIZED (event));
  fail_unless (gst_structure_is_equal (gst_event_get_structure (event), s));
  gst_event_unref (event);
  gst_structure_free (s);

  s = gst_structure_new ("meteor-detected", "first-frame", G_TYPE_INT, 5,
      "last-frame", G_TYPE_UINT, 9, NULL);
  fail_unless (gst_meteor_detection_parse (s, &out));
  fail_unless_equals_uint64 (out.first_frame, 5);
  fail_unless_equals_uint64 (out.last_frame, 9);
  fail_unless_equals_uint64 (out.start_time, GST_CLOCK_TIME_NONE);
  fail_unless_equals_int (out.n_points, 0);
  gst_structure_set (s, "first-frame", G_TYPE_INT, -1, NULL);
  fail_if (gst_meteor_detection_parse (s, &out), "negative frame taken");
  gst_structure_set (s, "first-frame", G_TYPE_DOUBLE, 5.0, NULL);
  fail_if (gst_meteor_detection_parse (s, &out), "frame as a double taken");
  gst_structure_set (s, "first-frame", G_TYPE_STRING, "5", NULL);
  fail_if (gst_meteor_detection_parse (s, &out), "frame as a string taken");
  gst_structure_remove_field (s, "first-frame");
  fail_if (gst_meteor_detection_parse (s, &out), "missing frame taken");
  gst_structure_set_name (s, "meteor-maybe");
  gst_structure_set (s, "first-frame", G_TYPE_UINT64, (guint64)5, NULL);
  fail_if (gst_meteor_detection_is (s));
  fail_if (gst_meteor_detection_parse (s, &out), "wrong name taken");
  gst_structure_free (s);
}

GST_END_TEST;

static Suite *
libmeteor_suite (void)
{
  Suite *s = suite_create ("libmeteor");
  TCase *tc = tcase_create ("general");

  gst_meteor_init ();
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_ring_slots_and_reuse);
  tcase_add_test (tc, test_ring_share_holds_slot);
  tcase_add_test (tc, test_ring_copy_counted);
  tcase_add_test (tc, test_ring_file_backing);
  tcase_add_test (tc, test_ring_file_never_takes_others);
  tcase_add_test (tc, test_ring_file_locked);
  tcase_add_test (tc, test_ring_file_of_dead_process_reused);
  tcase_add_test (tc, test_pool_reuses_same_memory);
  tcase_add_test (tc, test_pool_alignment_and_video_meta);
  tcase_add_test (tc, test_pool_exhaustion_waits_and_leaky_reserve);
  tcase_add_test (tc, test_pool_wait_histogram);
  tcase_add_test (tc, test_frame_meta_api);
  tcase_add_test (tc, test_detection_contract);
  return s;
}

METEOR_CHECK_MAIN (libmeteor);
