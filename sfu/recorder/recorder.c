/* Recorder: see recorder.h for the contract, docs/recording.md for why.
 *
 * Data flow: worker --(RecQueue, lock-free)--> recorder thread --> one
 * GStreamer pipeline per file --> WebM file.
 *
 * A piece is one participant's presence; its tracks are declared up front.
 * It is written as one file, or as consecutive files ("parts") when the set
 * of tracks actually flowing changes for long: a muxer cannot add a track
 * once it has written its header, and it holds every other track in memory
 * while one of its tracks is silent. So: a part starts when all declared
 * tracks have sent (or after track_wait_ms with those that have), and a
 * track silent for track_idle_split_ms ends the part (a new one goes on
 * without it, and another when it comes back). Gaps shorter than that stay
 * gaps inside a file; longer ones are between files, on the same timeline.
 *
 * The piece/track tables are written by the producer (worker) before it
 * pushes any item that refers to them; the queue's release/acquire pair
 * makes them visible to the recorder thread. After publication the only
 * field the producer still writes is `ended` (its own flag, never read by
 * the consumer); everything the consumer writes is marked consumer-only. */
#include "recorder/recorder.h"

#include <errno.h>
#include <gst/gst.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "recorder/rec_fs.h"
#include "timeutil.h"

/* Packets held while a part waits for its tracks (bounded). */
#define REC_MAX_HELD 4096

typedef struct {
  /* consumer-only */
  bool have_first;
  uint32_t first_rtp;
  int64_t first_at_us;
  bool flowing;        /* has sent since the current part set was chosen */
  int64_t last_at_us;
  /* RTP timestamp -> call time: anchored at the first packet's arrival */
  uint32_t last_rtp;
  int64_t ext_rtp;     /* unwrapped RTP timestamp of the latest packet */
  int64_t anchor_ext, anchor_at_us;
  uint64_t resyncs;
  bool have_sr;
  uint64_t sr_ntp;
  uint32_t sr_rtp;
  bool sr_synced;
  int64_t sr_correction_us; /* applied to this track's timestamps, every part */
} TrackCons;

typedef struct {
  /* published by the producer */
  char id[129];
  RecPipeTrack desc;
  int piece;          /* index into pieces[] */
  unsigned slot;      /* index of this track in its piece */
  TrackCons c;
} RecTrack;

typedef struct {
  RecPiecePipe *pipe;
  char *path, *rel_path, *error;
  unsigned part;
  int64_t base_us;
  unsigned ntracks;
  int pipe_slot[REC_PIECE_MAX_TRACKS];       /* piece track -> pipe slot, -1 */
  unsigned piece_track[REC_PIECE_MAX_TRACKS]; /* pipe slot -> piece track */
  uint64_t packets[REC_PIECE_MAX_TRACKS];    /* per pipe slot */
  bool failed;
} RecPart;

typedef struct {
  unsigned track; /* piece track index */
  int64_t at_us;
  size_t len;
  uint8_t data[];
} Held;

typedef struct {
  /* published by the producer */
  char participant[129];
  unsigned index;      /* 1-based, in file names */
  int first_track;
  unsigned ntracks;
  bool ended;          /* producer-only */
  /* consumer-only */
  GPtrArray *parts;    /* RecPart*, in order */
  RecPart *cur;        /* the part being written, or NULL */
  GPtrArray *held;     /* Held*, waiting for a part */
  int64_t held_first_at_us;
  bool failed, ended_c;
} RecPiece;

struct Recorder {
  char *root, *room, *rel_dir, *dir;
  RecorderOptions opts;
  int64_t started_at_ms;
  RecQueue *q;
  GThread *thread;
  _Atomic int stopping;
  bool stopped;
  /* producer-owned counts (the consumer only reads entries that items
   * referred to) */
  unsigned npieces, ntracks;
  RecPiece pieces[REC_MAX_PIECES];
  RecTrack tracks[REC_MAX_TRACKS];
  _Atomic uint64_t refused, backlog_dropped, dropped_failed, files_started, pieces_failed;
};

const char *recorder_error_code(RecError e) {
  switch (e) {
  case REC_OK: return "ok";
  case REC_ERR_NOT_RECORDABLE: return "room_not_recordable";
  case REC_ERR_BAD_REQUEST:
  case REC_ERR_LIMIT: return "bad_request";
  case REC_ERR_STATE: return "wrong_state";
  case REC_ERR_IO:
  case REC_ERR_INTERNAL: return "internal";
  }
  return "internal";
}

static void set_error(RecError *err, RecError e) {
  if (err) *err = e;
}

/* ---- consumer side ---------------------------------------------------- */

static RecTrack *piece_track(Recorder *r, RecPiece *p, unsigned i) {
  return &r->tracks[p->first_track + i];
}

