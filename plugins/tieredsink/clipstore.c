/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: event clips: a directory with the frames (zstd records) and
 * a JSON sidecar, written under a temporary name and renamed. */
#include "clipstore.h"

#include "coreutil.h"
#include "tierrecord.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct TierClipWriter {
  TierClipConfig cfg;
  char *location, *name, *format, *detection, *continues;
  uint64_t first, last, missing;
  char tmp[4096], final[4096];
  int fd;
  uint64_t size; /* of frames.mtrs */
  TierCodec *codec;
  TierClipFrame *frames;
  size_t n, cap;
  uint64_t raw_bytes;
};

/* ---- a growing text buffer ---- */

typedef struct {
  char *p;
  size_t len, cap;
} Buf;

static void __attribute__ ((format (printf, 2, 3)))
buf_printf (Buf *b, const char *fmt, ...)
{
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vsnprintf (NULL, 0, fmt, ap);
  va_end (ap);
  b->p = meteor_grow (b->p, &b->cap, b->len + (size_t)n + 1, 1);
  va_start (ap, fmt);
  vsnprintf (b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end (ap);
  b->len += (size_t)n;
}

static void
buf_json_string (Buf *b, const char *s)
{
  buf_printf (b, "\"");
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      buf_printf (b, "\\%c", c);
    else if (c == '\n')
      buf_printf (b, "\\n");
    else if (c == '\t')
      buf_printf (b, "\\t");
    else if (c < 0x20)
      buf_printf (b, "\\u%04x", c);
    else
      buf_printf (b, "%c", c);
  }
  buf_printf (b, "\"");
}

/* ---- writer ---- */

static int
valid_name (const char *name)
{
  const char *p;

  if (name == NULL || name[0] == '\0' || name[0] == '.' || strlen (name) > 200)
    return 0;
  for (p = name; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || strchr ("._:+-", *p)))
      return 0;
  return 1;
}

static void
writer_free (TierClipWriter *clip)
{
  if (clip->fd >= 0)
    close (clip->fd);
  tier_codec_free (clip->codec);
  free (clip->frames);
  free (clip->location);
  free (clip->name);
  free (clip->format);
  free (clip->detection);
  free (clip->continues);
  free (clip);
}

