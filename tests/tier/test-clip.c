/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: event clips (atomic directory, sidecar, reader) and the
 * meteor-clip exports (y4m, PNG, FITS) for every supported raw format.
 * Plain C, no GStreamer. */
#include "clipexport.h"
#include "clipstore.h"
#include "minitest.h"
#include "tiertest.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <png.h>

#define W 5
#define H 3
#define NF 3

static int
exists (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0;
}

static TierClipWriter *
begin (const char *loc, const char *name, const char *caps, const TierIo *io,
    char *err, size_t len)
{
  TierClipConfig cfg = { 0 };

  cfg.location = loc;
  cfg.name = name;
  cfg.format = caps;
  cfg.detection = "meteor-detected, id=(uint)7, note=\"a \\\"quoted\\\" "
                  "word\"\nline two";
  cfg.io = io;
  return tier_clip_begin (&cfg, err, len);
}

static void
test_write_read (void)
{
  char *loc = tt_mkdtemp ("clip");
  char err[512] = "", path[4300], **names;
  TierClipWriter *w =
      begin (loc, "20240101T000000Z-7", "video/x-raw", NULL, err, sizeof err);
  TierClipResult res;
  TierClip *clip;
  size_t n, i;
  uint8_t buf[1000], out[1000];
  char meta[32];

  EXPECT (w != NULL, "%s", err);
  for (i = 0; i < 10; i++) {
    TierRecord rec = tt_record (100 + i, buf, sizeof buf, meta);
    if (i == 3)
      rec.pts_ns = TIER_TIME_NONE;
    EXPECT (tier_clip_add (w, &rec, err, sizeof err) == 0, "%s", err);
  }
  snprintf (path, sizeof path, "%s/20240101T000000Z-7", loc);
  EXPECT (!exists (path), "nothing visible before the commit");
  EXPECT (tier_clip_list (loc, &names, &n, err, sizeof err) == 0 && n == 0,
      "list before commit: %zu", n);
  free (names);
  EXPECT (tier_clip_commit (w, &res, err, sizeof err) == 0, "%s", err);
  EXPECT (res.frames == 10 && res.raw_bytes == 10000 &&
              strcmp (res.path, path) == 0 && res.disk_bytes > 0,
      "result %llu frames at %s", (unsigned long long)res.frames, res.path);
  EXPECT (tier_clip_list (loc, &names, &n, err, sizeof err) == 0 && n == 1 &&
              strcmp (names[0], "20240101T000000Z-7") == 0,
      "list: %zu", n);
  for (i = 0; i < n; i++)
    free (names[i]);
  free (names);
  clip = tier_clip_open (path, err, sizeof err);
  EXPECT (clip != NULL, "%s", err);
  if (clip == NULL)
    goto out;
  EXPECT (clip->n_frames == 10 && strcmp (clip->format, "video/x-raw") == 0 &&
              strcmp (clip->name, "20240101T000000Z-7") == 0,
      "%zu frames, %s", clip->n_frames, clip->format);
  EXPECT (strcmp (clip->detection, "meteor-detected, id=(uint)7, note=\"a "
                                   "\\\"quoted\\\" word\"\nline two") == 0,
      "detection round-trips: %s", clip->detection);
  for (i = 0; i < 10; i++) {
    snprintf (meta, sizeof meta, "meta-%zu", 100 + i);
    EXPECT (clip->frames[i].frame_id == 100 + i &&
                clip->frames[i].size == 1000 &&
                clip->frames[i].meta_len == strlen (meta) &&
                memcmp (clip->frames[i].meta, meta, strlen (meta)) == 0 &&
                clip->frames[i].pts_ns ==
                    (i == 3 ? TIER_TIME_NONE : (100 + i) * 40000000u),
        "frame %zu", i);
    EXPECT (
        tier_clip_read_frame (clip, i, out, sizeof out, err, sizeof err) == 0 &&
            tt_check (out, 1000, 100 + i),
        "pixels of frame %zu: %s", i, err);
  }
  tier_clip_close (clip);
  /* the same name again */
  EXPECT (
      begin (loc, "20240101T000000Z-7", "", NULL, err, sizeof err) == NULL &&
          strstr (err, "already exists"),
      "%s", err);
  EXPECT (begin (loc, "../evil", "", NULL, err, sizeof err) == NULL &&
              strstr (err, "bad clip name"),
      "%s", err);
  /* abort leaves nothing */
  w = begin (loc, "aborted", "", NULL, err, sizeof err);
  tier_clip_abort (w);
  snprintf (path, sizeof path, "%s/.aborted.partial", loc);
  EXPECT (!exists (path), "abort removes the partial directory");
out:
  tt_rmdir (loc);
}

