/* Bounded single-producer/single-consumer queue of packet copies, from the
 * media worker thread that forwards a room (the only producer) to the
 * recorder thread of that room (the only consumer).
 *
 * Why: recording must never stall or delay forwarding. The producer side is
 * wait-free: a push is a bounds check, one memcpy into a preallocated slot and
 * one release store. No lock, no allocation, no syscall. When the queue is
 * full the item is dropped and counted; the producer never waits (there is no
 * blocking push in this API at all, so "producer waited" is 0 by design).
 *
 * Slots are fixed size (REC_QUEUE_MAX_PAYLOAD bytes of payload each, inline)
 * so memory is bounded at creation: capacity * sizeof(RecQueueItem).
 *
 * Reserve: `reserve` slots are kept for control items (end of a piece, RTCP
 * sender reports), which are rare but matter more than one media packet: a
 * media push fails when fewer than `reserve` slots are free, a control push
 * only when the queue is completely full.
 *
 * Threads: rec_queue_push* only from the producer thread; rec_queue_peek and
 * rec_queue_release only from the consumer thread; rec_queue_stats and
 * rec_queue_length from anywhere (relaxed counters, approximate while both
 * sides run). new/free when neither side runs. */
#ifndef PARLOUR_REC_QUEUE_H
#define PARLOUR_REC_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An SRTP-decrypted RTP packet is at most one MTU; bigger ones are refused. */
#define REC_QUEUE_MAX_PAYLOAD 1500

typedef enum {
  REC_ITEM_RTP = 1,       /* data = one RTP packet of track `handle` */
  REC_ITEM_SR = 2,        /* ntp, rtp_ts: an RTCP sender report of track `handle` */
  REC_ITEM_PIECE_END = 3, /* handle = piece index: its participant left */
} RecItemType;

typedef struct {
  uint8_t type;     /* RecItemType */
  uint16_t handle;  /* track handle, or piece index for REC_ITEM_PIECE_END */
  uint16_t len;     /* bytes used in data */
  int64_t at_us;    /* arrival time, monotonic clock (g_get_monotonic_time) */
  uint64_t ntp;     /* REC_ITEM_SR: NTP timestamp, 32.32 fixed point */
  uint32_t rtp_ts;  /* REC_ITEM_SR: the RTP timestamp matching ntp */
  uint8_t data[REC_QUEUE_MAX_PAYLOAD];
} RecQueueItem;

typedef struct {
  uint64_t pushed;           /* items accepted */
  uint64_t popped;           /* items released by the consumer */
  uint64_t dropped_full;     /* media items refused: queue full (slow consumer) */
  uint64_t dropped_control;  /* control items refused: even the reserve was full */
  uint64_t dropped_oversize; /* refused: len > REC_QUEUE_MAX_PAYLOAD */
} RecQueueStats;

typedef struct RecQueue RecQueue;

/* capacity >= 2 slots, reserve < capacity. NULL on bad arguments or OOM. */
RecQueue *rec_queue_new(unsigned capacity, unsigned reserve);
void rec_queue_free(RecQueue *q);

/* Producer. Copies len bytes of data (may be NULL when len is 0). `control`
 * items may use the reserve. Returns true if queued, false if dropped (and
 * counted). Never blocks. */
bool rec_queue_push(RecQueue *q, RecItemType type, uint16_t handle, int64_t at_us,
                    const uint8_t *data, size_t len, bool control);
/* Producer: an RTCP sender report (a control item). */
bool rec_queue_push_sr(RecQueue *q, uint16_t handle, int64_t at_us, uint64_t ntp,
                       uint32_t rtp_ts);

/* Consumer: the oldest item, or NULL when empty. Valid until release. */
const RecQueueItem *rec_queue_peek(RecQueue *q);
/* Consumer: frees the slot returned by the last peek. */
void rec_queue_release(RecQueue *q);

unsigned rec_queue_capacity(const RecQueue *q);
unsigned rec_queue_length(RecQueue *q);
void rec_queue_stats(RecQueue *q, RecQueueStats *out);

#endif
