#include "sig_join.h"
#include "sig_sightonly.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "b64url.h"
#include "jsonutil.h"
#include "sig_call_e2ee.h"
#include "sig_call_timeup.h"

static const char *const roles[] = {"prisoner",  "visitor",       "probationer",   "officer",
                                    "clinician", "legal_adviser", "staff_monitor",
                                    "interpreter", /* issue 19 part 5: shown, never hidden */
                                    NULL};

gboolean sig_role_valid(const char *role) {
  if (!role) return FALSE;
  for (const char *const *r = roles; *r; r++)
    if (strcmp(*r, role) == 0) return TRUE;
  return FALSE;
}

void sig_identity_free(SigIdentity *id) {
  if (!id) return;
  g_free(id->room);
  g_free(id->participant);
  g_free(id->name);
  g_free(id->role);
  g_free(id->jti);
  g_free(id->visit_type);
  g_free(id);
}

SigIdentity *sig_identity_copy(const SigIdentity *id) {
  SigIdentity *c = g_new(SigIdentity, 1);
  *c = *id;
  c->room = g_strdup(id->room);
  c->participant = g_strdup(id->participant);
  c->name = g_strdup(id->name);
  c->role = g_strdup(id->role);
  c->jti = g_strdup(id->jti);
  c->visit_type = g_strdup(id->visit_type);
  return c;
}

/* Room and participant ids become SFU identifiers: 1-128 characters of
 * [A-Za-z0-9_.:@-] (docs/sfu-control.md). */
static gboolean valid_ident(const char *s) {
  if (!s || !*s || strlen(s) > 128) return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isalnum(*p) && !strchr("_.:@-", *p)) return FALSE;
  return TRUE;
}

