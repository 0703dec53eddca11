/* sfu/core/nack_buffer: hits return the stored bytes, misses, expiry by the
 * injected clock, bounded capacity (ring overwrite), seq wrap, counters; the
 * byte ring: sized by what it holds (grows only for packets younger than
 * max_age, bounded), wraps many times with mixed sizes against a model,
 * oversize packets, a packet longer than the ring, lookups of evicted seqs. */
#include <glib.h>
#include <string.h>

#include "core/nack_buffer.h"

static void make_pkt(uint8_t *p, size_t len, uint16_t seq) {
  for (size_t i = 0; i < len; i++) p[i] = (uint8_t)(seq * 7 + i);
}

static void test_args(void) {
  g_assert_null(nack_buffer_new(0, 1500, 1000000));
  g_assert_null(nack_buffer_new(32769, 1500, 1000000));
  g_assert_null(nack_buffer_new(16, 11, 1000000));
  g_assert_null(nack_buffer_new(16, 65536, 1000000));
  g_assert_null(nack_buffer_new(16, 1500, 0));
  NackBuffer *nb = nack_buffer_new(1000, 1500, 1000000);
  g_assert_nonnull(nb);
  g_assert_cmpuint(nack_buffer_capacity(nb), ==, 1024);
  nack_buffer_free(nb);
  nack_buffer_free(NULL);
}

static void test_hit_miss_expire(void) {
  NackBuffer *nb = nack_buffer_new(64, 200, 1000000);
  uint8_t p[200];
  for (uint16_t s = 100; s < 120; s++) {
    size_t len = 20 + s % 50;
    make_pkt(p, len, s);
    /* exact-size source so ASan checks the copy */
    uint8_t *src = g_memdup2(p, len);
    g_assert_true(nack_buffer_store(nb, s, src, len, 1000 * s));
    g_free(src);
  }
  const uint8_t *got;
  size_t len;
  for (uint16_t s = 100; s < 120; s++) {
    g_assert_cmpint(nack_buffer_get(nb, s, 200000, &got, &len), ==, NACK_BUFFER_HIT);
    g_assert_cmpuint(len, ==, 20 + s % 50);
    make_pkt(p, len, s);
    g_assert_cmpmem(got, len, p, len);
  }
  g_assert_cmpint(nack_buffer_get(nb, 99, 200000, &got, &len), ==, NACK_BUFFER_MISS);
  g_assert_null(got);
  g_assert_cmpuint(len, ==, 0);
  g_assert_cmpint(nack_buffer_get(nb, 120, 200000, &got, &len), ==, NACK_BUFFER_MISS);
  /* seq 100 stored at 100 ms: still there at 1.1 s, expired after */
  g_assert_cmpint(nack_buffer_get(nb, 100, 1100000, &got, &len), ==, NACK_BUFFER_HIT);
  g_assert_cmpint(nack_buffer_get(nb, 100, 1100001, &got, &len), ==, NACK_BUFFER_EXPIRED);
  g_assert_null(got);
  g_assert_cmpint(nack_buffer_get(nb, 119, 1100001, &got, &len), ==, NACK_BUFFER_HIT);
  const NackBufferStats *st = nack_buffer_stats(nb);
  g_assert_cmpuint(st->stored, ==, 20);
  g_assert_cmpuint(st->hits, ==, 22);
  g_assert_cmpuint(st->misses, ==, 2);
  g_assert_cmpuint(st->expired, ==, 1);
  /* too big / empty */
  uint8_t big[201] = {0};
  g_assert_false(nack_buffer_store(nb, 5, big, sizeof big, 0));
  g_assert_false(nack_buffer_store(nb, 5, big, 0, 0));
  g_assert_cmpuint(st->too_big, ==, 1);
  g_assert_cmpint(nack_buffer_get(nb, 5, 0, &got, &len), ==, NACK_BUFFER_MISS);
  /* max size fits */
  g_assert_true(nack_buffer_store(nb, 5, big, 200, 0));
  g_assert_cmpint(nack_buffer_get(nb, 5, 0, &got, &len), ==, NACK_BUFFER_HIT);
  g_assert_cmpuint(len, ==, 200);
  nack_buffer_clear(nb);
  g_assert_cmpint(nack_buffer_get(nb, 119, 0, &got, &len), ==, NACK_BUFFER_MISS);
  nack_buffer_free(nb);
}

