#include "dtls.h"

#include <glib.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <string.h>

struct DtlsContext {
  SSL_CTX *ctx;
  EVP_PKEY *key;
  X509 *cert;
  char fingerprint[32 * 3 + 1];
};

struct DtlsSession {
  SSL *ssl;
  BIO *rbio, *wbio; /* owned by ssl */
  int is_server;
  DtlsState state;
  char *remote_fp;
  char error[160];
  DtlsSendFn send;
  void *user;
};

static void fp_text(const unsigned char *md, unsigned n, char *out) {
  for (unsigned i = 0; i < n; i++) g_snprintf(out + i * 3, 4, i + 1 < n ? "%02X:" : "%02X", md[i]);
}

/* We accept any certificate here; the fingerprint check after the handshake
 * is what authenticates the peer (RFC 5763 s.5). */
static int verify_any(int ok, X509_STORE_CTX *store) {
  (void)ok;
  (void)store;
  return 1;
}

static X509 *make_cert(EVP_PKEY *key) {
  X509 *x = X509_new();
  if (!x) return NULL;
  X509_set_version(x, 2);
  uint64_t serial = 0;
  RAND_bytes((unsigned char *)&serial, sizeof serial);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial >> 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -86400);
  X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400);
  X509_set_pubkey(x, key);
  X509_NAME *name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"parlour-sfu", -1,
                             -1, 0);
  X509_set_issuer_name(x, name);
  if (!X509_sign(x, key, EVP_sha256())) {
    X509_free(x);
    return NULL;
  }
  return x;
}