static void piece_fail(Recorder *r, RecPiece *p, RecPart *pt, const char *why) {
  if (pt && !pt->failed) {
    pt->failed = true;
    g_free(pt->error);
    pt->error = g_strdup(why);
  }
  if (p->failed) return;
  p->failed = true;
  atomic_fetch_add(&r->pieces_failed, 1);
  /* What stays on disk of this piece so far (reported complete=0 at stop). */
  RecPieceFailure f = {.room = r->room, .participant = p->participant, .piece = p->index,
                       .part = pt ? pt->part : 0, .error = why, .at_ms = time_now_ms()};
  for (guint i = 0; p->parts && i < p->parts->len; i++) {
    RecPart *k = p->parts->pdata[i];
    struct stat sb;
    if (!k->path || stat(k->path, &sb) != 0) continue;
    f.files_kept++;
    f.bytes_kept += sb.st_size;
  }
  char q1[160], q2[300];
  log_error("recording_piece_failed",
            "room=%s participant=%s piece=%u part=%u error=%s files_kept=%u bytes_kept=%" G_GINT64_FORMAT,
            r->room, log_quote(q1, sizeof q1, p->participant), p->index, f.part,
            log_quote(q2, sizeof q2, why), f.files_kept, f.bytes_kept);
  /* At once, not at the call's end: a recording that must be made has
   * stopped, and staff must know while the call is on. */
  if (r->opts.on_piece_failed) r->opts.on_piece_failed(&f, r->opts.on_piece_failed_user);
}

static void held_clear(RecPiece *p) {
  if (p->held) g_ptr_array_set_size(p->held, 0);
}

/* Ends the running part: EOS now, the muxer finishes on its own; we collect
 * the result at stop. */
static void part_close(RecPiece *p) {
  if (!p->cur) return;
  if (p->cur->pipe) rec_pipe_end(p->cur->pipe);
  p->cur = NULL;
}

static void part_push(Recorder *r, RecPiece *p, unsigned ti, const uint8_t *data, size_t len,
                      int64_t at_us) {
  RecPart *pt = p->cur;
  int s = pt->pipe_slot[ti];
  if (s < 0) return;
  int rc = rec_pipe_push(pt->pipe, (unsigned)s, data, len, at_us);
  if (rc == 0) pt->packets[s]++;
  else if (rc == 1) atomic_fetch_add(&r->backlog_dropped, 1);
  else {
    char *m = NULL;
    rec_pipe_poll_error(pt->pipe, &m);
    piece_fail(r, p, pt, m ? m : "pipeline refused data");
    g_free(m);
  }
}

/* Starts a part with the tracks that are flowing, from the first held
 * packet, and writes the held packets into it. */
static void part_start(Recorder *r, RecPiece *p) {
  int64_t setup_start = g_get_monotonic_time();
  RecPart *pt = g_new0(RecPart, 1);
  pt->part = p->parts->len + 1;
  pt->base_us = p->held_first_at_us;
  for (guint i = 0; i < p->held->len; i++) {
    Held *h = p->held->pdata[i];
    if (h->at_us < pt->base_us) pt->base_us = h->at_us;
  }
  g_ptr_array_add(p->parts, pt);
  RecPipeTrack descs[REC_PIECE_MAX_TRACKS];
  for (unsigned i = 0; i < p->ntracks; i++) {
    RecTrack *t = piece_track(r, p, i);
    pt->pipe_slot[i] = -1;
    if (!t->c.flowing) continue;
    pt->pipe_slot[i] = (int)pt->ntracks;
    pt->piece_track[pt->ntracks] = i;
    descs[pt->ntracks++] = t->desc;
  }
  char *name = g_strdup_printf("%03u-%s-%u.webm", p->index, p->participant, pt->part);
  pt->path = g_build_filename(r->dir, name, NULL);
  pt->rel_path = g_build_filename(r->rel_dir, name, NULL);
  g_free(name);
  if (rec_fs_create_private_file(pt->path) != 0) {
    char why[256];
    g_snprintf(why, sizeof why, "cannot create file: %s", g_strerror(errno));
    g_clear_pointer(&pt->path, g_free); /* nothing on disk to list */
    piece_fail(r, p, pt, why);
    held_clear(p);
    return;
  }
  char *e = NULL;
  pt->pipe = rec_pipe_new(pt->path, descs, pt->ntracks, r->opts.jitter_latency_ms, &e);
  if (pt->pipe) {
    for (unsigned s = 0; s < pt->ntracks; s++) {
      RecTrack *t = piece_track(r, p, pt->piece_track[s]);
      if (t->c.sr_correction_us) rec_pipe_set_ts_offset(pt->pipe, s, t->c.sr_correction_us * 1000);
    }
  }
  if (!pt->pipe || rec_pipe_start(pt->pipe, pt->base_us, &e) != 0) {
    piece_fail(r, p, pt, e ? e : "pipeline");
    g_free(e);
    held_clear(p);
    return;
  }
  atomic_fetch_add(&r->files_started, 1);
  p->cur = pt;
  char q1[160];
  log_info("recording_file_started",
           "room=%s participant=%s piece=%u part=%u tracks=%u offset_ms=%" G_GINT64_FORMAT
           " held=%u setup_us=%" G_GINT64_FORMAT " since_base_ms=%" G_GINT64_FORMAT,
           r->room, log_quote(q1, sizeof q1, p->participant), p->index, pt->part, pt->ntracks,
           (pt->base_us - r->opts.timeline_zero_us) / 1000, p->held->len,
           g_get_monotonic_time() - setup_start,
           /* the file begins with the packets held while it was set up: this
            * is how much of it lies before this line (tests add it to the
            * line's time to know where the file should begin) */
           (g_get_monotonic_time() - pt->base_us) / 1000);
  for (guint i = 0; i < p->held->len && p->cur; i++) {
    Held *h = p->held->pdata[i];
    part_push(r, p, h->track, h->data, h->len, h->at_us);
  }
  held_clear(p);
}

