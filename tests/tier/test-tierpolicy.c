/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tieredsink's policy core (tierpolicy.h), rule by rule:
 * clip windows, frames from times, pressure levels, what hot holds,
 * where a frame leaving hot goes, and the room on the disk. Merging windows by
 * appending is the clip writer's: tests/tier/test-clipper.c. Plain C, no
 * GStreamer. */
#include "tierpolicy.h"

#include "minitest.h"

#include <inttypes.h>
#include <string.h>

static void
test_clip_window (void)
{
  TierWindow w = tier_policy_clip_window (100, 120, 50, 25);

  EXPECT (
      w.first == 50 && w.last == 145, "%" PRIu64 "-%" PRIu64, w.first, w.last);
  /* a detection may name its ends in either order */
  w = tier_policy_clip_window (120, 100, 50, 25);
  EXPECT (w.first == 50 && w.last == 145, "swapped: %" PRIu64 "-%" PRIu64,
      w.first, w.last);
  /* early in the stream: from frame 0, not wrapped below it */
  w = tier_policy_clip_window (10, 12, 50, 0);
  EXPECT (w.first == 0 && w.last == 12, "early: %" PRIu64 "-%" PRIu64, w.first,
      w.last);
  /* at the top of the ids: saturated, not wrapped to a tiny end */
  w = tier_policy_clip_window (UINT64_MAX - 5, UINT64_MAX - 3, 2, 100);
  EXPECT (w.first == UINT64_MAX - 7 && w.last == UINT64_MAX,
      "top: %" PRIu64 "-%" PRIu64, w.first, w.last);
  w = tier_policy_clip_window (7, 7, 0, 0);
  EXPECT (w.first == 7 && w.last == 7, "one frame");
}

static void
test_frames (void)
{
  const uint64_t s = 1000000000ull;

  EXPECT (tier_policy_frames (2 * s, 25, 1, 0, 30) == 50, "2 s at 25 fps");
  /* NTSC: 2 s are 59.94 frames, rounded */
  EXPECT (tier_policy_frames (2 * s, 30000, 1001, 0, 30) == 60, "NTSC");
  /* no rate in the caps: the frames' own duration, then the fallback */
  EXPECT (tier_policy_frames (2 * s, 0, 1, 40000000, 30) == 50, "duration");
  EXPECT (tier_policy_frames (2 * s, 0, 0, 0, 30) == 60, "fallback");
  /* an hour at 120 fps and a huge time do not overflow */
  EXPECT (tier_policy_frames (3600 * s, 120, 1, 0, 30) == 432000, "hour");
  EXPECT (tier_policy_frames (UINT64_MAX, 1000, 1, 0, 30) ==
              (uint64_t)(((unsigned __int128)UINT64_MAX * 1000 + s / 2) / s),
      "no overflow");
  EXPECT (tier_policy_frames (0, 25, 1, 0, 30) == 0, "nothing");
}

static void
test_levels (void)
{
  EXPECT (tier_policy_level (-1, 0.6, 0.8) == TIER_LEVEL_NORMAL, "unknown");
  EXPECT (tier_policy_level (0.59, 0.6, 0.8) == TIER_LEVEL_NORMAL, "below");
  EXPECT (tier_policy_level (0.6, 0.6, 0.8) == TIER_LEVEL_LOW, "at low");
  EXPECT (tier_policy_level (0.79, 0.6, 0.8) == TIER_LEVEL_LOW, "low");
  EXPECT (tier_policy_level (0.8, 0.6, 0.8) == TIER_LEVEL_HIGH, "at high");
  EXPECT (tier_policy_level (1.5, 0.6, 0.8) == TIER_LEVEL_HIGH, "over");
  /* the thresholds are properties: they are what counts */
  EXPECT (tier_policy_level (0.5, 0.3, 0.4) == TIER_LEVEL_HIGH, "settable");
  EXPECT (!strcmp (tier_level_name (TIER_LEVEL_NORMAL), "normal") &&
              !strcmp (tier_level_name (TIER_LEVEL_LOW), "low") &&
              !strcmp (tier_level_name (TIER_LEVEL_HIGH), "high"),
      "names");
}

