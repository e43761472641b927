/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: checkasm-style tests of the detector kernels (plain C, no
 * GStreamer).
 *
 * Every set meteor_kernels_all () gives, other than C, is compared with the
 * C reference entry by entry, bit for bit: random inputs from a fixed seed
 * (printed; METEOR_TEST_SEED=N repeats another), widths 0..80 and 640,
 * 1280, 1920, 4097, every pointer at each offset 0..15 from 16-byte
 * alignment (0..14 for 16-bit data), and runs of edge values.
 *
 * Each buffer ends 0..15 bytes before a PROT_NONE page: a read or write
 * past the end either faults (caught, reported) or lands on bytes that
 * must stay as they were. Whole buffers, from 64 bytes before the data up
 * to the page, are compared with what the C reference left.
 *
 * Prints the sets that ran, one line per (set, entry) and "N passed,
 * N failed"; exits 1 on a failure. */
#include "kernels.h"

#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "xorshift.h"

#define DEFAULT_SEED 0x4d455445u
#define MAX_N 4097
#define N_SMALL 81 /* widths 0..80 */
static const int big_widths[] = { 640, 1280, 1920, MAX_N };
#define N_WIDTHS (N_SMALL + (int)(sizeof (big_widths) / sizeof (int)))
#define N_OFFSETS 16
/* bytes before the data that must not change */
#define LEAD 64

enum {
  E_LUMA_RGB24,
  E_LUMA_RGB32,
  E_LUMA_YUY2,
  E_LUMA_GRAY16,
  E_BG_UPDATE,
  E_THRESHOLD,
  E_MAX_ACCUMULATE,
  E_BIN2X2,
  E_BLOCK_CHANGES,
  E_ROW_SUMS,
  N_ENTRIES
};
static const char *const entry_names[N_ENTRIES] = { "luma_rgb24", "luma_rgb32",
  "luma_yuy2", "luma_gray16", "bg_update", "threshold", "max_accumulate",
  "bin2x2", "block_changes", "row_sums" };

/* xorshift32: the same sequence on every host */
static uint32_t rng;

static uint32_t
rnd (void)
{
  return meteor_xorshift32 (&rng);
}

static void
fill_random (uint8_t *p, size_t len)
{
  while (len >= 4) {
    uint32_t r = rnd ();

    memcpy (p, &r, 4);
    p += 4;
    len -= 4;
  }
  while (len--)
    *p++ = (uint8_t)rnd ();
}

/* A buffer: the C reference's copy and the tested set's, each `size`
 * bytes followed by a PROT_NONE page. */
typedef struct {
  const char *name;
  int elem; /* bytes per element */
  uint8_t *ref, *tst;
  size_t size;
  size_t start, lo, bytes;
} Arg;

