/* Unexpected-person alerts: sig_faces.h. */
#include "sig_faces.h"

#include <gio/gio.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "sig_call_moderation.h"
#include "sig_faces_policy.h"
#include "sig_server_state.h"

typedef struct {
  FacesRuleState rule;
  char *snapshot; /* the latest picture with more than one face, until an alert takes it */
} Device;

typedef struct {
  char *id, *room, *participant;
  int faces, booked;
  gint64 at_ms;
  char *snapshot; /* base64 JPEG, or NULL */
  char *state;    /* open, dismissed, warned, ended */
} Alert;

struct SigFaces {
  SigServer *srv;
  SigFacesConfig cfg;
  GSocket *sock;
  GSource *src;
  guint timer;
  GHashTable *devices; /* "room/participant" -> Device* */
  GHashTable *alerts;  /* id -> Alert* */
  guint64 next_alert;
  gint64 last_alive_ms;
  gboolean available;
  guint64 bad, unknown_call, not_analysed, reports;
};

static SigFaces *the_faces(SigServer *s);

static void device_free(gpointer p) {
  Device *d = p;
  g_free(d->snapshot);
  g_free(d);
}

static void alert_free(gpointer p) {
  Alert *a = p;
  g_free(a->id);
  g_free(a->room);
  g_free(a->participant);
  g_free(a->snapshot);
  g_free(a->state);
  g_free(a);
}

static json_t *alert_json(const Alert *a, SigRoom *r) {
  SigPart *p = r ? g_hash_table_lookup(r->parts, a->participant) : NULL;
  json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:i, s:I, s:s}", "alert", a->id, "participant",
                        a->participant, "name", p ? p->id->name : a->participant, "faces",
                        a->faces, "booked", a->booked, "at", (json_int_t)a->at_ms, "state",
                        a->state);
  json_object_set_new(j, "snapshot", a->snapshot ? json_string(a->snapshot) : json_null());
  return j;
}

/* Sends to each connected monitor (hidden participant) of r. */
static void to_monitors(SigRoom *r, const char *type, json_t *fields) {
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->parts);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SigPart *p = v;
    if (p->id->hidden && p->conn && p->ready) sig_send(p->conn, type, json_deep_copy(fields));
  }
  json_decref(fields);
}

static gboolean room_analysed(SigRoom *r) {
  return r->policy && sig_faces_may_analyse(r->policy->visit_type, "visitor", false, true);
}

static void raise_alert(SigFaces *f, SigRoom *r, SigPart *p, Device *d) {
  Alert *a = g_new0(Alert, 1);
  a->id = g_strdup_printf("fa-%" G_GUINT64_FORMAT, ++f->next_alert);
  a->room = g_strdup(r->id);
  a->participant = g_strdup(p->id->participant);
  a->faces = d->rule.max_faces;
  a->booked = p->id->on_device;
  a->at_ms = sig_now_ms(f->srv);
  a->snapshot = d->snapshot; /* the alert keeps the picture; the device forgets it */
  d->snapshot = NULL;
  a->state = g_strdup("open");
  g_hash_table_insert(f->alerts, a->id, a);
  log_info("face_alert", "room=%s participant=%s alert=%s faces=%d booked=%d snapshot=%d", r->id,
           a->participant, a->id, a->faces, a->booked, a->snapshot != NULL);
  json_t *data = json_pack("{s:s, s:s, s:i, s:i, s:I}", "alert", a->id, "participant",
                           a->participant, "faces", a->faces, "booked", a->booked, "at",
                           (json_int_t)a->at_ms);
  if (a->snapshot) {
    /* booking's audit holds what identifies the picture, not the picture */
    gsize n = 0;
    guchar *jpeg = g_base64_decode(a->snapshot, &n);
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(jpeg, n, md);
    char hex[2 * SHA256_DIGEST_LENGTH + 1];
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) g_snprintf(hex + 2 * i, 3, "%02x", md[i]);
    json_object_set_new(data, "snapshot_sha256", json_string(hex));
    json_object_set_new(data, "snapshot_bytes", json_integer((json_int_t)n));
    g_free(jpeg);
  }
  sig_post_event(f->srv, r->id, "face_alert", "analyser", data);
  /* The picture is kept beside the call's recording by the SFU (a
   * recording_file for booking: the recording's retention, audited views). */
  if (a->snapshot && r->node && r->recording)
    sfu_request(r->node, "faces_snapshot",
                json_pack("{s:s, s:s, s:s, s:s}", "room", r->id, "participant", a->participant,
                          "alert", a->id, "jpeg", a->snapshot),
                NULL, NULL, NULL);
  to_monitors(r, "face_alert", alert_json(a, r));
}