DtlsContext *dtls_context_new(char *err, size_t errsize) {
  DtlsContext *c = g_new0(DtlsContext, 1);
  c->key = EVP_EC_gen("P-256");
  if (!c->key) goto fail;
  c->cert = make_cert(c->key);
  if (!c->cert) goto fail;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  if (!X509_digest(c->cert, EVP_sha256(), md, &n)) goto fail;
  fp_text(md, n, c->fingerprint);
  c->ctx = SSL_CTX_new(DTLS_method());
  if (!c->ctx) goto fail;
  SSL_CTX_set_min_proto_version(c->ctx, DTLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(c->ctx, DTLS1_2_VERSION);
  if (SSL_CTX_use_certificate(c->ctx, c->cert) != 1 ||
      SSL_CTX_use_PrivateKey(c->ctx, c->key) != 1 || SSL_CTX_check_private_key(c->ctx) != 1)
    goto fail;
  /* tlsext_use_srtp returns 0 on success. GCM first: it is preferred. */
  if (SSL_CTX_set_tlsext_use_srtp(c->ctx, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80") != 0)
    goto fail;
  SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_any);
  SSL_CTX_set_cipher_list(c->ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                                  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA:"
                                  "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA");
  SSL_CTX_set_read_ahead(c->ctx, 1);
  return c;
fail:
  g_snprintf(err, errsize, "DTLS context: %s", ERR_reason_error_string(ERR_get_error()));
  dtls_context_free(c);
  return NULL;
}

void dtls_context_free(DtlsContext *c) {
  if (!c) return;
  if (c->ctx) SSL_CTX_free(c->ctx);
  if (c->cert) X509_free(c->cert);
  if (c->key) EVP_PKEY_free(c->key);
  g_free(c);
}

const char *dtls_context_fingerprint(const DtlsContext *c) { return c->fingerprint; }

DtlsSession *dtls_session_new(DtlsContext *c, int is_server, const char *remote_fp,
                              DtlsSendFn send, void *user) {
  DtlsSession *s = g_new0(DtlsSession, 1);
  s->ssl = SSL_new(c->ctx);
  s->rbio = BIO_new(BIO_s_mem());
  s->wbio = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(s->rbio, -1);
  BIO_set_mem_eof_return(s->wbio, -1);
  SSL_set_bio(s->ssl, s->rbio, s->wbio);
  /* Loopback and real paths alike: stay under a safe datagram size. */
  SSL_set_options(s->ssl, SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu(s->ssl, 1200);
  DTLS_set_link_mtu(s->ssl, 1200);
  s->is_server = is_server;
  if (is_server)
    SSL_set_accept_state(s->ssl);
  else
    SSL_set_connect_state(s->ssl);
  s->remote_fp = g_strdup(remote_fp ? remote_fp : "");
  s->send = send;
  s->user = user;
  s->state = DTLS_STATE_NEW;
  return s;
}

void dtls_session_free(DtlsSession *s) {
  if (!s) return;
  SSL_free(s->ssl);
  g_free(s->remote_fp);
  g_free(s);
}

static void flush_out(DtlsSession *s) {
  /* Each BIO_read of a memory BIO under DTLS yields one record batch the
   * library wrote as one datagram. */
  char buf[2048];
  int n;
  while ((n = BIO_read(s->wbio, buf, sizeof buf)) > 0) s->send((const uint8_t *)buf, (size_t)n, s->user);
}

static void fail(DtlsSession *s, const char *why) {
  s->state = DTLS_STATE_FAILED;
  g_strlcpy(s->error, why, sizeof s->error);
}

static void check_fingerprint(DtlsSession *s) {
  X509 *peer = SSL_get1_peer_certificate(s->ssl);
  if (!peer) {
    fail(s, "peer sent no certificate");
    return;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  char fp[EVP_MAX_MD_SIZE * 3 + 1];
  X509_digest(peer, EVP_sha256(), md, &n);
  X509_free(peer);
  fp_text(md, n, fp);
  if (g_ascii_strcasecmp(fp, s->remote_fp) != 0) {
    fail(s, "certificate does not match the SDP fingerprint");
    return;
  }
  if (!SSL_get_selected_srtp_profile(s->ssl)) {
    fail(s, "no SRTP protection profile negotiated");
    return;
  }
  s->state = DTLS_STATE_CONNECTED;
}

static void step(DtlsSession *s) {
  if (s->state == DTLS_STATE_FAILED || s->state == DTLS_STATE_CLOSED) return;
  if (s->state != DTLS_STATE_CONNECTED) {
    s->state = DTLS_STATE_HANDSHAKING;
    int r = SSL_do_handshake(s->ssl);
    if (r == 1) {
      check_fingerprint(s);
    } else {
      int e = SSL_get_error(s->ssl, r);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
        unsigned long le = ERR_get_error();
        fail(s, le ? ERR_reason_error_string(le) : "handshake failed");
      }
    }
    ERR_clear_error();
    flush_out(s);
    return;
  }
  /* Connected: application data is not used in WebRTC without data
   * channels; read to process alerts (close_notify) and discard. */
  char buf[2048];
  int r = SSL_read(s->ssl, buf, sizeof buf);
  if (r <= 0) {
    int e = SSL_get_error(s->ssl, r);
    if (e == SSL_ERROR_ZERO_RETURN) s->state = DTLS_STATE_CLOSED;
  }
  ERR_clear_error();
  flush_out(s);
}

void dtls_session_start(DtlsSession *s) {
  if (s->state == DTLS_STATE_NEW && !s->is_server) step(s);
}

DtlsState dtls_session_feed(DtlsSession *s, const uint8_t *data, size_t len) {
  if (s->state == DTLS_STATE_FAILED || s->state == DTLS_STATE_CLOSED) return s->state;
  BIO_write(s->rbio, data, (int)len);
  step(s);
  return s->state;
}

DtlsState dtls_session_state(const DtlsSession *s) { return s->state; }
const char *dtls_session_error(const DtlsSession *s) { return s->error; }

int dtls_session_timeout_ms(DtlsSession *s) {
  if (s->state != DTLS_STATE_HANDSHAKING) return -1;
  struct timeval tv;
  if (!DTLSv1_get_timeout(s->ssl, &tv)) return -1;
  return (int)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
}

DtlsState dtls_session_on_timeout(DtlsSession *s) {
  if (s->state == DTLS_STATE_HANDSHAKING) {
    if (DTLSv1_handle_timeout(s->ssl) < 0) fail(s, "handshake timed out");
    ERR_clear_error();
    flush_out(s);
  }
  return s->state;
}

const char *dtls_srtp_profile_name(DtlsSrtpProfile p) {
  switch (p) {
  case DTLS_SRTP_AEAD_AES_128_GCM: return "AEAD_AES_128_GCM";
  case DTLS_SRTP_AES128_CM_SHA1_80: return "AES_CM_128_HMAC_SHA1_80";
  default: return "none";
  }
}

int dtls_session_srtp_keys(DtlsSession *s, DtlsSrtpKeys *out) {
  if (s->state != DTLS_STATE_CONNECTED) return -1;
  SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(s->ssl);
  if (!p) return -1;
  memset(out, 0, sizeof *out);
  if (p->id == DTLS_SRTP_AEAD_AES_128_GCM) {
    out->key_len = 16;
    out->salt_len = 12;
  } else if (p->id == DTLS_SRTP_AES128_CM_SHA1_80) {
    out->key_len = 16;
    out->salt_len = 14;
  } else {
    return -1;
  }
  out->profile = (DtlsSrtpProfile)p->id;
  size_t kl = out->key_len, sl = out->salt_len;
  uint8_t m[2 * (DTLS_SRTP_MAX_KEY + DTLS_SRTP_MAX_SALT)];
  static const char label[] = "EXTRACTOR-dtls_srtp";
  if (SSL_export_keying_material(s->ssl, m, 2 * (kl + sl), label, sizeof label - 1, NULL, 0, 0) != 1)
    return -1;
  /* RFC 5764 s.4.2: client key, server key, client salt, server salt. */
  const uint8_t *ck = m, *sk = m + kl, *cs = m + 2 * kl, *ss = m + 2 * kl + sl;
  const uint8_t *lk = s->is_server ? sk : ck, *ls = s->is_server ? ss : cs;
  const uint8_t *rk = s->is_server ? ck : sk, *rs = s->is_server ? cs : ss;
  memcpy(out->local, lk, kl);
  memcpy(out->local + kl, ls, sl);
  memcpy(out->remote, rk, kl);
  memcpy(out->remote + kl, rs, sl);
  OPENSSL_cleanse(m, sizeof m);
  return 0;
}
