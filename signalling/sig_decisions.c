/* Booking's later decisions on live calls: parsing booking's answers and
 * planning what a decision does (pure), then carrying the plan out on the
 * live state. See sig_decisions.h. */
#include "sig_decisions.h"
#include "sig_sightonly.h"

#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "sig_admit.h"
#include "sig_conn.h"
#include "sig_metrics.h"
#include "sig_oneway_live.h"
#include "sig_relay.h"
#include "sig_room.h"
#include "sig_server_state.h"

/* ---- admission answers ---- */

static void unavailable(SigAdmitAnswer *out, const char *why) {
  memset(out, 0, sizeof *out);
  out->outcome = SIG_ADMIT_UNAVAILABLE;
  g_strlcpy(out->code, why, sizeof out->code);
}

/* A snake_case code booking may name: 1-63 of [a-z0-9_]. */
static gboolean code_ok(const char *s) {
  if (!s || !*s || strlen(s) > 63) return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '_') return FALSE;
  return TRUE;
}

void sig_admit_parse(guint status, const char *body, size_t len, SigAdmitAnswer *out) {
  if (status == 0) return unavailable(out, "no_answer");
  if (status != 200) {
    char why[32];
    g_snprintf(why, sizeof why, "http_%u", status);
    return unavailable(out, why);
  }
  char err[200];
  json_t *j = body ? jsonu_parse_object(body, len, err, sizeof err) : NULL;
  if (!j) return unavailable(out, "not_json");
  int admit = 0;
  if (jsonu_bool(j, "admit", &admit) != 0) {
    json_decref(j);
    return unavailable(out, "no_admit");
  }
  if (!admit) {
    const char *code = jsonu_str(j, "code");
    const char *message = jsonu_str(j, "message");
    if (!code_ok(code)) {
      json_decref(j);
      return unavailable(out, "bad_code");
    }
    memset(out, 0, sizeof *out);
    out->outcome = SIG_ADMIT_NO;
    g_strlcpy(out->code, code, sizeof out->code);
    g_strlcpy(out->message, message && *message ? message : code, sizeof out->message);
    json_decref(j);
    return;
  }
  json_t *visit = json_object_get(j, "visit");
  json_t *policy = json_object_get(j, "policy");
  long long start = 0, end = 0;
  const char *type = jsonu_str(visit, "type");
  const char *mon = jsonu_str(policy, "monitoring");
  const char *rec = jsonu_str(policy, "recording");
  SigOneWay one_way = SIG_ONEWAY_OFF;
  json_t *ow = json_object_get(policy, "one_way_video");
  if (ow && (!json_is_string(ow) || sig_oneway_parse(json_string_value(ow), &one_way) != 0)) {
    json_decref(j); /* a direction we do not know: refuse rather than show video */
    return unavailable(out, "bad_one_way_video");
  }
  json_t *audio = json_object_get(j, "audio");
  gboolean allowed = FALSE, video_only = FALSE;
  if (!json_is_object(visit) || !json_is_object(policy) || !type || !*type ||
      strlen(type) >= sizeof out->visit_type || jsonu_int(visit, "start", &start) != 0 ||
      jsonu_int(visit, "end", &end) != 0 || end <= start || !mon || !rec ||
      !sig_sight_monitoring_parse(mon, &allowed, &video_only) ||
      (audio && !json_is_boolean(audio)) ||
      (strcmp(rec, "required") != 0 && strcmp(rec, "forbidden") != 0)) {
    json_decref(j);
    return unavailable(out, "bad_admit");
  }
  memset(out, 0, sizeof *out);
  out->outcome = SIG_ADMIT_YES;
  g_strlcpy(out->visit_type, type, sizeof out->visit_type);
  out->start = start;
  out->end = end;
  out->monitoring_allowed = allowed;
  out->monitoring_video_only = video_only;
  out->audio = !audio || json_is_true(audio);
  out->recording_required = strcmp(rec, "required") == 0;
  out->one_way = one_way;
  json_decref(j);
}

/* ---- the decision feed ---- */

void sig_decision_free(gpointer p) {
  SigDecision *d = p;
  if (!d) return;
  g_free(d->visit_id);
  g_free(d->action_name);
  g_free(d->participant);
  g_free(d->reason);
  g_free(d->message);
  g_free(d);
}

static int fail(char *err, size_t n, const char *fmt, long long seq) {
  g_snprintf(err, n, fmt, seq);
  return -1;
}