static SigIdentity *fail(SigJoinError *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static SigIdentity *fail(SigJoinError *err, const char *code, const char *fmt, ...) {
  err->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return NULL;
}

/* Decodes one base64url JSON part; only called on parts whose signature has
 * already been verified, or (for the header) to read kid. */
static json_t *decode_part(const char *p, size_t n) {
  size_t len = 0;
  unsigned char *raw = b64url_decode(p, n, &len);
  if (!raw) return NULL;
  json_t *j = json_loadb((char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
  g_free(raw);
  if (!json_is_object(j)) {
    json_decref(j);
    return NULL;
  }
  return j;
}

static int get_bool(json_t *o, const char *k, gboolean *out) {
  json_t *v = json_object_get(o, k);
  if (!json_is_boolean(v)) return -1;
  *out = json_is_true(v);
  return 0;
}

/* Window check on signed claims; returns an error code or NULL. */
static const char *window_check(const SigJoinPolicy *pol, json_t *claims, int64_t now,
                                SigJoinError *err) {
  json_t *visit = json_object_get(claims, "visit");
  json_t *js = json_object_get(visit, "start"), *je = json_object_get(visit, "end");
  if (!json_is_integer(js) || !json_is_integer(je)) return NULL; /* claims check reports it */
  int64_t secs = 0;
  switch (sig_timeup_window(json_integer_value(js), json_integer_value(je), pol->early_join_s, now,
                            &secs)) {
    case SIG_WINDOW_TOO_LATE:
      fail(err, "too_late", "the visit ended %lld s ago", (long long)secs);
      err->seconds = secs;
      return err->code;
    case SIG_WINDOW_TOO_EARLY:
      fail(err, "too_early", "the visit opens for joining in %lld s", (long long)secs);
      err->seconds = secs;
      return err->code;
    case SIG_WINDOW_OPEN:
      break;
  }
  return NULL;
}

SigIdentity *sig_join_check(const SigJoinPolicy *pol, const char *token, const char *room,
                            int64_t now, SigJoinError *err) {
  memset(err, 0, sizeof *err);
  if (!token || !*token) return fail(err, "token_malformed", "join needs a token");
  if (!room || !*room) return fail(err, "bad_message", "join needs the room it is for");

  const char *d1 = strchr(token, '.');
  const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
  if (pol->kid && d1 && strlen(token) <= TOKEN_MAX_LEN) {
    json_t *hdr = decode_part(token, (size_t)(d1 - token));
    const char *kid = hdr ? jsonu_str(hdr, "kid") : NULL;
    int unknown = kid && strcmp(kid, pol->kid) != 0;
    char kidcopy[64];
    g_strlcpy(kidcopy, kid ? kid : "", sizeof kidcopy);
    json_decref(hdr);
    if (unknown)
      return fail(err, "token_unknown_key", "token is signed by key %s, not ours (%s)", kidcopy,
                  pol->kid);
  }

  char detail[200];
  json_t *claims = NULL;
  TokenStatus st = token_verify(token, pol->pub, &pol->expect, now, &claims, detail, sizeof detail);
  if (st == TOKEN_EXPIRED || st == TOKEN_NOT_YET_VALID) {
    /* The signature verified (time is checked last): the claims are
     * booking's, so the visit window can be judged from them. */
    claims = d2 ? decode_part(d1 + 1, (size_t)(d2 - d1 - 1)) : NULL;
    if (claims && window_check(pol, claims, now, err)) {
      json_decref(claims);
      return NULL;
    }
    json_decref(claims);
    return fail(err, token_status_code(st), "%s", detail);
  }
  if (st != TOKEN_OK) return fail(err, token_status_code(st), "%s", detail);
  if (window_check(pol, claims, now, err)) {
    json_decref(claims);
    return NULL;
  }

  SigIdentity *id = g_new0(SigIdentity, 1);
  const char *bad = NULL;
  json_t *grants = json_object_get(claims, "grants");
  json_t *visit = json_object_get(claims, "visit");
  const char *rec = jsonu_str(claims, "recording");
  const char *mon = jsonu_str(claims, "monitoring");
  json_t *e2ee_claim = json_object_get(claims, "e2ee");
  json_t *audio_grant = json_is_object(grants) ? json_object_get(grants, "audio") : NULL;
  long long vs = 0, ve = 0;
  id->room = g_strdup(jsonu_str(claims, "room"));
  id->participant = g_strdup(jsonu_str(claims, "sub"));
  id->name = g_strdup(jsonu_str(claims, "name"));
  id->role = g_strdup(jsonu_str(claims, "role"));
  id->jti = g_strdup(jsonu_str(claims, "jti"));
  id->visit_type = g_strdup(visit ? jsonu_str(visit, "type") : NULL);
  if (!valid_ident(id->room)) bad = "room";
  else if (!valid_ident(id->participant)) bad = "sub";
  else if (!id->name || !*id->name || strlen(id->name) > 200) bad = "name";
  else if (!sig_role_valid(id->role)) bad = "role";
  else if (!json_is_object(grants) || get_bool(grants, "publish", &id->publish) ||
           get_bool(grants, "subscribe", &id->subscribe) ||
           get_bool(grants, "hidden", &id->hidden) ||
           get_bool(grants, "moderate", &id->moderate) ||
           get_bool(grants, "may_record", &id->may_record))
    bad = "grants";
  else if (!json_is_object(visit) || !id->visit_type || jsonu_int(visit, "start", &vs) ||
           jsonu_int(visit, "end", &ve) || ve <= vs)
    bad = "visit";
  else if (!rec || (strcmp(rec, "required") != 0 && strcmp(rec, "forbidden") != 0))
    bad = "recording";
  else if (!sig_sight_monitoring_parse(mon, &id->monitoring_allowed, &id->monitoring_video_only))
    bad = "monitoring";
  else if (audio_grant && !json_is_boolean(audio_grant))
    bad = "grants"; /* grants.audio: optional, a boolean (absent: true) */
  else if ((e2ee_claim && !json_is_string(e2ee_claim)) ||
           !sig_e2ee_policy(id->visit_type, json_string_value(e2ee_claim), &id->e2ee_required))
    bad = "e2ee";
  else if (strcmp(id->role, "staff_monitor") == 0 && (!id->hidden || id->publish))
    bad = "grants"; /* a monitor is always hidden and never publishes */
  else if (strcmp(id->role, "interpreter") == 0 && id->hidden)
    bad = "grants"; /* everyone on the call sees the interpreter */
  else if (id->hidden && id->publish)
    bad = "grants"; /* a hidden participant's media would reveal them */
  else if (json_object_get(claims, "on_device") &&
           (!json_is_integer(json_object_get(claims, "on_device")) ||
            json_integer_value(json_object_get(claims, "on_device")) < 1 ||
            json_integer_value(json_object_get(claims, "on_device")) > 6))
    bad = "on_device";
  json_t *od = json_object_get(claims, "on_device");
  id->on_device = json_is_integer(od) ? (int)json_integer_value(od) : 1;
  id->visit_start = vs;
  id->visit_end = ve;
  id->recording_required = rec && strcmp(rec, "required") == 0;
  /* Sight-only legal monitoring: a hidden participant of a video_only call
   * has no audio whatever its grant says (sig_sightonly.h). */
  id->audio = sig_sight_audio_allowed(id->hidden, id->monitoring_video_only,
                                      !audio_grant || json_is_true(audio_grant));
  json_decref(claims);
  if (bad) {
    sig_identity_free(id);
    return fail(err, "token_invalid_claims", "claim %s is missing or not valid", bad);
  }
  if (strcmp(id->room, room) != 0) {
    sig_identity_free(id);
    return fail(err, "wrong_room", "this token is for another visit");
  }
  if (id->hidden && !id->monitoring_allowed) {
    sig_identity_free(id);
    return fail(err, "monitoring_forbidden", "this visit may not be monitored");
  }
  return id;
}