static void on_report(SigFaces *f, const SigFacesReport *rep) {
  SigRoom *r = g_hash_table_lookup(f->srv->rooms, rep->room);
  if (!r) {
    /* an analyser still sending for a call that ended: nothing to do */
    f->unknown_call++;
    return;
  }
  SigPart *p = g_hash_table_lookup(r->parts, rep->participant);
  if (!p || !room_analysed(r) ||
      !sig_faces_may_analyse(r->policy->visit_type, p->id->role, p->id->hidden, p->id->publish)) {
    f->not_analysed++;
    return;
  }
  f->reports++;
  char *key = g_strdup_printf("%s/%s", r->id, p->id->participant);
  Device *d = g_hash_table_lookup(f->devices, key);
  if (!d) {
    d = g_new0(Device, 1);
    faces_rule_init(&d->rule);
    g_hash_table_insert(f->devices, key, d);
  } else {
    g_free(key);
  }
  if (rep->snapshot) {
    g_free(d->snapshot);
    d->snapshot = g_strdup(rep->snapshot);
  }
  /* a picture alone is not a frame for the rule */
  if (rep->kind == SIG_FACES_SNAPSHOT) return;
  FacesVerdict v = faces_rule_step(&d->rule, &f->cfg.rule, sig_now_ms(f->srv), rep->faces,
                                   p->id->on_device);
  log_debug("faces_report", "room=%s participant=%s faces=%d booked=%d snapshot=%d verdict=%d",
            r->id, p->id->participant, rep->faces, p->id->on_device, rep->snapshot != NULL, (int)v);
  if (v == FACES_RAISE) raise_alert(f, r, p, d);
  else if (v == FACES_REARM) {
    g_free(d->snapshot);
    d->snapshot = NULL;
  }
}

static gboolean on_readable(GSocket *sock, GIOCondition cond, gpointer user) {
  SigFaces *f = user;
  static char buf[65536];
  for (int i = 0; i < 256; i++) {
    GError *err = NULL;
    gssize n = g_socket_receive(sock, buf, sizeof buf, NULL, &err);
    if (n < 0) {
      g_clear_error(&err);
      break;
    }
    json_t *doc = NULL;
    SigFacesReport rep = sig_faces_parse(buf, (size_t)n, &doc);
    if (rep.kind == SIG_FACES_BAD) {
      f->bad++;
      log_debug("faces_report_refused", "why=%s", rep.why);
    } else {
      f->last_alive_ms = sig_now_ms(f->srv);
      if (rep.kind == SIG_FACES_REPORT || rep.kind == SIG_FACES_SNAPSHOT) on_report(f, &rep);
    }
    json_decref(doc);
  }
  return G_SOURCE_CONTINUE;
}

static void tell_availability(SigFaces *f) {
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, f->srv->rooms);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SigRoom *r = v;
    if (room_analysed(r))
      to_monitors(r, "face_analysis", json_pack("{s:b}", "available", f->available));
  }
}

static gboolean on_second(gpointer user) {
  SigFaces *f = user;
  gint64 now = sig_now_ms(f->srv);
  gboolean avail = f->last_alive_ms > 0 &&
                   now - f->last_alive_ms <= (gint64)f->cfg.unavailable_after_s * 1000;
  if (avail != f->available) {
    f->available = avail;
    log_info(avail ? "faces_available" : "faces_unavailable", "last_alive_ms=%" G_GINT64_FORMAT,
             f->last_alive_ms);
    tell_availability(f);
  }
  /* forget the devices and alerts of calls that ended (their snapshots too) */
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, f->devices);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    char *slash = strchr(k, '/');
    char room[160];
    g_strlcpy(room, k, MIN(sizeof room, (gsize)(slash - (char *)k) + 1));
    if (!g_hash_table_lookup(f->srv->rooms, room)) g_hash_table_iter_remove(&it);
  }
  g_hash_table_iter_init(&it, f->alerts);
  while (g_hash_table_iter_next(&it, NULL, &v))
    if (!g_hash_table_lookup(f->srv->rooms, ((Alert *)v)->room)) g_hash_table_iter_remove(&it);
  return G_SOURCE_CONTINUE;
}

static SigFaces *g_faces; /* one per process (signalling has one server) */
static SigFaces *the_faces(SigServer *s) { return g_faces && g_faces->srv == s ? g_faces : NULL; }

SigFaces *sig_faces_new(SigServer *srv, const SigFacesConfig *cfg, char *err, size_t errsize) {
  const char *colon = cfg->listen ? strrchr(cfg->listen, ':') : NULL;
  if (!colon || colon == cfg->listen) {
    g_snprintf(err, errsize, "must be host:port");
    return NULL;
  }
  char *host = g_strndup(cfg->listen, (gsize)(colon - cfg->listen));
  GInetAddress *ia = g_inet_address_new_from_string(host);
  g_free(host);
  int port = atoi(colon + 1);
  if (!ia || port < 0 || port > 65535) {
    if (ia) g_object_unref(ia);
    g_snprintf(err, errsize, "must be a numeric host:port");
    return NULL;
  }
  GError *e = NULL;
  GSocket *sock = g_socket_new(g_inet_address_get_family(ia), G_SOCKET_TYPE_DATAGRAM,
                               G_SOCKET_PROTOCOL_UDP, &e);
  GSocketAddress *sa = g_inet_socket_address_new(ia, (guint16)port);
  g_object_unref(ia);
  if (!sock || !g_socket_bind(sock, sa, TRUE, &e)) {
    g_snprintf(err, errsize, "%s", e ? e->message : "cannot bind");
    g_clear_error(&e);
    g_object_unref(sa);
    if (sock) g_object_unref(sock);
    return NULL;
  }
  g_object_unref(sa);
  g_socket_set_blocking(sock, FALSE);
  SigFaces *f = g_new0(SigFaces, 1);
  f->srv = srv;
  f->cfg = *cfg;
  f->cfg.listen = NULL;
  f->sock = sock;
  f->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, device_free);
  f->alerts = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, alert_free);
  f->src = g_socket_create_source(sock, G_IO_IN, NULL);
  g_source_set_callback(f->src, (GSourceFunc)(void (*)(void))on_readable, f, NULL);
  g_source_attach(f->src, NULL);
  f->timer = g_timeout_add_seconds(1, on_second, f);
  g_faces = f;
  return f;
}

