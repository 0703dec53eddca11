/* prog_udp_impair: a user-space UDP relay that adds delay, jitter and loss,
 * because these kernels have no netem (WEBRTC-TESTING-NOTES). Rate limits
 * come from tc tbf (tests/net/lib.sh).
 *
 *   prog_udp_impair --listen IP:PORT --forward IP:PORT [--delay-ms D]
 *                   [--jitter-ms J] [--loss PCT] [--seed N]
 *
 * A client sends to the listen address; each datagram goes on to the
 * forward address from one upstream socket, and what comes back on it goes
 * to the client (the last source seen on the listen socket: one 5-tuple,
 * like one ICE candidate pair). Each direction independently: dropped with
 * probability PCT/100, else delivered after D ms plus a uniform 0..J ms,
 * never before the previous datagram of that direction (no reordering, as a
 * queue would). Arrival times come from the kernel (SO_TIMESTAMPNS), so a
 * relay descheduled on a busy host still times each datagram from its real
 * arrival (tests/net/lib.sh also runs it SCHED_FIFO when it can). Prints
 * "ready PORT" once bound (PORT: the listen port, for
 * --listen IP:0), and on SIGTERM/SIGINT a line of counters, then exits 0.
 * Upstream only (client to forward address), for RTP and RTCP datagrams
 * only (first byte 128..191, RFC 7983: ICE and DTLS pass untouched):
 * --up-reorder PCT swaps a datagram with the one queued just before it,
 * --up-duplicate PCT queues it twice, --up-truncate PCT keeps only its first
 * half (issue 20's media-path faults; these kernels have no netem).
 * Bad arguments: a message and exit 2. Memory: two rings of 4096 datagrams
 * allocated at start; a full ring drops (counted as overflow). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RING 4096
#define MAXDG 2048

typedef struct {
  int64_t due;
  uint16_t len;
  uint8_t data[MAXDG];
} Slot;

typedef struct {
  Slot *slots;
  unsigned head, count;
  int64_t last_due;
  uint64_t in, out, lost, overflow;
  uint64_t reordered, duplicated, truncated;
} Dir;

typedef struct {
  double reorder, duplicate, truncate; /* percent, RTP/RTCP only */
} Faults;

static volatile sig_atomic_t stop;
static void on_signal(int s) { (void)s; stop = 1; }

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static gboolean parse_addr(const char *s, struct sockaddr_in *a) {
  const char *colon = s ? strrchr(s, ':') : NULL;
  if (!colon) return FALSE;
  char ip[64];
  size_t n = (size_t)(colon - s);
  if (n == 0 || n >= sizeof ip) return FALSE;
  memcpy(ip, s, n);
  ip[n] = 0;
  char *end = NULL;
  long port = strtol(colon + 1, &end, 10);
  if (!end || *end || port < 0 || port > 65535) return FALSE;
  memset(a, 0, sizeof *a);
  a->sin_family = AF_INET;
  a->sin_port = htons((uint16_t)port);
  return inet_pton(AF_INET, ip, &a->sin_addr) == 1;
}

/* recv with the kernel's arrival time (SO_TIMESTAMPNS) turned into our
 * monotonic clock, so a relay descheduled on a busy host still delays each
 * datagram from when it really arrived. */
static ssize_t recv_ts(int fd, uint8_t *buf, size_t cap, struct sockaddr_in *from, int64_t *arrival) {
  char cbuf[CMSG_SPACE(sizeof(struct timespec))];
  struct iovec iov = {.iov_base = buf, .iov_len = cap};
  struct msghdr mh = {.msg_name = from, .msg_namelen = from ? sizeof *from : 0, .msg_iov = &iov,
                      .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
  *arrival = now_us();
  if (n < 0) return n;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts, rt;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      clock_gettime(CLOCK_REALTIME, &rt);
      int64_t age = ((int64_t)rt.tv_sec - ts.tv_sec) * 1000000 + (rt.tv_nsec - ts.tv_nsec) / 1000;
      if (age >= 0 && age < 1000000) *arrival -= age;
    }
  return n;
}

static void push(Dir *d, const uint8_t *buf, size_t len, GRand *r, int64_t delay_us,
                 int64_t jitter_us, int64_t arrival);

