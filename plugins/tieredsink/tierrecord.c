/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: record and segment framing of the tier stores. */
#include "tierrecord.h"

#include "coreutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

struct TierCodec {
  int level;
  ZSTD_CCtx *cctx;
  ZSTD_DCtx *dctx;
  uint8_t *buf;
  size_t cap;
};

int
tier_rec_parse (const uint8_t *p, TierRecHeader *h)
{
  if (tier_get_u32 (p) != TIER_REC_MAGIC)
    return -1;
  h->codec = tier_get_u32 (p + 4);
  h->frame_id = tier_get_u64 (p + 8);
  h->pts_ns = tier_get_u64 (p + 16);
  h->utc_ns = tier_get_u64 (p + 24);
  h->meta_len = tier_get_u32 (p + 32);
  h->raw_len = tier_get_u32 (p + 36);
  h->comp_len = tier_get_u32 (p + 40);
  h->crc = tier_get_u32 (p + 44);
  if (h->codec > TIER_REC_ZSTD || h->meta_len > TIER_META_MAX ||
      h->raw_len > TIER_REC_RAW_MAX)
    return -1;
  if (h->codec == TIER_REC_STORED && h->comp_len != h->raw_len)
    return -1;
  if (h->codec == TIER_REC_ZSTD &&
      h->comp_len > ZSTD_compressBound (h->raw_len))
    return -1;
  return 0;
}

size_t
tier_rec_length (const TierRecHeader *h)
{
  return TIER_REC_HEADER + (size_t)h->meta_len + h->comp_len;
}

static uint32_t
rec_crc (const uint8_t *rec, const TierRecHeader *h)
{
  uint32_t crc = tier_crc32 (0, rec, TIER_REC_HEADER - 4);

  return tier_crc32 (crc, rec + TIER_REC_HEADER, h->meta_len + h->comp_len);
}

int
tier_rec_check (const uint8_t *rec, const TierRecHeader *h)
{
  return rec_crc (rec, h) == h->crc ? 0 : -1;
}

TierCodec *
tier_codec_new (int level)
{
  TierCodec *codec = calloc (1, sizeof *codec);

  if (codec == NULL)
    abort ();
  codec->level = level;
  return codec;
}

void
tier_codec_free (TierCodec *codec)
{
  if (codec == NULL)
    return;
  ZSTD_freeCCtx (codec->cctx);
  ZSTD_freeDCtx (codec->dctx);
  free (codec->buf);
  free (codec);
}

