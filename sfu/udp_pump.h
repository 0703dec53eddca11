/* udp_pump: batched UDP I/O for the transports of one GMainContext (a media
 * worker's, or the load generator's).
 *
 * Once ICE has chosen a host UDP pair, a transport hands the pair's socket
 * to its context's pump (peer_transport.c "fast path"): the pump watches
 * every such socket through ONE epoll fd, which is ONE GSource on the
 * context, so a wake-up costs O(ready sockets) instead of GLib walking every
 * socket source of every libnice agent; the transport drains a ready socket
 * with recvmmsg. Packets sent during a main-loop iteration are queued here
 * and leave in one sendmmsg per socket just before the loop polls again (the
 * source's prepare), or when the queue is full. Everything runs on the
 * context's thread; no lock.
 *
 * The pump is found from the context (udp_pump_for_context) so the code
 * that creates transports needs no change: a context without a pump keeps
 * libnice's per-packet path. */
#ifndef PARLOUR_SFU_UDP_PUMP_H
#define PARLOUR_SFU_UDP_PUMP_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct UdpPump UdpPump;

/* Largest datagram read; longer ones are truncated and dropped by the reader. */
#define UDP_PUMP_MAX_DGRAM 2048
/* Datagrams one recvmmsg call reads at most. */
#define UDP_PUMP_RECV_BATCH 32

typedef struct {
  uint64_t wakeups;      /* epoll source dispatches */
  uint64_t recv_calls;   /* recvmmsg calls */
  uint64_t recv_packets; /* datagrams they returned */
  uint64_t send_calls;   /* sendmmsg calls */
  uint64_t send_packets; /* datagrams they sent */
  uint64_t send_dropped; /* datagrams the kernel refused (EAGAIN, ENOBUFS, ...) */
  uint64_t gso_messages; /* UDP GSO sends (several datagrams in one) */
} UdpPumpStats;

/* Makes the pump of ctx (one per context; NULL if ctx has one or epoll
 * fails). gso: send runs of same-size datagrams as one UDP_SEGMENT message
 * ([media] udp_gso; off by default, see udp_pump.c). Call on the thread that will run ctx, or before it runs. */
UdpPump *udp_pump_new(GMainContext *ctx, gboolean gso);
void udp_pump_free(UdpPump *p);
/* The pump made for ctx, or NULL. */
UdpPump *udp_pump_for_context(GMainContext *ctx);
/* A context nobody iterates: a transport on the fast path moves libnice's
 * socket sources there so libnice does not read the socket the pump reads. */
GMainContext *udp_pump_parked_context(UdpPump *p);
const UdpPumpStats *udp_pump_stats(const UdpPump *p);

/* fd became readable (level-triggered: called again while data remains). */
typedef void (*UdpPumpReadableFn)(void *user);
/* Watch fd for reading. 0 or -1 (epoll refused). */
int udp_pump_watch(UdpPump *p, int fd, UdpPumpReadableFn fn, void *user);
/* Stop watching fd (safe from inside its own callback). */
void udp_pump_unwatch(UdpPump *p, int fd);

/* One datagram read by udp_pump_recv. buf has room for UDP_PUMP_MAX_DGRAM
 * plus `tailroom` writable bytes (for in-place SRTP). */
typedef struct {
  uint8_t *buf;
  size_t len;
  int truncated;
  struct sockaddr_storage from;
  socklen_t fromlen;
} UdpPumpDgram;
/* Reads up to UDP_PUMP_RECV_BATCH datagrams from fd without blocking into
 * the pump's receive buffers (valid until the next udp_pump_recv). Returns
 * how many (0: nothing waiting), -1 on a socket error. */
int udp_pump_recv(UdpPump *p, int fd, UdpPumpDgram **out);

/* Queue a datagram (copied) for fd to `to`; it leaves with the batch.
 * `owner` names whose it is (udp_pump_forget); *errors is incremented if
 * the kernel refuses it. 0 queued, -1 too long. */
int udp_pump_send(UdpPump *p, int fd, const struct sockaddr *to, socklen_t tolen,
                  const uint8_t *buf, size_t len, const void *owner, uint64_t *errors);
/* Send everything queued now. */
void udp_pump_flush(UdpPump *p);
/* Drop what owner queued (before owner, its socket or its counter go). */
void udp_pump_forget(UdpPump *p, const void *owner);

#endif
