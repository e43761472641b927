/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: L2 warm ring of tieredsink: an mmap'd file of frame slots. */
#include "warmring.h"

#include "coreutil.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define WARM_MAGIC "MTRWARM1"
#define PAGE 4096u
#define HEADER_BYTES PAGE
#define HEADER_FIXED 80
#define ENTRY_BYTES 320
#define ENTRY_FIXED 64
#define FLAG_PAYLOAD_CRC 1u

/* entry field offsets */
#define E_GEN 0
#define E_ID 8
#define E_PTS 16
#define E_UTC 24
#define E_SIZE 32
#define E_META_LEN 36
#define E_FLAGS 40
#define E_PCRC 44
#define E_EPOCH 48
#define E_CRC 60

struct TierWarm {
  TierWarmConfig cfg;
  char *path;
  char *format;
  int fd;
  uint8_t *map;
  uint64_t file_bytes;
  size_t frame_size;
  uint64_t stride, data_offset;
  uint32_t n_slots;
  uint64_t epoch;
  uint64_t gen_counter;
  uint32_t next; /* slot the next put tries first */
  int in_memory; /* a memfd: no file, nothing written to disk */
  uint32_t *pins;
  /* frame_id -> slot + 1 (0: empty), open addressing */
  uint64_t *keys;
  uint32_t *vals;
  size_t hcap;
  TierWarmStats st;
};

static uint64_t
round_up (uint64_t v, uint64_t to)
{
  return (v + to - 1) / to * to;
}

static uint8_t *
entry (TierWarm *warm, uint32_t slot)
{
  return warm->map + HEADER_BYTES + (uint64_t)slot * ENTRY_BYTES;
}

static uint8_t *
slot_data (TierWarm *warm, uint32_t slot)
{
  return warm->map + warm->data_offset + (uint64_t)slot * warm->stride;
}

static uint64_t
entry_gen (const uint8_t *e)
{
  uint64_t g;

  memcpy (&g, e + E_GEN, 8);
  __atomic_thread_fence (__ATOMIC_ACQUIRE);
  return le64toh (g);
}

/* ---- frame_id index ---- */

static size_t
hslot (const TierWarm *warm, uint64_t key)
{
  key ^= key >> 33;
  key *= 0xff51afd7ed558ccdull;
  key ^= key >> 33;
  return (size_t)key & (warm->hcap - 1);
}

static int64_t
hfind (const TierWarm *warm, uint64_t key)
{
  size_t i = hslot (warm, key);

  while (warm->vals[i]) {
    if (warm->keys[i] == key)
      return (int64_t)i;
    i = (i + 1) & (warm->hcap - 1);
  }
  return -1;
}

static void
hset (TierWarm *warm, uint64_t key, uint32_t slot)
{
  int64_t at = hfind (warm, key);
  size_t i;

  if (at >= 0) {
    warm->vals[at] = slot + 1;
    return;
  }
  i = hslot (warm, key);
  while (warm->vals[i])
    i = (i + 1) & (warm->hcap - 1);
  warm->keys[i] = key;
  warm->vals[i] = slot + 1;
}

static void
hdel_at (TierWarm *warm, size_t i)
{
  size_t j = i, k;

  warm->vals[i] = 0;
  /* backward shift: keep every probe chain unbroken */
  for (;;) {
    j = (j + 1) & (warm->hcap - 1);
    if (!warm->vals[j])
      return;
    k = hslot (warm, warm->keys[j]);
    if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
      warm->keys[i] = warm->keys[j];
      warm->vals[i] = warm->vals[j];
      warm->vals[j] = 0;
      i = j;
    }
  }
}

/* Removes @key from the index if it points at @slot. */
static void
hdel (TierWarm *warm, uint64_t key, uint32_t slot)
{
  int64_t at = hfind (warm, key);

  if (at >= 0 && warm->vals[at] == slot + 1)
    hdel_at (warm, (size_t)at);
}

/* ---- layout and header ---- */

static uint32_t
slots_for (uint64_t max_bytes, uint64_t stride)
{
  uint64_t n;

  if (max_bytes < HEADER_BYTES + ENTRY_BYTES + stride)
    return 0;
  n = (max_bytes - HEADER_BYTES) / (stride + ENTRY_BYTES);
  while (n > 0 && round_up (HEADER_BYTES + n * ENTRY_BYTES, PAGE) + n * stride >
                      max_bytes)
    n--;
  return n > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)n;
}

