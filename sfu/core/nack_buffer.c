/* Preallocated retransmission ring; see nack_buffer.h. */
#include "core/nack_buffer.h"

#include <glib.h>
#include <string.h>

typedef struct {
  int64_t stored_us;
  uint32_t len;   /* 0 = empty */
  uint16_t seq;
} Slot;

struct NackBuffer {
  size_t capacity;  /* power of two */
  size_t max_len;
  int64_t max_age_us;
  Slot *slots;
  uint8_t *arena;   /* capacity * max_len bytes */
  NackBufferStats stats;
};

NackBuffer *nack_buffer_new(size_t capacity, size_t max_packet_len, int64_t max_age_us) {
  if (capacity == 0 || capacity > 32768 || max_packet_len < 12 || max_packet_len > 65535 || max_age_us <= 0)
    return NULL;
  size_t cap = 1;
  while (cap < capacity) cap <<= 1;
  NackBuffer *nb = g_new0(NackBuffer, 1);
  nb->capacity = cap;
  nb->max_len = max_packet_len;
  nb->max_age_us = max_age_us;
  nb->slots = g_new0(Slot, cap);
  nb->arena = g_malloc(cap * max_packet_len);
  return nb;
}

void nack_buffer_free(NackBuffer *nb) {
  if (nb == NULL) return;
  g_free(nb->slots);
  g_free(nb->arena);
  g_free(nb);
}

bool nack_buffer_store(NackBuffer *nb, uint16_t seq, const uint8_t *pkt, size_t len, int64_t now_us) {
  if (nb == NULL || pkt == NULL || len == 0) return false;
  if (len > nb->max_len) {
    nb->stats.too_big++;
    return false;
  }
  size_t i = seq & (nb->capacity - 1);
  memcpy(nb->arena + i * nb->max_len, pkt, len);
  nb->slots[i].seq = seq;
  nb->slots[i].len = (uint32_t)len;
  nb->slots[i].stored_us = now_us;
  nb->stats.stored++;
  return true;
}

NackBufferResult nack_buffer_get(NackBuffer *nb, uint16_t seq, int64_t now_us, const uint8_t **pkt, size_t *len) {
  if (pkt) *pkt = NULL;
  if (len) *len = 0;
  if (nb == NULL) return NACK_BUFFER_MISS;
  size_t i = seq & (nb->capacity - 1);
  const Slot *s = &nb->slots[i];
  if (s->len == 0 || s->seq != seq) {
    nb->stats.misses++;
    return NACK_BUFFER_MISS;
  }
  if (now_us - s->stored_us > nb->max_age_us) {
    nb->stats.expired++;
    return NACK_BUFFER_EXPIRED;
  }
  nb->stats.hits++;
  if (pkt) *pkt = nb->arena + i * nb->max_len;
  if (len) *len = s->len;
  return NACK_BUFFER_HIT;
}

void nack_buffer_clear(NackBuffer *nb) {
  if (nb == NULL) return;
  memset(nb->slots, 0, nb->capacity * sizeof(Slot));
}

size_t nack_buffer_capacity(const NackBuffer *nb) { return nb ? nb->capacity : 0; }

const NackBufferStats *nack_buffer_stats(const NackBuffer *nb) { return nb ? &nb->stats : NULL; }