static void
put (const char *file, const char *text)
{
  FILE *f = fopen (file, "w");

  EXPECT (
      f && fputs (text, f) >= 0 && fclose (f) == 0, "cannot write %s", file);
}

/* A sidecar that is not one is refused with the file named, never a crash
 * (json-glib would overflow the stack on 100,000 '['); numbers above
 * INT64_MAX round-trip; a sidecar as written before json-glib still reads. */
static void
test_sidecars (void)
{
  static const char *bad[] = { "", "[]", "not json",
    "{\"name\": \"s\", \"frames\": 2,",
    "{\"name\": 5, \"frames\": 2, \"detection\": \"\"}",
    "{\"name\": \"s\", \"frames\": \"2\", \"detection\": \"\"}",
    "{\"name\": \"s\", \"frames\": -1, \"detection\": \"\"}",
    "{\"name\": \"s\", \"frames\": 2, \"detection\": null}",
    "{\"name\": \"s\", \"frames\": 2, \"detection\": ['']}",
    "{\"name\": \"s\", /**/ \"frames\": 2, \"detection\": \"\"}" };
  char *loc = tt_mkdtemp ("clip");
  char err[512] = "", path[4300], file[4400], meta[32], *deep;
  TierClipWriter *w = begin (loc, "s", "video/x-raw", NULL, err, sizeof err);
  TierClipFinal fin = { .first = 5, .last = UINT64_MAX, .missing = 1 };
  uint8_t buf[100];
  TierClip *clip;
  size_t i;

  for (i = 0; i < 2; i++) {
    TierRecord rec = tt_record (i, buf, sizeof buf, meta);
    rec.utc_ns = TIER_TIME_NONE;
    EXPECT (w && tier_clip_add (w, &rec, err, sizeof err) == 0, "%s", err);
  }
  EXPECT (
      tier_clip_commit_final (w, &fin, NULL, err, sizeof err) == 0, "%s", err);
  snprintf (path, sizeof path, "%s/s", loc);
  snprintf (file, sizeof file, "%s/%s", path, TIER_CLIP_SIDECAR);
  clip = tier_clip_open (path, err, sizeof err);
  EXPECT (clip && clip->first == 5 && clip->last == UINT64_MAX &&
              clip->missing == 1 && clip->n_frames == 2,
      "%s", err);
  tier_clip_close (clip);

  for (i = 0; i <= sizeof bad / sizeof *bad; i++) {
    if (i < sizeof bad / sizeof *bad) {
      put (file, bad[i]);
    } else {
      deep = calloc (1, 100010);
      strcpy (deep, "{\"a\": ");
      memset (deep + 6, '[', 100000);
      put (file, deep);
      free (deep);
    }
    clip = tier_clip_open (path, err, sizeof err);
    EXPECT (clip == NULL && strstr (err, file) &&
                strstr (err, "is not a clip sidecar"),
        "sidecar %zu: %s", i, err);
    tier_clip_close (clip);
  }

  put (file, "{\n  \"version\": 1,\n  \"name\": \"s\",\n"
             "  \"format\": \"video/x-raw\",\n"
             "  \"frames_file\": \"frames.mtrs\",\n  \"frames\": 2,\n"
             "  \"raw_bytes\": 200,\n  \"plane_offsets\": [0, 40],\n"
             "  \"plane_strides\": [8, 4],\n  \"continues\": \"r\",\n"
             "  \"first_frame\": 5,\n"
             "  \"last_frame\": 18446744073709551615,\n"
             "  \"missing_frames\": 0,\n  \"detection\": \"d\\n\\\"q\\\"\",\n"
             "  \"frame_list\": [\n"
             "    {\"frame_id\": 0, \"pts_ns\": null, \"utc_ns\": "
             "18446744073709551615, \"size\": 100, \"offset\": 40, "
             "\"meta\": \"6d\"}\n  ]\n}\n");
  clip = tier_clip_open (path, err, sizeof err);
  EXPECT (clip && clip->n_frames == 2 && clip->last == UINT64_MAX &&
              clip->n_planes == 2 && clip->offset[1] == 40 &&
              clip->stride[0] == 8 && strcmp (clip->continues, "r") == 0 &&
              strcmp (clip->detection, "d\n\"q\"") == 0,
      "old sidecar: %s", err);
  tier_clip_close (clip);
  tt_rmdir (loc);
}