static void enqueue(Dir *d, const uint8_t *buf, size_t len, GRand *r, double loss, int64_t delay_us,
                    int64_t jitter_us, int64_t arrival, const Faults *f) {
  d->in++;
  bool media = len >= 12 && buf[0] >= 128 && buf[0] <= 191;
  if (f && media) {
    if (f->truncate > 0 && g_rand_double(r) * 100.0 < f->truncate) {
      len /= 2;
      d->truncated++;
    }
    if (f->duplicate > 0 && g_rand_double(r) * 100.0 < f->duplicate && d->count < RING) {
      push(d, buf, len, r, delay_us, jitter_us, arrival);
      d->duplicated++;
    }
    if (f->reorder > 0 && d->count > 0 && d->count < RING && g_rand_double(r) * 100.0 < f->reorder) {
      /* Goes out before the one queued just before it: swap their bytes. */
      Slot *prev = &d->slots[(d->head + d->count - 1) % RING];
      push(d, prev->data, prev->len, r, delay_us, jitter_us, arrival);
      prev->len = (uint16_t)len;
      memcpy(prev->data, buf, len);
      d->reordered++;
      return;
    }
  }
  if (loss > 0 && g_rand_double(r) * 100.0 < loss) {
    d->lost++;
    return;
  }
  push(d, buf, len, r, delay_us, jitter_us, arrival);
}

static void push(Dir *d, const uint8_t *buf, size_t len, GRand *r, int64_t delay_us,
                 int64_t jitter_us, int64_t arrival) {
  if (d->count == RING) {
    d->overflow++;
    return;
  }
  int64_t due = arrival + delay_us + (jitter_us > 0 ? (int64_t)g_rand_int_range(r, 0, (gint32)jitter_us + 1) : 0);
  if (due < d->last_due) due = d->last_due;
  d->last_due = due;
  Slot *s = &d->slots[(d->head + d->count) % RING];
  s->due = due;
  s->len = (uint16_t)len;
  memcpy(s->data, buf, len);
  d->count++;
}

static void flush(Dir *d, int fd, const struct sockaddr_in *to, bool have_to, int64_t now) {
  while (d->count && d->slots[d->head].due <= now) {
    Slot *s = &d->slots[d->head];
    if (have_to && sendto(fd, s->data, s->len, 0, (const struct sockaddr *)to, sizeof *to) >= 0) d->out++;
    d->head = (d->head + 1) % RING;
    d->count--;
  }
}