static void
test_hot_limit (void)
{
  TierHotLimit l = tier_policy_hot_limit (30, 1000, 0, TIER_LEVEL_NORMAL);

  EXPECT (l.frames == 30 && l.bytes == 1000, "normal: %u", l.frames);
  /* a pool of 20 buffers: hot keeps 2 for the source to fill */
  l = tier_policy_hot_limit (30, 1000, 20, TIER_LEVEL_NORMAL);
  EXPECT (l.frames == 18, "pool of 20: %u", l.frames);
  l = tier_policy_hot_limit (10, 0, 20, TIER_LEVEL_NORMAL);
  EXPECT (l.frames == 10 && l.bytes == 0, "within the pool: %u", l.frames);
  l = tier_policy_hot_limit (30, 0, 2, TIER_LEVEL_NORMAL);
  EXPECT (l.frames == 1, "tiny pool: %u", l.frames);
  l = tier_policy_hot_limit (30, 1000, 20, TIER_LEVEL_LOW);
  EXPECT (
      l.frames == 9 && l.bytes == 500, "low: %u %" PRIu64, l.frames, l.bytes);
  l = tier_policy_hot_limit (30, 1000, 0, TIER_LEVEL_HIGH);
  EXPECT (l.frames == 0, "high: %u", l.frames);
}

/* A frame 10 behind the newest, with a 75-frame window, both tiers. */
static TierLeaving
leaving (void)
{
  TierLeaving f = { .has_warm = 1,
    .has_cold = 1,
    .level = TIER_LEVEL_NORMAL,
    .have_newest = 1,
    .frame_id = 990,
    .newest = 1000,
    .window = 75 };
  return f;
}

static void
test_routing (void)
{
  TierLeaving f = leaving ();

  /* normal: warm keeps it, cold only what warm did not keep and a clip
   * needs */
  EXPECT (tier_policy_to_warm (&f), "normal: warm");
  EXPECT (tier_policy_to_cold (&f, 1) == TIER_COLD_SKIP, "in warm: no cold");
  EXPECT (tier_policy_to_cold (&f, 0) == TIER_COLD_SKIP,
      "warm full, no clip wants it: gone");
  f.needed = 1;
  EXPECT (tier_policy_to_cold (&f, 0) == TIER_COLD_WRITE,
      "warm full, a clip wants it: cold");
  EXPECT (tier_policy_to_cold (&f, 1) == TIER_COLD_SKIP,
      "in warm, the clip reads it there");

  /* high pressure: no warm; recent frames to cold (a detection may still
   * want them), old ones gone unless a clip wants them */
  f = leaving ();
  f.level = TIER_LEVEL_HIGH;
  EXPECT (!tier_policy_to_warm (&f), "high: no warm");
  EXPECT (tier_policy_to_cold (&f, 0) == TIER_COLD_WRITE, "high, recent");
  f.frame_id = 900; /* 100 behind, window 75 */
  EXPECT (tier_policy_to_cold (&f, 0) == TIER_COLD_SKIP, "high, old");
  f.needed = 1;
  EXPECT (tier_policy_to_cold (&f, 0) == TIER_COLD_WRITE, "high, old, needed");
  f = leaving ();
  f.level = TIER_LEVEL_HIGH;
  f.have_newest = 0;
  EXPECT (tier_policy_to_cold (&f, 0) == TIER_COLD_WRITE,
      "high, no newest yet: recent");
  f.have_newest = 1;
  f.frame_id = 1005; /* a restarted count */
  EXPECT (tier_policy_to_cold (&f, 0) == TIER_COLD_WRITE, "high, ahead");

  /* cold-all: every frame to cold too */
  f = leaving ();
  f.cold_all = 1;
  EXPECT (tier_policy_to_warm (&f), "cold-all: warm too");
  EXPECT (tier_policy_to_cold (&f, 1) == TIER_COLD_WRITE, "cold-all");

  /* cold short of room: only clips' frames; the others yield, counted */
  f.cold_yields = 1;
  EXPECT (tier_policy_to_cold (&f, 1) == TIER_COLD_YIELD, "yields");
  f.needed = 1;
  EXPECT (tier_policy_to_cold (&f, 1) == TIER_COLD_WRITE, "a clip's frame");

  /* tiers that are not there */
  f = leaving ();
  f.has_warm = 0;
  f.needed = 1;
  EXPECT (!tier_policy_to_warm (&f), "no warm");
  EXPECT (tier_policy_to_cold (&f, 0) == TIER_COLD_WRITE, "no warm: cold");
  f.has_cold = 0;
  f.cold_all = 1;
  EXPECT (tier_policy_to_cold (&f, 0) == TIER_COLD_SKIP, "no cold");
}