void sig_faces_free(SigFaces *f) {
  if (!f) return;
  if (g_faces == f) g_faces = NULL;
  g_source_destroy(f->src);
  g_source_unref(f->src);
  g_source_remove(f->timer);
  g_object_unref(f->sock);
  g_hash_table_destroy(f->devices);
  g_hash_table_destroy(f->alerts);
  g_free(f);
}

gboolean sig_faces_analyse(SigPart *p) {
  SigRoom *r = p->room;
  return the_faces(r->srv) && r->policy &&
         sig_faces_may_analyse(r->policy->visit_type, p->id->role, p->id->hidden, p->id->publish);
}

void sig_faces_monitor_joined(SigPart *p) {
  SigFaces *f = the_faces(p->room->srv);
  if (!f || !p->id->hidden || !p->conn || !room_analysed(p->room)) return;
  sig_send(p->conn, "face_analysis", json_pack("{s:b}", "available", f->available));
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, f->alerts);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    Alert *a = v;
    if (strcmp(a->room, p->room->id) == 0 && strcmp(a->state, "open") == 0)
      sig_send(p->conn, "face_alert", alert_json(a, p->room));
  }
}

void sig_faces_on_decision(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  SigRoom *r = p->room;
  static const char *const allowed[] = {"v", "type", "alert", "action", "reason", NULL};
  if (!sig_check_fields(c, msg, "face_alert_decision", allowed)) return;
  SigFaces *f = the_faces(r->srv);
  if (!p->id->hidden || !p->id->moderate) {
    sig_send_error(c, "not_moderator", "only staff watching the call decide on its alerts",
                   "face_alert_decision");
    return;
  }
  const char *id = jsonu_str(msg, "alert");
  const char *action = sig_faces_action(jsonu_str(msg, "action"));
  const char *reason = jsonu_str(msg, "reason");
  Alert *a = f && id ? g_hash_table_lookup(f->alerts, id) : NULL;
  if (!action) {
    sig_send_error(c, "bad_message", "action must be dismiss, warn or end", "face_alert_decision");
    return;
  }
  if (!a || strcmp(a->room, r->id) != 0) {
    sig_send_error(c, "unknown_alert", "no such alert in this call", "face_alert_decision");
    return;
  }
  if (strcmp(action, "end") == 0 && sig_mod_reason(reason)) {
    sig_send_error(c, "bad_message", "ending the call needs a reason (1 to 500 characters)",
                   "face_alert_decision");
    return;
  }
  if (reason && strlen(reason) > SIG_MAX_REASON) {
    sig_send_error(c, "bad_message", "reason is longer than 500 characters", "face_alert_decision");
    return;
  }
  g_free(a->state);
  a->state = g_strdup(strcmp(action, "dismiss") == 0 ? "dismissed"
                      : strcmp(action, "warn") == 0  ? "warned"
                                                     : "ended");
  log_info("face_alert_decision", "room=%s alert=%s action=%s by=%s", r->id, a->id, action,
           p->id->participant);
  json_t *data = json_pack("{s:s, s:s, s:s, s:s}", "alert", a->id, "action", action, "participant",
                           a->participant, "by", p->id->participant);
  if (reason) json_object_set_new(data, "why", json_string(reason));
  sig_post_event(r->srv, r->id, "face_alert_decision", p->id->participant, data);
  /* every monitor's wall shows the decision */
  to_monitors(r, "face_alert_decided",
              json_pack("{s:s, s:s, s:s}", "alert", a->id, "action", action, "by",
                        p->id->participant));
  if (strcmp(action, "warn") == 0) {
    /* the words are the page's (English and Welsh), not free text */
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, r->parts);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
      SigPart *q = v;
      if (!q->id->hidden && q->conn && q->ready)
        sig_send(q->conn, "staff_notice", json_pack("{s:s}", "notice", "unexpected_person"));
    }
  } else if (strcmp(action, "end") == 0) {
    char *why = g_strdup(reason);
    sig_room_end(r, "terminated_by_staff", p, why);
    g_free(why);
  }
}
