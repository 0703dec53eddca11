/* The recorder of one room: policy gate, per-participant WebM pieces,
 * manifest.json with SHA-256 of every file. docs/recording.md is the
 * contract with the forwarder, signalling and booking.
 *
 * Policy lives here too: recorder_new refuses a room that is not recordable
 * before it touches the file system, so even a bug upstream (a moderator's
 * request that slipped through, a wrong flag) cannot write a byte. The only
 * value that permits recording is RECORDER_RECORDABLE; 0, true/1 or garbage
 * all refuse.
 *
 * Threads and ownership:
 *  - recorder_new / recorder_stop / recorder_free: a control thread (never
 *    the media worker: stop waits for files to be finalised).
 *  - recorder_piece_begin, recorder_push_rtp, recorder_on_sender_report,
 *    recorder_piece_end: the room's media worker thread only (the single
 *    producer). They never block, never allocate on the packet path
 *    (push/SR copy into a preallocated slot), take no lock; when the
 *    recorder is behind they drop and count.
 *  - The recorder owns one thread of its own (the consumer) that feeds the
 *    GStreamer pipelines.
 *  - Stop protocol: the worker stops calling the producer functions (it
 *    drops its pointer) before anyone calls recorder_stop; recorder_free
 *    after stop. */
#ifndef PARLOUR_RECORDER_H
#define PARLOUR_RECORDER_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "recorder/rec_piece.h"
#include "recorder/rec_queue.h"

typedef enum {
  RECORDER_NOT_RECORDABLE = 0,
  /* A deliberate non-trivial constant: a boolean "true" is not consent. */
  RECORDER_RECORDABLE = 0x52454331,
} RecorderPolicy;

typedef enum {
  REC_OK = 0,
  REC_ERR_NOT_RECORDABLE, /* "room_not_recordable" */
  REC_ERR_BAD_REQUEST,    /* "bad_request": bad id, bad track description */
  REC_ERR_LIMIT,          /* "bad_request": too many pieces/tracks */
  REC_ERR_STATE,          /* "wrong_state": stopped already, piece ended */
  REC_ERR_IO,             /* "internal": directory or file could not be made */
  REC_ERR_INTERNAL,       /* "internal": thread, GStreamer */
} RecError;

/* The control API's error code for e ("room_not_recordable", ...). */
const char *recorder_error_code(RecError e);

typedef struct {
  const char *track_id;   /* the SFU's track id, e.g. "alice:0" (validated) */
  RecKind kind;
  RecCodec codec;
  uint8_t payload_type;   /* the publisher's negotiated PT for this track */
  uint32_t clock_rate;    /* 48000 (Opus) or 90000 (VP8/VP9) */
} RecTrackDesc;

/* A piece that failed while the call goes on (disk full, any write or
 * pipeline error): what it leaves. Its files written so far stay on disk
 * and are reported at stop as complete=0 (partial), never as complete. */
typedef struct {
  const char *room, *participant;
  unsigned piece, part;   /* the part being written when it failed */
  const char *error;      /* the disk's or the pipeline's message */
  unsigned files_kept;    /* files of the piece on disk now */
  int64_t bytes_kept;     /* their size now */
  int64_t at_ms;          /* wall clock (Unix ms) */
} RecPieceFailure;

/* Called once per failed piece, at once, on the recorder's own thread (or
 * the thread that stops it, when a file cannot be finalised): it must be
 * thread-safe, quick, and must not call back into the recorder. */
typedef void (*RecPieceFailedFn)(const RecPieceFailure *f, void *user);

typedef struct {
  /* Monotonic time (g_get_monotonic_time µs) that is 0 on the call's
   * timeline; 0 means "now" at recorder_new. */
  int64_t timeline_zero_us;
  unsigned queue_slots;         /* default 2048 (about 3 MiB) */
  unsigned jitter_latency_ms;   /* default 200 */
  unsigned finalize_timeout_ms; /* default 10000, per file */
  /* A piece's first file waits this long (arrival time) for every declared
   * track to send before it starts without the silent ones. Default 5000. */
  unsigned track_wait_ms;
  /* A track of a running file silent this long while another flows ends
   * that file; the piece goes on in a new file without it (and a new one
   * again when it comes back), so a silent track never holds the others in
   * memory. Shorter silences stay gaps inside the file. Default 5000. */
  unsigned track_idle_split_ms;
  /* Optional: told of each failed piece mid-call (see RecPieceFailedFn). */
  RecPieceFailedFn on_piece_failed;
  void *on_piece_failed_user;
} RecorderOptions;

typedef struct {
  RecQueueStats queue;      /* dropped_full: packets lost to a slow recorder */
  uint64_t refused;         /* bad packet, unknown/ended handle, wrong PT */
  uint64_t backlog_dropped; /* dropped by the recorder thread: pipeline behind */
  uint64_t dropped_failed;  /* dropped by the recorder thread: the piece's file failed */
  uint64_t files_started;
  uint64_t pieces_failed;
} RecorderStats;

#define REC_MAX_PIECES 256
#define REC_MAX_TRACKS 512
#define REC_PIECE_MAX_TRACKS 2

