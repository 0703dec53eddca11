/* dtls: DTLS 1.2 for WebRTC (RFC 5763/5764) over OpenSSL memory BIOs.
 *
 * The process has one certificate (ECDSA P-256, self-signed, generated at
 * start) and one SSL_CTX, created by dtls_context_new() before any worker
 * starts; after that the context is only read, so every worker thread may
 * create sessions from it.
 *
 * A DtlsSession never touches a socket: the transport feeds it the datagrams
 * it received (dtls_session_feed) and sends what the session hands to its
 * send callback. Retransmission timers are the transport's: it asks
 * dtls_session_timeout_ms() after every call and calls
 * dtls_session_on_timeout() when that much time has passed.
 *
 * The peer's certificate is accepted during the handshake only to be compared
 * with the fingerprint from its SDP afterwards: a mismatch fails the session. */
#ifndef PARLOUR_SFU_DTLS_H
#define PARLOUR_SFU_DTLS_H

#include <stddef.h>
#include <stdint.h>

typedef struct DtlsContext DtlsContext;
typedef struct DtlsSession DtlsSession;

/* SRTP protection profiles we negotiate (values are the RFC 5764/7714 ids). */
typedef enum {
  DTLS_SRTP_NONE = 0,
  DTLS_SRTP_AES128_CM_SHA1_80 = 0x0001,
  DTLS_SRTP_AEAD_AES_128_GCM = 0x0007,
} DtlsSrtpProfile;

#define DTLS_SRTP_MAX_KEY 16
#define DTLS_SRTP_MAX_SALT 14

typedef struct {
  DtlsSrtpProfile profile;
  size_t key_len, salt_len;
  /* key then salt, as libsrtp wants it. */
  uint8_t local[DTLS_SRTP_MAX_KEY + DTLS_SRTP_MAX_SALT];
  uint8_t remote[DTLS_SRTP_MAX_KEY + DTLS_SRTP_MAX_SALT];
} DtlsSrtpKeys;

/* Generates the key pair and certificate. NULL with a reason in err. */
DtlsContext *dtls_context_new(char *err, size_t errsize);
void dtls_context_free(DtlsContext *c);
/* "sha-256" fingerprint text, "AB:CD:...". Owned by the context. */
const char *dtls_context_fingerprint(const DtlsContext *c);

typedef enum {
  DTLS_STATE_NEW,
  DTLS_STATE_HANDSHAKING,
  DTLS_STATE_CONNECTED,
  DTLS_STATE_FAILED,
  DTLS_STATE_CLOSED,
} DtlsState;

typedef void (*DtlsSendFn)(const uint8_t *data, size_t len, void *user);

/* is_server: we wait for the ClientHello (a=setup:passive on our side).
 * remote_fp: the "sha-256" fingerprint text from the peer's SDP (copied). */
DtlsSession *dtls_session_new(DtlsContext *c, int is_server, const char *remote_fp,
                              DtlsSendFn send, void *user);
void dtls_session_free(DtlsSession *s);
/* The client sends its ClientHello; the server does nothing. */
void dtls_session_start(DtlsSession *s);
/* One received datagram. Returns the state after it. */
DtlsState dtls_session_feed(DtlsSession *s, const uint8_t *data, size_t len);
DtlsState dtls_session_state(const DtlsSession *s);
/* Why it failed, for logs ("fingerprint mismatch", an OpenSSL reason...). */
const char *dtls_session_error(const DtlsSession *s);
/* Milliseconds until dtls_session_on_timeout is due; -1 when no timer runs. */
int dtls_session_timeout_ms(DtlsSession *s);
DtlsState dtls_session_on_timeout(DtlsSession *s);
/* Once connected: the SRTP keys (ours to protect, theirs to unprotect). */
int dtls_session_srtp_keys(DtlsSession *s, DtlsSrtpKeys *out);
const char *dtls_srtp_profile_name(DtlsSrtpProfile p);

#endif
