/* The SFU's transport edge without sockets: two DtlsSessions handshake over
 * memory, the fingerprint check refuses a wrong certificate, garbage does not
 * hurt, and the exported keys make working SRTP/SRTCP pairs. */
#include <glib.h>
#include <string.h>

#include "dtls.h"
#include "srtp_session.h"

typedef struct {
  GQueue q;
} Wire;

static void on_send(const uint8_t *data, size_t len, void *user) {
  g_queue_push_tail(&((Wire *)user)->q, g_bytes_new(data, len));
}

static void pump(DtlsSession *a, Wire *to_a, DtlsSession *b, Wire *to_b) {
  for (int round = 0; round < 50; round++) {
    int moved = 0;
    GBytes *m;
    while ((m = g_queue_pop_head(&to_a->q))) {
      gsize n;
      const guint8 *d = g_bytes_get_data(m, &n);
      dtls_session_feed(a, d, n);
      g_bytes_unref(m);
      moved = 1;
    }
    while ((m = g_queue_pop_head(&to_b->q))) {
      gsize n;
      const guint8 *d = g_bytes_get_data(m, &n);
      dtls_session_feed(b, d, n);
      g_bytes_unref(m);
      moved = 1;
    }
    if (!moved) break;
  }
}

static void drain(Wire *w) {
  GBytes *m;
  while ((m = g_queue_pop_head(&w->q))) g_bytes_unref(m);
}

static DtlsContext *ctx_new(void) {
  char err[256];
  DtlsContext *c = dtls_context_new(err, sizeof err);
  g_assert_nonnull(c);
  const char *fp = dtls_context_fingerprint(c);
  g_assert_cmpuint(strlen(fp), ==, 95);
  return c;
}

static void test_handshake_and_srtp(void) {
  DtlsContext *sc = ctx_new(), *cc = ctx_new();
  Wire to_server = {G_QUEUE_INIT}, to_client = {G_QUEUE_INIT};
  DtlsSession *server = dtls_session_new(sc, 1, dtls_context_fingerprint(cc), on_send, &to_client);
  DtlsSession *client = dtls_session_new(cc, 0, dtls_context_fingerprint(sc), on_send, &to_server);
  dtls_session_start(client);
  pump(client, &to_client, server, &to_server);
  g_assert_cmpint(dtls_session_state(server), ==, DTLS_STATE_CONNECTED);
  g_assert_cmpint(dtls_session_state(client), ==, DTLS_STATE_CONNECTED);
  DtlsSrtpKeys ks, kc;
  g_assert_cmpint(dtls_session_srtp_keys(server, &ks), ==, 0);
  g_assert_cmpint(dtls_session_srtp_keys(client, &kc), ==, 0);
  g_assert_cmpint(ks.profile, ==, DTLS_SRTP_AEAD_AES_128_GCM); /* preferred */
  size_t kl = ks.key_len + ks.salt_len;
  g_assert_cmpmem(ks.local, kl, kc.remote, kl);
  g_assert_cmpmem(ks.remote, kl, kc.local, kl);
  g_assert_true(memcmp(ks.local, ks.remote, kl) != 0);

  g_assert_cmpint(srtp_session_global_init(), ==, 0);
  char err[128];
  SrtpSession *a = srtp_session_new(&ks, err, sizeof err), *b = srtp_session_new(&kc, err, sizeof err);
  g_assert_nonnull(a);
  g_assert_nonnull(b);
  uint8_t pkt[200 + SRTP_SESSION_TRAILER] = {0x80, 96, 0x12, 0x34, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef};
  for (int i = 12; i < 200; i++) pkt[i] = (uint8_t)i;
  uint8_t orig[200];
  memcpy(orig, pkt, 200);
  size_t n = 200;
  g_assert_cmpint(srtp_session_protect_rtp(a, pkt, &n), ==, 0);
  g_assert_cmpuint(n, >, 200);
  g_assert_true(memcmp(pkt + 12, orig + 12, 188) != 0); /* encrypted */
  uint8_t copy[200 + SRTP_SESSION_TRAILER];
  memcpy(copy, pkt, n);
  size_t n2 = n;
  g_assert_cmpint(srtp_session_unprotect_rtp(b, pkt, &n), ==, 0);
  g_assert_cmpmem(pkt, n, orig, 200);
  /* Replayed: refused. Tampered: refused. */
  uint8_t again[200 + SRTP_SESSION_TRAILER];
  memcpy(again, copy, n2);
  size_t n3 = n2;
  g_assert_cmpint(srtp_session_unprotect_rtp(b, again, &n3), !=, 0);
  copy[50] ^= 1;
  copy[3] ^= 0x10; /* another seq, so not a replay */
  g_assert_cmpint(srtp_session_unprotect_rtp(b, copy, &n2), !=, 0);
  /* RTCP: a receiver report round trip. */
  uint8_t rr[8 + SRTP_SESSION_TRAILER] = {0x80, 201, 0, 1, 1, 2, 3, 4};
  size_t rn = 8;
  g_assert_cmpint(srtp_session_protect_rtcp(b, rr, &rn), ==, 0);
  g_assert_cmpint(srtp_session_unprotect_rtcp(a, rr, &rn), ==, 0);
  g_assert_cmpuint(rn, ==, 8);
  g_assert_cmpuint(rr[1], ==, 201);
  srtp_session_free(a);
  srtp_session_free(b);
  dtls_session_free(server);
  dtls_session_free(client);
  drain(&to_server);
  drain(&to_client);
  dtls_context_free(sc);
  dtls_context_free(cc);
}