static int
layout (TierWarm *warm, size_t frame_size, const char *format, char *error,
    size_t error_len)
{
  uint64_t stride = round_up (frame_size ? frame_size : 1, PAGE);
  uint32_t n;
  size_t hcap = 16;

  METEOR_CHECK (frame_size > 0, "warm ring %s: frame size is 0", warm->path);
  METEOR_CHECK (strlen (format) < TIER_FORMAT_MAX,
      "warm ring %s: format string of %zu bytes is longer than %d", warm->path,
      strlen (format), TIER_FORMAT_MAX - 1);
  n = slots_for (warm->file_bytes, stride);
  METEOR_CHECK (n > 0,
      "warm-max-bytes %" PRIu64 " is too small for one slot of a %zu-byte "
      "frame (needs at least %" PRIu64 " bytes)",
      warm->file_bytes, frame_size, (uint64_t)(2 * PAGE) + stride);
  warm->frame_size = frame_size;
  warm->stride = stride;
  warm->n_slots = n;
  warm->data_offset = round_up (HEADER_BYTES + (uint64_t)n * ENTRY_BYTES, PAGE);
  free (warm->format);
  warm->format = strdup (format);
  free (warm->pins);
  free (warm->keys);
  free (warm->vals);
  warm->pins = calloc (n, sizeof *warm->pins);
  while (hcap < 2 * (size_t)n)
    hcap *= 2;
  warm->hcap = hcap;
  warm->keys = calloc (hcap, sizeof *warm->keys);
  warm->vals = calloc (hcap, sizeof *warm->vals);
  METEOR_CHECK (warm->pins && warm->keys && warm->vals,
      "warm-max-bytes %" PRIu64 " makes %u slots: no memory for their index",
      warm->file_bytes, n);
  return 0;
}

static void
write_header (TierWarm *warm)
{
  uint8_t *h = warm->map;
  size_t flen = strlen (warm->format);
  uint32_t crc;

  memset (h, 0, HEADER_BYTES);
  memcpy (h, WARM_MAGIC, 8);
  tier_put_u32 (h + 8, 1);
  tier_put_u32 (h + 12, warm->cfg.checksum_payload ? FLAG_PAYLOAD_CRC : 0);
  tier_put_u64 (h + 16, warm->file_bytes);
  tier_put_u64 (h + 24, warm->frame_size);
  tier_put_u64 (h + 32, warm->stride);
  tier_put_u32 (h + 40, warm->n_slots);
  tier_put_u32 (h + 44, ENTRY_BYTES);
  tier_put_u64 (h + 48, HEADER_BYTES);
  tier_put_u64 (h + 56, warm->data_offset);
  tier_put_u64 (h + 64, warm->epoch);
  tier_put_u32 (h + 72, (uint32_t)flen);
  memcpy (h + HEADER_FIXED, warm->format, flen);
  crc = tier_crc32 (0, h, 76);
  crc = tier_crc32 (crc, h + HEADER_FIXED, flen);
  tier_put_u32 (h + 76, crc);
}

/* Reads the header: 0 if it checks out (fills epoch, frame_size, format
 * into @fs/@fmt), -1 if not. */
static int
read_header (TierWarm *warm, uint64_t *frame_size, char **fmt, uint64_t *epoch)
{
  const uint8_t *h = warm->map;
  uint32_t flen = tier_get_u32 (h + 72), crc;

  if (memcmp (h, WARM_MAGIC, 8) != 0 || tier_get_u32 (h + 8) != 1 ||
      flen >= TIER_FORMAT_MAX || tier_get_u64 (h + 16) != warm->file_bytes)
    return -1;
  crc = tier_crc32 (0, h, 76);
  crc = tier_crc32 (crc, h + HEADER_FIXED, flen);
  if (crc != tier_get_u32 (h + 76))
    return -1;
  *frame_size = tier_get_u64 (h + 24);
  *epoch = tier_get_u64 (h + 64);
  *fmt = strndup ((const char *)h + HEADER_FIXED, flen);
  return 0;
}

static uint32_t
entry_crc (const uint8_t *e, uint32_t meta_len)
{
  uint32_t crc = tier_crc32 (0, e, E_CRC);
  return tier_crc32 (crc, e + ENTRY_FIXED, meta_len);
}

/* ---- recovery ---- */

