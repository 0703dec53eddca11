/* Retransmission buffer sized by what it holds; see nack_buffer.h.
 *
 * Two parts:
 * - an index of capacity slots (slot = seq mod capacity) giving, for the
 *   newest packet stored with that slot's seq, its arrival time and where
 *   its bytes are;
 * - a byte ring (the arena) holding the packets back to back at their real
 *   length, each behind a small header naming its seq and length, so the
 *   oldest record can be found and unlinked from the index when its bytes
 *   are needed again.
 *
 * A record is never split: when one does not fit before the end of the
 * arena, a wrap marker (or, with fewer than a header's bytes left, nothing)
 * sends the writer back to offset 0. Before overwriting the oldest record
 * the writer looks at it: if it is still wanted (its slot still points at it
 * and it is younger than max_age) the arena doubles instead, up to the
 * bound, so the arena settles at about max_age worth of the track's bytes
 * (a ~750 kbit/s track: ~100 KiB instead of 1024 x 1500 B). Records whose
 * slot has since been taken by a newer seq are dead and are simply dropped.
 * After each lap, an arena whose wanted bytes fit in a quarter of it is
 * halved (a key frame burst or a stall of the thread grew it, and is over).
 */
#include "nack_buffer.h"

#include <glib.h>
#include <string.h>

#define HDR 8u                      /* uint32 len, uint16 seq, uint16 pad */
#define WRAP_MARK 0xFFFFFFFFu       /* len of a wrap marker record */
#define ARENA_MIN ((size_t)4096)

typedef struct {
  int64_t stored_us;
  uint32_t off;   /* record offset in the arena */
  uint32_t len;   /* 0 = empty */
  uint16_t seq;
} Slot;

struct NackBuffer {
  size_t capacity;  /* power of two */
  size_t max_len;
  int64_t max_age_us;
  Slot *slots;
  uint8_t *arena;
  size_t size;      /* arena bytes */
  size_t max_size;  /* the arena never grows past this */
  size_t head;      /* next write offset */
  size_t tail;      /* oldest record */
  size_t nrec;      /* records between tail and head (dead ones included, markers not) */
  NackBufferStats stats;
};

static size_t rec_size(size_t len) { return (HDR + len + 7u) & ~(size_t)7u; }

static void put_hdr(uint8_t *p, uint32_t len, uint16_t seq) {
  uint16_t pad = 0;
  memcpy(p, &len, 4);
  memcpy(p + 4, &seq, 2);
  memcpy(p + 6, &pad, 2);
}

static void get_hdr(const uint8_t *p, uint32_t *len, uint16_t *seq) {
  memcpy(len, p, 4);
  memcpy(seq, p + 4, 2);
}

/* The offset of the record at or after pos, following a wrap (marker, or too
 * few bytes left for a header). */
static size_t rec_at(const NackBuffer *nb, size_t pos) {
  if (nb->size - pos < HDR) return 0;
  uint32_t len;
  uint16_t seq;
  get_hdr(nb->arena + pos, &len, &seq);
  return len == WRAP_MARK ? 0 : pos;
}

static Slot *live_slot(NackBuffer *nb, size_t pos, uint32_t len, uint16_t seq) {
  Slot *s = &nb->slots[seq & (nb->capacity - 1)];
  return (s->len == len && s->seq == seq && s->off == pos) ? s : NULL;
}

/* Copy the live records, oldest first, into a fresh arena of new_size bytes
 * (which must hold them) and repoint the index. With drop_old, records older
 * than max_age are left behind and unlinked (lookups of them become misses). */
static void arena_resize(NackBuffer *nb, size_t new_size, bool drop_old, int64_t now_us) {
  uint8_t *na = g_malloc(new_size);
  size_t out = 0, pos = nb->tail, kept = 0;
  for (size_t n = 0; n < nb->nrec; n++) {
    pos = rec_at(nb, pos);
    uint32_t len;
    uint16_t seq;
    get_hdr(nb->arena + pos, &len, &seq);
    Slot *s = live_slot(nb, pos, len, seq);
    if (s && drop_old && now_us - s->stored_us > nb->max_age_us) {
      s->len = 0;
      s = NULL;
    }
    if (s) {
      g_assert(out + rec_size(len) <= new_size);
      memcpy(na + out, nb->arena + pos, HDR + len);
      s->off = (uint32_t)out;
      out += rec_size(len);
      kept++;
    }
    pos += rec_size(len);
  }
  g_free(nb->arena);
  nb->arena = na;
  nb->size = new_size;
  nb->tail = 0;
  nb->head = out == new_size ? 0 : out;
  nb->nrec = kept;
}

/* Bytes of the records still wanted (live, younger than max_age). */
static size_t wanted_bytes(NackBuffer *nb, int64_t now_us) {
  size_t pos = nb->tail, sum = 0;
  for (size_t n = 0; n < nb->nrec; n++) {
    pos = rec_at(nb, pos);
    uint32_t len;
    uint16_t seq;
    get_hdr(nb->arena + pos, &len, &seq);
    const Slot *s = live_slot(nb, pos, len, seq);
    if (s && now_us - s->stored_us <= nb->max_age_us) sum += rec_size(len);
    pos += rec_size(len);
  }
  return sum;
}

