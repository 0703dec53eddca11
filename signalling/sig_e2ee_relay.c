/* Relay of end-to-end encryption key messages (sig_e2ee_relay.h). Public
 * keys and wrapped media keys pass through here; no key that opens media
 * does, so there is nothing to keep or log but the sizes. Hidden
 * participants neither send nor receive these (a later part, sight-only
 * monitoring, decides what a monitor may be given). */
#include "sig_e2ee_relay.h"

#include <string.h>

#include "jsonutil.h"
#include "sig_conn.h"

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
  if (p->id->hidden || !p->id->e2ee_announced) {
    sig_send_error(c, "e2ee_not_allowed",
                   "only a visible participant that joined with e2ee:true may send e2ee", "e2ee");
    return;
  }
  SigRoom *r = p->room;
  const char *to = json_string_value(to_v);
  if (to) {
    SigPart *q = g_hash_table_lookup(r->parts, to);
    if (!q || q == p || q->id->hidden || !q->ready || !q->conn) {
      sig_send_error(c, "not_in_call", "no such participant is connected to this call", "e2ee");
      return;
    }
    sig_send(q->conn, "e2ee", json_pack("{s:s, s:O}", "from", p->id->participant, "body", body));
    return;
  }
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->parts);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SigPart *q = v;
    if (q == p || q->id->hidden || !q->ready || !q->conn) continue;
    sig_send(q->conn, "e2ee", json_pack("{s:s, s:O}", "from", p->id->participant, "body", body));
  }
}
