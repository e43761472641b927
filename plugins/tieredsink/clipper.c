/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the clip writer thread of tieredsink: windows of frames in,
 * committed clips out, each frame written once. */
#include "clipper.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* committed clips remembered, so later windows start after them */
#define RECENT_CLIPS 16

/* A window of frames to write: pending, or open (being written). */
typedef struct Job {
  uint64_t first, last;
  uint64_t next; /* the next frame to write */
  char *detections;
  unsigned n_detections;
  char continues[300]; /* the committed clip it follows, or "" */
  struct Job *link;    /* by first frame */
} Job;

typedef struct {
  uint64_t first, last;
  char name[300];
} Recent;

struct TierClipper {
  TierClipperConfig cfg;
  char *location;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake, idle;
  /* under lock */
  Job *jobs;
  int have_newest, finishing, quit, busy;
  uint64_t newest;
  int has_writing; /* a frame taken, being fetched and written */
  uint64_t writing;
  Recent recent[RECENT_CLIPS];
  unsigned n_recent, recent_at;
  TierClipperStats st;
  /* the writer thread's own */
  TierClipWriter *clip;
  char clip_name[256], clip_format[TIER_FORMAT_MAX];
  uint64_t clip_first, clip_last, clip_missing;
};

static char *
join_text (char *a, const char *b)
{
  size_t la = a ? strlen (a) : 0, lb = strlen (b);
  char *r = realloc (a, la + lb + 2);

  if (r == NULL)
    abort ();
  if (la)
    r[la++] = '\n';
  memcpy (r + la, b, lb + 1);
  return r;
}

static void
job_free (Job *j)
{
  free (j->detections);
  free (j);
}

/* ------------------------------------------------------ the windows */

static int
overlaps_or_touches (uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
  return !(a0 > b1 + 1 && b1 != UINT64_MAX) &&
         !(b0 > a1 + 1 && a1 != UINT64_MAX);
}

static void
insert_job (TierClipper *c, Job *j)
{
  Job **p = &c->jobs;

  while (*p && (*p)->first < j->first)
    p = &(*p)->link;
  j->link = *p;
  *p = j;
}

/* Puts [first, last] into the windows, without what committed clips hold.
 * Called with the lock. */
static void
add_range (TierClipper *c, uint64_t first, uint64_t last, const char *detection,
    const char *continues)
{
  unsigned i;
  Job *j, *n;

  if (last < first)
    return;
  for (i = 0; i < c->n_recent; i++) {
    const Recent *r = &c->recent[i];

    if (r->last < first || r->first > last)
      continue;
    if (r->first > first) /* the part before that clip */
      add_range (c, first, r->first - 1, detection, continues);
    if (r->last == UINT64_MAX || r->last >= last)
      return;
    /* the rest follows that clip */
    add_range (c, r->last + 1, last, detection, r->name);
    return;
  }
  for (j = c->jobs; j; j = j->link) {
    if (!overlaps_or_touches (first, last, j->first, j->last))
      continue;
    /* a range just before a clip already being written cannot join it
     * (it cannot start earlier): a clip of its own */
    if (last < j->first && j->next != j->first)
      continue;
    if (first < j->first) {
      if (j->next == j->first) { /* nothing written yet: it starts earlier */
        j->first = j->next = first;
      } else {
        add_range (c, first, j->first - 1, NULL, continues);
      }
    }
    if (last > j->last)
      j->last = last;
    break;
  }
  if (j == NULL) {
    j = calloc (1, sizeof *j);
    if (j == NULL)
      abort ();
    j->first = j->next = first;
    j->last = last;
    snprintf (
        j->continues, sizeof j->continues, "%s", continues ? continues : "");
    insert_job (c, j);
    c->st.pending++;
  }
  if (detection) {
    j->detections = join_text (j->detections, detection);
    j->n_detections++;
  }
  /* the grown window may now reach the next one: they become one */
  while ((n = j->link) &&
         overlaps_or_touches (j->first, j->last, n->first, n->last) &&
         n->next == n->first) {
    if (n->last > j->last)
      j->last = n->last;
    if (n->detections) {
      j->detections = join_text (j->detections, n->detections);
      j->n_detections += n->n_detections;
    }
    j->link = n->link;
    job_free (n);
    c->st.pending--;
  }
}

void
tier_clipper_add (
    TierClipper *c, uint64_t first, uint64_t last, const char *detection)
{
  pthread_mutex_lock (&c->lock);
  add_range (c, first, last, detection, NULL);
  pthread_cond_signal (&c->wake);
  pthread_mutex_unlock (&c->lock);
}