TierClipWriter *
tier_clip_begin (const TierClipConfig *config, char *error, size_t error_len)
{
  TierClipWriter *clip;
  struct stat st;
  char path[4300];
  uint8_t *head;
  size_t len;
  const char *format = config->format ? config->format : "";

  if (!valid_name (config->name)) {
    snprintf (error, error_len,
        "bad clip name \"%s\" (letters, digits and ._:+- only, not starting "
        "with a dot)",
        config->name ? config->name : "");
    return NULL;
  }
  if (config->location == NULL || config->location[0] == '\0') {
    snprintf (error, error_len, "no clip location given");
    return NULL;
  }
  if (strlen (format) >= TIER_FORMAT_MAX ||
      config->n_planes > TIER_CLIP_MAX_PLANES) {
    snprintf (
        error, error_len, "clip %s: format or layout too long", config->name);
    return NULL;
  }
  if (mkdir (config->location, 0755) < 0 && errno != EEXIST) {
    snprintf (error, error_len, "cannot create clip location %s: %s",
        config->location, strerror (errno));
    return NULL;
  }
  clip = calloc (1, sizeof *clip);
  if (clip == NULL)
    abort ();
  clip->cfg = *config;
  clip->fd = -1;
  clip->location = strdup (config->location);
  clip->name = strdup (config->name);
  clip->format = strdup (format);
  clip->detection = strdup (config->detection ? config->detection : "");
  snprintf (clip->tmp, sizeof clip->tmp, "%s/.%s.partial", config->location,
      config->name);
  snprintf (
      clip->final, sizeof clip->final, "%s/%s", config->location, config->name);
  if (stat (clip->final, &st) == 0) {
    snprintf (error, error_len, "clip %s already exists", clip->final);
    goto fail;
  }
  tier_remove_tree (clip->tmp); /* a stale one of an earlier crash */
  if (mkdir (clip->tmp, 0755) < 0) {
    snprintf (error, error_len, "cannot create clip directory %s: %s",
        clip->tmp, strerror (errno));
    goto fail;
  }
  snprintf (path, sizeof path, "%s/%s", clip->tmp, TIER_CLIP_FRAMES_FILE);
  clip->fd = open (path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (clip->fd < 0) {
    snprintf (error, error_len, "cannot create %s: %s", path, strerror (errno));
    goto fail_rm;
  }
  head = malloc (TIER_SEG_HEADER + strlen (format));
  if (head == NULL)
    abort ();
  len = tier_seg_header_encode (head, 0, tier_now_ns (), format);
  if (tier_io_write_all (config->io, clip->fd, head, len) < 0) {
    snprintf (error, error_len, "cannot write %s: %s", path, strerror (errno));
    free (head);
    goto fail_rm;
  }
  free (head);
  clip->size = len;
  clip->codec = tier_codec_new (config->level);
  return clip;

fail_rm:
  tier_remove_tree (clip->tmp);
fail:
  writer_free (clip);
  return NULL;
}

/* Appends record @buf (@len bytes) of frame @rec. */
static int
append_record (TierClipWriter *clip, const TierRecord *rec, const uint8_t *buf,
    size_t len, char *error, size_t error_len)
{
  TierClipFrame *f;

  if (tier_io_write_all (clip->cfg.io, clip->fd, buf, len) < 0) {
    int saved = errno;
    if (ftruncate (clip->fd, (off_t)clip->size) == 0)
      lseek (clip->fd, (off_t)clip->size, SEEK_SET);
    METEOR_CHECK (0, "cannot write frame %" PRIu64 " of clip %s/%s: %s",
        rec->frame_id, clip->tmp, TIER_CLIP_FRAMES_FILE, strerror (saved));
  }
  clip->frames =
      meteor_grow (clip->frames, &clip->cap, clip->n + 1, sizeof *clip->frames);
  f = &clip->frames[clip->n++];
  f->frame_id = rec->frame_id;
  f->pts_ns = rec->pts_ns;
  f->utc_ns = rec->utc_ns;
  f->size = rec->size;
  f->offset = clip->size;
  f->meta_len = rec->meta_len;
  if (rec->meta_len)
    memcpy (f->meta, rec->meta, rec->meta_len);
  clip->size += len;
  clip->raw_bytes += rec->size;
  return 0;
}

int
tier_clip_add (
    TierClipWriter *clip, const TierRecord *rec, char *error, size_t error_len)
{
  const uint8_t *buf;
  size_t len;

  if (tier_codec_encode (clip->codec, rec, &buf, &len, error, error_len) < 0)
    return -1;
  return append_record (clip, rec, buf, len, error, error_len);
}

int
tier_clip_add_record (TierClipWriter *clip, const uint8_t *record, size_t len,
    char *error, size_t error_len)
{
  TierRecHeader h;
  TierRecord rec = { 0 };

  METEOR_CHECK (len >= TIER_REC_HEADER && tier_rec_parse (record, &h) == 0 &&
                    tier_rec_length (&h) == len &&
                    tier_rec_check (record, &h) == 0,
      "clip %s: a record handed over does not check out", clip->tmp);
  rec.frame_id = h.frame_id;
  rec.pts_ns = h.pts_ns;
  rec.utc_ns = h.utc_ns;
  rec.meta = record + TIER_REC_HEADER;
  rec.meta_len = h.meta_len;
  rec.size = h.raw_len;
  return append_record (clip, &rec, record, len, error, error_len);
}

static void
sidecar (TierClipWriter *clip, Buf *b)
{
  size_t i, j;

  buf_printf (b, "{\n  \"version\": 1,\n  \"name\": ");
  buf_json_string (b, clip->name);
  buf_printf (b, ",\n  \"format\": ");
  buf_json_string (b, clip->format);
  buf_printf (b, ",\n  \"frames_file\": \"%s\",\n", TIER_CLIP_FRAMES_FILE);
  buf_printf (b, "  \"frames\": %zu,\n  \"raw_bytes\": %" PRIu64 ",\n", clip->n,
      clip->raw_bytes);
  if (clip->cfg.n_planes) {
    buf_printf (b, "  \"plane_offsets\": [");
    for (j = 0; j < clip->cfg.n_planes; j++)
      buf_printf (b, "%s%" PRIu64, j ? ", " : "", clip->cfg.offset[j]);
    buf_printf (b, "],\n  \"plane_strides\": [");
    for (j = 0; j < clip->cfg.n_planes; j++)
      buf_printf (b, "%s%u", j ? ", " : "", clip->cfg.stride[j]);
    buf_printf (b, "],\n");
  }
  if (clip->continues && clip->continues[0]) {
    buf_printf (b, "  \"continues\": ");
    buf_json_string (b, clip->continues);
    buf_printf (b, ",\n");
  }
  if (clip->last >= clip->first && clip->last) {
    buf_printf (b,
        "  \"first_frame\": %" PRIu64 ",\n  \"last_frame\": %" PRIu64
        ",\n  \"missing_frames\": %" PRIu64 ",\n",
        clip->first, clip->last, clip->missing);
  }
  buf_printf (b, "  \"detection\": ");
  buf_json_string (b, clip->detection);
  buf_printf (b, ",\n  \"frame_list\": [\n");
  for (i = 0; i < clip->n; i++) {
    const TierClipFrame *f = &clip->frames[i];
    buf_printf (b, "    {\"frame_id\": %" PRIu64 ", \"pts_ns\": ", f->frame_id);
    if (f->pts_ns == TIER_TIME_NONE)
      buf_printf (b, "null");
    else
      buf_printf (b, "%" PRIu64, f->pts_ns);
    buf_printf (b,
        ", \"utc_ns\": %" PRIu64 ", \"size\": %zu, \"offset\": %" PRIu64
        ", \"meta\": \"",
        f->utc_ns, f->size, f->offset);
    for (j = 0; j < f->meta_len; j++)
      buf_printf (b, "%02x", f->meta[j]);
    buf_printf (b, "\"}%s\n", i + 1 < clip->n ? "," : "");
  }
  buf_printf (b, "  ]\n}\n");
}

size_t
tier_clip_n_frames (TierClipWriter *clip)
{
  return clip->n;
}

static char *
replace_str (char *old, const char *s)
{
  char *r = strdup (s);

  if (r == NULL)
    abort ();
  free (old);
  return r;
}

int
tier_clip_commit_final (TierClipWriter *clip, const TierClipFinal *final,
    TierClipResult *result, char *error, size_t error_len)
{
  if (final->name && strcmp (final->name, clip->name) != 0) {
    struct stat st;
    char path[4096];

    if (!valid_name (final->name)) {
      snprintf (error, error_len, "bad clip name \"%s\"", final->name);
      return -1;
    }
    snprintf (path, sizeof path, "%s/%s", clip->location, final->name);
    if (stat (path, &st) == 0) {
      snprintf (error, error_len, "clip %s already exists", path);
      return -1;
    }
    clip->name = replace_str (clip->name, final->name);
    snprintf (clip->final, sizeof clip->final, "%s", path);
  }
  if (final->detection)
    clip->detection = replace_str (clip->detection, final->detection);
  if (final->continues)
    clip->continues = replace_str (clip->continues, final->continues);
  clip->first = final->first;
  clip->last = final->last;
  clip->missing = final->missing;
  return tier_clip_commit (clip, result, error, error_len);
}

int
tier_clip_commit (
    TierClipWriter *clip, TierClipResult *result, char *error, size_t error_len)
{
  const TierIo *io = clip->cfg.io;
  char path[4300];
  Buf b = { 0 };
  int fd = -1, saved;

  if (tier_io_fsync (io, clip->fd) < 0) {
    snprintf (error, error_len, "cannot sync clip %s: %s", clip->tmp,
        strerror (errno));
    goto fail;
  }
  sidecar (clip, &b);
  snprintf (path, sizeof path, "%s/%s", clip->tmp, TIER_CLIP_SIDECAR);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || tier_io_write_all (io, fd, b.p, b.len) < 0 ||
      tier_io_fsync (io, fd) < 0) {
    snprintf (error, error_len, "cannot write %s: %s", path, strerror (errno));
    goto fail;
  }
  close (fd);
  fd = -1;
  if (tier_fsync_dir (io, clip->tmp) < 0 ||
      rename (clip->tmp, clip->final) < 0 ||
      tier_fsync_dir (io, clip->location) < 0) {
    saved = errno;
    snprintf (error, error_len, "cannot commit clip %s: %s", clip->final,
        strerror (saved));
    if (access (clip->final, F_OK) == 0)
      tier_remove_tree (clip->final);
    goto fail;
  }
  if (result) {
    snprintf (result->path, sizeof result->path, "%s", clip->final);
    result->frames = clip->n;
    result->raw_bytes = clip->raw_bytes;
    result->disk_bytes = clip->size + b.len;
  }
  free (b.p);
  writer_free (clip);
  return 0;

fail:
  saved = errno;
  if (fd >= 0)
    close (fd);
  free (b.p);
  errno = saved;
  return -1;
}

