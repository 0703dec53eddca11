/* vp8_rewrite: PictureID / TL0PICIDX continuous across simulcast switches. */
#include <glib.h>
#include <string.h>

#include "core/codec_keyframe.h"
#include "core/vp8_rewrite.h"

/* A VP8 payload: descriptor with X, I (15- or 7-bit PictureID), L, T, then
 * three payload bytes. Returns its length. */
static size_t make(uint8_t *b, bool pid15, uint16_t pid, uint8_t tl0, bool start) {
  size_t i = 0;
  b[i++] = (uint8_t)(0x80 | (start ? 0x10 : 0));
  b[i++] = 0x80 | 0x40 | 0x20; /* I, L, T */
  if (pid15) {
    b[i++] = (uint8_t)(0x80 | ((pid >> 8) & 0x7f));
    b[i++] = (uint8_t)(pid & 0xff);
  } else {
    b[i++] = (uint8_t)(pid & 0x7f);
  }
  b[i++] = tl0;
  b[i++] = 0x40; /* TID 1 */
  b[i++] = 0x10; /* VP8 payload bytes */
  b[i++] = 0x02;
  b[i++] = 0x00;
  return i;
}

static void ids(const uint8_t *b, size_t n, uint16_t *pid, uint8_t *tl0) {
  Vp8Descriptor d;
  g_assert_true(codec_vp8_parse_descriptor(b, n, &d));
  *pid = d.picture_id;
  *tl0 = d.tl0picidx;
}

static void test_single_layer_unchanged(void) {
  Vp8Rewrite w;
  vp8_rewrite_init(&w);
  uint8_t b[32];
  for (uint16_t k = 0; k < 50; k++) {
    size_t n = make(b, true, (uint16_t)(1000 + k), (uint8_t)(7 + k), true);
    uint8_t copy[32];
    memcpy(copy, b, n);
    g_assert_true(vp8_rewrite_apply(&w, 0, true, b, n));
    g_assert_cmpmem(b, n, copy, n);
  }
  g_assert_cmpuint(w.switches, ==, 0);
}

static void test_switch_continues(void) {
  Vp8Rewrite w;
  vp8_rewrite_init(&w);
  uint8_t b[32];
  uint16_t pid;
  uint8_t tl0;
  size_t n = 0;
  /* Layer 2 frames 500..509, two packets each. */
  for (uint16_t k = 0; k < 10; k++)
    for (int part = 0; part < 2; part++) {
      n = make(b, true, (uint16_t)(500 + k), (uint8_t)(40 + k), part == 0);
      g_assert_true(vp8_rewrite_apply(&w, 2, true, b, n));
    }
  /* Switch to layer 0 whose ids are far away. */
  for (uint16_t k = 0; k < 5; k++)
    for (int part = 0; part < 2; part++) {
      n = make(b, true, (uint16_t)(30000 + k), (uint8_t)(250 + k), part == 0);
      g_assert_true(vp8_rewrite_apply(&w, 0, true, b, n));
      ids(b, n, &pid, &tl0);
      g_assert_cmpuint(pid, ==, 510 + k);
      g_assert_cmpuint(tl0, ==, (uint8_t)(50 + k));
    }
  g_assert_cmpuint(w.switches, ==, 1);
  /* A late retransmission of layer 2 is refused, untouched. */
  n = make(b, true, 509, 49, true);
  uint8_t copy[32];
  memcpy(copy, b, n);
  g_assert_false(vp8_rewrite_apply(&w, 2, false, b, n));
  g_assert_cmpmem(b, n, copy, n);
  /* A retransmission of the current layer gets the same mapping. */
  n = make(b, true, 30002, 252, true);
  g_assert_true(vp8_rewrite_apply(&w, 0, false, b, n));
  ids(b, n, &pid, &tl0);
  g_assert_cmpuint(pid, ==, 512);
  g_assert_cmpuint(tl0, ==, 52);
  /* And back up: continues after the highest sent (514 / 54). */
  n = make(b, true, 100, 3, true);
  g_assert_true(vp8_rewrite_apply(&w, 2, true, b, n));
  ids(b, n, &pid, &tl0);
  g_assert_cmpuint(pid, ==, 515);
  g_assert_cmpuint(tl0, ==, 55);
  g_assert_cmpuint(w.switches, ==, 2);
}

