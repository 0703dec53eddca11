#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#include "udp_pump.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"

/* Spare bytes behind every receive buffer: SRTP and the engine work in
 * place (>= SRTP_SESSION_TRAILER, ENGINE_PACKET_TAILROOM). */
#define RECV_TAILROOM 160
/* Datagrams queued before the queue is flushed early. */
#define SEND_QUEUE 256
#define SEND_SLOT 1500
/* Datagrams one GSO message carries at most (the kernel allows 64). */
#define UDP_PUMP_GSO_MAX 32

typedef struct Watch {
  int fd;
  UdpPumpReadableFn fn;
  void *user;
  int dead;
} Watch;

typedef struct {
  int fd; /* -1: forgotten */
  const void *owner;
  uint64_t *errors;
  struct sockaddr_storage to;
  socklen_t tolen;
  size_t len;
  uint8_t data[SEND_SLOT];
} SendSlot;

typedef struct {
  GSource source;
  UdpPump *pump;
} PumpSource;

struct UdpPump {
  GMainContext *ctx;
  GMainContext *parked;
  int epfd;
  PumpSource *source;
  gpointer tag;
  GHashTable *watches; /* fd -> Watch* */
  GPtrArray *graveyard; /* Watch* unwatched during a dispatch */
  int dispatching; /* depth: the source may recurse (see udp_pump_new) */
  /* receive */
  UdpPumpDgram dgrams[UDP_PUMP_RECV_BATCH];
  uint8_t rbuf[UDP_PUMP_RECV_BATCH][UDP_PUMP_MAX_DGRAM + RECV_TAILROOM];
  /* send */
  SendSlot *slots; /* SEND_QUEUE */
  int nslots;
  int no_gso; /* the kernel refused a GSO send once: plain datagrams from then on */
  UdpPumpStats stats;
};

static GMutex registry_lock;
static GHashTable *registry; /* GMainContext* -> UdpPump* */

static gboolean pump_prepare(GSource *s, gint *timeout) {
  /* Just before the loop polls (or sleeps to batch wake-ups): what the
   * iteration queued leaves now, one sendmmsg per socket. */
  udp_pump_flush(((PumpSource *)s)->pump);
  *timeout = -1;
  return FALSE;
}

static gboolean pump_check(GSource *s) {
  PumpSource *ps = (PumpSource *)s;
  return (g_source_query_unix_fd(s, ps->pump->tag) & G_IO_IN) != 0;
}

static gboolean pump_dispatch(GSource *s, GSourceFunc cb, gpointer data) {
  UdpPump *p = ((PumpSource *)s)->pump;
  struct epoll_event ev[64];
  int n = epoll_wait(p->epfd, ev, 64, 0);
  p->stats.wakeups++;
  p->dispatching++;
  for (int i = 0; i < n; i++) {
    Watch *w = ev[i].data.ptr;
    if (!w->dead) w->fn(w->user);
  }
  if (--p->dispatching == 0) g_ptr_array_set_size(p->graveyard, 0);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs pump_funcs = {pump_prepare, pump_check, pump_dispatch, NULL, NULL, NULL};

UdpPump *udp_pump_new(GMainContext *ctx, gboolean gso) {
  g_mutex_lock(&registry_lock);
  if (!registry) registry = g_hash_table_new(g_direct_hash, g_direct_equal);
  if (g_hash_table_contains(registry, ctx)) {
    g_mutex_unlock(&registry_lock);
    return NULL;
  }
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    g_mutex_unlock(&registry_lock);
    log_warn("udp_pump_failed", "errno=%d", errno);
    return NULL;
  }
  UdpPump *p = g_new0(UdpPump, 1);
  p->ctx = g_main_context_ref(ctx);
  p->parked = g_main_context_new();
  p->epfd = epfd;
  p->watches = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  p->graveyard = g_ptr_array_new_with_free_func(g_free);
  p->slots = g_new(SendSlot, SEND_QUEUE);
  /* UDP GSO only when asked ([media] udp_gso): paired runs at 15 calls
   * showed no difference above this machine's noise (docs/performance.md),
   * and a route without checksum offload refuses it (then it turns itself
   * off). */
  p->no_gso = !gso;
  for (int i = 0; i < UDP_PUMP_RECV_BATCH; i++) p->dgrams[i].buf = p->rbuf[i];
  p->source = (PumpSource *)g_source_new(&pump_funcs, sizeof(PumpSource));
  p->source->pump = p;
  /* Before libnice's timers and the rooms' idles: media first, and the
   * prepare (the flush) must never be skipped for a higher-priority source. */
  g_source_set_priority(&p->source->source, G_PRIORITY_HIGH);
  /* GLib blocks a source that may not recurse while it dispatches, by taking
   * its fds out of the context's poll set and putting them back afterwards;
   * GLib 2.74 signals the context's wakeup eventfd for each, so every
   * wake-up of the pump cost two eventfd writes, a read and one more loop
   * iteration (~130 dispatches/s at 15 calls: 265 writes/s). Nothing here
   * needs the blocking: a nested iteration would find the epoll fd empty or
   * read other sockets, and the graveyard waits for the outermost dispatch. */
  g_source_set_can_recurse(&p->source->source, TRUE);
  p->tag = g_source_add_unix_fd(&p->source->source, epfd, G_IO_IN);
  g_source_attach(&p->source->source, ctx);
  g_hash_table_insert(registry, ctx, p);
  g_mutex_unlock(&registry_lock);
  return p;
}

