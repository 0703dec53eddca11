/* sfu/core/nack_buffer: hits return the stored bytes, misses, expiry by the
 * injected clock, bounded capacity (ring overwrite), seq wrap, counters. */
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

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/nack_buffer/args", test_args);
  g_test_add_func("/sfu/nack_buffer/hit_miss_expire", test_hit_miss_expire);
  g_test_add_func("/sfu/nack_buffer/capacity_wrap", test_capacity_and_wrap);
  return g_test_run();
}
