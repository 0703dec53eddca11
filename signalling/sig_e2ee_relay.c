/* Relay of end-to-end encryption key messages (sig_e2ee_relay.h). Public
 * keys and wrapped media keys pass through here; no key that opens media
 * does, so there is nothing to keep or log but the sizes. Hidden
 * participants neither send nor receive these, except a sight-only monitor
 * (sig_sightonly.h): it may say hello and ack, and may be sent hellos and
 * keys whose every key is of kind "video" — never an audio key
 * (audio_not_granted). Its messages reach the others stamped
 * video_only:true, so their browsers give it the video key only. */
#include "sig_e2ee_relay.h"

#include <string.h>

#include "jsonutil.h"
#include "sig_conn.h"
#include "sig_sightonly.h"

/* A hidden participant that may take part in key agreement: a monitor of a
 * video_only call that joined with e2ee:true, and has no audio. */
static gboolean sight_monitor(const SigPart *p) {
  return p->id->hidden && p->id->monitoring_video_only && !p->id->audio && p->id->e2ee_announced;
}

/* What a sight-only monitor may receive: hello, or keys that are all video. */
static gboolean body_for_monitor(json_t *body, const char **why) {
  const char *t = jsonu_str(body, "t");
  if (t && !strcmp(t, "hello")) return TRUE;
  if (!t || strcmp(t, "keys") != 0) {
    *why = "not_in_call";
    return FALSE;
  }
  json_t *keys = json_object_get(body, "keys");
  size_t i;
  json_t *k;
  if (!json_is_array(keys)) {
    *why = "bad_message";
    return FALSE;
  }
  json_array_foreach(keys, i, k) {
    const char *kind = jsonu_str(k, "kind");
    if (!kind || strcmp(kind, "video") != 0) {
      *why = "audio_not_granted";
      return FALSE;
    }
  }
  return TRUE;
}

void sig_on_e2ee(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  static const char *const allowed[] = {"v", "type", "to", "body", NULL};
  if (!sig_check_fields(c, msg, "e2ee", allowed)) return;
  json_t *body = json_object_get(msg, "body");
  json_t *to_v = json_object_get(msg, "to");
  char *dump = json_is_object(body) ? json_dumps(body, JSON_COMPACT) : NULL;
  gboolean body_ok = dump && strlen(dump) <= SIG_E2EE_MAX_BODY;
  free(dump);
  if (!body_ok || (to_v && !json_is_string(to_v))) {
    sig_send_error(c, "bad_message", "e2ee needs body, an object of at most 4096 bytes, and an optional string to", "e2ee");
    return;
  }
  const char *bt = jsonu_str(body, "t");
  gboolean monitor = sight_monitor(p);
  if (monitor && (!bt || (strcmp(bt, "hello") != 0 && strcmp(bt, "ack") != 0))) {
    sig_send_error(c, "e2ee_not_allowed", "a sight-only monitor only says hello and ack", "e2ee");
    return;
  }
  if ((p->id->hidden && !monitor) || !p->id->e2ee_announced) {
    sig_send_error(c, "e2ee_not_allowed",
                   "only a visible participant that joined with e2ee:true may send e2ee", "e2ee");
    return;
  }
  SigRoom *r = p->room;
  const char *to = json_string_value(to_v);
  if (to) {
    SigPart *q = g_hash_table_lookup(r->parts, to);
    const char *why = "not_in_call";
    if (q && q->id->hidden && q != p && sight_monitor(q) && !monitor &&
        !body_for_monitor(body, &why)) {
      sig_send_error(c, why,
                     !strcmp(why, "audio_not_granted")
                         ? "a sight-only monitor may be given the video key only"
                         : "no such participant is connected to this call",
                     "e2ee");
      return;
    }
    if (!q || q == p || (q->id->hidden && (!sight_monitor(q) || monitor)) || !q->ready ||
        !q->conn) {
      sig_send_error(c, "not_in_call", "no such participant is connected to this call", "e2ee");
      return;
    }
    json_t *m = json_pack("{s:s, s:O}", "from", p->id->participant, "body", body);
    if (monitor) json_object_set_new(m, "video_only", json_true());
    sig_send(q->conn, "e2ee", m);
    return;
  }
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->parts);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SigPart *q = v;
    if (q == p || q->id->hidden || !q->ready || !q->conn) continue;
    json_t *m = json_pack("{s:s, s:O}", "from", p->id->participant, "body", body);
    if (monitor) json_object_set_new(m, "video_only", json_true());
    sig_send(q->conn, "e2ee", m);
  }
}
