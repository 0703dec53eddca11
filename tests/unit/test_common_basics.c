/* base64url, ids, time parsing, log quoting and JSON helpers. */
#include <glib.h>
#include <string.h>

#include "b64url.h"
#include "ids.h"
#include "jsonutil.h"
#include "log.h"
#include "timeutil.h"

static void test_b64url_roundtrip(void) {
  for (size_t len = 0; len < 70; len++) {
    unsigned char buf[70];
    for (size_t i = 0; i < len; i++) buf[i] = (unsigned char)(i * 37 + len);
    char *t = b64url_encode(buf, len);
    g_assert_null(strpbrk(t, "+/="));
    size_t n = 0;
    unsigned char *back = b64url_decode(t, strlen(t), &n);
    g_assert_nonnull(back);
    g_assert_cmpuint(n, ==, len);
    g_assert_cmpmem(back, n, buf, len);
    g_free(back);
    g_free(t);
  }
}

static void test_b64url_rejects(void) {
  size_t n;
  const char *bad[] = {"A", "AAAAA", "AB+C", "AB/C", "AA==", "A A", "Zg=", "\xff\xfe"};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
    g_assert_null(b64url_decode(bad[i], strlen(bad[i]), &n));
  /* Non-zero trailing bits: "Zh" and "Zg" would both mean "f". */
  g_assert_null(b64url_decode("Zh", 2, &n));
  unsigned char *ok = b64url_decode("Zg", 2, &n);
  g_assert_nonnull(ok);
  g_assert_cmpmem(ok, n, "f", 1);
  g_free(ok);
}

static void test_ids(void) {
  char *a = ids_random_hex(16), *b = ids_random_hex(16);
  g_assert_cmpuint(strlen(a), ==, 32);
  g_assert_cmpstr(a, !=, b);
  g_assert_true(ids_secret_equal(a, a));
  g_assert_false(ids_secret_equal(a, b));
  g_assert_false(ids_secret_equal(a, "short"));
  g_assert_false(ids_secret_equal(NULL, a));
  g_assert_null(ids_random_hex(0));
  char *c = ids_random_b64url(32);
  g_assert_cmpuint(strlen(c), ==, 43);
  g_assert_cmpuint(ids_random_u32(), !=, 0);
  g_free(a);
  g_free(b);
  g_free(c);
}

static void test_time(void) {
  int64_t t;
  g_assert_cmpint(time_parse_iso8601("2026-11-21T12:00:00Z", &t), ==, 0);
  g_assert_cmpint(t, ==, 1795262400);
  int64_t t2;
  g_assert_cmpint(time_parse_iso8601("2026-11-21T13:30:00+01:30", &t2), ==, 0);
  g_assert_cmpint(t2, ==, t);
  char buf[32];
  g_assert_cmpstr(time_format_iso8601(t, buf, sizeof buf), ==, "2026-11-21T12:00:00Z");
  const char *bad[] = {"2026-11-21", "2026-11-21T12:00:00", "2026-02-30T00:00:00Z",
                       "2026-11-21T24:00:00Z", "2026-11-21 12:00:00Z", "2026-11-21T12:00:00+5",
                       "", "xxxx-xx-xxTxx:xx:xxZ", "2026-11-21T12:00:00Zjunk"};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
    g_assert_cmpint(time_parse_iso8601(bad[i], &t), ==, -1);
  g_assert_cmpint(time_parse_date("2028-02-29", &t), ==, 0);
  g_assert_cmpint(time_parse_date("2027-02-29", &t), ==, -1);
  g_assert_cmpint(time_parse_date("2027-1-01", &t), ==, -1);
  g_assert_cmpint(time_parse_date(NULL, &t), ==, -1);
  g_assert_cmpint(time_mono_us(), >, 0);
}

static void test_log_quote(void) {
  char buf[64];
  g_assert_cmpstr(log_quote(buf, sizeof buf, "plain"), ==, "plain");
  g_assert_cmpstr(log_quote(buf, sizeof buf, "two words"), ==, "\"two words\"");
  g_assert_cmpstr(log_quote(buf, sizeof buf, "a\"b\nc=d"), ==, "\"a\\\"bc=d\"");
  g_assert_cmpstr(log_quote(buf, sizeof buf, ""), ==, "\"\"");
  char tiny[4];
  log_quote(tiny, sizeof tiny, "a long value here");
  g_assert_cmpuint(strlen(tiny), <, sizeof tiny);
  LogLevel l;
  g_assert_cmpint(log_level_parse("WARN", &l), ==, 0);
  g_assert_cmpint(l, ==, LOG_LEVEL_WARN);
  g_assert_cmpint(log_level_parse("verbose", &l), ==, -1);
}

static void test_json(void) {
  char err[256];
  g_assert_null(jsonu_parse_object("[1]", 3, err, sizeof err));
  g_assert_null(jsonu_parse_object("{\"a\":1,\"a\":2}", 13, err, sizeof err));
  g_assert_null(jsonu_parse_object("{", 1, err, sizeof err));
  g_assert_nonnull(strstr(err, "invalid JSON"));
  const char *text = "{\"a\":\"x\",\"n\":5,\"b\":true}";
  json_t *o = jsonu_parse_object(text, strlen(text), err, sizeof err);
  g_assert_nonnull(o);
  const char *const allowed[] = {"a", "n", NULL};
  g_assert_cmpstr(jsonu_unknown_key(o, allowed), ==, "b");
  long long n;
  int b;
  g_assert_cmpint(jsonu_int(o, "n", &n), ==, 0);
  g_assert_cmpint(n, ==, 5);
  g_assert_cmpint(jsonu_int(o, "a", &n), ==, -1);
  g_assert_cmpint(jsonu_bool(o, "b", &b), ==, 0);
  g_assert_true(b);
  g_assert_cmpstr(jsonu_str(o, "a"), ==, "x");
  g_assert_null(jsonu_str(o, "n"));
  json_decref(o);
  char *e = jsonu_error_text("bad_date", "date is not a real date", "date");
  g_assert_cmpstr(e, ==,
                  "{\"error\":{\"code\":\"bad_date\",\"message\":\"date is not a real date\","
                  "\"field\":\"date\"}}");
  free(e);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/b64url/roundtrip", test_b64url_roundtrip);
  g_test_add_func("/b64url/rejects", test_b64url_rejects);
  g_test_add_func("/ids/random_and_compare", test_ids);
  g_test_add_func("/time/parse_format", test_time);
  g_test_add_func("/log/quote_and_levels", test_log_quote);
  g_test_add_func("/json/helpers", test_json);
  return g_test_run();
}