static bool all_flowing(Recorder *r, RecPiece *p) {
  for (unsigned i = 0; i < p->ntracks; i++)
    if (!piece_track(r, p, i)->c.flowing) return false;
  return true;
}

/* Starts a part from the held packets when every track flows, when forced
 * (the track set just changed), or when the wait is over. */
static void maybe_start(Recorder *r, RecPiece *p, int64_t now_us, bool force) {
  if (p->cur || p->failed || !p->held->len) return;
  if (!force && !all_flowing(r, p) && p->held->len < REC_MAX_HELD &&
      now_us - p->held_first_at_us < (int64_t)r->opts.track_wait_ms * 1000)
    return;
  part_start(r, p);
}

static void hold(RecPiece *p, unsigned ti, const RecQueueItem *it, int64_t ts_us) {
  if (!p->held->len) p->held_first_at_us = ts_us;
  Held *h = g_malloc(sizeof *h + it->len);
  h->track = ti;
  h->at_us = ts_us;
  h->len = it->len;
  memcpy(h->data, it->data, it->len);
  g_ptr_array_add(p->held, h);
}

static int64_t ntp_to_us(uint64_t ntp) {
  return (int64_t)(ntp >> 32) * 1000000 + (int64_t)(((ntp & 0xffffffffu) * 1000000) >> 32);
}

/* Sender time of a track's first packet, from its latest sender report. */
static int64_t sender_time_of_first(const RecTrack *t) {
  int32_t d = (int32_t)(t->c.first_rtp - t->c.sr_rtp);
  return ntp_to_us(t->c.sr_ntp) + (int64_t)d * 1000000 / (int64_t)t->desc.clock_rate;
}

static bool track_written(Recorder *r, RecPiece *p, unsigned ti) {
  for (guint i = 0; i < p->parts->len; i++) {
    RecPart *pt = p->parts->pdata[i];
    int s = pt->pipe_slot[ti];
    if (s >= 0 && pt->packets[s] > 0) return true;
  }
  return false;
}

static void apply_correction(RecPiece *p, RecTrack *t, int64_t us) {
  t->c.sr_correction_us = us;
  if (p->cur && p->cur->pipe_slot[t->slot] >= 0)
    rec_pipe_set_ts_offset(p->cur->pipe, (unsigned)p->cur->pipe_slot[t->slot], us * 1000);
}

/* With sender reports for both tracks of a piece, the true A/V offset is
 * known; shift one track by the difference from the arrival-based one
 * (what rtpbin does for lip-sync), once per piece. */
static void maybe_sr_sync(Recorder *r, RecPiece *p) {
  if (p->ntracks != 2) return;
  RecTrack *a = NULL, *v = NULL;
  for (unsigned i = 0; i < 2; i++) {
    RecTrack *t = piece_track(r, p, i);
    if (t->desc.kind == REC_KIND_AUDIO) a = t;
    else v = t;
  }
  if (!a || !v || v->c.sr_synced || !a->c.have_sr || !v->c.have_sr || !a->c.have_first ||
      !v->c.have_first)
    return;
  int64_t by_sender = sender_time_of_first(v) - sender_time_of_first(a);
  int64_t by_arrival = v->c.first_at_us - a->c.first_at_us;
  int64_t delta = by_sender - by_arrival;
  v->c.sr_synced = true;
  a->c.sr_synced = true;
  if (delta > 5000000 || delta < -5000000) {
    log_warn("recording_sr_ignored", "room=%s piece=%u delta_ms=%" G_GINT64_FORMAT, r->room,
             p->index, delta / 1000);
    v->c.sr_synced = a->c.sr_synced = false;
    return;
  }
  /* Timestamps of a track that has already been written may only move
   * forward (a backward jump makes the jitter buffer clamp frames onto one
   * timestamp): delay video if it must go later or has not been written
   * yet, otherwise delay audio. Either way the relative A/V offset becomes
   * the sender's; a forward shift of a running track leaves a gap of
   * |delta|. */
  if (delta >= 0 || !track_written(r, p, v->slot)) apply_correction(p, v, delta);
  else apply_correction(p, a, -delta);
}

/* Media time of a packet: its RTP timestamp (unwrapped) from the track's
 * anchor, not its arrival time, so network jitter or a stalled path that
 * delivers a burst late neither opens a gap nor shifts what follows; a
 * sender's pause that keeps its RTP clock running (a muted camera, a
 * track muted at the SFU) is a gap of the right length. If the RTP clock
 * and arrival disagree by more than 2 s (an RTP timestamp jump, a sender
 * that froze its clock) we re-anchor at the arrival time. */