/* Drop the oldest record; unlink it from the index if it is still there. */
static void evict_oldest(NackBuffer *nb) {
  size_t pos = rec_at(nb, nb->tail);
  uint32_t len;
  uint16_t seq;
  get_hdr(nb->arena + pos, &len, &seq);
  Slot *s = live_slot(nb, pos, len, seq);
  if (s) {
    s->len = 0;
    nb->stats.evicted++;
  }
  nb->tail = pos + rec_size(len);
  if (nb->tail >= nb->size) nb->tail = 0;
  if (--nb->nrec == 0) nb->head = nb->tail = 0;
}

/* True if the oldest record may still be asked for: then the arena should
 * grow rather than lose it. */
static bool oldest_wanted(NackBuffer *nb, int64_t now_us) {
  size_t pos = rec_at(nb, nb->tail);
  uint32_t len;
  uint16_t seq;
  get_hdr(nb->arena + pos, &len, &seq);
  const Slot *s = live_slot(nb, pos, len, seq);
  return s && now_us - s->stored_us <= nb->max_age_us;
}

static size_t grown(const NackBuffer *nb) {
  size_t n = nb->size * 2;
  return n > nb->max_size ? nb->max_size : n;
}

/* The offset where a record of r bytes may be written, making room. */
static size_t make_room(NackBuffer *nb, size_t r, int64_t now_us) {
  for (;;) {
    if (nb->nrec == 0) {
      nb->head = nb->tail = 0;
      if (r <= nb->size) return 0;
      size_t n = nb->size;
      while (n < r) n *= 2;
      arena_resize(nb, n > nb->max_size ? nb->max_size : n, false, now_us);
      continue;
    }
    if (nb->head > nb->tail) {
      /* used: [tail, head); free: [head, size) then [0, tail) */
      if (nb->size - nb->head >= r) return nb->head;
      if (nb->size - nb->head >= HDR) put_hdr(nb->arena + nb->head, WRAP_MARK, 0);
      nb->head = 0;
      /* A lap of the ring is done: if what is still wanted would fit in a
       * quarter of it (the burst that grew it is over), halve it. Once per
       * lap, so the walk costs O(1) per packet; the quarter keeps growing
       * and shrinking apart. */
      if (nb->size > ARENA_MIN && wanted_bytes(nb, now_us) + r <= nb->size / 4) {
        size_t half = nb->size / 2;
        arena_resize(nb, half < ARENA_MIN ? ARENA_MIN : half, true, now_us);
      }
      continue;
    }
    /* head <= tail: free is [head, tail) (nothing when equal: full) */
    if (nb->tail - nb->head >= r) return nb->head;
    if (nb->size < nb->max_size && oldest_wanted(nb, now_us)) {
      arena_resize(nb, grown(nb), false, now_us);
      continue;
    }
    evict_oldest(nb);
  }
}

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
  /* Room for capacity packets of the largest size, plus one for the bytes a
   * wrap can leave unused. */
  nb->max_size = (cap + 1) * rec_size(max_packet_len);
  nb->size = ARENA_MIN < nb->max_size ? ARENA_MIN : nb->max_size;
  nb->arena = g_malloc(nb->size);
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
  Slot *s = &nb->slots[seq & (nb->capacity - 1)];
  /* The packet this one replaces in the index is dead from now on: making
   * room must not grow the arena to keep it. */
  s->len = 0;
  size_t r = rec_size(len);
  size_t pos = make_room(nb, r, now_us);
  put_hdr(nb->arena + pos, (uint32_t)len, seq);
  memcpy(nb->arena + pos + HDR, pkt, len);
  nb->head = pos + r;
  if (nb->head >= nb->size) nb->head = 0;
  nb->nrec++;
  s->seq = seq;
  s->len = (uint32_t)len;
  s->off = (uint32_t)pos;
  s->stored_us = now_us;
  nb->stats.stored++;
  return true;
}

NackBufferResult nack_buffer_get(NackBuffer *nb, uint16_t seq, int64_t now_us, const uint8_t **pkt, size_t *len) {
  if (pkt) *pkt = NULL;
  if (len) *len = 0;
  if (nb == NULL) return NACK_BUFFER_MISS;
  const Slot *s = &nb->slots[seq & (nb->capacity - 1)];
  if (s->len == 0 || s->seq != seq) {
    nb->stats.misses++;
    return NACK_BUFFER_MISS;
  }
  if (now_us - s->stored_us > nb->max_age_us) {
    nb->stats.expired++;
    return NACK_BUFFER_EXPIRED;
  }
  nb->stats.hits++;
  if (pkt) *pkt = nb->arena + s->off + HDR;
  if (len) *len = s->len;
  return NACK_BUFFER_HIT;
}

void nack_buffer_clear(NackBuffer *nb) {
  if (nb == NULL) return;
  memset(nb->slots, 0, nb->capacity * sizeof(Slot));
  nb->head = nb->tail = nb->nrec = 0;
  /* Start small again: the next stream may be lighter. */
  if (nb->size > ARENA_MIN && ARENA_MIN < nb->max_size) {
    g_free(nb->arena);
    nb->size = ARENA_MIN;
    nb->arena = g_malloc(nb->size);
  }
}

size_t nack_buffer_capacity(const NackBuffer *nb) { return nb ? nb->capacity : 0; }

size_t nack_buffer_arena_size(const NackBuffer *nb) { return nb ? nb->size : 0; }

const NackBufferStats *nack_buffer_stats(const NackBuffer *nb) { return nb ? &nb->stats : NULL; }