int
tier_codec_encode (TierCodec *codec, const TierRecord *rec, const uint8_t **out,
    size_t *out_len, char *error, size_t error_len)
{
  size_t bound, comp;
  uint32_t codec_id = TIER_REC_ZSTD;
  uint8_t *p;

  METEOR_CHECK (rec->meta_len <= TIER_META_MAX,
      "frame %" PRIu64 ": meta of %u bytes is larger than %d", rec->frame_id,
      rec->meta_len, TIER_META_MAX);
  METEOR_CHECK (rec->size <= TIER_REC_RAW_MAX,
      "frame %" PRIu64 ": %zu bytes is larger than the %u a record holds",
      rec->frame_id, rec->size, TIER_REC_RAW_MAX);
  METEOR_CHECK (rec->data != NULL || rec->size == 0,
      "frame %" PRIu64 ": no payload", rec->frame_id);
  bound = ZSTD_compressBound (rec->size);
  codec->buf = meteor_grow (
      codec->buf, &codec->cap, TIER_REC_HEADER + TIER_META_MAX + bound, 1);
  p = codec->buf;
  if (rec->meta_len)
    memcpy (p + TIER_REC_HEADER, rec->meta, rec->meta_len);
  if (codec->cctx == NULL) {
    codec->cctx = ZSTD_createCCtx ();
    if (codec->cctx == NULL)
      abort ();
    ZSTD_CCtx_setParameter (codec->cctx, ZSTD_c_compressionLevel, codec->level);
    ZSTD_CCtx_setParameter (codec->cctx, ZSTD_c_checksumFlag, 0);
  }
  comp = ZSTD_compress2 (codec->cctx, p + TIER_REC_HEADER + rec->meta_len,
      bound, rec->data, rec->size);
  METEOR_CHECK (!ZSTD_isError (comp), "frame %" PRIu64 ": zstd: %s",
      rec->frame_id, ZSTD_getErrorName (comp));
  if (comp >= rec->size) {
    /* noise does not compress: keep it as is */
    codec_id = TIER_REC_STORED;
    comp = rec->size;
    if (comp)
      memcpy (p + TIER_REC_HEADER + rec->meta_len, rec->data, comp);
  }
  tier_put_u32 (p, TIER_REC_MAGIC);
  tier_put_u32 (p + 4, codec_id);
  tier_put_u64 (p + 8, rec->frame_id);
  tier_put_u64 (p + 16, rec->pts_ns);
  tier_put_u64 (p + 24, rec->utc_ns);
  tier_put_u32 (p + 32, rec->meta_len);
  tier_put_u32 (p + 36, (uint32_t)rec->size);
  tier_put_u32 (p + 40, (uint32_t)comp);
  {
    TierRecHeader h = { .meta_len = rec->meta_len, .comp_len = (uint32_t)comp };
    tier_put_u32 (p + 44, rec_crc (p, &h));
  }
  *out = p;
  *out_len = TIER_REC_HEADER + rec->meta_len + comp;
  return 0;
}

int
tier_codec_decode (TierCodec *codec, const uint8_t *rec, const TierRecHeader *h,
    void *dst, size_t dst_size, char *error, size_t error_len)
{
  const uint8_t *payload = rec + TIER_REC_HEADER + h->meta_len;
  size_t n;

  METEOR_CHECK (dst_size >= h->raw_len,
      "frame %" PRIu64 ": %u bytes do not fit a %zu-byte buffer", h->frame_id,
      h->raw_len, dst_size);
  if (h->codec == TIER_REC_STORED) {
    if (h->raw_len)
      memcpy (dst, payload, h->raw_len);
    return 0;
  }
  if (codec->dctx == NULL) {
    codec->dctx = ZSTD_createDCtx ();
    if (codec->dctx == NULL)
      abort ();
  }
  n = ZSTD_decompressDCtx (codec->dctx, dst, h->raw_len, payload, h->comp_len);
  METEOR_CHECK (!ZSTD_isError (n), "frame %" PRIu64 ": zstd: %s", h->frame_id,
      ZSTD_getErrorName (n));
  METEOR_CHECK (n == h->raw_len,
      "frame %" PRIu64 ": decompressed to %zu bytes instead of %u", h->frame_id,
      n, h->raw_len);
  return 0;
}

static int
pread_all (int fd, void *buf, size_t len, uint64_t offset)
{
  uint8_t *p = buf;

  while (len > 0) {
    ssize_t n = pread (fd, p, len, (off_t)offset);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0) {
      errno = 0; /* short file */
      return -1;
    }
    p += n;
    len -= (size_t)n;
    offset += (uint64_t)n;
  }
  return 0;
}

