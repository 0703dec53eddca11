/* The analyser tap of faces_tap.h. */
#include "faces_tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "faces_wire.h"
#include "log.h"
#include "recorder/rec_queue.h"

#define TAP_SLOTS 256 /* about 400 kB: a second of a lowest layer */

struct FacesTap {
  char *room;
  RecQueue *q;
  int fd;
  struct sockaddr_storage to;
  socklen_t to_len;
  GThread *thread;
  gint stop;
  guint kf_gen;
  guint64 sent, dropped_send, kf_requests;
};

static bool parse_target(const char *target, struct sockaddr_storage *ss, socklen_t *len) {
  const char *colon = target ? strrchr(target, ':') : NULL;
  if (!colon || colon == target) return false;
  int port = atoi(colon + 1);
  if (port <= 0 || port > 65535) return false;
  char host[64];
  size_t n = (size_t)(colon - target);
  if (n >= sizeof host) return false;
  memcpy(host, target, n);
  host[n] = 0;
  if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
    memmove(host, host + 1, n - 2);
    host[n - 2] = 0;
  }
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    *len = sizeof *a4;
    return true;
  }
  if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    *len = sizeof *a6;
    return true;
  }
  return false;
}

static void read_requests(FacesTap *t) {
  uint8_t buf[600];
  for (int i = 0; i < 64; i++) {
    ssize_t n = recv(t->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) return;
    FacesWireMsg m;
    if (faces_wire_parse(buf, (size_t)n, &m) && m.keyframe && strcmp(m.room, t->room) == 0) {
      g_atomic_int_inc(&t->kf_gen);
      t->kf_requests++;
    }
  }
}

static gpointer tap_thread(gpointer user) {
  FacesTap *t = user;
  uint8_t out[2048];
  while (!g_atomic_int_get(&t->stop)) {
    const RecQueueItem *it = rec_queue_peek(t->q);
    if (!it) {
      struct pollfd pfd = {.fd = t->fd, .events = POLLIN};
      if (poll(&pfd, 1, 5) > 0) read_requests(t);
      continue;
    }
    /* item data: u8 n, participant, rtp */
    size_t np = it->len ? it->data[0] : 0;
    if (np > 0 && 1 + np < it->len) {
      char part[FACES_WIRE_MAX_NAME + 1];
      memcpy(part, it->data + 1, np);
      part[np] = 0;
      size_t n = faces_wire_build(out, sizeof out, false, t->room, part, it->data + 1 + np,
                                  it->len - 1 - np);
      if (n && sendto(t->fd, out, n, MSG_DONTWAIT, (struct sockaddr *)&t->to, t->to_len) ==
                   (ssize_t)n)
        t->sent++;
      else
        t->dropped_send++; /* no analyser listening, socket full: a frame less */
    }
    rec_queue_release(t->q);
  }
  return NULL;
}

FacesTap *faces_tap_new(const char *room, const char *target, char *err, size_t errsize) {
  struct sockaddr_storage ss;
  socklen_t len = 0;
  if (!parse_target(target, &ss, &len)) {
    g_snprintf(err, errsize, "analyser %s is not a numeric host:port", target ? target : "");
    return NULL;
  }
  int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    g_snprintf(err, errsize, "socket: %s", strerror(errno));
    return NULL;
  }
  FacesTap *t = g_new0(FacesTap, 1);
  t->room = g_strdup(room);
  t->fd = fd;
  t->to = ss;
  t->to_len = len;
  t->q = rec_queue_new(TAP_SLOTS, 0);
  t->thread = g_thread_try_new("faces-tap", tap_thread, t, NULL);
  if (!t->q || !t->thread) {
    g_snprintf(err, errsize, "no queue or thread for the analyser tap");
    faces_tap_free(t);
    return NULL;
  }
  return t;
}

bool faces_tap_push(FacesTap *t, const char *participant, const uint8_t *rtp, size_t len,
                    int64_t now_us) {
  size_t np = strlen(participant);
  if (np == 0 || np > FACES_WIRE_MAX_NAME || 1 + np + len > REC_QUEUE_MAX_PAYLOAD) return false;
  uint8_t item[REC_QUEUE_MAX_PAYLOAD];
  item[0] = (uint8_t)np;
  memcpy(item + 1, participant, np);
  memcpy(item + 1 + np, rtp, len);
  return rec_queue_push(t->q, REC_ITEM_RTP, 0, now_us, item, 1 + np + len, false);
}

unsigned faces_tap_keyframe_gen(FacesTap *t) { return (unsigned)g_atomic_int_get(&t->kf_gen); }

void faces_tap_stats(FacesTap *t, FacesTapStats *out) {
  RecQueueStats qs;
  rec_queue_stats(t->q, &qs);
  *out = (FacesTapStats){.queued = qs.pushed,
                         .dropped_queue = qs.dropped_full + qs.dropped_oversize,
                         .sent = t->sent,
                         .dropped_send = t->dropped_send,
                         .keyframe_requests = t->kf_requests};
}

void faces_tap_free(FacesTap *t) {
  if (!t) return;
  if (t->thread) {
    g_atomic_int_set(&t->stop, 1);
    g_thread_join(t->thread);
  }
  if (t->q) rec_queue_free(t->q);
  if (t->fd >= 0) close(t->fd);
  g_free(t->room);
  g_free(t);
}
