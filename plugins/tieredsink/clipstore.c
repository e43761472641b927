/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: event clips: a directory with the frames (zstd records) and
 * a JSON sidecar, written under a temporary name and renamed. */
#include "clipstore.h"

#include "coreutil.h"
#include "tierrecord.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
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

/* JSON numbers are gint64 in json-glib: a value above INT64_MAX (in
 * practice only an unknown utc_ns) is written as its two's complement,
 * negative, and member_u64 reads it back as it was. */
static void
add_u64 (JsonBuilder *b, const char *key, uint64_t v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, (gint64)v);
}

static void
add_string (JsonBuilder *b, const char *key, const char *v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, v);
}

static void
add_frame (JsonBuilder *b, const TierClipFrame *f)
{
  static const char digits[] = "0123456789abcdef";
  char meta[2 * TIER_META_MAX + 1];
  size_t j;

  for (j = 0; j < f->meta_len; j++) {
    meta[2 * j] = digits[f->meta[j] >> 4];
    meta[2 * j + 1] = digits[f->meta[j] & 0xf];
  }
  meta[2 * j] = '\0';
  json_builder_begin_object (b);
  add_u64 (b, "frame_id", f->frame_id);
  json_builder_set_member_name (b, "pts_ns");
  if (f->pts_ns == TIER_TIME_NONE)
    json_builder_add_null_value (b);
  else
    json_builder_add_int_value (b, (gint64)f->pts_ns);
  add_u64 (b, "utc_ns", f->utc_ns);
  add_u64 (b, "size", f->size);
  add_u64 (b, "offset", f->offset);
  add_string (b, "meta", meta);
  json_builder_end_object (b);
}

/* The sidecar's text: pretty-printed JSON and a final newline. */
static GString *
sidecar (TierClipWriter *clip)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  GString *text;
  size_t i;

  json_builder_begin_object (b);
  add_u64 (b, "version", 1);
  add_string (b, "name", clip->name);
  add_string (b, "format", clip->format);
  add_string (b, "frames_file", TIER_CLIP_FRAMES_FILE);
  add_u64 (b, "frames", clip->n);
  add_u64 (b, "raw_bytes", clip->raw_bytes);
  if (clip->cfg.n_planes) {
    json_builder_set_member_name (b, "plane_offsets");
    json_builder_begin_array (b);
    for (i = 0; i < clip->cfg.n_planes; i++)
      json_builder_add_int_value (b, (gint64)clip->cfg.offset[i]);
    json_builder_end_array (b);
    json_builder_set_member_name (b, "plane_strides");
    json_builder_begin_array (b);
    for (i = 0; i < clip->cfg.n_planes; i++)
      json_builder_add_int_value (b, clip->cfg.stride[i]);
    json_builder_end_array (b);
  }
  if (clip->continues && clip->continues[0])
    add_string (b, "continues", clip->continues);
  if (clip->last >= clip->first && clip->last) {
    add_u64 (b, "first_frame", clip->first);
    add_u64 (b, "last_frame", clip->last);
    add_u64 (b, "missing_frames", clip->missing);
  }
  add_string (b, "detection", clip->detection);
  json_builder_set_member_name (b, "frame_list");
  json_builder_begin_array (b);
  for (i = 0; i < clip->n; i++)
    add_frame (b, &clip->frames[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  text = json_generator_to_gstring (gen, g_string_new (NULL));
  g_string_append_c (text, '\n');
  return text;
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
  GString *b = NULL;
  int fd = -1, saved;

  if (tier_io_fsync (io, clip->fd) < 0) {
    snprintf (error, error_len, "cannot sync clip %s: %s", clip->tmp,
        strerror (errno));
    goto fail;
  }
  b = sidecar (clip);
  snprintf (path, sizeof path, "%s/%s", clip->tmp, TIER_CLIP_SIDECAR);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || tier_io_write_all (io, fd, b->str, b->len) < 0 ||
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
    result->disk_bytes = clip->size + b->len;
  }
  g_string_free (b, TRUE);
  writer_free (clip);
  return 0;

fail:
  saved = errno;
  if (fd >= 0)
    close (fd);
  if (b)
    g_string_free (b, TRUE);
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

/* json-glib 1.6 parses nested arrays and objects recursively with no
 * limit (100,000 '[' overflow the stack) and also takes '...' strings and
 * comments, which JSON has not. A sidecar nests 3 deep and has neither:
 * deeper than this, or either, is damage. */
#define SIDECAR_MAX_DEPTH 32

static int
sidecar_shape_ok (const char *text, size_t len)
{
  int depth = 0, in_string = 0;
  size_t i;

  for (i = 0; i < len; i++) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = 0;
    } else if (c == '"') {
      in_string = 1;
    } else if (c == '\'' || c == '/') {
      return 0;
    } else if (c == '[' || c == '{') {
      if (++depth > SIDECAR_MAX_DEPTH)
        return 0;
    } else if ((c == ']' || c == '}') && --depth < 0) {
      return 0;
    }
  }
  return 1;
}