int
tier_codec_read (TierCodec *codec, int fd, uint64_t offset, uint64_t file_size,
    TierRecHeader *h, const uint8_t **rec, char *error, size_t error_len)
{
  uint8_t head[TIER_REC_HEADER];
  size_t len;

  METEOR_CHECK (offset + TIER_REC_HEADER <= file_size,
      "record at %" PRIu64 " is cut short", offset);
  METEOR_CHECK (pread_all (fd, head, sizeof head, offset) == 0,
      "cannot read record at %" PRIu64 ": %s", offset,
      errno ? strerror (errno) : "file is cut short");
  METEOR_CHECK (tier_rec_parse (head, h) == 0,
      "no valid record header at %" PRIu64, offset);
  len = tier_rec_length (h);
  METEOR_CHECK (offset + len <= file_size,
      "record of frame %" PRIu64 " at %" PRIu64 " is cut short", h->frame_id,
      offset);
  codec->buf = meteor_grow (codec->buf, &codec->cap, len, 1);
  memcpy (codec->buf, head, sizeof head);
  METEOR_CHECK (pread_all (fd, codec->buf + TIER_REC_HEADER,
                    len - TIER_REC_HEADER, offset + TIER_REC_HEADER) == 0,
      "cannot read record at %" PRIu64 ": %s", offset,
      errno ? strerror (errno) : "file is cut short");
  METEOR_CHECK (tier_rec_check (codec->buf, h) == 0,
      "record of frame %" PRIu64 " at %" PRIu64 " fails its CRC", h->frame_id,
      offset);
  *rec = codec->buf;
  return 0;
}

size_t
tier_seg_header_encode (
    uint8_t *buf, uint64_t seq, uint64_t utc_ns, const char *format)
{
  size_t flen = strlen (format);
  uint32_t crc;

  memcpy (buf, TIER_SEG_MAGIC, 8);
  tier_put_u32 (buf + 8, 1);
  tier_put_u32 (buf + 12, (uint32_t)(TIER_SEG_HEADER + flen));
  tier_put_u64 (buf + 16, seq);
  tier_put_u64 (buf + 24, utc_ns);
  tier_put_u32 (buf + 32, (uint32_t)flen);
  memcpy (buf + TIER_SEG_HEADER, format, flen);
  crc = tier_crc32 (0, buf, 36);
  crc = tier_crc32 (crc, buf + TIER_SEG_HEADER, flen);
  tier_put_u32 (buf + 36, crc);
  return TIER_SEG_HEADER + flen;
}

int64_t
tier_seg_header_read (
    int fd, uint64_t *seq, char **format, char *error, size_t error_len)
{
  uint8_t head[TIER_SEG_HEADER];
  uint32_t flen, crc;
  char *f;

  METEOR_CHECK (pread_all (fd, head, sizeof head, 0) == 0,
      "cannot read the segment header: %s",
      errno ? strerror (errno) : "file is cut short");
  METEOR_CHECK (
      memcmp (head, TIER_SEG_MAGIC, 8) == 0, "not a segment (bad magic)");
  METEOR_CHECK (tier_get_u32 (head + 8) == 1,
      "segment version %u is not supported", tier_get_u32 (head + 8));
  flen = tier_get_u32 (head + 32);
  METEOR_CHECK (flen < TIER_FORMAT_MAX &&
                    tier_get_u32 (head + 12) == TIER_SEG_HEADER + flen,
      "segment header has bad lengths");
  f = malloc (flen + 1);
  if (f == NULL)
    abort ();
  if (pread_all (fd, f, flen, TIER_SEG_HEADER) < 0) {
    free (f);
    METEOR_CHECK (0, "segment header is cut short");
  }
  f[flen] = '\0';
  crc = tier_crc32 (0, head, 36);
  crc = tier_crc32 (crc, f, flen);
  if (crc != tier_get_u32 (head + 36) || strlen (f) != flen) {
    free (f);
    METEOR_CHECK (0, "segment header fails its CRC");
  }
  *seq = tier_get_u64 (head + 16);
  *format = f;
  return TIER_SEG_HEADER + flen;
}

int64_t
tier_seg_scan (TierCodec *codec, int fd, uint64_t start, uint64_t file_size,
    TierScanFunc func, void *user_data, char *error, size_t error_len)
{
  uint64_t off = start;
  char msg[256];
  TierRecHeader h;
  const uint8_t *rec;

  while (off < file_size) {
    if (tier_codec_read (codec, fd, off, file_size, &h, &rec, msg, sizeof msg) <
        0)
      break;
    if (func && func (user_data, &h, off, rec))
      break;
    off += tier_rec_length (&h);
  }
  return (int64_t)off;
}
