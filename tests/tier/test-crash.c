/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the tier stores killed at random moments.
 *
 * Each round forks a writer that reopens (recovers) the same cold store,
 * warm ring and clip location and then, frame after frame, appends to
 * cold, puts to warm and every few frames writes a clip, telling the
 * parent through a pipe each time a call has returned (acknowledged). The
 * parent SIGKILLs it at a random moment (after a random number of
 * acknowledgements and a random delay, sometimes while it is still opening
 * and recovering), then reopens everything itself and checks:
 *   - every acknowledged cold frame reads back bit-exact (bytes, meta,
 *     times, format), and the frame in flight is either whole or absent;
 *   - the newest acknowledged warm frames (all but the slot the frame in
 *     flight may have been overwriting) are in the ring, bit-exact, and
 *     every frame the ring returns is;
 *   - every acknowledged clip lists, opens and reads back whole; no other
 *     clip is listed except possibly the one in flight, whole; partial ones
 *     are removed by the recovery.
 * The rounds accumulate: later rounds recover what earlier kills left.
 * TIER_CRASH_SEED and TIER_CRASH_ROUNDS override the defaults. */
#include "clipstore.h"
#include "coldstore.h"
#include "coreutil.h"
#include "minitest.h"
#include "tiertest.h"
#include "warmring.h"

#include <sys/wait.h>
#include <time.h>

#define FMT "video/x-raw, format=(string)GRAY8, width=(int)128, height=(int)128"
#define FRAME (128 * 128)
#define WARM_BYTES (2 * 4096 + 48 * (uint64_t)FRAME)
#define CLIP_EVERY 16
#define CLIP_FRAMES 5
#define ROUND_IDS 1000000u
#define MAX_ACKS 1000000

enum { ACK_COLD = 1, ACK_WARM, ACK_CLIP };

typedef struct {
  uint32_t kind, pad;
  uint64_t id; /* frame id, or the clip's number */
} Ack;

static uint64_t seed = 0x6b696c6cu;
static int rounds = 12;
static char *root, cold_dir[4200], ring[4200], clips[4200];

static uint64_t rng_state;

/* every third frame is noise (stored as is: bigger writes) */
#define NOISE_EVERY 3

static TierRecord
record (uint64_t id, uint8_t *buf, char *meta)
{
  return tt_record_mixed (id, buf, FRAME, meta, NOISE_EVERY);
}

/* bytes, meta and times of frame @id */
static int
frame_ok (uint64_t id, const uint8_t *data, size_t size, const uint8_t *meta,
    uint32_t meta_len, uint64_t pts, uint64_t utc)
{
  return size == FRAME && tt_check_mixed (data, FRAME, id, NOISE_EVERY) &&
         tt_meta_ok (meta, meta_len, id) && tt_times_ok (pts, utc, id);
}

static void
clip_name (uint64_t number, char *name, size_t len)
{
  snprintf (name, len, "clip-%llu", (unsigned long long)number);
}

/* The cold store, @segment_bytes and @level 0 for the defaults; @w (or
 * NULL) collects its warnings. */
static TierCold *
open_cold (size_t segment_bytes, int level, TTWarn *w, char *err, size_t len)
{
  TierColdConfig cc = { 0 };

  cc.dir = cold_dir;
  cc.segment_bytes = segment_bytes;
  cc.level = level;
  cc.warn = w ? tt_warn : NULL;
  cc.user_data = w;
  return tier_cold_open (&cc, err, len);
}

static TierWarm *
open_warm (TTWarn *w, char *err, size_t len)
{
  TierWarmConfig wc = { 0 };

  wc.path = ring;
  wc.max_bytes = WARM_BYTES;
  wc.frame_size = FRAME;
  wc.format = FMT;
  wc.warn = w ? tt_warn : NULL;
  wc.user_data = w;
  return tier_warm_open (&wc, err, len);
}

/* ---- the writer (child) ---- */

static void
ack (int fd, uint32_t kind, uint64_t id)
{
  Ack a = { kind, 0, id };

  if (write (fd, &a, sizeof a) != sizeof a)
    _exit (5);
}

