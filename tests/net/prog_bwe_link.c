/* prog_bwe_link: the SFU's adaptation modules over a real (emulated) link,
 * before they are wired into the forwarder. One side plays the SFU sending
 * one simulcast layer to a subscriber; the other plays the subscriber.
 *
 *   prog_bwe_link send --to IP:PORT --duration S [--start-layer L] [--cap L]
 *   prog_bwe_link recv --bind IP:PORT --duration S
 *
 * send (through subscriber_bwe, the calls the forwarder makes): three VP8-like layers of 150 / 500 / 1200 kbit/s at 30 frames/s
 * (keyframes 3x a delta frame, every 3 s and at each switch) and 40 kbit/s
 * of audio; RTP packets of <= 1200 bytes carrying the transport-cc header
 * extension (id 3, written with twcc_ext_write_seq, remembered in
 * twcc_history). Transport-cc feedback from the receiver goes through
 * rtcp_iter -> twcc_history_on_feedback -> bwe_delay; every 100 ms the
 * layer_selector decides (audio reserved first); a change takes effect at the
 * keyframe that follows (100 ms later, as a publisher answering a PLI), a
 * pause sends audio only. Prints "S <mono ms> <estimate> <acked> <target>
 * <layer> <overuses> <decreases> <loss> <trend> <delay kbps> <loss-bound
 * kbps>" every 500 ms and "P <mono ms> <probe bps> <delivered> <success>"
 * per probe.
 * recv: twcc_feedback on every packet, feedback every 100 ms back to the
 * sender; a frame counts when all its packets arrived; prints "F <mono ms>
 * <layer>" per complete frame and "R <mono ms> <kbit/s layer0> <1> <2>
 * <audio>" every second.
 * Bad arguments: exit 2. Stops by itself after the duration. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/bwe_delay.h"
#include "core/bwe_probe.h"
#include "core/subscriber_bwe.h"
#include "core/bytes.h"
#include "core/layer_selector.h"
#include "core/rtcp.h"
#include "core/rtp.h"
#include "core/twcc_feedback.h"
#include "core/twcc_history.h"

#define EXT_ID 3
#define MTU_PAYLOAD 1160
static const uint64_t LAYER_BPS[3] = {150000, 500000, 1200000};
#define AUDIO_BPS 40000

static int64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static gboolean parse_addr(const char *s, struct sockaddr_in *a) {
  const char *colon = s ? strrchr(s, ':') : NULL;
  if (!colon || colon == s || colon - s >= 64) return FALSE;
  char ip[64];
  memcpy(ip, s, (size_t)(colon - s));
  ip[colon - s] = 0;
  char *end = NULL;
  long port = strtol(colon + 1, &end, 10);
  if (!end || *end || port <= 0 || port > 65535) return FALSE;
  memset(a, 0, sizeof *a);
  a->sin_family = AF_INET;
  a->sin_port = htons((uint16_t)port);
  return inet_pton(AF_INET, ip, &a->sin_addr) == 1;
}

/* payload after the RTP header + extension: layer(1) frame(4) idx(2) count(2) */
#define HDR 20
static size_t build(uint8_t *b, uint32_t ssrc, uint16_t seq, uint32_t ts, bool marker, uint16_t tseq,
                    uint8_t layer, uint32_t frame, uint16_t idx, uint16_t count, size_t payload) {
  memset(b, 0, HDR + payload);
  b[0] = 0x90;
  b[1] = (uint8_t)((marker ? 0x80 : 0) | 96);
  put16(b + 2, seq);
  put32(b + 4, ts);
  put32(b + 8, ssrc);
  put16(b + 12, 0xBEDE);
  put16(b + 14, 1);
  b[16] = (EXT_ID << 4) | 1;
  put16(b + 17, tseq);
  b[HDR] = layer;
  put32(b + HDR + 1, frame);
  put16(b + HDR + 5, idx);
  put16(b + HDR + 7, count);
  return HDR + payload;
}