static void
test_write_errors (void)
{
  char *loc = tt_mkdtemp ("clip");
  char err[512] = "", path[4300], **names;
  TTFault fault = { .budget = -1 };
  TierIo io = tt_fault_io (&fault);
  TierClipWriter *w;
  uint8_t buf[1000];
  char meta[32];
  TierRecord rec;
  size_t n;

  /* disk full while adding: the error names it, the clip is dropped */
  w = begin (loc, "full", "video/x-raw", &io, err, sizeof err);
  rec = tt_record (1, buf, sizeof buf, meta);
  EXPECT (tier_clip_add (w, &rec, err, sizeof err) == 0, "%s", err);
  fault.budget = 10;
  fault.err = ENOSPC;
  EXPECT (tier_clip_add (w, &rec, err, sizeof err) < 0 &&
              strstr (err, "No space left on device") &&
              strstr (err, "frame 1"),
      "%s", err);
  tier_clip_abort (w);
  /* fsync fails at commit: no clip appears */
  fault.budget = -1;
  fault.fsync_err = EIO;
  w = begin (loc, "eio", "video/x-raw", &io, err, sizeof err);
  EXPECT (tier_clip_add (w, &rec, err, sizeof err) == 0, "%s", err);
  EXPECT (tier_clip_commit (w, NULL, err, sizeof err) < 0 &&
              strstr (err, "Input/output error"),
      "%s", err);
  tier_clip_abort (w);
  snprintf (path, sizeof path, "%s/eio", loc);
  EXPECT (!exists (path), "no clip after a failed commit");
  snprintf (path, sizeof path, "%s/.eio.partial", loc);
  EXPECT (!exists (path), "no partial directory either");
  EXPECT (tier_clip_list (loc, &names, &n, err, sizeof err) == 0 && n == 0,
      "%zu clips", n);
  free (names);
  /* the disk full at the sidecar: nothing appears, the clip stays open,
   * and once there is room the same commit makes it whole */
  fault.fsync_err = 0;
  w = begin (loc, "late", "video/x-raw", &io, err, sizeof err);
  EXPECT (tier_clip_add (w, &rec, err, sizeof err) == 0, "%s", err);
  fault.budget = 0;
  fault.err = ENOSPC;
  EXPECT (tier_clip_commit (w, NULL, err, sizeof err) < 0 &&
              strstr (err, "No space left on device"),
      "%s", err);
  snprintf (path, sizeof path, "%s/late", loc);
  EXPECT (!exists (path), "no clip while the disk is full");
  fault.budget = -1;
  EXPECT (tier_clip_commit (w, NULL, err, sizeof err) == 0, "%s", err);
  EXPECT (tier_clip_list (loc, &names, &n, err, sizeof err) == 0 && n == 1 &&
              strcmp (names[0], "late") == 0,
      "%zu clips", n);
  while (n > 0)
    free (names[--n]);
  free (names);
  snprintf (path, sizeof path, "%s/.late.partial", loc);
  EXPECT (!exists (path), "no partial directory left");
  snprintf (path, sizeof path, "%s/late", loc);
  tier_remove_tree (path);
  /* killed while writing: the partial clip is not listed, then removed */
  fflush (stdout);
  if (fork () == 0) {
    TTFault kill_fault = { .budget = -1, .kill_when_out = 1 };
    TierIo kio = tt_fault_io (&kill_fault);
    w = begin (loc, "killed", "video/x-raw", &kio, err, sizeof err);
    tier_clip_add (w, &rec, err, sizeof err);
    kill_fault.budget = 100;
    tier_clip_add (w, &rec, err, sizeof err);
    _exit (3);
  }
  wait (NULL);
  snprintf (path, sizeof path, "%s/.killed.partial", loc);
  EXPECT (exists (path), "the killed writer left its partial directory");
  EXPECT (tier_clip_list (loc, &names, &n, err, sizeof err) == 0 && n == 0,
      "not listed: %zu", n);
  free (names);
  {
    TTWarn tw = { 0 };
    EXPECT (tier_clip_recover (loc, tt_warn, &tw) == 1 && !exists (path) &&
                strstr (tw.last, "unfinished clip"),
        "recover: %s", tw.last);
  }
  tt_rmdir (loc);
}