void udp_pump_free(UdpPump *p) {
  if (!p) return;
  g_mutex_lock(&registry_lock);
  g_hash_table_remove(registry, p->ctx);
  g_mutex_unlock(&registry_lock);
  udp_pump_flush(p);
  g_source_destroy(&p->source->source);
  g_source_unref(&p->source->source);
  close(p->epfd);
  g_hash_table_destroy(p->watches);
  g_ptr_array_free(p->graveyard, TRUE);
  g_free(p->slots);
  g_main_context_unref(p->parked);
  g_main_context_unref(p->ctx);
  g_free(p);
}

UdpPump *udp_pump_for_context(GMainContext *ctx) {
  g_mutex_lock(&registry_lock);
  UdpPump *p = registry ? g_hash_table_lookup(registry, ctx) : NULL;
  g_mutex_unlock(&registry_lock);
  return p;
}

GMainContext *udp_pump_parked_context(UdpPump *p) { return p->parked; }
const UdpPumpStats *udp_pump_stats(const UdpPump *p) { return &p->stats; }

int udp_pump_watch(UdpPump *p, int fd, UdpPumpReadableFn fn, void *user) {
  if (g_hash_table_contains(p->watches, GINT_TO_POINTER(fd))) return -1;
  Watch *w = g_new0(Watch, 1);
  w->fd = fd;
  w->fn = fn;
  w->user = user;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};
  if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    g_free(w);
    return -1;
  }
  g_hash_table_insert(p->watches, GINT_TO_POINTER(fd), w);
  return 0;
}

void udp_pump_unwatch(UdpPump *p, int fd) {
  Watch *w = g_hash_table_lookup(p->watches, GINT_TO_POINTER(fd));
  if (!w) return;
  epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
  if (p->dispatching) {
    /* Its event may still be in this dispatch's array: keep it until then. */
    w->dead = 1;
    g_hash_table_steal(p->watches, GINT_TO_POINTER(fd));
    g_ptr_array_add(p->graveyard, w);
  } else {
    g_hash_table_remove(p->watches, GINT_TO_POINTER(fd));
  }
}