static int64_t media_time_us(RecTrack *t, uint32_t rtp, int64_t at_us) {
  TrackCons *c = &t->c;
  if (!c->have_first) {
    c->last_rtp = rtp;
    c->ext_rtp = c->anchor_ext = 0;
    c->anchor_at_us = at_us;
    return at_us;
  }
  c->ext_rtp += (int32_t)(rtp - c->last_rtp);
  c->last_rtp = rtp;
  int64_t ts = c->anchor_at_us + (c->ext_rtp - c->anchor_ext) * 1000000 / (int64_t)t->desc.clock_rate;
  if (ts - at_us > 2000000 || at_us - ts > 2000000) {
    c->anchor_ext = c->ext_rtp;
    c->anchor_at_us = at_us;
    c->resyncs++;
    return at_us;
  }
  return ts;
}

static void consume_rtp(Recorder *r, RecPiece *p, RecTrack *t, const RecQueueItem *it) {
  if (p->failed) {
    atomic_fetch_add(&r->dropped_failed, 1);
    return;
  }
  unsigned ti = t->slot;
  t->c.flowing = true;
  t->c.last_at_us = it->at_us;
  uint32_t rtp = ((uint32_t)it->data[4] << 24) | ((uint32_t)it->data[5] << 16) |
                 ((uint32_t)it->data[6] << 8) | it->data[7];
  int64_t ts_us = media_time_us(t, rtp, it->at_us);
  if (!t->c.have_first) {
    t->c.have_first = true;
    t->c.first_rtp = ((uint32_t)it->data[4] << 24) | ((uint32_t)it->data[5] << 16) |
                     ((uint32_t)it->data[6] << 8) | it->data[7];
    t->c.first_at_us = it->at_us;
    maybe_sr_sync(r, p);
  }
  bool force = false;
  if (p->cur && p->cur->pipe_slot[ti] < 0) {
    /* A track that was not flowing when this file started: a new file with it. */
    part_close(p);
    force = true;
  } else if (p->cur) {
    for (unsigned i = 0; i < p->ntracks; i++) {
      RecTrack *o = piece_track(r, p, i);
      if (o == t || p->cur->pipe_slot[i] < 0) continue;
      if (it->at_us - o->c.last_at_us > (int64_t)r->opts.track_idle_split_ms * 1000) {
        /* o went silent: go on without it rather than hold t in memory. */
        o->c.flowing = false;
        part_close(p);
        force = true;
      }
    }
  }
  if (p->cur) {
    part_push(r, p, ti, it->data, it->len, ts_us);
    return;
  }
  hold(p, ti, it, ts_us);
  maybe_start(r, p, it->at_us, force);
}

/* The piece is over (participant left, or stop): write what is held, end. */
static void piece_finish_input(Recorder *r, RecPiece *p) {
  if (p->ended_c) return;
  p->ended_c = true;
  if (!p->parts) return; /* never received a packet: no file */
  if (!p->cur && p->held->len && !p->failed) part_start(r, p);
  part_close(p);
  held_clear(p);
}

static void consume(Recorder *r, const RecQueueItem *it) {
  if (it->type == REC_ITEM_PIECE_END) {
    if (it->handle < REC_MAX_PIECES) piece_finish_input(r, &r->pieces[it->handle]);
    return;
  }
  if (it->handle >= REC_MAX_TRACKS) return;
  RecTrack *t = &r->tracks[it->handle];
  RecPiece *p = &r->pieces[t->piece];
  if (p->ended_c) return;
  if (!p->parts) {
    p->parts = g_ptr_array_new();
    p->held = g_ptr_array_new_with_free_func(g_free);
  }
  if (it->type == REC_ITEM_SR) {
    t->c.have_sr = true;
    t->c.sr_ntp = it->ntp;
    t->c.sr_rtp = it->rtp_ts;
    maybe_sr_sync(r, p);
    return;
  }
  consume_rtp(r, p, t, it);
}

static void poll_errors(Recorder *r) {
  for (unsigned i = 0; i < REC_MAX_PIECES; i++) {
    RecPiece *p = &r->pieces[i];
    if (!p->parts) continue;
    for (guint k = 0; k < p->parts->len; k++) {
      RecPart *pt = p->parts->pdata[k];
      if (!pt->pipe || pt->failed) continue;
      char *m = NULL;
      if (rec_pipe_poll_error(pt->pipe, &m)) piece_fail(r, p, pt, m);
      g_free(m);
    }
  }
}

static gpointer consumer_main(gpointer data) {
  Recorder *r = data;
  unsigned idle = 0;
  for (;;) {
    int stopping = atomic_load(&r->stopping);
    unsigned n = 0;
    const RecQueueItem *it;
    while (n < 512 && (it = rec_queue_peek(r->q))) {
      consume(r, it);
      rec_queue_release(r->q);
      n++;
    }
    if (n == 0 || ++idle % 64 == 0) poll_errors(r);
    if (n == 0) {
      /* Everything the producer pushed before stop is drained. */
      if (stopping) break;
      /* Polling keeps the producer free of any wake-up syscall; 5 ms is far
       * below what the queue holds (2048 slots: seconds of a call). */
      g_usleep(5000);
    }
  }
  for (unsigned i = 0; i < REC_MAX_PIECES; i++)
    if (r->pieces[i].parts) piece_finish_input(r, &r->pieces[i]);
  return NULL;
}