static void
writer (int round, int fd)
{
  TierCold *cold;
  TierWarm *warm;
  char err[512], meta[32], name[64];
  static uint8_t buf[FRAME];
  uint64_t base = (uint64_t)(round + 1) * ROUND_IDS, i;

  cold = open_cold (128 * 1024, 1, NULL, err, sizeof err);
  warm = open_warm (NULL, err, sizeof err);
  tier_clip_recover (clips, NULL, NULL);
  if (cold == NULL || warm == NULL)
    _exit (3);
  for (i = 0; i < MAX_ACKS; i++) {
    uint64_t id = base + i;
    TierRecord rec = record (id, buf, meta);

    if (tier_cold_append (cold, &rec, FMT, err, sizeof err) < 0)
      _exit (4);
    ack (fd, ACK_COLD, id);
    if (tier_warm_put (warm, &rec, NULL, err, sizeof err) < 0)
      _exit (4);
    ack (fd, ACK_WARM, id);
    if (i % CLIP_EVERY == CLIP_EVERY - 1) {
      TierClipConfig kc = { 0 };
      TierClipWriter *w;
      uint64_t number = base + i, k;
      clip_name (number, name, sizeof name);
      kc.location = clips;
      kc.name = name;
      kc.format = FMT;
      kc.detection = "meteor-detected";
      w = tier_clip_begin (&kc, err, sizeof err);
      if (w == NULL)
        _exit (4);
      for (k = 0; k < CLIP_FRAMES; k++) {
        TierRecord r = record (id - k, buf, meta);
        if (tier_clip_add (w, &r, err, sizeof err) < 0)
          _exit (4);
      }
      if (tier_clip_commit (w, NULL, err, sizeof err) < 0)
        _exit (4);
      ack (fd, ACK_CLIP, number);
    }
  }
  _exit (0);
}

/* ---- the checks (parent) ---- */

typedef struct {
  uint64_t *cold, *warm, *clip;
  size_t n_cold, n_warm, n_clip, cap_cold, cap_warm, cap_clip;
} Acked;

static void
push (uint64_t **a, size_t *n, size_t *cap, uint64_t v)
{
  *a = meteor_grow (*a, cap, *n + 1, sizeof **a);
  (*a)[(*n)++] = v;
}

static int
cold_frame (TierCold *cold, uint64_t id)
{
  TierFrame f;
  char err[512];
  int ok;

  if (tier_cold_get (cold, id, &f, err, sizeof err) < 0) {
    printf ("  cold frame %llu: %s\n", (unsigned long long)id, err);
    return 0;
  }
  ok = frame_ok (id, f.data, f.size, f.meta, f.meta_len, f.pts_ns, f.utc_ns) &&
       strcmp (f.format, FMT) == 0;
  tier_frame_clear (&f);
  return ok;
}

/* Each check returns 1 if the item in flight turned out whole: from then on
 * it is kept like an acknowledged one. */
static int
check_cold (const Acked *a, uint64_t in_flight, int round)
{
  TTWarn w = { 0 };
  TierColdStats st;
  TierCold *cold;
  char err[512];
  size_t i, bad = 0;
  int found;

  cold = open_cold (0, 0, &w, err, sizeof err);
  EXPECT (cold != NULL, "round %d: reopen the cold store: %s", round, err);
  if (cold == NULL)
    return 0;
  for (i = 0; i < a->n_cold; i++)
    bad += !cold_frame (cold, a->cold[i]);
  EXPECT (bad == 0, "round %d: %zu of %zu acknowledged cold frames lost", round,
      bad, a->n_cold);
  found = tier_cold_contains (cold, in_flight);
  if (found)
    EXPECT (cold_frame (cold, in_flight),
        "round %d: the frame in flight is whole", round);
  tier_cold_get_stats (cold, &st);
  EXPECT (st.frames == a->n_cold + (size_t)found,
      "round %d: %llu frames held, %zu acknowledged", round,
      (unsigned long long)st.frames, a->n_cold);
  tier_cold_close (cold);
  return found;
}

