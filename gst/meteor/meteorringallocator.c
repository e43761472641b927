/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: GstMeteorRingAllocator
 *
 * The ring is one shared mapping (a memfd, or a file) reserved up front and
 * cut into page-aligned slots. A slot is handed out as the root GstMemory of
 * a frame; gst_memory_share() makes sub-memories that point into the same
 * slot, and the slot goes back to the free list only when the root memory
 * and every share of it are gone, i.e. when no one holds the frame. Pages
 * of slots that were never used cost no RAM.
 *
 * A file-backed ring never takes a file that is not its own: the file is
 * created exclusively, or reused only when its header says it is a ring
 * file left by a ring that is gone; it is locked (flock) for the ring's
 * life, and its first page says whose it is (see RingFileHeader).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "meteorringallocator.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC (meteor_ring_debug);
#define GST_CAT_DEFAULT meteor_ring_debug

typedef struct {
  GstMemory mem;
  guint8 *data; /* start of the slot */
  gint slot;    /* -1 on a share: the root owns the slot */
} GstMeteorRingMemory;

/* The first page of a ring file: what makes the file recognisably a ring's,
 * and the pid of the process whose ring holds it. Slots follow the page. */
#define RING_FILE_MAGIC "GstMeteorRing\n\0"
#define RING_FILE_VERSION 1

typedef struct {
  gchar magic[16];
  guint32 version;
  gint32 pid;
  guint64 slot_size;
  guint32 n_slots;
  guint32 header_size;
} RingFileHeader;

G_STATIC_ASSERT (sizeof (RING_FILE_MAGIC) == 16);

struct _GstMeteorRingAllocator {
  GstAllocator parent;

  GstMeteorRingBacking backing;
  gchar *path; /* the ring file's name, while the ring owns it (ring lock) */
  int fd;
  guint8 *base;      /* the mapping: the file's header page, then slots */
  gsize region_size; /* of the mapping */
  guint8 *slots;     /* slot 0 */
  gsize slot_size;
  guint n_slots;

  GMutex lock;
  guint *free_slots; /* stack of free slot indices */
  guint n_free;
  guint32 *slot_uses; /* times each slot was handed out */
  GstMeteorRingStats stats;
};

G_DEFINE_TYPE (
    GstMeteorRingAllocator, gst_meteor_ring_allocator, GST_TYPE_ALLOCATOR);