/* ---- producer side ---------------------------------------------------- */

int recorder_piece_begin(Recorder *r, const char *participant, const RecTrackDesc *tracks,
                         unsigned n, int *handles_out, RecError *err) {
  if (!r || r->stopped || atomic_load(&r->stopping)) {
    set_error(err, REC_ERR_STATE);
    return -1;
  }
  if (!rec_fs_id_valid(participant) || !tracks || n < 1 || n > REC_PIECE_MAX_TRACKS ||
      !handles_out) {
    set_error(err, REC_ERR_BAD_REQUEST);
    return -1;
  }
  bool audio = false, video = false;
  for (unsigned i = 0; i < n; i++) {
    const RecTrackDesc *d = &tracks[i];
    if (!rec_fs_id_valid(d->track_id) || strlen(d->track_id) > 128 || d->payload_type > 127) {
      set_error(err, REC_ERR_BAD_REQUEST);
      return -1;
    }
    if (d->kind == REC_KIND_AUDIO && d->codec == REC_CODEC_OPUS && d->clock_rate == 48000 &&
        !audio)
      audio = true;
    else if (d->kind == REC_KIND_VIDEO && (d->codec == REC_CODEC_VP8 || d->codec == REC_CODEC_VP9) &&
             d->clock_rate == 90000 && !video)
      video = true;
    else {
      set_error(err, REC_ERR_BAD_REQUEST);
      return -1;
    }
  }
  if (r->npieces >= REC_MAX_PIECES || r->ntracks + n > REC_MAX_TRACKS) {
    set_error(err, REC_ERR_LIMIT);
    return -1;
  }
  unsigned pi = r->npieces;
  RecPiece *p = &r->pieces[pi];
  g_strlcpy(p->participant, participant, sizeof p->participant);
  p->index = pi + 1;
  p->first_track = (int)r->ntracks;
  p->ntracks = n;
  for (unsigned i = 0; i < n; i++) {
    RecTrack *t = &r->tracks[r->ntracks + i];
    g_strlcpy(t->id, tracks[i].track_id, sizeof t->id);
    t->desc.kind = tracks[i].kind;
    t->desc.codec = tracks[i].codec;
    t->desc.payload_type = tracks[i].payload_type;
    t->desc.clock_rate = tracks[i].clock_rate;
    t->piece = (int)pi;
    t->slot = i;
    handles_out[i] = (int)(r->ntracks + i);
  }
  r->ntracks += n;
  r->npieces++;
  set_error(err, REC_OK);
  return (int)p->index;
}

static RecTrack *producer_track(Recorder *r, int handle) {
  if (!r || handle < 0 || (unsigned)handle >= r->ntracks) return NULL;
  RecTrack *t = &r->tracks[handle];
  if (r->pieces[t->piece].ended) return NULL;
  return t;
}

bool recorder_push_rtp(Recorder *r, int handle, const uint8_t *rtp, size_t len,
                       int64_t arrival_us) {
  RecTrack *t = producer_track(r, handle);
  /* Cheap checks only: an RTP v2 header of this track's payload type. */
  if (!t || !rtp || len < 12 || (rtp[0] >> 6) != 2 || (rtp[1] & 0x7f) != t->desc.payload_type) {
    if (r) atomic_fetch_add_explicit(&r->refused, 1, memory_order_relaxed);
    return false;
  }
  return rec_queue_push(r->q, REC_ITEM_RTP, (uint16_t)handle, arrival_us, rtp, len, false);
}

bool recorder_on_sender_report(Recorder *r, int handle, uint64_t ntp, uint32_t rtp_ts,
                               int64_t arrival_us) {
  if (!producer_track(r, handle)) {
    if (r) atomic_fetch_add_explicit(&r->refused, 1, memory_order_relaxed);
    return false;
  }
  return rec_queue_push_sr(r->q, (uint16_t)handle, arrival_us, ntp, rtp_ts);
}

bool recorder_piece_end(Recorder *r, int piece) {
  if (!r || piece < 1 || (unsigned)piece > r->npieces || r->pieces[piece - 1].ended) return false;
  r->pieces[piece - 1].ended = true;
  /* If even the reserve is full the piece is finalised at stop instead; its
   * handles already refuse packets. */
  return rec_queue_push(r->q, REC_ITEM_PIECE_END, (uint16_t)(piece - 1), 0, NULL, 0, true);
}

/* ---- lifecycle -------------------------------------------------------- */
/* ---- lifecycle -------------------------------------------------------- */

