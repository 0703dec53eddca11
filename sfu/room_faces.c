/* A room's analyser tap (docs/faces.md): started with the first participant
 * signalling adds with `analyse`, when [faces] analyser is set. The policy
 * (which calls, which participants) is signalling's; the SFU copies what it
 * is told to and nothing else. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <string.h>
#include <unistd.h>

#include "jsonutil.h"
#include "sfu_bus.h"
#include "log.h"
#include "room_internal.h"

void room_faces_participant(Room *r, Participant *p, json_t *msg) {
  int analyse = 0;
  jsonu_bool(msg, "analyse", &analyse);
  if (!analyse) return;
  if (!r->env->faces_analyser || !r->env->faces_analyser[0]) {
    log_debug("faces_not_configured", "room=%s participant=%s", r->name, p->id);
    return;
  }
  if (!r->faces_tap) {
    char err[160];
    r->faces_tap = faces_tap_new(r->name, r->env->faces_analyser, err, sizeof err);
    if (!r->faces_tap) {
      /* no analysis is not a reason to refuse the call */
      log_warn("faces_tap_failed", "room=%s error=%s", r->name, err);
      return;
    }
  }
  p->analyse = 1;
  log_info("faces_analysed", "room=%s participant=%s", r->name, p->id);
}

void room_faces_free(Room *r) {
  if (!r->faces_tap) return;
  FacesTapStats st;
  faces_tap_stats(r->faces_tap, &st);
  log_info("faces_tap_stopped",
           "room=%s queued=%" G_GUINT64_FORMAT " dropped_queue=%" G_GUINT64_FORMAT
           " sent=%" G_GUINT64_FORMAT " dropped_send=%" G_GUINT64_FORMAT
           " keyframe_requests=%" G_GUINT64_FORMAT,
           r->name, st.queued, st.dropped_queue, st.sent, st.dropped_send, st.keyframe_requests);
  faces_tap_free(r->faces_tap);
  r->faces_tap = NULL;
}

json_t *room_faces_stats_json(Room *r) {
  if (!r->faces_tap) return json_null();
  FacesTapStats st;
  faces_tap_stats(r->faces_tap, &st);
  return json_pack("{s:I, s:I, s:I, s:I, s:I}", "queued", (json_int_t)st.queued, "dropped_queue",
                   (json_int_t)st.dropped_queue, "sent", (json_int_t)st.sent, "dropped_send",
                   (json_int_t)st.dropped_send, "keyframe_requests",
                   (json_int_t)st.keyframe_requests);
}

/* ---- an alert's snapshot, kept with the recording (docs/faces.md) ----
 * The picture goes into the call's recording directory and is reported as
 * a recording_file, so booking keeps it exactly as it keeps the recording:
 * the same retention and purge, served only to reviewers, every view
 * audited. Written on a thread of its own: file I/O never runs on the
 * media worker. */

typedef struct {
  char *room, *participant, *path, *rel;
  guchar *jpeg;
  gsize len;
} SnapJob;

static gpointer write_snapshot(gpointer user) {
  SnapJob *j = user;
  int fd = open(j->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  gboolean ok = fd >= 0;
  gsize off = 0;
  while (ok && off < j->len) {
    ssize_t n = write(fd, j->jpeg + off, j->len - off);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) off += (gsize)n;
  }
  if (ok) ok = fsync(fd) == 0;
  if (fd >= 0) close(fd);
  if (!ok) {
    log_warn("faces_snapshot_failed", "room=%s path=%s error=%s", j->room, j->path, strerror(errno));
    if (fd >= 0) unlink(j->path);
  } else {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(j->jpeg, j->len, md);
    char hex[2 * SHA256_DIGEST_LENGTH + 1];
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) g_snprintf(hex + 2 * i, 3, "%02x", md[i]);
    sfu_bus_event("recording_file",
                  json_pack("{s:s, s:s, s:s, s:I, s:s, s:b, s:s, s:i}", "room", j->room, "path",
                            j->rel, "participant", j->participant, "size", (json_int_t)j->len,
                            "sha256", hex, "complete", 1, "kind", "face_alert_snapshot", "piece",
                            0));
    log_info("faces_snapshot_kept", "room=%s path=%s bytes=%zu", j->room, j->rel, (size_t)j->len);
  }
  g_free(j->room);
  g_free(j->participant);
  g_free(j->path);
  g_free(j->rel);
  g_free(j->jpeg);
  g_free(j);
  return NULL;
}

json_t *room_faces_snapshot(Room *r, json_t *msg) {
  if (!r->recorder)
    return sfu_error("not_recording", NULL, "room %s is not recording: no place for the picture",
                     r->name);
  const char *alert = jsonu_str(msg, "alert");
  const char *who = jsonu_str(msg, "participant");
  gsize len = 0;
  guchar *jpeg = g_base64_decode(jsonu_str(msg, "jpeg"), &len);
  if (len < 4 || len > 150000 || jpeg[0] != 0xff || jpeg[1] != 0xd8) {
    g_free(jpeg);
    return sfu_error("bad_request", "jpeg", "jpeg must be a base64 JPEG of at most 150000 bytes");
  }
  SnapJob *j = g_new0(SnapJob, 1);
  j->room = g_strdup(r->name);
  j->participant = g_strdup(who);
  char *name = g_strdup_printf("face-alert-%s.jpg", alert);
  j->path = g_build_filename(recorder_dir(r->recorder), name, NULL);
  j->rel = g_strdup_printf("%s/%s", recorder_rel_dir(r->recorder), name);
  g_free(name);
  j->jpeg = jpeg;
  j->len = len;
  GThread *t = g_thread_try_new("faces-snap", write_snapshot, j, NULL);
  if (!t) {
    g_free(j->room);
    g_free(j->participant);
    g_free(j->path);
    g_free(j->rel);
    g_free(j->jpeg);
    g_free(j);
    return sfu_error("internal", NULL, "no thread for the picture");
  }
  g_thread_unref(t);
  return sfu_result(json_pack("{s:s, s:s}", "room", r->name, "alert", alert));
}