static void test_fingerprint_mismatch(void) {
  DtlsContext *sc = ctx_new(), *cc = ctx_new(), *other = ctx_new();
  Wire to_server = {G_QUEUE_INIT}, to_client = {G_QUEUE_INIT};
  /* The server was told another certificate's fingerprint. */
  DtlsSession *server = dtls_session_new(sc, 1, dtls_context_fingerprint(other), on_send, &to_client);
  DtlsSession *client = dtls_session_new(cc, 0, dtls_context_fingerprint(sc), on_send, &to_server);
  dtls_session_start(client);
  pump(client, &to_client, server, &to_server);
  g_assert_cmpint(dtls_session_state(server), ==, DTLS_STATE_FAILED);
  g_assert_nonnull(strstr(dtls_session_error(server), "fingerprint"));
  DtlsSrtpKeys k;
  g_assert_cmpint(dtls_session_srtp_keys(server, &k), !=, 0);
  dtls_session_free(server);
  dtls_session_free(client);
  drain(&to_server);
  drain(&to_client);
  dtls_context_free(sc);
  dtls_context_free(cc);
  dtls_context_free(other);
}

static void test_garbage(void) {
  DtlsContext *sc = ctx_new();
  Wire out = {G_QUEUE_INIT};
  DtlsSession *s = dtls_session_new(sc, 1, "00:11", on_send, &out);
  GRand *r = g_rand_new_with_seed(7);
  for (int i = 0; i < 2000; i++) {
    uint8_t b[600];
    size_t n = (size_t)g_rand_int_range(r, 1, sizeof b);
    for (size_t k = 0; k < n; k++) b[k] = (uint8_t)g_rand_int(r);
    if (i % 2) { /* a plausible DTLS record header */
      b[0] = 22;
      if (n > 2) { b[1] = 0xfe; b[2] = 0xfd; }
    }
    dtls_session_feed(s, b, n);
    g_assert_cmpint(dtls_session_state(s), !=, DTLS_STATE_CONNECTED);
    drain(&out);
  }
  g_rand_free(r);
  dtls_session_free(s);
  dtls_context_free(sc);
}

static void test_srtp_cm_profile(void) {
  g_assert_cmpint(srtp_session_global_init(), ==, 0);
  DtlsSrtpKeys k = {.profile = DTLS_SRTP_AES128_CM_SHA1_80, .key_len = 16, .salt_len = 14};
  for (int i = 0; i < 30; i++) {
    k.local[i] = (uint8_t)i;
    k.remote[i] = (uint8_t)(100 + i);
  }
  DtlsSrtpKeys k2 = k;
  memcpy(k2.local, k.remote, 30);
  memcpy(k2.remote, k.local, 30);
  char err[64];
  SrtpSession *a = srtp_session_new(&k, err, sizeof err), *b = srtp_session_new(&k2, err, sizeof err);
  uint8_t pkt[40 + SRTP_SESSION_TRAILER] = {0x80, 111, 0, 9, 0, 0, 0, 1, 0, 0, 0, 5};
  size_t n = 40;
  g_assert_cmpint(srtp_session_protect_rtp(a, pkt, &n), ==, 0);
  g_assert_cmpuint(n, ==, 50); /* 80-bit tag */
  g_assert_cmpint(srtp_session_unprotect_rtp(b, pkt, &n), ==, 0);
  g_assert_cmpuint(n, ==, 40);
  /* Garbage never unprotects. */
  uint8_t junk[100 + SRTP_SESSION_TRAILER];
  for (int i = 0; i < 100; i++) junk[i] = (uint8_t)(i * 37);
  junk[0] = 0x80;
  size_t jn = 100;
  g_assert_cmpint(srtp_session_unprotect_rtp(b, junk, &jn), !=, 0);
  srtp_session_free(a);
  srtp_session_free(b);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/edge/dtls_handshake_srtp_keys", test_handshake_and_srtp);
  g_test_add_func("/sfu/edge/dtls_fingerprint_mismatch", test_fingerprint_mismatch);
  g_test_add_func("/sfu/edge/dtls_garbage", test_garbage);
  g_test_add_func("/sfu/edge/srtp_cm_profile", test_srtp_cm_profile);
  return g_test_run();
}
