/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the clip writer core (clipper.c), without GStreamer.
 *
 * What is asserted: a window becomes one clip of its frames in order once
 * its last frame has arrived; a window reaching a clip still being
 * written extends it (one clip, each frame once); one reaching a
 * committed clip gets the frames after it, linked (continues); a format
 * change and max_frames split a window into linked clips; frames no tier
 * holds are missing and counted; finish cuts windows at the newest frame;
 * a full disk keeps what was written and says why the rest is not. */
#include "clipper.h"
#include "minitest.h"
#include "tiertest.h"

#include <pthread.h>

#define SIZE 4096

/* The frames "the tiers" hold: ids [held_from, held_to], with the format
 * of frame id (format_b from id format_change on). */
typedef struct {
  uint64_t held_from, held_to, format_change;
  uint64_t fetches;
  pthread_mutex_t lock;
  /* reports, in order */
  TierClipReport reports[32];
  char names[32][300], continues[32][300], paths[32][4096];
  int n_reports, n_failures;
  pthread_cond_t reported;
} Tiers;

typedef struct {
  uint8_t data[SIZE];
  char meta[32];
} Held;

static const char *format_a =
    "video/x-raw, format=(string)GRAY8, width=(int)64, height=(int)64";
static const char *format_b =
    "video/x-raw, format=(string)GRAY8, width=(int)32, height=(int)128";

static int
fetch (void *user_data, uint64_t id, TierClipSource *src)
{
  Tiers *t = user_data;
  Held *h;

  pthread_mutex_lock (&t->lock);
  t->fetches++;
  pthread_mutex_unlock (&t->lock);
  if (id < t->held_from || id > t->held_to)
    return 0;
  h = malloc (sizeof *h);
  src->rec = tt_record (id, h->data, SIZE, h->meta);
  src->format = id >= t->format_change ? format_b : format_a;
  src->handle = h;
  return 1;
}

static void
release (void *user_data, TierClipSource *src)
{
  free (src->handle);
}

static void
done (void *user_data, const TierClipReport *r)
{
  Tiers *t = user_data;
  int i;

  pthread_mutex_lock (&t->lock);
  i = t->n_reports++;
  t->reports[i] = *r;
  snprintf (t->names[i], sizeof t->names[i], "%s", r->name);
  snprintf (t->continues[i], sizeof t->continues[i], "%s", r->continues);
  snprintf (t->paths[i], sizeof t->paths[i], "%s", r->path);
  if (!r->ok)
    t->n_failures++;
  pthread_cond_broadcast (&t->reported);
  pthread_mutex_unlock (&t->lock);
}

static TierClipper *
clipper_new (Tiers *t, const char *dir, uint64_t max_frames, const TierIo *io)
{
  TierClipperConfig cfg = { 0 };
  char err[512] = "";
  TierClipper *c;

  memset (t, 0, sizeof *t);
  pthread_mutex_init (&t->lock, NULL);
  pthread_cond_init (&t->reported, NULL);
  t->held_from = 0;
  t->held_to = UINT64_MAX;
  t->format_change = UINT64_MAX;
  cfg.location = dir;
  cfg.level = 1;
  cfg.max_frames = max_frames;
  cfg.io = io;
  cfg.fetch = fetch;
  cfg.release = release;
  cfg.done = done;
  cfg.user_data = t;
  c = tier_clipper_new (&cfg, err, sizeof err);
  EXPECT (c != NULL, "%s", err);
  return c;
}

static void
clipper_free (TierClipper *c, Tiers *t)
{
  tier_clipper_free (c);
  pthread_mutex_destroy (&t->lock);
  pthread_cond_destroy (&t->reported);
}

/* Advances the stream frame by frame from @from to @to. */
static void
stream (TierClipper *c, uint64_t from, uint64_t to)
{
  uint64_t id;

  for (id = from; id <= to; id++)
    tier_clipper_advance (c, id);
}