GType
gst_meteor_ring_backing_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_METEOR_RING_BACKING_MEMFD, "Anonymous memory file (memfd)", "memfd" },
    { GST_METEOR_RING_BACKING_FILE, "File at ring-path", "file" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstMeteorRingBacking", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstMeteorRingMemory *
ring_memory_new (GstMeteorRingAllocator *ring, GstMemory *parent, guint8 *data,
    gint slot, GstMemoryFlags flags, gsize maxsize, gsize align, gsize offset,
    gsize size)
{
  GstMeteorRingMemory *rmem = g_new (GstMeteorRingMemory, 1);

  gst_memory_init (GST_MEMORY_CAST (rmem), flags, GST_ALLOCATOR_CAST (ring),
      parent, maxsize, align, offset, size);
  rmem->data = data;
  rmem->slot = slot;
  return rmem;
}

static GstMemory *
ring_alloc (GstAllocator *allocator, gsize size, GstAllocationParams *params)
{
  GstMeteorRingAllocator *ring = GST_METEOR_RING_ALLOCATOR (allocator);
  gsize maxsize = size + params->prefix + params->padding;
  GstMeteorRingMemory *rmem;
  guint slot;
  gboolean reused;

  g_mutex_lock (&ring->lock);
  if (maxsize > ring->slot_size || params->align >= 4096 || ring->n_free == 0) {
    ring->stats.overflows++;
    g_mutex_unlock (&ring->lock);
    GST_WARNING_OBJECT (ring,
        "ring cannot serve %" G_GSIZE_FORMAT " bytes (slot %" G_GSIZE_FORMAT
        ", %u free): using system memory",
        maxsize, ring->slot_size, ring->n_free);
    return gst_allocator_alloc (NULL, size, params);
  }
  slot = ring->free_slots[--ring->n_free];
  reused = ring->slot_uses[slot]++ > 0;
  ring->stats.allocations++;
  if (reused)
    ring->stats.reuses++;
  ring->stats.slots_in_use++;
  ring->stats.max_slots_in_use =
      MAX (ring->stats.max_slots_in_use, ring->stats.slots_in_use);
  g_mutex_unlock (&ring->lock);

  rmem = ring_memory_new (ring, NULL,
      ring->slots + (gsize)slot * ring->slot_size, (gint)slot, params->flags,
      maxsize, params->align, params->prefix, size);

  /* A reused slot holds an old frame: honour the zeroing flags. */
  if (params->prefix && (params->flags & GST_MEMORY_FLAG_ZERO_PREFIXED))
    memset (rmem->data, 0, params->prefix);
  if (params->padding && (params->flags & GST_MEMORY_FLAG_ZERO_PADDED))
    memset (rmem->data + params->prefix + size, 0, params->padding);

  GST_LOG_OBJECT (
      ring, "slot %u (%s) -> memory %p", slot, reused ? "reused" : "new", rmem);
  return GST_MEMORY_CAST (rmem);
}

static void
ring_free (GstAllocator *allocator, GstMemory *mem)
{
  GstMeteorRingAllocator *ring = GST_METEOR_RING_ALLOCATOR (allocator);
  GstMeteorRingMemory *rmem = (GstMeteorRingMemory *)mem;

  if (rmem->slot >= 0) {
    g_mutex_lock (&ring->lock);
    ring->free_slots[ring->n_free++] = (guint)rmem->slot;
    ring->stats.frees++;
    ring->stats.slots_in_use--;
    g_mutex_unlock (&ring->lock);
    GST_LOG_OBJECT (ring, "slot %d free", rmem->slot);
  }
  g_free (rmem);
}

static gpointer
ring_mem_map (GstMemory *mem, gsize maxsize, GstMapFlags flags)
{
  /* The slot is mapped for the ring's whole life: mapping is a pointer. */
  return ((GstMeteorRingMemory *)mem)->data;
}

static void
ring_mem_unmap (GstMemory *mem)
{
}

static GstMemory *
ring_mem_share (GstMemory *mem, gssize offset, gssize size)
{
  GstMeteorRingMemory *rmem = (GstMeteorRingMemory *)mem;
  GstMemory *parent = mem->parent ? mem->parent : mem;

  if (size == -1)
    size = mem->size - offset;

  return GST_MEMORY_CAST (ring_memory_new (
      GST_METEOR_RING_ALLOCATOR (mem->allocator), parent, rmem->data, -1,
      GST_MINI_OBJECT_FLAGS (parent) | GST_MINI_OBJECT_FLAG_LOCK_READONLY,
      mem->maxsize, mem->align, mem->offset + offset, size));
}

static gboolean
ring_mem_is_span (GstMemory *mem1, GstMemory *mem2, gsize *offset)
{
  GstMeteorRingMemory *r1 = (GstMeteorRingMemory *)mem1;
  GstMeteorRingMemory *r2 = (GstMeteorRingMemory *)mem2;

  if (offset)
    *offset = mem1->offset - mem1->parent->offset;
  return r1->data == r2->data && mem1->offset + mem1->size == mem2->offset;
}

static GstMemory *
ring_mem_copy (GstMemory *mem, gssize offset, gssize size)
{
  GstMeteorRingAllocator *ring = GST_METEOR_RING_ALLOCATOR (mem->allocator);
  GstMeteorRingMemory *rmem = (GstMeteorRingMemory *)mem;
  GstMemory *copy;
  GstMapInfo map;

  if (size == -1)
    size = mem->size > (gsize)offset ? mem->size - offset : 0;

  /* The copy lives in system memory: it must not take a slot the pool
   * needs for the next frame. Every copy is counted. */
  copy = gst_allocator_alloc (NULL, size, NULL);
  if (copy == NULL || !gst_memory_map (copy, &map, GST_MAP_WRITE)) {
    if (copy)
      gst_memory_unref (copy);
    return NULL;
  }
  memcpy (map.data, rmem->data + mem->offset + offset, size);
  gst_memory_unmap (copy, &map);

  g_mutex_lock (&ring->lock);
  ring->stats.copies++;
  ring->stats.bytes_copied += size;
  g_mutex_unlock (&ring->lock);
  GST_DEBUG_OBJECT (ring, "copied %" G_GSSIZE_FORMAT " bytes of a frame", size);
  return copy;
}

static void
gst_meteor_ring_allocator_init (GstMeteorRingAllocator *ring)
{
  GstAllocator *alloc = GST_ALLOCATOR_CAST (ring);

  alloc->mem_type = GST_METEOR_RING_MEMORY_TYPE;
  alloc->mem_map = ring_mem_map;
  alloc->mem_unmap = ring_mem_unmap;
  alloc->mem_share = ring_mem_share;
  alloc->mem_copy = ring_mem_copy;
  alloc->mem_is_span = ring_mem_is_span;
  ring->fd = -1;
  g_mutex_init (&ring->lock);
}

/* Remove the ring file unless a newer ring has taken its name. */
static void
unlink_if_same_file (const gchar *path, int fd)
{
  struct stat by_name, by_fd;

  if (stat (path, &by_name) == 0 && fstat (fd, &by_fd) == 0 &&
      by_name.st_dev == by_fd.st_dev && by_name.st_ino == by_fd.st_ino)
    unlink (path);
}

static void
gst_meteor_ring_allocator_finalize (GObject *object)
{
  GstMeteorRingAllocator *ring = GST_METEOR_RING_ALLOCATOR (object);

  if (ring->base)
    munmap (ring->base, ring->region_size);
  if (ring->path && ring->backing == GST_METEOR_RING_BACKING_FILE)
    unlink_if_same_file (ring->path, ring->fd);
  if (ring->fd >= 0)
    close (ring->fd); /* and with it the file's lock */
  g_free (ring->path);
  g_free (ring->free_slots);
  g_free (ring->slot_uses);
  g_mutex_clear (&ring->lock);

  G_OBJECT_CLASS (gst_meteor_ring_allocator_parent_class)->finalize (object);
}

static void
gst_meteor_ring_allocator_class_init (GstMeteorRingAllocatorClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstAllocatorClass *alloc_class = GST_ALLOCATOR_CLASS (klass);

  gobject_class->finalize = gst_meteor_ring_allocator_finalize;
  alloc_class->alloc = ring_alloc;
  alloc_class->free = ring_free;

  GST_DEBUG_CATEGORY_INIT (
      meteor_ring_debug, "meteorring", 0, "gst-meteor ring allocator");
}

/* The header of the ring file open at @fd, if the file is one. */
static gboolean
ring_file_read_header (int fd, RingFileHeader *header)
{
  struct stat st;

  return fstat (fd, &st) == 0 && S_ISREG (st.st_mode) &&
         st.st_size >= (off_t)sizeof (*header) &&
         pread (fd, header, sizeof (*header), 0) == sizeof (*header) &&
         memcmp (header->magic, RING_FILE_MAGIC, sizeof (header->magic)) == 0 &&
         header->version == RING_FILE_VERSION;
}

static void
ring_file_write_header (GstMeteorRingAllocator *ring, gsize header_size)
{
  RingFileHeader *header = (RingFileHeader *)ring->base;

  header->version = RING_FILE_VERSION;
  header->pid = (gint32)getpid ();
  header->slot_size = ring->slot_size;
  header->n_slots = ring->n_slots;
  header->header_size = (guint32)header_size;
  memcpy (header->magic, RING_FILE_MAGIC, sizeof (header->magic));
}

/* Opens the file for a ring at @path: a new file, or a ring file whose ring
 * is gone (a crashed process left it). Anything else at @path is left as it
 * is, and named in @error. Returns the file, locked for the ring, or -1. */
static int
ring_file_open (const gchar *path, GError **error)
{
  gboolean created = TRUE;
  RingFileHeader header;
  struct stat st;
  int fd, err;

  fd = open (path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST && stat (path, &st) == 0) {
    created = FALSE;
    if (S_ISDIR (st.st_mode)) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR,
          "ring-path '%s' is a directory: it must name the ring file, e.g. "
          "'%s/meteor.ring'",
          path, path);
      return -1;
    }
    if (!S_ISREG (st.st_mode)) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
          "ring-path '%s' exists and is not a regular file: left untouched",
          path);
      return -1;
    }
    fd = open (path, O_RDWR | O_CLOEXEC);
  }
  if (fd < 0) {
    gchar *dir;

    err = errno;
    dir = g_path_get_dirname (path);
    if (err == ENOENT && !g_file_test (dir, G_FILE_TEST_IS_DIR))
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
          "ring-path '%s': directory '%s' does not exist", path, dir);
    else
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
          "ring-path '%s' cannot be %s: %s", path,
          created ? "created" : "opened", g_strerror (err));
    g_free (dir);
    return -1;
  }

  if (flock (fd, LOCK_EX | LOCK_NB) != 0) {
    err = errno;
    if (err == EWOULDBLOCK && ring_file_read_header (fd, &header) &&
        header.pid > 0)
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_AGAIN,
          "ring-path '%s' is in use by the frame ring of process %d", path,
          header.pid);
    else if (err == EWOULDBLOCK)
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_AGAIN,
          "ring-path '%s' is in use (locked by another process)", path);
    else
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
          "ring-path '%s' cannot be locked: %s", path, g_strerror (err));
    if (created)
      unlink_if_same_file (path, fd);
    close (fd);
    return -1;
  }
  if (!created && !ring_file_read_header (fd, &header)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
        "ring-path '%s' exists and is not a frame ring file: left "
        "untouched (remove it, or choose another ring-path)",
        path);
    close (fd);
    return -1;
  }
  if (!created)
    GST_WARNING ("ring-path '%s': taking over the ring file of process %d, "
                 "which is gone",
        path, header.pid);
  return fd;
}

