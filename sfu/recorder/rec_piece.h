/* One file piece: the GStreamer pipeline that turns one participant's RTP
 * (audio and/or video, declared up front) into one WebM file.
 *
 *   appsrc (RTP caps, live) ! rtpjitterbuffer do-lost=true ! rtp<codec>depay
 *     ! queue ! webmmux ! filesink        (one branch per track, one mux)
 *
 * Time: each RTP packet carries its arrival time on the monotonic clock
 * (the same clock as GStreamer's system clock). The pipeline's base time is
 * the piece's first arrival, so the file starts at 0 and every track keeps
 * its own offset from that instant (a camera turned on late starts late in
 * the file). rtpjitterbuffer reorders (retransmissions arrive late), turns
 * missing packets into lost events (gaps stay gaps, never squeezed out) and
 * maps RTP timestamps onto that timeline; rec_pipe_set_ts_offset shifts one
 * track when RTCP sender reports show the arrival-based mapping was off.
 *
 * Threads: all calls from one thread (the recorder thread); GStreamer runs
 * its own streaming threads inside. Never called on the packet path. */
#ifndef PARLOUR_REC_PIECE_H
#define PARLOUR_REC_PIECE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { REC_KIND_AUDIO = 1, REC_KIND_VIDEO = 2 } RecKind;
typedef enum { REC_CODEC_OPUS = 1, REC_CODEC_VP8 = 2, REC_CODEC_VP9 = 3 } RecCodec;

const char *rec_kind_name(RecKind k);   /* "audio", "video" */
const char *rec_codec_name(RecCodec c); /* "opus", "VP8", "VP9" as in SDP: "opus" "VP8" "VP9" */

typedef struct {
  RecKind kind;
  RecCodec codec;
  uint8_t payload_type;  /* 0..127 */
  uint32_t clock_rate;   /* 48000 for Opus, 90000 for VP8/VP9 */
} RecPipeTrack;

typedef struct {
  int64_t first_pts_ns;  /* first buffer into the muxer, file time; -1 if none */
  int64_t end_ns;        /* max(pts + duration) into the muxer; -1 if none */
  uint64_t frames;       /* depayloaded frames muxed */
  uint64_t lost_events;  /* rtpjitterbuffer lost events (gaps) */
  uint64_t dropped;      /* packets not taken: pipeline backlog over its limit */
} RecPipeTrackStats;

typedef struct RecPiecePipe RecPiecePipe;

/* Builds (does not start) the pipeline writing to path (which must exist:
 * the caller creates it 0600). 1-4 tracks, at most one per kind. NULL and a
 * g_malloc'd *err on failure. */
RecPiecePipe *rec_pipe_new(const char *path, const RecPipeTrack *tracks, unsigned n,
                           unsigned latency_ms, char **err);
/* Starts it; base_us (monotonic) becomes time 0 of the file. 0 or -1. */
int rec_pipe_start(RecPiecePipe *p, int64_t base_us, char **err);
/* Pushes a copy of one RTP packet of track i. Returns 0 if taken, 1 if
 * dropped because the pipeline is behind (more than its byte limit
 * waiting: a slow disk), -1 if the pipeline failed. */
int rec_pipe_push(RecPiecePipe *p, unsigned i, const uint8_t *rtp, size_t len, int64_t at_us);
/* Shifts track i's timestamps by offset_ns from now on (input side). */
void rec_pipe_set_ts_offset(RecPiecePipe *p, unsigned i, int64_t offset_ns);
/* Non-blocking: true (and *msg) if the pipeline reported an error. */
bool rec_pipe_poll_error(RecPiecePipe *p, char **msg);
/* End of stream on every track (idempotent). */
void rec_pipe_end(RecPiecePipe *p);
/* After rec_pipe_end: waits up to timeout_ms for the file to be finalised,
 * then stops the pipeline. 0 when the muxer finished cleanly. */
int rec_pipe_finish(RecPiecePipe *p, unsigned timeout_ms, char **err);
void rec_pipe_track_stats(RecPiecePipe *p, unsigned i, RecPipeTrackStats *out);
void rec_pipe_free(RecPiecePipe *p);

#endif
