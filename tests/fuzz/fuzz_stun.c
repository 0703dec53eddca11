/* Fuzz harness: STUN as the SFU's media socket sees it. Every datagram is
 * first classified by sfu/core/demux.c (RFC 7983 first-byte rules); STUN is
 * then read and answered by libnice's STUN library (stun/), which is what
 * libnice runs on the SFU's sockets today and what issue 21's batched fast
 * path answers consent and keep-alive checks with. The agent is set up as
 * libnice sets it up for RFC 5245 ICE (RFC 5389 STUN, short-term
 * credentials, FINGERPRINT), with the SFU's local credentials, so a request
 * with a right MESSAGE-INTEGRITY (the seeds have one) reaches the reply
 * builder. libnice itself is not coverage-instrumented: the fuzzer is
 * guided by demux and by what the validation returns.
 * The input is the datagram. */
#include "fuzz.h"

#include <netinet/in.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>
#include <sys/socket.h>

#include "core/demux.h"

/* The SFU's side of the seeds' ICE credentials: username "sfuL:peer",
 * password of the local ufrag. */
static uint8_t user[] = "sfuL:peer";
static uint8_t pass[] = "0123456789abcdefghijklmn";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 2048) return 0; /* the SFU drops bigger datagrams (MAX_DGRAM) */
  uint8_t *b = fuzz_memdup(data, size);
  DemuxKind k = demux_classify(b, size);
  (void)demux_kind_name(k);
  if (k == DEMUX_STUN) FUZZ_CHECK(size >= 20 && b[0] <= 3);
  if (k != DEMUX_STUN) {
    free(b);
    return 0;
  }
  static const uint16_t known[] = {STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
                                   STUN_ATTRIBUTE_FINGERPRINT, STUN_ATTRIBUTE_PRIORITY,
                                   STUN_ATTRIBUTE_USE_CANDIDATE, STUN_ATTRIBUTE_ICE_CONTROLLED,
                                   STUN_ATTRIBUTE_ICE_CONTROLLING, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
                                   STUN_ATTRIBUTE_ERROR_CODE, 0};
  StunAgent agent;
  stun_agent_init(&agent, known, STUN_COMPATIBILITY_RFC5389,
                  STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
  StunDefaultValidaterData v[] = {{user, sizeof user - 1, pass, sizeof pass - 1}, {NULL, 0, NULL, 0}};
  StunMessage req;
  int blen = stun_message_validate_buffer_length(b, size, true);
  StunValidationStatus st = stun_agent_validate(&agent, &req, b, size, stun_agent_default_validater, v);
  if (st == STUN_VALIDATION_SUCCESS) {
    FUZZ_CHECK(blen > 0 && (size_t)blen <= size);
    (void)stun_message_get_class(&req);
    (void)stun_message_get_method(&req);
    uint32_t prio = 0;
    (void)stun_message_find32(&req, STUN_ATTRIBUTE_PRIORITY, &prio);
    uint8_t reply[1024];
    size_t rlen = sizeof reply;
    StunMessage msg;
    struct sockaddr_storage src;
    memset(&src, 0, sizeof src);
    struct sockaddr_in *sin = (struct sockaddr_in *)&src;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(40000);
    sin->sin_addr.s_addr = htonl(0x7f000001);
    bool control = false;
    (void)stun_usage_ice_conncheck_create_reply(&agent, &req, &msg, reply, &rlen, &src, sizeof *sin,
                                                &control, 42, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
    FUZZ_CHECK(rlen <= sizeof reply);
    if (rlen > 0) FUZZ_CHECK(demux_classify(reply, rlen) == DEMUX_STUN);
  }
  free(b);
  return 0;
}
