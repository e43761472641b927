/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: RMS FF blocks: accumulation, names, FITS through cfitsio. */
#include "ffblock.h"

#include "kernels.h"

#include <errno.h>
#include <fitsio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct _MeteorFFBlock {
  int width, height;
  unsigned frames, next; /* added; the index of the next one */
  uint8_t *maxpixel, *maxframe;
  uint32_t *sum, *sumsq; /* 256 x 255^2 fits in 32 bits */
  const MeteorKernels *k;
};

static void *
xcalloc (size_t n, size_t size)
{
  void *p = calloc (n ? n : 1, size);

  if (p == NULL)
    abort ();
  return p;
}

MeteorFFBlock *
meteor_ff_block_new (int width, int height)
{
  MeteorFFBlock *b = xcalloc (1, sizeof *b);
  size_t n = (size_t)width * height;

  b->width = width;
  b->height = height;
  b->maxpixel = xcalloc (n, 1);
  b->maxframe = xcalloc (n, 1);
  b->sum = xcalloc (n, sizeof *b->sum);
  b->sumsq = xcalloc (n, sizeof *b->sumsq);
  b->k = meteor_kernels_get ();
  return b;
}

void
meteor_ff_block_free (MeteorFFBlock *b)
{
  if (b == NULL)
    return;
  free (b->maxpixel);
  free (b->maxframe);
  free (b->sum);
  free (b->sumsq);
  free (b);
}

void
meteor_ff_block_reset (MeteorFFBlock *b)
{
  size_t n = (size_t)b->width * b->height;

  b->frames = b->next = 0;
  memset (b->maxpixel, 0, n);
  memset (b->maxframe, 0, n);
  memset (b->sum, 0, n * sizeof *b->sum);
  memset (b->sumsq, 0, n * sizeof *b->sumsq);
}

unsigned
meteor_ff_block_frames (const MeteorFFBlock *b)
{
  return b->frames;
}

int
meteor_ff_block_add (MeteorFFBlock *b, const uint8_t *frame, size_t stride)
{
  return meteor_ff_block_add_at (b, frame, stride, b->next);
}

int
meteor_ff_block_add_at (
    MeteorFFBlock *b, const uint8_t *frame, size_t stride, unsigned index)
{
  int x, y;

  if (index >= METEOR_FF_FRAMES || index < b->next)
    return -1;
  for (y = 0; y < b->height; y++) {
    const uint8_t *row = frame + (size_t)y * stride;
    size_t o = (size_t)y * b->width;
    uint32_t *sum = b->sum + o, *sumsq = b->sumsq + o;

    b->k->max_accumulate (
        row, b->maxpixel + o, b->maxframe + o, (uint8_t)index, b->width);
    for (x = 0; x < b->width; x++) {
      sum[x] += row[x];
      sumsq[x] += (uint32_t)row[x] * row[x];
    }
  }
  b->next = index + 1;
  return (int)++b->frames;
}

int
meteor_ff_block_planes (const MeteorFFBlock *b, MeteorFFPlanes *out)
{
  size_t i, n = (size_t)b->width * b->height;
  uint32_t n1 = b->frames - 1, n2 = b->frames - 2;

  memset (out, 0, sizeof *out);
  if (b->frames < 3) /* the deviation without the maximum needs two more */
    return -1;
  out->width = b->width;
  out->height = b->height;
  out->frames = b->next;
  out->summed = b->frames;
  out->maxpixel = xcalloc (n, 1);
  out->maxframe = xcalloc (n, 1);
  out->avepixel = xcalloc (n, 1);
  out->stdpixel = xcalloc (n, 1);
  memcpy (out->maxpixel, b->maxpixel, n);
  memcpy (out->maxframe, b->maxframe, n);
  for (i = 0; i < n; i++) {
    uint32_t max = b->maxpixel[i], rest = b->sum[i] - max, mean = rest / n1;
    /* sum of squares about the mean, without the maximum: never below 0 */
    uint32_t var = b->sumsq[i] - max * max - rest * mean;
    uint32_t sd = (uint32_t)sqrt ((double)(var / n2));

    out->avepixel[i] = (uint8_t)mean;
    out->stdpixel[i] = (uint8_t)(sd ? (sd > 255 ? 255 : sd) : 1);
  }
  return 0;
}