/* ---- exports ---- */

typedef struct {
  const char *name;
  size_t size;
  uint32_t stride[3];
  uint64_t offset[3];
} Layout;

/* GStreamer's layouts of 5x3 frames (gst_video_info_set_format) */
static const Layout layouts[] = {
  { "GRAY8", 24, { 8 }, { 0 } },
  { "GRAY16_LE", 36, { 12 }, { 0 } },
  { "RGB", 48, { 16 }, { 0 } },
  { "BGR", 48, { 16 }, { 0 } },
  { "RGBx", 60, { 20 }, { 0 } },
  { "BGRx", 60, { 20 }, { 0 } },
  { "I420", 48, { 8, 4, 4 }, { 0, 32, 40 } },
  { "NV12", 48, { 8, 8 }, { 0, 32 } },
  { "YUY2", 36, { 12 }, { 0 } },
};

static uint8_t
tY (int x, int y, int k)
{
  return 16 + (x * 37 + y * 11 + k * 5) % 220;
}

static uint8_t
tU (int x, int y, int k)
{
  return 40 + (x * 23 + y * 7 + k) % 180;
}

static uint8_t
tV (int x, int y, int k)
{
  return 60 + (x * 13 + y * 29 + k) % 170;
}

static uint16_t
tG16 (int x, int y, int k)
{
  return (uint16_t)(x * 4099 + y * 8191 + k * 17 + 60000 * (x == 4));
}

static void
tRGB (int x, int y, int k, uint8_t rgb[3])
{
  rgb[0] = (x * 50 + k) & 0xff;
  rgb[1] = (y * 90 + 3 * k) & 0xff;
  rgb[2] = (x * y * 20 + 200) & 0xff;
}

static void
make_frame (const Layout *l, int k, uint8_t *f)
{
  int x, y;
  uint8_t rgb[3];

  memset (f, 0xee, l->size); /* padding */
  for (y = 0; y < H; y++)
    for (x = 0; x < W; x++) {
      uint8_t *row = f + l->offset[0] + y * l->stride[0];
      if (!strcmp (l->name, "GRAY8"))
        row[x] = tY (x, y, k);
      else if (!strcmp (l->name, "GRAY16_LE")) {
        row[2 * x] = tG16 (x, y, k) & 0xff;
        row[2 * x + 1] = tG16 (x, y, k) >> 8;
      } else if (!strncmp (l->name, "RGB", 3) || !strncmp (l->name, "BGR", 3)) {
        int bpp = strlen (l->name) == 3 ? 3 : 4, bgr = l->name[0] == 'B';
        tRGB (x, y, k, rgb);
        row[x * bpp + 0] = rgb[bgr ? 2 : 0];
        row[x * bpp + 1] = rgb[1];
        row[x * bpp + 2] = rgb[bgr ? 0 : 2];
        if (bpp == 4)
          row[x * bpp + 3] = 0x77;
      } else {
        row[!strcmp (l->name, "YUY2") ? 2 * x : x] = tY (x, y, k);
        if (x % 2)
          continue;
        if (!strcmp (l->name, "YUY2")) {
          row[2 * x + 1] = tU (x / 2, y, k);
          row[2 * x + 3] = tV (x / 2, y, k);
        } else if (y % 2 == 0 && !strcmp (l->name, "I420")) {
          f[l->offset[1] + y / 2 * l->stride[1] + x / 2] = tU (x / 2, y / 2, k);
          f[l->offset[2] + y / 2 * l->stride[2] + x / 2] = tV (x / 2, y / 2, k);
        } else if (y % 2 == 0) {
          f[l->offset[1] + y / 2 * l->stride[1] + x] = tU (x / 2, y / 2, k);
          f[l->offset[1] + y / 2 * l->stride[1] + x + 1] = tV (x / 2, y / 2, k);
        }
      }
    }
}