static void test_capacity_and_wrap(void) {
  NackBuffer *nb = nack_buffer_new(16, 64, 10000000);
  uint8_t p[64];
  /* 40 packets across the seq wrap into 16 slots: only the last 16 remain */
  for (unsigned i = 0; i < 40; i++) {
    uint16_t s = (uint16_t)(65520 + i);
    make_pkt(p, 30, s);
    g_assert_true(nack_buffer_store(nb, s, p, 30, i));
  }
  const uint8_t *got;
  size_t len;
  for (unsigned i = 0; i < 40; i++) {
    uint16_t s = (uint16_t)(65520 + i);
    NackBufferResult r = nack_buffer_get(nb, s, 100, &got, &len);
    if (i < 24) {
      g_assert_cmpint(r, ==, NACK_BUFFER_MISS);
    } else {
      g_assert_cmpint(r, ==, NACK_BUFFER_HIT);
      make_pkt(p, 30, s);
      g_assert_cmpmem(got, len, p, 30);
    }
  }
  /* the same seq 65536 later (same slot, newer) replaces the old one */
  make_pkt(p, 10, 1);
  g_assert_true(nack_buffer_store(nb, 23, p, 10, 200));
  g_assert_cmpint(nack_buffer_get(nb, 23, 200, &got, &len), ==, NACK_BUFFER_HIT);
  g_assert_cmpuint(len, ==, 10);
  nack_buffer_free(nb);
}

/* A track at ~100 packets/s of ~1 KB held for 1 s needs ~100 KB, not
 * capacity x max_len (1.5 MB): the ring stops growing once the packet it
 * would overwrite is older than max_age. */
static void test_sized_by_age(void) {
  NackBuffer *nb = nack_buffer_new(1024, 1500, 1000000);
  g_assert_cmpuint(nack_buffer_arena_size(nb), <=, 4096);
  uint8_t p[1500];
  int64_t t = 0;
  for (unsigned i = 0; i < 3000; i++, t += 10000) { /* 30 s at 100 pkt/s */
    uint16_t s = (uint16_t)i;
    size_t len = 900 + (i * 37) % 300;
    make_pkt(p, len, s);
    g_assert_true(nack_buffer_store(nb, s, p, len, t));
  }
  size_t sz = nack_buffer_arena_size(nb);
  /* 1 s = 100 packets of <= 1200 B (+ header), doubled once at most */
  g_assert_cmpuint(sz, >=, 100 * 900);
  g_assert_cmpuint(sz, <=, 2 * 101 * 1216);
  /* everything younger than max_age is there, byte for byte */
  t -= 10000;
  const uint8_t *got;
  size_t len;
  for (unsigned i = 3000 - 100; i < 3000; i++) {
    uint16_t s = (uint16_t)i;
    g_assert_cmpint(nack_buffer_get(nb, s, t, &got, &len), ==, NACK_BUFFER_HIT);
    make_pkt(p, len, s);
    g_assert_cmpuint(len, ==, 900 + (i * 37) % 300);
    g_assert_cmpmem(got, len, p, len);
  }
  /* long gone ones: evicted (their bytes were reused), a miss not a stale hit */
  g_assert_cmpint(nack_buffer_get(nb, 1000, t, &got, &len), ==, NACK_BUFFER_MISS);
  g_assert_null(got);
  g_assert_cmpuint(nack_buffer_stats(nb)->evicted, >, 2000);
  /* a burst (a key frame: 60 packets at once) grows it, still bounded */
  for (unsigned i = 3000; i < 3060; i++) {
    make_pkt(p, 1200, (uint16_t)i);
    g_assert_true(nack_buffer_store(nb, (uint16_t)i, p, 1200, t));
  }
  for (unsigned i = 3000 - 100; i < 3060; i++)
    g_assert_cmpint(nack_buffer_get(nb, (uint16_t)i, t, &got, &len), ==, NACK_BUFFER_HIT);
  g_assert_cmpuint(nack_buffer_arena_size(nb), <=, 4 * 101 * 1216);
  /* clear: nothing found, the ring back to its start size */
  nack_buffer_clear(nb);
  g_assert_cmpuint(nack_buffer_arena_size(nb), <=, 4096);
  g_assert_cmpint(nack_buffer_get(nb, 3059, t, &got, &len), ==, NACK_BUFFER_MISS);
  make_pkt(p, 100, 7);
  g_assert_true(nack_buffer_store(nb, 7, p, 100, t));
  g_assert_cmpint(nack_buffer_get(nb, 7, t, &got, &len), ==, NACK_BUFFER_HIT);
  g_assert_cmpmem(got, len, p, 100);
  nack_buffer_free(nb);
}

