/* Small helpers over jansson for the strict JSON every boundary speaks:
 * objects only, no duplicate keys, no unknown fields, typed getters that
 * say what was wrong. */
#ifndef PARLOUR_JSONUTIL_H
#define PARLOUR_JSONUTIL_H

#include <jansson.h>
#include <stddef.h>

/* Parses text as one JSON object (duplicates refused, depth limited by
 * jansson). Returns a new reference or NULL with a reason in err. */
json_t *jsonu_parse_object(const char *text, size_t len, char *err, size_t errsize);

/* Returns NULL when every key of obj is in allowed (NULL-terminated),
 * otherwise the first key that is not. */
const char *jsonu_unknown_key(json_t *obj, const char *const *allowed);

/* Typed getters: NULL / -1 when absent or of another type. */
const char *jsonu_str(json_t *obj, const char *key);
int jsonu_int(json_t *obj, const char *key, long long *out); /* 0 ok, -1 absent/wrong */
int jsonu_bool(json_t *obj, const char *key, int *out);

/* Compact dump; free() the result (jansson allocates with malloc). */
char *jsonu_dump(json_t *j);

/* {"error":{"code":code,"message":message,"field":field|null}} as text;
 * free() the result. */
char *jsonu_error_text(const char *code, const char *message, const char *field);

#endif
