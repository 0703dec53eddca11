/* sig_faces_policy.h */
#include "sig_faces_policy.h"

#include <string.h>

bool sig_faces_may_analyse(const char *visit_type, const char *role, bool hidden, bool publish) {
  return visit_type && role && strcmp(visit_type, "social") == 0 &&
         strcmp(role, "visitor") == 0 && !hidden && publish;
}

static bool ident_ok(const char *s) {
  if (!s || !*s || strlen(s) > 128) return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          strchr("_.:@-", *p)))
      return false;
  return true;
}

static bool b64_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 64000 || n % 4) return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '+' || *p == '/' || *p == '='))
      return false;
  return true;
}

SigFacesReport sig_faces_parse(const char *data, size_t len, json_t **doc) {
  SigFacesReport r = {.kind = SIG_FACES_BAD};
  *doc = NULL;
  if (!data || len == 0 || len > 65536) {
    r.why = "size";
    return r;
  }
  json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(j)) {
    json_decref(j);
    r.why = "not a JSON object";
    return r;
  }
  *doc = j;
  json_t *v = json_object_get(j, "v");
  const char *type = json_string_value(json_object_get(j, "type"));
  if (!json_is_integer(v) || json_integer_value(v) != 1 || !type) {
    r.why = "v or type";
    return r;
  }
  if (strcmp(type, "analyser_alive") == 0) {
    r.kind = SIG_FACES_ALIVE;
    return r;
  }
  bool is_snap = strcmp(type, "snapshot") == 0;
  if (strcmp(type, "faces") != 0 && !is_snap) {
    r.why = "unknown type";
    return r;
  }
  r.room = json_string_value(json_object_get(j, "room"));
  r.participant = json_string_value(json_object_get(j, "participant"));
  json_t *f = json_object_get(j, "faces");
  json_t *at = json_object_get(j, "at_ms");
  json_t *snap = json_object_get(j, "snapshot");
  if (!ident_ok(r.room) || !ident_ok(r.participant)) r.why = "room or participant";
  else if (!json_is_integer(f) || json_integer_value(f) < 0 || json_integer_value(f) > 64)
    r.why = "faces";
  else if (!json_is_integer(at) || json_integer_value(at) < 0) r.why = "at_ms";
  else if ((snap || is_snap) && (!json_is_string(snap) || !b64_ok(json_string_value(snap))))
    r.why = "snapshot";
  if (r.why) return r;
  r.kind = is_snap ? SIG_FACES_SNAPSHOT : SIG_FACES_REPORT;
  r.faces = (int)json_integer_value(f);
  r.at_ms = json_integer_value(at);
  r.snapshot = snap ? json_string_value(snap) : NULL;
  return r;
}

const char *sig_faces_action(const char *s) {
  static const char *const actions[] = {"dismiss", "warn", "end", NULL};
  for (const char *const *a = actions; s && *a; a++)
    if (strcmp(*a, s) == 0) return *a;
  return NULL;
}