/* The ring never grows past its bound, even when every packet is young:
 * the oldest are evicted (and found missing), the newest kept. */
static void test_bounded(void) {
  NackBuffer *nb = nack_buffer_new(8, 100, 1000000000);
  uint8_t p[100];
  for (unsigned i = 0; i < 1000; i++) {
    make_pkt(p, 100, (uint16_t)i);
    g_assert_true(nack_buffer_store(nb, (uint16_t)i, p, 100, 0));
  }
  g_assert_cmpuint(nack_buffer_arena_size(nb), <=, 9 * 112);
  const uint8_t *got;
  size_t len;
  for (unsigned i = 992; i < 1000; i++) {
    g_assert_cmpint(nack_buffer_get(nb, (uint16_t)i, 0, &got, &len), ==, NACK_BUFFER_HIT);
    make_pkt(p, 100, (uint16_t)i);
    g_assert_cmpmem(got, len, p, 100);
  }
  g_assert_cmpint(nack_buffer_get(nb, 991, 0, &got, &len), ==, NACK_BUFFER_MISS);
  nack_buffer_free(nb);
}

/* A packet longer than the ring as it is now (4 KiB): it grows to take it,
 * keeping the young ones; the largest allowed packet, over and over, in a
 * ring at its bound. */
static void test_longer_than_arena(void) {
  NackBuffer *nb = nack_buffer_new(64, 65535, 1000000);
  g_assert_cmpuint(nack_buffer_arena_size(nb), <, 10000);
  uint8_t *p = g_malloc(65535);
  make_pkt(p, 50, 1);
  g_assert_true(nack_buffer_store(nb, 1, p, 50, 0));
  make_pkt(p, 10000, 2);
  g_assert_true(nack_buffer_store(nb, 2, p, 10000, 0));
  g_assert_cmpuint(nack_buffer_arena_size(nb), >=, 10008);
  const uint8_t *got;
  size_t len;
  g_assert_cmpint(nack_buffer_get(nb, 1, 0, &got, &len), ==, NACK_BUFFER_HIT);
  make_pkt(p, 50, 1);
  g_assert_cmpmem(got, len, p, 50);
  g_assert_cmpint(nack_buffer_get(nb, 2, 0, &got, &len), ==, NACK_BUFFER_HIT);
  make_pkt(p, 10000, 2);
  g_assert_cmpmem(got, len, p, 10000);
  /* the same with the older ones expired: they are dropped, not kept */
  make_pkt(p, 65535, 3);
  g_assert_true(nack_buffer_store(nb, 3, p, 65535, 5000000));
  g_assert_cmpint(nack_buffer_get(nb, 3, 5000000, &got, &len), ==, NACK_BUFFER_HIT);
  g_assert_cmpmem(got, len, p, 65535);
  /* one byte too many is refused and changes nothing */
  uint8_t *big = g_malloc0(65536);
  g_assert_false(nack_buffer_store(nb, 4, big, 65536, 5000000));
  g_assert_cmpint(nack_buffer_get(nb, 3, 5000000, &got, &len), ==, NACK_BUFFER_HIT);
  g_free(big);
  nack_buffer_free(nb);
  g_free(p);
}

/* Random sizes, seqs (mostly in order, some repeats, jumps and reordering)
 * and clock, checked against a plain model of what must be found: every
 * hit returns exactly the last bytes stored for that seq; every packet
 * younger than max_age and not replaced in the index is a hit. */