void
tier_clipper_advance (TierClipper *c, uint64_t newest)
{
  pthread_mutex_lock (&c->lock);
  c->have_newest = 1;
  c->newest = newest;
  if (c->jobs) {
    uint64_t lag = newest >= c->jobs->next ? newest - c->jobs->next : 0;

    if (c->jobs->first <= newest && lag > c->st.max_lag)
      c->st.max_lag = lag;
    pthread_cond_signal (&c->wake);
  }
  pthread_mutex_unlock (&c->lock);
}

int
tier_clipper_wants (TierClipper *c, uint64_t frame_id)
{
  return tier_clipper_wants_any (c, frame_id, frame_id);
}

int
tier_clipper_wants_any (TierClipper *c, uint64_t first, uint64_t last)
{
  const Job *j;
  int wants;

  pthread_mutex_lock (&c->lock);
  wants = c->has_writing && c->writing >= first && c->writing <= last;
  for (j = c->jobs; j && !wants; j = j->link)
    wants = j->next <= last && j->last >= first && j->next <= j->last;
  pthread_mutex_unlock (&c->lock);
  return wants;
}

/* ------------------------------------------------------ the writer */

static void
report_failure (TierClipper *c, const Job *j, uint64_t first, uint64_t last,
    const char *error)
{
  TierClipReport r = { 0 };

  r.error = error;
  r.name = c->clip_name;
  r.path = "";
  r.continues = j->continues;
  r.first = first;
  r.last = last;
  r.missing = c->clip_missing;
  r.detections = j->detections ? j->detections : "";
  r.n_detections = j->n_detections;
  /* told before counted: whoever sees the count has had the report */
  if (c->cfg.done)
    c->cfg.done (c->cfg.user_data, &r);
  pthread_mutex_lock (&c->lock);
  c->st.failures++;
  pthread_mutex_unlock (&c->lock);
}

/* Commits the open clip as covering first..@last of @j. Writer thread. */
static void
commit_clip (TierClipper *c, Job *j, uint64_t last)
{
  TierClipFinal fin = { 0 };
  TierClipResult res;
  TierClipReport r = { 0 };
  char name[sizeof c->clip_name + 24], err[1024];

  if (c->clip && tier_clip_n_frames (c->clip) == 0) {
    tier_clip_abort (c->clip);
    c->clip = NULL;
  }
  if (c->clip == NULL) {
    snprintf (err, sizeof err,
        "none of frames %" PRIu64 "-%" PRIu64 " is held any more",
        c->clip_first, last);
    report_failure (c, j, c->clip_first, last, err);
    return;
  }
  snprintf (name, sizeof name, "%s-%06" PRIu64, c->clip_name, last);
  fin.name = name;
  fin.detection = j->detections ? j->detections : "";
  fin.continues = j->continues;
  fin.first = c->clip_first;
  fin.last = last;
  fin.missing = c->clip_missing;
  /* the sidecar too can find the disk full: room, then once more */
  if (tier_clip_commit_final (c->clip, &fin, &res, err, sizeof err) < 0 &&
      (!c->cfg.make_room || !c->cfg.make_room (c->cfg.user_data) ||
          tier_clip_commit_final (c->clip, &fin, &res, err, sizeof err) < 0)) {
    tier_clip_abort (c->clip);
    c->clip = NULL;
    report_failure (c, j, c->clip_first, last, err);
    return;
  }
  c->clip = NULL;
  pthread_mutex_lock (&c->lock);
  c->st.clips++;
  if (j->continues[0])
    c->st.continuations++;
  c->st.bytes_written += res.disk_bytes;
  c->recent[c->recent_at].first = c->clip_first;
  c->recent[c->recent_at].last = last;
  snprintf (c->recent[c->recent_at].name, sizeof c->recent[0].name, "%s", name);
  c->recent_at = (c->recent_at + 1) % RECENT_CLIPS;
  if (c->n_recent < RECENT_CLIPS)
    c->n_recent++;
  pthread_mutex_unlock (&c->lock);
  r.ok = 1;
  r.error = "";
  r.path = res.path;
  r.name = name;
  r.continues = j->continues;
  r.first = c->clip_first;
  r.last = last;
  r.frames = res.frames;
  r.missing = c->clip_missing;
  r.raw_bytes = res.raw_bytes;
  r.disk_bytes = res.disk_bytes;
  r.detections = fin.detection;
  r.n_detections = j->n_detections;
  if (c->cfg.done)
    c->cfg.done (c->cfg.user_data, &r);
  /* what follows in this window continues this clip */
  snprintf (j->continues, sizeof j->continues, "%s", name);
}