static int
is_yuv_name (const char *n)
{
  return !strcmp (n, "I420") || !strcmp (n, "NV12") || !strcmp (n, "YUY2");
}

static int
is_rgb_name (const char *n)
{
  return !strncmp (n, "RGB", 3) || !strncmp (n, "BGR", 3);
}

/* chroma of pixel (x, y) of frame k */
static void
t_chroma (const char *n, int x, int y, int k, uint8_t *u, uint8_t *v)
{
  int cy = strcmp (n, "YUY2") ? y / 2 : y;
  *u = tU (x / 2, cy, k);
  *v = tV (x / 2, cy, k);
}

static uint8_t *
slurp (const char *path, size_t *len)
{
  FILE *f = fopen (path, "rb");
  uint8_t *p;
  long n;

  if (f == NULL)
    return NULL;
  fseek (f, 0, SEEK_END);
  n = ftell (f);
  fseek (f, 0, SEEK_SET);
  p = malloc ((size_t)n + 1);
  *len = fread (p, 1, (size_t)n, f);
  fclose (f);
  return p;
}

static void
check_y4m (const Layout *l, const char *path)
{
  size_t len, at;
  uint8_t *p = slurp (path, &len);
  const char *cs = !strcmp (l->name, "GRAY8")       ? "Cmono"
                   : !strcmp (l->name, "GRAY16_LE") ? "Cmono16"
                   : !strcmp (l->name, "YUY2")      ? "C422"
                   : is_yuv_name (l->name)          ? "C420jpeg"
                                                    : "C444";
  char head[128];
  int k, x, y, bad = 0;

  EXPECT (p != NULL, "%s", path);
  if (p == NULL)
    return;
  snprintf (head, sizeof head, "YUV4MPEG2 W5 H3 F25:1 Ip A1:1 %s\n", cs);
  EXPECT (len > strlen (head) && memcmp (p, head, strlen (head)) == 0,
      "%s: header %.60s", l->name, p);
  at = strlen (head);
  for (k = 0; k < NF && !bad; k++) {
    EXPECT (memcmp (p + at, "FRAME\n", 6) == 0, "FRAME");
    at += 6;
    if (!strcmp (l->name, "GRAY16_LE")) {
      for (y = 0; y < H; y++)
        for (x = 0; x < W; x++, at += 2)
          bad += (p[at] | p[at + 1] << 8) != tG16 (x, y, k);
      continue;
    }
    for (y = 0; y < H; y++)
      for (x = 0; x < W; x++) {
        uint8_t want = tY (x, y, k);
        if (is_rgb_name (l->name)) {
          uint8_t rgb[3], yuv[3];
          tRGB (x, y, k, rgb);
          clip_rgb_to_yuv (rgb, yuv);
          want = yuv[0];
        }
        bad += p[at++] != want;
      }
    if (!strcmp (l->name, "GRAY8"))
      continue;
    {
      int cw = is_rgb_name (l->name) ? W : 3,
          ch = is_rgb_name (l->name)      ? H
               : strcmp (l->name, "YUY2") ? 2
                                          : 3,
          c;
      for (c = 0; c < 2; c++)
        for (y = 0; y < ch; y++)
          for (x = 0; x < cw; x++) {
            uint8_t want;
            if (is_rgb_name (l->name)) {
              uint8_t rgb[3], yuv[3];
              tRGB (x, y, k, rgb);
              clip_rgb_to_yuv (rgb, yuv);
              want = yuv[1 + c];
            } else
              want = c ? tV (x, y, k) : tU (x, y, k);
            bad += p[at++] != want;
          }
    }
  }
  EXPECT (bad == 0 && at == len, "%s y4m: %d wrong samples, %zu of %zu bytes",
      l->name, bad, at, len);
  free (p);
}