static void test_model(void) {
  GRand *rnd = g_rand_new_with_seed(8);
  enum { CAP = 256, AGE = 300000 };
  NackBuffer *nb = nack_buffer_new(CAP, 1200, AGE);
  struct { bool have; uint16_t seq; size_t len; int64_t t; uint32_t salt; } model[CAP] = {0};
  uint8_t p[1200];
  uint16_t seq = 65000;
  int64_t t = 0;
  size_t max_arena = 0;
  for (unsigned i = 0; i < 200000; i++) {
    unsigned r = g_rand_int_range(rnd, 0, 100);
    if (r < 2) seq = (uint16_t)(seq + g_rand_int_range(rnd, 1, 400));   /* a jump */
    else if (r < 5) seq = (uint16_t)(seq - g_rand_int_range(rnd, 1, 20)); /* late / repeat */
    else seq++;
    t += g_rand_int_range(rnd, 0, 6000);
    size_t len = g_rand_int_range(rnd, 0, 10) == 0 ? (size_t)g_rand_int_range(rnd, 1, 1201)
                                                     : (size_t)g_rand_int_range(rnd, 60, 1100);
    uint32_t salt = g_rand_int(rnd);
    for (size_t k = 0; k < len; k++) p[k] = (uint8_t)(salt + k * 13);
    g_assert_true(nack_buffer_store(nb, seq, p, len, t));
    unsigned m = seq % CAP;
    model[m].have = true;
    model[m].seq = seq;
    model[m].len = len;
    model[m].t = t;
    model[m].salt = salt;
    if (nack_buffer_arena_size(nb) > max_arena) max_arena = nack_buffer_arena_size(nb);
    if (i % 97 == 0) {
      for (unsigned k = 0; k < CAP; k++) {
        if (!model[k].have) continue;
        const uint8_t *got;
        size_t gl;
        NackBufferResult res = nack_buffer_get(nb, model[k].seq, t, &got, &gl);
        if (t - model[k].t <= AGE) {
          g_assert_cmpint(res, ==, NACK_BUFFER_HIT);
        } else {
          g_assert_cmpint(res, !=, NACK_BUFFER_HIT);
          continue;
        }
        g_assert_cmpuint(gl, ==, model[k].len);
        for (size_t b = 0; b < gl; b++) g_assert_cmpuint(got[b], ==, (uint8_t)(model[k].salt + b * 13));
      }
      /* a seq never stored (its slot holds another) */
      const uint8_t *got;
      size_t gl;
      unsigned k = g_rand_int_range(rnd, 0, CAP);
      if (model[k].have)
        g_assert_cmpint(nack_buffer_get(nb, (uint16_t)(model[k].seq + CAP), t, &got, &gl), ==,
                        NACK_BUFFER_MISS);
    }
  }
  /* bounded by the index (CAP packets of at most 1200 B) */
  g_assert_cmpuint(max_arena, <=, (CAP + 1) * 1208);
  g_test_message("model: max arena %zu bytes, evicted %" G_GUINT64_FORMAT, max_arena,
                 nack_buffer_stats(nb)->evicted);
  nack_buffer_free(nb);
  g_rand_free(rnd);
}

/* A burst grows the ring; once steady light traffic has gone round it, it
 * halves back down (what is wanted fits in a quarter), keeping every young
 * packet. */
static void test_shrinks_after_burst(void) {
  NackBuffer *nb = nack_buffer_new(1024, 1500, 1000000);
  uint8_t p[1500];
  int64_t t = 0;
  unsigned s = 0;
  for (; s < 600; s++) { /* 600 x 1200 B in one instant: a stall or a big key frame */
    make_pkt(p, 1200, (uint16_t)s);
    g_assert_true(nack_buffer_store(nb, (uint16_t)s, p, 1200, t));
  }
  size_t big = nack_buffer_arena_size(nb);
  g_assert_cmpuint(big, >=, 600 * 1200);
  for (; s < 6600; s++) { /* then 60 s at 100 packets/s of 200 B */
    t += 10000;
    make_pkt(p, 200, (uint16_t)s);
    g_assert_true(nack_buffer_store(nb, (uint16_t)s, p, 200, t));
  }
  size_t small = nack_buffer_arena_size(nb);
  g_test_message("burst: %zu bytes, after: %zu bytes", big, small);
  g_assert_cmpuint(small, <=, 4 * 101 * 208);
  const uint8_t *got;
  size_t len;
  for (unsigned i = s - 100; i < s; i++) {
    g_assert_cmpint(nack_buffer_get(nb, (uint16_t)i, t, &got, &len), ==, NACK_BUFFER_HIT);
    make_pkt(p, 200, (uint16_t)i);
    g_assert_cmpmem(got, len, p, 200);
  }
  nack_buffer_free(nb);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/nack_buffer/args", test_args);
  g_test_add_func("/sfu/nack_buffer/hit_miss_expire", test_hit_miss_expire);
  g_test_add_func("/sfu/nack_buffer/capacity_wrap", test_capacity_and_wrap);
  g_test_add_func("/sfu/nack_buffer/sized_by_age", test_sized_by_age);
  g_test_add_func("/sfu/nack_buffer/bounded", test_bounded);
  g_test_add_func("/sfu/nack_buffer/longer_than_arena", test_longer_than_arena);
  g_test_add_func("/sfu/nack_buffer/shrinks_after_burst", test_shrinks_after_burst);
  g_test_add_func("/sfu/nack_buffer/model", test_model);
  return g_test_run();
}
