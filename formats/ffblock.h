/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: RMS "FF" blocks, the compressed form of a night that the
 * Global Meteor Network's tools read (pure C: GLib-free, cfitsio).
 *
 * A block sums up to 256 GRAY8 frames in four planes, as RMS's
 * compressor does:
 *   maxpixel  each pixel's maximum over the block
 *   maxframe  the frame (0-255 in the block) of that maximum; on ties the
 *             first (RMS picks one of the tied frames at random)
 *   avepixel  the mean without the maximum, rounded down
 *   stdpixel  the standard deviation without the maximum, rounded down
 *             and at least 1
 * The file: a primary HDU without data whose header has NROWS, NCOLS,
 * NBITS, NFRAMES, FIRST, CAMNO, FPS and DATE-OBS, then four 8-bit image
 * HDUs named MAXPIXEL, MAXFRAME, AVEPIXEL and STDPIXEL, top row first. */
#ifndef __METEOR_FFBLOCK_H__
#define __METEOR_FFBLOCK_H__

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define METEOR_FF_FRAMES 256

typedef struct _MeteorFFBlock MeteorFFBlock;

/* The planes of a block, each width x height bytes, top row first. */
typedef struct {
  int width, height;
  unsigned frames; /* NFRAMES: the frame numbers MAXFRAME counts in */
  unsigned summed; /* the frames in it (NSUMMED when fewer: a clip's) */
  uint8_t *maxpixel, *maxframe, *avepixel, *stdpixel;
} MeteorFFPlanes;

/* What the primary header says besides the size. */
typedef struct {
  char station[16];  /* CAMNO: the station code, e.g. "US0001" */
  double fps;        /* FPS */
  uint64_t counter;  /* the block's first frame number (in the name) */
  uint64_t first;    /* FIRST: counter + frames, as RMS stations write */
  uint64_t start_ns; /* UTC of the block's first frame, ns since 1970 */
  int has_date_obs;  /* read: DATE-OBS was there (else the name's time) */
} MeteorFFHeader;

MeteorFFBlock *meteor_ff_block_new (int width, int height);
void meteor_ff_block_free (MeteorFFBlock *b);
/* Empties the block for the next 256 frames. */
void meteor_ff_block_reset (MeteorFFBlock *b);
/* Adds one GRAY8 frame (rows @stride bytes apart) as the next frame.
 * Returns the number of frames in the block, or -1 when it is full. */
int meteor_ff_block_add (MeteorFFBlock *b, const uint8_t *frame, size_t stride);
/* The same as frame @index (0-255) of the block, after the ones added:
 * a clip's frames fall where the station's blocks have them. */
int meteor_ff_block_add_at (
    MeteorFFBlock *b, const uint8_t *frame, size_t stride, unsigned index);
unsigned meteor_ff_block_frames (const MeteorFFBlock *b);
/* The four planes of what was added (at least 3 frames); @out's planes
 * are allocated (meteor_ff_planes_clear frees them). */
int meteor_ff_block_planes (const MeteorFFBlock *b, MeteorFFPlanes *out);

void meteor_ff_planes_clear (MeteorFFPlanes *p);

/* The station's block holding frame @frame_id, whose UTC is @utc_ns: its
 * first frame id into @counter (256 k), and the UTC of that frame, where
 * the frame rate puts it. The FF file's name and the FTPdetectinfo entry
 * naming it both come from here, so they agree. */
uint64_t meteor_ff_block_start (
    uint64_t frame_id, uint64_t utc_ns, double fps, uint64_t *counter);

/* RMS's name for a block: FF_<station>_<YYYYMMDD>_<hhmmss>_<ms>_<counter,
 * 7 digits>.fits, the time that of its first frame (UTC). */
void meteor_ff_file_name (const char *station, uint64_t start_ns,
    uint64_t counter, char *out, size_t len);
/* The station, time and counter back from such a name (a path's last
 * component); -1 when it is not one. */
int meteor_ff_parse_name (const char *path, MeteorFFHeader *h);

/* Writes @p as an FF file at @path, replacing it; nothing is left there
 * on failure. Returns 0, or -1 with @error set. */
int meteor_ff_write (const char *path, const MeteorFFPlanes *p,
    const MeteorFFHeader *h, char *error, size_t error_len);
/* Reads an FF file (RMS's or ours): planes and header; the time comes
 * from DATE-OBS, or else from the file name, as RMS's reader does. */
int meteor_ff_read (const char *path, MeteorFFPlanes *p, MeteorFFHeader *h,
    char *error, size_t error_len);

#ifdef __cplusplus
}
#endif

#endif /* __METEOR_FFBLOCK_H__ */
