/* sig_oneway_live: see sig_oneway_live.h. */
#include "sig_oneway_live.h"

#include "log.h"
#include "sig_relay.h"
#include "sig_server_state.h"

gboolean sig_part_receives_video(const SigPart *p) {
  const SigIdentity *id = p->id;
  return sig_oneway_receives_video((SigOneWay)p->room->policy->one_way, id->role, id->hidden) &&
         sig_oneway_receives_video((SigOneWay)id->one_way, id->role, id->hidden);
}

json_t *sig_part_oneway_fields(const SigPart *p) {
  return json_pack("{s:s, s:b}", "direction", sig_oneway_name((SigOneWay)p->room->policy->one_way),
                   "receive_video", sig_part_receives_video(p));
}

void sig_room_set_one_way(SigRoom *r, SigOneWay w, const char *reason) {
  r->policy->one_way = w;
  log_info("one_way_video", "room=%s direction=%s reason=%s", r->id, sig_oneway_name(w), reason);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->parts);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SigPart *p = v;
    p->id->one_way = w;
    /* Every participant the SFU may hold (an add in flight is ordered
     * before this on the node's connection; one that failed answers
     * participant_not_found, harmlessly). */
    if (r->node && p->sfu_generation > 0)
      sfu_request(r->node, "participant_update",
                  json_pack("{s:s, s:s, s:b}", "room", r->id, "participant", p->id->participant,
                            "receive_video", sig_part_receives_video(p)),
                  NULL, NULL, NULL);
    if (p->conn && p->ready && !p->id->hidden) {
      json_t *f = sig_part_oneway_fields(p);
      json_object_set_new(f, "reason", json_string(reason));
      sig_send(p->conn, "one_way_video", f);
    }
  }
}