/* Reads @path with libpng (no transformation: 16-bit samples stay
 * big-endian) into rows; NULL if libpng refuses it. */
static uint8_t **
read_png (const char *path, png_structp *png, png_infop *info)
{
  FILE *f = fopen (path, "rb");

  *png = png_create_read_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  *info = png_create_info_struct (*png);
  if (f == NULL || setjmp (png_jmpbuf (*png))) {
    if (f)
      fclose (f);
    png_destroy_read_struct (png, info, NULL);
    return NULL;
  }
  png_init_io (*png, f);
  png_read_png (*png, *info, PNG_TRANSFORM_IDENTITY, NULL);
  fclose (f);
  return png_get_rows (*png, *info);
}

static void
check_png (const Layout *l, const char *dir)
{
  int k, x, y, bad = 0;

  for (k = 0; k < NF; k++) {
    char path[4400];
    png_structp png;
    png_infop info;
    uint8_t **rows;
    int gray = !strncmp (l->name, "GRAY", 4),
        d16 = !strcmp (l->name, "GRAY16_LE");

    snprintf (path, sizeof path, "%s/frame-%06d.png", dir, 10 + k);
    rows = read_png (path, &png, &info);
    EXPECT (rows != NULL, "libpng reads %s", path);
    if (rows == NULL)
      return;
    EXPECT ((int)png_get_image_width (png, info) == W &&
                (int)png_get_image_height (png, info) == H &&
                png_get_bit_depth (png, info) == (d16 ? 16 : 8) &&
                png_get_color_type (png, info) ==
                    (gray ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB),
        "%s IHDR", l->name);
    for (y = 0; y < H; y++) {
      const uint8_t *r = rows[y];
      for (x = 0; x < W; x++) {
        if (d16)
          bad += (r[2 * x] << 8 | r[2 * x + 1]) != tG16 (x, y, k);
        else if (gray)
          bad += r[x] != tY (x, y, k);
        else {
          uint8_t want[3], u, v;
          if (is_rgb_name (l->name))
            tRGB (x, y, k, want);
          else {
            t_chroma (l->name, x, y, k, &u, &v);
            clip_yuv_to_rgb (tY (x, y, k), u, v, want);
          }
          bad += memcmp (r + 3 * x, want, 3) != 0;
        }
      }
    }
    png_destroy_read_struct (&png, &info, NULL);
  }
  EXPECT (bad == 0, "%s png: %d wrong pixels", l->name, bad);
}

static void
check_fits (const Layout *l, const char *path)
{
  size_t len, at = 0;
  uint8_t *p = slurp (path, &len);
  int d16 = !strcmp (l->name, "GRAY16_LE"),
      planes = is_rgb_name (l->name) ? 3 : 1;
  int k, c, x, y, bad = 0, end_card = -1, i;
  size_t data = (size_t)W * H * NF * planes * (d16 ? 2 : 1);

  EXPECT (p != NULL && len % 2880 == 0, "%s: %zu bytes", path, len);
  if (p == NULL)
    return;
  for (i = 0; i < 36; i++)
    if (memcmp (p + i * 80, "END     ", 8) == 0)
      end_card = i;
  EXPECT (end_card > 0 && memcmp (p, "SIMPLE  =                    T", 30) == 0,
      "%s: header", l->name);
  EXPECT (strstr ((char *)p, d16 ? "BITPIX  =                   16"
                                 : "BITPIX  =                    8") != NULL,
      "BITPIX");
  EXPECT (strstr ((char *)p, planes == 3
                                 ? "NAXIS   =                    4"
                                 : "NAXIS   =                    3") != NULL,
      "NAXIS");
  EXPECT (
      !d16 || strstr ((char *)p, "BZERO   =                32768"), "BZERO");
  EXPECT (len == 2880 + (data + 2879) / 2880 * 2880, "%s: size %zu for %zu",
      l->name, len, data);
  at = 2880;
  for (k = 0; k < NF; k++)
    for (c = 0; c < planes; c++)
      for (y = H - 1; y >= 0; y--)
        for (x = 0; x < W; x++) {
          if (d16) {
            bad += (((p[at] << 8) | p[at + 1]) ^ 0x8000) != tG16 (x, y, k);
            at += 2;
          } else if (planes == 3) {
            uint8_t rgb[3];
            tRGB (x, y, k, rgb);
            bad += p[at++] != rgb[c];
          } else
            bad += p[at++] != tY (x, y, k);
        }
  EXPECT (bad == 0, "%s fits: %d wrong samples", l->name, bad);
  free (p);
}

