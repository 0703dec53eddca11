/* Lock-free SPSC ring; see rec_queue.h for the contract.
 *
 * head and tail are free-running 64-bit counters (they never wrap in
 * practice); a slot index is counter % capacity. The producer owns tail, the
 * consumer owns head. The release store of tail after filling a slot pairs
 * with the consumer's acquire load, so the slot's bytes (and anything the
 * producer wrote before, such as the recorder's track table) are visible to
 * the consumer before it sees the item. Symmetrically for head. */
#include "recorder/rec_queue.h"

#include <glib.h>
#include <stdatomic.h>
#include <string.h>

struct RecQueue {
  unsigned capacity;
  unsigned reserve;
  RecQueueItem *slots;
  /* Separate cache lines: producer and consumer each write one. */
  _Alignas(64) _Atomic uint64_t tail;
  _Alignas(64) _Atomic uint64_t head;
  _Alignas(64) _Atomic uint64_t dropped_full;
  _Atomic uint64_t dropped_control;
  _Atomic uint64_t dropped_oversize;
};

RecQueue *rec_queue_new(unsigned capacity, unsigned reserve) {
  if (capacity < 2 || reserve >= capacity) return NULL;
  RecQueue *q = g_try_new0(RecQueue, 1);
  if (!q) return NULL;
  q->slots = g_try_new0(RecQueueItem, capacity);
  if (!q->slots) {
    g_free(q);
    return NULL;
  }
  q->capacity = capacity;
  q->reserve = reserve;
  atomic_init(&q->tail, 0);
  atomic_init(&q->head, 0);
  atomic_init(&q->dropped_full, 0);
  atomic_init(&q->dropped_control, 0);
  atomic_init(&q->dropped_oversize, 0);
  return q;
}

void rec_queue_free(RecQueue *q) {
  if (!q) return;
  g_free(q->slots);
  g_free(q);
}

static RecQueueItem *claim(RecQueue *q, bool control, uint64_t *tail_out) {
  uint64_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
  uint64_t h = atomic_load_explicit(&q->head, memory_order_acquire);
  uint64_t used = t - h;
  uint64_t limit = control ? q->capacity : (uint64_t)(q->capacity - q->reserve);
  if (used >= limit) {
    atomic_fetch_add_explicit(control ? &q->dropped_control : &q->dropped_full, 1,
                              memory_order_relaxed);
    return NULL;
  }
  *tail_out = t;
  return &q->slots[t % q->capacity];
}

bool rec_queue_push(RecQueue *q, RecItemType type, uint16_t handle, int64_t at_us,
                    const uint8_t *data, size_t len, bool control) {
  if (len > REC_QUEUE_MAX_PAYLOAD || (len > 0 && !data)) {
    atomic_fetch_add_explicit(&q->dropped_oversize, 1, memory_order_relaxed);
    return false;
  }
  uint64_t t;
  RecQueueItem *it = claim(q, control, &t);
  if (!it) return false;
  it->type = (uint8_t)type;
  it->handle = handle;
  it->len = (uint16_t)len;
  it->at_us = at_us;
  it->ntp = 0;
  it->rtp_ts = 0;
  if (len) memcpy(it->data, data, len);
  atomic_store_explicit(&q->tail, t + 1, memory_order_release);
  return true;
}

bool rec_queue_push_sr(RecQueue *q, uint16_t handle, int64_t at_us, uint64_t ntp,
                       uint32_t rtp_ts) {
  uint64_t t;
  RecQueueItem *it = claim(q, true, &t);
  if (!it) return false;
  it->type = REC_ITEM_SR;
  it->handle = handle;
  it->len = 0;
  it->at_us = at_us;
  it->ntp = ntp;
  it->rtp_ts = rtp_ts;
  atomic_store_explicit(&q->tail, t + 1, memory_order_release);
  return true;
}

const RecQueueItem *rec_queue_peek(RecQueue *q) {
  uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
  uint64_t t = atomic_load_explicit(&q->tail, memory_order_acquire);
  if (h == t) return NULL;
  return &q->slots[h % q->capacity];
}

void rec_queue_release(RecQueue *q) {
  uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
  uint64_t t = atomic_load_explicit(&q->tail, memory_order_acquire);
  if (h == t) return; /* nothing peeked: a caller bug, but never corrupt */
  atomic_store_explicit(&q->head, h + 1, memory_order_release);
}

unsigned rec_queue_capacity(const RecQueue *q) { return q->capacity; }

unsigned rec_queue_length(RecQueue *q) {
  uint64_t h = atomic_load_explicit(&q->head, memory_order_acquire);
  uint64_t t = atomic_load_explicit(&q->tail, memory_order_acquire);
  return (unsigned)(t - h);
}

void rec_queue_stats(RecQueue *q, RecQueueStats *out) {
  uint64_t h = atomic_load_explicit(&q->head, memory_order_acquire);
  uint64_t t = atomic_load_explicit(&q->tail, memory_order_acquire);
  out->pushed = t;
  out->popped = h;
  out->dropped_full = atomic_load_explicit(&q->dropped_full, memory_order_relaxed);
  out->dropped_control = atomic_load_explicit(&q->dropped_control, memory_order_relaxed);
  out->dropped_oversize = atomic_load_explicit(&q->dropped_oversize, memory_order_relaxed);
}