static int
check_warm (const Acked *a, uint64_t in_flight, int round)
{
  TTWarn w = { 0 };
  TierWarmRef ref;
  TierWarm *warm;
  char err[512];
  size_t i, want, bad = 0, wrong = 0;
  int found = 0;

  warm = open_warm (&w, err, sizeof err);
  EXPECT (warm != NULL, "round %d: reopen the warm ring: %s", round, err);
  if (warm == NULL)
    return 0;
  /* the put in flight may have been overwriting the oldest slot */
  want = tier_warm_n_slots (warm) - 1;
  want = want > a->n_warm ? a->n_warm : want;
  for (i = 0; i < a->n_warm; i++) {
    uint64_t id = a->warm[i];
    if (tier_warm_lookup (warm, id, &ref))
      wrong += !frame_ok (id, ref.data, ref.size, ref.meta, ref.meta_len,
          ref.pts_ns, ref.utc_ns);
    else if (i >= a->n_warm - want)
      bad++;
  }
  if (in_flight != UINT64_MAX && tier_warm_lookup (warm, in_flight, &ref)) {
    wrong += !frame_ok (in_flight, ref.data, ref.size, ref.meta, ref.meta_len,
        ref.pts_ns, ref.utc_ns);
    found = 1;
  }
  EXPECT (bad == 0 && wrong == 0,
      "round %d: %zu of the newest %zu acknowledged warm frames lost, %zu "
      "wrong",
      round, bad, want, wrong);
  tier_warm_close (warm);
  return found;
}

static int
clip_whole (const char *name)
{
  char path[4300], err[512];
  static uint8_t buf[FRAME];
  TierClip *clip;
  size_t k;
  int ok;

  snprintf (path, sizeof path, "%s/%s", clips, name);
  clip = tier_clip_open (path, err, sizeof err);
  if (clip == NULL) {
    printf ("  %s: %s\n", path, err);
    return 0;
  }
  ok = clip->n_frames == CLIP_FRAMES && strcmp (clip->format, FMT) == 0;
  for (k = 0; ok && k < clip->n_frames; k++) {
    const TierClipFrame *f = &clip->frames[k];
    ok =
        tier_clip_read_frame (clip, k, buf, sizeof buf, err, sizeof err) == 0 &&
        frame_ok (f->frame_id, buf, f->size, f->meta, f->meta_len, f->pts_ns,
            f->utc_ns);
  }
  tier_clip_close (clip);
  return ok;
}

static int
check_clips (const Acked *a, uint64_t in_flight, int round)
{
  char **names, err[512], name[64];
  size_t n = 0, i, j, unknown = 0, missing = 0, broken = 0;
  int found = 0;
  TTWarn w = { 0 };

  tier_clip_recover (clips, tt_warn, &w);
  EXPECT (tier_clip_list (clips, &names, &n, err, sizeof err) == 0, "%s", err);
  for (i = 0; i < n; i++) {
    int known = 0;
    for (j = 0; j < a->n_clip && !known; j++) {
      clip_name (a->clip[j], name, sizeof name);
      known = strcmp (name, names[i]) == 0;
    }
    clip_name (in_flight, name, sizeof name);
    if (!known && in_flight != UINT64_MAX && strcmp (name, names[i]) == 0)
      known = found = 1;
    unknown += !known;
    broken += !clip_whole (names[i]);
  }
  for (j = 0; j < a->n_clip; j++) {
    int listed = 0;
    clip_name (a->clip[j], name, sizeof name);
    for (i = 0; i < n && !listed; i++)
      listed = strcmp (name, names[i]) == 0;
    missing += !listed;
  }
  for (i = 0; i < n; i++)
    free (names[i]);
  free (names);
  EXPECT (missing == 0 && unknown == 0 && broken == 0,
      "round %d: %zu acknowledged clips missing, %zu unknown, %zu not whole "
      "(of %zu listed)",
      round, missing, unknown, broken, n);
  return found;
}

