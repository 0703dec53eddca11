#include "srtp_session.h"

#include <glib.h>
#include <srtp2/srtp.h>
#include <string.h>

struct SrtpSession {
  srtp_t in, out;
};

int srtp_session_global_init(void) {
  static gsize once = 0;
  static int rc = 0;
  if (g_once_init_enter(&once)) {
    rc = srtp_init() == srtp_err_status_ok ? 0 : -1;
    g_once_init_leave(&once, 1);
  }
  return rc;
}

static int make(srtp_t *out, DtlsSrtpProfile prof, const uint8_t *key, int inbound) {
  srtp_policy_t p;
  memset(&p, 0, sizeof p);
  if (prof == DTLS_SRTP_AEAD_AES_128_GCM) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
  }
  p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
  p.key = (unsigned char *)key;
  /* Retransmissions arrive late: a wider replay window than the default 128. */
  p.window_size = 1024;
  /* We resend packets from our NACK buffer with the same SSRC and seq when
   * RTX is not negotiated. */
  p.allow_repeat_tx = 1;
  return srtp_create(out, &p) == srtp_err_status_ok ? 0 : -1;
}

SrtpSession *srtp_session_new(const DtlsSrtpKeys *keys, char *err, size_t errsize) {
  SrtpSession *s = g_new0(SrtpSession, 1);
  if (make(&s->in, keys->profile, keys->remote, 1) != 0 ||
      make(&s->out, keys->profile, keys->local, 0) != 0) {
    g_snprintf(err, errsize, "libsrtp refused the keys");
    srtp_session_free(s);
    return NULL;
  }
  return s;
}

void srtp_session_free(SrtpSession *s) {
  if (!s) return;
  if (s->in) srtp_dealloc(s->in);
  if (s->out) srtp_dealloc(s->out);
  g_free(s);
}

int srtp_session_protect_rtp(SrtpSession *s, uint8_t *buf, size_t *len) {
  int l = (int)*len;
  if (srtp_protect(s->out, buf, &l) != srtp_err_status_ok) return -1;
  *len = (size_t)l;
  return 0;
}
int srtp_session_protect_rtcp(SrtpSession *s, uint8_t *buf, size_t *len) {
  int l = (int)*len;
  if (srtp_protect_rtcp(s->out, buf, &l) != srtp_err_status_ok) return -1;
  *len = (size_t)l;
  return 0;
}
int srtp_session_unprotect_rtp(SrtpSession *s, uint8_t *buf, size_t *len) {
  int l = (int)*len;
  if (srtp_unprotect(s->in, buf, &l) != srtp_err_status_ok) return -1;
  *len = (size_t)l;
  return 0;
}
int srtp_session_unprotect_rtcp(SrtpSession *s, uint8_t *buf, size_t *len) {
  int l = (int)*len;
  if (srtp_unprotect_rtcp(s->in, buf, &l) != srtp_err_status_ok) return -1;
  *len = (size_t)l;
  return 0;
}
