/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the record and segment framing shared by the cold store and
 * the clips (docs/tieredsink-format.md describes the bytes).
 *
 * A segment file is a header (magic, sequence number, the format string of
 * its frames, CRC) followed by records; a record is a 48-byte header
 * (magic, frame_id, pts, utc, lengths, CRC-32 of header + meta + payload),
 * the meta blob and the payload (zstd, or stored when zstd does not make it
 * smaller). A reader accepts a record only if magic, lengths and CRC check
 * out and stops at the first bad one. */
#ifndef __METEOR_TIERRECORD_H__
#define __METEOR_TIERRECORD_H__

#include "tiercommon.h"

#define TIER_REC_MAGIC 0x5252544du /* "MTRR" */
#define TIER_REC_HEADER 48
#define TIER_REC_STORED 0 /* payload as is */
#define TIER_REC_ZSTD 1   /* payload is one zstd frame */
/* largest raw frame a record holds (a 8K RGBx frame is 128 MiB) */
#define TIER_REC_RAW_MAX (1u << 30)

#define TIER_SEG_MAGIC "MTRSEG01"
#define TIER_SEG_HEADER 40 /* + the format string */

typedef struct {
  uint32_t codec;
  uint64_t frame_id, pts_ns, utc_ns;
  uint32_t meta_len, raw_len, comp_len, crc;
} TierRecHeader;

/* Parses a record header; 0 if magic, codec and lengths are sane (the CRC
 * is checked by tier_rec_check), -1 if not. */
int tier_rec_parse (const uint8_t *p, TierRecHeader *h);
/* Total length of the record described by @h. */
size_t tier_rec_length (const TierRecHeader *h);
/* Checks the CRC of the whole record @rec (tier_rec_length bytes). */
int tier_rec_check (const uint8_t *rec, const TierRecHeader *h);

/* Encoder/decoder state: zstd contexts and scratch buffers, reused. */
typedef struct TierCodec TierCodec;
TierCodec *tier_codec_new (int level);
void tier_codec_free (TierCodec *codec);
/* Encodes @rec; on success *out points to tier_rec_length bytes owned by
 * @codec (valid until its next call). */
int tier_codec_encode (TierCodec *codec, const TierRecord *rec,
    const uint8_t **out, size_t *out_len, char *error, size_t error_len);
/* Decodes the payload of the checked record @rec into @dst (@dst_size must
 * be at least h->raw_len). */
int tier_codec_decode (TierCodec *codec, const uint8_t *rec,
    const TierRecHeader *h, void *dst, size_t dst_size, char *error,
    size_t error_len);
/* Reads and checks the record at @offset of @fd (@file_size bytes long)
 * into a buffer owned by @codec; *rec then points to it. */
int tier_codec_read (TierCodec *codec, int fd, uint64_t offset,
    uint64_t file_size, TierRecHeader *h, const uint8_t **rec, char *error,
    size_t error_len);

/* Segment header: encodes into @buf (TIER_SEG_HEADER + strlen (format)). */
size_t tier_seg_header_encode (
    uint8_t *buf, uint64_t seq, uint64_t utc_ns, const char *format);
/* Reads and checks the header of segment @fd; *format is malloc'd. Returns
 * the header length, or -1 with a message. */
int64_t tier_seg_header_read (
    int fd, uint64_t *seq, char **format, char *error, size_t error_len);

/* Called for each good record while scanning; return non-zero to stop. */
typedef int (*TierScanFunc) (void *user_data, const TierRecHeader *h,
    uint64_t offset, const uint8_t *rec);
/* Scans the records of segment @fd from @start: calls @func for each one
 * that checks out, stops at the first bad one. Returns the offset where
 * the good records end (== @file_size when all are good), or -1 if @fd
 * cannot be read (message in @error). */
int64_t tier_seg_scan (TierCodec *codec, int fd, uint64_t start,
    uint64_t file_size, TierScanFunc func, void *user_data, char *error,
    size_t error_len);

#endif /* __METEOR_TIERRECORD_H__ */