static void
test_kill_rounds (void)
{
  Acked a = { 0 };
  int round;
  unsigned long long kills = 0, in_open = 0, whole = 0;

  snprintf (cold_dir, sizeof cold_dir, "%s/cold", root);
  snprintf (ring, sizeof ring, "%s/warm.ring", root);
  snprintf (clips, sizeof clips, "%s/clips", root);
  for (round = 0; round < rounds; round++) {
    int fds[2], status;
    pid_t pid;
    uint64_t target, delay_us, got = 0, next_cold, next_warm, next_clip;
    Ack ack;
    size_t n_before = a.n_cold;
    struct timespec ts;

    rng_state = seed * 0x100000001b3ull + (uint64_t)round + 1;
    /* a quarter of the kills come early: while the writer opens and
     * recovers what the last kill left */
    target = tt_below (&rng_state, 4) == 0 ? 0 : 1 + tt_below (&rng_state, 600);
    delay_us = target == 0 ? tt_below (&rng_state, 20000)
                           : tt_below (&rng_state, 3000);
    EXPECT (pipe (fds) == 0, "pipe");
    fflush (stdout);
    pid = fork ();
    if (pid == 0) {
      close (fds[0]);
      writer (round, fds[1]);
    }
    close (fds[1]);
    while (got < target && read (fds[0], &ack, sizeof ack) == sizeof ack) {
      got++;
      if (ack.kind == ACK_COLD)
        push (&a.cold, &a.n_cold, &a.cap_cold, ack.id);
      else if (ack.kind == ACK_WARM)
        push (&a.warm, &a.n_warm, &a.cap_warm, ack.id);
      else
        push (&a.clip, &a.n_clip, &a.cap_clip, ack.id);
    }
    ts.tv_sec = 0;
    ts.tv_nsec = (long)delay_us * 1000;
    nanosleep (&ts, NULL);
    kill (pid, SIGKILL);
    waitpid (pid, &status, 0);
    EXPECT (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL,
        "round %d: the writer was killed (status %d)", round, status);
    kills++;
    in_open += target == 0 && got == 0;
    /* what it acknowledged before dying counts too */
    while (read (fds[0], &ack, sizeof ack) == sizeof ack) {
      if (ack.kind == ACK_COLD)
        push (&a.cold, &a.n_cold, &a.cap_cold, ack.id);
      else if (ack.kind == ACK_WARM)
        push (&a.warm, &a.n_warm, &a.cap_warm, ack.id);
      else
        push (&a.clip, &a.n_clip, &a.cap_clip, ack.id);
    }
    close (fds[0]);
    /* what it may have been writing: the next frame to append; the put of
     * the last appended frame if that was not acknowledged; the clip after
     * every CLIP_EVERY frames. One found whole is kept from then on. */
    next_cold = (uint64_t)(round + 1) * ROUND_IDS + (a.n_cold - n_before);
    next_clip = a.n_cold > n_before && (a.n_cold - n_before) % CLIP_EVERY == 0
                    ? next_cold - 1
                    : UINT64_MAX;
    next_warm = a.n_cold > n_before &&
                        (a.n_warm == 0 || a.warm[a.n_warm - 1] != next_cold - 1)
                    ? next_cold - 1
                    : UINT64_MAX;
    if (check_cold (&a, next_cold, round) && ++whole)
      push (&a.cold, &a.n_cold, &a.cap_cold, next_cold);
    if (check_warm (&a, next_warm, round) && ++whole)
      push (&a.warm, &a.n_warm, &a.cap_warm, next_warm);
    if (check_clips (&a, next_clip, round) && ++whole)
      push (&a.clip, &a.n_clip, &a.cap_clip, next_clip);
    printf ("  round %d: killed after %zu cold frames, %zu warm puts, %zu "
            "clips acknowledged in all\n",
        round, a.n_cold, a.n_warm, a.n_clip);
  }
  EXPECT (a.n_cold > 0 && a.n_clip > 0, "work was done: %zu frames, %zu clips",
      a.n_cold, a.n_clip);
  printf ("  %llu kills (%llu before the first frame); %llu writes in flight "
          "were found whole\n",
      kills, in_open, whole);
  free (a.cold);
  free (a.warm);
  free (a.clip);
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "writer killed at random moments", test_kill_rounds },
  };
  const char *s = getenv ("TIER_CRASH_SEED"), *r = getenv ("TIER_CRASH_ROUNDS");
  int status;

  if (s)
    seed = strtoull (s, NULL, 0);
  if (r)
    rounds = atoi (r);
  printf ("seed %llu, %d rounds\n", (unsigned long long)seed, rounds);
  root = tt_mkdtemp ("crash");
  status = minitest_run (tests, sizeof tests / sizeof tests[0]);
  tt_rmdir (root);
  return status;
}