static void test_wraps(void) {
  Vp8Rewrite w;
  vp8_rewrite_init(&w);
  uint8_t b[32];
  uint16_t pid;
  uint8_t tl0;
  size_t n = make(b, true, 0x7ffe, 254, true);
  g_assert_true(vp8_rewrite_apply(&w, 1, true, b, n));
  n = make(b, true, 0x7fff, 255, true);
  g_assert_true(vp8_rewrite_apply(&w, 1, true, b, n));
  n = make(b, true, 12, 9, true);
  g_assert_true(vp8_rewrite_apply(&w, 0, true, b, n));
  ids(b, n, &pid, &tl0);
  g_assert_cmpuint(pid, ==, 0);
  g_assert_cmpuint(tl0, ==, 0);
  n = make(b, true, 13, 10, true);
  g_assert_true(vp8_rewrite_apply(&w, 0, true, b, n));
  ids(b, n, &pid, &tl0);
  g_assert_cmpuint(pid, ==, 1);
  g_assert_cmpuint(tl0, ==, 1);
  /* A reordered older packet of the current layer does not move the max. */
  n = make(b, true, 12, 9, false);
  g_assert_true(vp8_rewrite_apply(&w, 0, true, b, n));
  g_assert_cmpuint(w.max_pid, ==, 1);
}

static void test_seven_bit(void) {
  Vp8Rewrite w;
  vp8_rewrite_init(&w);
  uint8_t b[32];
  uint16_t pid;
  uint8_t tl0;
  size_t n = make(b, false, 126, 1, true);
  g_assert_true(vp8_rewrite_apply(&w, 0, true, b, n));
  n = make(b, false, 127, 2, true);
  g_assert_true(vp8_rewrite_apply(&w, 0, true, b, n));
  n = make(b, false, 40, 90, true);
  size_t len_before = n;
  g_assert_true(vp8_rewrite_apply(&w, 1, true, b, n));
  ids(b, n, &pid, &tl0);
  g_assert_cmpuint(pid, ==, 0); /* 127 + 1 modulo 128 */
  g_assert_cmpuint(tl0, ==, 3);
  Vp8Descriptor d;
  g_assert_true(codec_vp8_parse_descriptor(b, n, &d));
  g_assert_false(d.picture_id_15bit);
  g_assert_cmpuint(d.descriptor_len, ==, len_before - 3);
}

static void test_bad_and_bare_payloads(void) {
  Vp8Rewrite w;
  vp8_rewrite_init(&w);
  uint8_t bare[4] = {0x10, 0x00, 0x01, 0x02}; /* no X: nothing to rewrite */
  g_assert_true(vp8_rewrite_apply(&w, 0, true, bare, sizeof bare));
  g_assert_false(w.started);
  uint8_t cut[3] = {0x90, 0xc0, 0x80}; /* 15-bit PictureID cut short */
  g_assert_true(vp8_rewrite_apply(&w, 0, true, cut, sizeof cut));
  g_assert_true(vp8_rewrite_apply(&w, 0, true, NULL, 0));
  uint8_t b[32];
  /* Random bytes never crash nor grow anything. */
  GRand *r = g_rand_new_with_seed(7);
  for (int k = 0; k < 20000; k++) {
    size_t n = (size_t)g_rand_int_range(r, 0, 12);
    for (size_t i = 0; i < n; i++) b[i] = (uint8_t)g_rand_int(r);
    vp8_rewrite_apply(&w, (unsigned)g_rand_int_range(r, 0, 3), g_rand_boolean(r), b, n);
  }
  g_rand_free(r);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/vp8_rewrite/single_layer_unchanged", test_single_layer_unchanged);
  g_test_add_func("/vp8_rewrite/switch_continues", test_switch_continues);
  g_test_add_func("/vp8_rewrite/wraps", test_wraps);
  g_test_add_func("/vp8_rewrite/seven_bit", test_seven_bit);
  g_test_add_func("/vp8_rewrite/bad_and_bare_payloads", test_bad_and_bare_payloads);
  return g_test_run();
}