static int
ring_open_backing (
    GstMeteorRingBacking backing, const gchar *path, GError **error)
{
  int fd;

  if (backing == GST_METEOR_RING_BACKING_MEMFD) {
    fd = memfd_create ("meteor-ring", MFD_CLOEXEC);
    if (fd < 0)
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
          "memfd_create failed: %s", g_strerror (errno));
    return fd;
  }

  if (path == NULL || *path == '\0') {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "a file-backed ring needs a ring-path");
    return -1;
  }
  return ring_file_open (path, error);
}

/**
 * gst_meteor_ring_allocator_new:
 * @backing: memfd or file
 * @path: (nullable): the file for %GST_METEOR_RING_BACKING_FILE
 * @slot_size: bytes per frame slot (rounded up to whole pages)
 * @n_slots: number of slots
 * @error: where to put the reason on failure
 *
 * Reserves @n_slots × @slot_size bytes in one shared mapping. Allocations
 * from the returned allocator each take one slot; a request that does not
 * fit a slot, or that comes when all slots are held, is served from system
 * memory and counted in #GstMeteorRingStats.overflows.
 *
 * A file-backed ring creates its file at @path, or takes over a ring file
 * left there by a ring that is gone; it never truncates or removes any
 * other file. The file is locked while the ring lives (a second ring at
 * the same @path fails, naming the process that holds it), starts with a
 * one-page header that marks it as a ring file, and is removed when the
 * ring is freed.
 *
 * Returns: (transfer full) (nullable): the allocator, or %NULL and @error set
 */
