/* A participant's call quality on the wire (sig_part_quality.h). */
#include "sig_part_quality.h"

#include "log.h"
#include "sig_quality.h"
#include "sig_relay.h"
#include "sig_server_state.h"

/* Created at the first figure; t offsets count from the join. */
static SigQuality *quality_of(SigPart *p) {
  if (!p->quality) {
    SigServer *s = p->room->srv;
    gint64 since_join_ms = (sig_now_unix(s) - p->joined_at) * 1000;
    p->quality = sig_quality_new(sig_now_ms(s) - (since_join_ms > 0 ? since_join_ms : 0));
  }
  return p->quality;
}

void sig_on_stats(SigPart *p, json_t *msg) {
  SigQualitySample smp;
  int ff = -1, relay = -1;
  char err[160];
  if (sig_quality_parse(msg, &smp, &ff, &relay, err, sizeof err)) {
    quality_of(p)->refused++;
    sig_send_error(p->conn, "bad_message", err, "stats");
    return;
  }
  if (sig_quality_add(quality_of(p), sig_now_ms(p->room->srv), &smp, ff, relay))
    sig_send_error(p->conn, "too_frequent", "send stats at most every 2 seconds", "stats");
}

void sig_part_quality_reconnected(SigPart *p) {
  quality_of(p)->reconnections++;
}

void sig_part_quality_ice_restart(SigPart *p) {
  quality_of(p)->ice_restarts++;
}

/* ---- the SFU's figures, sampled every SIG_QUALITY_SFU_PERIOD_S ---- */

static void on_participant_stats(SfuNode *n, json_t *reply, void *user) {
  (void)n;
  SigCtx *x = user;
  SigPart *p = sig_ctx_part(x);
  if (!p || !sig_reply_ok(reply)) return; /* gone meanwhile, or the SFU no longer has it */
  sig_quality_add_sfu(quality_of(p), sig_now_ms(x->srv), reply);
}

static gboolean sample_all(gpointer user) {
  SigServer *s = user;
  GHashTableIter ri, pi;
  gpointer rv, pv;
  g_hash_table_iter_init(&ri, s->rooms);
  while (g_hash_table_iter_next(&ri, NULL, &rv)) {
    SigRoom *r = rv;
    if (r->state != ROOM_READY || !r->node) continue;
    g_hash_table_iter_init(&pi, r->parts);
    while (g_hash_table_iter_next(&pi, NULL, &pv)) {
      SigPart *p = pv;
      if (!p->ready || p->id->hidden) continue;
      SigCtx *x = sig_ctx_new(s, r->id, p->id->participant, 0, "participant_stats");
      sfu_request(r->node, "participant_stats",
                  json_pack("{s:s, s:s}", "room", r->id, "participant", p->id->participant),
                  on_participant_stats, x, sig_ctx_free);
    }
  }
  return G_SOURCE_CONTINUE;
}

guint sig_quality_sampler_start(SigServer *s) {
  return g_timeout_add_seconds(SIG_QUALITY_SFU_PERIOD_S, sample_all, s);
}

void sig_part_quality_post(SigPart *p) {
  if (p->id->hidden) return; /* a monitor's view is not the call's quality */
  quality_of(p);
  SigServer *s = p->room->srv;
  json_t *r = sig_quality_report(p->quality, p->id->participant, p->joined_at, sig_now_unix(s));
  log_info("call_quality", "room=%s participant=%s samples=%u", p->room->id, p->id->participant,
           p->quality->n);
  sig_post_event(s, p->room->id, "call_quality", "system", r);
  sig_quality_free(p->quality);
  p->quality = NULL;
}

void sig_part_quality_free(SigPart *p) {
  sig_quality_free(p->quality);
  p->quality = NULL;
}
