/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tieredsink's policy (no GStreamer): see tierpolicy.h. */
#include "tierpolicy.h"

#define NS_PER_SECOND 1000000000ull

const char *
tier_level_name (TierLevel level)
{
  switch (level) {
    case TIER_LEVEL_LOW:
      return "low";
    case TIER_LEVEL_HIGH:
      return "high";
    default:
      return "normal";
  }
}

TierLevel
tier_policy_level (double usage, double low, double high)
{
  if (usage < 0)
    return TIER_LEVEL_NORMAL;
  if (usage >= high)
    return TIER_LEVEL_HIGH;
  if (usage >= low)
    return TIER_LEVEL_LOW;
  return TIER_LEVEL_NORMAL;
}

/* @a * @b / @c, rounded half up, saturating (128-bit, no overflow) */
static uint64_t
scale_round (uint64_t a, uint64_t b, uint64_t c)
{
  unsigned __int128 r = ((unsigned __int128)a * b + c / 2) / c;

  return r > UINT64_MAX ? UINT64_MAX : (uint64_t)r;
}

uint64_t
tier_policy_frames (uint64_t ns, int fps_n, int fps_d, uint64_t duration_ns,
    unsigned fallback_fps)
{
  if (fps_n > 0 && fps_d > 0)
    return scale_round (ns, (uint64_t)fps_n, (uint64_t)fps_d * NS_PER_SECOND);
  if (duration_ns > 0)
    return scale_round (ns, 1, duration_ns);
  return scale_round (ns, fallback_fps, NS_PER_SECOND);
}

TierWindow
tier_policy_clip_window (
    uint64_t first, uint64_t last, uint64_t pre, uint64_t post)
{
  TierWindow w;

  if (last < first) {
    uint64_t t = first;
    first = last;
    last = t;
  }
  w.first = first > pre ? first - pre : 0;
  w.last = last + post < last ? UINT64_MAX : last + post;
  return w;
}

TierHotLimit
tier_policy_hot_limit (unsigned hot_frames, uint64_t hot_max_bytes,
    unsigned pool_max, TierLevel level)
{
  TierHotLimit l = { hot_frames, hot_max_bytes };

  if (pool_max > 0) {
    unsigned cap = pool_max > 2 ? pool_max - 2 : 1;
    if (cap < l.frames)
      l.frames = cap;
  }
  if (level == TIER_LEVEL_LOW) {
    l.frames /= 2;
    l.bytes /= 2;
  } else if (level == TIER_LEVEL_HIGH) {
    l.frames = 0;
  }
  return l;
}

int
tier_policy_to_warm (const TierLeaving *f)
{
  return f->has_warm && f->level != TIER_LEVEL_HIGH;
}

/* Within pre + post of the newest frame: a detection still to come may
 * want it in its clip. */
static int
recent (const TierLeaving *f)
{
  return !f->have_newest || f->frame_id >= f->newest ||
         f->newest - f->frame_id <= f->window;
}

TierColdRoute
tier_policy_to_cold (const TierLeaving *f, int in_warm)
{
  int high = f->level == TIER_LEVEL_HIGH;

  if (!f->has_cold)
    return TIER_COLD_SKIP;
  if (!f->cold_all && (in_warm || !(f->needed || (high && recent (f)))))
    return TIER_COLD_SKIP;
  return f->cold_yields && !f->needed ? TIER_COLD_YIELD : TIER_COLD_WRITE;
}

TierRoomAction
tier_policy_room (const TierRoom *r, uint64_t *short_by)
{
  uint64_t s = 0;

  if (r->max_bytes && r->used > r->max_bytes)
    s = r->used - r->max_bytes;
  if (r->have_free && r->free_bytes < r->min_free_bytes &&
      r->min_free_bytes - r->free_bytes > s)
    s = r->min_free_bytes - r->free_bytes;
  *short_by = s;
  if (s == 0)
    return TIER_ROOM_OK;
  if (r->oldest_cold > 0)
    return r->oldest_cold_needed ? TIER_ROOM_YIELD : TIER_ROOM_DROP_COLD;
  return TIER_ROOM_DELETE_CLIP;
}

int
tier_policy_room_due (int64_t now_us, int64_t checked_us, int64_t interval_us,
    uint64_t appended, uint64_t checked_appended, uint64_t min_free_bytes)
{
  if (now_us - checked_us >= interval_us)
    return 1;
  return min_free_bytes > 0 &&
         appended - checked_appended >= min_free_bytes / 4;
}