static uint8_t *
map_guarded (size_t size, size_t page)
{
  uint8_t *p = mmap (NULL, size + page, PROT_READ | PROT_WRITE,
      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  if (p == MAP_FAILED || mprotect (p + size, page, PROT_NONE) != 0) {
    perror ("test-kernels: mmap");
    exit (2);
  }
  return p;
}

static void
arg_init (Arg *a, const char *name, int elem, size_t max_bytes)
{
  size_t page = (size_t)sysconf (_SC_PAGESIZE);

  a->name = name;
  a->elem = elem;
  a->size = (max_bytes + LEAD + 32 + page - 1) / page * page;
  a->ref = map_guarded (a->size, page);
  a->tst = map_guarded (a->size, page);
}

/* Puts `bytes` at `off` (mod 16) from alignment, as late in the buffer as
 * that and `slack` allow, and fills the reference copy, from LEAD bytes
 * before to the guard page, with random bytes. */
static void
arg_place (Arg *a, size_t bytes, unsigned off, size_t slack)
{
  size_t s = a->size - bytes - slack;

  a->start = s - ((s - off) & 15);
  a->lo = a->start >= LEAD ? a->start - LEAD : 0;
  a->bytes = bytes;
  fill_random (a->ref + a->lo, a->size - a->lo);
}

static void
arg_sync (Arg *a)
{
  memcpy (a->tst + a->lo, a->ref + a->lo, a->size - a->lo);
}

static void *
ref_ptr (const Arg *a)
{
  return a->ref + a->start;
}

static void *
tst_ptr (const Arg *a)
{
  return a->tst + a->start;
}

static unsigned
elem_at (const uint8_t *p, int elem)
{
  uint16_t v;

  if (elem == 1)
    return *p;
  memcpy (&v, p, 2);
  return v;
}

/* 0 when the tested copy is the reference's, else 1 and what differs */
static int
arg_check (const Arg *a, char *msg, size_t len)
{
  size_t i;

  for (i = a->lo; i < a->size; i++)
    if (a->ref[i] != a->tst[i])
      break;
  if (i == a->size)
    return 0;
  if (i < a->start)
    snprintf (msg, len, "%s: wrote %zu bytes before the start", a->name,
        a->start - i);
  else if (i >= a->start + a->bytes)
    snprintf (msg, len, "%s: wrote past n (guard byte %zu after the end)",
        a->name, i - (a->start + a->bytes));
  else {
    size_t e = (i - a->start) / a->elem;
    size_t at = a->start + e * a->elem;

    snprintf (msg, len, "%s[%zu]: want %u, got %u", a->name, e,
        elem_at (a->ref + at, a->elem), elem_at (a->tst + at, a->elem));
  }
  return 1;
}

static Arg a_src, a_src2, a_dst, a_y, a_mean, a_dev, a_floor, a_mask, a_max,
    a_frame;

/* Values: mode 0 uniform, 1 edges only, 2 and 3 mixed (see each user). */
static uint8_t
pick_u8 (int mode)
{
  uint32_t r = rnd ();

  switch (mode) {
    case 0:
      return (uint8_t)r;
    case 1:
      return r & 256 ? 255 : 0;
    default:
      switch (r & 3) {
        case 0:
          return 0;
        case 1:
          return 255;
        default:
          return (uint8_t)(r >> 8);
      }
  }
}

/* a q7 value of the background model, in [0, 32640] */
static uint16_t
pick_q7 (int mode, uint8_t y)
{
  static const uint16_t edges[] = { 0, 32640, 1, 32639, 16320, 128 };
  uint32_t r = rnd ();
  int32_t v;

  switch (mode) {
    case 0:
      return (uint16_t)(r % 32641);
    case 1:
      return edges[(r >> 8) % 2];
    case 2:
      return r & 1 ? (uint16_t)((r >> 1) % 32641) : edges[(r >> 8) % 6];
    default:
      /* near y << 7: d of 0 and +-1 */
      v = (y << 7) + (int32_t)((r >> 8) % 3) - 1;
      return (uint16_t)(v < 0 ? 0 : v > 32640 ? 32640 : v);
  }
}

/* threshold takes any 16-bit mean and dev */
static uint16_t
pick_u16 (int mode)
{
  static const uint16_t edges[] = { 0, 1, 4094, 4095, 4096, 32640, 65535,
    65534 };
  uint32_t r = rnd ();

  switch (mode) {
    case 0:
      return (uint16_t)(r % 32641);
    case 1:
      return edges[(r >> 8) % 8];
    default:
      return r & 1 ? (uint16_t)(r >> 8) : edges[(r >> 8) % 8];
  }
}

typedef struct {
  int entry;
  const uint8_t *src, *src2;
  uint8_t *dst;
  const uint8_t *y;
  uint16_t *mean, *dev, *floor;
  uint8_t *mask, *max, *max_frame;
  int n, shift; /* shift: bg_update's, or block_changes' bshift */
  MeteorRgbOrder order;
  uint16_t k_mul, j1;
  uint8_t frame;
  uint32_t count;
  uint64_t sum_y, sum_mean;
} Call;

static void
call_entry (const MeteorKernels *k, Call *c)
{
  switch (c->entry) {
    case E_LUMA_RGB24:
      k->luma_rgb24 (c->src, c->dst, c->n, c->order);
      break;
    case E_LUMA_RGB32:
      k->luma_rgb32 (c->src, c->dst, c->n, c->order);
      break;
    case E_LUMA_YUY2:
      k->luma_yuy2 (c->src, c->dst, c->n);
      break;
    case E_LUMA_GRAY16:
      k->luma_gray16 ((const uint16_t *)c->src, c->dst, c->n);
      break;
    case E_BG_UPDATE:
      k->bg_update (c->y, c->mean, c->dev, c->n, c->shift);
      break;
    case E_THRESHOLD:
      c->count = k->threshold (
          c->y, c->mean, c->dev, c->floor, c->k_mul, c->j1, c->mask, c->n);
      break;
    case E_MAX_ACCUMULATE:
      k->max_accumulate (c->y, c->max, c->max_frame, c->frame, c->n);
      break;
    case E_BIN2X2:
      k->bin2x2 (c->src, c->src2, c->dst, c->n);
      break;
    case E_BLOCK_CHANGES:
      k->block_changes (c->y, c->src, c->mask, c->n, c->shift);
      break;
    case E_ROW_SUMS:
      k->row_sums (c->y, c->mean, c->n, &c->sum_y, &c->sum_mean);
      break;
  }
}

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t in_call;

static void
on_fault (int sig)
{
  if (in_call)
    siglongjmp (fault_jmp, 1);
  signal (sig, SIG_DFL);
  raise (sig);
}

/* 1 when the call faulted (touched the guard page) */
static int
call_guarded (const MeteorKernels *k, Call *c)
{
  if (sigsetjmp (fault_jmp, 1)) {
    in_call = 0;
    return 1;
  }
  in_call = 1;
  call_entry (k, c);
  in_call = 0;
  return 0;
}

static const uint16_t k_muls[] = { 0, 65535, 1, 12288, 4096 };
static const uint16_t j1s[] = { 0, 65535, 1280, 1, 32768 };

/* Lays out and fills the buffers of one call, in both copies, and the
 * scalar arguments. `o` is the offset index, `calls` a running count that
 * cycles the scalars. */
static void
setup_call (int entry, int n, int o, int mode, int variant, unsigned calls,
    Call *ref, Call *tst)
{
  unsigned o1 = (o * 5 + 3) & 15, o2 = (o * 7 + 11) & 15;
  unsigned o3 = (o * 3 + 6) & 15;
  int i;

  memset (ref, 0, sizeof (*ref));
  ref->entry = entry;
  ref->n = n;
  switch (entry) {
    case E_LUMA_RGB24:
    case E_LUMA_RGB32:
    case E_LUMA_YUY2:
    case E_LUMA_GRAY16: {
      int bpp = entry == E_LUMA_RGB24 ? 3 : entry == E_LUMA_RGB32 ? 4 : 2;
      uint8_t *s;

      arg_place (
          &a_src, (size_t)n * bpp, entry == E_LUMA_GRAY16 ? o & 14 : o, 0);
      s = ref_ptr (&a_src);
      for (i = 0; i < n * bpp; i++)
        s[i] = mode == 3 ? (n & 1 ? 255 : 0) : pick_u8 (mode);
      /* an output: at least 16 guard bytes after it */
      arg_place (&a_dst, n, o1, 16);
      arg_sync (&a_dst);
      ref->src = s;
      ref->dst = ref_ptr (&a_dst);
      ref->order = variant ? METEOR_RGB_ORDER_BGR : METEOR_RGB_ORDER_RGB;
      *tst = *ref;
      tst->dst = tst_ptr (&a_dst);
      break;
    }
    case E_BG_UPDATE: {
      uint8_t *y;
      uint16_t *mean, *dev;

      arg_place (&a_y, n, o, 0);
      arg_place (&a_mean, (size_t)n * 2, o1 & 14, 0);
      arg_place (&a_dev, (size_t)n * 2, o2 & 14, 0);
      y = ref_ptr (&a_y);
      mean = ref_ptr (&a_mean);
      dev = ref_ptr (&a_dev);
      for (i = 0; i < n; i++) {
        y[i] = pick_u8 (mode);
        mean[i] = pick_q7 (mode, y[i]);
        dev[i] = pick_q7 (mode == 3 ? 2 : mode, y[i]);
      }
      arg_sync (&a_mean);
      arg_sync (&a_dev);
      ref->y = y;
      ref->mean = mean;
      ref->dev = dev;
      ref->shift = 1 + (int)(calls % 15);
      *tst = *ref;
      tst->mean = tst_ptr (&a_mean);
      tst->dev = tst_ptr (&a_dev);
      break;
    }
    case E_THRESHOLD: {
      uint8_t *y;
      uint16_t *mean, *dev, *floor;

      ref->k_mul = calls % 6 == 5 ? (uint16_t)rnd () : k_muls[calls % 6];
      ref->j1 = (calls / 6) % 6 == 5 ? (uint16_t)rnd () : j1s[(calls / 6) % 6];
      if (o == N_OFFSETS - 1)
        ref->j1 &= 0x0fff; /* below any y << 7 of 255 */
      arg_place (&a_y, n, o, 0);
      arg_place (&a_mean, (size_t)n * 2, o1 & 14, 0);
      arg_place (&a_dev, (size_t)n * 2, o2 & 14, 0);
      arg_place (&a_floor, (size_t)n * 2, o1 & 14, 0);
      arg_place (&a_mask, n, o3, 16);
      arg_sync (&a_mask);
      y = ref_ptr (&a_y);
      mean = ref_ptr (&a_mean);
      dev = ref_ptr (&a_dev);
      floor = ref_ptr (&a_floor);
      for (i = 0; i < n; i++) {
        y[i] = pick_u8 (mode);
        dev[i] = pick_u16 (mode);
        mean[i] = pick_u16 (mode);
        /* the floor: any, or next to the deviation (either one larger) */
        floor[i] =
            mode == 3 ? (uint16_t)(dev[i] + (rnd () % 3) - 1) : pick_u16 (mode);
        if (o == N_OFFSETS - 1) {
          /* all hits (unless j1 is high): the count at its largest */
          y[i] = 255;
          dev[i] = mean[i] = floor[i] = 0;
        } else if (mode == 3) {
          /* y << 7 at the level, one above, one below */
          uint32_t d = dev[i] > floor[i] ? dev[i] : floor[i];
          int32_t m;

          d = d < METEOR_DEV_MAX_Q7 ? d : METEOR_DEV_MAX_Q7;
          m = (y[i] << 7) - (int32_t)((d << 4) * ref->k_mul >> 16) - ref->j1 +
              (int32_t)(rnd () % 3) - 1;

          if (m >= 0)
            mean[i] = (uint16_t)m;
        }
      }
      ref->y = y;
      ref->mean = mean;
      ref->dev = dev;
      ref->floor = floor;
      ref->mask = ref_ptr (&a_mask);
      *tst = *ref;
      tst->mask = tst_ptr (&a_mask);
      break;
    }
    case E_MAX_ACCUMULATE: {
      static const uint8_t frames[] = { 0, 255, 1, 128 };
      uint8_t *y, *max;

      arg_place (&a_y, n, o, 0);
      arg_place (&a_max, n, o1, 0);
      arg_place (&a_frame, n, o2, 0);
      y = ref_ptr (&a_y);
      max = ref_ptr (&a_max);
      for (i = 0; i < n; i++) {
        y[i] = pick_u8 (mode);
        if (mode == 1)
          max[i] = pick_u8 (1);
        else if (mode >= 2 && rnd () & 1) {
          /* equal (no update) or one off */
          int v = y[i] + (mode == 3 ? (int)(rnd () % 3) - 1 : 0);

          max[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
      }
      arg_sync (&a_max);
      arg_sync (&a_frame);
      ref->y = y;
      ref->max = max;
      ref->max_frame = ref_ptr (&a_frame);
      ref->frame = calls % 5 == 4 ? (uint8_t)rnd () : frames[calls % 5];
      *tst = *ref;
      tst->max = tst_ptr (&a_max);
      tst->max_frame = tst_ptr (&a_frame);
      break;
    }
    case E_BIN2X2: {
      uint8_t *r0, *r1;

      /* two rows of 2n bytes at different offsets */
      arg_place (&a_src, (size_t)n * 2, o, 0);
      arg_place (&a_src2, (size_t)n * 2, o2, 0);
      r0 = ref_ptr (&a_src);
      r1 = ref_ptr (&a_src2);
      for (i = 0; i < n * 2; i++) {
        if (mode == 3 && (n & 1)) {
          /* all 255: the largest sum */
          r0[i] = r1[i] = 255;
        } else if (mode == 3) {
          /* small values: every remainder of the sum mod 4 near 0 */
          r0[i] = (uint8_t)(rnd () % 3);
          r1[i] = (uint8_t)(rnd () % 3);
        } else {
          r0[i] = pick_u8 (mode);
          r1[i] = pick_u8 (mode);
        }
      }
      /* an output: at least 16 guard bytes after it */
      arg_place (&a_dst, n, o1, 16);
      arg_sync (&a_dst);
      ref->src = r0;
      ref->src2 = r1;
      ref->dst = ref_ptr (&a_dst);
      *tst = *ref;
      tst->dst = tst_ptr (&a_dst);
      break;
    }
    case E_BLOCK_CHANGES: {
      uint8_t *row, *prev, *changed;
      int bshift = (int)(calls % 5), blocks = (n + (1 << bshift) - 1) >> bshift;

      arg_place (&a_y, n, o, 0);
      arg_place (&a_src, n, o1, 0);
      /* the flags: at least 16 guard bytes after them */
      arg_place (&a_mask, (size_t)blocks, o2, 16);
      row = ref_ptr (&a_y);
      prev = ref_ptr (&a_src);
      changed = ref_ptr (&a_mask);
      for (i = 0; i < n; i++) {
        row[i] = pick_u8 (mode);
        /* mode 0: all differ; 1: none; 2: a few; 3: the row's last only */
        prev[i] = mode == 0 ? (uint8_t)(row[i] ^ (1 + rnd () % 255))
                  : mode == 2 && rnd () % 23 == 0 ? (uint8_t)(row[i] + 1)
                  : mode == 3 && i == n - 1       ? (uint8_t)(row[i] ^ 128)
                                                  : row[i];
      }
      for (i = 0; i < blocks; i++)
        changed[i] = mode == 1 ? (uint8_t)rnd () : (uint8_t)(rnd () & 1);
      arg_sync (&a_mask);
      ref->y = row;
      ref->src = prev;
      ref->mask = changed;
      ref->shift = bshift;
      *tst = *ref;
      tst->mask = tst_ptr (&a_mask);
      break;
    }
    case E_ROW_SUMS: {
      uint8_t *y;
      uint16_t *mean;

      arg_place (&a_y, n, o, 0);
      arg_place (&a_mean, (size_t)n * 2, o1 & 14, 0);
      y = ref_ptr (&a_y);
      mean = ref_ptr (&a_mean);
      for (i = 0; i < n; i++) {
        /* mode 3: the largest sums */
        y[i] = mode == 3 ? 255 : pick_u8 (mode);
        mean[i] = mode == 3 ? 65535 : pick_u16 (mode);
      }
      ref->y = y;
      ref->mean = mean;
      *tst = *ref;
      break;
    }
  }
}

static void
describe_call (const Call *c, int o, char *buf, size_t len)
{
  int w = snprintf (buf, len, "n=%d offset-set=%d", c->n, o);

  if (c->entry == E_LUMA_RGB24 || c->entry == E_LUMA_RGB32)
    snprintf (buf + w, len - w, " order=%s",
        c->order == METEOR_RGB_ORDER_RGB ? "RGB" : "BGR");
  else if (c->entry == E_BG_UPDATE)
    snprintf (buf + w, len - w, " shift=%d", c->shift);
  else if (c->entry == E_BLOCK_CHANGES)
    snprintf (buf + w, len - w, " bshift=%d", c->shift);
  else if (c->entry == E_THRESHOLD)
    snprintf (buf + w, len - w, " k_mul=%u j1=%u", c->k_mul, c->j1);
  else if (c->entry == E_MAX_ACCUMULATE)
    snprintf (buf + w, len - w, " frame=%u", c->frame);
}

static int
entry_missing (const MeteorKernels *k, int entry)
{
  switch (entry) {
    case E_LUMA_RGB24:
      return k->luma_rgb24 == NULL;
    case E_LUMA_RGB32:
      return k->luma_rgb32 == NULL;
    case E_LUMA_YUY2:
      return k->luma_yuy2 == NULL;
    case E_LUMA_GRAY16:
      return k->luma_gray16 == NULL;
    case E_BG_UPDATE:
      return k->bg_update == NULL;
    case E_THRESHOLD:
      return k->threshold == NULL;
    case E_MAX_ACCUMULATE:
      return k->max_accumulate == NULL;
    case E_BIN2X2:
      return k->bin2x2 == NULL;
    case E_BLOCK_CHANGES:
      return k->block_changes == NULL;
    default:
      return k->row_sums == NULL;
  }
}

/* 0 when every call matched the C reference; else 1 and the first
 * difference in `msg` */
static int
check_entry (
    const MeteorKernels *k, int entry, unsigned *n_calls, char *msg, size_t len)
{
  const MeteorKernels *c_ref = meteor_kernels_c ();
  int variants = entry == E_LUMA_RGB24 || entry == E_LUMA_RGB32 ? 2 : 1;
  int wi, o, v;

  *n_calls = 0;
  if (entry_missing (k, entry)) {
    snprintf (msg, len, "entry is NULL");
    return 1;
  }
  for (wi = 0; wi < N_WIDTHS; wi++) {
    int n = wi < N_SMALL ? wi : big_widths[wi - N_SMALL];

    for (o = 0; o < N_OFFSETS; o++)
      for (v = 0; v < variants; v++) {
        int mode = (o + wi) & 3;
        Call ref, tst;
        char what[96];
        size_t w;

        setup_call (entry, n, o, mode, v, *n_calls, &ref, &tst);
        describe_call (&ref, o, what, sizeof (what));
        (*n_calls)++;
        call_entry (c_ref, &ref);
        if (call_guarded (k, &tst)) {
          snprintf (
              msg, len, "%s: faulted: read or wrote past the buffers", what);
          return 1;
        }
        w = (size_t)snprintf (msg, len, "%s: ", what);
        if (entry == E_THRESHOLD && ref.count != tst.count) {
          snprintf (
              msg + w, len - w, "count: want %u, got %u", ref.count, tst.count);
          return 1;
        }
        if (entry == E_ROW_SUMS &&
            (ref.sum_y != tst.sum_y || ref.sum_mean != tst.sum_mean)) {
          snprintf (msg + w, len - w, "sums: want %llu %llu, got %llu %llu",
              (unsigned long long)ref.sum_y, (unsigned long long)ref.sum_mean,
              (unsigned long long)tst.sum_y, (unsigned long long)tst.sum_mean);
          return 1;
        }
        if (((entry <= E_LUMA_GRAY16 || entry == E_BIN2X2) &&
                arg_check (&a_dst, msg + w, len - w)) ||
            (entry == E_BG_UPDATE &&
                (arg_check (&a_mean, msg + w, len - w) ||
                    arg_check (&a_dev, msg + w, len - w))) ||
            ((entry == E_THRESHOLD || entry == E_BLOCK_CHANGES) &&
                arg_check (&a_mask, msg + w, len - w)) ||
            (entry == E_MAX_ACCUMULATE &&
                (arg_check (&a_max, msg + w, len - w) ||
                    arg_check (&a_frame, msg + w, len - w))))
          return 1;
      }
  }
  return 0;
}

/* meteor_kernels_all/by_name/get agree with each other */
static int
check_selection (const MeteorKernels *const *all, char *msg, size_t len)
{
  const MeteorKernels *got = meteor_kernels_get ();
  const char *env = getenv ("METEOR_SIMD");
  int i, found = 0;

  if (all[0] != meteor_kernels_c () || strcmp (all[0]->name, "c") != 0) {
    snprintf (msg, len, "the first set is not the C reference");
    return 1;
  }
  for (i = 0; all[i]; i++) {
    if (meteor_kernels_by_name (all[i]->name) != all[i]) {
      snprintf (msg, len, "by_name (\"%s\") is not that set", all[i]->name);
      return 1;
    }
    found |= got == all[i];
    /* designated initializers: a kernel left out is NULL, not shifted */
    if (!all[i]->luma_rgb24 || !all[i]->luma_rgb32 || !all[i]->luma_yuy2 ||
        !all[i]->luma_gray16 || !all[i]->bg_update || !all[i]->threshold ||
        !all[i]->max_accumulate || !all[i]->bin2x2 || !all[i]->block_changes ||
        !all[i]->row_sums) {
      snprintf (msg, len, "set %s lacks a kernel", all[i]->name);
      return 1;
    }
  }
  if (meteor_kernels_by_name ("no-such-set") != NULL) {
    snprintf (msg, len, "by_name of an unknown name is not NULL");
    return 1;
  }
  if (!found) {
    snprintf (msg, len, "get () is not in the list");
    return 1;
  }
  if ((env == NULL || *env == '\0') && got != all[i - 1]) {
    snprintf (msg, len, "get () is %s, not the best, %s", got->name,
        all[i - 1]->name);
    return 1;
  }
  return 0;
}

int
main (void)
{
  const MeteorKernels *const *all = meteor_kernels_all ();
  const char *seed_env = getenv ("METEOR_TEST_SEED");
  unsigned seed =
      seed_env ? (unsigned)strtoul (seed_env, NULL, 0) : DEFAULT_SEED;
  struct sigaction sa;
  int passed = 0, failed = 0, s, e;
  char msg[256];

  rng = seed ? seed : DEFAULT_SEED;
  printf ("seed: 0x%08x (METEOR_TEST_SEED)\n", rng);
  printf ("sets:");
  for (s = 0; all[s]; s++)
    printf (" %s", all[s]->name);
  printf ("\n");
  fflush (stdout);

  memset (&sa, 0, sizeof (sa));
  sa.sa_handler = on_fault;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGSEGV, &sa, NULL);
  sigaction (SIGBUS, &sa, NULL);

  arg_init (&a_src, "src", 1, (size_t)MAX_N * 4);
  arg_init (&a_src2, "row1", 1, (size_t)MAX_N * 2);
  arg_init (&a_dst, "dst", 1, MAX_N);
  arg_init (&a_y, "y", 1, MAX_N);
  arg_init (&a_mean, "mean", 2, (size_t)MAX_N * 2);
  arg_init (&a_dev, "dev", 2, (size_t)MAX_N * 2);
  arg_init (&a_floor, "floor", 2, (size_t)MAX_N * 2);
  arg_init (&a_mask, "mask", 1, MAX_N);
  arg_init (&a_max, "max", 1, MAX_N);
  arg_init (&a_frame, "max_frame", 1, MAX_N);

  if (check_selection (all, msg, sizeof (msg))) {
    printf ("selection: FAILED: %s\n", msg);
    failed++;
  } else {
    printf ("selection: ok (get: %s)\n", meteor_kernels_get ()->name);
    passed++;
  }

  for (s = 1; all[s]; s++)
    for (e = 0; e < N_ENTRIES; e++) {
      unsigned calls;

      if (check_entry (all[s], e, &calls, msg, sizeof (msg))) {
        printf ("%s %s: FAILED after %u calls: %s\n", all[s]->name,
            entry_names[e], calls, msg);
        failed++;
      } else {
        printf ("%s %s: ok (%u calls)\n", all[s]->name, entry_names[e], calls);
        passed++;
      }
      fflush (stdout);
    }
  if (s == 1)
    printf ("(only the C reference on this build and CPU: nothing to "
            "compare)\n");
  printf ("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
