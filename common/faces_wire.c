/* The analyser's datagrams: faces_wire.h. */
#include "faces_wire.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static bool name_ok(const uint8_t *s, size_t n) {
  if (n < 1 || n > FACES_WIRE_MAX_NAME) return false;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '.' || c == ':' || c == '@' || c == '-'))
      return false;
  }
  return true;
}

bool faces_wire_parse(const uint8_t *buf, size_t len, FacesWireMsg *out) {
  if (!buf || len < 6) return false;
  bool kf;
  if (memcmp(buf, FACES_WIRE_MEDIA, 4) == 0) kf = false;
  else if (memcmp(buf, FACES_WIRE_KEYFRAME, 4) == 0) kf = true;
  else return false;
  size_t at = 4;
  size_t nr = buf[at++];
  if (at + nr + 1 > len || !name_ok(buf + at, nr)) return false;
  memcpy(out->room, buf + at, nr);
  out->room[nr] = 0;
  at += nr;
  size_t np = buf[at++];
  if (at + np > len || !name_ok(buf + at, np)) return false;
  memcpy(out->participant, buf + at, np);
  out->participant[np] = 0;
  at += np;
  out->keyframe = kf;
  out->rtp = buf + at;
  out->rtp_len = len - at;
  if (kf) return out->rtp_len == 0;
  /* version 2, and at least the fixed header */
  return out->rtp_len >= 12 && (out->rtp[0] >> 6) == 2;
}

size_t faces_wire_build(uint8_t *out, size_t cap, bool keyframe, const char *room,
                        const char *participant, const uint8_t *rtp, size_t rtp_len) {
  size_t nr = strlen(room), np = strlen(participant);
  if (!name_ok((const uint8_t *)room, nr) || !name_ok((const uint8_t *)participant, np))
    return 0;
  if (keyframe) rtp_len = 0;
  size_t need = 4 + 1 + nr + 1 + np + rtp_len;
  if (need > cap) return 0;
  memcpy(out, keyframe ? FACES_WIRE_KEYFRAME : FACES_WIRE_MEDIA, 4);
  size_t at = 4;
  out[at++] = (uint8_t)nr;
  memcpy(out + at, room, nr);
  at += nr;
  out[at++] = (uint8_t)np;
  memcpy(out + at, participant, np);
  at += np;
  if (rtp_len) memcpy(out + at, rtp, rtp_len);
  return need;
}

bool faces_wire_hostport_ok(const char *s) {
  const char *colon = s ? strrchr(s, ':') : NULL;
  if (!colon || colon == s) return false;
  char *end = NULL;
  long port = strtol(colon + 1, &end, 10);
  if (!colon[1] || *end || port < 1 || port > 65535) return false;
  char host[64];
  size_t n = (size_t)(colon - s);
  if (n >= sizeof host) return false;
  memcpy(host, s, n);
  host[n] = 0;
  unsigned char buf[16];
  if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
    host[n - 1] = 0;
    return inet_pton(AF_INET6, host + 1, buf) == 1;
  }
  return inet_pton(AF_INET, host, buf) == 1;
}