int udp_pump_recv(UdpPump *p, int fd, UdpPumpDgram **out) {
  struct mmsghdr mm[UDP_PUMP_RECV_BATCH];
  struct iovec iov[UDP_PUMP_RECV_BATCH];
  for (int i = 0; i < UDP_PUMP_RECV_BATCH; i++) {
    iov[i].iov_base = p->rbuf[i];
    iov[i].iov_len = UDP_PUMP_MAX_DGRAM;
    memset(&mm[i].msg_hdr, 0, sizeof mm[i].msg_hdr);
    mm[i].msg_hdr.msg_iov = &iov[i];
    mm[i].msg_hdr.msg_iovlen = 1;
    mm[i].msg_hdr.msg_name = &p->dgrams[i].from;
    mm[i].msg_hdr.msg_namelen = sizeof p->dgrams[i].from;
  }
  int n = recvmmsg(fd, mm, UDP_PUMP_RECV_BATCH, MSG_DONTWAIT, NULL);
  p->stats.recv_calls++;
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
  for (int i = 0; i < n; i++) {
    p->dgrams[i].len = mm[i].msg_len;
    p->dgrams[i].truncated = (mm[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    p->dgrams[i].fromlen = mm[i].msg_hdr.msg_namelen;
  }
  p->stats.recv_packets += (uint64_t)n;
  *out = p->dgrams;
  return n;
}

int udp_pump_send(UdpPump *p, int fd, const struct sockaddr *to, socklen_t tolen,
                  const uint8_t *buf, size_t len, const void *owner, uint64_t *errors) {
  if (len > SEND_SLOT || tolen > sizeof(struct sockaddr_storage)) return -1;
  if (p->nslots == SEND_QUEUE) udp_pump_flush(p);
  SendSlot *s = &p->slots[p->nslots++];
  s->fd = fd;
  s->owner = owner;
  s->errors = errors;
  memcpy(&s->to, to, tolen);
  s->tolen = tolen;
  s->len = len;
  memcpy(s->data, buf, len);
  return 0;
}

void udp_pump_forget(UdpPump *p, const void *owner) {
  for (int i = 0; i < p->nslots; i++)
    if (p->slots[i].owner == owner) p->slots[i].fd = -1;
}

/* Sends msgs [0, n) of one socket; a message that fails is counted on each
 * of its datagrams and the rest go on (as per-packet sends did). A GSO
 * message refused by the kernel (EIO/EINVAL: no checksum offload on the
 * route, an old kernel) turns GSO off for this pump and its datagrams are
 * sent one by one. */
static void send_batch(UdpPump *p, int fd, struct mmsghdr *mm, int n, SendSlot **first,
                       int *count) {
  int done = 0;
  while (done < n) {
    int r = sendmmsg(fd, mm + done, (unsigned)(n - done), MSG_DONTWAIT);
    p->stats.send_calls++;
    if (r < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      if (count[done] > 1 && (err == EIO || err == EINVAL)) {
        p->no_gso = 1;
        struct msghdr one;
        memset(&one, 0, sizeof one);
        one.msg_name = mm[done].msg_hdr.msg_name;
        one.msg_namelen = mm[done].msg_hdr.msg_namelen;
        for (size_t k = 0; k < mm[done].msg_hdr.msg_iovlen; k++) {
          one.msg_iov = &mm[done].msg_hdr.msg_iov[k];
          one.msg_iovlen = 1;
          p->stats.send_calls++;
          if (sendmsg(fd, &one, MSG_DONTWAIT) < 0) {
            if (first[done]->errors) (*first[done]->errors)++;
            p->stats.send_dropped++;
          } else {
            p->stats.send_packets++;
          }
        }
        log_info("udp_pump_gso_off", "errno=%d", err);
      } else {
        if (first[done]->errors) (*first[done]->errors) += (uint64_t)count[done];
        p->stats.send_dropped += (uint64_t)count[done];
      }
      done++;
      continue;
    }
    for (int k = done; k < done + r; k++) {
      p->stats.send_packets += (uint64_t)count[k];
      if (count[k] > 1) p->stats.gso_messages++;
    }
    done += r;
  }
}

static int same_dest(const SendSlot *a, const SendSlot *b) {
  return a->tolen == b->tolen && memcmp(&a->to, &b->to, a->tolen) == 0;
}

/* One sendmmsg per socket: the queue holds every socket's datagrams in the
 * order they were sent; each pass takes the first unsent one's socket and
 * all later datagrams for it (order per socket kept). Consecutive datagrams
 * to one address of one size (the packets of a video frame), optionally
 * ended by a shorter one, become one UDP GSO message (UDP_SEGMENT): one
 * trip through the stack for the lot. */
void udp_pump_flush(UdpPump *p) {
  if (p->nslots == 0) return;
  static _Thread_local struct mmsghdr mm[SEND_QUEUE];
  static _Thread_local struct iovec iov[SEND_QUEUE];
  static _Thread_local SendSlot *group[SEND_QUEUE];
  static _Thread_local SendSlot *first[SEND_QUEUE];
  static _Thread_local int count[SEND_QUEUE];
  static _Thread_local char ctrl[SEND_QUEUE][CMSG_SPACE(sizeof(uint16_t))];
  for (int i = 0; i < p->nslots; i++) {
    int fd = p->slots[i].fd;
    if (fd < 0) continue;
    int g = 0;
    for (int j = i; j < p->nslots; j++) {
      if (p->slots[j].fd != fd) continue;
      group[g++] = &p->slots[j];
      p->slots[j].fd = -1;
    }
    int nm = 0, ni = 0;
    for (int k = 0; k < g;) {
      SendSlot *s = group[k];
      int c = 1;
      size_t total = s->len;
      if (!p->no_gso) {
        while (k + c < g && c < UDP_PUMP_GSO_MAX && same_dest(s, group[k + c]) &&
               group[k + c]->len <= s->len && total + group[k + c]->len <= 65000) {
          total += group[k + c]->len;
          c++;
          if (group[k + c - 1]->len < s->len) break; /* a shorter one ends it */
        }
      }
      struct msghdr *h = &mm[nm].msg_hdr;
      memset(h, 0, sizeof *h);
      h->msg_name = &s->to;
      h->msg_namelen = s->tolen;
      h->msg_iov = &iov[ni];
      h->msg_iovlen = (size_t)c;
      for (int x = 0; x < c; x++) {
        iov[ni].iov_base = group[k + x]->data;
        iov[ni].iov_len = group[k + x]->len;
        ni++;
      }
      if (c > 1) {
        h->msg_control = ctrl[nm];
        h->msg_controllen = sizeof ctrl[nm];
        struct cmsghdr *cm = CMSG_FIRSTHDR(h);
        cm->cmsg_level = SOL_UDP;
        cm->cmsg_type = UDP_SEGMENT;
        cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t seg = (uint16_t)s->len;
        memcpy(CMSG_DATA(cm), &seg, sizeof seg);
      }
      first[nm] = s;
      count[nm] = c;
      nm++;
      k += c;
    }
    send_batch(p, fd, mm, nm, first, count);
  }
  p->nslots = 0;
}