static void
test_room (void)
{
  TierRoom r = { .used = 900,
    .max_bytes = 1000,
    .have_free = 1,
    .free_bytes = 5000,
    .min_free_bytes = 300,
    .oldest_cold = 100 };
  uint64_t short_by = 7;

  EXPECT (tier_policy_room (&r, &short_by) == TIER_ROOM_OK && short_by == 0,
      "within: %" PRIu64, short_by);
  /* over the quota: raw cold frames go first */
  r.used = 1250;
  EXPECT (tier_policy_room (&r, &short_by) == TIER_ROOM_DROP_COLD &&
              short_by == 250,
      "quota: %" PRIu64, short_by);
  /* short of free space, more than of quota: the larger counts */
  r.free_bytes = 0;
  EXPECT (tier_policy_room (&r, &short_by) == TIER_ROOM_DROP_COLD &&
              short_by == 300,
      "free space: %" PRIu64, short_by);
  /* free space not known: only the quota */
  r.have_free = 0;
  EXPECT (tier_policy_room (&r, &short_by) == TIER_ROOM_DROP_COLD &&
              short_by == 250,
      "free unknown: %" PRIu64, short_by);
  /* the oldest cold frames are a pending clip's: they stay, cold yields */
  r.oldest_cold_needed = 1;
  EXPECT (tier_policy_room (&r, &short_by) == TIER_ROOM_YIELD, "yield");
  /* no cold left: the oldest clip goes */
  r.oldest_cold = 0;
  r.oldest_cold_needed = 0;
  EXPECT (tier_policy_room (&r, &short_by) == TIER_ROOM_DELETE_CLIP, "clip");
  /* no quota and no free space kept: never short */
  r.max_bytes = 0;
  r.min_free_bytes = 0;
  EXPECT (tier_policy_room (&r, &short_by) == TIER_ROOM_OK, "no limits");

  /* checked every interval, and every quarter of min-free-bytes appended */
  EXPECT (
      tier_policy_room_due (1500000, 1000000, 500000, 0, 0, 400), "interval");
  EXPECT (
      !tier_policy_room_due (1400000, 1000000, 500000, 99, 0, 400), "not yet");
  EXPECT (tier_policy_room_due (1400000, 1000000, 500000, 1100, 1000, 400),
      "a quarter appended");
  EXPECT (!tier_policy_room_due (
              1400000, 1000000, 500000, UINT64_C (1000000000), 0, 0),
      "no free space kept: the interval only");
  EXPECT (tier_policy_room_due (INT64_C (5000000000), 0, 500000, 0, 0, 0),
      "first check");
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "clip windows", test_clip_window },
    { "frames from times", test_frames },
    { "pressure levels", test_levels },
    { "what hot holds", test_hot_limit },
    { "where a frame leaving hot goes", test_routing },
    { "room on the disk: what goes first, when it is checked", test_room },
  };

  return minitest_run (tests, sizeof tests / sizeof tests[0]);
}
