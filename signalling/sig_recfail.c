#include "sig_recfail.h"

#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "sig_conn.h"
#include "sig_server_state.h"

/* What the wall needs to show one line: whose recording stopped and when. */
static json_t *wall_json(SigRoom *r, json_t *ev) {
  const char *pid = jsonu_str(ev, "participant");
  SigPart *p = pid && r ? g_hash_table_lookup(r->parts, pid) : NULL;
  json_t *at = json_object_get(ev, "at_ms");
  json_t *j = json_pack("{s:s, s:s}", "stage", jsonu_str(ev, "stage") ? jsonu_str(ev, "stage") : "",
                        "error", jsonu_str(ev, "error") ? jsonu_str(ev, "error") : "");
  json_object_set_new(j, "participant", pid ? json_string(pid) : json_null());
  json_object_set_new(j, "name", p ? json_string(p->id->name) : pid ? json_string(pid) : json_null());
  json_object_set_new(j, "at", json_is_integer(at) ? json_integer(json_integer_value(at))
                                                   : json_integer(sig_clock_ms(&r->srv->clock)));
  json_t *kept = json_object_get(ev, "files_kept");
  if (json_is_integer(kept)) json_object_set(j, "files_kept", kept);
  return j;
}

/* Booking takes a detail of at most 300 characters (the disk's or
 * GStreamer's message): a longer one is cut at a character boundary rather
 * than have the whole event refused. */
#define DETAIL_MAX 300

/* A call keeps at most this many lines for later monitors (a piece per
 * participant fails once; more would be an SFU gone wrong): the rest still
 * reach booking and the monitors connected then (without a seq). */
#define KEPT_MAX 64

void sig_recfail_on_event(SigServer *s, const char *room_id, json_t *ev) {
  char q0[64], q1[160], q2[400], q3[64], q4[64];
  const char *pid = jsonu_str(ev, "participant"), *detail = jsonu_str(ev, "detail");
  const char *stage = jsonu_str(ev, "stage"), *error = jsonu_str(ev, "error");
  log_error("recording_failed", "room=%s stage=%s error=%s participant=%s detail=%s",
            log_quote(q0, sizeof q0, room_id), log_quote(q3, sizeof q3, stage ? stage : "-"),
            log_quote(q4, sizeof q4, error ? error : "-"), log_quote(q1, sizeof q1, pid ? pid : "-"),
            log_quote(q2, sizeof q2, detail ? detail : "-"));
  /* Booking first: the outbox keeps it until booking has it. */
  json_t *data = json_deep_copy(ev);
  json_object_del(data, "type");
  json_object_del(data, "event");
  json_object_del(data, "room");
  if (detail && g_utf8_validate(detail, -1, NULL) && g_utf8_strlen(detail, -1) > DETAIL_MAX) {
    char *cut = g_utf8_substring(detail, 0, DETAIL_MAX);
    json_object_set_new(data, "detail", json_string(cut));
    g_free(cut);
  }
  sig_post_event(s, room_id, "recording_failed", "system", data);
  /* The wall: every hidden monitor connected to the call now; the line is
   * kept on the room for those who join later (sig_recfail_send_kept). */
  SigRoom *r = g_hash_table_lookup(s->rooms, room_id);
  if (!r) return;
  json_t *w = wall_json(r, ev);
  if (!r->rec_failures) r->rec_failures = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
  gboolean kept = r->rec_failures->len < KEPT_MAX;
  if (kept) {
    g_ptr_array_add(r->rec_failures, json_incref(w));
    json_object_set_new(w, "seq", json_integer(r->rec_failures->len));
  }
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->parts);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SigPart *p = v;
    if (p->id->hidden && p->conn && p->ready) sig_send(p->conn, "recording_failed", json_deep_copy(w));
  }
  json_decref(w);
}

void sig_recfail_send_kept(SigPart *p) {
  SigRoom *r = p->room;
  if (!p->id->hidden || !p->conn || !r->rec_failures) return;
  for (guint i = 0; i < r->rec_failures->len; i++)
    sig_send(p->conn, "recording_failed", json_deep_copy(g_ptr_array_index(r->rec_failures, i)));
}