typedef struct {
  char *track_id;
  RecKind kind;
  RecCodec codec;
  int64_t start_offset_ms; /* on the call timeline */
  int64_t duration_ms;
  uint64_t packets;        /* RTP packets fed to the pipeline */
  uint64_t frames;         /* frames muxed */
  uint64_t lost_events;    /* gaps the jitter buffer reported */
  bool sr_synced;          /* A/V offset corrected from RTCP sender reports */
  int64_t sr_correction_ms;
} RecFileTrack;

typedef struct {
  char *path;        /* absolute */
  char *rel_path;    /* relative to the recordings directory */
  char *participant;
  unsigned piece;    /* index in the call, from 1 */
  unsigned part;     /* file of the piece, from 1 (a new one when its set of
                        flowing tracks changes) */
  int64_t start_offset_ms; /* file time 0 on the call timeline */
  int64_t duration_ms;
  int64_t size;
  char sha256[65];
  bool complete;     /* the muxer finished the file cleanly */
  char *error;       /* why not complete, or NULL */
  unsigned ntracks;
  RecFileTrack tracks[REC_PIECE_MAX_TRACKS];
} RecFile;

typedef struct {
  char *call_id;
  char *dir;            /* absolute directory of this recording */
  char *rel_dir;        /* relative to the recordings directory */
  char *manifest_path;  /* absolute path of manifest.json; NULL when it
                           could not be written (manifest_error says why) */
  char *manifest_error;
  int64_t started_at_ms; /* wall clock (Unix ms) of timeline 0 */
  int64_t ended_at_ms;
  int64_t duration_ms;
  GPtrArray *files;     /* RecFile*, owned */
  RecorderStats stats;
} RecResult;

typedef struct Recorder Recorder;

/* Creates <dir>/<room_id>/<UTC start>/ (0700) and starts the recorder
 * thread. Refuses with REC_ERR_NOT_RECORDABLE (and writes nothing, creates
 * nothing) unless policy == RECORDER_RECORDABLE. opts may be NULL. */
Recorder *recorder_new(const char *dir, const char *room_id, RecorderPolicy policy,
                       const RecorderOptions *opts, RecError *err);

/* Worker: a participant's publisher tracks (1 or 2: Opus audio and/or
 * VP8/VP9 video) start a new piece: that participant's audio and video from
 * now until recorder_piece_end, in one file (or a few consecutive files
 * when a track stays silent for long, see RecorderOptions). Call it
 * again after a reconnect or a renegotiation that changes the tracks (end
 * the old piece first). handles_out[i] receives the handle of tracks[i].
 * Returns the piece index (>= 1) or -1 with *err. */
int recorder_piece_begin(Recorder *r, const char *participant, const RecTrackDesc *tracks,
                         unsigned n, int *handles_out, RecError *err);

/* Worker: one decrypted RTP packet of a track (before any SSRC/sequence
 * rewriting for subscribers), copied. arrival_us: g_get_monotonic_time() at
 * receipt. true if queued; false if refused or dropped (counted). */
bool recorder_push_rtp(Recorder *r, int handle, const uint8_t *rtp, size_t len,
                       int64_t arrival_us);

/* Worker, optional: an RTCP sender report of the publisher for the track
 * (ntp: 64-bit NTP timestamp, rtp_ts its RTP timestamp). When both tracks of
 * a piece have one, the A/V offset in the file follows the sender's clock
 * instead of arrival times. */
bool recorder_on_sender_report(Recorder *r, int handle, uint64_t ntp, uint32_t rtp_ts,
                               int64_t arrival_us);

/* Worker: the participant left or its publisher went away: finalise its
 * file. Later packets on the piece's handles are refused. */
bool recorder_piece_end(Recorder *r, int piece);

/* Any thread: counters so far. */
void recorder_get_stats(Recorder *r, RecorderStats *out);
const char *recorder_dir(Recorder *r);     /* absolute */
const char *recorder_rel_dir(Recorder *r); /* relative to the recordings directory */

/* Control thread: drains what is queued, finalises every file (EOS, waits
 * for the muxer), hashes them, writes manifest.json atomically, stops the
 * thread. Returns the result (also what the manifest says) or NULL with
 * *err; a second call is REC_ERR_STATE. When the manifest cannot be
 * written (a full disk) the result still lists every file on disk, with
 * manifest_path NULL, and *err is REC_ERR_IO: files are never lost from
 * the report because their manifest was. Blocks for up to
 * finalize_timeout_ms per piece: never call it on a media worker. */
RecResult *recorder_stop(Recorder *r, RecError *err);

/* Same, on a thread of its own, and then frees r: the caller gives r up
 * (a media worker can call this: it never blocks). cb runs in ctx (NULL: the
 * global default context) with the result (owned by cb) or NULL and the
 * error. */
typedef void (*RecorderStopped)(RecResult *res, RecError err, gpointer user_data);
void recorder_stop_async(Recorder *r, GMainContext *ctx, RecorderStopped cb,
                         gpointer user_data);

/* Stops first if needed. NULL is fine. */
void recorder_free(Recorder *r);

void rec_result_free(RecResult *res);
/* The `recording_file` data for signalling/booking: {path, participant,
 * piece, start_offset_ms, duration_ms, size, sha256, complete, tracks:[...]}.
 * New reference. */
json_t *rec_file_to_json(const RecFile *f);
/* The whole manifest document. New reference. */
json_t *rec_result_to_json(const RecResult *res);

#endif