GstAllocator *
gst_meteor_ring_allocator_new (GstMeteorRingBacking backing, const gchar *path,
    gsize slot_size, guint n_slots, GError **error)
{
  GstMeteorRingAllocator *ring;
  gsize page = (gsize)sysconf (_SC_PAGESIZE);
  gsize header_size = backing == GST_METEOR_RING_BACKING_FILE ? page : 0;
  gsize region;
  int fd;
  void *base;
  guint i;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (slot_size == 0 || n_slots == 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "a ring needs at least one slot of at least one byte (got %u x "
        "%" G_GSIZE_FORMAT ")",
        n_slots, slot_size);
    return NULL;
  }
  slot_size = (slot_size + page - 1) / page * page;
  if (slot_size > (G_MAXSIZE - header_size) / n_slots) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC,
        "ring of %u slots of %" G_GSIZE_FORMAT " bytes is too large", n_slots,
        slot_size);
    return NULL;
  }
  region = header_size + slot_size * n_slots;

  fd = ring_open_backing (backing, path, error);
  if (fd < 0)
    return NULL;
  /* a ring file taken over keeps none of its old frames */
  if (ftruncate (fd, 0) < 0 || ftruncate (fd, (off_t)region) < 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "cannot size the ring to %" G_GSIZE_FORMAT " bytes: %s", region,
        g_strerror (errno));
    goto fail;
  }
  base = mmap (NULL, region, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "cannot map a ring of %" G_GSIZE_FORMAT " bytes: %s", region,
        g_strerror (errno));
    goto fail;
  }

  ring = g_object_new (GST_TYPE_METEOR_RING_ALLOCATOR, NULL);
  gst_object_ref_sink (ring);
  ring->backing = backing;
  ring->path = g_strdup (path);
  ring->fd = fd;
  ring->base = base;
  ring->region_size = region;
  ring->slots = ring->base + header_size;
  ring->slot_size = slot_size;
  ring->n_slots = n_slots;
  ring->free_slots = g_new (guint, n_slots);
  ring->slot_uses = g_new0 (guint32, n_slots);
  /* Hand out low slots first so a small pool stays in a small region. */
  for (i = 0; i < n_slots; i++)
    ring->free_slots[i] = n_slots - 1 - i;
  ring->n_free = n_slots;
  if (header_size)
    ring_file_write_header (ring, header_size);

  GST_INFO_OBJECT (ring, "%s ring: %u slots of %" G_GSIZE_FORMAT " bytes at %p",
      backing == GST_METEOR_RING_BACKING_FILE ? path : "memfd", n_slots,
      slot_size, ring->slots);
  return GST_ALLOCATOR_CAST (ring);