static void
test_exports (void)
{
  size_t i;

  for (i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
    const Layout *l = &layouts[i];
    char *loc = tt_mkdtemp ("export");
    char caps[256], err[512] = "", path[4300], out[4300];
    TierClipWriter *w;
    TierClip *clip;
    ClipVideo v;
    uint8_t frame[64];
    int k;

    snprintf (caps, sizeof caps,
        "video/x-raw, format=(string)%s, width=(int)%d, height=(int)%d, "
        "interlace-mode=(string)progressive",
        l->name, W, H);
    w = begin (loc, l->name, caps, NULL, err, sizeof err);
    for (k = 0; k < NF; k++) {
      TierRecord rec = { .frame_id = 10 + k,
        .pts_ns = k * 40000000ull,
        .utc_ns = 1700000000000000000ull + k * 40000000ull,
        .data = frame,
        .size = l->size };
      make_frame (l, k, frame);
      EXPECT (tier_clip_add (w, &rec, err, sizeof err) == 0, "%s", err);
    }
    EXPECT (tier_clip_commit (w, NULL, err, sizeof err) == 0, "%s", err);
    snprintf (path, sizeof path, "%s/%s", loc, l->name);
    clip = tier_clip_open (path, err, sizeof err);
    EXPECT (clip && clip_video_parse (clip->format, clip->n_planes,
                        clip->offset, clip->stride, &v, err, sizeof err) == 0,
        "%s: %s", l->name, err);
    if (clip == NULL) {
      tt_rmdir (loc);
      continue;
    }
    EXPECT (v.size == l->size && v.width == W && v.height == H,
        "%s: layout size %zu, GStreamer's %zu", l->name, v.size, l->size);
    snprintf (out, sizeof out, "%s/out.y4m", loc);
    EXPECT (clip_export_y4m (clip, &v, out, err, sizeof err) == 0, "%s", err);
    check_y4m (l, out);
    snprintf (out, sizeof out, "%s/png", loc);
    mkdir (out, 0755);
    EXPECT (clip_export_png (clip, &v, out, err, sizeof err) == 0, "%s", err);
    check_png (l, out);
    snprintf (out, sizeof out, "%s/out.fits", loc);
    EXPECT (clip_export_fits (clip, &v, out, err, sizeof err) == 0, "%s", err);
    check_fits (l, out);
    tier_clip_close (clip);
    tt_rmdir (loc);
  }
}