static void
clip_stamp (TierClipper *c, const Job *j, uint64_t first)
{
  char stamp[32];
  time_t now = time (NULL);
  struct tm tm;

  gmtime_r (&now, &tm);
  strftime (stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  snprintf (c->clip_name, sizeof c->clip_name, "%s-%s-%06" PRIu64,
      j->n_detections ? "meteor" : "clip", stamp, first);
}

/* A write error (a full disk) at frame @id: the frames written so far
 * are kept as a clip; the rest of the window that has arrived is given
 * up, counted as missing, and what comes later goes into a new clip. */
static void
give_up (TierClipper *c, Job *j, uint64_t id, const char *error)
{
  uint64_t upto;

  pthread_mutex_lock (&c->lock);
  c->st.write_errors++;
  pthread_mutex_unlock (&c->lock);
  report_failure (c, j, id, j->last, error);
  if (c->clip)
    commit_clip (c, j, id - 1);
  c->clip_missing = 0;
  pthread_mutex_lock (&c->lock);
  upto = c->have_newest && c->newest < j->last ? c->newest : j->last;
  if (upto < id)
    upto = id;
  c->st.missing += upto - id + 1;
  j->next = upto + 1;
  pthread_mutex_unlock (&c->lock);
}

static int
add_frame (TierClipper *c, const TierClipSource *src, char *err, size_t len)
{
  if (src->record == NULL)
    return tier_clip_add (c->clip, &src->rec, err, len);
  if (tier_clip_add_record (c->clip, src->record, src->record_len, err, len) <
      0)
    return -1;
  pthread_mutex_lock (&c->lock);
  c->st.records_copied++;
  pthread_mutex_unlock (&c->lock);
  return 0;
}

/* Writes frame @id of @j. Writer thread, without the lock. */
static void
write_frame (TierClipper *c, Job *j, uint64_t id)
{
  TierClipSource src = { 0 };
  char err[1024];
  int r;

  if (c->clip == NULL && c->clip_missing == 0)
    c->clip_first = id;
  if (!c->cfg.fetch (c->cfg.user_data, id, &src)) {
    c->clip_missing++;
    pthread_mutex_lock (&c->lock);
    c->st.missing++;
    pthread_mutex_unlock (&c->lock);
    return;
  }
  if (c->clip &&
      (strcmp (src.format, c->clip_format) != 0 ||
          (c->cfg.max_frames && id - c->clip_first >= c->cfg.max_frames))) {
    commit_clip (c, j, id - 1);
    c->clip_first = id;
    c->clip_missing = 0;
  }
  if (c->clip == NULL) {
    TierClipConfig cc = { 0 };
    uint32_t i;

    clip_stamp (c, j, c->clip_first);
    cc.location = c->location;
    cc.name = c->clip_name;
    cc.format = src.format;
    cc.level = c->cfg.level;
    cc.n_planes = src.n_planes;
    for (i = 0; i < src.n_planes && i < TIER_CLIP_MAX_PLANES; i++) {
      cc.offset[i] = src.offset[i];
      cc.stride[i] = src.stride[i];
    }
    cc.io = c->cfg.io;
    snprintf (c->clip_format, sizeof c->clip_format, "%s", src.format);
    c->clip = tier_clip_begin (&cc, err, sizeof err);
    if (c->clip == NULL && c->cfg.make_room &&
        c->cfg.make_room (c->cfg.user_data))
      c->clip = tier_clip_begin (&cc, err, sizeof err);
  }
  r = c->clip ? add_frame (c, &src, err, sizeof err) : -1;
  if (r < 0 && c->clip && c->cfg.make_room &&
      c->cfg.make_room (c->cfg.user_data))
    r = add_frame (c, &src, err, sizeof err);
  c->cfg.release (c->cfg.user_data, &src);
  if (r < 0) {
    give_up (c, j, id, err);
    return;
  }
  pthread_mutex_lock (&c->lock);
  c->st.frames++;
  c->st.raw_bytes += src.rec.size;
  pthread_mutex_unlock (&c->lock);
}

static void *
writer_main (void *data)
{
  TierClipper *c = data;

  pthread_mutex_lock (&c->lock);
  for (;;) {
    Job *j = c->jobs;
    uint64_t id, upto;

    if (j == NULL || !c->have_newest) {
      c->busy = 0;
      pthread_cond_broadcast (&c->idle);
      if (c->quit)
        break;
      pthread_cond_wait (&c->wake, &c->lock);
      continue;
    }
    upto = j->last < c->newest ? j->last : c->newest;
    if (j->next <= upto && j->next >= j->first) {
      c->busy = 1;
      id = j->next++;
      c->writing = id;
      c->has_writing = 1;
      pthread_mutex_unlock (&c->lock);
      write_frame (c, j, id);
      pthread_mutex_lock (&c->lock);
      c->has_writing = 0;
      continue;
    }
    if (j->next > j->last || (c->finishing && j->next > c->newest) ||
        j->next < j->first /* wrapped past UINT64_MAX */) {
      uint64_t last = j->next - 1;

      c->busy = 1;
      c->jobs = j->link;
      c->st.pending--;
      pthread_mutex_unlock (&c->lock);
      if (j->next > j->first && (c->clip || c->clip_missing)) {
        commit_clip (c, j, last);
      } else if (j->next == j->first) {
        c->clip_first = j->first;
        report_failure (c, j, j->first, j->last, "none of its frames arrived");
      }
      c->clip_missing = 0;
      job_free (j);
      pthread_mutex_lock (&c->lock);
      continue;
    }
    c->busy = 0;
    pthread_cond_broadcast (&c->idle);
    pthread_cond_wait (&c->wake, &c->lock);
  }
  pthread_mutex_unlock (&c->lock);
  return NULL;
}

TierClipper *
tier_clipper_new (
    const TierClipperConfig *config, char *error, size_t error_len)
{
  TierClipper *c = calloc (1, sizeof *c);

  if (c == NULL)
    abort ();
  c->cfg = *config;
  c->location = strdup (config->location);
  pthread_mutex_init (&c->lock, NULL);
  pthread_cond_init (&c->wake, NULL);
  pthread_cond_init (&c->idle, NULL);
  if (pthread_create (&c->thread, NULL, writer_main, c) != 0) {
    snprintf (error, error_len, "cannot start the clip writer thread");
    pthread_mutex_destroy (&c->lock);
    pthread_cond_destroy (&c->wake);
    pthread_cond_destroy (&c->idle);
    free (c->location);
    free (c);
    return NULL;
  }
  return c;
}

void
tier_clipper_finish (TierClipper *c)
{
  pthread_mutex_lock (&c->lock);
  c->finishing = 1;
  if (!c->have_newest) { /* no frame ever came: nothing can be written */
    while (c->jobs) {
      Job *j = c->jobs;
      c->jobs = j->link;
      c->st.pending--;
      pthread_mutex_unlock (&c->lock);
      c->clip_first = j->first;
      report_failure (c, j, j->first, j->last, "no frame has arrived");
      job_free (j);
      pthread_mutex_lock (&c->lock);
    }
  }
  pthread_cond_signal (&c->wake);
  while (c->jobs || c->busy)
    pthread_cond_wait (&c->idle, &c->lock);
  c->finishing = 0;
  pthread_mutex_unlock (&c->lock);
}

/* Whether the writer has something to write now. Called with the lock. */
static int
behind (TierClipper *c)
{
  const Job *j;

  if (c->busy)
    return 1;
  for (j = c->jobs; j && c->have_newest; j = j->link)
    if (j->next <= j->last && j->next <= c->newest && j->next >= j->first)
      return 1;
  return 0;
}

void
tier_clipper_drain (TierClipper *c)
{
  pthread_mutex_lock (&c->lock);
  pthread_cond_signal (&c->wake);
  while (behind (c))
    pthread_cond_wait (&c->idle, &c->lock);
  pthread_mutex_unlock (&c->lock);
}

void
tier_clipper_get_stats (TierClipper *c, TierClipperStats *stats)
{
  pthread_mutex_lock (&c->lock);
  *stats = c->st;
  pthread_mutex_unlock (&c->lock);
}

void
tier_clipper_free (TierClipper *c)
{
  if (c == NULL)
    return;
  tier_clipper_finish (c);
  pthread_mutex_lock (&c->lock);
  c->quit = 1;
  pthread_cond_signal (&c->wake);
  pthread_mutex_unlock (&c->lock);
  pthread_join (c->thread, NULL);
  pthread_mutex_destroy (&c->lock);
  pthread_cond_destroy (&c->wake);
  pthread_cond_destroy (&c->idle);
  free (c->location);
  free (c);
}
