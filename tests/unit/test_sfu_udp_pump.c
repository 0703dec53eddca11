/* sfu/udp_pump: one pump per context; datagrams queued during an iteration
 * leave in one sendmmsg per socket at the next prepare, in order; a forgotten
 * owner's datagrams never leave; a watched socket is read with recvmmsg in
 * batches (truncation flagged, sender address given); unwatching from inside
 * the callback is safe; a full queue flushes early; bad sends are refused.
 * Real UDP sockets on 127.0.0.1. */
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "udp_pump.h"

typedef struct {
  int fd;
  struct sockaddr_in addr;
} Sock;

static Sock sock_open(void) {
  Sock s;
  s.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  g_assert_cmpint(s.fd, >=, 0);
  int big = 1 << 20;
  setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  memset(&s.addr, 0, sizeof s.addr);
  s.addr.sin_family = AF_INET;
  s.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  g_assert_cmpint(bind(s.fd, (struct sockaddr *)&s.addr, sizeof s.addr), ==, 0);
  socklen_t l = sizeof s.addr;
  getsockname(s.fd, (struct sockaddr *)&s.addr, &l);
  return s;
}

typedef struct {
  UdpPump *pump;
  int fd;
  GArray *seen; /* first byte of each datagram, in order */
  int calls;
  int unwatch_in_callback;
  int truncated;
  struct sockaddr_storage last_from;
} Reader;

static void on_readable(void *user) {
  Reader *r = user;
  r->calls++;
  UdpPumpDgram *d;
  int n;
  while ((n = udp_pump_recv(r->pump, r->fd, &d)) > 0) {
    for (int i = 0; i < n; i++) {
      uint32_t v = 0;
      memcpy(&v, d[i].buf, d[i].len >= 4 ? 4 : d[i].len);
      g_array_append_val(r->seen, v);
      /* The mixed-size case numbers its datagrams 5000 + 1000 i + length. */
      if (v >= 5000 && v < 100000) g_assert_cmpuint(d[i].len, ==, v % 1000);
      if (d[i].truncated) r->truncated++;
      r->last_from = d[i].from;
    }
  }
  if (r->unwatch_in_callback) udp_pump_unwatch(r->pump, r->fd);
}

/* Iterate ctx until cond or 2 s. */
static void spin(GMainContext *ctx, Reader *r, guint want) {
  gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (r->seen->len < want && g_get_monotonic_time() < end) g_main_context_iteration(ctx, FALSE);
}

static void queue_n(UdpPump *p, Sock *from, Sock *to, uint32_t first, int n, const void *owner,
                    uint64_t *errs) {
  for (int i = 0; i < n; i++) {
    uint8_t buf[200];
    memset(buf, 0, sizeof buf);
    uint32_t v = first + (uint32_t)i;
    memcpy(buf, &v, 4);
    g_assert_cmpint(udp_pump_send(p, from->fd, (struct sockaddr *)&to->addr, sizeof to->addr, buf,
                                  sizeof buf, owner, errs),
                    ==, 0);
  }
}

static void t_registry(void) {
  GMainContext *ctx = g_main_context_new();
  g_assert_null(udp_pump_for_context(ctx));
  UdpPump *p = udp_pump_new(ctx, TRUE);
  g_assert_nonnull(p);
  g_assert_true(udp_pump_for_context(ctx) == p);
  g_assert_null(udp_pump_new(ctx, TRUE)); /* one per context */
  g_assert_nonnull(udp_pump_parked_context(p));
  g_assert_true(udp_pump_parked_context(p) != ctx);
  udp_pump_free(p);
  g_assert_null(udp_pump_for_context(ctx));
  udp_pump_free(NULL);
  g_main_context_unref(ctx);
}