void
meteor_ff_planes_clear (MeteorFFPlanes *p)
{
  free (p->maxpixel);
  free (p->maxframe);
  free (p->avepixel);
  free (p->stdpixel);
  memset (p, 0, sizeof *p);
}

/* ---- names ---- */

uint64_t
meteor_ff_block_start (
    uint64_t frame_id, uint64_t utc_ns, double fps, uint64_t *counter)
{
  unsigned index = (unsigned)(frame_id % METEOR_FF_FRAMES);

  *counter = frame_id - index;
  return utc_ns - (uint64_t)(index * 1e9 / fps);
}

void
meteor_ff_file_name (const char *station, uint64_t start_ns, uint64_t counter,
    char *out, size_t len)
{
  time_t s = (time_t)(start_ns / 1000000000u);
  struct tm tm;

  gmtime_r (&s, &tm);
  snprintf (out, len, "FF_%s_%04d%02d%02d_%02d%02d%02d_%03u_%07llu.fits",
      station, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
      tm.tm_min, tm.tm_sec, (unsigned)(start_ns % 1000000000u / 1000000u),
      (unsigned long long)counter);
}

static int
all_digits (const char *s, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return 0;
  return 1;
}

/* UTC broken down -> ns since 1970 */
static uint64_t
utc_ns (int Y, int M, int D, int h, int m, int s, uint64_t frac_ns)
{
  struct tm tm = { 0 };

  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  return (uint64_t)timegm (&tm) * 1000000000u + frac_ns;
}

int
meteor_ff_parse_name (const char *path, MeteorFFHeader *h)
{
  const char *name = strrchr (path, '/'), *p, *q;
  size_t frac_len;
  char station[sizeof h->station];
  int Y, M, D, hh, mm, ss;
  unsigned long long frac, counter;

  name = name ? name + 1 : path;
  if (strncmp (name, "FF_", 3) != 0)
    return -1;
  p = name + 3;
  q = strchr (p, '_');
  if (q == NULL || q == p || (size_t)(q - p) >= sizeof station)
    return -1;
  memcpy (station, p, q - p);
  station[q - p] = '\0';
  p = q + 1; /* YYYYMMDD_hhmmss_<ms or us>_<counter>.fits */
  if (strlen (p) < 16 || !all_digits (p, 8) || p[8] != '_' ||
      !all_digits (p + 9, 6) || p[15] != '_')
    return -1;
  if (sscanf (p, "%4d%2d%2d_%2d%2d%2d", &Y, &M, &D, &hh, &mm, &ss) != 6)
    return -1;
  p += 16;
  frac_len = strspn (p, "0123456789");
  if ((frac_len != 3 && frac_len != 6) || p[frac_len] != '_')
    return -1;
  frac = strtoull (p, NULL, 10);
  p += frac_len + 1;
  q = p + strspn (p, "0123456789");
  if (q == p || strcmp (q, ".fits") != 0)
    return -1;
  counter = strtoull (p, NULL, 10);
  memcpy (h->station, station, sizeof station);
  h->counter = counter;
  h->start_ns = utc_ns (
      Y, M, D, hh, mm, ss, frac_len == 3 ? frac * 1000000u : frac * 1000u);
  return 0;
}

/* ---- FITS ---- */

static const char *const plane_names[4] = { "MAXPIXEL", "MAXFRAME", "AVEPIXEL",
  "STDPIXEL" };

static uint8_t **
plane_ptrs (MeteorFFPlanes *p, uint8_t **out)
{
  out[0] = p->maxpixel;
  out[1] = p->maxframe;
  out[2] = p->avepixel;
  out[3] = p->stdpixel;
  return out;
}

