#include "jsonutil.h"

#include <stdio.h>
#include <string.h>

json_t *jsonu_parse_object(const char *text, size_t len, char *err, size_t errsize) {
  json_error_t je;
  json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (!j) {
    snprintf(err, errsize, "invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
    return NULL;
  }
  if (!json_is_object(j)) {
    snprintf(err, errsize, "expected a JSON object");
    json_decref(j);
    return NULL;
  }
  return j;
}

const char *jsonu_unknown_key(json_t *obj, const char *const *allowed) {
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    (void)v;
    int known = 0;
    for (const char *const *a = allowed; *a; a++)
      if (strcmp(*a, key) == 0) {
        known = 1;
        break;
      }
    if (!known) return key;
  }
  return NULL;
}

const char *jsonu_str(json_t *obj, const char *key) {
  json_t *v = json_object_get(obj, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

int jsonu_int(json_t *obj, const char *key, long long *out) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_integer(v)) return -1;
  *out = json_integer_value(v);
  return 0;
}

int jsonu_bool(json_t *obj, const char *key, int *out) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_boolean(v)) return -1;
  *out = json_is_true(v);
  return 0;
}

char *jsonu_dump(json_t *j) { return json_dumps(j, JSON_COMPACT); }

char *jsonu_error_text(const char *code, const char *message, const char *field) {
  json_t *e = json_pack("{s:{s:s, s:s, s:o}}", "error", "code", code, "message",
                        message ? message : code, "field",
                        field ? json_string(field) : json_null());
  char *s = json_dumps(e, JSON_COMPACT);
  json_decref(e);
  return s;
}