static void
recover_slots (TierWarm *warm)
{
  uint32_t i, last = 0, bad = 0;
  uint64_t max_gen = 0;

  for (i = 0; i < warm->n_slots; i++) {
    uint8_t *e = entry (warm, i);
    uint64_t gen = entry_gen (e);
    uint32_t meta_len = tier_get_u32 (e + E_META_LEN);
    int ok = gen != 0 && meta_len <= TIER_META_MAX &&
             tier_get_u32 (e + E_SIZE) == warm->frame_size &&
             tier_get_u32 (e + E_EPOCH) == (uint32_t)warm->epoch &&
             entry_crc (e, meta_len) == tier_get_u32 (e + E_CRC);

    if (ok && (tier_get_u32 (e + E_FLAGS) & FLAG_PAYLOAD_CRC))
      ok = tier_crc32 (0, slot_data (warm, i), warm->frame_size) ==
           tier_get_u32 (e + E_PCRC);
    if (!ok) {
      int used = 0, j;
      for (j = 0; j < ENTRY_FIXED && !used; j++)
        used = e[j] != 0;
      if (used) {
        bad++;
        memset (e, 0, ENTRY_BYTES);
      }
      continue;
    }
    {
      uint64_t id = tier_get_u64 (e + E_ID);
      int64_t at = hfind (warm, id);
      /* the same id twice (a restarted pipeline): the newest wins */
      if (at < 0 || entry_gen (entry (warm, warm->vals[at] - 1)) < gen)
        hset (warm, id, i);
    }
    warm->st.recovered++;
    if (gen > max_gen) {
      max_gen = gen;
      last = i;
    }
  }
  warm->gen_counter = max_gen;
  warm->next = max_gen ? (last + 1) % warm->n_slots : 0;
  warm->st.discarded += bad;
  if (bad)
    tier_warn (warm->cfg.warn, warm->cfg.user_data,
        "warm ring %s: %u half-written or corrupt slots discarded, %" PRIu64
        " frames recovered",
        warm->path, bad, warm->st.recovered);
}

static void
format_ring (TierWarm *warm)
{
  /* invalidate the header first: a crash half-way reformats again */
  memset (warm->map, 0, 8);
  memset (warm->map + HEADER_BYTES, 0, (size_t)warm->n_slots * ENTRY_BYTES);
  warm->epoch++;
  write_header (warm);
  warm->gen_counter = 0;
  warm->next = 0;
}

/* An in-memory ring takes at most half the machine's memory; a file ring
 * at most 256 TiB (what a slot index can address). */
static int
size_fits (TierWarm *warm, char *error, size_t error_len)
{
  long pages = sysconf (_SC_PHYS_PAGES), page = sysconf (_SC_PAGESIZE);
  uint64_t ram = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;

  METEOR_CHECK (!warm->in_memory || ram == 0 || warm->file_bytes <= ram / 2,
      "warm-max-bytes %" PRIu64 " is more than half of this machine's "
      "memory (%" PRIu64 " bytes): the in-memory warm ring would not fit",
      warm->file_bytes, ram);
  METEOR_CHECK (warm->file_bytes <= (1ull << 48),
      "warm-max-bytes %" PRIu64 " is more than a warm ring can be (256 TiB)",
      warm->file_bytes);
  return 0;
}

/* Opens the ring's backing: a memfd (RAM, never written to disk) or the
 * file, locked against a second user. */