static int run_send(const struct sockaddr_in *to, double duration, int start_layer, int cap) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return 1;
  /* The forwarder's view of one subscriber: exactly the calls it makes. */
  static SubscriberBwe sb;
  BweConfig bc = {.start_bps = 300000};
  subscriber_bwe_init(&sb, &bc, NULL, 1);
  BweDelay *bwe = &sb.bwe;
  LayerSelector sel;
  layer_selector_init(&sel, NULL, start_layer, cap);
  uint16_t pad_seq = 0;
  int layer = start_layer, pending = LAYER_PAUSED;
  int64_t switch_at = 0;
  int64_t t0 = mono_us(), end = t0 + (int64_t)(duration * 1e6);
  int64_t next_frame = t0, next_audio = t0, next_sel = t0, next_print = t0, last_key = 0;
  bool need_key = true;
  uint32_t frame = 0;
  uint16_t seqs[4] = {0};
  uint64_t probes_seen = 0;
  uint8_t b[1500];
  while (mono_us() < end) {
    int64_t now = mono_us();
    int64_t next = MIN(next_frame, MIN(next_audio, MIN(next_sel, next_print)));
    int wait_ms = next > now ? (int)((next - now) / 1000) : 0;
    if (wait_ms > 5) wait_ms = 5; /* the tick: padding pacing and probe time-outs */
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, wait_ms) > 0) {
      ssize_t n;
      while ((n = recv(fd, b, sizeof b, MSG_DONTWAIT)) > 0) {
        RtcpIter it;
        RtcpPacket pk;
        rtcp_iter_init(&it, b, (size_t)n);
        while (rtcp_iter_next(&it, &pk)) subscriber_bwe_on_rtcp(&sb, &pk, mono_us());
      }
    }
    now = mono_us();
    if (subscriber_bwe_take_verified(&sb)) layer_selector_verified(&sel, now);
    if (sb.probes_ok + sb.probes_failed != probes_seen) {
      probes_seen = sb.probes_ok + sb.probes_failed;
      printf("P %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
             now / 1000, sb.probe.rate_bps, sb.probe.last_delivered_bps, sb.probes_ok);
    }
    if (now >= next_sel) {
      next_sel += 100000;
      LayerDecision d = layer_selector_update(&sel, LAYER_BPS, 3, subscriber_bwe_estimate(&sb), AUDIO_BPS, layer,
                                              now);
      if (d.changed && d.target == LAYER_PAUSED) {
        layer = LAYER_PAUSED;
        pending = LAYER_PAUSED;
      } else if (d.request_keyframe && d.target != LAYER_PAUSED && switch_at == 0) {
        pending = d.target;
        switch_at = now + 100000; /* the publisher's keyframe arrives */
      }
    }
    uint64_t want = 0;
    if (sel.target == LAYER_PAUSED)
      want = LAYER_BPS[0] * 5 / 4 + AUDIO_BPS;
    else if (sel.target < cap)
      want = LAYER_BPS[sel.target + 1] * 5 / 4 + AUDIO_BPS;
    size_t due;
    while ((due = subscriber_bwe_tick(&sb, want, mono_us())) > 0) {
      size_t pl = due > MTU_PAYLOAD ? MTU_PAYLOAD : due;
      if (pl < 200) pl = 200;
      uint16_t ts = subscriber_bwe_on_send_padding(&sb, HDR + pl, mono_us());
      size_t len = build(b, 0xFADE0, pad_seq++, 0, false, ts, 8, 0, 0, 1, pl);
      sendto(fd, b, len, 0, (const struct sockaddr *)to, sizeof *to);
    }
    if (switch_at && now >= switch_at) {
      layer = pending;
      switch_at = 0;
      need_key = true;
    }
    if (now >= next_audio) {
      next_audio += 20000;
      uint16_t ts = subscriber_bwe_on_send(&sb, HDR + 100, now);
      size_t len = build(b, 0xA0D10, seqs[3]++, (uint32_t)(now / 1000 * 48), true, ts, 9, 0, 0, 1, 100);
      sendto(fd, b, len, 0, (const struct sockaddr *)to, sizeof *to);
    }
    if (now >= next_frame) {
      next_frame += 33333;
      if (layer != LAYER_PAUSED) {
        if (now - last_key >= 3000000) need_key = true;
        size_t bytes = LAYER_BPS[layer] / 8 / 30;
        if (need_key) {
          bytes *= 3;
          last_key = now;
          need_key = false;
        }
        uint16_t count = (uint16_t)((bytes + MTU_PAYLOAD - 1) / MTU_PAYLOAD);
        for (uint16_t i = 0; i < count; i++) {
          size_t pl = i + 1 < count ? MTU_PAYLOAD : bytes - (size_t)(count - 1) * MTU_PAYLOAD;
          if (pl < 9) pl = 9;
          uint16_t ts = subscriber_bwe_on_send(&sb, HDR + pl, mono_us());
          size_t len = build(b, 0xB0D10 + (uint32_t)layer, seqs[layer]++, frame * 3000, i + 1 == count, ts,
                             (uint8_t)layer, frame, i, count, pl);
          sendto(fd, b, len, 0, (const struct sockaddr *)to, sizeof *to);
        }
        frame++;
      }
    }
    if (now >= next_print) {
      next_print += 500000;
      printf("S %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %d %d %" G_GUINT64_FORMAT
             " %" G_GUINT64_FORMAT " %.3f %.1f %.0f %.0f\n",
             now / 1000, subscriber_bwe_estimate(&sb), bwe_delay_acked_bps(bwe), sel.target, layer, bwe->overuses,
             bwe->decreases, bwe->last_loss, bwe->trend, bwe->delay_bps / 1000, bwe->loss_bps / 1000);
      fflush(stdout);
    }
  }
  close(fd);
  return 0;
}