Recorder *recorder_new(const char *dir, const char *room_id, RecorderPolicy policy,
                       const RecorderOptions *opts, RecError *err) {
  /* Policy first, before any validation that could touch anything. */
  if (policy != RECORDER_RECORDABLE) {
    char q[160];
    log_warn("recording_refused", "room=%s reason=room_not_recordable",
             log_quote(q, sizeof q, room_id ? room_id : "(null)"));
    set_error(err, REC_ERR_NOT_RECORDABLE);
    return NULL;
  }
  if (!dir || !*dir || !rec_fs_id_valid(room_id)) {
    set_error(err, REC_ERR_BAD_REQUEST);
    return NULL;
  }
  /* Fail at record_start, not at the first packet, if GStreamer or one of
   * the plugins is missing. gst_init is idempotent. */
  if (!gst_is_initialized() && !gst_init_check(NULL, NULL, NULL)) {
    set_error(err, REC_ERR_INTERNAL);
    return NULL;
  }
  static const char *const needed[] = {"appsrc", "rtpjitterbuffer", "rtpopusdepay", "rtpvp8depay",
                                       "rtpvp9depay", "queue", "webmmux", "filesink", NULL};
  for (const char *const *e = needed; *e; e++) {
    GstElementFactory *f = gst_element_factory_find(*e);
    if (!f) {
      log_error("recording_start_failed", "room=%s error=\"GStreamer element %s missing\"",
                room_id, *e);
      set_error(err, REC_ERR_INTERNAL);
      return NULL;
    }
    gst_object_unref(f);
  }
  Recorder *r = g_new0(Recorder, 1);
  if (opts) r->opts = *opts;
  if (!r->opts.timeline_zero_us) r->opts.timeline_zero_us = g_get_monotonic_time();
  if (!r->opts.queue_slots) r->opts.queue_slots = 2048;
  if (!r->opts.jitter_latency_ms) r->opts.jitter_latency_ms = 200;
  if (!r->opts.finalize_timeout_ms) r->opts.finalize_timeout_ms = 10000;
  if (!r->opts.track_wait_ms) r->opts.track_wait_ms = 5000;
  if (!r->opts.track_idle_split_ms) r->opts.track_idle_split_ms = 5000;
  r->started_at_ms = time_now_ms() - (g_get_monotonic_time() - r->opts.timeline_zero_us) / 1000;
  r->root = g_canonicalize_filename(dir, NULL);
  r->room = g_strdup(room_id);
  r->q = rec_queue_new(r->opts.queue_slots, r->opts.queue_slots / 16 + 1);
  if (!r->q) goto io_fail;
  char *room_dir = g_build_filename(r->root, room_id, NULL);
  if (rec_fs_private_dir(r->root) != 0 || rec_fs_private_dir(room_dir) != 0) {
    g_free(room_dir);
    goto io_fail;
  }
  /* One directory per recording session; a room recorded twice gets two. */
  char stamp[32];
  GDateTime *now = g_date_time_new_now_utc();
  char *s = g_date_time_format(now, "%Y%m%dT%H%M%SZ");
  g_date_time_unref(now);
  g_strlcpy(stamp, s, sizeof stamp);
  g_free(s);
  for (int k = 0; k < 100 && !r->dir; k++) {
    char *leaf = k ? g_strdup_printf("%s-%d", stamp, k) : g_strdup(stamp);
    char *path = g_build_filename(room_dir, leaf, NULL);
    if (mkdir(path, 0700) == 0 && chmod(path, 0700) == 0) {
      r->dir = path;
      r->rel_dir = g_build_filename(room_id, leaf, NULL);
    } else {
      g_free(path);
      if (errno != EEXIST) {
        g_free(leaf);
        break;
      }
    }
    g_free(leaf);
  }
  g_free(room_dir);
  if (!r->dir) goto io_fail;
  GError *gerr = NULL;
  r->thread = g_thread_try_new("recorder", consumer_main, r, &gerr);
  if (!r->thread) {
    g_clear_error(&gerr);
    rmdir(r->dir);
    set_error(err, REC_ERR_INTERNAL);
    goto free_fail;
  }
  log_info("recording_started", "room=%s dir=%s", r->room, r->rel_dir);
  set_error(err, REC_OK);
  return r;
io_fail:
  log_error("recording_start_failed", "room=%s error=\"%s\"", r->room, g_strerror(errno));
  set_error(err, REC_ERR_IO);
free_fail:
  rec_queue_free(r->q);
  g_free(r->root);
  g_free(r->room);
  g_free(r->dir);
  g_free(r->rel_dir);
  g_free(r);
  return NULL;
}

const char *recorder_dir(Recorder *r) { return r ? r->dir : NULL; }
const char *recorder_rel_dir(Recorder *r) { return r ? r->rel_dir : NULL; }

void recorder_get_stats(Recorder *r, RecorderStats *out) {
  memset(out, 0, sizeof *out);
  if (!r) return;
  rec_queue_stats(r->q, &out->queue);
  out->refused = atomic_load(&r->refused);
  out->backlog_dropped = atomic_load(&r->backlog_dropped);
  out->dropped_failed = atomic_load(&r->dropped_failed);
  out->files_started = atomic_load(&r->files_started);
  out->pieces_failed = atomic_load(&r->pieces_failed);
}

static void rec_file_free(gpointer data) {
  RecFile *f = data;
  g_free(f->path);
  g_free(f->rel_path);
  g_free(f->participant);
  g_free(f->error);
  for (unsigned i = 0; i < f->ntracks; i++) g_free(f->tracks[i].track_id);
  g_free(f);
}

void rec_result_free(RecResult *res) {
  if (!res) return;
  g_free(res->call_id);
  g_free(res->dir);
  g_free(res->rel_dir);
  g_free(res->manifest_path);
  g_free(res->manifest_error);
  if (res->files) g_ptr_array_free(res->files, TRUE);
  g_free(res);
}

