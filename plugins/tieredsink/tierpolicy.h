/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tieredsink's policy, apart from the stores and from
 * GStreamer: the frames a detection's clip takes, the memory pressure
 * level, what hot may hold, and where a frame leaving hot goes. The
 * element asks these functions and the stores (warmring.c, coldstore.c,
 * clipper.c) do what they decide; tests/tier/test-tierpolicy.c checks
 * each rule. Merging overlapping windows into one clip, by appending, is
 * the clip writer's (clipper.h). */
#ifndef __METEOR_TIER_POLICY_H__
#define __METEOR_TIER_POLICY_H__

#include <stdint.h>

typedef enum {
  TIER_LEVEL_NORMAL,
  TIER_LEVEL_LOW,  /* hot holds half */
  TIER_LEVEL_HIGH, /* hot holds nothing, warm takes nothing */
} TierLevel;

/* "normal", "low", "high": the names tieredsink posts */
const char *tier_level_name (TierLevel level);

/* The level for @usage (a fraction of the memory limit; negative: not
 * known, normal) against the thresholds @low <= @high. */
TierLevel tier_policy_level (double usage, double low, double high);

/* Frames in @ns of stream, rounded: at @fps_n/@fps_d when known, else
 * at the last frame's @duration_ns when known, else at @fallback_fps. */
uint64_t tier_policy_frames (uint64_t ns, int fps_n, int fps_d,
    uint64_t duration_ns, unsigned fallback_fps);

typedef struct {
  uint64_t first, last;
} TierWindow;

/* The clip of a detection at frames @first..@last (either order): @pre
 * frames before, @post after, clamped at frame 0 and at the last id. */
TierWindow tier_policy_clip_window (
    uint64_t first, uint64_t last, uint64_t pre, uint64_t post);

typedef struct {
  unsigned frames; /* 0: none */
  uint64_t bytes;  /* 0: no byte limit */
} TierHotLimit;

/* What hot may hold at @level: @hot_frames and @hot_max_bytes, but never
 * the whole upstream pool of @pool_max buffers (0: not a pool we know),
 * whose source would wait for a buffer hot gives back only when the next
 * frame comes; half at low pressure, nothing at high. */
TierHotLimit tier_policy_hot_limit (unsigned hot_frames, uint64_t hot_max_bytes,
    unsigned pool_max, TierLevel level);

/* A frame from upstream leaving hot, and the state it leaves into. */
typedef struct {
  int has_warm, has_cold;
  TierLevel level;
  int cold_all;    /* the cold-all property: every frame to cold */
  int needed;      /* a clip not yet written wants the frame */
  int have_newest; /* newest is the stream's newest frame id */
  uint64_t frame_id, newest;
  uint64_t window; /* pre + post trigger, in frames */
  int cold_yields; /* cold is short of room: only clips' frames */
} TierLeaving;

/* Whether the frame is offered to warm. */
int tier_policy_to_warm (const TierLeaving *f);

typedef enum {
  TIER_COLD_SKIP,  /* not for cold */
  TIER_COLD_WRITE, /* append it to cold */
  TIER_COLD_YIELD, /* for cold, but the room is a clip's: counted */
} TierColdRoute;

/* Whether it goes to cold as well, once warm took it (@in_warm) or not:
 * with cold-all; else when warm did not keep it and a clip needs it, or
 * the pressure is high and it is recent enough for a detection still to
 * come to want it. */
TierColdRoute tier_policy_to_cold (const TierLeaving *f, int in_warm);

/* The room on the store's disk: one quota over everything the store holds
 * (@max_bytes, 0: none) and free space kept (@min_free_bytes). */
typedef struct {
  uint64_t used;           /* bytes the store holds */
  uint64_t max_bytes;      /* its quota; 0: none */
  int have_free;           /* free_bytes is known */
  uint64_t free_bytes;     /* on its filesystem */
  uint64_t min_free_bytes; /* to keep free */
  uint64_t oldest_cold;    /* bytes of the oldest closed cold segment, 0:
                            * none */
  int oldest_cold_needed;  /* a clip not yet written needs a frame of it */
} TierRoom;

typedef enum {
  TIER_ROOM_OK,          /* within its limits */
  TIER_ROOM_YIELD,       /* short, but the oldest cold frames are a clip's:
                          * they stay, and cold takes only clips' frames */
  TIER_ROOM_DROP_COLD,   /* delete the oldest cold segment */
  TIER_ROOM_DELETE_CLIP, /* no cold left to delete: the oldest clip */
} TierRoomAction;

/* What to do about the room, and in @short_by how many bytes the store is
 * short: raw cold frames go first, clips only when no cold is left; cold
 * frames a pending clip needs are never deleted. Asked again after each
 * deletion, until OK or YIELD (or nothing is left to delete). */
TierRoomAction tier_policy_room (const TierRoom *room, uint64_t *short_by);

/* Whether the room is to be checked now: every @interval_us, and every
 * quarter of @min_free_bytes that cold has appended since the last check
 * (so the stream never eats the room kept for clips between two checks). */
int tier_policy_room_due (int64_t now_us, int64_t checked_us,
    int64_t interval_us, uint64_t appended, uint64_t checked_appended,
    uint64_t min_free_bytes);

#endif /* __METEOR_TIER_POLICY_H__ */