/* Waits (60 s at most) for @n reports. */
static int
await_reports (Tiers *t, int n)
{
  struct timespec deadline;
  int got;

  clock_gettime (CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 60;
  pthread_mutex_lock (&t->lock);
  while (t->n_reports < n &&
         pthread_cond_timedwait (&t->reported, &t->lock, &deadline) == 0)
    ;
  got = t->n_reports;
  pthread_mutex_unlock (&t->lock);
  return got;
}

/* Checks that clip @i holds frames @from..@to but @missing of them, each
 * whole, in order. */
static void
check_clip (Tiers *t, int i, uint64_t from, uint64_t to, uint64_t missing)
{
  const TierClipReport *r = &t->reports[i];
  char err[512];
  TierClip *clip;
  uint8_t buf[SIZE];
  size_t k;

  EXPECT (r->ok, "clip %d: %s", i, r->error ? r->error : "");
  EXPECT (r->first == from && r->last == to,
      "clip %d covers %" PRIu64 "-%" PRIu64 ", not %" PRIu64 "-%" PRIu64, i,
      r->first, r->last, from, to);
  EXPECT (r->missing == missing, "clip %d misses %" PRIu64, i, r->missing);
  clip = tier_clip_open (t->paths[i], err, sizeof err);
  EXPECT (clip != NULL, "%s", err);
  if (clip == NULL)
    return;
  EXPECT (
      clip->n_frames + missing == to - from + 1, "%zu frames", clip->n_frames);
  EXPECT (clip->first == from && clip->last == to && clip->missing == missing,
      "sidecar window %" PRIu64 "-%" PRIu64, clip->first, clip->last);
  EXPECT (strcmp (clip->continues, t->continues[i]) == 0, "continues %s",
      clip->continues);
  for (k = 0; k < clip->n_frames; k++) {
    uint64_t id = clip->frames[k].frame_id;

    EXPECT (k == 0 || id > clip->frames[k - 1].frame_id, "out of order");
    EXPECT (tier_clip_read_frame (clip, k, buf, SIZE, err, sizeof err) == 0,
        "%s", err);
    EXPECT (tt_check (buf, SIZE, id), "frame %" PRIu64 " bytes", id);
    EXPECT (tt_meta_ok (clip->frames[k].meta, clip->frames[k].meta_len, id),
        "frame %" PRIu64 " meta", id);
  }
  tier_clip_close (clip);
}

static void
test_window_is_one_clip (void)
{
  char *dir = tt_mkdtemp ("clipper");
  Tiers t;
  TierClipper *c = clipper_new (&t, dir, 0, NULL);
  TierClipperStats st;

  /* the stream stops short of the window while it is asked about: the
   * writer cannot have passed frame 90 yet, however fast it is */
  stream (c, 0, 80);
  tier_clipper_add (c, 90, 120, "meteor-detected, id=1");
  EXPECT (tier_clipper_wants (c, 119), "a window wants its frames");
  EXPECT (tier_clipper_wants_any (c, 80, 90) &&
              tier_clipper_wants_any (c, 120, 200) &&
              tier_clipper_wants_any (c, 0, 1000),
      "a range overlapping the window");
  EXPECT (!tier_clipper_wants_any (c, 0, 89) &&
              !tier_clipper_wants_any (c, 121, 200),
      "a range beside the window");
  stream (c, 81, 119);
  tier_clipper_drain (c);
  EXPECT (
      !tier_clipper_wants_any (c, 0, 119) && tier_clipper_wants_any (c, 0, 120),
      "frames written are no longer wanted, the one to come is");
  EXPECT (t.n_reports == 0, "committed before its last frame");
  stream (c, 120, 130);
  EXPECT (await_reports (&t, 1) == 1, "no clip");
  check_clip (&t, 0, 90, 120, 0);
  EXPECT (strncmp (t.names[0], "meteor-", 7) == 0, "%s", t.names[0]);
  EXPECT (t.reports[0].n_detections == 1, "detections");
  tier_clipper_get_stats (c, &st);
  EXPECT (st.clips == 1 && st.frames == 31 && st.pending == 0,
      "stats %" PRIu64 " %" PRIu64, st.clips, st.frames);
  EXPECT (!tier_clipper_wants (c, 119), "a written frame is still wanted");
  clipper_free (c, &t);
  tt_rmdir (dir);
}

static void
test_open_clip_grows (void)
{
  char *dir = tt_mkdtemp ("clipper");
  Tiers t;
  TierClipper *c = clipper_new (&t, dir, 0, NULL);
  TierClipperStats st;

  stream (c, 0, 50);
  tier_clipper_add (c, 40, 70, "meteor-detected, id=1");
  stream (c, 51, 65);
  tier_clipper_add (c, 55, 90, "meteor-detected, id=2");
  stream (c, 66, 100);
  EXPECT (await_reports (&t, 1) == 1, "no clip");
  tier_clipper_finish (c);
  EXPECT (t.n_reports == 1, "%d clips for overlapping windows", t.n_reports);
  check_clip (&t, 0, 40, 90, 0);
  EXPECT (t.reports[0].n_detections == 2, "detections %u",
      t.reports[0].n_detections);
  tier_clipper_get_stats (c, &st);
  EXPECT (st.frames == 51, "each frame once: %" PRIu64, st.frames);
  clipper_free (c, &t);
  tt_rmdir (dir);
}

static void
test_committed_clip_is_continued (void)
{
  char *dir = tt_mkdtemp ("clipper");
  Tiers t;
  TierClipper *c = clipper_new (&t, dir, 0, NULL);
  TierClipperStats st;

  stream (c, 0, 50);
  tier_clipper_add (c, 20, 40, "meteor-detected, id=1");
  EXPECT (await_reports (&t, 1) == 1, "no clip");
  /* reaches back into 20..40: only 41..60 are written, linked */
  tier_clipper_add (c, 30, 60, "meteor-detected, id=2");
  stream (c, 51, 60);
  EXPECT (await_reports (&t, 2) == 2, "no second clip");
  check_clip (&t, 0, 20, 40, 0);
  check_clip (&t, 1, 41, 60, 0);
  EXPECT (strcmp (t.continues[1], t.names[0]) == 0, "continues '%s'",
      t.continues[1]);
  EXPECT (access (t.paths[0], F_OK) == 0, "the first clip went");
  tier_clipper_get_stats (c, &st);
  EXPECT (st.continuations == 1 && st.frames == 21 + 20, "stats");
  clipper_free (c, &t);
  tt_rmdir (dir);
}

static void
test_format_change_and_max_frames_split (void)
{
  char *dir = tt_mkdtemp ("clipper");
  Tiers t;
  TierClipper *c = clipper_new (&t, dir, 25, NULL);

  t.format_change = 30;
  stream (c, 0, 10);
  tier_clipper_add (c, 10, 79, NULL);
  stream (c, 11, 90);
  tier_clipper_finish (c);
  /* 10..29 (format a), then 30..54 and 55..79 (25 frames each) */
  EXPECT (t.n_reports == 3, "%d clips", t.n_reports);
  check_clip (&t, 0, 10, 29, 0);
  check_clip (&t, 1, 30, 54, 0);
  check_clip (&t, 2, 55, 79, 0);
  EXPECT (strcmp (t.continues[1], t.names[0]) == 0, "caps change link");
  EXPECT (strcmp (t.continues[2], t.names[1]) == 0, "max_frames link");
  EXPECT (strncmp (t.names[0], "clip-", 5) == 0, "%s", t.names[0]);
  clipper_free (c, &t);
  tt_rmdir (dir);
}

static void
test_missing_frames_and_finish (void)
{
  char *dir = tt_mkdtemp ("clipper");
  Tiers t;
  TierClipper *c = clipper_new (&t, dir, 0, NULL);
  TierClipperStats st;

  t.held_from = 15; /* 10..14 aged out of every tier */
  stream (c, 0, 30);
  tier_clipper_add (c, 10, 60, NULL);
  stream (c, 31, 40);
  tier_clipper_finish (c); /* cut at 40 */
  EXPECT (t.n_reports == 1, "%d clips", t.n_reports);
  check_clip (&t, 0, 10, 40, 5);
  tier_clipper_get_stats (c, &st);
  EXPECT (st.missing == 5 && st.pending == 0, "missing %" PRIu64, st.missing);
  /* a window of which nothing arrived: said, not written */
  tier_clipper_add (c, 100, 110, NULL);
  tier_clipper_finish (c);
  EXPECT (t.n_reports == 2 && !t.reports[1].ok, "no report of the window");
  clipper_free (c, &t);
  tt_rmdir (dir);
}

static void
test_full_disk_is_said (void)
{
  char *dir = tt_mkdtemp ("clipper");
  TTFault fault = { .budget = -1, .err = ENOSPC };
  TierIo io = tt_fault_io (&fault);
  Tiers t;
  TierClipper *c = clipper_new (&t, dir, 0, &io);
  TierClipperStats st;
  int i, ok = -1, failed = -1;

  stream (c, 0, 20);
  tier_clipper_add (c, 0, 40, NULL);
  tier_clipper_drain (c); /* 0..20 written */
  fault.budget = 0;       /* the disk is full from now on */
  stream (c, 21, 50);
  tier_clipper_finish (c);
  for (i = 0; i < t.n_reports; i++) {
    if (t.reports[i].ok)
      ok = i;
    else
      failed = i;
  }
  EXPECT (failed >= 0 && strstr (t.reports[failed].error, "No space left"),
      "no failure said");
  EXPECT (ok < 0, "a clip was committed on a full disk");
  fault.budget = -1; /* room again: the next window is written */
  tier_clipper_add (c, 45, 50, NULL);
  tier_clipper_finish (c);
  EXPECT (
      t.reports[t.n_reports - 1].ok, "%s", t.reports[t.n_reports - 1].error);
  check_clip (&t, t.n_reports - 1, 45, 50, 0);
  tier_clipper_get_stats (c, &st);
  EXPECT (st.write_errors == 1, "write errors %" PRIu64, st.write_errors);
  clipper_free (c, &t);
  tt_rmdir (dir);
}

/* A window just before a clip already being written (detections reported
 * out of order, as through a real decoder) is a clip of its own; it used
 * to recurse without end. */
static void
test_window_before_a_clip_being_written (void)
{
  char *dir = tt_mkdtemp ("clipper");
  Tiers t;
  TierClipper *c = clipper_new (&t, dir, 0, NULL);

  stream (c, 0, 30);
  tier_clipper_add (c, 23, 40, "meteor-detected, id=2");
  tier_clipper_drain (c); /* frames 23-30 written */
  tier_clipper_add (c, 17, 22, "meteor-detected, id=1");
  stream (c, 31, 45);
  /* the earlier window became a clip of its own (the writer may have
   * written it already: asked only once both are done) */
  EXPECT (await_reports (&t, 2) == 2, "%d clips", t.n_reports);
  clipper_free (c, &t);
  tt_rmdir (dir);
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "a window is one clip", test_window_is_one_clip },
    { "an open clip grows by appending", test_open_clip_grows },
    { "a committed clip is continued", test_committed_clip_is_continued },
    { "caps change and max frames split, linked",
        test_format_change_and_max_frames_split },
    { "missing frames, finish", test_missing_frames_and_finish },
    { "full disk: said, and the next window is written",
        test_full_disk_is_said },
    { "a window just before a clip being written",
        test_window_before_a_clip_being_written },
  };

  return minitest_run (tests, sizeof tests / sizeof tests[0]);
}