fail:
  /* the file is ours here: created, or a ring file taken over */
  if (backing == GST_METEOR_RING_BACKING_FILE)
    unlink_if_same_file (path, fd);
  close (fd);
  return NULL;
}

/**
 * gst_meteor_ring_allocator_release_path:
 *
 * Gives up the file of a file-backed ring: the file is removed now, while
 * the mapping, and every frame in it, stays valid until the ring is freed.
 * A new ring can then be made at the same path, e.g. when a pool is
 * reconfigured while frames of its old ring are still held downstream.
 * Does nothing for a memfd ring, or a second time.
 */
void
gst_meteor_ring_allocator_release_path (GstMeteorRingAllocator *ring)
{
  gchar *path;

  g_return_if_fail (GST_IS_METEOR_RING_ALLOCATOR (ring));

  g_mutex_lock (&ring->lock);
  path = ring->path;
  ring->path = NULL;
  g_mutex_unlock (&ring->lock);
  if (path && ring->backing == GST_METEOR_RING_BACKING_FILE) {
    GST_DEBUG_OBJECT (ring, "giving up %s", path);
    unlink_if_same_file (path, ring->fd);
  }
  g_free (path);
}

gsize
gst_meteor_ring_allocator_get_slot_size (GstMeteorRingAllocator *ring)
{
  g_return_val_if_fail (GST_IS_METEOR_RING_ALLOCATOR (ring), 0);
  return ring->slot_size;
}

guint
gst_meteor_ring_allocator_get_n_slots (GstMeteorRingAllocator *ring)
{
  g_return_val_if_fail (GST_IS_METEOR_RING_ALLOCATOR (ring), 0);
  return ring->n_slots;
}

/**
 * gst_meteor_ring_allocator_contains:
 * @data: (nullable): any address
 *
 * Returns: whether @data points into the ring's mapping.
 */
gboolean
gst_meteor_ring_allocator_contains (
    GstMeteorRingAllocator *ring, gconstpointer data)
{
  const guint8 *p = data;

  g_return_val_if_fail (GST_IS_METEOR_RING_ALLOCATOR (ring), FALSE);
  return p >= ring->slots && p < ring->base + ring->region_size;
}

/**
 * gst_meteor_ring_allocator_get_stats:
 * @stats: (out caller-allocates): where to copy the counters
 *
 * Copies the ring's counters, taken under its lock.
 */
void
gst_meteor_ring_allocator_get_stats (
    GstMeteorRingAllocator *ring, GstMeteorRingStats *stats)
{
  g_return_if_fail (GST_IS_METEOR_RING_ALLOCATOR (ring));
  g_return_if_fail (stats != NULL);

  g_mutex_lock (&ring->lock);
  *stats = ring->stats;
  g_mutex_unlock (&ring->lock);
}

/**
 * gst_is_meteor_ring_memory:
 * @mem: (nullable): a memory
 *
 * Returns: whether @mem is a slot of a #GstMeteorRingAllocator (or a share
 * of one).
 */
gboolean
gst_is_meteor_ring_memory (GstMemory *mem)
{
  return mem != NULL && mem->allocator != NULL &&
         gst_memory_is_type (mem, GST_METEOR_RING_MEMORY_TYPE);
}

/**
 * gst_meteor_ring_memory_get_slot:
 *
 * Returns: the slot index @mem (or the memory it shares) occupies, or -1
 * when @mem is not ring memory.
 */
gint
gst_meteor_ring_memory_get_slot (GstMemory *mem)
{
  if (!gst_is_meteor_ring_memory (mem))
    return -1;
  if (mem->parent)
    mem = mem->parent;
  return ((GstMeteorRingMemory *)mem)->slot;
}
