/* The tap that feeds a room's analysed video to parlour-faces
 * (docs/faces.md): the lowest layer of each analysed participant's video,
 * as it arrives, over UDP in common/faces_wire.h datagrams.
 *
 * The recorder's path, reused: the media worker (the only producer) copies
 * a packet into a bounded single-producer queue (recorder/rec_queue.h: no
 * lock, no allocation, no syscall, and a full queue drops and counts); the
 * tap's own thread sends what is queued with non-blocking sendto and drops
 * whatever the socket will not take. So a slow, dead or restarting analyser
 * costs analysed frames, never a forwarded packet, and nothing here waits
 * for it.
 *
 * Keyframes: the analyser asks (a PFK1 datagram back to the tap's socket)
 * when it starts decoding a device or lost a frame; the tap thread bumps an
 * atomic generation the worker compares on its next packet of each analysed
 * track, so the keyframe request itself is made on the worker thread, by
 * the forwarder's throttled path. */
#ifndef PARLOUR_SFU_FACES_TAP_H
#define PARLOUR_SFU_FACES_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct FacesTap FacesTap;

typedef struct {
  uint64_t queued, dropped_queue, sent, dropped_send, keyframe_requests;
} FacesTapStats;

/* target: "host:port" of the analyser (numeric address). NULL with a reason
 * in err on a bad target or a failed socket/thread. */
FacesTap *faces_tap_new(const char *room, const char *target, char *err, size_t errsize);
/* Worker thread: one decrypted RTP packet of an analysed participant's
 * lowest video layer. Never blocks; false when dropped. */
bool faces_tap_push(FacesTap *t, const char *participant, const uint8_t *rtp, size_t len,
                    int64_t now_us);
/* Any thread: bumped by every keyframe request of the analyser. */
unsigned faces_tap_keyframe_gen(FacesTap *t);
void faces_tap_stats(FacesTap *t, FacesTapStats *out);
/* Stops and joins the thread (it wakes every few ms), frees. NULL is fine. */
void faces_tap_free(FacesTap *t);

#endif