void
tier_clip_abort (TierClipWriter *clip)
{
  if (clip == NULL)
    return;
  tier_remove_tree (clip->tmp);
  writer_free (clip);
}

int
tier_clip_recover (const char *location, TierWarnFunc warn, void *user_data)
{
  DIR *d = opendir (location);
  struct dirent *de;
  char path[4300];
  int count = 0;
  size_t len;

  while (d && (de = readdir (d)) != NULL) {
    len = strlen (de->d_name);
    if (de->d_name[0] != '.' || len < 9 ||
        strcmp (de->d_name + len - 8, ".partial") != 0)
      continue;
    snprintf (path, sizeof path, "%s/%s", location, de->d_name);
    tier_remove_tree (path);
    tier_warn (warn, user_data,
        "removed the unfinished clip %s (the writer stopped before its "
        "commit)",
        path);
    count++;
  }
  if (d)
    closedir (d);
  return count;
}

/* ---- reader ---- */

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

int
tier_clip_list (const char *location, char ***names, size_t *n, char *error,
    size_t error_len)
{
  DIR *d = opendir (location);
  struct dirent *de;
  char path[4300];
  struct stat st;
  size_t cap = 0;

  *names = NULL;
  *n = 0;
  METEOR_CHECK (d != NULL, "cannot read clip location %s: %s", location,
      strerror (errno));
  while ((de = readdir (d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    snprintf (
        path, sizeof path, "%s/%s/%s", location, de->d_name, TIER_CLIP_SIDECAR);
    if (stat (path, &st) < 0 || !S_ISREG (st.st_mode))
      continue;
    *names = meteor_grow (*names, &cap, *n + 1, sizeof **names);
    (*names)[(*n)++] = strdup (de->d_name);
  }
  closedir (d);
  if (*n)
    qsort (*names, *n, sizeof **names, cmp_str);
  return 0;
}

/* The value of top-level key @key of our own sidecar (one key a line):
 * a JSON string (unescaped, malloc'd) or, with @raw, the text up to the
 * end of the line. NULL if absent or malformed. */
static char *
sidecar_value (const char *text, const char *key, int raw)
{
  char pat[64];
  const char *p, *s;
  Buf b = { 0 };

  snprintf (pat, sizeof pat, "\n  \"%s\": ", key);
  p = strstr (text, pat);
  if (p == NULL)
    return NULL;
  p += strlen (pat);
  if (raw) {
    s = strchr (p, '\n');
    if (s == NULL)
      return NULL;
    buf_printf (&b, "%.*s", (int)(s - p), p);
    return b.p;
  }
  if (*p++ != '"')
    return NULL;
  buf_printf (&b, "%s", "");
  for (s = p; *s && *s != '"'; s++) {
    if (*s != '\\') {
      buf_printf (&b, "%c", *s);
      continue;
    }
    s++;
    if (*s == 'n')
      buf_printf (&b, "\n");
    else if (*s == 't')
      buf_printf (&b, "\t");
    else if (*s == 'u' && strlen (s) >= 5) {
      buf_printf (&b, "%c",
          (char)strtol ((char[]){ s[1], s[2], s[3], s[4], 0 }, NULL, 16));
      s += 4;
    } else if (*s)
      buf_printf (&b, "%c", *s);
    else
      break;
  }
  if (*s != '"') {
    free (b.p);
    return NULL;
  }
  return b.p;
}

static uint32_t
parse_list (const char *text, uint64_t *vals, uint32_t max)
{
  uint32_t n = 0;
  char *end;

  if (text == NULL || *text++ != '[')
    return 0;
  while (n < max && *text && *text != ']') {
    vals[n++] = strtoull (text, &end, 10);
    if (end == text)
      return 0;
    text = end;
    while (*text == ',' || *text == ' ')
      text++;
  }
  return n;
}

typedef struct {
  TierClip *clip;
  size_t cap;
} ScanCtx;

static int
scan_frame (void *user_data, const TierRecHeader *h, uint64_t offset,
    const uint8_t *rec)
{
  ScanCtx *ctx = user_data;
  TierClip *clip = ctx->clip;
  TierClipFrame *f;

  clip->frames = meteor_grow (
      clip->frames, &ctx->cap, clip->n_frames + 1, sizeof *clip->frames);
  f = &clip->frames[clip->n_frames++];
  f->frame_id = h->frame_id;
  f->pts_ns = h->pts_ns;
  f->utc_ns = h->utc_ns;
  f->size = h->raw_len;
  f->offset = offset;
  f->meta_len = h->meta_len;
  memcpy (f->meta, rec + TIER_REC_HEADER, h->meta_len);
  clip->raw_bytes += h->raw_len;
  return 0;
}

/* The record offsets the sidecar's frame list names, in order. */
static uint64_t *
sidecar_offsets (const char *text, size_t *n)
{
  const char *p = strstr (text, "\"frame_list\"");
  uint64_t *offs = NULL;
  size_t cap = 0;

  *n = 0;
  while (p && (p = strstr (p, "\"offset\": ")) != NULL) {
    p += strlen ("\"offset\": ");
    offs = meteor_grow (offs, &cap, *n + 1, sizeof *offs);
    offs[(*n)++] = strtoull (p, NULL, 10);
  }
  return offs;
}

/* After a bad record, the good ones the sidecar knows of further on. */
static void
salvage_frames (TierClip *clip, const char *text, ScanCtx *ctx)
{
  size_t n, i;
  uint64_t *offs = sidecar_offsets (text, &n);
  uint64_t good_end =
      clip->n_frames ? clip->frames[clip->n_frames - 1].offset + 1 : 0;
  char msg[256];

  for (i = 0; i < n; i++) {
    TierRecHeader h;
    const uint8_t *rec;

    if (offs[i] < good_end)
      continue;
    if (tier_codec_read (clip->codec, clip->fd, offs[i], clip->file_size, &h,
            &rec, msg, sizeof msg) == 0)
      scan_frame (ctx, &h, offs[i], rec);
  }
  free (offs);
}

TierClip *
tier_clip_open (const char *path, char *error, size_t error_len)
{
  return tier_clip_open_salvage (path, NULL, error, error_len);
}

TierClip *
tier_clip_open_salvage (
    const char *path, size_t *n_lost, char *error, size_t error_len)
{
  TierClip *clip = calloc (1, sizeof *clip);
  char file[4300], *text = NULL, *v, msg[256];
  struct stat st;
  uint64_t seq, vals[TIER_CLIP_MAX_PLANES], nframes;
  ScanCtx ctx = { clip, 0 };
  int64_t hl, end;
  FILE *f;
  uint32_t n;

  if (clip == NULL)
    abort ();
  clip->fd = -1;
  clip->path = strdup (path);
  snprintf (file, sizeof file, "%s/%s", path, TIER_CLIP_SIDECAR);
  f = fopen (file, "rb");
  if (f == NULL || fstat (fileno (f), &st) < 0 || st.st_size > (64 << 20)) {
    snprintf (error, error_len, "cannot read %s: %s", file,
        f ? "too large" : strerror (errno));
    if (f)
      fclose (f);
    goto fail;
  }
  text = calloc (1, (size_t)st.st_size + 2);
  if (text == NULL)
    abort ();
  text[0] = '\n';
  if (fread (text + 1, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
    snprintf (error, error_len, "cannot read %s", file);
    fclose (f);
    goto fail;
  }
  fclose (f);
  clip->name = sidecar_value (text, "name", 0);
  clip->detection = sidecar_value (text, "detection", 0);
  v = sidecar_value (text, "frames", 1);
  nframes = v ? strtoull (v, NULL, 10) : UINT64_MAX;
  free (v);
  if (clip->name == NULL || clip->detection == NULL || nframes == UINT64_MAX) {
    snprintf (error, error_len,
        "%s is not a clip sidecar (no name, frames "
        "or detection)",
        file);
    goto fail;
  }
  clip->continues = sidecar_value (text, "continues", 0);
  if (clip->continues == NULL)
    clip->continues = strdup ("");
  v = sidecar_value (text, "first_frame", 1);
  clip->first = v ? strtoull (v, NULL, 10) : 0;
  free (v);
  v = sidecar_value (text, "last_frame", 1);
  clip->last = v ? strtoull (v, NULL, 10) : 0;
  free (v);
  v = sidecar_value (text, "missing_frames", 1);
  clip->missing = v ? strtoull (v, NULL, 10) : 0;
  free (v);
  v = sidecar_value (text, "plane_offsets", 1);
  n = parse_list (v, clip->offset, TIER_CLIP_MAX_PLANES);
  free (v);
  v = sidecar_value (text, "plane_strides", 1);
  if (n && parse_list (v, vals, TIER_CLIP_MAX_PLANES) == n) {
    uint32_t i;
    clip->n_planes = n;
    for (i = 0; i < n; i++)
      clip->stride[i] = (uint32_t)vals[i];
  }
  free (v);

  snprintf (file, sizeof file, "%s/%s", path, TIER_CLIP_FRAMES_FILE);
  clip->fd = open (file, O_RDONLY | O_CLOEXEC);
  if (clip->fd < 0 || fstat (clip->fd, &st) < 0) {
    snprintf (error, error_len, "cannot open %s: %s", file, strerror (errno));
    goto fail;
  }
  clip->file_size = (uint64_t)st.st_size;
  hl = tier_seg_header_read (clip->fd, &seq, &clip->format, msg, sizeof msg);
  if (hl < 0) {
    snprintf (error, error_len, "%s: %s", file, msg);
    goto fail;
  }
  clip->codec = tier_codec_new (0);
  end = tier_seg_scan (clip->codec, clip->fd, (uint64_t)hl, clip->file_size,
      scan_frame, &ctx, msg, sizeof msg);
  if (end != (int64_t)clip->file_size || clip->n_frames != nframes) {
    snprintf (error, error_len,
        "%s is damaged: %zu good frames of %" PRIu64 " (bad record at %" PRId64
        ")",
        file, clip->n_frames, nframes, end);
    if (n_lost == NULL)
      goto fail;
    salvage_frames (clip, text, &ctx);
    *n_lost = nframes > clip->n_frames ? nframes - clip->n_frames : 0;
  } else if (n_lost) {
    *n_lost = 0;
  }
  free (text);
  return clip;

fail:
  free (text);
  tier_clip_close (clip);
  return NULL;
}

int
tier_clip_read_frame (TierClip *clip, size_t index, void *dst, size_t dst_size,
    char *error, size_t error_len)
{
  TierRecHeader h;
  const uint8_t *rec;
  char msg[256];

  METEOR_CHECK (
      index < clip->n_frames, "clip %s has no frame %zu", clip->path, index);
  if (tier_codec_read (clip->codec, clip->fd, clip->frames[index].offset,
          clip->file_size, &h, &rec, msg, sizeof msg) < 0 ||
      tier_codec_decode (clip->codec, rec, &h, dst, dst_size, msg, sizeof msg) <
          0)
    METEOR_CHECK (0, "clip %s: %s", clip->path, msg);
  return 0;
}

void
tier_clip_close (TierClip *clip)
{
  if (clip == NULL)
    return;
  if (clip->fd >= 0)
    close (clip->fd);
  tier_codec_free (clip->codec);
  free (clip->frames);
  free (clip->path);
  free (clip->name);
  free (clip->format);
  free (clip->detection);
  free (clip->continues);
  free (clip);
}