static void
test_formats_and_conversion (void)
{
  ClipVideo v;
  char err[256];
  uint8_t rgb[3], yuv[3];
  uint64_t off[2] = { 0, 4096 };
  uint32_t stride[2] = { 64, 64 };

  EXPECT (clip_video_parse ("video/x-raw,format=NV12,width=640,height=480,"
                            "framerate=30/1",
              0, NULL, NULL, &v, err, sizeof err) == 0 &&
              v.fps_n == 30 && v.size == 640 * 480 * 3 / 2,
      "plain caps: %s", err);
  EXPECT (clip_video_parse ("video/x-raw, format=(string)NV12, "
                            "width=(int)40, height=(int)30",
              2, off, stride, &v, err, sizeof err) == 0 &&
              v.offset[1] == 4096 && v.size == 4096 + 64 * 15,
      "explicit layout: %zu", v.size);
  /* a layout whose rows would reach outside the frame is refused: a
   * stride shorter than a row, an offset that wraps the end around */
  stride[1] = 39;
  EXPECT (clip_video_parse ("video/x-raw, format=(string)NV12, "
                            "width=(int)40, height=(int)30",
              2, off, stride, &v, err, sizeof err) < 0 &&
              strstr (err, "plane 1 of NV12 40x30") &&
              strstr (err, "a row takes 40 bytes"),
      "short stride: %s", err);
  stride[1] = 64;
  off[1] = UINT64_MAX;
  EXPECT (clip_video_parse ("video/x-raw, format=(string)NV12, "
                            "width=(int)40, height=(int)30",
              2, off, stride, &v, err, sizeof err) < 0 &&
              strstr (err, "offset 18446744073709551615"),
      "wrapping offset: %s", err);
  {
    uint64_t yoff[1] = { 0 };
    uint32_t ystride[1] = { 20 };
    EXPECT (clip_video_parse ("video/x-raw, format=(string)YUY2, "
                              "width=(int)11, height=(int)2",
                1, yoff, ystride, &v, err, sizeof err) < 0 &&
                strstr (err, "a row takes 24 bytes"),
        "YUY2 of odd width: %s", err);
  }
  EXPECT (clip_video_parse ("video/x-raw, format=(string)P010_10LE, "
                            "width=(int)4, height=(int)4",
              0, NULL, NULL, &v, err, sizeof err) < 0 &&
              strstr (err, "P010_10LE is not supported"),
      "%s", err);
  EXPECT (
      clip_video_parse ("image/jpeg", 0, NULL, NULL, &v, err, sizeof err) < 0 &&
          strstr (err, "not raw video"),
      "%s", err);
  clip_yuv_to_rgb (16, 128, 128, rgb);
  EXPECT (rgb[0] == 0 && rgb[1] == 0 && rgb[2] == 0, "black");
  clip_yuv_to_rgb (235, 128, 128, rgb);
  EXPECT (rgb[0] == 255 && rgb[1] == 255 && rgb[2] == 255, "white");
  rgb[0] = 255, rgb[1] = 0, rgb[2] = 0;
  clip_rgb_to_yuv (rgb, yuv);
  EXPECT (yuv[0] == 81 && yuv[1] == 90 && yuv[2] == 240, "red: %d %d %d",
      yuv[0], yuv[1], yuv[2]);
}

int
main (int argc, char **argv)
{
  static const MiniTest tests[] = {
    { "write and read a clip", test_write_read },
    { "write errors and crashes", test_write_errors },
    { "damaged, old and big-number sidecars", test_sidecars },
    { "formats and conversion", test_formats_and_conversion },
    { "exports of every format", test_exports },
  };
  if (argc == 3 && strcmp (argv[1], "--make") == 0) {
    /* a GRAY8 clip "night-1" of 3 frames under argv[2], for the CLI test */
    char err[512];
    uint8_t frame[64];
    TierClipWriter *w = begin (argv[2], "night-1",
        "video/x-raw, format=(string)GRAY8, width=(int)5, height=(int)3, "
        "framerate=(fraction)30/1",
        NULL, err, sizeof err);
    int k;
    if (w == NULL) {
      fprintf (stderr, "%s\n", err);
      return 1;
    }
    for (k = 0; k < NF; k++) {
      TierRecord rec = { .frame_id = 10 + k,
        .pts_ns = TIER_TIME_NONE,
        .utc_ns = 1700000000000000000ull,
        .data = frame,
        .size = 24 };
      make_frame (&layouts[0], k, frame);
      tier_clip_add (w, &rec, err, sizeof err);
    }
    if (tier_clip_commit (w, NULL, err, sizeof err) == 0)
      return 0;
    tier_clip_abort (w);
    return 1;
  }
  return minitest_run (tests, sizeof tests / sizeof tests[0]);
}