static int
open_backing (TierWarm *warm, struct stat *st, char *error, size_t error_len)
{
  if (warm->in_memory) {
    warm->fd =
        memfd_create ("meteor-warm-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    METEOR_CHECK (warm->fd >= 0, "cannot create the in-memory warm ring: %s",
        strerror (errno));
  } else {
    warm->fd = open (warm->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    METEOR_CHECK (warm->fd >= 0, "cannot open warm ring file %s: %s",
        warm->path, strerror (errno));
    if (tier_lock_fd (warm->fd, warm->path, error, error_len) < 0)
      return -1;
  }
  METEOR_CHECK (fstat (warm->fd, st) == 0, "cannot stat warm ring %s: %s",
      warm->path, strerror (errno));
  METEOR_CHECK (
      S_ISREG (st->st_mode), "warm ring %s is not a regular file", warm->path);
  return 0;
}

/* A ring file cut short by someone else would fault (SIGBUS) at the next
 * access to the mapping: checked before each write. */
int
tier_warm_intact (TierWarm *warm, char *error, size_t error_len)
{
  struct stat st;

  if (warm->in_memory)
    return 0;
  METEOR_CHECK (
      fstat (warm->fd, &st) == 0 && (uint64_t)st.st_size >= warm->file_bytes,
      "warm ring file %s was cut to %lld bytes by something else (it must "
      "stay %" PRIu64 "): warm tier off",
      warm->path, (long long)st.st_size, warm->file_bytes);
  return 0;
}

int
tier_warm_in_memory (TierWarm *warm)
{
  return warm->in_memory;
}

TierWarm *
tier_warm_open (const TierWarmConfig *config, char *error, size_t error_len)
{
  TierWarm *warm;
  struct stat st;
  uint64_t old_fs = 0, old_epoch = 0;
  char *old_fmt = NULL;
  int fresh, saved;

  warm = calloc (1, sizeof *warm);
  if (warm == NULL)
    abort ();
  warm->cfg = *config;
  warm->in_memory = config->path == NULL || config->path[0] == '\0';
  warm->path = strdup (warm->in_memory ? "(in memory)" : config->path);
  warm->cfg.path = warm->path;
  warm->file_bytes = config->max_bytes;
  warm->fd = -1;
  if (size_fits (warm, error, error_len) < 0 ||
      layout (warm, config->frame_size, config->format ? config->format : "",
          error, error_len) < 0)
    goto fail;
  if (open_backing (warm, &st, error, error_len) < 0)
    goto fail;
  fresh = (uint64_t)st.st_size != warm->file_bytes;
  if (fresh && warm->in_memory) {
    /* pages come as slots are written; sealed, so no one can shrink it
     * under the mapping */
    if (ftruncate (warm->fd, (off_t)warm->file_bytes) < 0 ||
        fcntl (warm->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
      snprintf (error, error_len, "cannot size the in-memory warm ring: %s",
          strerror (errno));
      goto fail;
    }
  } else if (fresh) {
    if (st.st_size > 0)
      tier_warn (config->warn, config->user_data,
          "warm ring %s was %lld bytes, warm-max-bytes is %" PRIu64
          ": recreated, its frames are discarded",
          warm->path, (long long)st.st_size, warm->file_bytes);
    if (ftruncate (warm->fd, 0) < 0 ||
        tier_io_fallocate (config->io, warm->fd, (off_t)warm->file_bytes) < 0) {
      saved = errno;
      snprintf (error, error_len,
          "cannot reserve %" PRIu64 " bytes for warm ring file %s: %s",
          warm->file_bytes, warm->path, strerror (saved));
      unlink (warm->path); /* ours: locked, and sized by us just now */
      goto fail;
    }
  }
  warm->map = mmap (
      NULL, warm->file_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, warm->fd, 0);
  if (warm->map == MAP_FAILED) {
    warm->map = NULL;
    snprintf (error, error_len, "cannot map warm ring file %s: %s", warm->path,
        strerror (errno));
    goto fail;
  }
  if (!fresh && read_header (warm, &old_fs, &old_fmt, &old_epoch) == 0 &&
      old_fs == warm->frame_size && strcmp (old_fmt, warm->format) == 0) {
    warm->epoch = old_epoch;
    recover_slots (warm);
  } else {
    if (!fresh)
      tier_warn (config->warn, config->user_data,
          old_fmt ? "warm ring %s held frames of another size or format: "
                    "reformatted, its frames are discarded"
                  : "warm ring %s has no valid header: reformatted",
          warm->path);
    warm->epoch = old_epoch;
    format_ring (warm);
  }
  free (old_fmt);
  return warm;

fail:
  tier_warm_close (warm);
  return NULL;
}

void
tier_warm_close (TierWarm *warm)
{
  if (warm == NULL)
    return;
  if (warm->map)
    munmap (warm->map, warm->file_bytes);
  if (warm->fd >= 0)
    close (warm->fd);
  free (warm->pins);
  free (warm->keys);
  free (warm->vals);
  free (warm->format);
  free (warm->path);
  free (warm);
}

int
tier_warm_peek (const char *path, size_t *frame_size, char **format,
    uint64_t *max_bytes, char *error, size_t error_len)
{
  uint8_t h[HEADER_BYTES];
  struct stat st;
  uint32_t flen;
  ssize_t got;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  METEOR_CHECK (
      fd >= 0, "cannot open warm ring file %s: %s", path, strerror (errno));
  if (fstat (fd, &st) < 0 || st.st_size < (off_t)HEADER_BYTES ||
      (got = pread (fd, h, sizeof h, 0)) != (ssize_t)sizeof h) {
    close (fd);
    METEOR_CHECK (0, "warm ring file %s is too short for a header", path);
  }
  close (fd);
  flen = tier_get_u32 (h + 72);
  METEOR_CHECK (memcmp (h, WARM_MAGIC, 8) == 0 && tier_get_u32 (h + 8) == 1 &&
                    flen < TIER_FORMAT_MAX &&
                    tier_get_u64 (h + 16) == (uint64_t)st.st_size &&
                    tier_get_u64 (h + 24) > 0 &&
                    tier_crc32 (tier_crc32 (0, h, 76), h + HEADER_FIXED,
                        flen) == tier_get_u32 (h + 76),
      "warm ring file %s has no valid header", path);
  *frame_size = (size_t)tier_get_u64 (h + 24);
  *max_bytes = tier_get_u64 (h + 16);
  *format = strndup ((const char *)h + HEADER_FIXED, flen);
  if (*format == NULL)
    abort ();
  return 0;
}

int
tier_warm_reformat (TierWarm *warm, size_t frame_size, const char *format,
    char *error, size_t error_len)
{
  if (layout (warm, frame_size, format ? format : "", error, error_len) < 0)
    return -1;
  format_ring (warm);
  warm->st.reformats++;
  return 0;
}

int
tier_warm_put (TierWarm *warm, const TierRecord *rec, TierWarmEviction *evicted,
    char *error, size_t error_len)
{
  uint32_t slot = warm->next, tries;
  uint8_t *e, fixed[ENTRY_FIXED];
  uint64_t gen;

  if (evicted)
    evicted->evicted = 0;
  if (tier_warm_intact (warm, error, error_len) < 0)
    return -1;
  METEOR_CHECK (rec->size == warm->frame_size,
      "frame %" PRIu64 " has %zu bytes, the warm ring holds frames of %zu "
      "(reformat it for the new caps)",
      rec->frame_id, rec->size, warm->frame_size);
  METEOR_CHECK (rec->meta_len <= TIER_META_MAX,
      "frame %" PRIu64 ": meta of %u bytes is larger than %d", rec->frame_id,
      rec->meta_len, TIER_META_MAX);
  for (tries = 0; tries < warm->n_slots && warm->pins[slot]; tries++) {
    warm->st.pinned_skips++;
    slot = (slot + 1) % warm->n_slots;
  }
  METEOR_CHECK (
      !warm->pins[slot], "all %u warm ring slots are pinned", warm->n_slots);
  e = entry (warm, slot);
  gen = entry_gen (e);
  if (gen) {
    uint64_t old = tier_get_u64 (e + E_ID);
    hdel (warm, old, slot);
    warm->st.overwrites++;
    if (evicted) {
      evicted->evicted = 1;
      evicted->frame_id = old;
    }
  }
  /* unpublish, copy, publish: the generation is written last */
  memset (e + E_GEN, 0, 8);
  __atomic_thread_fence (__ATOMIC_RELEASE);
  memcpy (slot_data (warm, slot), rec->data, rec->size);
  gen = ++warm->gen_counter;
  memset (fixed, 0, sizeof fixed);
  tier_put_u64 (fixed + E_GEN, gen);
  tier_put_u64 (fixed + E_ID, rec->frame_id);
  tier_put_u64 (fixed + E_PTS, rec->pts_ns);
  tier_put_u64 (fixed + E_UTC, rec->utc_ns);
  tier_put_u32 (fixed + E_SIZE, (uint32_t)rec->size);
  tier_put_u32 (fixed + E_META_LEN, rec->meta_len);
  if (warm->cfg.checksum_payload) {
    tier_put_u32 (fixed + E_FLAGS, FLAG_PAYLOAD_CRC);
    tier_put_u32 (fixed + E_PCRC, tier_crc32 (0, rec->data, rec->size));
  }
  tier_put_u32 (fixed + E_EPOCH, (uint32_t)warm->epoch);
  memset (e + ENTRY_FIXED, 0, TIER_META_MAX);
  if (rec->meta_len)
    memcpy (e + ENTRY_FIXED, rec->meta, rec->meta_len);
  {
    uint32_t crc = tier_crc32 (0, fixed, E_CRC);
    crc = tier_crc32 (crc, e + ENTRY_FIXED, rec->meta_len);
    tier_put_u32 (fixed + E_CRC, crc);
  }
  memcpy (e + 8, fixed + 8, ENTRY_FIXED - 8);
  __atomic_thread_fence (__ATOMIC_RELEASE);
  memcpy (e + E_GEN, fixed + E_GEN, 8);
  hset (warm, rec->frame_id, slot);
  warm->next = (slot + 1) % warm->n_slots;
  warm->st.puts++;
  warm->st.put_bytes += rec->size;
  return 0;
}

static void
fill_ref (TierWarm *warm, uint32_t slot, TierWarmRef *ref)
{
  uint8_t *e = entry (warm, slot);

  ref->slot = slot;
  ref->generation = entry_gen (e);
  ref->frame_id = tier_get_u64 (e + E_ID);
  ref->pts_ns = tier_get_u64 (e + E_PTS);
  ref->utc_ns = tier_get_u64 (e + E_UTC);
  ref->size = warm->frame_size;
  ref->data = slot_data (warm, slot);
  ref->meta_len = tier_get_u32 (e + E_META_LEN);
  ref->meta = e + ENTRY_FIXED;
}

int
tier_warm_lookup (TierWarm *warm, uint64_t frame_id, TierWarmRef *ref)
{
  int64_t at = hfind (warm, frame_id);

  if (at < 0) {
    warm->st.misses++;
    return 0;
  }
  fill_ref (warm, warm->vals[at] - 1, ref);
  warm->st.hits++;
  return 1;
}

int
tier_warm_is_valid (TierWarm *warm, uint32_t slot, uint64_t generation)
{
  return slot < warm->n_slots && generation != 0 &&
         entry_gen (entry (warm, slot)) == generation;
}

int
tier_warm_pin (TierWarm *warm, uint32_t slot, uint64_t generation)
{
  if (!tier_warm_is_valid (warm, slot, generation))
    return -1;
  warm->pins[slot]++;
  return 0;
}

void
tier_warm_unpin (TierWarm *warm, uint32_t slot)
{
  if (slot < warm->n_slots && warm->pins[slot] > 0)
    warm->pins[slot]--;
}

int
tier_warm_remove (TierWarm *warm, uint64_t frame_id)
{
  int64_t at = hfind (warm, frame_id);
  uint32_t slot;

  if (at < 0)
    return 0;
  slot = warm->vals[at] - 1;
  hdel_at (warm, (size_t)at);
  if (!warm->pins[slot])
    memset (entry (warm, slot), 0, ENTRY_BYTES);
  return 1;
}

uint64_t
tier_warm_drop_pages (TierWarm *warm)
{
  uint64_t len = warm->file_bytes - warm->data_offset;
  uint8_t *start = warm->map + warm->data_offset;

  msync (warm->map, warm->file_bytes, MS_SYNC);
#ifdef MADV_PAGEOUT
  madvise (start, len, MADV_PAGEOUT); /* Linux >= 5.4; EINVAL before */
#endif
  madvise (start, len, MADV_DONTNEED);
  posix_fadvise (
      warm->fd, (off_t)warm->data_offset, (off_t)len, POSIX_FADV_DONTNEED);
  warm->st.dropped_bytes += len;
  return len;
}

int
tier_warm_sync (TierWarm *warm, char *error, size_t error_len)
{
  METEOR_CHECK (msync (warm->map, warm->file_bytes, MS_SYNC) == 0,
      "cannot sync warm ring %s: %s", warm->path, strerror (errno));
  return 0;
}

uint32_t
tier_warm_n_slots (TierWarm *warm)
{
  return warm->n_slots;
}

size_t
tier_warm_frame_size (TierWarm *warm)
{
  return warm->frame_size;
}

const char *
tier_warm_format (TierWarm *warm)
{
  return warm->format;
}

void
tier_warm_get_stats (TierWarm *warm, TierWarmStats *stats)
{
  size_t i;

  *stats = warm->st;
  stats->slots = warm->n_slots;
  stats->file_bytes = warm->file_bytes;
  stats->frames = 0;
  for (i = 0; i < warm->hcap; i++)
    stats->frames += warm->vals[i] != 0;
  stats->bytes = stats->frames * warm->frame_size;
}