static int
fits_error (int status, const char *what, const char *path, char *error,
    size_t error_len)
{
  char text[FLEN_STATUS];

  fits_get_errstatus (status, text);
  snprintf (error, error_len, "cannot %s %s: %s", what, path, text);
  return -1;
}

int
meteor_ff_write (const char *path, const MeteorFFPlanes *p,
    const MeteorFFHeader *h, char *error, size_t error_len)
{
  size_t tmp_len = strlen (path) + 8;
  char *tmp = malloc (tmp_len), date[64];
  long naxes[2] = { p->width, p->height };
  uint8_t *planes[4];
  fitsfile *f = NULL;
  int status = 0, i, ignored = 0;
  time_t s = (time_t)(h->start_ns / 1000000000u);
  struct tm tm;

  if (tmp == NULL)
    abort ();
  /* written beside, renamed over: a reader never sees half a block */
  snprintf (tmp, tmp_len, "%s.tmp", path);
  unlink (tmp);
  gmtime_r (&s, &tm);
  snprintf (date, sizeof date, "%04d-%02d-%02dT%02d:%02d:%02d.%06u",
      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
      tm.tm_sec, (unsigned)(h->start_ns % 1000000000u / 1000u));
  fits_create_diskfile (&f, tmp, &status);
  fits_create_img (f, BYTE_IMG, 0, NULL, &status);
  fits_update_key_lng (f, "NROWS", p->height, NULL, &status);
  fits_update_key_lng (f, "NCOLS", p->width, NULL, &status);
  fits_update_key_lng (f, "NBITS", 8, NULL, &status);
  fits_update_key_lng (f, "NFRAMES", p->frames, NULL, &status);
  if (p->summed && p->summed != p->frames)
    fits_update_key_lng (f, "NSUMMED", p->summed, "frames summed up", &status);
  fits_update_key_lng (f, "FIRST", (LONGLONG)h->first, NULL, &status);
  fits_update_key_str (f, "CAMNO", (char *)h->station, NULL, &status);
  fits_update_key_fixdbl (f, "FPS", h->fps, 3, NULL, &status);
  fits_update_key_str (f, "DATE-OBS", date, "UTC of the first frame", &status);
  plane_ptrs ((MeteorFFPlanes *)p, planes);
  for (i = 0; i < 4 && status == 0; i++) {
    fits_create_img (f, BYTE_IMG, 2, naxes, &status);
    fits_update_key_str (f, "EXTNAME", (char *)plane_names[i], NULL, &status);
    fits_write_img (
        f, TBYTE, 1, (LONGLONG)p->width * p->height, planes[i], &status);
  }
  if (status == 0)
    fits_close_file (f, &status);
  else
    fits_delete_file (f, &ignored);
  if (status == 0 && rename (tmp, path) < 0) {
    snprintf (error, error_len, "cannot write %s: %s", path, strerror (errno));
    unlink (tmp);
    free (tmp);
    return -1;
  }
  if (status) {
    unlink (tmp);
    free (tmp);
    return fits_error (status, "write", path, error, error_len);
  }
  free (tmp);
  return 0;
}

/* DATE-OBS (YYYY-MM-DDThh:mm:ss[.f...]) -> ns; -1 when it is not one */
static int
parse_date_obs (const char *s, uint64_t *ns)
{
  int Y, M, D, hh, mm, ss, n = 0;
  uint64_t frac = 0, scale = 100000000u;

  if (sscanf (s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &hh, &mm, &ss, &n) !=
          6 ||
      n != 19)
    return -1;
  s += n;
  if (*s == '.')
    for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
      frac += (uint64_t)(*s - '0') * scale;
  *ns = utc_ns (Y, M, D, hh, mm, ss, frac);
  return 0;
}