int sig_decisions_parse(const char *body, size_t len, gint64 after, GPtrArray *out,
                        gint64 *head, char *err, size_t errsize) {
  char jerr[200];
  json_t *j = body ? jsonu_parse_object(body, len, jerr, sizeof jerr) : NULL;
  if (!j) {
    g_snprintf(err, errsize, "not a JSON object: %s", body ? jerr : "no body");
    return -1;
  }
  long long h = 0;
  int rc = -1;
  json_t *list = json_object_get(j, "decisions");
  if (jsonu_int(j, "head", &h) != 0 || h < 0) {
    g_strlcpy(err, "no integer head", errsize);
    goto out;
  }
  if (after >= 0 && !json_is_array(list)) {
    g_strlcpy(err, "no decisions array", errsize);
    goto out;
  }
  gint64 last = after;
  size_t i;
  json_t *x;
  json_array_foreach(after >= 0 ? list : NULL, i, x) {
    long long seq = 0;
    const char *visit = jsonu_str(x, "visit_id"), *action = jsonu_str(x, "action"),
               *reason = jsonu_str(x, "reason");
    if (!json_is_object(x) || jsonu_int(x, "seq", &seq) != 0) {
      g_strlcpy(err, "decision without an integer seq", errsize);
      goto out;
    }
    if (seq <= last) {
      fail(err, errsize, "seq %lld is not above the one before", seq);
      goto out;
    }
    if (!visit || !*visit || !action || !reason || !*reason) {
      fail(err, errsize, "decision %lld lacks visit_id, action or reason", seq);
      goto out;
    }
    SigDecision *d = g_new0(SigDecision, 1);
    d->seq = seq;
    d->visit_id = g_strdup(visit);
    d->action_name = g_strdup(action);
    d->reason = g_strdup(reason);
    const char *m = jsonu_str(x, "message");
    d->message = g_strdup(m ? m : "");
    d->monitoring = d->recording = d->one_way = -1;
    if (strcmp(action, "end_call") == 0) {
      d->action = SIG_DEC_END_CALL;
    } else if (strcmp(action, "remove_participant") == 0) {
      const char *who = jsonu_str(x, "participant");
      if (!who || !*who) {
        sig_decision_free(d);
        fail(err, errsize, "remove_participant %lld names no participant", seq);
        goto out;
      }
      d->action = SIG_DEC_REMOVE_PARTICIPANT;
      d->participant = g_strdup(who);
    } else if (strcmp(action, "update_policy") == 0) {
      json_t *data = json_object_get(x, "data");
      const char *mon = jsonu_str(data, "monitoring"), *rec = jsonu_str(data, "recording");
      d->action = SIG_DEC_UPDATE_POLICY;
      if (mon) d->monitoring = strcmp(mon, "allowed") == 0 ? 1 : strcmp(mon, "forbidden") == 0 ? 0 : -1;
      if (rec) d->recording = strcmp(rec, "required") == 0 ? 1 : strcmp(rec, "forbidden") == 0 ? 0 : -1;
      SigOneWay ow;
      json_t *owj = json_object_get(data, "one_way_video");
      if (json_is_string(owj) && sig_oneway_parse(json_string_value(owj), &ow) == 0) d->one_way = ow;
    } else {
      d->action = SIG_DEC_UNKNOWN;
    }
    g_ptr_array_add(out, d);
    last = seq;
  }
  if (out->len > 0 && last > h) {
    fail(err, errsize, "decision %lld is above the head", last);
    goto out;
  }
  *head = h;
  rc = 0;
out:
  json_decref(j);
  return rc;
}

/* ---- planning (pure) ---- */

static size_t add(SigAction *out, size_t n, size_t max, SigActionKind k, const char *who,
                  const char *reason) {
  if (n < max) out[n] = (SigAction){k, who, reason, 0};
  return n + 1;
}