int main(int argc, char **argv) {
  char *listen_s = NULL, *forward_s = NULL;
  gint delay_ms = 0, jitter_ms = 0, seed = 1;
  gdouble loss = 0;
  Faults faults = {0};
  GOptionEntry entries[] = {
      {"listen", 0, 0, G_OPTION_ARG_STRING, &listen_s, "IP:PORT to receive from the client", NULL},
      {"forward", 0, 0, G_OPTION_ARG_STRING, &forward_s, "IP:PORT to relay to", NULL},
      {"delay-ms", 0, 0, G_OPTION_ARG_INT, &delay_ms, "one-way delay per direction", NULL},
      {"jitter-ms", 0, 0, G_OPTION_ARG_INT, &jitter_ms, "extra uniform 0..J ms", NULL},
      {"loss", 0, 0, G_OPTION_ARG_DOUBLE, &loss, "loss percent per direction", NULL},
      {"up-reorder", 0, 0, G_OPTION_ARG_DOUBLE, &faults.reorder, "upstream RTP/RTCP reordered, percent", NULL},
      {"up-duplicate", 0, 0, G_OPTION_ARG_DOUBLE, &faults.duplicate, "upstream RTP/RTCP duplicated, percent", NULL},
      {"up-truncate", 0, 0, G_OPTION_ARG_DOUBLE, &faults.truncate, "upstream RTP/RTCP cut to half, percent", NULL},
      {"seed", 0, 0, G_OPTION_ARG_INT, &seed, "random seed", NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("- UDP relay with delay, jitter and loss");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *err = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
    fprintf(stderr, "prog_udp_impair: %s\n", err->message);
    return 2;
  }
  g_option_context_free(ctx);
  struct sockaddr_in la, fa;
  if (!parse_addr(listen_s, &la) || !parse_addr(forward_s, &fa) || ntohs(fa.sin_port) == 0) {
    fprintf(stderr, "prog_udp_impair: --listen IP:PORT and --forward IP:PORT (IPv4) are required\n");
    return 2;
  }
  if (delay_ms < 0 || delay_ms > 10000 || jitter_ms < 0 || jitter_ms > 10000 || loss < 0 || loss > 100 ||
      faults.reorder < 0 || faults.reorder > 100 || faults.duplicate < 0 || faults.duplicate > 100 ||
      faults.truncate < 0 || faults.truncate > 100) {
    fprintf(stderr, "prog_udp_impair: delay/jitter 0..10000 ms, loss 0..100 %%\n");
    return 2;
  }
  int ls = socket(AF_INET, SOCK_DGRAM, 0), fs = socket(AF_INET, SOCK_DGRAM, 0);
  if (ls < 0 || fs < 0 || bind(ls, (struct sockaddr *)&la, sizeof la) != 0) {
    fprintf(stderr, "prog_udp_impair: bind %s: %s\n", listen_s, strerror(errno));
    return 1;
  }
  int on = 1;
  setsockopt(ls, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  setsockopt(fs, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  struct sockaddr_in bound;
  socklen_t bl = sizeof bound;
  getsockname(ls, (struct sockaddr *)&bound, &bl);
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  Dir up = {.slots = g_new0(Slot, RING)}, down = {.slots = g_new0(Slot, RING)};
  GRand *r = g_rand_new_with_seed((guint32)seed);
  struct sockaddr_in client;
  bool have_client = false;
  printf("ready %u\n", ntohs(bound.sin_port));
  fflush(stdout);
  uint8_t buf[MAXDG];
  while (!stop) {
    int64_t now = now_us(), next = now + 100000;
    if (up.count && up.slots[up.head].due < next) next = up.slots[up.head].due;
    if (down.count && down.slots[down.head].due < next) next = down.slots[down.head].due;
    int64_t wait = next - now;
    struct timespec to = {.tv_sec = wait / 1000000, .tv_nsec = (wait % 1000000) * 1000};
    if (wait < 0) to.tv_sec = to.tv_nsec = 0;
    struct pollfd p[2] = {{.fd = ls, .events = POLLIN}, {.fd = fs, .events = POLLIN}};
    int n = ppoll(p, 2, &to, NULL);
    if (n < 0 && errno != EINTR) break;
    if (n > 0 && (p[0].revents & POLLIN)) {
      struct sockaddr_in from;
      int64_t at;
      ssize_t len;
      while ((len = recv_ts(ls, buf, sizeof buf, &from, &at)) >= 0) {
        client = from;
        have_client = true;
        enqueue(&up, buf, (size_t)len, r, loss, delay_ms * 1000LL, jitter_ms * 1000LL, at, &faults);
      }
    }
    if (n > 0 && (p[1].revents & POLLIN)) {
      int64_t at;
      ssize_t len;
      while ((len = recv_ts(fs, buf, sizeof buf, NULL, &at)) >= 0)
        enqueue(&down, buf, (size_t)len, r, loss, delay_ms * 1000LL, jitter_ms * 1000LL, at, NULL);
    }
    now = now_us();
    flush(&up, fs, &fa, true, now);
    flush(&down, ls, &client, have_client, now);
  }
  printf("up in=%" G_GUINT64_FORMAT " out=%" G_GUINT64_FORMAT " lost=%" G_GUINT64_FORMAT
         " overflow=%" G_GUINT64_FORMAT " down in=%" G_GUINT64_FORMAT " out=%" G_GUINT64_FORMAT
         " lost=%" G_GUINT64_FORMAT " overflow=%" G_GUINT64_FORMAT " up reordered=%" G_GUINT64_FORMAT
         " duplicated=%" G_GUINT64_FORMAT " truncated=%" G_GUINT64_FORMAT "\n",
         up.in, up.out, up.lost, up.overflow, down.in, down.out, down.lost, down.overflow, up.reordered,
         up.duplicated, up.truncated);
  fflush(stdout);
  g_free(up.slots);
  g_free(down.slots);
  g_rand_free(r);
  g_free(listen_s);
  g_free(forward_s);
  close(ls);
  close(fs);
  return 0;
}