int
meteor_ff_read (const char *path, MeteorFFPlanes *p, MeteorFFHeader *h,
    char *error, size_t error_len)
{
  fitsfile *f = NULL;
  int status = 0, i, hdutype, ignored = 0;
  long nrows = 0, ncols = 0, nframes = 0, nsummed, naxes[2] = { 0, 0 };
  LONGLONG first = 0;
  char camno[FLEN_VALUE] = "", date[FLEN_VALUE] = "", extname[FLEN_VALUE];
  uint8_t *planes[4];
  MeteorFFHeader named;
  int named_ok;
  size_t n;

  memset (p, 0, sizeof *p);
  memset (h, 0, sizeof *h);
  fits_open_diskfile (&f, path, READONLY, &status);
  if (status)
    return fits_error (status, "open", path, error, error_len);
  fits_read_key_lng (f, "NROWS", &nrows, NULL, &status);
  fits_read_key_lng (f, "NCOLS", &ncols, NULL, &status);
  fits_read_key_lng (f, "NFRAMES", &nframes, NULL, &status);
  fits_read_key_lnglng (f, "FIRST", &first, NULL, &status);
  fits_read_key_str (f, "CAMNO", camno, NULL, &status);
  fits_read_key_dbl (f, "FPS", &h->fps, NULL, &status);
  if (status) {
    fits_close_file (f, &ignored);
    return fits_error (status, "read the FF header of", path, error, error_len);
  }
  if (nrows <= 0 || ncols <= 0 || nrows > 65535 || ncols > 65535) {
    fits_close_file (f, &ignored);
    snprintf (error, error_len, "%s: not an FF file: NROWS %ld, NCOLS %ld",
        path, nrows, ncols);
    return -1;
  }
  named_ok = meteor_ff_parse_name (path, &named) == 0;
  if (fits_read_key_str (f, "DATE-OBS", date, NULL, &ignored) == 0 &&
      parse_date_obs (date, &h->start_ns) == 0)
    h->has_date_obs = 1;
  else if (named_ok) /* RMS's own files have none: the name's time */
    h->start_ns = named.start_ns;
  if (named_ok)
    h->counter = named.counter;
  snprintf (h->station, sizeof h->station, "%.15s", camno);
  h->first = (uint64_t)first;
  p->width = (int)ncols;
  p->height = (int)nrows;
  p->frames = (unsigned)nframes;
  ignored = 0; /* (cfitsio does nothing while a status is set) */
  if (fits_read_key_lng (f, "NSUMMED", &nsummed, NULL, &ignored) != 0)
    nsummed = nframes;
  p->summed = (unsigned)nsummed;
  n = (size_t)ncols * nrows;
  p->maxpixel = xcalloc (n, 1);
  p->maxframe = xcalloc (n, 1);
  p->avepixel = xcalloc (n, 1);
  p->stdpixel = xcalloc (n, 1);
  plane_ptrs (p, planes);
  for (i = 0; i < 4 && status == 0; i++) {
    int naxis = 0;
    fits_movabs_hdu (f, i + 2, &hdutype, &status);
    fits_read_key_str (f, "EXTNAME", extname, NULL, &status);
    fits_get_img_dim (f, &naxis, &status);
    fits_get_img_size (f, 2, naxes, &status);
    if (status == 0 && (strcmp (extname, plane_names[i]) != 0 || naxis != 2 ||
                           naxes[0] != ncols || naxes[1] != nrows)) {
      fits_close_file (f, &ignored);
      meteor_ff_planes_clear (p);
      snprintf (error, error_len,
          "%s: HDU %d is %s %ldx%ld, not a %ldx%ld %s plane", path, i + 1,
          extname, naxes[0], naxes[1], ncols, nrows, plane_names[i]);
      return -1;
    }
    fits_read_img (f, TBYTE, 1, (LONGLONG)n, NULL, planes[i], NULL, &status);
  }
  fits_close_file (f, status ? &ignored : &status);
  if (status) {
    meteor_ff_planes_clear (p);
    return fits_error (status, "read", path, error, error_len);
  }
  return 0;
}