size_t sig_decision_plan(const SigDecision *d, const SigCallFacts *f, SigAction *out,
                         size_t max) {
  size_t n = 0;
  switch (d->action) {
  case SIG_DEC_END_CALL:
    if (f->live) n = add(out, n, max, SIG_ACT_END_CALL, NULL, d->reason);
    else if (!f->ended) n = add(out, n, max, SIG_ACT_MARK_ENDED, NULL, d->reason);
    break;
  case SIG_DEC_REMOVE_PARTICIPANT: {
    if (!f->live) break; /* not held here: the admission check refuses them */
    gboolean present = FALSE;
    for (size_t i = 0; i < f->n_parts; i++)
      if (strcmp(f->parts[i].id, d->participant) == 0) present = TRUE;
    if (present)
      n = add(out, n, max, SIG_ACT_REMOVE, d->participant, d->reason);
    else if (!f->is_removed || !f->is_removed(d->participant, f->user))
      n = add(out, n, max, SIG_ACT_MARK_REMOVED, d->participant, d->reason);
    break;
  }
  case SIG_DEC_UPDATE_POLICY:
    /* Tighten only: the people in the call were told its terms before it
     * started; a loosening waits for the next call. */
    if (!f->live) break;
    if (d->monitoring == 0) {
      if (f->monitoring_allowed) n = add(out, n, max, SIG_ACT_FORBID_MONITORING, NULL, d->reason);
      for (size_t i = 0; i < f->n_parts; i++)
        if (f->parts[i].hidden) n = add(out, n, max, SIG_ACT_REMOVE, f->parts[i].id, d->reason);
    }
    if (d->recording == 0) {
      if (f->recording_required) n = add(out, n, max, SIG_ACT_FORBID_RECORDING, NULL, d->reason);
      if (f->recording_on) n = add(out, n, max, SIG_ACT_STOP_RECORDING, NULL, d->reason);
    }
    /* One-way video, on, off or turned round, applies at once: staff
     * decided it for safety, and the people are told on their call page. */
    if (d->one_way >= 0 && d->one_way != f->one_way) {
      n = add(out, n, max, SIG_ACT_SET_ONE_WAY, NULL, d->reason);
      if (n <= max) out[n - 1].value = d->one_way;
    }
    break;
  case SIG_DEC_UNKNOWN:
    break;
  }
  return MIN(n, max);
}

/* ---- on the live state ---- */

static gboolean room_removed(const char *participant, void *user) {
  return g_hash_table_contains(((SigRoom *)user)->removed, participant);
}

static void on_record_stopped(SfuNode *n, json_t *reply, void *user) {
  SigCtx *x = user;
  if (sig_reply_ok(reply))
    log_info("recording_stopped", "room=%s node=%s reason=policy_changed", x->room, sfu_node_url(n));
  else
    log_error("recording_stop_failed", "room=%s node=%s code=%s", x->room, sfu_node_url(n),
              sig_reply_code(reply));
}

/* Removes one participant for booking: removed to them (close 4001), the
 * others see them leave, booking told, a rejoin refused (room->removed). */
static void remove_part(SigRoom *r, SigPart *t, const SigDecision *d, const char *reason) {
  char *tid = g_strdup(t->id->participant);
  log_info("participant_removed", "room=%s participant=%s by=booking reason=%s seq=%" G_GINT64_FORMAT,
           r->id, tid, reason, d->seq);
  g_hash_table_replace(r->removed, g_strdup(tid), g_strdup(reason));
  if (t->conn) {
    SigConn *tc = t->conn;
    json_t *f = json_pack("{s:s, s:s}", "reason", reason, "by", "staff");
    if (*d->message) json_object_set_new(f, "message", json_string(d->message));
    sig_send(tc, "removed", f);
    sig_conn_close(tc, SIG_CLOSE_REMOVED, "removed");
  }
  json_t *data = json_pack("{s:s, s:s, s:s, s:I}", "participant", tid, "by", "booking", "why",
                           reason, "seq", (json_int_t)d->seq);
  if (*d->message) json_object_set_new(data, "message", json_string(d->message));
  sig_post_event(r->srv, r->id, "participant_removed", "system", data);
  sig_part_leave(t, "removed", TRUE);
  g_free(tid);
}