/* Member @key of @o if it is a value of type @type, else NULL: a sidecar
 * may be damaged, and json_object_get_*_member warn on a missing or
 * mistyped member. */
static JsonNode *
member_of_type (JsonObject *o, const char *key, GType type)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != type)
    return NULL;
  return n;
}

static const char *
member_string (JsonObject *o, const char *key)
{
  JsonNode *n = member_of_type (o, key, G_TYPE_STRING);

  return n ? json_node_get_string (n) : NULL;
}

/* 1 with *@v if member @key is an integer, read as add_u64 wrote it */
static int
member_u64 (JsonObject *o, const char *key, uint64_t *v)
{
  JsonNode *n = member_of_type (o, key, G_TYPE_INT64);

  if (n == NULL)
    return 0;
  *v = (uint64_t)json_node_get_int (n);
  return 1;
}

/* The integers of array member @key: their number, 0 if it is missing,
 * holds anything else or more than @max. */
static uint32_t
member_list (JsonObject *o, const char *key, uint64_t *vals, uint32_t max)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;
  JsonArray *a;
  guint len, i;

  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    return 0;
  a = json_node_get_array (n);
  len = json_array_get_length (a);
  if (len > max)
    return 0;
  for (i = 0; i < len; i++) {
    JsonNode *e = json_array_get_element (a, i);
    if (!JSON_NODE_HOLDS_VALUE (e) ||
        json_node_get_value_type (e) != G_TYPE_INT64)
      return 0;
    vals[i] = (uint64_t)json_node_get_int (e);
  }
  return len;
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

/* After a bad record, the good ones further on at the offsets the
 * sidecar's frame list names. */
static void
salvage_frames (TierClip *clip, JsonObject *sidecar, ScanCtx *ctx)
{
  JsonNode *list = json_object_get_member (sidecar, "frame_list");
  uint64_t good_end =
      clip->n_frames ? clip->frames[clip->n_frames - 1].offset + 1 : 0;
  char msg[256];
  JsonArray *a;
  guint n, i;

  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    return;
  a = json_node_get_array (list);
  n = json_array_get_length (a);
  for (i = 0; i < n; i++) {
    JsonNode *e = json_array_get_element (a, i);
    TierRecHeader h;
    const uint8_t *rec;
    uint64_t off;

    if (!JSON_NODE_HOLDS_OBJECT (e) ||
        !member_u64 (json_node_get_object (e), "offset", &off) ||
        off < good_end)
      continue;
    if (tier_codec_read (clip->codec, clip->fd, off, clip->file_size, &h, &rec,
            msg, sizeof msg) == 0)
      scan_frame (ctx, &h, off, rec);
  }
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
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) gerr = NULL;
  JsonObject *sidecar = NULL;
  JsonNode *root;
  char file[4300], *text = NULL, msg[256];
  const char *name, *detection, *continues;
  struct stat st;
  uint64_t seq, vals[TIER_CLIP_MAX_PLANES], nframes = 0;
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
  text = malloc ((size_t)st.st_size + 1);
  if (text == NULL)
    abort ();
  if (fread (text, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
    snprintf (error, error_len, "cannot read %s", file);
    fclose (f);
    goto fail;
  }
  fclose (f);
  if (!sidecar_shape_ok (text, (size_t)st.st_size)) {
    snprintf (error, error_len,
        "%s is not a clip sidecar (not plain JSON, or nested too deep)", file);
    goto fail;
  }
  if (!json_parser_load_from_data (parser, text, (gssize)st.st_size, &gerr)) {
    snprintf (
        error, error_len, "%s is not a clip sidecar: %s", file, gerr->message);
    goto fail;
  }
  root = json_parser_get_root (parser);
  if (root && JSON_NODE_HOLDS_OBJECT (root))
    sidecar = json_node_get_object (root);
  name = member_string (sidecar, "name");
  detection = member_string (sidecar, "detection");
  /* a negative count is no count */
  if (name == NULL || detection == NULL ||
      !member_u64 (sidecar, "frames", &nframes) || nframes > INT64_MAX) {
    snprintf (error, error_len,
        "%s is not a clip sidecar (no name, frames or detection)", file);
    goto fail;
  }
  clip->name = strdup (name);
  clip->detection = strdup (detection);
  continues = member_string (sidecar, "continues");
  clip->continues = strdup (continues ? continues : "");
  /* absent in clips older than these keys: 0 */
  member_u64 (sidecar, "first_frame", &clip->first);
  member_u64 (sidecar, "last_frame", &clip->last);
  member_u64 (sidecar, "missing_frames", &clip->missing);
  n = member_list (
      sidecar, "plane_offsets", clip->offset, TIER_CLIP_MAX_PLANES);
  if (n &&
      member_list (sidecar, "plane_strides", vals, TIER_CLIP_MAX_PLANES) == n) {
    uint32_t i;
    clip->n_planes = n;
    for (i = 0; i < n; i++)
      clip->stride[i] = (uint32_t)vals[i];
  }

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
    salvage_frames (clip, sidecar, &ctx);
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