static void t_batch_order_forget(void) {
  GMainContext *ctx = g_main_context_new();
  UdpPump *p = udp_pump_new(ctx, TRUE);
  Sock a = sock_open(), b = sock_open();
  Reader r = {p, b.fd, g_array_new(FALSE, FALSE, sizeof(uint32_t)), 0, 0, 0, {0}};
  g_assert_cmpint(udp_pump_watch(p, b.fd, on_readable, &r), ==, 0);
  g_assert_cmpint(udp_pump_watch(p, b.fd, on_readable, &r), ==, -1); /* already watched */
  uint64_t errs = 0;
  int owner1, owner2;
  queue_n(p, &a, &b, 100, 5, &owner1, &errs);
  queue_n(p, &a, &b, 200, 3, &owner2, &errs);
  queue_n(p, &a, &b, 105, 5, &owner1, &errs);
  /* Nothing has left yet: queued until the loop polls again. */
  uint8_t tmp[64];
  g_assert_cmpint(recv(b.fd, tmp, sizeof tmp, MSG_DONTWAIT), ==, -1);
  g_assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
  udp_pump_forget(p, &owner2);
  spin(ctx, &r, 10);
  g_assert_cmpuint(r.seen->len, ==, 10);
  for (guint i = 0; i < 10; i++) g_assert_cmpuint(g_array_index(r.seen, uint32_t, i), ==, 100 + i);
  const UdpPumpStats *st = udp_pump_stats(p);
  g_assert_cmpuint(st->send_packets, ==, 10);
  g_assert_cmpuint(st->send_calls, ==, 1); /* one socket, one sendmmsg */
  g_assert_cmpuint(st->gso_messages, ==, 1); /* ten of one size to one address: one GSO send */
  g_assert_cmpuint(st->recv_packets, ==, 10);
  g_assert_cmpuint(errs, ==, 0);
  struct sockaddr_in *from = (struct sockaddr_in *)&r.last_from;
  g_assert_cmpuint(from->sin_port, ==, a.addr.sin_port);
  /* Nothing more arrives (owner2's datagrams were dropped). */
  for (int i = 0; i < 20; i++) g_main_context_iteration(ctx, FALSE);
  g_assert_cmpuint(r.seen->len, ==, 10);

  /* A queue longer than the pump's flushes early; all arrive, in order. */
  g_array_set_size(r.seen, 0);
  queue_n(p, &a, &b, 1000, 300, &owner1, &errs);
  spin(ctx, &r, 300);
  g_assert_cmpuint(r.seen->len, ==, 300);
  for (guint i = 0; i < 300; i++) g_assert_cmpuint(g_array_index(r.seen, uint32_t, i), ==, 1000 + i);

  /* Mixed sizes and two addresses: a shorter datagram ends a GSO run, a
   * longer one starts a new one, another address is another message; each
   * datagram arrives on its own with its own length, in order. */
  Sock c = sock_open();
  Reader rc = {p, c.fd, g_array_new(FALSE, FALSE, sizeof(uint32_t)), 0, 0, 0, {0}};
  g_assert_cmpint(udp_pump_watch(p, c.fd, on_readable, &rc), ==, 0);
  g_array_set_size(r.seen, 0);
  static const size_t lens[] = {300, 300, 300, 120, 300, 500, 500, 40};
  for (guint i = 0; i < G_N_ELEMENTS(lens); i++) {
    uint8_t buf[600];
    memset(buf, 0, sizeof buf);
    uint32_t v = (uint32_t)(5000 + i * 1000 + lens[i]);
    memcpy(buf, &v, 4);
    Sock *dst = i == 4 ? &c : &b;
    udp_pump_send(p, a.fd, (struct sockaddr *)&dst->addr, sizeof dst->addr, buf, lens[i],
                  &owner1, &errs);
  }
  spin(ctx, &r, 7);
  g_assert_cmpuint(r.seen->len, ==, 7);
  guint k = 0;
  for (guint i = 0; i < G_N_ELEMENTS(lens); i++) {
    if (i == 4) continue;
    g_assert_cmpuint(g_array_index(r.seen, uint32_t, k), ==, 5000 + i * 1000 + lens[i]);
    k++;
  }
  spin(ctx, &rc, 1);
  g_assert_cmpuint(rc.seen->len, ==, 1);
  g_assert_cmpuint(g_array_index(rc.seen, uint32_t, 0), ==, 5000 + 4 * 1000 + 300);
  g_assert_cmpuint(errs, ==, 0);
  udp_pump_unwatch(p, c.fd);
  g_array_free(rc.seen, TRUE);
  close(c.fd);

  /* Refused: longer than a slot. */
  static uint8_t big[4000];
  g_assert_cmpint(udp_pump_send(p, a.fd, (struct sockaddr *)&b.addr, sizeof b.addr, big, sizeof big,
                                &owner1, &errs),
                  ==, -1);
  udp_pump_unwatch(p, b.fd);
  udp_pump_unwatch(p, b.fd); /* twice: harmless */
  g_array_free(r.seen, TRUE);
  close(a.fd);
  close(b.fd);
  udp_pump_free(p);
  g_main_context_unref(ctx);
}

static void t_recv_truncated_unwatch_in_callback(void) {
  GMainContext *ctx = g_main_context_new();
  UdpPump *p = udp_pump_new(ctx, TRUE);
  Sock a = sock_open(), b = sock_open();
  Reader r = {p, b.fd, g_array_new(FALSE, FALSE, sizeof(uint32_t)), 0, 1, 0, {0}};
  g_assert_cmpint(udp_pump_watch(p, b.fd, on_readable, &r), ==, 0);
  static uint8_t huge[3000];
  memset(huge, 7, sizeof huge);
  g_assert_cmpint(sendto(a.fd, huge, sizeof huge, 0, (struct sockaddr *)&b.addr, sizeof b.addr), ==,
                  (ssize_t)sizeof huge);
  spin(ctx, &r, 1);
  g_assert_cmpuint(r.seen->len, ==, 1);
  g_assert_cmpint(r.truncated, ==, 1);
  g_assert_cmpint(r.calls, ==, 1);
  /* Unwatched inside the callback: later datagrams wake nobody. */
  sendto(a.fd, huge, 10, 0, (struct sockaddr *)&b.addr, sizeof b.addr);
  for (int i = 0; i < 20; i++) g_main_context_iteration(ctx, FALSE);
  g_assert_cmpint(r.calls, ==, 1);
  g_assert_cmpint(recv(b.fd, huge, sizeof huge, MSG_DONTWAIT), ==, 10); /* still there, unread */
  /* A socket error is reported as -1, not as "nothing". */
  UdpPumpDgram *d;
  g_assert_cmpint(udp_pump_recv(p, -1, &d), ==, -1);
  g_array_free(r.seen, TRUE);
  close(a.fd);
  close(b.fd);
  udp_pump_free(p);
  g_main_context_unref(ctx);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/udp_pump/registry", t_registry);
  g_test_add_func("/sfu/udp_pump/batch_order_forget", t_batch_order_forget);
  g_test_add_func("/sfu/udp_pump/recv_truncated_unwatch_in_callback",
                  t_recv_truncated_unwatch_in_callback);
  return g_test_run();
}