void sig_decisions_apply(SigServer *s, const SigDecision *d) {
  SigRoom *r = g_hash_table_lookup(s->rooms, d->visit_id);
  GArray *facts = g_array_new(FALSE, FALSE, sizeof(SigPartFact));
  SigCallFacts f = {.live = r != NULL, .ended = g_hash_table_contains(s->ended, d->visit_id)};
  if (r) {
    f.monitoring_allowed = r->policy->monitoring_allowed;
    f.recording_required = r->policy->recording_required;
    f.recording_on = r->recording;
    f.one_way = r->policy->one_way;
    f.is_removed = room_removed;
    f.user = r;
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, r->parts);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
      SigPart *p = v;
      SigPartFact pf = {p->id->participant, p->id->hidden};
      g_array_append_val(facts, pf);
    }
    f.parts = (const SigPartFact *)facts->data;
    f.n_parts = facts->len;
  }
  SigAction acts[SIG_MAX_ACTIONS];
  size_t n = sig_decision_plan(d, &f, acts, G_N_ELEMENTS(acts));
  /* Names borrowed from the parts: copy them before any part goes. */
  char *who[SIG_MAX_ACTIONS] = {0};
  for (size_t i = 0; i < n; i++) who[i] = g_strdup(acts[i].participant);
  g_array_free(facts, TRUE);
  log_info("decision", "seq=%" G_GINT64_FORMAT " visit=%s action=%s reason=%s participant=%s "
           "live=%d actions=%zu", d->seq, d->visit_id, d->action_name, d->reason,
           d->participant ? d->participant : "-", r != NULL, n);
  /* booking's own action name only when we know it: an unknown one is "unknown". */
  sig_metrics_decision_applied(d->action == SIG_DEC_UNKNOWN ? "unknown" : d->action_name);
  for (size_t i = 0; i < n; i++) {
    r = g_hash_table_lookup(s->rooms, d->visit_id); /* an action may have ended it */
    switch (acts[i].kind) {
    case SIG_ACT_END_CALL:
      if (r) sig_room_end(r, acts[i].reason, NULL, *d->message ? d->message : NULL);
      break;
    case SIG_ACT_MARK_ENDED:
      g_hash_table_replace(s->ended, g_strdup(d->visit_id), g_strdup(acts[i].reason));
      break;
    case SIG_ACT_REMOVE: {
      SigPart *t = r ? g_hash_table_lookup(r->parts, who[i]) : NULL;
      if (t) remove_part(r, t, d, acts[i].reason);
      break;
    }
    case SIG_ACT_MARK_REMOVED:
      if (r) g_hash_table_replace(r->removed, g_strdup(who[i]), g_strdup(acts[i].reason));
      break;
    case SIG_ACT_FORBID_MONITORING:
      if (r) r->policy->monitoring_allowed = FALSE;
      break;
    case SIG_ACT_SET_ONE_WAY:
      if (r) sig_room_set_one_way(r, (SigOneWay)acts[i].value, acts[i].reason);
      break;
    case SIG_ACT_FORBID_RECORDING:
      if (r) r->policy->recording_required = FALSE;
      break;
    case SIG_ACT_STOP_RECORDING:
      if (!r || !r->recording) break;
      r->recording = FALSE;
      if (r->node && r->state == ROOM_READY)
        sfu_request(r->node, "record_stop", json_pack("{s:s}", "room", r->id), on_record_stopped,
                    sig_ctx_new(s, r->id, NULL, 0, "record"), sig_ctx_free);
      sig_broadcast(r, NULL, "recording",
                    json_pack("{s:b, s:s}", "on", 0, "reason", acts[i].reason));
      break;
    }
  }
  for (size_t i = 0; i < n; i++) g_free(who[i]);
}

void sig_admit_effective(SigIdentity *id, const SigAdmitAnswer *a, const SigIdentity *room) {
  g_free(id->visit_type);
  id->visit_type = g_strdup(a->visit_type);
  id->visit_start = a->start;
  id->visit_end = a->end;
  id->recording_required = a->recording_required;
  id->monitoring_allowed = a->monitoring_allowed;
  id->one_way = a->one_way;
  /* Sight only as soon as the token, booking's answer or the room says so. */
  id->monitoring_video_only = id->monitoring_video_only || a->monitoring_video_only;
  if (room) {
    id->recording_required = a->recording_required && room->recording_required;
    id->monitoring_allowed = a->monitoring_allowed && room->monitoring_allowed;
    id->monitoring_video_only = id->monitoring_video_only || room->monitoring_video_only;
  }
  id->audio = sig_sight_audio_allowed(id->hidden, id->monitoring_video_only, id->audio && a->audio);
}

void sig_admit_effective_room(SigIdentity *id, const SigIdentity *room) {
  g_free(id->visit_type);
  id->visit_type = g_strdup(room->visit_type);
  id->visit_start = room->visit_start;
  id->visit_end = room->visit_end;
  id->recording_required = room->recording_required;
  id->monitoring_allowed = room->monitoring_allowed;
  id->one_way = room->one_way;
  id->monitoring_video_only = id->monitoring_video_only || room->monitoring_video_only;
  id->audio = sig_sight_audio_allowed(id->hidden, id->monitoring_video_only, id->audio);
}

void sig_on_decision(const SigDecision *d, void *user) { sig_decisions_apply(user, d); }