json_t *rec_file_to_json(const RecFile *f) {
  json_t *tracks = json_array();
  for (unsigned i = 0; i < f->ntracks; i++) {
    const RecFileTrack *t = &f->tracks[i];
    json_array_append_new(
        tracks, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:I}", "id", t->track_id,
                          "kind", rec_kind_name(t->kind), "codec", rec_codec_name(t->codec),
                          "start_offset_ms", (json_int_t)t->start_offset_ms, "duration_ms",
                          (json_int_t)t->duration_ms, "packets", (json_int_t)t->packets,
                          "frames", (json_int_t)t->frames, "lost_events",
                          (json_int_t)t->lost_events, "sync",
                          t->sr_synced ? "rtcp_sr" : "arrival", "sr_correction_ms",
                          (json_int_t)t->sr_correction_ms));
  }
  json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:I, s:s, s:b, s:o}", "path",
                        f->rel_path, "name", strrchr(f->rel_path, '/') + 1, "participant",
                        f->participant, "piece", (int)f->piece, "part", (int)f->part,
                        "start_offset_ms",
                        (json_int_t)f->start_offset_ms, "duration_ms", (json_int_t)f->duration_ms,
                        "size", (json_int_t)f->size, "sha256", f->sha256, "complete",
                        f->complete, "tracks", tracks);
  if (f->error) json_object_set_new(o, "error", json_string(f->error));
  return o;
}

json_t *rec_result_to_json(const RecResult *res) {
  char a[32], b[32];
  json_t *files = json_array();
  for (guint i = 0; i < res->files->len; i++)
    json_array_append_new(files, rec_file_to_json(g_ptr_array_index(res->files, i)));
  const RecorderStats *s = &res->stats;
  json_t *stats = json_pack(
      "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "packets_queued", (json_int_t)s->queue.pushed,
      "dropped_queue_full", (json_int_t)s->queue.dropped_full, "dropped_control",
      (json_int_t)s->queue.dropped_control, "dropped_oversize",
      (json_int_t)s->queue.dropped_oversize, "refused", (json_int_t)s->refused,
      "dropped_backlog", (json_int_t)s->backlog_dropped, "dropped_failed",
      (json_int_t)s->dropped_failed, "pieces_failed",
      (json_int_t)s->pieces_failed);
  return json_pack("{s:i, s:s, s:s, s:s, s:I, s:s, s:I, s:I, s:o, s:o}", "version", 1, "call_id",
                   res->call_id, "dir", res->rel_dir, "started_at",
                   time_format_iso8601(res->started_at_ms / 1000, a, sizeof a), "started_at_ms",
                   (json_int_t)res->started_at_ms, "ended_at",
                   time_format_iso8601(res->ended_at_ms / 1000, b, sizeof b), "ended_at_ms",
                   (json_int_t)res->ended_at_ms, "duration_ms", (json_int_t)res->duration_ms,
                   "files", files, "stats", stats);
}

static RecFile *finish_part(Recorder *r, RecPiece *p, RecPart *pt) {
  char *e = NULL;
  bool complete = false;
  if (pt->pipe && !pt->failed) {
    complete = rec_pipe_finish(pt->pipe, r->opts.finalize_timeout_ms, &e) == 0;
    if (!complete) piece_fail(r, p, pt, e ? e : "not finalised");
  } else if (pt->pipe) {
    rec_pipe_finish(pt->pipe, 1000, NULL);
  }
  g_free(e);
  RecFile *f = g_new0(RecFile, 1);
  f->path = g_strdup(pt->path);
  f->rel_path = g_strdup(pt->rel_path);
  f->participant = g_strdup(p->participant);
  f->piece = p->index;
  f->part = pt->part;
  f->start_offset_ms = (pt->base_us - r->opts.timeline_zero_us) / 1000;
  f->complete = complete;
  f->error = g_strdup(pt->error);
  int64_t end_ns = 0;
  f->ntracks = pt->ntracks;
  for (unsigned s = 0; s < pt->ntracks; s++) {
    RecTrack *t = piece_track(r, p, pt->piece_track[s]);
    RecPipeTrackStats st = {.first_pts_ns = -1, .end_ns = -1};
    if (pt->pipe) rec_pipe_track_stats(pt->pipe, s, &st);
    RecFileTrack *ft = &f->tracks[s];
    ft->track_id = g_strdup(t->id);
    ft->kind = t->desc.kind;
    ft->codec = t->desc.codec;
    ft->packets = pt->packets[s];
    ft->frames = st.frames;
    ft->lost_events = st.lost_events;
    ft->sr_synced = t->c.sr_synced;
    ft->sr_correction_ms = t->c.sr_correction_us / 1000;
    if (st.first_pts_ns >= 0) {
      ft->start_offset_ms = f->start_offset_ms + st.first_pts_ns / 1000000;
      ft->duration_ms = (st.end_ns - st.first_pts_ns) / 1000000;
      if (st.end_ns > end_ns) end_ns = st.end_ns;
    } else {
      ft->start_offset_ms = -1; /* nothing of it reached the file */
    }
  }
  f->duration_ms = end_ns / 1000000;
  if (rec_fs_sha256_file(f->path, f->sha256, &f->size) != 0) {
    f->complete = false;
    if (!f->error) f->error = g_strdup_printf("cannot hash: %s", g_strerror(errno));
  }
  char q1[160];
  log_info("recording_file", "room=%s participant=%s piece=%u part=%u path=%s size=%" G_GINT64_FORMAT
           " duration_ms=%" G_GINT64_FORMAT " sha256=%s complete=%d",
           r->room, log_quote(q1, sizeof q1, p->participant), p->index, pt->part, f->rel_path,
           f->size, f->duration_ms, f->sha256, f->complete);
  return f;
}

