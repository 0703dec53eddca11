/* srtp_session: one direction pair of SRTP/SRTCP contexts (libsrtp2) keyed
 * from DTLS-SRTP. Protect writes in place and needs SRTP_SESSION_TRAILER
 * spare bytes after the packet. Not thread-safe: one transport, one thread.
 * srtp_session_global_init() must run once before any thread uses it. */
#ifndef PARLOUR_SFU_SRTP_SESSION_H
#define PARLOUR_SFU_SRTP_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "dtls.h"

#define SRTP_SESSION_TRAILER 148 /* >= SRTP_MAX_TRAILER_LEN (+ SRTCP index) */

typedef struct SrtpSession SrtpSession;

int srtp_session_global_init(void);
SrtpSession *srtp_session_new(const DtlsSrtpKeys *keys, char *err, size_t errsize);
void srtp_session_free(SrtpSession *s);

/* *len in: plaintext length; out: protected length. buf must have
 * SRTP_SESSION_TRAILER bytes of room beyond *len. Returns 0 or -1. */
int srtp_session_protect_rtp(SrtpSession *s, uint8_t *buf, size_t *len);
int srtp_session_protect_rtcp(SrtpSession *s, uint8_t *buf, size_t *len);
/* *len in: protected length; out: plaintext length. 0 or -1 (auth failure,
 * replay, garbage). */
int srtp_session_unprotect_rtp(SrtpSession *s, uint8_t *buf, size_t *len);
int srtp_session_unprotect_rtcp(SrtpSession *s, uint8_t *buf, size_t *len);

#endif