static int run_recv(const struct sockaddr_in *bind_to, double duration) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || bind(fd, (const struct sockaddr *)bind_to, sizeof *bind_to) != 0) {
    fprintf(stderr, "prog_bwe_link: bind: %s\n", strerror(errno));
    return 1;
  }
  /* Arrival times from the kernel (SO_TIMESTAMPNS, CLOCK_REALTIME mapped to
   * our monotonic clock once): a receiver descheduled on a busy host would
   * otherwise stamp late and look like a queue to the sender's estimator. */
  int on = 1;
  bool kernel_ts = setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0;
  static TwccFeedback fb;
  twcc_feedback_init(&fb, 1, 2, 100000);
  struct sockaddr_in peer;
  bool have_peer = false;
  int64_t t0 = mono_us(), end = t0 + (int64_t)(duration * 1e6), next_report = t0 + 1000000;
  uint64_t bytes[4] = {0};
  uint32_t cur_frame = UINT32_MAX;
  unsigned got = 0;
  uint8_t b[1500];
  while (mono_us() < end) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 10) > 0) {
      struct sockaddr_in from;
      socklen_t fl = sizeof from;
      ssize_t n;
      for (;;) {
        char cbuf[CMSG_SPACE(sizeof(struct timespec))];
        struct iovec iov = {.iov_base = b, .iov_len = sizeof b};
        struct msghdr mh = {.msg_name = &from, .msg_namelen = fl, .msg_iov = &iov, .msg_iovlen = 1,
                            .msg_control = cbuf, .msg_controllen = sizeof cbuf};
        n = recvmsg(fd, &mh, MSG_DONTWAIT);
        if (n <= 0) break;
        int64_t now = mono_us();
        if (kernel_ts) {
          for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
              struct timespec ts;
              memcpy(&ts, CMSG_DATA(c), sizeof ts);
              struct timespec rt;
              clock_gettime(CLOCK_REALTIME, &rt);
              int64_t age = ((int64_t)rt.tv_sec - ts.tv_sec) * 1000000 + (rt.tv_nsec - ts.tv_nsec) / 1000;
              if (age >= 0 && age < 1000000) now -= age;
            }
        }
        peer = from;
        have_peer = true;
        RtpView v;
        uint16_t tseq;
        if (rtp_parse(b, (size_t)n, &v) != RTP_OK || !twcc_ext_read_seq(b, &v, EXT_ID, &tseq) ||
            v.payload_len < 9)
          continue;
        twcc_feedback_on_packet(&fb, tseq, now);
        const uint8_t *pl = b + v.payload_offset;
        uint8_t layer = pl[0];
        uint32_t frame = be32(pl + 1);
        uint16_t count = be16(pl + 7);
        if (layer == 8) continue; /* probe padding */
        bytes[layer == 9 ? 3 : (layer < 3 ? layer : 3)] += (uint64_t)n;
        if (layer == 9) continue;
        if (frame != cur_frame) {
          cur_frame = frame;
          got = 0;
        }
        if (++got == count) printf("F %" G_GINT64_FORMAT " %u\n", now / 1000, layer);
      }
    }
    int64_t now = mono_us();
    if (have_peer && twcc_feedback_due(&fb, now)) {
      size_t len;
      while ((len = twcc_feedback_build(&fb, now, b, sizeof b)) > 0)
        sendto(fd, b, len, 0, (const struct sockaddr *)&peer, sizeof peer);
    }
    if (now >= next_report) {
      next_report += 1000000;
      printf("R %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
             " %" G_GUINT64_FORMAT "\n",
             now / 1000, bytes[0] * 8 / 1000, bytes[1] * 8 / 1000, bytes[2] * 8 / 1000, bytes[3] * 8 / 1000);
      fflush(stdout);
      memset(bytes, 0, sizeof bytes);
    }
  }
  fflush(stdout);
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  char *to_s = NULL, *bind_s = NULL;
  gdouble duration = 10;
  gint start_layer = 0, cap = 2;
  GOptionEntry entries[] = {{"to", 0, 0, G_OPTION_ARG_STRING, &to_s, "receiver IP:PORT (send)", NULL},
                            {"bind", 0, 0, G_OPTION_ARG_STRING, &bind_s, "IP:PORT (recv)", NULL},
                            {"duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration, "seconds", NULL},
                            {"start-layer", 0, 0, G_OPTION_ARG_INT, &start_layer, "0..2", NULL},
                            {"cap", 0, 0, G_OPTION_ARG_INT, &cap, "preference cap 0..2", NULL},
                            {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("send|recv");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *err = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 2 || duration <= 0 || duration > 600 ||
      start_layer < 0 || start_layer > 2 || cap < 0 || cap > 2) {
    fprintf(stderr, "usage: prog_bwe_link send --to IP:PORT | recv --bind IP:PORT [--duration S]\n");
    return 2;
  }
  g_option_context_free(ctx);
  struct sockaddr_in a;
  if (strcmp(argv[1], "send") == 0 && parse_addr(to_s, &a)) return run_send(&a, duration, start_layer, cap);
  if (strcmp(argv[1], "recv") == 0 && parse_addr(bind_s, &a)) return run_recv(&a, duration);
  fprintf(stderr, "usage: prog_bwe_link send --to IP:PORT | recv --bind IP:PORT [--duration S]\n");
  return 2;
}