static void part_free(RecPart *pt) {
  if (pt->pipe) rec_pipe_free(pt->pipe);
  g_free(pt->path);
  g_free(pt->rel_path);
  g_free(pt->error);
  g_free(pt);
}

RecResult *recorder_stop(Recorder *r, RecError *err) {
  if (!r || r->stopped) {
    set_error(err, REC_ERR_STATE);
    return NULL;
  }
  r->stopped = true;
  atomic_store(&r->stopping, 1);
  g_thread_join(r->thread);
  r->thread = NULL;
  int64_t stop_us = g_get_monotonic_time();
  /* End every piece first so all muxers finalise in parallel, then wait. */
  /* (the recorder thread ended every part on its way out, so all muxers
   * finalise in parallel; now wait for each.) */
  RecResult *res = g_new0(RecResult, 1);
  res->call_id = g_strdup(r->room);
  res->dir = g_strdup(r->dir);
  res->rel_dir = g_strdup(r->rel_dir);
  res->files = g_ptr_array_new_with_free_func(rec_file_free);
  for (unsigned i = 0; i < REC_MAX_PIECES; i++) {
    RecPiece *p = &r->pieces[i];
    if (!p->parts) continue;
    for (guint k = 0; k < p->parts->len; k++) {
      RecPart *pt = p->parts->pdata[k];
      if (!pt->path) continue; /* its file could not even be created */
      g_ptr_array_add(res->files, finish_part(r, p, pt));
      rec_pipe_free(pt->pipe);
      pt->pipe = NULL;
    }
  }
  res->started_at_ms = r->started_at_ms;
  res->duration_ms = (stop_us - r->opts.timeline_zero_us) / 1000;
  res->ended_at_ms = r->started_at_ms + res->duration_ms;
  recorder_get_stats(r, &res->stats);
  json_t *doc = rec_result_to_json(res);
  char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(doc);
  int rc = text ? rec_fs_write_atomic(r->dir, "manifest.json", text, strlen(text)) : -1;
  free(text);
  if (rc != 0) {
    /* The files stay listed (each complete=0 if it could not be finished):
     * the caller reports them without a manifest. */
    res->manifest_error = g_strdup_printf("cannot write manifest.json: %s", g_strerror(errno));
    log_error("recording_manifest_failed", "room=%s error=\"%s\" files=%u", r->room,
              g_strerror(errno), res->files->len);
    set_error(err, REC_ERR_IO);
    return res;
  }
  res->manifest_path = g_build_filename(r->dir, "manifest.json", NULL);
  log_info("recording_stopped", "room=%s dir=%s files=%u dropped_queue_full=%" G_GUINT64_FORMAT,
           r->room, r->rel_dir, res->files->len, res->stats.queue.dropped_full);
  set_error(err, REC_OK);
  return res;
}

typedef struct {
  Recorder *r;
  GMainContext *ctx;
  RecorderStopped cb;
  gpointer user;
  RecResult *res;
  RecError err;
} StopJob;

static gboolean stop_job_done(gpointer data) {
  StopJob *j = data;
  j->cb(j->res, j->err, j->user);
  if (j->ctx) g_main_context_unref(j->ctx);
  g_free(j);
  return G_SOURCE_REMOVE;
}

static gpointer stop_job_main(gpointer data) {
  StopJob *j = data;
  j->res = recorder_stop(j->r, &j->err);
  recorder_free(j->r);
  j->r = NULL;
  g_main_context_invoke(j->ctx, stop_job_done, j);
  return NULL;
}

void recorder_stop_async(Recorder *r, GMainContext *ctx, RecorderStopped cb, gpointer user_data) {
  StopJob *j = g_new0(StopJob, 1);
  j->r = r;
  j->ctx = ctx ? g_main_context_ref(ctx) : NULL;
  j->cb = cb;
  j->user = user_data;
  g_thread_unref(g_thread_new("recorder-stop", stop_job_main, j));
}

void recorder_free(Recorder *r) {
  if (!r) return;
  if (!r->stopped) rec_result_free(recorder_stop(r, NULL));
  for (unsigned i = 0; i < REC_MAX_PIECES; i++) {
    RecPiece *p = &r->pieces[i];
    if (p->parts) {
      for (guint k = 0; k < p->parts->len; k++) part_free(p->parts->pdata[k]);
      g_ptr_array_free(p->parts, TRUE);
    }
    if (p->held) g_ptr_array_free(p->held, TRUE);
  }
  rec_queue_free(r->q);
  g_free(r->root);
  g_free(r->room);
  g_free(r->dir);
  g_free(r->rel_dir);
  g_free(r);
}
